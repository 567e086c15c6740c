#!/usr/bin/env bash
# Fault injection (issue #10): iocage killed with SIGKILL after every state-changing step of
# create (thick, -c, -b), clone, import, export, start (VNET on a bridge, rlimits on; and a
# start that fails, in its unwind), stop, destroy, snapshot, rollback and update. The hook is
# src/util/fault.c: IOCAGE_FAULT_TRACE=FILE lists a command's points, IOCAGE_FAULT_AT=K kills
# it at the Kth.
#
# For each command: one uninterrupted run (with the trace) gives N and the state after; then
# for each K in 1..N the command is killed at K, the next ordinary command runs (list after
# create, clone, import and destroy; start then stop after start; stop after stop and a failed
# start; the same command again after snapshot, rollback and export; update again after an
# update whose mark is there), and the state must be the one before the command or the one
# after it, exactly: the jails `list` shows (each complete), datasets and snapshots (zfs list
# -t all; the dir backend's entries four levels down, hidden ones included, but not the files
# of roots and snapshots), mounts under the store, /run/iocage/jails and /run/iocage/locks
# files of this store, cgroup directories named after its jails (every v1 and v2 hierarchy),
# and the links in the test's network namespace. The jail that existed before (keep) must be
# intact: its files, properties and snapshots. Then the command's effect is undone and the
# state must be the one before again.
#
# Names are normalised: the UUIDs of this test's jails by their tags, other UUIDs (a new
# jail's) as NEW, dated snapshot names as DATE. Every K is run on both backends (measured on
# the 2-core CI VM: 25 s on dir, 85 s on zfs-fuse, where a K costs about a second);
# FAULT_ZFS_SAMPLE=S runs only S of them per command on zfs (the first and the last among
# them), FAULT_ONLY=create_thick,clone only those commands.
#
# Everything runs in a network namespace of the test's own (iocfltT$$), as in t120.
. "$(dirname "$0")/lib.sh"

command -v ip >/dev/null || skip_all "iproute2 (ip) is not installed"
command -v nsenter >/dev/null || skip_all "nsenter (util-linux) is not installed"
private_binary
NS=iocfltT$$
ip netns add "$NS" || skip_all "cannot create a network namespace"
at_exit stop_test_jails
at_exit "ip netns del $NS 2>/dev/null"

ioc() {
	nsenter --net="/run/netns/$NS" -- "$IOCAGE_BIN" "$@"
}

ZFS_SAMPLE=${FAULT_ZFS_SAMPLE:-0}
ONLY=${FAULT_ONLY:-}
TRACE=$T_TMP/trace
SEEN=$T_TMP/seen-uuids
: >"$SEEN"
BR=brf$$

# ---------------------------------------------------------------------------------------------
# State

declare -A NAMES # uuid -> tag, for normalising

name_jail() { # name_jail TAG: remember TAG's uuid
	local u
	u=$(uuid_of "$1")
	[ -n "$u" ] && NAMES[$u]=$1
}

norm() {
	local s u
	s=$(cat)
	for u in "${!NAMES[@]}"; do
		s=${s//$u/${NAMES[$u]}}
		s=${s//.${u:0:8}/.${NAMES[$u]}}
	done
	sed -E -e "s/$UUID_RE/NEW/g" -e 's/\.[0-9a-f]{8}$/.NEW/' \
		-e 's/(update|fetch)_[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9.]+(_[0-9]+)?/\1_DATE/g' <<<"$s"
}

LOCK_PREFIX=
if [ "$IOC_BACKEND" = zfs ]; then
	LOCK_PREFIX=zfs.$IOCAGE_POOL.
else
	LOCK_PREFIX=dir.${IOCAGE_ROOT//\//%}.
fi

# state_now: the state as the host sees it, normalised and sorted. Runs no iocage command.
state_now() {
	local top raw uuids u f h
	top=$(store_top)
	raw=$(
		if [ "$IOC_BACKEND" = zfs ]; then
			zfs list -H -t all -o name -r "$IOCAGE_POOL/iocage" | sed "s|^$IOCAGE_POOL/|ds |"
		fi
		# Four levels: a clone's .ovl/upper, work and what a rollback builds beside them;
		# not the files of roots and snapshots.
		_find_store "$top" -mindepth 1 -maxdepth 4 -- -printf 'file %P\n' |
			grep -Ev '^file [^/]+/[^/]+/(root|\.[^/]*@[^/]*)/'
		_mounts_under "$top" | sed "s|^$top|mount |"
		for f in /run/iocage/locks/"$LOCK_PREFIX"*; do
			[ -e "$f" ] && printf 'lock %s\n' "${f#/run/iocage/locks/"$LOCK_PREFIX"}"
		done
		ip -n "$NS" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print "link " $2 }'
	)
	# Runtime state is found by the uuids the store holds or ever held (a subshell runs this:
	# they are kept in a file).
	uuids=$( (grep -Eo "$UUID_RE" <<<"$raw"; printf '%s\n' "${!NAMES[@]}"; cat "$SEEN") | sort -u)
	printf '%s\n' "$uuids" >"$SEEN"
	{
		printf '%s\n' "$raw"
		for u in $uuids; do
			[ -e "/run/iocage/jails/$u" ] && echo "run $u"
			for h in /sys/fs/cgroup/*/iocage /sys/fs/cgroup/iocage; do
				[ -d "$h/$u" ] && echo "cgroup ${h#/sys/fs/cgroup/} $u"
			done
		done
	} | norm | sort
}

# keep_sig: what must never change in the jail that existed before: its files, properties
# (but the sizes the filesystem reports) and snapshots (but those a clone of it takes, named
# after the clone's UUID, which state_now compares).
keep_sig() {
	local r
	r=$(jail_root "$KEEP")
	{
		find "$r" -xdev -printf '%P %m %U %s %l\n' | sort
		md5sum <"$r/etc/keep-marker"
		ioc get all "$KEEP" </dev/null |
			grep -Ev '^(last_started|available|used|referenced|compressratio):'
		ioc snaplist -H "$KEEP" </dev/null | cut -f1 | grep -Evx "$UUID_RE"
	} | md5sum
}

# list_complete WHAT: every row of `list` is a whole jail.
list_complete() {
	local rows bad
	rows=$(list_rows)
	bad=$(printf '%s\n' "$rows" | awk -F'\t' 'NF && (NF != 8 || $5 == "" || $6 == "" || $8 == "")')
	[ -z "$bad" ] || {
		diag "$1: incomplete rows:" "$bad"
		return 1
	}
}

state_diff() { # state_diff A B: the lines that differ
	diff <(printf '%s\n' "$1") <(printf '%s\n' "$2") | grep '^[<>]' | head -20
}

# ---------------------------------------------------------------------------------------------
# One command, killed at every point

with_env() { # with_env VAR=VALUE... CMD...: CMD (a function too) with VARs in its environment
	(
		while [[ ${1-} == IOCAGE_*=* ]]; do
			export "$1"
			shift
		done
		"$@"
	)
}

# ks N: the K to run for N points (all on dir; a sample on zfs).
ks() {
	local n=$1 s=$ZFS_SAMPLE i
	if [ "$IOC_BACKEND" = dir ] || [ "$s" = 0 ] || [ "$n" -le "$s" ]; then
		seq 1 "$n"
		return
	fi
	for ((i = 0; i < s; i++)); do
		echo $((1 + i * (n - 1) / (s - 1)))
	done | sort -nu
}

# fault_cmd NAME -- CMD...: NAME_setup (optional) prepares each run, NAME_repair is the next
# ordinary command, NAME_undo takes the state back to the one before NAME_setup, NAME_check
# (optional) says whether a state is right beyond the before/after comparison, NAME_killed
# (optional) checks what the killed command left before anything else runs.
fault_cmd() {
	local name=$1 n k m st base before after now keep0 fails=0 died=0 kills=0 fewer=0 outcome
	shift 2
	if [ -n "$ONLY" ] && [[ ,$ONLY, != *",$name,"* ]]; then
		return 0
	fi
	keep0=$(keep_sig)
	base=$(state_now)
	! declare -F "${name}_setup" >/dev/null || "${name}_setup"
	before=$(state_now)
	rm -f "$TRACE"
	run with_env IOCAGE_FAULT_TRACE="$TRACE" "$@"
	if [ "$RC" != "${WANT_RC:-0}" ]; then
		fail "$name: the uninterrupted run exits ${WANT_RC:-0}"
		_run_diag "$@"
		return 1
	fi
	n=$(wc -l <"$TRACE")
	after=$(state_now)
	note "$name: $n points: $(cut -d' ' -f2- "$TRACE" | tr '\n' ',' | sed 's/,$//')"
	"${name}_undo"
	now=$(state_now)
	if [ "$now" != "$base" ]; then
		fail "$name: undoing the uninterrupted run gives the state before"
		diag "$(state_diff "$base" "$now")"
		return 1
	fi
	for k in $(ks "$n"); do
		kills=$((kills + 1))
		! declare -F "${name}_setup" >/dev/null || "${name}_setup"
		rm -f "$TRACE.k"
		run with_env IOCAGE_FAULT_AT="$k" IOCAGE_FAULT_TRACE="$TRACE.k" "$@"
		outcome=ok
		m=$(wc -l <"$TRACE.k" 2>/dev/null || echo 0)
		if [ "$RC" = 137 ] && [ "$m" = "$k" ]; then
			died=$((died + 1))
		elif [ "$RC" = "${WANT_RC:-0}" ] && [ "$m" -lt "$k" ]; then
			# A step whose work a kernel thread may have done first (a veth that goes
			# with the jail's network namespace) is not a point every time.
			fewer=$((fewer + 1))
		else
			outcome="exit $RC after $m points"
		fi
		if declare -F "${name}_killed" >/dev/null && ! "${name}_killed"; then
			outcome="right after the kill, $CHECK_WHY"
		elif ! "${name}_repair" "$k"; then
			outcome="the repair failed: $REPAIR_WHY"
		elif ! list_complete "$name killed at $k"; then
			outcome="list shows an incomplete jail"
		else
			now=$(state_now)
			if [ "$now" = "$before" ]; then
				st=before
			elif [ "$now" = "$after" ]; then
				st=after
			else
				outcome="the state is neither the one before nor the one after"
				diag "$name killed at $k ($(sed -n "${k}p" "$TRACE")): against before:" \
					"$(state_diff "$before" "$now")" "against after:" \
					"$(state_diff "$after" "$now")"
			fi
			if [ "$outcome" = ok ] && declare -F "${name}_check" >/dev/null &&
				! "${name}_check" "$st"; then
				outcome="$st, but $CHECK_WHY"
			fi
		fi
		if [ "$(keep_sig)" != "$keep0" ]; then
			outcome="$outcome; keep changed"
		fi
		"${name}_undo"
		now=$(state_now)
		if [ "$now" != "$base" ]; then
			outcome="$outcome; undoing it does not give the state before"
			diag "$(state_diff "$base" "$now")"
		fi
		if [ "$outcome" != ok ]; then
			fails=$((fails + 1))
			diag "$name killed at $k ($(sed -n "${k}p" "$TRACE")): $outcome"
		fi
	done
	is "$fails" 0 "$name: killed at each of $kills points of $n, the next command leaves the state before or after"
	is "$((died + fewer))" "$kills" "$name: every run with IOCAGE_FAULT_AT=K died of SIGKILL at its Kth point"
	[ "$fewer" = 0 ] || note "$name: $fewer runs had fewer points than K and finished"
}

# ---------------------------------------------------------------------------------------------
# The store: a release, keep (with a snapshot), a VNET jail with limits, an image, a fake apt

ok -m "fetch release R" make_busybox_release R || bail_out "cannot fetch: $ERR"
ok ioc create release=R tag=keep exec_timeout=77 || bail_out "cannot create keep"
KEEP=$(uuid_of keep)
name_jail keep
echo "keep $$" >"$(jail_root "$KEEP")/etc/keep-marker"
ok ioc snapshot keep@s1
ok ioc set notes=kept keep

ok ioc create -c release=R tag=vj vnet=on interfaces=vnet0:"$BR" "ip4_addr=vnet0|10.78.0.2/24" \
	defaultrouter=10.78.0.1 rlimits=on maxproc=200:deny memoryuse=256M:deny
VJ=$(uuid_of vj)
name_jail vj
# The first start stores the MACs and makes the bridge: later starts take the same steps.
ok ioc start vj
ok ioc stop vj

ok ioc export keep
IMAGE=$(store_top)/images/$KEEP.tar.zst
ok test -s "$IMAGE"

# A release with a fake apt-get: update is refresh then dist-upgrade, each recorded.
make_apt_release() {
	local d=$T_TMP/rel-apt tb
	tb=$(busybox_tarball none) || return 1
	mkdir -p "$d" && tar -C "$d" -xf "$tb" || return 1
	mkdir -p "$d/usr/bin" "$d/var/lib/dpkg" "$d/etc/apt"
	cat >"$d/usr/bin/apt-get" <<'SH'
#!/bin/sh
# iocage t190: a fake apt-get that records each verb once it has run.
verb= skip=0
for a in "$@"; do
	if [ $skip = 1 ]; then skip=0; continue; fi
	case $a in -o) skip=1 ;; -*) ;; *) [ -n "$verb" ] || verb=$a ;; esac
done
mkdir -p /var/log
echo "$verb" >>/var/log/fake-apt
exit 0
SH
	cp "$d/usr/bin/apt-get" "$d/usr/bin/dpkg"
	chmod 0755 "$d/usr/bin/apt-get" "$d/usr/bin/dpkg"
	echo 12.0 >"$d/etc/debian_version"
	printf 'ID=fakedeb\nVERSION_ID="12"\nVERSION_CODENAME=fake\n' >"$d/etc/os-release"
	echo 'deb http://mirror.invalid/fake fake main' >"$d/etc/apt/sources.list"
	tar --numeric-owner -C "$d" -cf "$d.tar" . && rm -rf "$d" &&
		ioc fetch -F "$d.tar" release=A </dev/null
}
ok -m "fetch a release with a fake apt-get" make_apt_release
ok ioc create release=A tag=up
name_jail up

gone() { # gone TAG: destroy it if it is there
	[ -z "$(uuid_of "$1")" ] || ioc destroy -f "$1" >/dev/null 2>&1 </dev/null
}

# ---------------------------------------------------------------------------------------------
# create, clone, import: killed, the next list shows the new jail whole or not at all

list_repair() {
	run ioc list -H
	REPAIR_WHY="list: exit $RC: $ERR"
	[ "$RC" = 0 ]
}

new_complete() { # the new jail n, when listed, has all its files
	local u r
	u=$(uuid_of n)
	[ "$1" = after ] || return 0
	r=$(jail_root "$u")
	CHECK_WHY="n's root has no /etc/passwd"
	[ -s "$r/etc/passwd" ] || return 1
	CHECK_WHY="n's root has no /bin/busybox"
	[ "$WANT_TYPE" = basejail ] || [ -x "$r/bin/busybox" ] || return 1
	CHECK_WHY="the basejail n has no /usr/local"
	[ "$WANT_TYPE" != basejail ] || [ -d "$r/usr/local" ] || return 1
	CHECK_WHY="n's type is $(ioc get type n </dev/null)"
	[ "$(ioc get type n </dev/null)" = "$WANT_TYPE" ]
}

for kind in thick clone base; do
	eval "create_${kind}_repair() { list_repair; }"
	eval "create_${kind}_undo() { gone n; }"
	eval "create_${kind}_check() { new_complete \"\$1\"; }"
done
WANT_TYPE=thickjail
fault_cmd create_thick -- ioc create release=R tag=n
WANT_TYPE=clonejail
fault_cmd create_clone -- ioc create -c release=R tag=n
WANT_TYPE=basejail
fault_cmd create_base -- ioc create -b release=R tag=n

clone_repair() { list_repair; }
clone_undo() { gone n; }
clone_check() { new_complete "$1"; }
WANT_TYPE=clonejail
fault_cmd clone -- ioc clone keep tag=n

import_repair() { list_repair; }
import_undo() { gone n; }
import_check() {
	[ "$1" = after ] || return 0
	CHECK_WHY="the imported jail has not keep's marker"
	cmp -s "$(jail_root "$(uuid_of n)")/etc/keep-marker" "$(jail_root "$KEEP")/etc/keep-marker"
}
fault_cmd import -- ioc import -n "$IMAGE" tag=n

# export of ex over its image, its files changed each time: killed, the image is there and a
# .sha256 beside it is its own; the same export again leaves no part.
ok ioc create -c release=R tag=ex
name_jail ex
EXFILE=$(jail_root "$(uuid_of ex)")/etc/changes
ok ioc export ex
EXIMG=$(store_top)/images/$(uuid_of ex).tar.zst
export_setup() { date +%s%N >"$EXFILE"; }
export_repair() {
	run ioc export ex
	REPAIR_WHY="export again: exit $RC: $ERR"
	[ "$RC" = 0 ]
}
export_check() {
	CHECK_WHY="the image's .sha256 is not its checksum"
	[ "$(cut -d' ' -f1 "$EXIMG.sha256")" = "$(sha256sum <"$EXIMG" | cut -d' ' -f1)" ]
}
export_killed() {
	CHECK_WHY="there is no image"
	[ -s "$EXIMG" ] || return 1
	[ ! -e "$EXIMG.sha256" ] || export_check
}
export_undo() { :; }
fault_cmd export -- ioc export ex

# ---------------------------------------------------------------------------------------------
# start and stop of the VNET jail with limits

vj_down() {
	stop_vj_quiet
	[ "$(state_of vj)" = down ]
}

stop_vj_quiet() {
	ioc stop vj >/dev/null 2>&1 </dev/null
	return 0
}

# After a killed start, start again: it starts the jail whole (a start killed after its init
# ran left a record whose starter is gone: the jail reads as not running, and the new start
# clears what is left). Then stop must take everything down.
start_repair() {
	local init
	run ioc start vj
	REPAIR_WHY="start again: exit $RC: $ERR"
	[ "$RC" = 0 ] || return 1
	init=$(jid_of vj)
	REPAIR_WHY="vj is not up after start (JID '$init')"
	[[ $init =~ ^[0-9]+$ ]] || return 1
	run ioc stop vj
	REPAIR_WHY="stop after the start: exit $RC: $ERR"
	[ "$RC" = 0 ] || return 1
	REPAIR_WHY="init $init of vj still lives after stop"
	wait_gone "$init" 5
}
start_undo() { stop_vj_quiet; }
fault_cmd start -- ioc start vj

# A jail whose start was killed before its init ran (its cgroups made, its limits applied) is
# destroyed: nothing of it stays (destroy removes what start left, as start and stop do).
before=$(state_now)
ok ioc create -c release=R tag=kz rlimits=on maxproc=100:deny
state_now >/dev/null # kz's UUID is seen
rm -f "$TRACE"
ok with_env IOCAGE_FAULT_TRACE="$TRACE" ioc start kz
ok ioc stop kz
for step in cgroup limits; do
	k=$(awk -v s="$step" '{ n = $1; $1 = ""; sub(/^ /, "") } $0 == s { print n; exit }' "$TRACE")
	fails -m "start killed after its $step step (point $k)" 137 \
		with_env IOCAGE_FAULT_AT="$k" ioc start kz
	ok -m "destroy the jail whose start was killed after $step" ioc destroy -f kz
	now=$(state_now)
	is "$(state_diff "$before" "$now")" "" "nothing of it is left after the destroy"
	[ "$step" = limits ] || ok ioc create -c release=R tag=kz rlimits=on maxproc=100:deny
	state_now >/dev/null
done

# A start whose exec_start fails walks its steps back: killed there too, stop cleans up.
ok ioc create -c release=R tag=sf vnet=on interfaces=vnet0:"$BR" "ip4_addr=vnet0|10.78.0.3/24" \
	rlimits=on maxproc=200:deny exec_start="/bin/sh -c 'exit 3'"
name_jail sf
SF=$(uuid_of sf)
nok ioc start sf
start_fail_repair() {
	run ioc stop sf
	REPAIR_WHY="stop: exit $RC: $ERR"
	[ "$RC" = 0 ] || { [ "$RC" = 1 ] && grep -q "is not running" <<<"$ERR"; } || return 1
	REPAIR_WHY="processes of sf remain: $(procs_of_jail "$SF" | tr '\n' ' ')"
	[ -z "$(procs_of_jail "$SF")" ]
}
start_fail_undo() { ioc stop sf >/dev/null 2>&1 </dev/null; }
WANT_RC=1
fault_cmd start_fail -- ioc start sf
WANT_RC=0

stop_setup() { ioc start vj >/dev/null 2>&1 </dev/null; }
stop_repair() {
	local init
	init=$(jid_of vj)
	run ioc stop vj
	if [ "$RC" != 0 ] && ! grep -q "is not running" <<<"$ERR"; then
		REPAIR_WHY="stop again: exit $RC: $ERR"
		return 1
	fi
	REPAIR_WHY="processes of vj remain: $(procs_of_jail "$VJ" | tr '\n' ' ')"
	[ -z "$(procs_of_jail "$VJ")" ] || return 1
	REPAIR_WHY="list says vj is $(state_of vj)"
	[ "$(state_of vj)" = down ]
}
stop_undo() { stop_vj_quiet; }
fault_cmd stop -- ioc stop vj

# ---------------------------------------------------------------------------------------------
# destroy: killed, the next list shows the jail whole, or nothing of it is left

destroy_setup() {
	gone xd
	ioc create -c release=R tag=xd >/dev/null </dev/null &&
		ioc start xd >/dev/null </dev/null && ioc stop xd >/dev/null </dev/null &&
		ioc snapshot xd@x >/dev/null </dev/null
	echo "xd" >"$(jail_root "$(uuid_of xd)")/etc/xd-marker"
	name_jail xd
}
destroy_repair() { list_repair; }
destroy_undo() { gone xd; }
destroy_check() {
	local u
	u=$(uuid_of xd)
	[ -n "$u" ] || return 0
	CHECK_WHY="xd is listed but its files or snapshot are not whole"
	[ -s "$(jail_root "$u")/etc/xd-marker" ] && ioc snaplist -H xd </dev/null | grep -q '^x'
}
fault_cmd destroy -- ioc destroy -f xd

# ---------------------------------------------------------------------------------------------
# snapshot and rollback

ok ioc create release=R tag=sn
name_jail sn
# The same snapshot again: made now, or there already.
snapshot_repair() {
	run ioc snapshot sn@t
	REPAIR_WHY="snapshot again: exit $RC: $ERR"
	[ "$RC" = 0 ] || { [ "$RC" = 1 ] && grep -q "already exists" <<<"$ERR"; }
}
snapshot_check() {
	CHECK_WHY="sn@t is not listed"
	[ "$1" = after ] && ioc snaplist -H sn </dev/null | grep -q '^t'
}
snapshot_undo() {
	ioc snapremove sn@t >/dev/null 2>&1 </dev/null
	return 0
}
fault_cmd snapshot -- ioc snapshot sn@t

# rb: a clone jail with snapshots s1 (v=1) and s2 (v=2), now at v=3; rollback -f to s1.
ok ioc create -c release=R tag=rb
name_jail rb
RBV=$(jail_root "$(uuid_of rb)")/etc/v
echo 1 >"$RBV" && ok ioc snapshot rb@s1
rb_reset() {
	if ! ioc snaplist -H rb </dev/null | grep -q '^s2'; then
		echo 2 >"$RBV" && ioc snapshot rb@s2 >/dev/null </dev/null
	fi
	echo 3 >"$RBV"
}
rollback_setup() { rb_reset; }
# The same rollback again finishes what a killed one began.
rollback_repair() {
	run ioc rollback -f rb@s1
	REPAIR_WHY="rollback again: exit $RC: $ERR"
	[ "$RC" = 0 ]
}
rollback_check() {
	CHECK_WHY="rb's file is '$(cat "$RBV" 2>&1)', not 1"
	[ "$1" = after ] && [ "$(cat "$RBV" 2>/dev/null)" = 1 ]
}
rollback_undo() { rb_reset; }
rb_reset
fault_cmd rollback -- ioc rollback -f rb@s1

# ---------------------------------------------------------------------------------------------
# update: killed, update again finishes it (resumed from its snapshot)

UPLOG=$(jail_root "$(uuid_of up)")/var/log/fake-apt
UPMARK=$(dirname "$(jail_root "$(uuid_of up)")")/iocage-txn
# An update cut short (its mark is there) is run again, which resumes it; one that had
# finished, or not begun, is seen with list.
update_repair() {
	if [ -e "$UPMARK" ]; then
		run ioc update up
		REPAIR_WHY="update again: exit $RC: $ERR"
	else
		run ioc list -H
		REPAIR_WHY="list: exit $RC: $ERR"
	fi
	[ "$RC" = 0 ]
}
update_check() {
	CHECK_WHY="the update is not complete: the fake apt ran '$(tr '\n' ' ' <"$UPLOG" 2>&1)'"
	[ "$1" = before ] || grep -q '^dist-upgrade' "$UPLOG"
}
update_undo() {
	local s
	for s in $(ioc snaplist -H up </dev/null | cut -f1 | grep '^update_'); do
		ioc snapremove "up@$s" >/dev/null 2>&1 </dev/null
	done
	rm -f "$UPLOG"
}
fault_cmd update -- ioc update up

# ---------------------------------------------------------------------------------------------
# After all of it

is "$(unlisted_leftovers)" "" "nothing but listed jails is left in the store"
for t in n xd; do
	is "$(uuid_of $t)" "" "no jail $t is left"
done

done_testing
