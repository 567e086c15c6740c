#!/usr/bin/env bash
# get / set / defaults / df, validation of every property type, resolution by tag, uuid,
# prefix, and ambiguity.
. "$(dirname "$0")/lib.sh"

ok ioc create -e tag=pj || bail_out "cannot create a jail: $ERR"
u=$(uuid_of pj)
like "$u" "^$UUID_RE\$" "pj has a uuid"

# --- get: by tag, uuid, unique prefix ---
ok ioc get tag pj
is "$OUT" pj "get tag TAG"
ok ioc get tag "$u"
is "$OUT" pj "get tag UUID"
ok ioc get tag "${u%?}"
is "$OUT" pj "get tag by a unique prefix (all but the last char)"
ok ioc get type pj
is "$OUT" emptyjail "get type"
is "$(ioc get boot pj)" off "boot defaults to off"
is "$(ioc get priority pj)" 99 "priority defaults to 99"
fails 1 ioc get nosuchprop pj
fails 1 ioc get tag nosuchjail

ok ioc get all pj
lines_like "$OUT" '^[a-z0-9_]+:' "get all prints prop:value lines"
like "$OUT" '^tag:pj$' "get all has tag:pj"
like "$OUT" '^boot:off$' "get all has boot:off"
like "$OUT" '^priority:99$' "get all has priority:99"
like "$OUT" "^host_hostname:" "get all has host_hostname"
ok ioc get all "$u"

ok ioc create -e tag=second
u2=$(uuid_of second)
ok ioc get -r tag
is "$(header_of "$OUT")" "UUID TAG VALUE" "get -r has a UUID TAG VALUE header"
ok ioc get -r -H tag
unlike "$OUT" '^UUID' "get -r -H has no header"
like "$OUT" "^$u"$'\tpj\tpj$' "get -r -H tag: 'UUID<tab>pj<tab>pj'"
like "$OUT" "^$u2"$'\tsecond\tsecond$' "get -r -H tag: the second jail too"
ok ioc get -r -H priority
like "$OUT" "^$u"$'\tpj\t99$' "get -r -H priority"

# --- set: good values of each type ---
ok ioc set boot=on priority=10 notes=hello pj
is "$(ioc get boot pj)" on "set boot=on"
is "$(ioc get priority pj)" 10 "set priority=10"
is "$(ioc get notes pj)" hello "set notes=hello"
ok ioc set 'notes=two words' pj
is "$(ioc get notes pj)" "two words" "a string with a space is kept verbatim"
for pv in memoryuse=512M:deny pcpu=50:deny maxproc=100:deny 'ip4_addr=eth0|10.0.0.1/24' \
	interfaces=vnet0:bridge0 host_hostname=good-name.example ip4=new priority=0 boot=off; do
	ok ioc set "$pv" pj
	is "$(ioc get "${pv%%=*}" pj)" "${pv#*=}" "get ${pv%%=*} after set $pv"
done
ok ioc set priority=10 boot=on pj

# --- set: all or nothing ---
fails -m "set with one bad value among good ones" 1 ioc set priority=20 notes=changed boot=maybe pj
is "$(ioc get priority pj)" 10 "priority unchanged after a refused set"
is "$(ioc get notes pj)" "two words" "notes unchanged after a refused set"
is "$(ioc get boot pj)" on "boot unchanged after a refused set"
fails 1 ioc set boot=maybe priority=20 pj
is "$(ioc get priority pj)" 10 "priority unchanged when the bad value comes first"

# --- set: unknown and read-only properties ---
fails 1 ioc set tga=x pj
like "$ERR" "tag" "an unknown property suggests 'tag'"
is "$(ioc get tag "$u")" pj "the tag is unchanged"
fails 1 ioc set type=x pj
is "$(ioc get type pj)" emptyjail "a read-only property is unchanged"
nok ioc set noequals pj

# --- set: bad values of every type ---
long_tag=$(printf 'a%.0s' {1..65})
for pv in boot=maybe priority=100 priority=abc priority=-1 quota=lots ip4=sometimes \
	memoryuse=lots memoryuse=1G:explode pcpu=250:deny maxproc=-1 \
	'ip4_addr=em0|10.0.0.1' 'ip4_addr=em0|10.0.0.1/33' 'ip4_addr=em0|fe80::1/64' \
	'ip4_addr=em0|300.0.0.1/24' 'interfaces=vnet0:br;0' host_hostname=-bad- \
	tag=a/b tag=.. tag='a b' tag=-x tag=.hidden "tag=$long_tag" tag=ALL tag=default tag=; do
	p=${pv%%=*}
	before=$(ioc get "$p" pj 2>/dev/null)
	fails 1 ioc set "$pv" pj
	like "$ERR" "^iocage: set: " "set $pv: the error says 'iocage: set:'"
	is "$(ioc get "$p" pj 2>/dev/null)" "$before" "set $pv: $p is unchanged"
done
ok -m "a tag of 64 characters is accepted" ioc set "tag=${long_tag%a}" pj
is "$(ioc get tag "$u")" "${long_tag%a}" "the 64-character tag is set"
ok ioc set tag=pj "${long_tag%a}"
ok -m "a tag of letters, digits, '.', '_' and '-' is accepted" ioc set tag=a.B_9-z pj
is "$(ioc get tag "$u")" a.B_9-z "tag renamed"
fails -m "the old tag no longer resolves" 1 ioc get tag pj
ok ioc set tag=pj a.B_9-z
fails -m "a tag that is taken is refused" 1 ioc set tag=second pj
is "$(ioc get tag "$u")" pj "the tag is unchanged"

# --- defaults ---
ok ioc defaults
lines_like "$OUT" '^[a-z0-9_]+=' "defaults prints prop=value lines"
like "$OUT" '^boot=off$' "defaults has boot=off"
like "$OUT" '^priority=99$' "defaults has priority=99"
like "$OUT" '^tag=' "defaults lists tag"
ok ioc set priority=50 default
is "$(ioc get priority default)" 50 "set P=V default changes the default"
ok ioc create -e tag=afterdefault
is "$(ioc get priority afterdefault)" 50 "a jail created later gets the new default"
is "$(ioc get priority pj)" 10 "a jail's own value wins over the default"
fails 1 ioc set boot=maybe default
is "$(ioc get boot default)" off "a bad default is refused"
ok ioc set priority=99 default
is "$(ioc get priority default)" 99 "the default is set back"

# --- ambiguous prefixes ---
ambig() { # print "CHAR UUID1 UUID2" for the first two listed jails sharing a first char
	listed_uuids | sort | awk '{ c = substr($0, 1, 1) } c == pc { print c, pu, $0; exit } { pc = c; pu = $0 }'
}
i=0
while [ -z "$(ambig)" ] && [ "$i" -lt 20 ]; do
	i=$((i + 1))
	ioc create -e tag="amb$i" >/dev/null || break
done
read -r c a1 a2 <<<"$(ambig)"
if [ -n "${c:-}" ]; then
	fails -m "get by an ambiguous prefix '$c'" 1 ioc get tag "$c"
	like "$ERR" "$a1" "the error lists the first candidate"
	like "$ERR" "$a2" "the error lists the second candidate"
	is "$(ioc get tag "${a1:0:30}")" "$(list_rows | awk -F'\t' -v u="$a1" '$2 == u { print $5 }')" \
		"a longer, unique prefix resolves"
else
	fail "could not make two jails whose uuids share a first character in 20 tries"
fi

# A string that is one jail's tag and a prefix of another's uuid is ambiguous (DESIGN.md 4).
pfx=${u2:0:8}
ok ioc create -e tag="$pfx"
fails -m "a tag that is also another jail's uuid prefix is ambiguous" 1 ioc get type "$pfx"
like "$ERR" "$u2" "the error lists the jail whose uuid starts so"
like "$ERR" "$(uuid_of "$pfx")" "the error lists the jail with that tag"

# --- df ---
ok ioc df
is "$(header_of "$OUT")" "UUID CRT RES QTA USE AVA TAG" "df's header"
ok ioc df -H
unlike "$OUT" '^UUID' "df -H has no header"
is "$(printf '%s\n' "$OUT" | awk -F'\t' 'NF != 7' | wc -l)" 0 "df -H: 7 tab-separated fields"
like "$OUT" "^$u"$'\t.*\tpj$' "df -H has pj's row"
ok ioc df --json
json_ok "any(j['uuid'] == '$u' and j['tag'] == 'pj' for j in d)" "df --json has pj" <<<"$OUT"
json_ok "all(set(j) >= {'uuid','crt','res','qta','use','ava','tag'} for j in d)" \
	"df --json objects have the seven keys" <<<"$OUT"

# --- quota: a zfs property; a clear error on dir ---
if [ "$IOC_BACKEND" = zfs ]; then
	ok ioc set quota=20M pj
	# 20M as people write it, or its bytes (as zfs -p prints it); both say the same.
	is "$(ioc get quota pj | sed -E 's/^20(\.0)?M$/20971520/')" 20971520 \
		"get quota after set quota=20M"
	like "$(zfs get -H -p -o value quota -r "$IOCAGE_POOL/iocage/jails/$u")" '^20971520$' \
		"the dataset has quota 20M"
	ok ioc df -H
	is "$(printf '%s\n' "$OUT" | awk -F'\t' -v u="$u" '$1 == u { print $4 }' |
		sed -E 's/^20(\.0)?M$/20971520/')" 20971520 "df -H shows QTA 20M"
	ok ioc set quota=none pj
	like "$(zfs get -H -p -o value quota "$IOCAGE_POOL/iocage/jails/$u")" '^(0|none|-)$' \
		"set quota=none removes the quota"
else
	fails 1 ioc set quota=20M pj
	like "$ERR" "not supported by the dir backend" "quota on dir: a clear error"
	fails 1 ioc set reservation=20M pj
	like "$ERR" "not supported by the dir backend" "reservation on dir: a clear error"
fi

done_testing
