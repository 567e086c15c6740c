#!/usr/bin/env bash
# backends: zfs
# One `list` runs a constant number of zfs/zpool programs, not one per jail (DESIGN.md 3:
# all jails' properties come from one `zfs get -r`); exec of a running jail runs none. IOCAGE_TRACE_EXEC=FILE makes iocage
# append one line per program it runs.
. "$(dirname "$0")/lib.sh"
require_backend zfs

ok -m "fetch release R" make_busybox_release R || bail_out "cannot fetch: $ERR"

trace=$T_TMP/trace
# zfs_calls CMD...: how many zfs/zpool programs one iocage command runs ("x" if it failed).
zfs_calls() {
	: >"$trace"
	if ! IOCAGE_TRACE_EXEC=$trace "$IOCAGE_BIN" "$@" </dev/null >/dev/null 2>&1; then
		echo x
		return
	fi
	grep -cE '(^|[[:space:]/])(zfs|zpool)([[:space:]]|$)' "$trace"
}

cmds=("list" "list -H" "list --json" "df -H" "get -r -H tag")
declare -A at2

ok ioc create -c release=R count=2 tag=few
is "$(list_rows | wc -l)" 2 "two jails"
for c in "${cmds[@]}"; do
	# shellcheck disable=SC2086  # split the command words
	at2[$c]=$(zfs_calls $c)
done
note "list with 2 jails ran ${at2[list]} zfs/zpool programs:"
zfs_calls list >/dev/null
diag "$(cat "$trace")"
ok -m "the trace shows zfs programs (IOCAGE_TRACE_EXEC works)" test "${at2[list]}" -ge 1

ok ioc create -c release=R count=10 tag=more
is "$(list_rows | wc -l)" 12 "twelve jails"
for c in "${cmds[@]}"; do
	# shellcheck disable=SC2086
	n=$(zfs_calls $c)
	note "$c: ${at2[$c]} zfs/zpool programs with 2 jails, $n with 12"
	is "$n" "${at2[$c]}" "$c runs as many zfs programs for 12 jails as for 2"
done
n=$(zfs_calls list)
ok -m "list runs at most 2 zfs/zpool programs ($n)" test "$n" -le 2

# exec into a running jail by its tag or full UUID reads the jail's run record, not the pool.
ok -m "start few_1" ioc start few_1
u=$(uuid_of few_1)
is "$(zfs_calls exec few_1 /bin/true)" 0 "exec TAG runs no zfs/zpool program"
is "$(zfs_calls exec "$u" /bin/true)" 0 "exec UUID runs no zfs/zpool program"
ok -m "stop few_1" ioc stop few_1

# The thin lifecycle: zfs programs per command, a zfs-fuse "busy" retry (the same command again
# at once) counted once. A bound that grows means a read that is not shared or a write that
# could be inherited (DESIGN.md 3); lower it when a command gets cheaper.
# lc_calls CMD...: as zfs_calls, with adjacent repeats counted once.
lc_calls() {
	: >"$trace"
	if ! IOCAGE_TRACE_EXEC=$trace "$IOCAGE_BIN" "$@" </dev/null >/dev/null 2>&1; then
		echo x
		return
	fi
	grep -E '(^|[[:space:]/])(zfs|zpool)([[:space:]]|$)' "$trace" | uniq | wc -l
}
for step in "create -c release=R tag=lc:7" "start lc:3" "stop lc:2" "destroy -f lc:6"; do
	cmd=${step%:*} max=${step##*:}
	# shellcheck disable=SC2086  # split the command words
	n=$(lc_calls $cmd)
	note "$cmd: $n zfs programs"
	[ "$n" = x ] || [ "$n" -le "$max" ] || diag "$(uniq "$trace")"
	ok -m "$cmd runs at most $max zfs programs ($n)" test "$n" != x -a "$n" -le "$max"
done
is "$(zfs get -H -o value,source compression "$IOCAGE_POOL/iocage/jails" | cut -f2)" local \
	"jails inherit their compression from $IOCAGE_POOL/iocage/jails, set there once"
like "$(ioc get compression few_1)" '^(lz4|on)$' "a jail is compressed (lz4, or on where zfs lacks it)"
ok -m "create with compression=off" ioc create -c release=R tag=plain compression=off
is "$(ioc get compression plain)" off "compression= at create is set on the jail"

done_testing
