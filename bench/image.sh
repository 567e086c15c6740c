#!/usr/bin/env bash
# Benchmark of issue #8: export and import throughput of a Debian minbase jail on each
# backend, beside the anchors on the same tree: plain `tar --zstd` (create and extract) and, on
# ZFS, `zfs send | zfs recv` of the jail's root; and the archive's size against the tree's.
# Each measure is the median of RUNS. Builds the release with debootstrap (about 30 s, needs
# the mirror); everything lives in a work directory and a pool of its own (iocimg$$), removed
# at the end. Writes bench/results/image-DATE.md and prints it.
#
#   bench/image.sh [-n RUNS] [-s SUITE] [-Z]      (-Z: no ZFS)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${IOCAGE_BIN:-$top/build/iocage}
runs=3 suite=bookworm with_zfs=1
while getopts n:s:Z o; do
	case $o in
	n) runs=$OPTARG ;;
	s) suite=$OPTARG ;;
	Z) with_zfs=0 ;;
	*) echo "usage: $0 [-n RUNS] [-s SUITE] [-Z]" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "$0: run as root" >&2; exit 1; }

W=$(mktemp -d /var/tmp/ioc-bench-img.XXXXXX)
pool=iocimg$$
cp "$bin" "$W/iocage"
bin=$W/iocage
cleanup() {
	set +e
	if [ "$with_zfs" = 1 ] && zpool list -H -o name "$pool" >/dev/null 2>&1; then
		for _ in 1 2 3 4 5; do zpool destroy -f "$pool" 2>/dev/null && break; sleep 1; done
	fi
	awk -v r="$W" '$5 ~ "^" r {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount "$m"; done
	rm -rf "$W"
	rm -f "/run/iocage/locks/dir.${W//\//%}%"* 2>/dev/null
	rm -f "/run/iocage/locks/zfs.$pool."* 2>/dev/null
}
trap cleanup EXIT

now_us() { echo "${EPOCHREALTIME/./}"; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
timed() { # timed CMD...: microseconds; the command must succeed
	local t0
	t0=$(now_us)
	"$@" >/dev/null 2>&1 || { echo "$0: failed: $*" >&2; exit 1; }
	echo $(($(now_us) - t0))
}
mbps() { awk -v b="$1" -v us="$2" 'BEGIN {printf "%.0f", b / us}'; } # bytes/us = MB/s
secs() { awk -v us="$1" 'BEGIN {printf "%.2f", us / 1e6}'; }
mib() { awk -v b="$1" 'BEGIN {printf "%.0f", b / 1048576}'; }

rows=()
# measure NAME: export/import of jail `src` with the current backend, then tar --zstd of its root
measure() {
	local name=$1 root=$2 bytes ex=() im=() tc=() tx=() f size
	[ -d "$root/etc" ] || { echo "$0: $root is not the jail's root" >&2; exit 1; }
	bytes=$(du -sb --apparent-size "$root" | cut -f1)
	for ((i = 0; i < runs; i++)); do
		f=$W/img-$i.tar.zst
		ex+=("$(timed "$bin" export -o "$f" src)")
		im+=("$(timed "$bin" import -n "$f" tag="imp$i")")
		size=$(stat -c %s "$f")
		"$bin" destroy -f "imp$i" >/dev/null
		rm -f "$f" "$f.sha256"
		tc+=("$(timed tar --zstd --xattrs --acls -cf "$W/plain.tar.zst" -C "$root" .)")
		mkdir -p "$W/x"
		tx+=("$(timed tar --zstd --xattrs --acls -xf "$W/plain.tar.zst" -C "$W/x")")
		plain=$(stat -c %s "$W/plain.tar.zst")
		rm -rf "$W/x" "$W/plain.tar.zst"
	done
	local e i c x
	e=$(printf '%s\n' "${ex[@]}" | median)
	i=$(printf '%s\n' "${im[@]}" | median)
	c=$(printf '%s\n' "${tc[@]}" | median)
	x=$(printf '%s\n' "${tx[@]}" | median)
	rows+=("| $name | $(mib "$bytes") MiB | iocage export | $(secs "$e") s | $(mbps "$bytes" "$e") MB/s | $(mib "$size") MiB |")
	rows+=("| $name | | iocage import | $(secs "$i") s | $(mbps "$bytes" "$i") MB/s | |")
	rows+=("| $name | | tar --zstd -c (anchor) | $(secs "$c") s | $(mbps "$bytes" "$c") MB/s | $(mib "$plain") MiB |")
	rows+=("| $name | | tar --zstd -x (anchor) | $(secs "$x") s | $(mbps "$bytes" "$x") MB/s | |")
	tree_bytes=$bytes
}

# ---- dir backend ----
export IOCAGE_ROOT=$W/dir
unset IOCAGE_POOL
echo "bench/image.sh: debootstrap $suite (dir backend)" >&2
"$bin" fetch -q release="$suite" >/dev/null
"$bin" create release="$suite" tag=src >/dev/null
measure dir "$W/dir/jails/$("$bin" list -H | awk -F'\t' '$5 == "src" {print $2}')/root"

# ---- zfs backend ----
if [ "$with_zfs" = 1 ]; then
	"$top/scripts/zfs-fuse-up"
	truncate -s 6G "$W/pool.img"
	zpool create "$pool" "$W/pool.img"
	unset IOCAGE_ROOT
	export IOCAGE_POOL=$pool
	echo "bench/image.sh: the same release on ZFS" >&2
	# The release from the dir backend's tree: no second debootstrap.
	tar --zstd --xattrs --acls -cf "$W/rel.tar.zst" -C "$W/dir/releases/$suite/root" .
	"$bin" fetch -F "$W/rel.tar.zst" release="$suite" >/dev/null
	rm -f "$W/rel.tar.zst"
	"$bin" create release="$suite" tag=src >/dev/null
	u=$("$bin" list -H | awk -F'\t' '$5 == "src" {print $2}')
	ds=$pool/iocage/jails/$u/root
	measure zfs "$(zfs get -H -o value mountpoint "$ds")"
	zfs snapshot "$ds@bench"
	sr=()
	for ((i = 0; i < runs; i++)); do
		sr+=("$(timed sh -c "zfs send '$ds@bench' | zfs recv '$pool/recv$i'")")
		for _ in 1 2 3 4 5; do zfs destroy -r "$pool/recv$i" 2>/dev/null && break; sleep 1; done
	done
	s=$(printf '%s\n' "${sr[@]}" | median)
	rows+=("| zfs | | zfs send \\| zfs recv (anchor) | $(secs "$s") s | $(mbps "$tree_bytes" "$s") MB/s | |")
	zfs destroy "$ds@bench" 2>/dev/null || true
fi

date=$(date -u +%Y-%m-%d)
mkdir -p "$top/bench/results"
out=$top/bench/results/image-$date.md
{
	echo "# iocage image benchmark, $date"
	echo
	echo "Machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)," \
		"kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg); a thick jail of Debian $suite" \
		"minbase; iocage $("$bin" --version | cut -d' ' -f2); medians of $runs runs. MB/s is the" \
		"tree's apparent size over the time; zfs is zfs-fuse; tar -x extracts to the host's /var/tmp."
	echo
	echo "| backend | tree | operation | time | throughput | archive |"
	echo "|---|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
} >"$out"
cat "$out"
