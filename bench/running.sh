#!/usr/bin/env bash
# Benchmark of issue #3: start, stop and `exec true` latency on a thin jail, `exec true` beside
# `nsenter -a` into the same namespaces (the floor), host memory per running jail, and the
# time to start and stop 100 jails. Dir backend, busybox release. Medians; writes
# bench/results/running-DATE.md and prints it.
#
#   bench/running.sh [-n RUNS] [-j JAILS]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${IOCAGE_BIN:-$top/build/iocage}
runs=30
njails=100
while getopts n:j: o; do
	case $o in
	n) runs=$OPTARG ;;
	j) njails=$OPTARG ;;
	*) echo "usage: $0 [-n RUNS] [-j JAILS]" >&2; exit 2 ;;
	esac
done

root=$(mktemp -d /var/tmp/ioc-bench-run.XXXXXX)
export IOCAGE_ROOT=$root
unset IOCAGE_POOL

cleanup() {
	set +e
	"$bin" stop ALL >/dev/null 2>&1
	awk -v r="$root" '$5 ~ "^" r {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount "$m"; done
	rm -rf "$root"
	rm -f "/run/iocage/locks/dir.${root//\//%}."* # the jails' and releases' lock files
}
trap cleanup EXIT

rfs=$root.rootfs
mkdir -p "$rfs"/{bin,sbin,etc,dev,proc,sys,tmp,root,home,var,usr/bin,usr/local,lib}
cp /bin/busybox "$rfs/bin/busybox"
for c in sh true ls cat; do ln -s busybox "$rfs/bin/$c"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$rfs/etc/passwd"
printf 'root:x:0:\n' >"$rfs/etc/group"
tar -C "$rfs" -czf "$root.tgz" . && rm -rf "$rfs"
"$bin" fetch -F "$root.tgz" release=bb >/dev/null
rm -f "$root.tgz"

now_us() { echo "${EPOCHREALTIME/./}"; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ms() { awk '{printf "%.2f", $1 / 1000}'; }

# time_one CMD...: microseconds of one run
time_one() {
	local t0 t1
	t0=$(now_us)
	"$@" >/dev/null 2>&1
	t1=$(now_us)
	echo $((t1 - t0))
}

"$bin" create -c tag=run >/dev/null
starts=() stops=()
for ((i = 0; i < runs; i++)); do
	starts+=("$(time_one "$bin" start run)")
	stops+=("$(time_one "$bin" stop run)")
done
start_ms=$(printf '%s\n' "${starts[@]}" | median | ms)
stop_ms=$(printf '%s\n' "${stops[@]}" | median | ms)

"$bin" start run >/dev/null
jid=$("$bin" list -H | awk -F'\t' '$5 == "run" {print $1}')
ex=() ns=()
for ((i = 0; i < runs * 3; i++)); do # interleaved, so drift hits both alike
	ex+=("$(time_one "$bin" exec run /bin/true)")
	ns+=("$(time_one nsenter -a -t "$jid" /bin/true)")
done
exec_ms=$(printf '%s\n' "${ex[@]}" | median | ms)
ns_ms=$(printf '%s\n' "${ns[@]}" | median | ms)
ratio=$(awk -v a="$exec_ms" -v b="$ns_ms" 'BEGIN {printf "%.2f", a / b}')

# Host memory per running jail: what iocage keeps per jail is its init (no monitor process).
pss=$(awk '/^Pss:/ {print $2}' "/proc/$jid/smaps_rollup")
rss=$(awk '/^Rss:/ {print $2}' "/proc/$jid/smaps_rollup")
"$bin" stop run >/dev/null

"$bin" destroy -f run >/dev/null
"$bin" create -c count="$njails" tag=m >/dev/null
memfree() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
m0=$(memfree)
t0=$(now_us)
"$bin" start ALL >/dev/null
t1=$(now_us)
m1=$(memfree)
up=$("$bin" list -H | awk -F'\t' '$4 == "up"' | wc -l)
t2=$(now_us)
"$bin" stop ALL >/dev/null
t3=$(now_us)
start_all_s=$(awk -v d=$((t1 - t0)) 'BEGIN {printf "%.2f", d / 1e6}')
stop_all_s=$(awk -v d=$((t3 - t2)) 'BEGIN {printf "%.2f", d / 1e6}')
kib_per=$(((m0 - m1) / njails))

date=$(date -u +%Y-%m-%d)
mkdir -p "$top/bench/results"
out=$top/bench/results/running-$date.md
{
	echo "# iocage running-jail benchmark, $date"
	echo
	echo "Machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)," \
		"kernel $(uname -r); dir backend on $(stat -f -c %T /var/tmp); busybox release;" \
		"iocage $("$bin" --version | cut -d' ' -f2); medians of $runs runs (exec: $((runs * 3)), interleaved)."
	echo
	echo "| measure | value |"
	echo "|---|---|"
	echo "| start (thin jail) | $start_ms ms |"
	echo "| stop | $stop_ms ms |"
	echo "| exec true | $exec_ms ms |"
	echo "| nsenter -a true (floor) | $ns_ms ms |"
	echo "| exec / nsenter | ${ratio}x |"
	echo "| init per jail: RSS / PSS | $rss / $pss KiB |"
	echo "| host memory per running jail (MemAvailable drop / $njails) | $kib_per KiB |"
	echo "| start ALL, $njails jails ($up up) | $start_all_s s |"
	echo "| stop ALL, $njails jails | $stop_all_s s |"
} >"$out"
cat "$out"
