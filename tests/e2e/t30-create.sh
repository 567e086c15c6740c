#!/usr/bin/env bash
# create (thick, -c thin, -b basejail, -e empty, count=, tags, properties) and list.
. "$(dirname "$0")/lib.sh"

# --- before any release is fetched ---
fails -m "create without release= and no release fetched" 1 ioc create tag=norel
fails -m "create release=nosuch with no release fetched" 1 ioc create release=nosuch tag=norel
ok -m "create -e needs no release" ioc create -e tag=ej0
lines_like "$OUT" "$CREATE_LINE_RE" "create prints 'UUID (TAG)'"
like "$OUT" ' \(ej0\)$' "create prints the tag"
is "$(list_col ej0 6)" emptyjail "create -e makes an emptyjail"

ok -m "fetch release R1" make_busybox_release R1 || bail_out "cannot fetch: $ERR"
ok -m "fetch release R2" make_busybox_release R2 || bail_out "cannot fetch: $ERR"

fails 1 ioc create release=nosuch tag=bad
like "$ERR" "R1" "the error for a missing release lists R1"
like "$ERR" "R2" "the error for a missing release lists R2"
is "$(uuid_of bad)" "" "no jail was made for a missing release"

# --- thick (the default; type thickjail, PROPERTIES.md) ---
ok ioc create release=R1 tag=thick
lines_like "$OUT" "$CREATE_LINE_RE" "thick create prints 'UUID (TAG)'"
u=$(printf '%s\n' "$OUT" | grep -Eo "^$UUID_RE")
like "$u" "^$UUID_RE\$" "the uuid is a lowercase v4-shaped uuid"
like "$u" '^.{14}4' "the uuid is version 4"
is "$(uuid_of thick)" "$u" "list shows the uuid create printed"
is "$(list_col thick 6)" thickjail "a default create is a thick jail (type thickjail)"
is "$(list_col thick 4)" down "a created jail is down"
is "$(list_col thick 1)" - "a jail that is down has JID -"
is "$(list_col thick 3)" off "boot is off by default"
is "$(list_col thick 8)" R1 "RELEASE is R1"
root=$(jail_root "$u")
ok test -x "$root/bin/busybox"
ok test -L "$root/bin/sh"
ok grep -q '^root:' "$root/etc/passwd"
if [ "$IOC_BACKEND" = dir ]; then
	ok test -d "$IOCAGE_ROOT/jails/$u/root"
else
	ok -m "the jail's root dataset exists" ds_exists "$IOCAGE_POOL/iocage/jails/$u/root"
	is "$(zfs get -H -o value origin "$IOCAGE_POOL/iocage/jails/$u/root")" - \
		"a thick jail is not a clone"
fi
# A thick jail is a copy: writing into it leaves the release alone.
echo marker >"$root/root/thick-marker"
ok test ! -e "$(release_root R1)/root/thick-marker"

# --- thin (-c), basejail (-b) ---
ok ioc create -c release=R1 tag=thin
lines_like "$OUT" "$CREATE_LINE_RE" "thin create prints 'UUID (TAG)'"
ut=$(uuid_of thin)
is "$(list_col thin 6)" clonejail "create -c makes a clonejail"
is "$(list_col thin 8)" R1 "the thin jail's RELEASE is R1"
if [ "$IOC_BACKEND" = zfs ]; then
	like "$(zfs get -H -o value origin "$IOCAGE_POOL/iocage/jails/$ut/root")" \
		"^$IOCAGE_POOL/iocage/releases/R1/root@" "a thin jail is a clone of the release's snapshot"
fi
ok ioc create -b release=R2 tag=base
is "$(list_col base 6)" basejail "create -b makes a basejail"
is "$(list_col base 8)" R2 "the basejail's RELEASE is R2"

# --- tags ---
ok ioc create -e tag=web
fails -m "a tag that is taken is refused" 1 ioc create -e tag=web
like "$ERR" "web" "the error names the tag"
is "$(list_rows | awk -F'\t' '$5 == "web"' | wc -l)" 1 "only one jail is tagged web"
fails 1 ioc create -e tag=a/b
fails 1 ioc create -e tag=ALL
fails 1 ioc create -e tag=default
ok ioc create -e
lines_like "$OUT" '^[0-9a-f-]{36} \([0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{2}\.[0-9]{2}\.[0-9]{2}.*\)$' \
	"the default tag is the creation time"
t1=$(printf '%s\n' "$OUT" | sed -n 's/.*(\(.*\))$/\1/p')
ok ioc create -e
t2=$(printf '%s\n' "$OUT" | sed -n 's/.*(\(.*\))$/\1/p')
isnt "$t2" "$t1" "two jails created in the same second get different tags"

# --- count= ---
ok ioc create -e count=3 tag=x
is "$(printf '%s\n' "$OUT" | grep -cE "$CREATE_LINE_RE")" 3 "count=3 prints three jails"
for i in 1 2 3; do
	isnt "$(uuid_of "x_$i")" "" "count=3 tag=x makes x_$i"
done
is "$(printf '%s\n' "$OUT" | cut -d' ' -f1 | sort -u | wc -l)" 3 "the three uuids differ"
ok ioc create -c release=R1 count=2 tag=cx
is "$(list_col cx_2 6)" clonejail "count= works for thin jails too"

# --- properties at create ---
ok ioc create -e tag=props boot=on priority=5 notes=hello
is "$(ioc get boot props)" on "boot=on at create"
is "$(ioc get priority props)" 5 "priority=5 at create"
is "$(ioc get notes props)" hello "notes=hello at create"
is "$(list_col props 3)" on "list shows BOOT on"
n_before=$(list_rows | wc -l)
fails -m "create with a bad property value" 1 ioc create -e tag=badprop priority=abc
fails -m "create with an unknown property" 1 ioc create -e tag=badprop nosuchprop=1
is "$(list_rows | wc -l)" "$n_before" "a refused create adds no jail"
is "$(unlisted_leftovers)" "" "a refused create leaves nothing in the store"

# --- list in its three forms ---
ok ioc list
is "$(header_of "$OUT")" "JID UUID BOOT STATE TAG TYPE IP4 RELEASE" "list's header"
like "$OUT" "$u" "list shows the thick jail"
ok ioc list -H
unlike "$OUT" '^JID' "list -H has no header"
is "$(printf '%s\n' "$OUT" | awk -F'\t' 'NF != 8' | wc -l)" 0 "list -H: 8 tab-separated fields"
is "$(printf '%s\n' "$OUT" | cut -f2 | grep -Evxc "$UUID_RE")" 0 \
	"list -H: the second field is a uuid"
n=$(printf '%s\n' "$OUT" | wc -l)
ok ioc list --json
json_ok "isinstance(d, list) and len(d) == $n" "list --json has one object per jail" <<<"$OUT"
json_ok "all(set(j) >= {'jid','uuid','boot','state','tag','type','ip4','release'} for j in d)" \
	"list --json objects have the eight keys" <<<"$OUT"
json_ok "[(j['type'], j['state'], j['release']) for j in d if j['tag'] == 'thick'] == [('thickjail', 'down', 'R1')]" \
	"list --json describes the thick jail" <<<"$OUT"
ok ioc list -s tag -H
tags=$(printf '%s\n' "$OUT" | cut -f5)
is "$tags" "$(printf '%s\n' "$tags" | LC_ALL=C sort)" "list -s tag sorts by tag"
ok ioc list -s uuid -H
uuids=$(printf '%s\n' "$OUT" | cut -f2)
is "$uuids" "$(printf '%s\n' "$uuids" | LC_ALL=C sort)" "list -s uuid sorts by uuid"
nok ioc list -s nosuchcolumn

done_testing
