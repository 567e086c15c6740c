#!/usr/bin/env bash
# Concurrency (issue #10): start, stop, destroy, snapshot, clone and set, 20 processes each, on
# one jail (all at once) and on 20 jails. Every command ends within a bound (timeout: no
# deadlock; a lock that waits gives up after a documented time, naming its holder), every
# outcome is one of the documented ones (success, or exit 1 saying busy, already running, not
# running, does not exist, clones depend on it, still locked), nothing is lost (each snapshot,
# clone and value that was reported made is there), and the state after is consistent: a
# running jail has exactly one init, a stopped one no process, cgroup or state file, and the
# store holds only whole, listed jails.
. "$(dirname "$0")/lib.sh"

private_binary
at_exit stop_test_jails

BOUND=150 # seconds any one command may take (the longest lock wait is 60 s, tags' 600 s)
D=$T_TMP/par
mkdir -p "$D"
OUTCOMES='is busy: another iocage command is working on it|is already running|is not running|no jail named|depends? on it|is running; stop it first|is still locked by another iocage command'

# bg ID ARGS...: iocage ARGS in the background, bounded; ID.rc, ID.out, ID.err in $D.
bg() {
	local id=$1
	shift
	(
		timeout -k 5 "$BOUND" "$IOCAGE_BIN" "$@" </dev/null >"$D/$id.out" 2>"$D/$id.err"
		echo $? >"$D/$id.rc"
	) &
}

# settle WHAT: wait for every background command; then each ended in time with a documented
# outcome. Sets NOK (how many exited 0) per ID prefix through ok_count.
settle() {
	local what=$1 f id rc bad='' t0=$SECONDS
	wait
	for f in "$D"/*.rc; do
		id=$(basename "$f" .rc)
		rc=$(cat "$f")
		case $rc in
		0) ;;
		1) grep -Eq "$OUTCOMES" "$D/$id.err" || bad+="$id: exit 1: $(head -c 300 "$D/$id.err")"$'\n' ;;
		124 | 137) bad+="$id: still running after $BOUND s (killed)"$'\n' ;;
		*) bad+="$id: exit $rc: $(head -c 300 "$D/$id.err")"$'\n' ;;
		esac
	done
	is "$bad" "" "$what: every command ended in time, with success or a documented refusal"
	note "$what: settled $((SECONDS - t0)) s after the last launch"
}

ok_count() { # ok_count PREFIX: how many of PREFIX* exited 0
	local f n=0
	for f in "$D/$1"*.rc; do
		[ "$(cat "$f")" = 0 ] && n=$((n + 1))
	done
	echo "$n"
}

reset_runs() {
	rm -f "$D"/*
}

# inits_of UUID: the processes of the jail's cgroup that are PID 1 of their namespace.
inits_of() {
	local p n=0
	for p in $(procs_of_jail "$1"); do
		[ "$(awk '/^NSpid:/ { print $NF }' "/proc/$p/status" 2>/dev/null)" = 1 ] && n=$((n + 1))
	done
	echo "$n"
}

# consistent TAG WHAT: up with one init (the one list shows), or down with nothing left.
consistent() {
	local t=$1 what=$2 u st jid
	u=$(uuid_of "$t")
	st=$(state_of "$t")
	jid=$(jid_of "$t")
	if [ "$st" = up ]; then
		is "$(inits_of "$u")" 1 "$what: $t is up with exactly one init"
		is "$(procs_of_jail "$u" | head -n1)" "$jid" "$what: $t's init is the JID list shows"
	else
		is "$st $(procs_of_jail "$u" | wc -l) $(cgroup_dirs_of "$u" | wc -l)" "down 0 0" \
			"$what: $t is down with no process and no cgroup left"
		ok -m "$what: $t has no state file" test ! -e "$(state_file "$u")"
	fi
}

# No lock file of a jail that is not listed (the sweep of jails_load), nothing unlisted in the
# store.
store_clean() {
	local what=$1 prefix f u listed stray=''
	if [ "$IOC_BACKEND" = zfs ]; then
		prefix=zfs.$IOCAGE_POOL.jail-
	else
		prefix=dir.${IOCAGE_ROOT//\//%}.jail-
	fi
	is "$(unlisted_leftovers)" "" "$what: nothing but listed jails is in the store"
	listed=$(listed_uuids)
	for f in /run/iocage/locks/"$prefix"*; do
		[ -e "$f" ] || continue
		u=${f##*jail-}
		grep -qx "$u" <<<"$listed" || stray+="$u "
	done
	is "$stray" "" "$what: no lock file of a jail that is not there"
}

ok -m "fetch release R" make_busybox_release R || bail_out "cannot fetch: $ERR"

# =============================================================================================
# One jail

ok ioc create -c release=R tag=one
U1=$(uuid_of one)

reset_runs
for i in $(seq 1 20); do bg "start$i" start one; done
settle "20 starts of one jail"
is "$(ok_count start)" 1 "exactly one of 20 starts succeeds"
is "$(grep -l 'is already running' "$D"/start*.err | wc -l)" 19 "the others say it is already running"
consistent one "after 20 starts"

reset_runs
for i in $(seq 1 20); do bg "stop$i" stop one; done
settle "20 stops of one jail"
is "$(ok_count stop)" 1 "exactly one of 20 stops succeeds"
is "$(grep -l 'is not running' "$D"/stop*.err | wc -l)" 19 "the others say it is not running"
consistent one "after 20 stops"

# All at once: 20 each of start, stop, snapshot, set and clone.
reset_runs
for i in $(seq 1 20); do
	bg "start$i" start one
	bg "stop$i" stop one
	bg "snap$i" snapshot "one@p$i"
	bg "set$i" set "notes=v$i" one
	bg "clone$i" clone one "tag=kl$i"
done
settle "100 commands on one jail"
consistent one "after the storm"
is "$(ok_count set)" 20 "every set succeeds (set takes no jail lock)"
like "$(ioc get notes one)" '^v([1-9]|1[0-9]|20)$' "notes holds one of the values set"
# nothing_lost WHAT SNAP CLONE: each snapshot one@SNAP$i and clone CLONE$i is there exactly
# when its command said it made it.
nothing_lost() {
	local i lost='' snaps
	snaps=$(ioc snaplist -H one | cut -f1)
	for i in $(seq 1 20); do
		if [ "$(cat "$D/snap$i.rc")" = 0 ] && ! grep -qx "$2$i" <<<"$snaps"; then
			lost+="$2$i "
		fi
		if [ "$(cat "$D/snap$i.rc")" != 0 ] && grep -qx "$2$i" <<<"$snaps"; then
			lost+="$2$i(made, but snapshot failed) "
		fi
		if [ "$(cat "$D/clone$i.rc")" = 0 ] && [ -z "$(uuid_of "$3$i")" ]; then
			lost+="$3$i "
		fi
		if [ "$(cat "$D/clone$i.rc")" != 0 ] && [ -n "$(uuid_of "$3$i")" ]; then
			lost+="$3$i(made, but clone failed) "
		fi
	done
	is "$lost" "" "$1: every snapshot and clone reported made is there, and no other"
}
nothing_lost "the storm" p kl
# snapshot and clone take the jail's lock without waiting: in the storm they may all be busy.
note "storm: $(ok_count start) starts, $(ok_count stop) stops, $(ok_count snap) snapshots, $(ok_count clone) clones succeeded"
store_clean "after the storm"

# 20 snapshots and 20 clones at once, nothing else: the first to come gets the lock.
ioc stop one >/dev/null 2>&1
reset_runs
for i in $(seq 1 20); do
	bg "snap$i" snapshot "one@q$i"
	bg "clone$i" clone one "tag=qc$i"
done
settle "20 snapshots and 20 clones of one jail"
isnt "$(($(ok_count snap) + $(ok_count clone)))" 0 "at least one of them succeeds"
nothing_lost "20 snapshots and 20 clones" q qc
store_clean "after the snapshots and clones"
clones=$(list_rows | awk -F'\t' '$5 ~ /^(kl|qc)[0-9]+$/ { print $5 }')

# 20 destroys of one (refused while clones depend on it) and 2 of each clone, all at once.
reset_runs
for i in $(seq 1 20); do bg "done$i" destroy -f one; done
for t in $clones; do
	bg "dc$t.a" destroy -f "$t"
	bg "dc$t.b" destroy -f "$t"
done
settle "20 destroys of one and 2 of each of its clones"
bad=''
for t in $clones; do
	n=0
	for x in a b; do [ "$(cat "$D/dc$t.$x.rc")" = 0 ] && n=$((n + 1)); done
	[ "$n" = 1 ] || bad+="$t:$n "
	[ -z "$(uuid_of "$t")" ] || bad+="$t:listed "
done
is "$bad" "" "each clone is destroyed by exactly one of its two destroys"
d=$(ok_count done)
if [ -n "$(uuid_of one)" ]; then
	is "$d" 0 "one is there, and no destroy of it says it succeeded"
	ok -m "one can be destroyed now" ioc destroy -f one
else
	is "$d" 1 "one is gone, destroyed by exactly one of 20"
fi
store_clean "after the destroys"

# =============================================================================================
# 20 jails, one command each, 20 at once

for i in $(seq 1 20); do
	ioc create -c release=R tag="m$i" >/dev/null || fail "create m$i"
done
phase() { # phase WHAT ARGS... (each % in ARGS is the jail's number)
	local what=$1 i
	shift
	reset_runs
	for i in $(seq 1 20); do
		bg "$what$i" "${@//%/$i}"
	done
	settle "$what on 20 jails"
	is "$(ok_count "$what")" 20 "$what on 20 jails: all 20 succeed"
}
phase start start m%
bad=''
for i in $(seq 1 20); do
	[ "$(inits_of "$(uuid_of "m$i")")" = 1 ] || bad+="m$i "
done
is "$bad" "" "each of the 20 runs exactly one init"
phase snapshot snapshot m%@s
phase set set notes=n% m%
phase clone clone m% tag=mc%
phase stop stop m%
bad=''
for i in $(seq 1 20); do
	ioc snaplist -H "m$i" | cut -f1 | grep -qx s || bad+="m$i@s "
	[ "$(ioc get notes "m$i")" = "n$i" ] || bad+="m$i:notes "
	[ -n "$(uuid_of "mc$i")" ] || bad+="mc$i "
	u=$(uuid_of "m$i")
	[ -z "$(procs_of_jail "$u")$(cgroup_dirs_of "$u")" ] || bad+="m$i:runtime "
done
is "$bad" "" "every snapshot, value and clone is there; every jail is down with nothing left"
phase destroy destroy -f mc%
store_clean "after the 20-jail phases"

done_testing
