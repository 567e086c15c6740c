#!/usr/bin/env bash
# Benchmark of issue #4: start and stop of a VNET jail (a veth pair on a bridge, MACs, an
# address, a default route) beside a jail with no network of its own (loopback only), and 50
# VNET jails started at once (50 `iocage start` processes in parallel) and stopped with
# `stop ALL`. Everything runs in a network namespace of its own (iocbenchPID), deleted at the
# end; dir backend, busybox release. Medians; writes bench/results/network-DATE.md.
#
#   bench/network.sh [-n RUNS] [-j JAILS]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${IOCAGE_BIN:-$top/build/iocage}
runs=30
njails=50
while getopts n:j: o; do
	case $o in
	n) runs=$OPTARG ;;
	j) njails=$OPTARG ;;
	*) echo "usage: $0 [-n RUNS] [-j JAILS]" >&2; exit 2 ;;
	esac
done
[ "$njails" -le 200 ] || { echo "$0: at most 200 jails (one /24)" >&2; exit 2; }

ns=iocbench$$
root=$(mktemp -d /var/tmp/ioc-bench-net.XXXXXX)
export IOCAGE_ROOT=$root
unset IOCAGE_POOL
ip netns add "$ns"

ioc() { nsenter --net="/run/netns/$ns" -- "$bin" "$@"; }

cleanup() {
	set +e
	ioc stop ALL >/dev/null 2>&1
	awk -v r="$root" '$5 ~ "^" r {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount "$m"; done
	rm -rf "$root"
	rm -f "/run/iocage/locks/dir.${root//\//%}."* # the jails' and releases' lock files
	ip netns del "$ns"
}
trap cleanup EXIT

rfs=$root.rootfs
mkdir -p "$rfs"/{bin,sbin,etc,dev,proc,sys,tmp,root,home,var,usr/bin,usr/local,lib}
cp /bin/busybox "$rfs/bin/busybox"
for c in sh true ls cat ping; do ln -s busybox "$rfs/bin/$c"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$rfs/etc/passwd"
printf 'root:x:0:\n' >"$rfs/etc/group"
tar -C "$rfs" -czf "$root.tgz" . && rm -rf "$rfs"
ioc fetch -F "$root.tgz" release=bb >/dev/null
rm -f "$root.tgz"

ip -n "$ns" link set lo up
ip -n "$ns" link add bench0 type bridge
ip -n "$ns" addr add 10.30.0.1/24 dev bench0
ip -n "$ns" link set bench0 up

now_us() { echo "${EPOCHREALTIME/./}"; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ms() { awk '{printf "%.2f", $1 / 1000}'; }
time_one() { # microseconds of one run of CMD...; the command must succeed
	local t0 t1
	t0=$(now_us)
	"$@" >/dev/null 2>&1 || { echo "$0: failed: $*" >&2; exit 1; }
	t1=$(now_us)
	echo $((t1 - t0))
}

ioc create -c tag=plain >/dev/null
ioc create -c tag=vnet vnet=on interfaces=vnet0:bench0 "ip4_addr=vnet0|10.30.0.2/24" \
	defaultrouter=10.30.0.1 >/dev/null
# Blocks of 5 of each kind, alternating, so that drift hits both alike; each block starts
# with an unrecorded start/stop: the kernel tears a stopped jail's network namespace (and a
# VNET jail's veth pair) down in the background, and that cost belongs to the kind before.
ps=() pt=() vs=() vt=()
for ((i = 0; i < runs; i += 5)); do
	ioc start plain >/dev/null && ioc stop plain >/dev/null
	for ((k = 0; k < 5; k++)); do
		ps+=("$(time_one ioc start plain)")
		pt+=("$(time_one ioc stop plain)")
	done
	ioc start vnet >/dev/null && ioc stop vnet >/dev/null
	for ((k = 0; k < 5; k++)); do
		vs+=("$(time_one ioc start vnet)")
		vt+=("$(time_one ioc stop vnet)")
	done
done
med() { printf '%s\n' "$@" | median | ms; }
ps_ms=$(med "${ps[@]}")
pt_ms=$(med "${pt[@]}")
vs_ms=$(med "${vs[@]}")
vt_ms=$(med "${vt[@]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

ioc destroy -f plain vnet >/dev/null
for ((i = 1; i <= njails; i++)); do
	ioc create -c tag="n$i" vnet=on interfaces=vnet0:bench0 \
		"ip4_addr=vnet0|10.30.0.$((i + 10))/24" defaultrouter=10.30.0.1 >/dev/null
done
t0=$(now_us)
for ((i = 1; i <= njails; i++)); do
	ioc start "n$i" >/dev/null 2>&1 &
done
wait
t1=$(now_us)
up=$(ioc list -H | awk -F'\t' '$4 == "up"' | wc -l)
ports=$(ip -n "$ns" -o link show master bench0 | wc -l)
reach=0
for i in 1 "$njails"; do
	nsenter --net="/run/netns/$ns" -- /bin/busybox ping -c 1 -W 2 "10.30.0.$((i + 10))" \
		>/dev/null 2>&1 && reach=$((reach + 1))
done
t2=$(now_us)
ioc stop ALL >/dev/null
t3=$(now_us)
left=$(ip -n "$ns" -o link show master bench0 | wc -l)
par_s=$(awk -v d=$((t1 - t0)) 'BEGIN {printf "%.2f", d / 1e6}')
stop_s=$(awk -v d=$((t3 - t2)) 'BEGIN {printf "%.2f", d / 1e6}')

date=$(date -u +%Y-%m-%d)
mkdir -p "$top/bench/results"
out=$top/bench/results/network-$date.md
{
	echo "# iocage network benchmark, $date"
	echo
	echo "Machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)," \
		"kernel $(uname -r); dir backend, thin jails, busybox release, in a private network" \
		"namespace; iocage $("$bin" --version | cut -d' ' -f2); medians of $runs runs of each, in alternating blocks of 5."
	echo
	echo "| measure | no network (loopback) | VNET (veth on a bridge, address, route) | VNET / none |"
	echo "|---|---|---|---|"
	echo "| start | $ps_ms ms | $vs_ms ms | $(ratio "$vs_ms" "$ps_ms")x |"
	echo "| stop | $pt_ms ms | $vt_ms ms | $(ratio "$vt_ms" "$pt_ms")x |"
	echo
	echo "| $njails VNET jails on one bridge | value |"
	echo "|---|---|"
	echo "| started at once ($njails parallel \`start\`), wall time | $par_s s |"
	echo "| up afterwards / bridge ports | $up / $ports |"
	echo "| first and last jail answer ping from the bridge | $reach of 2 |"
	echo "| stop ALL | $stop_s s |"
	echo "| bridge ports left after stop ALL | $left |"
} >"$out"
cat "$out"
