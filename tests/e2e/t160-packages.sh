#!/usr/bin/env bash
# Packages, updates and upgrades (issue #7) against a fake apt inside busybox releases: a shell
# apt-get and dpkg that record what they are asked (/var/log/fakeapt.log), change the root so
# that a rollback shows, and fail (/etc/fakeapt/fail-VERB) or wait (/etc/fakeapt/hang-VERB, until
# the file goes) where a test asks. create pkglist=, pkg, update (jail, basejail, release, fetch
# again), upgrade (basejail switch with its etc merged, thick jail's distribution upgrade), the
# rollback after a failure at each step, a killed update resumed, two updates at once, and the
# bad input each must refuse.
. "$(dirname "$0")/lib.sh"
set -m

# --- fake Debian releases ---
fake_apt() {
	cat <<'SH'
#!/bin/sh
# iocage tests: a fake apt-get (or dpkg, by its name).
me=${0##*/}
st=/usr/share/fakeapt
mkdir -p $st /var/log
echo "$me $* | $DEBIAN_FRONTEND" >>/var/log/fakeapt.log
verb= skip=0 pkgs=
for a in "$@"; do
	if [ $skip = 1 ]; then skip=0; continue; fi
	case $a in
	-o) skip=1 ;;
	--configure) verb=configure ;;
	-*) ;;
	*) if [ -z "$verb" ]; then verb=$a; else pkgs="$pkgs $a"; fi ;;
	esac
done
touch $st/started-$verb
while [ -e /etc/fakeapt/hang-$verb ]; do sleep 0.2; done
if [ -e /etc/fakeapt/fail-$verb ]; then
	touch $st/half-$verb
	echo "E: injected failure at $verb" >&2
	exit 100
fi
case $verb in
update | configure) ;;
install)
	for p in $pkgs; do
		case $p in nosuch*) echo "E: Unable to locate package $p" >&2; exit 100 ;; esac
	done
	for p in $pkgs; do echo installed >$st/pkg-$p; done ;;
dist-upgrade)
	v=$(cat $st/level 2>/dev/null || echo 0)
	echo $((v + 1)) >$st/level
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list >$st/upgraded-with ;;
*) echo "E: fake $me: unknown verb '$verb'" >&2; exit 100 ;;
esac
exit 0
SH
}

# make_fake_release NAME VERSION CODENAME: a busybox release with the fake apt.
make_fake_release() {
	local name=$1 ver=$2 code=$3 tb d
	tb=$(busybox_tarball none) || return 1
	d=$T_TMP/rel-$name
	mkdir -p "$d" && tar -C "$d" -xf "$tb" || return 1
	for a in sed cp mv cut tr wc head tail chmod ln sort; do ln -sf busybox "$d/bin/$a"; done
	mkdir -p "$d/usr/bin" "$d/etc/apt/sources.list.d" "$d/etc/fakeapt" "$d/var/lib/dpkg" \
		"$d/usr/share"
	fake_apt >"$d/usr/bin/apt-get"
	cp "$d/usr/bin/apt-get" "$d/usr/bin/dpkg"
	chmod 0755 "$d/usr/bin/apt-get" "$d/usr/bin/dpkg"
	echo "$ver.0" >"$d/etc/debian_version"
	printf 'ID=fakedeb\nVERSION_ID="%s"\nVERSION_CODENAME=%s\n' "$ver" "$code" >"$d/etc/os-release"
	printf 'deb http://mirror.invalid/fake %s main\ndeb http://mirror.invalid/fake %s-updates main\n' \
		"$code" "$code" >"$d/etc/apt/sources.list"
	printf 'deb http://mirror.invalid/sec %s-security main\n' "$code" \
		>"$d/etc/apt/sources.list.d/extra.list"
	echo "motd $ver" >"$d/etc/motd"
	echo "custom $ver" >"$d/etc/custom.conf"
	echo "removed $ver" >"$d/etc/removed.conf"
	[ "$ver" = 1 ] || echo "new in $ver" >"$d/etc/newfile"
	echo "Version: $ver" >"$d/var/lib/dpkg/status"
	echo "$ver" >"$d/usr/share/fakerel"
	tar --numeric-owner -C "$d" -cf "$d.tar" . && rm -rf "$d" &&
		ioc fetch -F "$d.tar" release="$name" </dev/null
}

ok -m "fetch the fake release deb1" make_fake_release deb1 1 alpha || bail_out "fetch: $ERR"
ok -m "fetch the fake release deb2" make_fake_release deb2 2 beta || bail_out "fetch: $ERR"
ok -m "fetch the fake release deb0" make_fake_release deb0 0.5 omega
ok -m "fetch the plain busybox release R" make_busybox_release R

log_of() { cat "$1/var/log/fakeapt.log" 2>/dev/null; }
level_of() { cat "$1/usr/share/fakeapt/level" 2>/dev/null || echo 0; }
gv() { ioc get "$1" "$2" </dev/null; }
njails() { list_rows | wc -l; }
snaps() { ioc snaplist -H "$1" </dev/null | cut -f1 | tr '\n' ' '; }
# wait_file PATH [SECS]: until PATH exists.
wait_file() {
	local i
	for ((i = 0; i < ${2:-60} * 5; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.2
	done
	return 1
}

# --- create pkglist= ---
pl=$T_TMP/pkgs
printf '# tools\ncurl\n\n  jq   # a comment after the name\n' >"$pl"
ok ioc create release=deb1 tag=p1 pkglist="$pl"
u1=$(uuid_of p1)
r1=$(jail_root "$u1")
ok -m "pkglist: curl installed" test -f "$r1/usr/share/fakeapt/pkg-curl"
ok -m "pkglist: jq installed (comment and blanks ignored)" test -f "$r1/usr/share/fakeapt/pkg-jq"
like "$(log_of "$r1")" '^apt-get -q update \| noninteractive$' "pkglist: the index is fetched first"
like "$(log_of "$r1")" '^apt-get -y -q .*--force-confold install curl jq \| noninteractive$' \
	"pkglist: one non-interactive install of the list"
is "$(state_of p1)" down "the jail is stopped after the install"
is "$(gv pkglist p1)" none "the host's path is not kept as a property"

n=$(njails)
printf 'curl\nnosuch-package\n' >"$T_TMP/bad"
fails -m "a pkglist with a package that does not exist" 1 ioc create release=deb1 tag=pbad \
	pkglist="$T_TMP/bad"
like "$ERR" "install.*failed with exit status 100" "the error says the install failed"
is "$(njails)" "$n" "no jail is left by the failed install"
is "$(unlisted_leftovers)" "" "nothing of it is left in the store"

mkdir "$T_TMP/adir"
ln -s /etc/shadow "$T_TMP/shadow-link"
head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$T_TMP/big"
printf 'curl\nroot:$6$salt$hash:19000:0:99999:7:::\n' >"$T_TMP/notalist"
: >"$T_TMP/empty"
for bad in adir:"not a regular file" shadow-link:"symbolic link" big:"larger than" \
	notalist:"line 2 of the pkglist" empty:"names no package" missing:"No such file"; do
	f=${bad%%:*}
	fails -m "pkglist that is $f is refused" 1 ioc create release=deb1 pkglist="$T_TMP/$f"
	like "$ERR" "${bad#*:}" "pkglist $f: the error says why"
done
unlike "$ERR$(ioc create release=deb1 pkglist="$T_TMP/notalist" 2>&1)" '\$6\$' \
	"a refused line is never shown"
is "$(njails)" "$n" "no bad pkglist made a jail"
fails -m "pkglist on a basejail" 1 ioc create -b release=deb1 pkglist="$pl"
fails -m "pkglist on an empty jail" 1 ioc create -e pkglist="$pl"
fails -m "pkglist on a release without a package manager" 1 ioc create release=R pkglist="$pl"
like "$ERR" "no package manager" "the error says there is no package manager"
is "$(njails)" "$n" "none of them made a jail"

# --- pkg ---
fails -m "pkg of a stopped jail" 1 ioc pkg p1 install vim
like "$ERR" "not running" "pkg says the jail is not running"
fails -m "pkg without arguments" 2 ioc pkg p1
ok ioc start p1
ok ioc pkg p1 install vim
like "$(log_of "$r1")" '^apt-get install vim' "pkg ran the jail's apt-get with the arguments"
ok -m "pkg's install is in the jail" test -f "$r1/usr/share/fakeapt/pkg-vim"
fails -m "pkg passes the package manager's exit status" 100 ioc pkg p1 install nosuch-x
ok ioc stop p1

# --- update: a thick jail ---
ok ioc update p1
like "$OUT" "p1 updated; the state before is snapshot p1@update_" "update names its snapshot"
like "$OUT" "iocage rollback -f p1@update_" "update prints the rollback command"
s1=$(snaps p1)
is "$(level_of "$r1")" 1 "update ran the upgrade"
like "$(log_of "$r1")" 'apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold dist-upgrade \| noninteractive' \
	"the upgrade keeps changed config files, non-interactive"
ok -m "a second update at once" ioc update p1
is "$(level_of "$r1")" 2 "the second update ran too"
is "$(echo "$(snaps p1)" | wc -w)" 2 "two updates in a row: two snapshots, no name clash"
snap1=${s1%% *}
ok ioc rollback -f "p1@$snap1"
is "$(level_of "$r1")" 0 "the printed rollback returns to the state before"

# --- a failure at each step is rolled back ---
for verb in update dist-upgrade; do
	touch "$r1/etc/fakeapt/fail-$verb"
	before=$(level_of "$r1")
	fails -m "update failing at '$verb'" 1 ioc update p1
	like "$ERR" "^iocage: update: .*rolled back to snapshot p1@update_" \
		"failure at $verb: the error says it was rolled back"
	like "$ERR" "injected failure at $verb|exit status 100" "failure at $verb: the error says what failed"
	ok -m "failure at $verb: its half-done change is gone" test ! -e "$r1/usr/share/fakeapt/half-$verb"
	is "$(level_of "$r1")" "$before" "failure at $verb: the packages are as before"
	ok -m "failure at $verb: no transaction is left marked" \
		test ! -e "$(dirname "$r1")/iocage-txn"
	rm -f "$r1/etc/fakeapt/fail-$verb"
done

# --- a running jail is stopped for the update and started again ---
ok ioc start p1
ok ioc update p1
is "$(state_of p1)" up "the running jail is up again after the update"
ok ioc stop p1

# --- update killed halfway, resumed ---
touch "$r1/etc/fakeapt/hang-dist-upgrade"
rm -f "$r1/usr/share/fakeapt/started-dist-upgrade"
lv=$(level_of "$r1")
"$IOCAGE_BIN" update p1 >"$T_TMP/kill.out" 2>&1 </dev/null &
upid=$!
ok -m "the update reached the upgrade" wait_file "$r1/usr/share/fakeapt/started-dist-upgrade"
kill -9 "$upid"
wait "$upid" 2>/dev/null
rm -f "$r1/etc/fakeapt/hang-dist-upgrade" "$r1/usr/share/fakeapt/started-dist-upgrade"
ks=$(sed -n 's/.*snapshot p1@\(update_[^ ]*\) taken.*/\1/p' "$T_TMP/kill.out")
isnt "$ks" "" "the killed update said which snapshot it took"
like "$(snaps p1)" "$ks" "the snapshot of the killed update remains"
fails -m "an upgrade while an update is unfinished" 1 ioc upgrade p1 release=deb2
like "$ERR" "update of p1 was interrupted .*snapshot p1@$ks" "the refusal names the snapshot"
like "$ERR" "iocage rollback -f p1@$ks" "and how to go back to it"
ok ioc update p1
like "$OUT" "resuming the update interrupted after snapshot p1@$ks" "the next update resumes it"
like "$OUT" "the state before is snapshot p1@$ks" "and keeps the first snapshot as the state before"
like "$(log_of "$r1")" '^dpkg --force-confdef --force-confold --configure -a' \
	"resuming finishes dpkg's half-configured packages first"
is "$(level_of "$r1")" $((lv + 1)) "the killed run's package manager died with it: one upgrade in all"

# --- killed again, and undone with the rollback the refusal names ---
touch "$r1/etc/fakeapt/hang-dist-upgrade"
rm -f "$r1/usr/share/fakeapt/started-dist-upgrade"
"$IOCAGE_BIN" update p1 >"$T_TMP/kill2.out" 2>&1 </dev/null &
upid=$!
ok -m "the second killed update reached the upgrade" \
	wait_file "$r1/usr/share/fakeapt/started-dist-upgrade"
kill -9 "$upid"
wait "$upid" 2>/dev/null
ks=$(sed -n 's/.*snapshot p1@\(update_[^ ]*\) taken.*/\1/p' "$T_TMP/kill2.out")
fails -m "an upgrade while the update is unfinished" 1 ioc upgrade p1 release=deb2
# shellcheck disable=SC2016  # backquotes in the message, not an expansion
undo=$(sed -n 's/.*`iocage \(rollback -f [^`]*\)` to undo it.*/\1/p' <<<"$ERR")
is "$undo" "rollback -f p1@$ks" "the refusal names the rollback that undoes it"
# shellcheck disable=SC2086  # the command's words
ok ioc $undo
ok -m "the rollback took the mark of the update it undid" test ! -e "$(dirname "$r1")/iocage-txn"
rm -f "$r1/etc/fakeapt/hang-dist-upgrade" "$r1/usr/share/fakeapt/started-dist-upgrade"
ok ioc update p1
unlike "$OUT" "resuming" "the next update is a new one, not the undone one resumed"
isnt "$(sed -n 's/.*snapshot p1@\(update_[^ ]*\) taken.*/\1/p' <<<"$OUT")" "" \
	"it took a snapshot of its own"

# --- two updates of one jail at once ---
touch "$r1/etc/fakeapt/hang-dist-upgrade"
rm -f "$r1/usr/share/fakeapt/started-dist-upgrade"
"$IOCAGE_BIN" update p1 >"$T_TMP/first.out" 2>&1 </dev/null &
upid=$!
ok -m "the first update reached the upgrade" wait_file "$r1/usr/share/fakeapt/started-dist-upgrade"
fails -m "a second update of the same jail meanwhile" 1 ioc update p1
like "$ERR" "busy" "the second update is refused: the jail is busy"
rm -f "$r1/etc/fakeapt/hang-dist-upgrade"
wait "$upid"
is "$?" 0 "the first update finished"

# --- basejail and release updates ---
ok ioc create -b release=deb1 tag=bj1
ub=$(uuid_of bj1)
rb=$(jail_root "$ub")
rr=$(release_root deb1)
ok ioc update bj1
like "$OUT" "basejail: updating its release deb1" "a basejail's update updates its release"
like "$OUT" "release deb1 updated; the state before is snapshot deb1@update_[^ ]*: \`iocage rollback -f deb1@update_" \
	"the release's snapshot is named, with the rollback command"
is "$(level_of "$rr")" 1 "the release was upgraded"
ok ioc create release=deb1 tag=after
is "$(level_of "$(jail_root "$(uuid_of after)")")" 1 "jails made after the update get it"
ok ioc start bj1
ok ioc exec bj1 cat /usr/share/fakeapt/level
is "$OUT" 1 "the basejail runs the updated release"
# It binds the release's directories: they must not change under it.
fails -m "update of a release while a basejail on it runs" 1 ioc update deb1
like "$ERR" "basejail $ub \(bj1\) runs on it" "the refusal names the running basejail"
is "$(level_of "$rr")" 1 "the refused update left the release as it was"
ok ioc stop bj1
ok ioc update deb1
is "$(level_of "$rr")" 2 "update RELEASE updates it in place"
ok ioc fetch release=deb1
like "$OUT" "updated in place" "fetch of a fetched release updates it"
is "$(level_of "$rr")" 3 "fetch ran the upgrade"
fails -m "fetch -F of a fetched release" 1 ioc fetch -F "$(busybox_tarball none)" release=deb1
like "$ERR" "already fetched.*without -F updates it" "the refusal says how to update it"
fails -m "update of a release without a package manager" 1 ioc update R
fails -m "update of nothing known" 1 ioc update nosuch

# --- rollback of a release ---
mark_of() { printf '%s/iocage-txn\n' "$(dirname "$(release_root "$1")")"; }
ok ioc create -c release=deb1 tag=thin0
ok ioc update deb1
# shellcheck disable=SC2016  # backquotes in the message, not an expansion
undo=$(sed -n 's/.*`iocage \(rollback -f deb1@[^`]*\)` returns to it.*/\1/p' <<<"$OUT")
us=${undo##*@}
like "$us" '^update_' "update deb1 printed the rollback command"
lv=$(level_of "$rr")
ok ioc snaplist deb1
is "$(header_of "$OUT")" "NAME CREATED RSIZE USED" "snaplist of a release"
rs=$(snaps deb1)
like "$rs" "^fetch-[0-9]{8}-[0-9]{6} .* $us fetch_[^ ]* \$" \
	"snaplist deb1: the fetch first, the update's snapshot, then what jails are made from"
ok ioc snaplist --json deb1
json_ok "d[-2][\"name\"] == \"$us\"" "snaplist --json of a release" <<<"$OUT"

fails -m "rollback of a release past a later snapshot without -f" 1 ioc rollback "deb1@$us"
like "$ERR" "destroys the later snapshots fetch_" "the refusal names the later snapshot"
ok ioc create -c release=deb1 tag=thin1
fails -m "rollback of a release while a clone uses a later snapshot" 1 ioc rollback -f "deb1@$us"
like "$ERR" "clones depend on it: $(uuid_of thin1) \(thin1\)" "the refusal names the clone"
ok ioc destroy -f thin1
ok ioc start bj1
fails -m "rollback of a release while a basejail on it runs" 1 ioc rollback -f "deb1@$us"
like "$ERR" "basejail $ub \(bj1\) runs on it" "the refusal names the running basejail"
like "$ERR" "iocage stop bj1" "and says to stop it"
ok ioc stop bj1
fails -m "rollback to a snapshot the release does not have" 1 ioc rollback -f deb1@nosuch
like "$ERR" "release deb1 has no snapshot 'nosuch'" "the refusal says so"
is "$(snaps deb1)" "$rs" "no refused rollback changed the release's snapshots"
is "$(level_of "$rr")" "$lv" "nor its files"

# shellcheck disable=SC2086  # the command's words
ok ioc $undo
is "$OUT" "release deb1 rolled back to $us" "the printed rollback ran"
is "$(level_of "$rr")" $((lv - 1)) "the release is as it was before the update"
is "$(snaps deb1)" "${rs% fetch_* } " "the snapshots after it are gone; it is the newest"
ok ioc create -c release=deb1 tag=thin2
is "$(level_of "$(jail_root "$(uuid_of thin2)")")" $((lv - 1)) "a jail made afterwards gets its state"
is "$(level_of "$(jail_root "$(uuid_of thin0)")")" $((lv - 1)) "a clone of an earlier snapshot is untouched"
ok ioc start bj1
ok ioc exec bj1 cat /usr/share/fakeapt/level
is "$OUT" $((lv - 1)) "a basejail on it runs the rolled-back files"
ok ioc stop bj1
is "$(ioc list -r -H </dev/null | grep -cx deb1)" 1 "the release is still listed"

# A killed update of the release: rollback is refused while it runs (the release's lock),
# and rolling back to its snapshot ends it: nothing resumes it later.
touch "$rr/etc/fakeapt/hang-dist-upgrade"
rm -f "$rr/usr/share/fakeapt/started-dist-upgrade"
"$IOCAGE_BIN" update deb1 >"$T_TMP/krel.out" 2>&1 </dev/null &
upid=$!
ok -m "the release's update reached the upgrade" wait_file "$rr/usr/share/fakeapt/started-dist-upgrade"
ks=$(sed -n 's/.*snapshot deb1@\(update_[^ ]*\) taken.*/\1/p' "$T_TMP/krel.out")
fails -m "rollback of a release while it is being updated" 1 ioc rollback -f "deb1@$us"
like "$ERR" "busy" "the refusal says the release is busy"
kill -9 "$upid"
wait "$upid" 2>/dev/null
ok -m "the killed update left its mark" test -e "$(mark_of deb1)"
ok ioc rollback -f "deb1@$ks"
ok -m "the rollback took the mark of the update it undid" test ! -e "$(mark_of deb1)"
rm -f "$rr/etc/fakeapt/hang-dist-upgrade" "$rr/usr/share/fakeapt/started-dist-upgrade"
ok ioc update deb1
unlike "$OUT" "resuming" "the next update of the release is a new one"
is "$(level_of "$rr")" "$lv" "and it ran"

# operands
fails -m "rollback of a release without @" 2 ioc rollback deb1
fails -m "snaplist with @" 2 ioc snaplist deb1@x
fails -m "rollback of something that is neither a jail nor a release" 1 ioc rollback nosuch@x
like "$ERR" "no jail or release 'nosuch'" "the error says there is neither"
fails -m "snaplist of something that is neither" 1 ioc snaplist nosuch
ok ioc create release=deb1 tag=deb2
fails -m "rollback of a name that is a jail's tag and a release" 1 ioc rollback deb2@x
like "$ERR" "both the tag of $(uuid_of deb2) and a release" "the refusal says it is ambiguous"
fails -m "snaplist of a name that is a jail's tag and a release" 1 ioc snaplist deb2
ok ioc snaplist "$(uuid_of deb2)"
ok ioc destroy -f "$(uuid_of deb2)"
ok ioc destroy -f thin0
ok ioc destroy -f thin2

# --- upgrade: bad input ---
fails -m "upgrade to a release not fetched" 1 ioc upgrade bj1 release=deb9
like "$ERR" "fetch it first" "the refusal says to fetch it"
fails -m "upgrade to an older release" 1 ioc upgrade bj1 release=deb0
like "$ERR" "older than" "the refusal says it is older"
fails -m "upgrade to the same release" 1 ioc upgrade bj1 release=deb1
fails -m "upgrade without release=" 2 ioc upgrade bj1
fails -m "upgrade with a bad release name" 2 ioc upgrade bj1 release=../x
is "$(gv release bj1)" deb1 "no refused upgrade changed the release"

# --- upgrade: a basejail switches, its etc merged ---
echo mine >"$rb/etc/custom.conf"
rm "$rb/etc/removed.conf"
ok ioc upgrade bj1 release=deb2
like "$OUT" "bj1 upgraded; the state before is snapshot bj1@upgrade_" "upgrade names its snapshot"
like "$OUT" "etc: [0-9]+ added, [0-9]+ updated, 1 of yours kept" "upgrade reports the merge"
is "$(gv release bj1)" deb2 "the basejail is on deb2"
is "$(cat "$rb/etc/motd")" "motd 2" "a file the user never changed is the new release's"
is "$(cat "$rb/etc/custom.conf")" mine "a file the user changed is kept"
is "$(cat "$rb/etc/custom.conf.iocage-new")" "custom 2" "with the new version beside it"
is "$(cat "$rb/etc/newfile")" "new in 2" "a file new in the release is added"
ok -m "a file the user removed stays removed" test ! -e "$rb/etc/removed.conf"
is "$(cat "$rb/var/lib/dpkg/status")" "Version: 2" "the package database is the new release's"
ok ioc start bj1
ok ioc exec bj1 cat /usr/share/fakerel
is "$OUT" 2 "the basejail runs deb2's files"
ok ioc stop bj1

# --- upgrade: a thick jail runs the distribution upgrade ---
ok ioc create release=deb1 tag=t1
rt=$(jail_root "$(uuid_of t1)")
touch "$rt/etc/fakeapt/fail-dist-upgrade"
fails -m "a thick upgrade failing in the distribution upgrade" 1 ioc upgrade t1 release=deb2
like "$ERR" "rolled back to snapshot t1@upgrade_" "the failed upgrade was rolled back"
is "$(gv release t1)" deb1 "the failed upgrade left the release as it was"
like "$(cat "$rt/etc/apt/sources.list")" "fake alpha main" "the sources are back to the old suite"
rm "$rt/etc/fakeapt/fail-dist-upgrade"
ok ioc upgrade t1 release=deb2
is "$(gv release t1)" deb2 "the thick jail is on deb2"
like "$(cat "$rt/usr/share/fakeapt/upgraded-with")" "fake beta-updates main" \
	"the upgrade ran with the sources on the new suite"
like "$(cat "$rt/usr/share/fakeapt/upgraded-with")" "sec beta-security main" \
	"sources.list.d too"
unlike "$(cat "$rt/etc/apt/sources.list")" "alpha" "no old suite is left in the sources"

stop_test_jails
done_testing
