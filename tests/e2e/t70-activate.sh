#!/usr/bin/env bash
# backends: zfs
# activate / deactivate POOL: the iocage:active mark on the pool, and using the active pool
# when neither IOCAGE_POOL nor IOCAGE_ROOT says otherwise.
. "$(dirname "$0")/lib.sh"
require_backend zfs

P=$IOCAGE_POOL
active_of() {
	zfs get -H -o value iocage:active "$1"
}

# Is a pool other than ours marked active? Then iocage without IOCAGE_POOL could pick that
# one, and this test must not touch it.
others_active() {
	zfs get -H -o name,value -d 0 -s local iocage:active 2>/dev/null |
		awk -F'\t' -v p="$P" '$1 != p && $2 == "yes" { print $1 }'
}

isnt "$(active_of "$P")" yes "a new pool is not active"
ok ioc activate "$P"
is "$(active_of "$P")" yes "activate sets iocage:active=yes on the pool"
is "$(zfs get -H -o source iocage:active "$P")" local "the mark is local to the pool's root"
ok -m "activate creates POOL/iocage" ds_exists "$P/iocage"
ok -m "activate is idempotent" ioc activate "$P"
is "$(active_of "$P")" yes "still active"
ok ioc create -e tag=act
ua=$(uuid_of act)
ok -m "the jail is a dataset of the pool" ds_exists "$P/iocage/jails/$ua"

other=$(others_active)
if [ -z "$other" ]; then
	ok env -u IOCAGE_POOL -u IOCAGE_ROOT "$IOCAGE_BIN" list -H
	like "$OUT" $'^[^\t]*\t'"$ua"$'\t' "without IOCAGE_POOL, list uses the active pool"
	ok env -u IOCAGE_POOL -u IOCAGE_ROOT "$IOCAGE_BIN" get tag "$ua"
	is "$OUT" act "without IOCAGE_POOL, get finds the jail on the active pool"
else
	skip "list on the active pool without IOCAGE_POOL" "another pool is active: $other"
	skip "get on the active pool without IOCAGE_POOL" "another pool is active: $other"
fi

ok ioc deactivate "$P"
isnt "$(active_of "$P")" yes "deactivate clears iocage:active"
ok -m "deactivate keeps the jails" ds_exists "$P/iocage/jails/$ua"
is "$(uuid_of act)" "$ua" "with IOCAGE_POOL the jail is still listed"

fails 1 ioc activate "nosuchpool$$"
like "$ERR" "nosuchpool$$" "the error names the missing pool"
is "$(zpool list -H -o name "nosuchpool$$" 2>/dev/null)" "" "no pool was created"

done_testing
