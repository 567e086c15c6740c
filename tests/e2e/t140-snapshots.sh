#!/usr/bin/env bash
# snapshot, snaplist, snapremove, rollback, promote on both backends, and the bad input each
# must refuse.
. "$(dirname "$0")/lib.sh"

ok -m "fetch release R" make_busybox_release R || bail_out "cannot fetch: $ERR"

snap_names() { # snap_names TAG: snaplist's NAME column
	ioc snaplist -H "$1" </dev/null | cut -f1
}

for kind in thick thin; do
	flag=
	[ "$kind" = thin ] && flag=-c
	tag=s$kind
	# shellcheck disable=SC2086  # an empty flag is no word
	ok ioc create $flag release=R tag=$tag
	u=$(uuid_of $tag)
	r=$(jail_root "$u")
	echo one >"$r/etc/one"
	rm -f "$r/etc/group"
	ok ioc snapshot $tag@a
	is "$OUT" "$tag@a" "$kind: snapshot prints TAG@NAME"
	echo two >"$r/etc/two"
	echo changed >"$r/etc/one"
	mkdir "$r/newdir"
	ok ioc snapshot $tag@b
	is "$(snap_names $tag | tr '\n' ' ')" "a b " "$kind: snaplist lists a then b"
	rm -rf "$r/bin"

	# rollback past b: refused without -f, naming b; nothing changed
	fails -m "$kind: rollback past a later snapshot without -f" 1 ioc rollback $tag@a
	like "$ERR" "later snapshots b" "$kind: the refusal names the later snapshot"
	ok test ! -e "$r/bin"
	ok ioc rollback -f $tag@a
	r=$(jail_root "$u")
	is "$(cat "$r/etc/one")" one "$kind: a file changed after a is back as it was"
	ok -m "$kind: a directory removed after a is back" test -x "$r/bin/busybox"
	ok -m "$kind: a file made after a is gone" test ! -e "$r/etc/two"
	ok -m "$kind: a directory made after a is gone" test ! -e "$r/newdir"
	ok -m "$kind: a file removed before a stays removed" test ! -e "$r/etc/group"
	ok -m "$kind: the release's files are still there" test -f "$r/etc/passwd"
	is "$(snap_names $tag)" a "$kind: rollback -f destroyed the later snapshot"
	ok ioc rollback $tag@a
	is "$(snap_names $tag)" a "$kind: rollback to the latest needs no -f and keeps it"

	# default name, -H/--json
	ok ioc snapshot -f $tag
	like "$OUT" "^$tag@[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{2}\.[0-9]{2}\.[0-9]{2}(_[0-9]+)?$" \
		"$kind: the default name is the date and time"
	ok ioc snapshot -f $tag
	is "$(snap_names $tag | sort -u | wc -l)" 3 "$kind: two default snapshots in a second get two names"
	ok ioc snaplist $tag
	is "$(header_of "$OUT")" "NAME CREATED RSIZE USED" "$kind: snaplist's header"
	ok ioc snaplist --json $tag
	json_ok 'len(d) == 3 and d[0]["name"] == "a" and all(set(x) == {"name", "created", "rsize", "used"} for x in d) and isinstance(d[0]["used"], int)' \
		"$kind: snaplist --json" <<<"$OUT"

	# snapremove
	ok ioc snapremove $tag@a
	is "$(snap_names $tag | grep -c '^a$')" 0 "$kind: snapremove removed a"
	fails -m "$kind: snapremove of a missing snapshot" 1 ioc snapremove $tag@a
	ok ioc snapremove $tag@ALL
	is "$(snap_names $tag)" "" "$kind: snapremove @ALL removed every snapshot"
done

# --- bad input ---
for bad in 'has/slash' 'has space' 'a@b' "$(printf 'x%.0s' {1..300})" '.hidden' '-dash' ALL \
	"$(cat /proc/sys/kernel/random/uuid)"; do
	fails -m "snapshot name '${bad:0:20}' is refused" 1 ioc snapshot sthick@"$bad"
done
is "$(snap_names sthick)" "" "no bad name made a snapshot"
fails -m "snapremove without @" 2 ioc snapremove sthick
fails -m "rollback without @" 2 ioc rollback sthick
fails -m "snapshot of a missing jail" 1 ioc snapshot nosuch@x

# rollback to a snapshot of another jail
ok ioc snapshot sthin@other
fails -m "rollback to another jail's snapshot" 1 ioc rollback sthick@other
like "$ERR" "no snapshot 'other'" "the refusal says the jail has no such snapshot"

# rollback of a running jail
ok ioc snapshot sthick@run
ok ioc start sthick
fails -m "rollback of a running jail" 1 ioc rollback sthick@run
like "$ERR" "running" "the refusal says it is running"
ok ioc snapshot sthick@whilerunning
like "$ERR" "warning: .* is running" "snapshot of a running jail warns"
ok ioc snapshot -f sthick@whilerunning2
is "$ERR" "" "snapshot -f of a running jail does not warn"
ok ioc stop sthick

# snapremove of a snapshot a clone depends on
ok ioc clone sthick@run tag=kid
kid=$(uuid_of kid)
fails -m "snapremove of a snapshot a clone uses" 1 ioc snapremove sthick@run
like "$ERR" "$kid \(kid\)" "the refusal names the clone"
fails -m "snapremove @ALL with a snapshot in use" 1 ioc snapremove sthick@ALL
like "$ERR" "kid" "snapremove @ALL names the clone whose snapshot stays"
is "$(snap_names sthick)" run "@ALL removed all the others"

# promote: the clone no longer needs its origin
fails -m "promote of a jail that is no clone" 1 ioc promote sthick
ok ioc promote kid
if [ "$IOC_BACKEND" = zfs ]; then
	is "$(zfs get -H -o value origin "$IOCAGE_POOL/iocage/jails/$kid/root")" - \
		"the promoted clone has no origin"
	ok ioc destroy -f sthick
	gone=$(zfs list -H -o name "$IOCAGE_POOL/iocage/jails/$(uuid_of sthick)" 2>&1)
else
	ok test ! -e "$IOCAGE_ROOT/jails/$kid/.root.ovl"
	ok ioc snapremove sthick@run
	ok ioc destroy -f sthick
fi
is "$(uuid_of sthick)" "" "the origin is destroyed after promote"
ok -m "the promoted clone still has its files" test -x "$(jail_root "$kid")/bin/busybox"
ok ioc destroy -f kid
ok ioc destroy -f sthin
is "$(unlisted_leftovers)" "" "nothing left over"
if [ "$IOC_BACKEND" = zfs ]; then
	is "$(zfs list -H -t snapshot -o name -r "$IOCAGE_POOL/iocage/jails")" "" "no snapshot left"
fi

done_testing
