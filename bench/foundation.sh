#!/usr/bin/env bash
# Benchmark of issue #2 (no jail running): thin and thick create on each backend, `list` with
# N jails, and how many zfs processes one `list` spawns. Medians of repeated runs; writes a
# Markdown report to bench/results/foundation-DATE.md and prints it.
#
#   bench/foundation.sh [-n RUNS] [-j JAILS]
#
# Everything it makes has a name of its own (pool iocbench$$, root /var/tmp/ioc-bench.$$) and is
# removed when it ends, however it ends.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${IOCAGE_BIN:-$top/build/iocage}
runs=15
njails=200
while getopts n:j: o; do
	case $o in
	n) runs=$OPTARG ;;
	j) njails=$OPTARG ;;
	*) echo "usage: $0 [-n RUNS] [-j JAILS]" >&2; exit 2 ;;
	esac
done

pool=iocbench$$
img=/var/tmp/ioc-bench-$$.img
root=/var/tmp/ioc-bench.$$
work=$(mktemp -d /var/tmp/ioc-bench-work.XXXXXX)

cleanup() {
	set +e
	for _ in 1 2 3 4 5; do
		zpool list "$pool" >/dev/null 2>&1 || break
		zpool destroy -f "$pool" >/dev/null 2>&1 && break
		sleep 1
	done
	rm -f "$img"
	if [ -d "$root" ]; then
		awk -v r="$root" '$5 ~ "^" r {print $5}' /proc/self/mountinfo | sort -r |
			while read -r m; do umount "$m"; done
		rm -rf "$root"
	fi
	rm -f "/run/iocage/locks/dir.${root//\//%}."* "/run/iocage/locks/zfs.$pool."*
	rm -rf "$work"
}
trap cleanup EXIT

[ -x "$bin" ] || { echo "build first: make" >&2; exit 1; }
"$top/scripts/zfs-fuse-up" >/dev/null

# The busybox release the tests use.
rfs=$work/rootfs
mkdir -p "$rfs"/{bin,sbin,etc,dev,proc,sys,tmp,root,home,var,usr/bin,usr/sbin,usr/local,lib}
cp /bin/busybox "$rfs/bin/busybox"
for c in sh ls cat echo hostname sleep id; do ln -s busybox "$rfs/bin/$c"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$rfs/etc/passwd"
printf 'root:x:0:\n' >"$rfs/etc/group"
tar -C "$rfs" -czf "$work/bb.tgz" .

truncate -s 4G "$img"
zpool create "$pool" "$img"

# now in ms with microseconds
now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }

median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# time_runs VAR CMD... : run CMD $runs times, print the median in ms with one decimal
time_runs() {
	local i t0 t1
	for ((i = 0; i < runs; i++)); do
		t0=$(now_us)
		"$@" >/dev/null
		t1=$(now_us)
		echo $(((t1 - t0) / 100))
	done | median | awk '{printf "%.1f", $1 / 10}'
}

declare -A res
for backend in dir zfs; do
	if [ $backend = dir ]; then
		export IOCAGE_ROOT=$root
		unset IOCAGE_POOL
	else
		unset IOCAGE_ROOT
		export IOCAGE_POOL=$pool
	fi
	"$bin" fetch -F "$work/bb.tgz" release=bb >/dev/null
	res[$backend.thin]=$(time_runs "$bin" create -c release=bb)
	res[$backend.thick]=$(time_runs "$bin" create release=bb)
	res[$backend.empty]=$(time_runs "$bin" create -e)
	have=$("$bin" list -H | wc -l)
	"$bin" create -c count=$((njails - have)) tag=b >/dev/null
	res[$backend.n]=$("$bin" list -H | wc -l)
	res[$backend.list]=$(time_runs "$bin" list)
	res[$backend.listH]=$(time_runs "$bin" list -H)
	res[$backend.df]=$(time_runs "$bin" df)
	res[$backend.getr]=$(time_runs "$bin" get -r boot)
	rm -f "$work/trace"
	IOCAGE_TRACE_EXEC=$work/trace "$bin" list >/dev/null
	res[$backend.procs]=$(grep -cE '^(zfs|zpool) ' "$work/trace" 2>/dev/null || true)
	res[$backend.procs]=${res[$backend.procs]:-0}
done

date=$(date -u +%Y-%m-%d)
mkdir -p "$top/bench/results"
out=$top/bench/results/foundation-$date.md
{
	echo "# iocage foundation benchmark, $date"
	echo
	echo "Machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)," \
		"kernel $(uname -r); ZFS: zfs-fuse $(dpkg-query -W -f '${Version}' zfs-fuse 2>/dev/null || echo '?');" \
		"dir root on $(stat -f -c %T /var/tmp). iocage $("$bin" --version | cut -d' ' -f2)," \
		"median of $runs runs, ms."
	echo
	echo "| | dir | zfs |"
	echo "|---|---|---|"
	echo "| create -c (thin) | ${res[dir.thin]} | ${res[zfs.thin]} |"
	echo "| create (thick, busybox release) | ${res[dir.thick]} | ${res[zfs.thick]} |"
	echo "| create -e (empty) | ${res[dir.empty]} | ${res[zfs.empty]} |"
	echo "| list, ${res[dir.n]} / ${res[zfs.n]} jails | ${res[dir.list]} | ${res[zfs.list]} |"
	echo "| list -H | ${res[dir.listH]} | ${res[zfs.listH]} |"
	echo "| df | ${res[dir.df]} | ${res[zfs.df]} |"
	echo "| get -r boot | ${res[dir.getr]} | ${res[zfs.getr]} |"
	echo "| zfs/zpool processes per list | ${res[dir.procs]} | ${res[zfs.procs]} |"
} >"$out"
cat "$out"
