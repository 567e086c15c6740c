# shellcheck shell=bash
# shellcheck disable=SC2317,SC2034  # functions and variables for the tests that source this
# Sourced by every tests/e2e/t*.sh: TAP helpers, a private storage backend for the test, and
# release/tarball builders. tests/run sets IOC_BACKEND (dir|zfs), IOCAGE_BIN, IOC_TEST_CACHE
# and IOC_TEST_STATE; a test also runs by hand: `IOC_BACKEND=zfs bash tests/e2e/t20-fetch.sh`.
#
# Backends: dir: IOCAGE_ROOT=$(mktemp -d /var/tmp/ioc-e2e.XXXXXX) (needs trusted.* xattrs);
# zfs: a pool ioce2e$$ on a 2 GiB sparse file /var/tmp/ioc-e2e-$$.img, IOCAGE_POOL=ioce2e$$.
# The EXIT trap removes exactly those, by name, however the test ends; tests/run removes them
# too if the test was killed (each name is recorded in $IOC_TEST_STATE first).
#
# TAP: ok CMD... | fails STATUS CMD... | nok CMD... (both also take -m NAME first), run CMD...
# (sets OUT ERR RC), is GOT WANT NAME, isnt, like TEXT ERE NAME (some line matches), unlike,
# lines_like TEXT ERE NAME (every line matches), pass/fail NAME, skip NAME WHY, diag, note,
# skip_all WHY, bail_out WHY, done_testing.
#
# Running jails (t100, t110): the busybox release holds /bin/probe (tests/payload/probe.c, static)
# and an /etc/rc that runs /etc/rc.local when a test wrote one; ptyrun drives a command on a
# pseudo-terminal; private_binary gives the test its own copy of iocage; jid_of, rt_val,
# console_log, state_file, cgroup_dirs_of, procs_of_jail, wait_gone and stop_test_jails
# (register it with at_exit) find and clean a jail's runtime.

set -u
set -o pipefail

IOC_TOP=${IOC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
IOCAGE_BIN=${IOCAGE_BIN:-$IOC_TOP/build/iocage}
IOC=$IOCAGE_BIN
IOC_BACKEND=${IOC_BACKEND:-dir}
export IOCAGE_BIN IOC_TOP IOC_BACKEND
UUID_RE='[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
CREATE_LINE_RE='^[0-9a-f-]{36} \(.+\)$'

ioc() {
	"$IOCAGE_BIN" "$@"
}

# ---------------------------------------------------------------------------------------------
# TAP

_tap_n=0
_tap_failed=0
OUT='' ERR='' RC=0

diag() { # each argument on its own line(s)
	local arg line
	for arg in "$@"; do
		while IFS= read -r line || [ -n "$line" ]; do
			printf '#   %s\n' "$line"
		done <<<"$arg"
	done
}

note() {
	printf '# %s\n' "$*"
}

_tap_name() {
	# '#' would start a TAP directive inside a test name.
	local s=$*
	printf '%s' "${s//#/\\#}" | tr '\n' ' '
}

# Print where the test file called the failing helper: the first frame outside this file.
_tap_where() {
	local i
	for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
		if [ "${BASH_SOURCE[i]}" != "${BASH_SOURCE[0]}" ]; then
			printf '#   at %s line %s\n' "${BASH_SOURCE[i]##*/}" "${BASH_LINENO[i - 1]}"
			return
		fi
	done
}

_tap_line() { # _tap_line PASSED NAME
	_tap_n=$((_tap_n + 1))
	if [ "$1" = 1 ]; then
		printf 'ok %d - %s\n' "$_tap_n" "$(_tap_name "$2")"
	else
		_tap_failed=$((_tap_failed + 1))
		printf 'not ok %d - %s\n' "$_tap_n" "$(_tap_name "$2")"
		_tap_where
	fi
	[ "$1" = 1 ]
}

pass() {
	_tap_line 1 "$*"
}

fail() {
	_tap_line 0 "$*"
}

skip() { # skip NAME WHY
	_tap_n=$((_tap_n + 1))
	printf 'ok %d - %s # SKIP %s\n' "$_tap_n" "$(_tap_name "$1")" "${2:-}"
}

_quote_cmd() {
	local a out=
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9_./=:@%+,-]+$ ]]; then
			out+=" $a"
		else
			out+=" $(printf '%q' "$a")"
		fi
	done
	out=${out# }
	printf '%s' "${out/#"$IOCAGE_BIN"/iocage}"
}

_run_diag() {
	diag "command: $(_quote_cmd "$@")"
	diag "exit status: $RC"
	[ -z "$OUT" ] || diag "stdout:" "$OUT"
	[ -z "$ERR" ] || diag "stderr:" "$ERR"
}

# run CMD...: OUT, ERR (trailing newlines stripped) and RC; stdin is /dev/null.
run() {
	local ef
	ef=$(mktemp "$T_TMP/stderr.XXXXXX")
	OUT=$("$@" </dev/null 2>"$ef")
	RC=$?
	ERR=$(cat "$ef")
	rm -f "$ef"
	return 0
}

_take_name() { # sets _name from "-m NAME" if given; returns how many args to shift
	_name=
	if [ "${1:-}" = -m ]; then
		_name=$2
		return 2
	fi
	return 0
}

# ok [-m NAME] CMD...: CMD exits 0.
ok() {
	local _name
	_take_name "$@"
	shift $?
	run "$@"
	[ -n "$_name" ] || _name=$(_quote_cmd "$@")
	if [ "$RC" = 0 ]; then
		_tap_line 1 "$_name"
	else
		_tap_line 0 "$_name"
		_run_diag "$@"
		return 1
	fi
}

# fails [-m NAME] STATUS CMD...: CMD exits with exactly STATUS.
fails() {
	local _name want
	_take_name "$@"
	shift $?
	want=$1
	shift
	run "$@"
	[ -n "$_name" ] || _name="$(_quote_cmd "$@") exits $want"
	if [ "$RC" = "$want" ]; then
		_tap_line 1 "$_name"
	else
		_tap_line 0 "$_name"
		diag "wanted exit status $want"
		_run_diag "$@"
		return 1
	fi
}

# nok [-m NAME] CMD...: CMD fails cleanly (exit status 1..125: not 0, not killed by a signal).
nok() {
	local _name
	_take_name "$@"
	shift $?
	run "$@"
	[ -n "$_name" ] || _name="$(_quote_cmd "$@") fails"
	if [ "$RC" -ge 1 ] && [ "$RC" -le 125 ]; then
		_tap_line 1 "$_name"
	else
		_tap_line 0 "$_name"
		_run_diag "$@"
		return 1
	fi
}

is() { # is GOT WANT NAME
	if [ "$1" = "$2" ]; then
		_tap_line 1 "$3"
	else
		_tap_line 0 "$3"
		diag "got:  '$1'" "want: '$2'"
		return 1
	fi
}

isnt() { # isnt GOT UNWANTED NAME
	if [ "$1" != "$2" ]; then
		_tap_line 1 "$3"
	else
		_tap_line 0 "$3"
		diag "got '$1', which it must not be"
		return 1
	fi
}

like() { # like TEXT ERE NAME: some line of TEXT matches ERE
	if grep -Eq -- "$2" <<<"$1"; then
		_tap_line 1 "$3"
	else
		_tap_line 0 "$3"
		diag "no line matches /$2/ in:" "$1"
		return 1
	fi
}

unlike() { # unlike TEXT ERE NAME: no line of TEXT matches ERE
	if ! grep -Eq -- "$2" <<<"$1"; then
		_tap_line 1 "$3"
	else
		_tap_line 0 "$3"
		diag "a line matches /$2/ in:" "$1"
		return 1
	fi
}

lines_like() { # lines_like TEXT ERE NAME: TEXT has lines and every one matches ERE
	if [ -n "$1" ] && ! grep -Evq -- "$2" <<<"$1"; then
		_tap_line 1 "$3"
	else
		_tap_line 0 "$3"
		diag "want every line to match /$2/, got:" "$1"
		return 1
	fi
}

skip_all() {
	printf '1..0 # SKIP %s\n' "$*"
	_tap_done=1
	exit 0
}

bail_out() {
	printf 'Bail out! %s\n' "$*"
	_tap_done=1
	exit 1
}

done_testing() {
	printf '1..%d\n' "$_tap_n"
	_tap_done=1
	if [ "$_tap_failed" -gt 0 ]; then
		note "failed $_tap_failed of $_tap_n"
		exit 1
	fi
	exit 0
}

# ---------------------------------------------------------------------------------------------
# Backend set-up and clean-up, by name only

_at_exit=()
at_exit() { # at_exit CMD...: run (as one eval'd string) before the backend is removed
	_at_exit+=("$*")
}

_record() { # _record KIND NAME: tell tests/run what to remove if this test is killed
	if [ -n "${IOC_TEST_STATE:-}" ]; then
		printf '%s %s\n' "$1" "$2" >>"$IOC_TEST_STATE"
	fi
}

# Unmount every mount at or below DIR, deepest first, then remove DIR.
_remove_tree() {
	local dir=$1 m
	[ -n "$dir" ] && [ -d "$dir" ] || return 0
	case $dir in /var/tmp/ioc-* | /tmp/ioc-*) ;; *)
		echo "# refusing to remove '$dir'" >&2
		return 1
		;;
	esac
	for _ in 1 2 3; do
		m=$(_mounts_under "$dir")
		[ -n "$m" ] || break
		while IFS= read -r m; do
			umount -- "$m" 2>/dev/null || umount -l -- "$m" 2>/dev/null || true
		done <<<"$m"
	done
	rm -rf --one-file-system -- "$dir"
}

# Mount points at or below DIR, deepest first.
_mounts_under() {
	awk -v p="$1" '{ m = $5; gsub(/\\040/, " ", m);
		if (m == p || index(m, p "/") == 1) print length(m) "\t" m }' /proc/self/mountinfo |
		sort -rn | cut -f2-
}

_pool_destroy() {
	local pool=$1 i
	# iocage's lock files for this pool.
	rm -f /run/iocage/locks/zfs."$pool".*
	zpool list -H -o name "$pool" >/dev/null 2>&1 || return 0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		zpool destroy -f "$pool" >/dev/null 2>&1 && return 0
		# zfs-fuse answers "busy" for a moment after an unmount.
		sleep "$((i < 5 ? 1 : 2))"
	done
	zpool destroy -f "$pool"
}

_ioc_cleanup() {
	local rc=$? c p
	trap - EXIT
	set +e
	if [ "${_tap_done:-0}" != 1 ]; then
		printf 'Bail out! the test ended (status %s) before done_testing\n' "$rc"
		[ "$rc" != 0 ] || rc=1
	fi
	for c in "${_at_exit[@]}"; do
		eval "$c"
	done
	# Our own background jobs (t60's creates) would hold the pool or the directory busy.
	for p in $(jobs -p); do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	# Files a hostile archive managed to plant (the test has failed then): only our names.
	if [ -n "${EVIL_MARK:-}" ]; then
		evil_traces | while IFS= read -r p; do
			case ${p##*/} in "$EVIL_MARK"*) rm -f -- "$p" ;; esac
		done
	fi
	if [ -n "${_ioc_pool:-}" ]; then
		_pool_destroy "$_ioc_pool" || echo "# could not destroy pool $_ioc_pool" >&2
	fi
	[ -z "${_ioc_img:-}" ] || rm -f -- "$_ioc_img"
	if [ -n "${_ioc_root:-}" ]; then
		_remove_tree "$_ioc_root"
		# iocage's lock files for this root: dir.ROOT-with-%-for-/.NAME
		rm -f "/run/iocage/locks/dir.${_ioc_root//\//%}".*
	fi
	[ -z "${_ioc_evil_abs:-}" ] || _remove_tree "$_ioc_evil_abs"
	[ -z "${T_TMP:-}" ] || _remove_tree "$T_TMP"
	exit "$rc"
}

_ioc_setup_dir() {
	_ioc_root=$(mktemp -d /var/tmp/ioc-e2e.XXXXXX) || bail_out "mktemp in /var/tmp failed"
	_record dir "$_ioc_root"
	# The dir backend keeps properties in trusted.* xattrs: tmpfs without them, or a
	# filesystem mounted without xattrs, cannot hold a jail.
	if ! command -v setfattr >/dev/null; then
		skip_all "setfattr missing (apt-get install attr)"
	fi
	if ! setfattr -n trusted.iocage.probe -v 1 "$_ioc_root" 2>/dev/null; then
		skip_all "$(findmnt -n -o FSTYPE -T "$_ioc_root" 2>/dev/null) at /var/tmp has no trusted.* xattrs"
	fi
	setfattr -x trusted.iocage.probe "$_ioc_root"
	unset IOCAGE_POOL
	export IOCAGE_ROOT=$_ioc_root
}

_ioc_setup_zfs() {
	local pool=ioce2e$$ img=/var/tmp/ioc-e2e-$$.img
	if ! command -v zpool >/dev/null || ! command -v zfs >/dev/null; then
		skip_all "zfs/zpool not installed (scripts/install-deps test)"
	fi
	"$IOC_TOP/scripts/zfs-fuse-up" >&2 || skip_all "ZFS does not answer (zfs-fuse-up)"
	_record pool "$pool"
	_record file "$img"
	_ioc_pool=$pool
	_ioc_img=$img
	# A pool of this name can only be left over from a killed run whose test had our PID
	# (a live test keeps its PID): it is garbage of this suite.
	_pool_destroy "$pool"
	rm -f -- "$img"
	truncate -s 2G "$img" || bail_out "cannot make $img"
	local msg
	if ! msg=$(zpool create "$pool" "$img" 2>&1); then
		bail_out "zpool create $pool $img: $msg"
	fi
	unset IOCAGE_ROOT
	export IOCAGE_POOL=$pool
}

_ioc_setup() {
	trap _ioc_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	unset IOCAGE_TRACE_EXEC
	if [ "$(id -u)" -ne 0 ]; then
		skip_all "needs root"
	fi
	T_TMP=$(mktemp -d /var/tmp/ioc-e2e-tmp.XXXXXX) || bail_out "mktemp in /var/tmp failed"
	_record dir "$T_TMP"
	if [ ! -x "$IOCAGE_BIN" ]; then
		bail_out "no iocage binary at $IOCAGE_BIN"
	fi
	case $IOC_BACKEND in
	dir) _ioc_setup_dir ;;
	zfs) _ioc_setup_zfs ;;
	*) bail_out "IOC_BACKEND must be dir or zfs, not '$IOC_BACKEND'" ;;
	esac
	note "backend $IOC_BACKEND: ${IOCAGE_ROOT:-}${IOCAGE_POOL:-}; binary $IOCAGE_BIN"
}

# Tests that need one backend call this right after sourcing.
require_backend() {
	if [ "$IOC_BACKEND" != "$1" ]; then
		skip_all "only for the $1 backend"
	fi
}

# ---------------------------------------------------------------------------------------------
# Where things are

# The directory the store lives in: IOCAGE_ROOT, or where POOL/iocage (else POOL) is mounted.
store_top() {
	if [ "$IOC_BACKEND" = dir ]; then
		printf '%s\n' "$IOCAGE_ROOT"
	else
		local m
		m=$(zfs get -H -o value mountpoint "$IOCAGE_POOL/iocage" 2>/dev/null) ||
			m=$(zfs get -H -o value mountpoint "$IOCAGE_POOL")
		printf '%s\n' "$m"
	fi
}

ds_exists() {
	zfs list -H -o name "$1" >/dev/null 2>&1
}

ds_mountpoint() {
	zfs get -H -o value mountpoint "$1"
}

# The directory of a jail's root filesystem (for a zfs jail, where its dataset is mounted).
jail_root() {
	if [ "$IOC_BACKEND" = dir ]; then
		printf '%s\n' "$IOCAGE_ROOT/jails/$1/root"
	else
		ds_mountpoint "$IOCAGE_POOL/iocage/jails/$1/root"
	fi
}

release_root() {
	if [ "$IOC_BACKEND" = dir ]; then
		printf '%s\n' "$IOCAGE_ROOT/releases/$1/root"
	else
		ds_mountpoint "$IOCAGE_POOL/iocage/releases/$1/root"
	fi
}

# `list -H` helpers. Columns: JID UUID BOOT STATE TAG TYPE IP4 RELEASE.
list_rows() {
	ioc list -H </dev/null
}

uuid_of() { # uuid_of TAG
	list_rows | awk -F'\t' -v t="$1" '$5 == t { print $2 }'
}

listed_uuids() {
	list_rows | awk -F'\t' '{ print $2 }'
}

list_col() { # list_col TAG N: column N (1-based) of the jail tagged TAG
	list_rows | awk -F'\t' -v t="$1" -v n="$2" '$5 == t { print $n }'
}

# _find_store DIR [GLOBAL-OPTION...] -- EXPRESSION...: find in the store without leaving it:
# on dir, one filesystem; on zfs, every zfs mount below (fuse.zfs for zfs-fuse, zfs for OpenZFS;
# each dataset is a mount of its own) but nothing else (a running jail's /proc). EXPRESSION must
# print.
_find_store() {
	local dir=$1 g=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		g+=("$1")
		shift
	done
	shift
	if [ "$IOC_BACKEND" = zfs ]; then
		find "$dir" "${g[@]}" \( ! -fstype fuse.zfs ! -fstype zfs -prune \) -o \( "$@" \) \
			2>/dev/null
	else
		find "$dir" "${g[@]}" -xdev \( "$@" \) 2>/dev/null
	fi
}

# Every trace of a jail on the host: files or datasets whose name contains the uuid, mounts.
traces_of() { # traces_of UUID
	local u=$1
	if [ "$IOC_BACKEND" = dir ]; then
		_find_store "$IOCAGE_ROOT" -- -name "*$u*" -print
	else
		zfs list -H -t all -o name -r "$IOCAGE_POOL" 2>/dev/null | grep -F -- "$u"
		_find_store "$(store_top)" -- -name "*$u*" -print
	fi
	grep -F -- "$u" /proc/self/mountinfo | awk '{ print "mount " $5 }'
	return 0
}

# leftover_report NAMES: what a failed "no leftover" check needs to be understood: what the
# next command says of each, its properties and mounts, and the lock files.
leftover_report() {
	local n
	note "leftovers: $1"
	"$IOCAGE_BIN" -v list -H 2>&1 >/dev/null | sed 's/^/# list: /'
	for n in $1; do
		if [ "$IOC_BACKEND" = zfs ]; then
			zfs list -H -t all -r -o name,mounted,origin "$IOCAGE_POOL/iocage/$n" 2>&1 |
				sed 's/^/# zfs list: /'
			zfs get -H -o name,property,value,source all "$IOCAGE_POOL/iocage/$n" 2>&1 |
				grep -E 'iocage:|mounted|origin|cannot' | sed 's/^/# zfs get: /'
			grep -F "/${n#*/}" /proc/mounts | sed 's/^/# mount: /'
			ls -la "$(store_top)/$n" 2>&1 | sed 's/^/# dir: /'
		else
			ls -la "$IOCAGE_ROOT/$n" 2>&1 | sed 's/^/# /'
		fi
		ls -l /run/iocage/locks 2>/dev/null | grep -F "${n#*/}" | sed 's/^/# lock: /'
	done
}

# Leftovers: every entry in jails/ (directory or dataset; a leading '.' ignored) that does not
# start with the uuid of a listed jail, and every file, dataset, snapshot or mount in the store
# whose name holds a uuid that is not listed. Empty output: the store is clean. Runs `list`
# first, which is also what cleans after an interrupted create.
unlisted_leftovers() {
	local listed top
	listed=$(listed_uuids)
	top=$(store_top)
	{
		if [ "$IOC_BACKEND" = dir ]; then
			[ ! -d "$IOCAGE_ROOT/jails" ] ||
				find "$IOCAGE_ROOT/jails" -mindepth 1 -maxdepth 1 -printf 'jails/%f\n'
			_find_store "$IOCAGE_ROOT" -mindepth 1 -maxdepth 5 -- -printf '%P\n' |
				grep -E "$UUID_RE"
		else
			zfs list -H -o name -d 1 "$IOCAGE_POOL/iocage/jails" 2>/dev/null | tail -n +2 |
				sed "s|^$IOCAGE_POOL/iocage/||"
			zfs list -H -t all -o name -r "$IOCAGE_POOL" | grep -E "$UUID_RE"
			_find_store "$top" -mindepth 1 -maxdepth 5 -- -printf '%P\n' |
				grep -E "$UUID_RE"
		fi
		_mounts_under "$top" | grep -E "$UUID_RE" | sed 's/^/mount /'
	} | sort -u | while IFS= read -r e; do
		local ok=0 u x
		if [[ $e == jails/* ]]; then
			local b=${e#jails/}
			b=${b#.}
			for u in $listed; do
				[[ $b == "$u"* ]] && ok=1 && break
			done
		else
			# shellcheck disable=SC2013  # uuids are single words
			for x in $(grep -Eo "$UUID_RE" <<<"$e"); do
				ok=0
				for u in $listed; do
					[ "$x" = "$u" ] && ok=1 && break
				done
				[ "$ok" = 1 ] || break
			done
		fi
		[ "$ok" = 1 ] || printf '%s\n' "$e"
	done
}

# Create a jail and print its uuid (first line of create's output); empty on failure.
create_jail() {
	local out
	out=$(ioc create "$@" </dev/null) || return 1
	printf '%s\n' "$out" | head -n1 | grep -Eo "^$UUID_RE"
}

# json_ok PYTHON_EXPR NAME < JSON: the JSON parses and the expression over `d` is true.
json_ok() {
	local expr=$1 name=$2 msg
	if msg=$(python3 -c '
import json, sys
d = json.load(sys.stdin)
ok = eval(sys.argv[1])
if not ok:
    print("expression is false for:", json.dumps(d)[:2000])
sys.exit(0 if ok else 1)' "$expr" 2>&1); then
		_tap_line 1 "$name"
	else
		_tap_line 0 "$name"
		diag "$expr" "$msg"
		return 1
	fi
}

# Collapse a header line's whitespace: "JID   UUID  ..." -> "JID UUID ...".
header_of() {
	printf '%s\n' "$1" | head -n1 | awk '{ $1 = $1; print }'
}

# ---------------------------------------------------------------------------------------------
# Releases

_cache_dir() {
	local d=${IOC_TEST_CACHE:-$T_TMP/cache}
	mkdir -p "$d"
	printf '%s\n' "$d"
}

_busybox_path() {
	local p
	p=$(dpkg -L busybox-static 2>/dev/null | grep -E '/bin/busybox$' | head -n1)
	[ -n "$p" ] || p=$(command -v busybox)
	printf '%s\n' "$p"
}

# busybox_tarball [none|gz|xz|zst] [PAD_MB]: print the path of a busybox rootfs tarball, built
# once per run (tests/run's IOC_TEST_CACHE). PAD_MB adds that many MiB of random files under
# /usr/share/pad, to make copies slow enough to interrupt.
busybox_tarball() {
	local comp=${1:-none} pad=${2:-0} cache base out tmp bb d a i pb
	cache=$(_cache_dir)
	base=$cache/busybox-rootfs-pad$pad.tar
	case $comp in
	none) out=$base ;;
	gz | xz | zst) out=$base.$comp ;;
	*) bail_out "busybox_tarball: unknown compression $comp" ;;
	esac
	(
		flock 9
		if [ ! -s "$base" ]; then
			bb=$(_busybox_path)
			[ -x "$bb" ] || { echo "busybox-static is not installed" >&2; exit 1; }
			tmp=$(mktemp -d "$cache/rootfs.XXXXXX")
			chmod 0755 "$tmp"
			for d in bin sbin etc dev proc sys tmp root home var usr/bin usr/sbin usr/local lib \
				mnt; do
				mkdir -p "$tmp/$d"
			done
			chmod 1777 "$tmp/tmp"
			chmod 0700 "$tmp/root"
			cp "$bb" "$tmp/bin/busybox"
			chmod 0755 "$tmp/bin/busybox"
			for a in sh ls cat echo hostname sleep id mount ps true false uname env mkdir rm \
				grep touch kill test ip ping ping6; do
				ln -s busybox "$tmp/bin/$a"
			done
			printf 'root:x:0:0:root:/root:/bin/sh\n' >"$tmp/etc/passwd"
			printf 'root:x:0:\n' >"$tmp/etc/group"
			# exec_start's default is /bin/sh /etc/rc: it does nothing unless a test put
			# an /etc/rc.local into the jail.
			printf '%s\n' '#!/bin/sh' \
				'# iocage tests: runs /etc/rc.local when a test wrote one, else nothing.' \
				'if [ -f /etc/rc.local ]; then . /etc/rc.local; fi' 'exit 0' >"$tmp/etc/rc"
			chmod 0755 "$tmp/etc/rc"
			# The payload the runtime tests run in jails (absent if it cannot be built:
			# the tests that need it say so through probe_bin).
			if pb=$(_probe_build "$cache"); then
				cp "$pb" "$tmp/bin/probe"
				chmod 0755 "$tmp/bin/probe"
			fi
			if [ "$pad" -gt 0 ]; then
				mkdir -p "$tmp/usr/share/pad"
				for ((i = 0; i < pad * 4; i++)); do
					head -c 262144 /dev/urandom >"$tmp/usr/share/pad/f$i"
				done
			fi
			tar --numeric-owner --owner=0 --group=0 -C "$tmp" -cf "$base.part" . &&
				mv "$base.part" "$base"
			rm -rf "$tmp"
		fi
		if [ "$out" != "$base" ] && [ ! -s "$out" ]; then
			case $comp in
			gz) gzip -c "$base" ;;
			xz) xz -T1 -0 -c "$base" ;;
			zst) zstd -q -c "$base" ;;
			esac >"$out.part" && mv "$out.part" "$out"
		fi
	) 9>"$cache/.lock" || return 1
	[ -s "$out" ] || return 1
	printf '%s\n' "$out"
}

# make_busybox_release NAME [PAD_MB]: fetch the busybox rootfs as release NAME.
make_busybox_release() {
	local tb
	tb=$(busybox_tarball none "${2:-0}") || { echo "cannot build the busybox tarball" >&2; return 1; }
	ioc fetch -F "$tb" release="$1" </dev/null
}

# _probe_build CACHE: build tests/payload/probe.c (static; musl-gcc, else cc) into CACHE once;
# print its path. The caller holds the cache lock.
_probe_build() {
	local cache=$1 src=$IOC_TOP/tests/payload/probe.c out cc
	out=$cache/probe
	if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then
		cc=musl-gcc
		command -v "$cc" >/dev/null || cc=cc
		"$cc" -static -Os -o "$out.part" "$src" >&2 || { rm -f "$out.part"; return 1; }
		mv "$out.part" "$out"
	fi
	printf '%s\n' "$out"
}

# probe_bin: the path of the built probe (the same file as the release's /bin/probe); fails
# with the compiler's messages on stderr if it cannot be built.
probe_bin() {
	local cache
	cache=$(_cache_dir)
	(
		flock 9
		_probe_build "$cache"
	) 9>"$cache/.lock"
}

# ---------------------------------------------------------------------------------------------
# Running jails

# private_binary: run this test with its own copy of the iocage binary (in T_TMP), so that a
# rebuild of build/iocage while the test runs changes nothing, and so that "the binary is
# unchanged" checks only what the test ran.
private_binary() {
	cp -- "$IOCAGE_BIN" "$T_TMP/iocage" || bail_out "cannot copy $IOCAGE_BIN"
	IOCAGE_BIN=$T_TMP/iocage
	IOC=$IOCAGE_BIN
	export IOCAGE_BIN
}

# ptyrun [-t SECS] [-e REGEX | -s TEXT | -w SECS]... -- CMD...: run CMD on a new terminal.
ptyrun() {
	python3 "$IOC_TOP/tests/payload/ptyrun.py" "$@"
}

jid_of() { # jid_of TAG: list's JID column ("-" when down)
	list_col "$1" 1
}

state_of() { # state_of TAG: up or down
	list_col "$1" 4
}

rt_val() { # rt_val TAG KEY: KEY's value in `runtime TAG` (empty if none)
	ioc runtime "$1" </dev/null 2>/dev/null | sed -n "s/^$2=//p" | head -n1
}

kv_val() { # kv_val TEXT KEY: the value of KEY=... in key=value TEXT
	printf '%s\n' "$1" | sed -n "s/^$2=//p" | head -n1
}

# The jail's console log (exec_start's output): in the log directory or dataset.
console_log() { # console_log UUID
	if [ "$IOC_BACKEND" = dir ]; then
		printf '%s\n' "$IOCAGE_ROOT/log/$1-console.log"
	else
		printf '%s/%s-console.log\n' "$(ds_mountpoint "$IOCAGE_POOL/iocage/log")" "$1"
	fi
}

state_file() { # state_file UUID: where a running jail's state is recorded
	printf '/run/iocage/jails/%s\n' "$1"
}

# The jail's cgroup directories in every hierarchy (iocage/UUID below each), deepest first.
cgroup_dirs_of() { # cgroup_dirs_of UUID
	[ -n "$1" ] || return 0
	find /sys/fs/cgroup -maxdepth 8 -type d -name "$1" 2>/dev/null |
		awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-
}

# is_live PID: PID exists and has not exited. A zombie is dead: an init killed by stop is
# reaped by the host's PID 1 (or a subreaper), which may take its time.
is_live() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	case ${st%% *} in Z | X | x) return 1 ;; esac
	return 0
}

# Host pids of every live process in the jail's cgroup (any hierarchy), found from the
# processes' own /proc/PID/cgroup: nothing is left behind if this is empty.
procs_of_jail() { # procs_of_jail UUID
	local p
	[ -n "$1" ] || return 0
	# shellcheck disable=SC2013  # pids are single words
	for p in $(grep -l -F -- "/$1" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3 | sort -n); do
		! is_live "$p" || printf '%s\n' "$p"
	done
}

# wait_gone PID [SECS]: wait until PID has exited (gone, or a zombie); fails if it has not.
wait_gone() {
	local i n=$((${2:-10} * 10))
	for ((i = 0; i < n; i++)); do
		is_live "$1" || return 0
		sleep 0.1
	done
	! is_live "$1"
}

# stop_test_jails: stop every running jail of this test's store (the store is the test's
# own); an init that survives is killed by its JID, then the state files and empty cgroup
# directories named after these jails go.
stop_test_jails() {
	local rows jid u st _r d
	rows=$(list_rows 2>/dev/null) || return 0
	while IFS=$'\t' read -r jid u _r st _r; do
		[ "$st" = up ] || continue
		ioc stop "$u" >/dev/null 2>&1 </dev/null
	done <<<"$rows"
	# The list after the stops: a jail still up there has the JID of its own init.
	rows=$(list_rows 2>/dev/null) || return 0
	while IFS=$'\t' read -r jid u _r st _r; do
		[ -n "$u" ] || continue
		if [ "$st" = up ] && [[ $jid =~ ^[0-9]+$ ]]; then
			echo "# cleanup: jail $u is still up; killing its init $jid" >&2
			kill -9 "$jid" 2>/dev/null
			wait_gone "$jid" 5
		fi
		rm -f -- "$(state_file "$u")"
		for d in $(cgroup_dirs_of "$u"); do
			rmdir -- "$d" 2>/dev/null
		done
	done <<<"$rows"
	return 0
}

# ---------------------------------------------------------------------------------------------
# Hostile archives (the attacks that fetch -F must refuse)

# make_evil_tarballs DIR: writes DIR/{dotdot,abs,symlink-escape,symlink-dotdot,hardlink-out,
# hardlink-abs}.tar. Every file they try to plant is named "$EVIL_MARK-*", so evil_traces can
# look for it; EVIL_OUTSIDE is the directory symlink-escape.tar aims at, EVIL_ABS_DIR the
# directory of abs.tar's absolute path. Each archive starts with a harmless file, so that a
# refused archive has already written something the fetch must take back.
make_evil_tarballs() {
	local dir=$1
	mkdir -p "$dir"
	EVIL_MARK=ioc-evil-$$-$RANDOM$RANDOM
	EVIL_OUTSIDE=$T_TMP/outside
	mkdir -p "$EVIL_OUTSIDE"
	EVIL_ABS_DIR=$(mktemp -d /tmp/ioc-evil-XXXXXX)
	_ioc_evil_abs=$EVIL_ABS_DIR
	_record dir "$EVIL_ABS_DIR"
	python3 - "$dir" "$EVIL_MARK" "$EVIL_OUTSIDE" "$EVIL_ABS_DIR" <<'PY'
import io, sys, tarfile, time
d, mark, outside, absdir = sys.argv[1:5]

def entry(name, kind=tarfile.REGTYPE, data=b"", link="", mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = 0o755 if kind in (tarfile.DIRTYPE, tarfile.SYMTYPE) else mode
    ti.mtime = int(time.time())
    ti.linkname = link
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    return ti, (io.BytesIO(data) if kind == tarfile.REGTYPE else None)

def write(name, entries):
    with tarfile.open(f"{d}/{name}", "w", format=tarfile.GNU_FORMAT) as t:
        for e in [entry("etc/", tarfile.DIRTYPE), entry("etc/harmless", data=b"ok\n")] + entries:
            t.addfile(*e)

pwn = b"pwned by an iocage test archive\n"
write("dotdot.tar", [entry(f"../{mark}-dotdot", data=pwn)])
write("abs.tar", [entry(f"{absdir}/{mark}-abs", data=pwn)])
write("symlink-escape.tar", [entry("l", tarfile.SYMTYPE, link=outside),
                             entry(f"l/{mark}-symlink-escape", data=pwn)])
write("symlink-dotdot.tar", [entry("l", tarfile.SYMTYPE, link="../../../.."),
                             entry(f"l/{mark}-symlink-dotdot", data=pwn)])
write("hardlink-out.tar", [entry(f"{mark}-hardlink-out", tarfile.LNKTYPE, link="../../etc/passwd")])
write("hardlink-abs.tar", [entry(f"{mark}-hardlink-abs", tarfile.LNKTYPE, link="/etc/passwd")])
PY
}

# evil_traces: print every planted file found where an escaped entry could have landed, and
# every file in the store that is a hard link to /etc/passwd. Empty output: nothing escaped.
evil_traces() {
	local top
	top=$(store_top)
	{
		_find_store "$top" -- -name "$EVIL_MARK*" -print
		find "$T_TMP" "$EVIL_ABS_DIR" -xdev -name "$EVIL_MARK*" 2>/dev/null
		find /tmp /var/tmp -maxdepth 4 -xdev -name "$EVIL_MARK*" 2>/dev/null
		find / -maxdepth 2 -xdev -name "$EVIL_MARK*" 2>/dev/null
		_find_store "$(dirname "$top")" -maxdepth 3 -- -name "$EVIL_MARK*" -print
		_find_store "$top" -- -samefile /etc/passwd -print
	} | sort -u
}

# ---- helpers of the running-jail tests (t100, t110, t115) ----

# The probe payload built (its path in $probe), iocage copied where jails cannot reach it,
# running jails stopped at exit, and release R fetched with /bin/probe in it.
setup_probe_release() {
	probe=$(probe_bin) || bail_out "cannot build tests/payload/probe.c"
	private_binary
	at_exit stop_test_jails
	ok -m "fetch release R (busybox with /bin/probe)" make_busybox_release R ||
		bail_out "cannot fetch: $ERR"
	ok -m "the release holds /bin/probe" test -x "$(release_root R)/bin/probe"
}

re_quote() { # re_quote TEXT: TEXT as an ERE matching itself
	printf '%s' "$1" | sed 's/[][\.*^$(){}+?|/]/\\&/g'
}

# Mount points of the host, less those of this suite's own stores (/var/tmp/ioc-*, pools
# ioce2e*) and of network namespaces (tests of other work on this host name theirs there).
host_mounts() {
	awk '{ m = $5; gsub(/\\040/, " ", m); print m }' /proc/self/mountinfo |
		grep -Ev '^/(var/)?tmp/ioc-|^/ioce2e|^/run/netns/' | sort -u
}

# The mount points the host gained since $mounts0 (set it with host_mounts first). Other work
# on this host (jails of other stores come and go) must not disturb it: a gained mount whose
# path names a jail uuid that is not one of this test's is someone else's.
mounts_gained() {
	local m x mine
	mine=$(listed_uuids)
	comm -13 <(printf '%s\n' "$mounts0") <(host_mounts) | while IFS= read -r m; do
		# shellcheck disable=SC2013  # uuids are single words
		for x in $(grep -Eo "$UUID_RE" <<<"$m"); do
			grep -qxF -- "$x" <<<"$mine" || continue 2
		done
		printf '%s\n' "$m"
	done
}

tree_sum() { # tree_sum DIR: names, types, modes and contents of everything below DIR
	(cd "$1" && find . -printf '%p %y %m\n' | sort && find . -type f -exec sha256sum {} + | sort)
}

# try_start TAG WHAT: start works (what a link names is looked up inside the jail) or refuses
# cleanly (exit 1, "iocage: start: ...", the jail down and no process of it left); anything
# else fails. Returns 0 when the jail runs.
try_start() {
	run timeout 60 "$IOCAGE_BIN" start "$1"
	if [ "$RC" = 0 ]; then
		pass "$2: start works (what the link names is looked up inside the jail)"
		return 0
	fi
	if [ "$RC" = 1 ] && [[ $ERR == "iocage: start: "* ]]; then
		pass "$2: start refuses cleanly (exit 1, a message)"
		note "start said: $ERR"
		is "$(state_of "$1")" down "$2: the refused jail is down"
		is "$(procs_of_jail "$(uuid_of "$1")")" "" "$2: no process left after the refused start"
		return 1
	fi
	fail "$2: start either works or refuses cleanly"
	_run_diag ioc start "$1"
	return 1
}

stop_if_up() { # stop_if_up TAG: stopped, if it ran
	[ "$(state_of "$1")" != up ] || ioc stop "$1" >/dev/null 2>&1 </dev/null
	is "$(state_of "$1")" down "$1 is stopped"
}

if [ "${IOC_LIB_NO_SETUP:-0}" != 1 ]; then
	_ioc_setup
fi
