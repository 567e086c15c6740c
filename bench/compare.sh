#!/usr/bin/env bash
# iocage beside the established tools, in one run, on the same busybox rootfs (issue #9):
#   1. `exec true` into a running jail: iocage exec (dir, zfs) vs the setns floor, nsenter -a,
#      lxc-attach, crun exec; back to back, and each after a rest (what a lone command costs);
#   2. lifecycle thin create -> start -> exec true -> stop -> destroy: iocage dir vs LXC overlay
#      and crun + overlay; iocage zfs vs LXC on a zfs-fuse clone;
#   3. host memory per idle running container: RSS and PSS of what each tool keeps per
#      container (iocage: the jail's init; LXC: its monitor; podman: conmon; bwrap: its two
#      processes; crun: nothing) and the growth of unreclaimable kernel memory;
#   4. `list` and `get -r boot` with 10, 100, 1000 jails on each backend (lxc-ls -f with as
#      many LXC containers, one `zfs list` as a reference; on zfs-fuse at most 300 jails: its
#      daemon serves about 1000 mounts for every pool on the host, and a jail keeps 2);
#   5. starting and stopping 100 jails, one after the other and in parallel (iocage, LXC, crun).
# Timed commands run interleaved (bench/interleave.c: rounds, order rotated), medians and the
# median of per-round ratios are reported. Writes bench/results/compare-DATE.md and .png (raw
# data under bench/results/tmp/compare-DATE/) and prints the Markdown.
#
#   bench/compare.sh [-Q] [-n RUNS] [-l LC_RUNS] [-m MEM_N] [-N "10 100 1000"] [-r SCALE_RUNS]
#                    [-z ZFS_MAX] [-s FLEET_N] [-S FLEET_RUNS] [-p PARALLEL] [-Z] [-P]
#   -Q  quick: few runs and small counts (a smoke test, about 2 minutes)
#   -n  rounds for exec true (default 300)       -l  rounds for lifecycles (default 50)
#   -c  rounds for exec true after a rest of 250 ms before each command (30)
#   -m  idle containers per tool for memory (10)   -N  jail counts for list/get -r (10 100 1000)
#   -r  rounds per count for list/get -r (15)      -z  most jails on ZFS for list/get -r (300)
#   -s  jails started/stopped at once (100)        -S  rounds of the fleet start/stop (7)
#   -p  parallel starts/stops (xargs -P, 8)
#   -Z  no ZFS                                     -P  no peers (iocage alone)
#
# Needs root, build/iocage (make), the peers' scripts in ../shared/peers (without them iocage
# is measured alone), and the peers from Debian (scripts/install-deps bench; run here when one
# is missing). Everything it makes has a name of its own — work area /var/tmp/ioc-cmp.XXXXXX,
# pool ioccmp$$, LXC and crun containers ioccmp-*, iocage roots inside the work area — and is
# removed when it ends, however it ends. The only host-wide change is the one crun needs here:
# the cgroup2 hugetlb controller is bound to a v1 hierarchy for the run (peers' lib.sh
# cgroup_hybrid_fix) and given back at the end.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${IOCAGE_BIN:-$top/build/iocage}
peers=${PEERS_DIR:-$top/../shared/peers}
runs=300 cold_runs=30 lc_runs=50 mem_n=10 scale_ns="10 100 1000" scale_runs=15 zfs_max=300
fleet_n=100 fleet_runs=7 par=8 with_zfs=1 with_peers=1
while getopts Qn:c:l:m:N:r:z:s:S:p:ZP o; do
	case $o in
	Q) runs=20 cold_runs=4 lc_runs=4 mem_n=3 scale_ns="10 50" scale_runs=3 fleet_n=10 fleet_runs=1 ;;
	n) runs=$OPTARG ;;
	c) cold_runs=$OPTARG ;;
	l) lc_runs=$OPTARG ;;
	m) mem_n=$OPTARG ;;
	N) scale_ns=$OPTARG ;;
	r) scale_runs=$OPTARG ;;
	z) zfs_max=$OPTARG ;;
	s) fleet_n=$OPTARG ;;
	S) fleet_runs=$OPTARG ;;
	p) par=$OPTARG ;;
	Z) with_zfs=0 ;;
	P) with_peers=0 ;;
	*) sed -n '2,/^set -uo/p' "$0" | sed '$d' >&2; exit 2 ;;
	esac
done

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"
[ -x "$bin" ] || die "no $bin: build first (make -j2)"

W=$(mktemp -d /var/tmp/ioc-cmp.XXXXXX)
chmod 755 "$W"
# a private copy: a rebuild of build/iocage during the run must not change what is measured
cp "$bin" "$W/iocage" && "$W/iocage" --version >/dev/null || { rm -rf "$W"; die "cannot copy $bin"; }
bin=$W/iocage
D=$W/data # raw results, then copied under bench/results/tmp/
mkdir -p "$D/steps"
NOTES=$D/notes.txt
: >"$NOTES"
note() { log "note: $*"; echo "$*" >>"$NOTES"; }
meta() { printf '%s=%s\n' "$1" "$2" >>"$D/meta.txt"; }

# ---- peers ------------------------------------------------------------------------------
have_peers=0
if [ "$with_peers" = 1 ]; then
	if [ -r "$peers/lib.sh" ]; then
		have_peers=1
	else
		note "../shared/peers is missing ($peers): iocage measured alone"
	fi
fi
ROOTFS=$W/rootfs ROOTFS_TAR=$W/rootfs.tar
if [ "$have_peers" = 1 ]; then
	export BENCH_DIR=$W/peers RESULTS=$W/peers/results
	# shellcheck source=/dev/null
	. "$peers/lib.sh"
	set +e # lib.sh is written for set -e scripts; this one checks each step itself
fi
pool=ioccmp$$
pool_img=$W/pool.img
droot=$W/dir            # iocage dir backend for exec, lifecycle, memory, fleet
LXC_P=$W/lxc            # LXC containers (lxcpath of our own)
LS_P=$W/lxc-ls          # LXC containers for lxc-ls (configs only, never started)
C=$W/crun               # crun bundles
PODMAN_DIR=$W/podman
export CONTAINERS_CONF=$PODMAN_DIR/containers.conf
PODMAN=(podman --root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/run" --tmpdir "$PODMAN_DIR/tmp"
	--storage-driver overlay)
COMMON=$W/lxc-common.conf
IL=$W/interleave
F=$W/floor
bg_pids=()
pool_made=0 hybrid_fixed=0
cg_before=$W/cgroups-before
find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d \( -name 'lxc.*' -o -name libpod_parent \) \
	2>/dev/null | sort >"$cg_before"
# state directories the peers make on first use; those that are new when we end are removed
host_dirs=(/run/lxc /run/crun /var/lib/containers /etc/cni/net.d/cni.lock "$HOME/.config/containers"
	"$HOME/.config")
host_new=()
for p in "${host_dirs[@]}"; do [ -e "$p" ] || host_new+=("$p"); done

use_lxc=0 use_crun=0 use_bwrap=0 use_podman=0 use_floor=0

cleanup() {
	set +e
	trap - EXIT INT TERM
	log "cleaning up"
	if [ "${#bg_pids[@]}" -gt 0 ]; then
		kill -KILL "${bg_pids[@]}" 2>/dev/null
		wait "${bg_pids[@]}" 2>/dev/null
	fi
	local r c d m
	for r in "$droot" "$W"/scale-dir "$W"/fleet-dir; do
		[ -d "$r" ] && "$bin" --root "$r" -q stop ALL >/dev/null 2>&1
	done
	[ "$pool_made" = 1 ] && "$bin" --pool "$pool" -q stop ALL >/dev/null 2>&1
	for p in "$LXC_P" "$W/lxc-fleet"; do
		[ -d "$p" ] || continue
		for c in $(lxc-ls -P "$p" 2>/dev/null); do
			lxc-stop -P "$p" -n "$c" -k >/dev/null 2>&1
			case $c in *zlc*) rm -rf "${p:?}/$c" ;; *) lxc-destroy -P "$p" -n "$c" >/dev/null 2>&1 ;; esac
		done
	done
	if command -v crun >/dev/null; then
		for c in $(crun list -q 2>/dev/null | grep '^ioccmp-'); do crun delete -f "$c" >/dev/null 2>&1; done
	fi
	if [ -d "$PODMAN_DIR/root" ]; then
		for c in $("${PODMAN[@]}" ps -a --format '{{.Names}}' 2>/dev/null | grep '^ioccmp-'); do
			"${PODMAN[@]}" rm -f -t 0 "$c" >/dev/null 2>&1
		done
		"${PODMAN[@]}" system reset -f >/dev/null 2>&1
	fi
	# whatever is still mounted under the work area, deepest first
	for _ in 1 2 3; do
		awk -v w="$W/" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r |
			while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
	done
	if [ "$pool_made" = 1 ]; then
		for _ in $(seq 30); do
			zpool list -H "$pool" >/dev/null 2>&1 || break
			zpool destroy -f "$pool" >/dev/null 2>&1 && break
			sleep 1
		done
		zpool list -H "$pool" >/dev/null 2>&1 && log "WARNING: could not destroy pool $pool"
		rmdir "/$pool" 2>/dev/null
	fi
	# iocage's lock files for our roots and pool; LXC's lock tree for our lxcpaths
	rm -f /run/iocage/locks/zfs."$pool".* /run/iocage/locks/dir."${W//\//%}"*
	rm -rf "/run/lxc/lock$W"
	# empty cgroups LXC and podman left under our names, and lxc.pivot / libpod_parent if we
	# made them
	for h in /sys/fs/cgroup/*/; do
		for d in "$h"lxc.payload.ioccmp-* "$h"lxc.monitor.ioccmp-* "$h"lxc.pivot "$h"libpod_parent; do
			[ -d "$d" ] || continue
			case $d in
			*lxc.pivot | *libpod_parent) grep -qxF "${d%/}" "$cg_before" && continue ;;
			esac
			find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
	done
	if [ "$hybrid_fixed" = 1 ]; then cgroup_hybrid_unfix; fi
	for d in /run/lxc /run/crun; do
		[ -d "$d" ] && find "$d" -mindepth 1 -depth -type d -empty -delete 2>/dev/null
	done
	for d in "${host_new[@]}"; do
		case $d in
		/run/* | "$HOME/.config") rmdir "$d" 2>/dev/null ;; # only if empty
		*) rm -rf "$d" ;;
		esac
	done
	rm -rf "$W"
	log "cleanup done"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ioc_d() { "$bin" --root "$droot" "$@"; }
ioc_z() { "$bin" --pool "$pool" "$@"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
jid_of() { "$bin" "$@" list -H | awk -F'\t' -v t="$TAGQ" '$5 == t {print $1}'; }

# ---- 0. set-up ---------------------------------------------------------------------------
log "work area $W"
meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta machine "$(nproc) CPUs ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")"
meta fs "dir roots on $(stat -f -c %T /var/tmp) (/var/tmp)"
meta iocage "$("$bin" --version) ($(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$top" diff --quiet HEAD -- src 2>/dev/null || echo ', src/ modified'))"
meta load_start "$(loadavg)"
meta settings "exec rounds $runs (after a rest: $cold_runs); lifecycle rounds $lc_runs; memory $mem_n idle per tool; list/get -r at ${scale_ns// /, } jails (zfs: at most $zfs_max), $scale_runs rounds each; fleet $fleet_n jails, $fleet_runs rounds, xargs -P $par"

meta fleet_n "$fleet_n"
cc -O2 -Wall -o "$IL" "$top/bench/interleave.c" || die "cannot build bench/interleave.c"

if [ "$have_peers" = 1 ]; then
	bash "$peers/00-rootfs.sh" || die "peers' 00-rootfs.sh failed"
	ROOTFS=$BENCH_DIR/rootfs ROOTFS_TAR=$BENCH_DIR/rootfs.tar
else
	# the same recipe as ../shared/peers/00-rootfs.sh: static busybox and its applets
	mkdir -p "$ROOTFS"/{bin,sbin,etc,proc,sys,dev,tmp,root,run,var,usr/bin,usr/sbin}
	chmod 1777 "$ROOTFS/tmp"
	cp /bin/busybox "$ROOTFS/bin/busybox" || die "no /bin/busybox (busybox-static)"
	for a in $("$ROOTFS/bin/busybox" --list); do [ "$a" = busybox ] || ln -sf busybox "$ROOTFS/bin/$a"; done
	ln -sf ../bin/busybox "$ROOTFS/sbin/init"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$ROOTFS/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$ROOTFS/etc/group"
	echo bench >"$ROOTFS/etc/hostname"
	tar -C "$ROOTFS" -cf "$ROOTFS_TAR" .
fi
meta rootfs "static busybox $("$ROOTFS/bin/busybox" 2>&1 | head -1 | awk '{print $2}'), $(du -sh "$ROOTFS" | cut -f1), $(ls "$ROOTFS/bin" | wc -l) entries in /bin ($([ "$have_peers" = 1 ] && echo ../shared/peers/00-rootfs.sh || echo "its recipe"))"

# iocage: the same rootfs as release bb, on a dir root and on a pool of our own
mkdir -p "$droot"
ioc_d -q fetch -F "$ROOTFS_TAR" release=bb >/dev/null || die "iocage fetch (dir) failed"
if [ "$with_zfs" = 1 ]; then
	if ! "$top/scripts/zfs-fuse-up" >/dev/null 2>&1; then
		note "ZFS skipped: scripts/zfs-fuse-up failed (scripts/install-deps test)"
		with_zfs=0
	else
		truncate -s 4G "$pool_img"
		if zpool create "$pool" "$pool_img" >/dev/null 2>&1; then
			pool_made=1
			ioc_z -q fetch -F "$ROOTFS_TAR" release=bb >/dev/null || die "iocage fetch (zfs) failed"
			meta zfs "zfs-fuse $(dpkg-query -W -f '${Version}' zfs-fuse 2>/dev/null), pool $pool on a sparse file in /var/tmp"
		else
			note "ZFS skipped: zpool create $pool failed"
			with_zfs=0
		fi
	fi
fi

# peers: install what is missing (scripts/install-deps bench), then set each one up; a peer
# that cannot run is skipped with the reason.
if [ "$have_peers" = 1 ]; then
	need=0
	for c in lxc-start crun bwrap podman conmon; do command -v "$c" >/dev/null || need=1; done
	if [ "$need" = 1 ]; then
		log "installing the peers (scripts/install-deps bench)"
		"$top/scripts/install-deps" bench >"$W/install.log" 2>&1 || log "install-deps bench failed (see notes)"
	fi
	if gcc -O2 -o "$F" "$peers/floor.c" 2>"$W/floor.err"; then use_floor=1; else note "setns floor skipped: floor.c does not build: $(head -1 "$W/floor.err")"; fi

	if command -v lxc-start >/dev/null; then
		meta lxc "$(lxc-start --version)"
		mkdir -p "$LXC_P/ioccmp-base"
		printf 'lxc.net.0.type = empty\nlxc.apparmor.profile = unconfined\nlxc.init.cmd = /bin/sleep 1000\nlxc.mount.auto = proc:mixed sys:mixed\n' >"$COMMON"
		cp -a "$ROOTFS" "$LXC_P/ioccmp-base/rootfs"
		{ cat "$COMMON"; echo "lxc.rootfs.path = dir:$LXC_P/ioccmp-base/rootfs"; echo "lxc.uts.name = ioccmp-base"; } >"$LXC_P/ioccmp-base/config"
		if lxc-execute -P "$LXC_P" -n ioccmp-base -- /bin/true >"$W/lxc.err" 2>&1; then
			use_lxc=1
		else
			note "LXC skipped: lxc-execute of the base container fails: $(grep -m1 -i error "$W/lxc.err")"
		fi
	else
		note "LXC skipped: lxc is not installed (scripts/install-deps bench)"
	fi
	if command -v crun >/dev/null; then
		meta crun "$(crun --version | head -1)"
		# crun refuses cgroup2 in hybrid mode while it lists a controller (hugetlb here)
		if [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
			cgroup_hybrid_fix && [ -f "$HUGETLB_MARK" ] && hybrid_fixed=1
		fi
		mkdir -p "$C/run" "$C/lc"
		mkcfg() { # OUT ARGS_JSON READONLY
			(cd "$C" && rm -f config.json && crun spec && python3 - "$1" "$2" "$3" <<'PY'
import json, sys
c = json.load(open("config.json"))
c["process"]["terminal"] = False
c["process"]["args"] = json.loads(sys.argv[2])
c["root"]["readonly"] = sys.argv[3] == "1"
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
			rm -f config.json)
		}
		mkcfg "$C/run/config.json" '["/bin/sleep","1000"]' 1 && mkcfg "$C/sleep-rw.json" '["/bin/sleep","1000"]' 0
		ln -sfn "$ROOTFS" "$C/run/rootfs"
		if crun run -d -b "$C/run" ioccmp-probe >"$W/crun.err" 2>&1 && crun delete -f ioccmp-probe >/dev/null 2>&1; then
			use_crun=1
		else
			note "crun skipped: $(head -1 "$W/crun.err")"
		fi
	else
		note "crun skipped: crun is not installed (scripts/install-deps bench)"
	fi
	if command -v bwrap >/dev/null && bwrap --unshare-all --bind "$ROOTFS" / /bin/true 2>"$W/bwrap.err"; then
		use_bwrap=1
		meta bwrap "bubblewrap $(bwrap --version | awk '{print $2}')"
	else
		note "bubblewrap skipped: $(command -v bwrap >/dev/null && head -1 "$W/bwrap.err" || echo 'not installed')"
	fi
	if command -v podman >/dev/null && command -v conmon >/dev/null; then
		mkdir -p "$PODMAN_DIR/tmp"
		printf '[containers]\ndefault_ulimits = ["nofile=1024:20000", "nproc=4096:4096"]\nnetns = "none"\nlog_driver = "k8s-file"\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nruntime = "crun"\n' >"$CONTAINERS_CONF"
		if "${PODMAN[@]}" import "$ROOTFS_TAR" localhost/ioccmp-busybox:latest >"$W/podman.err" 2>&1; then
			use_podman=1
			meta podman "$(podman --version), $(conmon --version | head -1)"
		else
			note "podman (conmon) skipped: podman import failed: $(tail -1 "$W/podman.err")"
		fi
	else
		note "podman (conmon) skipped: podman or conmon not installed (scripts/install-deps bench)"
	fi
fi

# ---- 1. exec true into a running jail ------------------------------------------------------
log "=== exec true into a running jail ($runs rounds)"
meta load_exec "$(loadavg)"
ioc_d -q create -c release=bb tag=ex >/dev/null && ioc_d -q start ex >/dev/null || die "iocage start failed"
TAGQ=ex jid=$(jid_of --root "$droot")
set -- iocage-dir "$bin --root $droot exec ex /bin/true"
if [ "$with_zfs" = 1 ]; then
	ioc_z -q create -c release=bb tag=ex >/dev/null && ioc_z -q start ex >/dev/null || die "iocage start (zfs) failed"
	set -- "$@" iocage-zfs "$bin --pool $pool exec ex /bin/true"
fi
[ "$use_floor" = 1 ] && set -- "$@" setns-floor "$F enter $jid"
[ -n "$jid" ] && set -- "$@" nsenter "nsenter -t $jid -a true"
if [ "$use_lxc" = 1 ]; then
	if lxc-copy -P "$LXC_P" -n ioccmp-base -N ioccmp-run -s -B overlay >/dev/null 2>&1 &&
		lxc-start -P "$LXC_P" -n ioccmp-run -d; then
		set -- "$@" lxc-attach "lxc-attach -P $LXC_P -n ioccmp-run -- true"
	else
		note "lxc-attach skipped: the LXC container does not start"
	fi
fi
if [ "$use_crun" = 1 ]; then
	if crun run -d -b "$C/run" ioccmp-run >/dev/null 2>&1; then
		set -- "$@" crun-exec "crun exec ioccmp-run true"
	else
		note "crun exec skipped: the crun container does not start"
	fi
fi
"$IL" -k -n "$runs" -w 3 -e "$D/exec.err" "$@" >"$D/exec.tsv"
log "=== exec true after a rest of 250 ms ($cold_runs rounds)"
"$IL" -k -n "$cold_runs" -w 1 -p 250 -e "$D/exec.err" "$@" >"$D/exec-cold.tsv"
ioc_d -q stop ex >/dev/null; ioc_d -q destroy -f ex >/dev/null
if [ "$with_zfs" = 1 ]; then ioc_z -q stop ex >/dev/null; ioc_z -q destroy -f ex >/dev/null; fi
[ "$use_lxc" = 1 ] && { lxc-stop -P "$LXC_P" -n ioccmp-run -k >/dev/null 2>&1; lxc-destroy -P "$LXC_P" -n ioccmp-run >/dev/null 2>&1; }
[ "$use_crun" = 1 ] && crun delete -f ioccmp-run >/dev/null 2>&1

# ---- 2. lifecycle ------------------------------------------------------------------------
log "=== lifecycle create -> start -> exec true -> stop -> destroy ($lc_runs rounds)"
meta load_lifecycle "$(loadavg)"
set -- iocage-dir "bash $top/bench/lc-iocage.sh $bin bb lc --root $droot"
[ "$use_lxc" = 1 ] && set -- "$@" lxc-overlay "bash $peers/lc-lxc.sh overlay $LXC_P ioccmp-base ioccmp-lc"
[ "$use_crun" = 1 ] && set -- "$@" crun-overlay "bash $peers/lc-crun.sh $ROOTFS $C/sleep-rw.json $C/lc ioccmp-lc"
"$IL" -k -n "$lc_runs" -w 2 -s "$D/steps" -e "$D/lc-dir.err" "$@" >"$D/lc-dir.tsv"
if [ "$with_zfs" = 1 ]; then
	set -- iocage-zfs "bash $top/bench/lc-iocage.sh $bin bb lc --pool $pool"
	if [ "$use_lxc" = 1 ]; then
		zfs create -o mountpoint="$W/zpeers" "$pool/peers" && zfs create "$pool/peers/base" &&
			cp -a "$ROOTFS/." "$W/zpeers/base/" && zfs snapshot "$pool/peers/base@bench" &&
			zfs create "$pool/peers/lxc" &&
			set -- "$@" lxc-zfs "bash $peers/lc-lxc.sh zfs $LXC_P none ioccmp-zlc $pool/peers/base@bench $pool/peers/lxc $COMMON"
	fi
	"$IL" -k -n "$lc_runs" -w 2 -s "$D/steps" -e "$D/lc-zfs.err" "$@" >"$D/lc-zfs.tsv"
fi

# ---- 3. memory per idle container ----------------------------------------------------------
log "=== memory, $mem_n idle containers per tool"
meta load_memory "$(loadavg)"
kb() { awk -v k="$2:" '$1==k {print $2; f=1} END {if (!f) print 0}' "$1" 2>/dev/null || echo 0; }
kernel_kb() { # kernel memory no reclaim frees (KiB): SUnreclaim + KernelStack + PageTables; the
	# median of 5 samples after settling (user memory is the processes' PSS: the host's other
	# processes move AnonPages by megabytes, these much less)
	sync
	sleep 1
	for _ in 1 2 3 4 5; do
		awk '$1 ~ /^(PageTables|KernelStack|SUnreclaim):$/ {s += $2} END {print s}' /proc/meminfo
		sleep 0.2
	done | sort -n | sed -n 3p
}
# mem_row TOOL WHAT BEFORE PIDS... -> a line in mem.tsv: tool, what, n, procs, rss, pss, growth (per container)
mem_row() {
	local tool=$1 what=$2 before=$3 after rss=0 pss=0 n=0 p
	shift 3
	after=$(kernel_kb)
	for p in "$@"; do
		rss=$((rss + $(kb "/proc/$p/smaps_rollup" Rss)))
		pss=$((pss + $(kb "/proc/$p/smaps_rollup" Pss)))
		n=$((n + 1))
	done
	printf '%s\t%s\t%d\t%d\t%d\t%d\t%d\n' "$tool" "$what" "$mem_n" "$n" $((rss / mem_n)) $((pss / mem_n)) \
		$(((after - before) / mem_n)) >>"$D/mem.tsv"
}
: >"$D/mem.tsv"
# iocage: the payload is the same `sleep 1000` as the peers', started by exec_start
ioc_d -q create -c release=bb count="$mem_n" tag=mem 'exec_start=/bin/sleep 1000 &' >/dev/null
tags=$(seq -f 'mem_%g' "$mem_n")
b=$(kernel_kb)
# shellcheck disable=SC2086
ioc_d -q start $tags >/dev/null || note "memory: iocage start failed"
inits=$(ioc_d list -H | awk -F'\t' '$5 ~ /^mem_/ && $4 == "up" {print $1}')
# shellcheck disable=SC2086
mem_row iocage "the jail's init" "$b" $inits
# shellcheck disable=SC2086
ioc_d -q stop $tags >/dev/null
for t in $tags; do ioc_d -q destroy -f "$t" >/dev/null; done
if [ "$use_lxc" = 1 ]; then
	for i in $(seq "$mem_n"); do lxc-copy -P "$LXC_P" -n ioccmp-base -N "ioccmp-mem$i" -s -B overlay >/dev/null 2>&1; done
	b=$(kernel_kb)
	mon=()
	for i in $(seq "$mem_n"); do
		lxc-start -P "$LXC_P" -n "ioccmp-mem$i" -d
		ip=$(lxc-info -P "$LXC_P" -n "ioccmp-mem$i" -p -H)
		mon+=("$(awk '{print $4}' "/proc/$ip/stat")")
	done
	mem_row lxc "lxc monitor" "$b" "${mon[@]}"
	for i in $(seq "$mem_n"); do
		lxc-stop -P "$LXC_P" -n "ioccmp-mem$i" -k >/dev/null 2>&1
		lxc-destroy -P "$LXC_P" -n "ioccmp-mem$i" >/dev/null 2>&1
	done
fi
if [ "$use_crun" = 1 ]; then
	for i in $(seq "$mem_n"); do mkdir -p "$C/m$i" && cp "$C/run/config.json" "$C/m$i/" && ln -s "$ROOTFS" "$C/m$i/rootfs"; done
	b=$(kernel_kb)
	for i in $(seq "$mem_n"); do crun run -d -b "$C/m$i" "ioccmp-mem$i" >/dev/null; done
	mem_row crun "none" "$b"
	for i in $(seq "$mem_n"); do crun delete -f "ioccmp-mem$i" >/dev/null 2>&1; done
fi
if [ "$use_podman" = 1 ]; then
	b=$(kernel_kb)
	cm=()
	for i in $(seq "$mem_n"); do
		"${PODMAN[@]}" run -d --name "ioccmp-mem$i" localhost/ioccmp-busybox:latest /bin/sleep 1000 >/dev/null 2>>"$W/podman.err" &&
			cm+=("$("${PODMAN[@]}" inspect -f '{{.State.ConmonPid}}' "ioccmp-mem$i")")
	done
	if [ "${#cm[@]}" = "$mem_n" ]; then
		mem_row podman "conmon" "$b" "${cm[@]}"
	else
		note "podman (conmon) skipped: podman run failed: $(tail -1 "$W/podman.err")"
	fi
	for i in $(seq "$mem_n"); do "${PODMAN[@]}" rm -f -t 0 "ioccmp-mem$i" >/dev/null 2>&1; done
fi
if [ "$use_bwrap" = 1 ]; then
	b=$(kernel_kb)
	bg_pids=()
	for i in $(seq "$mem_n"); do
		bwrap --unshare-all --die-with-parent --bind "$ROOTFS" / --proc /proc --dev /dev \
			/bin/sleep 1000 </dev/null >/dev/null 2>&1 &
		bg_pids+=("$!")
	done
	sleep 1
	sup=()
	for p in "${bg_pids[@]}"; do
		sup+=("$p")
		for k in $(cat "/proc/$p/task/$p/children" 2>/dev/null); do
			[ "$(cat "/proc/$k/comm")" = bwrap ] && sup+=("$k")
		done
	done
	mem_row bwrap "outer bwrap + sandbox PID 1" "$b" "${sup[@]}"
	kill -KILL "${sup[@]}" 2>/dev/null
	wait "${bg_pids[@]}" 2>/dev/null
	bg_pids=()
fi
"$ROOTFS/bin/sleep" 1000 </dev/null >/dev/null 2>&1 &
bg_pids=("$!")
sleep 0.3
printf 'payload\tone idle busybox sleep 1000, for scale\t1\t1\t%d\t%d\t0\n' "$(kb "/proc/$!/smaps_rollup" Rss)" \
	"$(kb "/proc/$!/smaps_rollup" Pss)" >>"$D/mem.tsv"
kill -KILL "$!"; wait "$!" 2>/dev/null; bg_pids=()

# ---- 4. start and stop a fleet -------------------------------------------------------------
log "=== start and stop $fleet_n jails, sequentially and $par in parallel ($fleet_runs rounds)"
meta load_fleet "$(loadavg)"
fr=$W/fleet-dir
FL=$W/fleet # generated scripts, one per tool, mode and action
mkdir -p "$fr" "$FL"
"$bin" --root "$fr" -q fetch -F "$ROOTFS_TAR" release=bb >/dev/null
"$bin" --root "$fr" -q create -c release=bb count="$fleet_n" tag=f >/dev/null || die "fleet: create failed"
seq -f 'f_%g' "$fleet_n" >"$FL/iocage.names"
for a in start stop; do
	printf 'while read -r n; do %q --root %q -q %s "$n" >/dev/null || exit 1; done <%q\n' "$bin" "$fr" $a "$FL/iocage.names" >"$FL/iocage-seq-$a.sh"
	printf 'xargs -P %d -n 1 %q --root %q -q %s <%q >/dev/null\n' "$par" "$bin" "$fr" $a "$FL/iocage.names" >"$FL/iocage-par-$a.sh"
	printf '%q --root %q -q %s ALL >/dev/null\n' "$bin" "$fr" $a >"$FL/iocage-ALL-$a.sh"
done
printf '%q --root %q list -H | awk -F"\\t" '"'"'$4 == "up"'"'"' | wc -l\n' "$bin" "$fr" >"$FL/iocage-count.sh"
tools=(iocage)
if [ "$use_lxc" = 1 ]; then
	LF=$W/lxc-fleet
	mkdir -p "$LF/ioccmp-fbase"
	cp -a "$ROOTFS" "$LF/ioccmp-fbase/rootfs"
	{ cat "$COMMON"; echo "lxc.rootfs.path = dir:$LF/ioccmp-fbase/rootfs"; } >"$LF/ioccmp-fbase/config"
	for i in $(seq "$fleet_n"); do echo "ioccmp-f$i"; done >"$FL/lxc.names"
	while read -r n; do lxc-copy -P "$LF" -n ioccmp-fbase -N "$n" -s -B overlay >/dev/null 2>&1; done <"$FL/lxc.names"
	printf 'while read -r n; do lxc-start -P %q -n "$n" -d || exit 1; done <%q\n' "$LF" "$FL/lxc.names" >"$FL/lxc-seq-start.sh"
	printf 'while read -r n; do lxc-stop -P %q -n "$n" -k || exit 1; done <%q\n' "$LF" "$FL/lxc.names" >"$FL/lxc-seq-stop.sh"
	printf 'xargs -P %d -I{} lxc-start -P %q -n {} -d <%q\n' "$par" "$LF" "$FL/lxc.names" >"$FL/lxc-par-start.sh"
	printf 'xargs -P %d -I{} lxc-stop -P %q -n {} -k <%q\n' "$par" "$LF" "$FL/lxc.names" >"$FL/lxc-par-stop.sh"
	printf 'lxc-ls -P %q --running -1 | grep -c "^ioccmp-f[0-9]"\n' "$LF" >"$FL/lxc-count.sh"
	tools+=(lxc)
fi
if [ "$use_crun" = 1 ]; then
	for i in $(seq "$fleet_n"); do
		mkdir -p "$C/f$i" && cp "$C/run/config.json" "$C/f$i/" && ln -s "$ROOTFS" "$C/f$i/rootfs"
		echo "$i"
	done >"$FL/crun.names"
	printf 'while read -r n; do crun run -d -b %q/f$n ioccmp-f$n || exit 1; done <%q\n' "$C" "$FL/crun.names" >"$FL/crun-seq-start.sh"
	printf 'while read -r n; do crun delete -f ioccmp-f$n || exit 1; done <%q\n' "$FL/crun.names" >"$FL/crun-seq-stop.sh"
	printf 'xargs -P %d -I{} crun run -d -b %q/f{} ioccmp-f{} <%q\n' "$par" "$C" "$FL/crun.names" >"$FL/crun-par-start.sh"
	printf 'xargs -P %d -I{} crun delete -f ioccmp-f{} <%q\n' "$par" "$FL/crun.names" >"$FL/crun-par-stop.sh"
	printf 'crun list | grep -c "^ioccmp-f[0-9]* .* running"\n' >"$FL/crun-count.sh"
	tools+=(crun)
fi
: >"$D/fleet.tsv"
for ((r = 0; r < fleet_runs; r++)); do
	for mode in seq par ALL; do
		nt=${#tools[@]}
		for ((k = 0; k < nt; k++)); do # tool order rotated each round
			tool=${tools[(r + k) % nt]}
			[ -f "$FL/$tool-$mode-start.sh" ] || continue
			t0=$EPOCHREALTIME
			bash "$FL/$tool-$mode-start.sh" >/dev/null 2>>"$D/fleet.err"
			t1=$EPOCHREALTIME
			up=$(bash "$FL/$tool-count.sh" 2>/dev/null)
			t2=$EPOCHREALTIME
			bash "$FL/$tool-$mode-stop.sh" >/dev/null 2>>"$D/fleet.err"
			t3=$EPOCHREALTIME
			left=$(bash "$FL/$tool-count.sh" 2>/dev/null)
			printf '%s\t%s\t%d\tstart\t%d\t%s\n' "$tool" "$mode" "$r" $((${t1/./} - ${t0/./})) "${up:-0}" >>"$D/fleet.tsv"
			printf '%s\t%s\t%d\tstop\t%d\t%s\n' "$tool" "$mode" "$r" $((${t3/./} - ${t2/./})) "${left:-0}" >>"$D/fleet.tsv"
		done
	done
done
"$bin" --root "$fr" -q stop ALL >/dev/null 2>&1

# ---- 5. list and get -r with N jails -------------------------------------------------------
log "=== list and get -r boot with ${scale_ns// /, } jails ($scale_runs rounds)"
meta load_scale "$(loadavg)"
: >"$D/scale-create.tsv"
if [ "$use_lxc" = 1 ]; then mkdir -p "$LS_P"; fi
scale_backend() { # BACKEND MAX GLOBAL_OPTS...
	local be=$1 max=$2 have=0 n add t0 t1 i ns=
	shift 2
	for n in $scale_ns; do
		if [ "$n" -gt "$max" ]; then
			note "list ($be): $max jails instead of $n: zfs-fuse serves about 1000 mounts for every pool on the host and iocage keeps 2 mounted datasets per jail (beyond that create fails and zfs-fuse keeps the half-made dataset busy)"
			n=$max
		fi
		case " $ns " in *" $n "*) ;; *) ns="$ns $n" ;; esac
	done
	for n in $ns; do
		add=$((n - have))
		[ "$add" -gt 0 ] || continue
		t0=$EPOCHREALTIME
		"$bin" "$@" -q create -c release=bb count="$add" tag="s$n" >/dev/null || { note "list ($be): creating $add jails failed"; return 1; }
		t1=$EPOCHREALTIME
		have=$n
		printf '%s\t%d\t%d\t%d\n' "$be" "$n" "$add" $((${t1/./} - ${t0/./})) >>"$D/scale-create.tsv"
		local cmds=(iocage-list "$bin $* list" iocage-get-r "$bin $* get -r boot")
		if [ "$be" = dir ] && [ "$use_lxc" = 1 ]; then
			# LXC containers as lxc-ls sees them: a directory with a config (never started)
			for ((i = $(find "$LS_P" -mindepth 1 -maxdepth 1 | wc -l) + 1; i <= n; i++)); do
				mkdir "$LS_P/ioccmp-ls$i"
				{ cat "$COMMON"; echo "lxc.rootfs.path = overlay:$ROOTFS:$LS_P/ioccmp-ls$i/delta0"; echo "lxc.uts.name = ioccmp-ls$i"; } >"$LS_P/ioccmp-ls$i/config"
			done
			cmds+=(lxc-ls-f "lxc-ls -P $LS_P -f")
		fi
		[ "$be" = zfs ] && cmds+=(zfs-list "zfs list -H -r -o name $pool/iocage/jails")
		"$IL" -k -n "$scale_runs" -w 1 -e "$D/scale.err" "${cmds[@]}" | sed "s/^/$be $n /" >>"$D/scale.tsv"
	done
}
: >"$D/scale.tsv"
mkdir -p "$W/scale-dir"
"$bin" --root "$W/scale-dir" -q fetch -F "$ROOTFS_TAR" release=bb >/dev/null
scale_backend dir 1000000000 --root "$W/scale-dir"
[ "$with_zfs" = 1 ] && scale_backend zfs "$zfs_max" --pool "$pool"

# ---- report --------------------------------------------------------------------------------
meta load_end "$(loadavg)"
{
	echo "skipped_tools=$(for t in lxc crun bwrap podman floor; do v=use_$t; [ "${!v}" = 1 ] || printf '%s ' "$t"; done)"
	echo "have_peers=$have_peers"
	echo "with_zfs=$with_zfs"
} >>"$D/meta.txt"
date=$(date -u +%Y-%m-%d)
mkdir -p "$top/bench/results/tmp"
out=$top/bench/results/compare-$date
rm -rf "$top/bench/results/tmp/compare-$date"
cp -r "$D" "$top/bench/results/tmp/compare-$date"
export MPLCONFIGDIR=$W/mpl # not ~/.config/matplotlib
py=python3                  # Debian's python3-matplotlib is for /usr/bin/python3
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null && py=/usr/bin/python3
"$py" "$top/bench/compare.py" "$D" "$out.md" "$out.png" || die "bench/compare.py failed (raw data in bench/results/tmp/compare-$date)"
cat "$out.md"
log "wrote $out.md and $out.png (raw data in bench/results/tmp/compare-$date/)"
