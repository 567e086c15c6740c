#!/usr/bin/env bash
# clone, templates (set template=yes|no, list -t, create -t, start -f), and a destroy that
# never loses data: dependents refused (named) or destroyed with -r, releases protected,
# origin snapshots removed once, a dependency chain destroyed in every order, a clone racing a
# destroy, and SIGKILL during clone and destroy.
. "$(dirname "$0")/lib.sh"
set -m

ok -m "fetch release R" make_busybox_release R || bail_out "cannot fetch: $ERR"

# Every snapshot in the store, as REL/DATASET@NAME, releases' included.
all_snaps() {
	if [ "$IOC_BACKEND" = zfs ]; then
		zfs list -H -t snapshot -o name -r "$IOCAGE_POOL/iocage" | sed "s|^$IOCAGE_POOL/iocage/||"
	else
		find "$IOCAGE_ROOT" -mindepth 2 -maxdepth 4 -name '.*@*' ! -name '*~*' -printf '%P\n' |
			sed 's|/\.\([^/]*\)$|/\1|'
	fi | sort
}
rel_snaps=$(all_snaps)
jail_snaps() { all_snaps | grep -v '^releases/'; }
gv() { ioc get "$1" "$2" </dev/null; }
tags() { list_rows | cut -f5 | sort | tr '\n' ' '; }
tpl_tags() { ioc list -t -H </dev/null | cut -f5 | sort | tr '\n' ' '; }

# --- clone: a new jail with the source's properties but its own identity ---
ok ioc create release=R tag=src notes=hello priority=7 "vnet0_mac=02ff60000001 02ff60000002" \
	boot=on
us=$(uuid_of src)
echo mark >"$(jail_root "$us")/etc/mark"
ok ioc clone src tag=cl1
like "$OUT" "$CREATE_LINE_RE" "clone prints UUID (TAG)"
u1=$(uuid_of cl1)
isnt "$u1" "$us" "the clone has a uuid of its own"
is "$(gv notes cl1)" hello "notes is copied"
is "$(gv priority cl1)" 7 "priority is copied"
is "$(gv boot cl1)" off "boot is off"
is "$(gv vnet0_mac cl1)" none "vnet0_mac is reset to none (made again at start)"
is "$(gv host_hostname cl1)" "$u1" "the hostname is the clone's own uuid"
is "$(gv type cl1)" clonejail "the clone is a clonejail"
is "$(cat "$(jail_root "$u1")/etc/mark")" mark "the clone has the source's files"
echo c1only >"$(jail_root "$u1")/etc/c1only"
ok -m "writing in the clone leaves the source alone" test ! -e "$(jail_root "$us")/etc/c1only"
is "$(jail_snaps)" "jails/$us/root@$u1" "the clone's origin snapshot is named after it"
ok ioc clone src tag=dflt
like "$(list_col dflt 5)" "^dflt$" "a clone takes tag="
ok ioc clone src
is "$(list_rows | wc -l)" 4 "a clone without tag= gets a default tag"
ok ioc snapshot src@keep
ok ioc clone src@keep tag=cl2
u2=$(uuid_of cl2)
fails -m "clone of a missing snapshot" 1 ioc clone src@nosuch tag=cl3
fails -m "clone with a bad property" 1 ioc clone src nosuchprop=1
fails -m "clone with a taken tag" 1 ioc clone src tag=cl1
fails -m "clone of a missing jail" 1 ioc clone nosuch

# --- destroy with clones: refused, with or without -f, naming them; both intact ---
fails -m "destroy of a jail with clones" 1 ioc destroy -f src
like "$ERR" "$u1 \(cl1\)" "the refusal names clone cl1"
like "$ERR" "$u2 \(cl2\)" "the refusal names clone cl2"
run sh -c "yes | \"\$0\" destroy src" "$IOCAGE_BIN"
is "$RC" 1 "destroy without -f of a jail with clones is refused too"
is "$(uuid_of src)" "$us" "the source is still listed"
is "$(cat "$(jail_root "$u1")/etc/mark")" mark "the clone still has its files"
ok test -f "$(jail_root "$us")/etc/mark"

# --- destroying a clone, then its parent: both go, no snapshot left ---
for t in $(list_rows | cut -f5 | grep -vx -e src -e cl1 -e cl2); do ok ioc destroy -f "$t"; done
ok ioc destroy -f cl1
is "$(jail_snaps)" "jails/$us/root@keep" "the clone's origin snapshot went with it; the user's stays"
ok ioc destroy -f cl2
is "$(jail_snaps)" "jails/$us/root@keep" "a user's snapshot outlives its clone"
ok ioc destroy -f src
is "$(jail_snaps)" "" "no jail snapshot is left"
is "$(all_snaps)" "$rel_snaps" "the release's snapshots are as they were"

# --- templates ---
ok ioc create -c release=R tag=tpl notes=fromtpl
ut=$(uuid_of tpl)
ok ioc start tpl
fails -m "template=yes on a running jail" 1 ioc set template=yes tpl
ok ioc stop tpl
ok ioc set template=yes tpl
is "$(uuid_of tpl)" "" "a template leaves list"
is "$(tpl_tags)" "tpl " "list -t lists it"
is "$(gv template tpl)" yes "get template says yes"
if [ "$IOC_BACKEND" = zfs ]; then
	ok ds_exists "$IOCAGE_POOL/iocage/templates/$ut/root"
else
	ok test -d "$IOCAGE_ROOT/templates/$ut/root"
fi
fails -m "start of a template without -f" 1 ioc start tpl
ok ioc start -f tpl
ok ioc exec tpl sh -c 'echo edited >/etc/edited'
ok ioc stop tpl
ok ioc start ALL
is "$(ioc list -t -H | cut -f4)" down "start ALL does not start a template"
ok ioc create -t tpl tag=fromt
um=$(uuid_of fromt)
is "$(gv notes fromt)" fromtpl "create -t copies the template's properties"
is "$(gv template fromt)" no "a jail made from a template is no template"
is "$(cat "$(jail_root "$um")/etc/edited")" edited "create -t has the template's files"
ok ioc clone tpl tag=fromclone
fails -m "create -t of a jail that is no template" 1 ioc create -t fromt tag=x
fails -m "template=no while jails depend on it" 1 ioc set template=no tpl
like "$ERR" "$um \(fromt\)" "the refusal names the dependent jail"
fails -m "destroy of a template with jails on it" 1 ioc destroy -f tpl
ok ioc destroy -f fromclone
ok ioc destroy -f fromt
ok ioc set template=no tpl
is "$(uuid_of tpl)" "$ut" "template=no: back in list"
is "$(tpl_tags)" "" "list -t is empty"
ok ioc destroy -f tpl

# --- releases are protected ---
ok ioc create -c release=R tag=thin
ok ioc create -b release=R tag=base
ok ioc create release=R tag=thick
fails -m "destroy of a release with jails" 1 ioc destroy -f R
like "$ERR" "thin" "the refusal names the thin jail"
like "$ERR" "base" "the refusal names the basejail"
ok ioc list -r -H
like "$OUT" '^R$' "the release is still listed"
ok ioc destroy -f -r R
like "$OUT" "thin.*destroying it too" "destroy -r lists the dependents"
is "$(tags)" "thick " "destroy -r took the thin jail and the basejail, not the thick copy"
ok ioc list -r -H
is "$OUT" "" "the release is gone"
ok -m "the thick jail still works" test -x "$(jail_root "$(uuid_of thick)")/bin/busybox"
ok ioc destroy -f thick
ok -m "fetch R again" make_busybox_release R
rel_snaps=$(all_snaps)

# --- a chain release -> jail -> snapshot -> clone -> template -> jail, in every order ---
mkchain() {
	ioc create -c release=R tag=J >/dev/null &&
		ioc snapshot J@s >/dev/null &&
		ioc clone J@s tag=K >/dev/null &&
		ioc set template=yes K >/dev/null &&
		ioc create -t K tag=M >/dev/null
}
chain_clean() { # chain_clean WHAT
	is "$(tags)$(tpl_tags)" "" "$1: no jail or template is left"
	is "$(all_snaps)" "$rel_snaps" "$1: no snapshot is left but the release's"
	is "$(unlisted_leftovers)" "" "$1: nothing is left over"
}
# Every order: a dependency first is refused, with everything intact.
ok -m "build the chain" mkchain
for t in R J K; do
	fails -m "chain: destroy $t first is refused" 1 ioc destroy -f "$t"
done
is "$(tags)$(tpl_tags)" "J M K " "chain: all of it is intact"
for t in M K J R; do
	ok -m "chain: destroy $t, leaf first" ioc destroy -f "$t"
done
ok -m "fetch R again" make_busybox_release R
rel_snaps=$(all_snaps)
chain_clean "chain destroyed leaf first"
for top in R J K M; do
	ok -m "build the chain" mkchain
	ok -m "chain: destroy -r $top" ioc destroy -r -f "$top"
	case $top in
	R) ok -m "fetch R again" make_busybox_release R ;;
	J) ok ioc destroy -f R && ok make_busybox_release R ;;
	K) ok ioc destroy -f J && ok ioc destroy -f R && ok make_busybox_release R ;;
	M) for t in K J R; do ok ioc destroy -f $t; done && ok make_busybox_release R ;;
	esac
	rel_snaps=$(all_snaps)
	chain_clean "chain destroyed from $top with -r"
done
# destroy -r of several operands that depend on each other
ok -m "build the chain" mkchain
ok -m "destroy -r J K M at once" ioc destroy -r -f J K M
is "$(tags)$(tpl_tags)" "" "destroy -r J K M: all gone"
ok -m "promote in the chain" true

# --- a clone racing a destroy of its source: one wins, cleanly ---
ok -m "fetch a padded release" make_busybox_release big 24
for i in 1 2 3 4; do
	ok ioc create release=big tag=race
	"$IOCAGE_BIN" destroy -f race </dev/null >/dev/null 2>&1 &
	dpid=$!
	"$IOCAGE_BIN" clone race tag=racer </dev/null >/dev/null 2>&1
	crc=$?
	wait $dpid
	drc=$?
	note "race $i: clone exited $crc, destroy $drc"
	if [ "$(uuid_of racer)" ]; then
		is "$(uuid_of race)" "$(list_rows | awk -F'\t' '$5 == "race" { print $2 }')" \
			"race $i: the clone exists, so does its source"
		isnt "$(uuid_of race)" "" "race $i: the source of the clone survived"
		is "$drc" 1 "race $i: the destroy lost"
		ok ioc destroy -f racer
	fi
	[ -z "$(uuid_of race)" ] || ok ioc destroy -f race
	is "$(jail_snaps)" "" "race $i: no snapshot is left"
	is "$(unlisted_leftovers)" "" "race $i: nothing is left over"
done

# --- SIGKILL during clone and during destroy ---
ms() { echo $(($(date +%s%N) / 1000000)); }
ok ioc create release=big tag=ksrc
uk=$(uuid_of ksrc)
t0=$(ms)
ok ioc clone ksrc tag=timed
clone_ms=$(($(ms) - t0))
t0=$(ms)
ok ioc destroy -f timed
destroy_ms=$(($(ms) - t0))
note "clone ${clone_ms} ms, destroy ${destroy_ms} ms"
for pct in 5 20 40 60 80 100; do
	d=$((clone_ms * pct / 100 + 5))
	"$IOCAGE_BIN" clone ksrc tag=kc </dev/null >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"
	kill -KILL -- "-$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	sleep 0.3
	ok -m "clone killed after $d ms: list runs" ioc list -H
	u=$(uuid_of kc)
	if [ -n "$u" ]; then
		is "$(jail_snaps)" "jails/$uk/root@$u" "clone killed after $d ms: finished, with its snapshot"
		ok test -x "$(jail_root "$u")/bin/busybox"
		# Kill its destroy now.
		dd=$((destroy_ms * pct / 100 + 5))
		"$IOCAGE_BIN" destroy -f kc </dev/null >/dev/null 2>&1 &
		pid=$!
		sleep "$(printf '%d.%03d' $((dd / 1000)) $((dd % 1000)))"
		kill -KILL -- "-$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		sleep 0.3
		ok -m "destroy killed after $dd ms: list runs" ioc list -H
		u2=$(uuid_of kc)
		if [ -n "$u2" ]; then
			ok -m "destroy killed after $dd ms: a listed jail is whole" \
				test -x "$(jail_root "$u2")/bin/busybox"
			ok ioc destroy -f kc
		fi
	fi
	is "$(jail_snaps)" "" "killed after $d ms: no orphaned snapshot after the next run"
	left=$(unlisted_leftovers)
	is "$left" "" "killed after $d ms: no half jail"
	[ -z "$left" ] || leftover_report "$left"
done
ok ioc destroy -f ksrc
is "$(unlisted_leftovers)" "" "the store ends clean"

done_testing
