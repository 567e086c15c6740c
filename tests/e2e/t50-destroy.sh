#!/usr/bin/env bash
# destroy: -f, the question without a terminal, thin jails keep their release, nothing left.
. "$(dirname "$0")/lib.sh"

ok -m "fetch release R" make_busybox_release R || bail_out "cannot fetch: $ERR"

# gone UUID NAME: the jail is not listed and has no file, dataset, snapshot or mount left.
gone() {
	is "$(list_rows | awk -F'\t' -v u="$1" '$2 == u')" "" "$2: not listed after destroy"
	is "$(traces_of "$1")" "" "$2: no file, directory, dataset, snapshot or mount left"
	if [ "$IOC_BACKEND" = dir ]; then
		is "$(find "$IOCAGE_ROOT/jails" -mindepth 1 -maxdepth 1 -name "*$1*")" "" \
			"$2: nothing in jails/, hidden or not"
	fi
}

# --- thick, by tag ---
ok ioc create release=R tag=dj1
u=$(uuid_of dj1)
ok test -x "$(jail_root "$u")/bin/busybox"
ok ioc destroy -f dj1
gone "$u" "thick jail dj1"
fails -m "the destroyed tag no longer resolves" 1 ioc get tag dj1

# --- without -f and without a terminal: refused, nothing removed ---
ok ioc create release=R tag=dj2
u=$(uuid_of dj2)
fails -m "destroy without -f, stdin not a terminal" 1 ioc destroy dj2
is "$(uuid_of dj2)" "$u" "the jail is still listed"
ok test -x "$(jail_root "$u")/bin/busybox"
run sh -c "echo y | \"\$0\" destroy dj2" "$IOCAGE_BIN"
is "$RC" 1 "destroy without -f and stdin a pipe (even saying y) is refused"
is "$(uuid_of dj2)" "$u" "the jail is still listed"
ok ioc destroy -f "$u"
gone "$u" "thick jail dj2 (by full uuid)"

# --- thin: the release and its snapshot stay; a later thin create works ---
if [ "$IOC_BACKEND" = zfs ]; then
	rel_ds=$IOCAGE_POOL/iocage/releases/R/root
	rel_snaps=$(zfs list -H -t snapshot -o name -r "$rel_ds")
fi
ok ioc create -c release=R tag=thin1
u=$(uuid_of thin1)
ok ioc destroy -f thin1
gone "$u" "thin jail thin1"
ok ioc list -r -H
like "$OUT" '^R([[:space:]]|$)' "the release is still listed"
ok test -x "$(release_root R)/bin/busybox"
if [ "$IOC_BACKEND" = zfs ]; then
	ok -m "the release dataset is still there" ds_exists "$rel_ds"
	is "$(zfs list -H -t snapshot -o name -r "$rel_ds")" "$rel_snaps" \
		"the release's snapshots are as before the thin jail"
fi
ok ioc create -c release=R tag=thin2
u=$(uuid_of thin2)
is "$(list_col thin2 6)" clonejail "a thin jail can be created after one was destroyed"
ok ioc destroy -f thin2
gone "$u" "thin jail thin2"

# --- basejail and emptyjail ---
ok ioc create -b release=R tag=base1
u=$(uuid_of base1)
ok ioc destroy -f base1
gone "$u" "basejail base1"
ok ioc create -e tag=empty1
u=$(uuid_of empty1)
ok ioc destroy -f empty1
gone "$u" "emptyjail empty1"

# --- what destroy refuses ---
fails 1 ioc destroy -f nosuchjail
ok ioc create -e tag=prefixtest
u=$(uuid_of prefixtest)
fails -m "destroy does not match a tag by prefix" 1 ioc destroy -f prefix
is "$(uuid_of prefixtest)" "$u" "the jail is still there"
ok ioc destroy -f "${u:0:13}"
gone "$u" "emptyjail prefixtest (by a unique uuid prefix)"

# --- other jails are untouched ---
ok ioc create release=R tag=keep
uk=$(uuid_of keep)
ok ioc create release=R tag=drop
ok ioc destroy -f drop
is "$(uuid_of keep)" "$uk" "destroying one jail leaves the others listed"
ok test -x "$(jail_root "$uk")/bin/busybox"
is "$(unlisted_leftovers)" "" "the store holds nothing but listed jails"

if [ "$IOC_BACKEND" = zfs ]; then
	# A destroy killed after zfs removed a jail's datasets, before their mountpoint
	# directories went, leaves those empty directories where no dataset is (t150 saw it).
	stale=$(store_top)/jails/0badc0de-0000-4000-8000-000000000001
	mkdir -p "$stale/root"
	ok -m "list runs beside a stale mountpoint directory" ioc list -H
	ok -m "the next command removes empty mountpoint directories no dataset has" test ! -e "$stale"
	mkdir -p "$stale" && touch "$stale/keep"
	ok -m "list runs beside a directory with a file" ioc list -H
	ok -m "a directory with a file in it stays (not iocage's to remove)" test -e "$stale/keep"
	rm -rf "$stale"
	is "$(unlisted_leftovers)" "" "the store ends clean"
fi

done_testing
