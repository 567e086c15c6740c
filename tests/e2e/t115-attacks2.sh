#!/usr/bin/env bash
# Attack replays of issue #10 that t110 does not hold, each check named after what it replays:
# the caller's fds and cwd leaking into the jail (CVE-2024-21626); mount targets in the jail
# replaced by symlinks to the host, once and racing a restart (CVE-2021-30465, CVE-2015-1335);
# a jail's /etc/passwd or /etc/group that is a FIFO, a device node, a huge file or a symlink
# to a host file; release archives with device nodes and set-uid files.
. "$(dirname "$0")/lib.sh"

setup_probe_release

mounts0=$(host_mounts)
# Mounts at or below DIR, on the host.
mounts_at() {
	_mounts_under "$1"
}
etc_passwd_sum=$(sha256sum </etc/passwd)
etc_shadow_sum=$(sha256sum </etc/shadow)

# =============================================================================================
# CVE-2024-21626: runc leaked an fd of the host's /sys/fs/cgroup into the container, and a
# working directory set to /proc/self/fd/N then lay outside the root. Here the caller of
# iocage sits in a host directory and holds extra fds, among them directories: no process of
# the jail may hold any of them, have its cwd outside the jail, or reach the host through
# /proc/self/cwd, /proc/self/fd/N or (watching from inside) iocage's own processes on their
# way in.
MARK=ioc-leak-mark-$$
hostcwd=$T_TMP/hostcwd
hostfd=$T_TMP/hostfd
mkdir -p "$hostcwd" "$hostfd"
touch "$hostcwd/$MARK" "$hostfd/$MARK"
# The paths a leak would reach the marks by: below a cwd or an fd (relative), below a root
# (the host's absolute path).
LEAKPATHS=("$MARK" "${hostcwd#/}/$MARK" "${hostfd#/}/$MARK" sys/fs/cgroup/cgroup.procs)

# in_hostcwd CMD...: run CMD from the host directory, holding fd 7 (a host directory), 8 (the
# host's /sys/fs/cgroup) and 9 (a host file).
in_hostcwd() {
	(cd "$hostcwd" && exec "$@" 7<"$hostfd" 8</sys/fs/cgroup 9</etc/hostname)
}

# leak_checks WHAT PROBE-OUTPUT: the probe's fds, cwd and what /proc/self leads to.
leak_checks() {
	local what=$1 p=$2
	is "$(kv_val "$p" fds)" "0,1,2" "CVE-2024-21626: $what: the process holds fds 0,1,2 only"
	like "$(kv_val "$p" cwd)" '^/' "CVE-2024-21626: $what: its cwd is a path in the jail"
	unlike "$(kv_val "$p" cwd)" "unreachable|$(basename "$hostcwd")" \
		"CVE-2024-21626: $what: its cwd is not the caller's host directory"
}

# (payload check) the watcher sees a leak when there is one: a host process in hostcwd.
(cd "$hostcwd" && exec sleep 5) &
sleeper=$!
sleep 0.2
run "$probe" watch-leak 0.5 "${LEAKPATHS[@]}"
like "$OUT" "^leak=$sleeper cwd $MARK\$" "(payload check) watch-leak finds a host process's cwd"
kill "$sleeper" 2>/dev/null
wait "$sleeper" 2>/dev/null

ok -m "create the jail lk" ioc create release=R tag=lk || bail_out "no jail: $ERR"
ulk=$(uuid_of lk)
rlk=$(jail_root "$ulk")
printf 'nobody2:x:1234:1234::/tmp:/bin/sh\n' >>"$rlk/etc/passwd"
printf 'nobody2:x:1234:\n' >>"$rlk/etc/group"
# exec_start (the jail's /etc/rc runs rc.local): what its processes hold, in the console log.
printf '%s\n' '/bin/probe' "/bin/probe stat /proc/self/cwd/$MARK" \
	"/bin/probe stat /proc/self/fd/7/$MARK" "/bin/probe stat /proc/1/cwd/$MARK" \
	>"$rlk/etc/rc.local"

# --- start: exec_start and init ---
ok -m "start lk from a host directory, holding fds 7 (dir), 8 (/sys/fs/cgroup), 9" \
	in_hostcwd "$IOCAGE_BIN" start lk
log=$(cat "$(console_log "$ulk")" 2>&1)
leak_checks "start: exec_start" "$log"
like "$log" '^type=E' "start: the stat probes of exec_start ran"
unlike "$log" '^type=[a-z]' "CVE-2024-21626: start: the caller's directory is not reachable from exec_start"
jid=$(jid_of lk)
is "$(find "/proc/$jid/fd" -mindepth 1 -printf '%f\n' 2>/dev/null | sort -n | tr '\n' ' ')" \
	"0 1 2 " "CVE-2024-21626: start: the jail's init holds fds 0,1,2 only"
is "$(stat -L -c %d:%i "/proc/$jid/cwd")" "$(stat -L -c %d:%i "/proc/$jid/root")" \
	"CVE-2024-21626: start: the init's cwd is its root, the jail's"

# --- exec ---
run in_hostcwd "$IOCAGE_BIN" exec lk /bin/probe
leak_checks "exec" "$OUT"
is "$(kv_val "$OUT" cwd)" /root "CVE-2024-21626: exec: root's cwd is its home in the jail"
for l in cwd fd/7 fd/8 fd/9; do
	run in_hostcwd "$IOCAGE_BIN" exec lk /bin/probe stat "/proc/self/$l/$MARK"
	like "$OUT" '^type=E' "CVE-2024-21626: exec: /proc/self/$l/$MARK leads nowhere"
done
run in_hostcwd "$IOCAGE_BIN" exec lk /bin/sh -c "cd /proc/self/fd/7 2>/dev/null && ls"
unlike "$OUT" "$MARK" "CVE-2024-21626: exec: cd /proc/self/fd/7 does not reach the host directory"
run in_hostcwd "$IOCAGE_BIN" exec -U nobody2 lk /bin/probe
leak_checks "exec -U nobody2" "$OUT"
is "$(kv_val "$OUT" cwd)" /tmp "CVE-2024-21626: exec -U nobody2: the cwd is its home in the jail"

# --- console (a pty, login or a shell) ---
# shellcheck disable=SC2016  # expanded by the inner bash
run ptyrun -t 30 -e '[#$] ' -s '/bin/probe; exit\r' -- \
	bash -c 'cd "$1" && shift && exec "$@" 7<"$0" 8</sys/fs/cgroup 9</etc/hostname' \
	"$hostfd" "$hostcwd" "$IOCAGE_BIN" console lk
p=$(tr -d '\r' <<<"$OUT")
like "$p" '^fds=' "console: the probe ran in the console"
leak_checks "console" "$p"

# --- a watcher in the jail, while iocage enters it again and again ---
ok -m "start a leak watcher in lk" ioc exec lk /bin/sh -c \
	"/bin/probe watch-leak 8 ${LEAKPATHS[*]} >/tmp/leak.out 2>&1 </dev/null &"
sleep 0.5
n_exec=0
end=$((SECONDS + 5))
while [ "$SECONDS" -lt "$end" ]; do
	in_hostcwd "$IOCAGE_BIN" exec lk /bin/true </dev/null >/dev/null 2>&1
	in_hostcwd "$IOCAGE_BIN" exec -U nobody2 lk /bin/sh -c : </dev/null >/dev/null 2>&1
	in_hostcwd "$IOCAGE_BIN" runtime lk </dev/null >/dev/null 2>&1
	n_exec=$((n_exec + 2))
done
for _ in $(seq 1 100); do
	grep -q '^watched=' "$rlk/tmp/leak.out" 2>/dev/null && break
	sleep 0.1
done
watch=$(cat "$rlk/tmp/leak.out" 2>&1)
like "$watch" '^watched=[1-9][0-9]* links=[1-9]' \
	"the watcher looked into processes' cwd and fds while $n_exec execs entered the jail"
note "watcher: $(grep '^watched=' <<<"$watch")"
is "$(grep '^leak=' <<<"$watch" | head -n 5)" "" \
	"CVE-2024-21626: no process in the jail ever held a way to the caller's cwd, fds or the host"
ok -m "stop lk" ioc stop lk

# --- chroot ---
run in_hostcwd "$IOCAGE_BIN" chroot lk /bin/probe
is "$RC" 0 "chroot lk /bin/probe runs"
leak_checks "chroot" "$OUT"
for l in cwd fd/7 fd/8; do
	run in_hostcwd "$IOCAGE_BIN" chroot lk /bin/probe stat "/proc/self/$l/$MARK"
	like "$OUT" '^type=E' "CVE-2024-21626: chroot: /proc/self/$l/$MARK leads nowhere"
done
is "$(mounts_gained)" "" "CVE-2024-21626: the host gained no mount"

# =============================================================================================
# CVE-2021-30465 (runc), CVE-2015-1335 (LXC): a mount target in the container's root is
# replaced by a symlink to a host path, so that the mount lands on the host. Every target
# iocage mounts onto gets one: a basejail's release directories (bin sbin lib usr, and the
# jail's own usr/local bound back over the release's), /proc, /sys, /dev and the /dev/pts,
# /dev/shm below it; and /tmp, which iocage mounts nothing on (exec_start writes there).
# Start either works (the mount stays in the jail) or refuses cleanly; the host directory
# is untouched and gains no mount.
hostdir=$T_TMP/hosttarget
mkdir -p "$hostdir"
printf 'host directory: must stay as it is\n' >"$hostdir/keep"
hsum=$(tree_sum "$hostdir")

# target_attack TAG TARGET: make the jail's TARGET a symlink to hostdir, absolute and then by
# ../, start, check, put the directory back.
target_attack() {
	local tag=$1 t=$2 r kind link what
	r=$(jail_root "$(uuid_of "$tag")")
	[ -e "$r/$t" ] || [ -L "$r/$t" ] || mkdir -p "$r/$t"
	mv "$r/$t" "$r/$t.ioc-real"
	for kind in abs rel; do
		if [ $kind = abs ]; then
			link=$hostdir
		else
			link=$(printf '../%.0s' $(seq 1 12))${hostdir#/}
		fi
		ln -sfn "$link" "$r/$t"
		what="CVE-2021-30465: $tag's /$t -> $([ $kind = abs ] && echo "$hostdir" || echo "../..$hostdir")"
		if try_start "$tag" "$what"; then
			run ioc exec "$tag" /bin/probe stat "/$t/keep"
			like "$OUT" '^type=E' "$what: the host directory is not seen in the jail"
			is "$(mounts_at "$hostdir")" "" "$what: nothing is mounted on the host directory"
			is "$(mounts_gained)" "" "$what: the host gains no mount while the jail runs"
		fi
		stop_if_up "$tag"
		is "$(tree_sum "$hostdir")" "$hsum" "$what: the host directory is untouched"
		is "$(mounts_gained)" "" "$what: the host gained no mount"
		rm -f "$r/$t"
	done
	mv "$r/$t.ioc-real" "$r/$t"
}

ok -m "create the basejail bj" ioc create -b release=R tag=bj
for t in bin sbin lib usr usr/local; do
	target_attack bj $t
done
ok -m "create the jail tg" ioc create release=R tag=tg
for t in proc sys dev dev/pts dev/shm tmp; do
	target_attack tg $t
done
ok -m "the basejail bj still starts" ioc start bj
ok -m "bj runs its release's /bin/sh" ioc exec bj /bin/sh -c 'echo hi'
ok -m "stop bj" ioc stop bj

# The same targets swapped between the directory and a symlink to the host while the jail
# starts and stops (a process of the jail that outlived it, or shares its root, racing the
# mounts). A host process plays it: renameat2(RENAME_EXCHANGE) of the target and a symlink,
# as fast as it can, for a bounded time.
race() { # race TAG TARGET SECONDS
	local tag=$1 t=$2 secs=$3 r what n=0 nok=0 nrefused=0 bad=0 swapper
	r=$(jail_root "$(uuid_of "$tag")")
	ln -sfn "$hostdir" "$r/$t.ioc-swap"
	python3 - "$r/$t" "$r/$t.ioc-swap" "$secs" <<'PY' &
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
a, b, secs = sys.argv[1].encode(), sys.argv[2].encode(), float(sys.argv[3])
end, n = time.monotonic() + secs, 0
while time.monotonic() < end:
    libc.renameat2(-100, a, -100, b, 2)  # AT_FDCWD, RENAME_EXCHANGE
    n += 1
# Leave the directory in place.
if os.path.islink(a):
    libc.renameat2(-100, a, -100, b, 2)
PY
	swapper=$!
	what="CVE-2021-30465 race: $tag's /$t swapped with a symlink to $hostdir"
	local end=$((SECONDS + secs))
	while [ "$SECONDS" -lt "$end" ]; do
		run timeout 60 "$IOCAGE_BIN" start "$tag"
		n=$((n + 1))
		if [ "$RC" = 0 ]; then
			nok=$((nok + 1))
			[ -z "$(mounts_at "$hostdir")" ] || bad=$((bad + 1))
			run timeout 60 "$IOCAGE_BIN" stop "$tag"
			[ "$RC" = 0 ] || { bad=$((bad + 1)); diag "stop: $RC $ERR"; }
		elif [ "$RC" = 1 ] && [[ $ERR == "iocage: start: "* ]]; then
			nrefused=$((nrefused + 1))
		else
			bad=$((bad + 1))
			_run_diag ioc start "$tag"
		fi
	done
	wait "$swapper"
	note "$what: $n starts, $nok ran, $nrefused refused"
	is "$bad" 0 "$what: every start ran (nothing on the host) or refused cleanly"
	stop_if_up "$tag"
	rm -f "$r/$t.ioc-swap"
	ok -m "$what: the target is a directory again" test -d "$r/$t" -a ! -L "$r/$t"
	is "$(tree_sum "$hostdir")" "$hsum" "$what: the host directory is untouched"
	is "$(mounts_gained)" "" "$what: the host gained no mount"
	is "$(procs_of_jail "$(uuid_of "$tag")")" "" "$what: no process of the jail is left"
}
race tg sys 6
race tg proc 6
race bj usr 6

# =============================================================================================
# The jail's /etc/passwd or /etc/group is not a small regular file: a FIFO (an open would
# wait for a writer forever), a device node (/dev/zero reads forever; the jail cannot mknod,
# so the host puts it there, as a release that holds one would), a huge file, or a symlink to
# a host file (/etc/shadow, or a passwd of the test's with a user only the host has). Every
# command that looks a jail user up (exec -U, exec, console, start with exec_jail_user,
# chroot -U) fails cleanly and fast, never reads the host's file, never opens the FIFO.
hostpw=$T_TMP/host-passwd
printf 'hostonly:x:4321:4321::/:/bin/sh\nroot:x:0:0::/:/bin/sh\n' >"$hostpw"
hostgr=$T_TMP/host-group
printf 'hostgrp:x:4321:root,nobody2\n' >"$hostgr"
ok -m "create the jail pw" ioc create release=R tag=pw exec_jail_user=root
upw=$(uuid_of pw)
rpw=$(jail_root "$upw")
cp "$rpw/etc/passwd" "$T_TMP/pw.passwd"
cp "$rpw/etc/group" "$T_TMP/pw.group"

# plant FILE KIND: make the jail's etc/FILE a KIND.
plant() {
	local f=$rpw/etc/$1
	rm -f "$f"
	case $2 in
	fifo) mkfifo "$f" ;;
	zero) mknod "$f" c 1 5 ;;
	huge) truncate -s 2G "$f" ;;
	big) head -c $((5 << 20)) /dev/zero | tr '\0' 'x' >"$f" ;;
	shadow) ln -s /etc/shadow "$f" ;;
	# A host file of the same kind: the test's passwd or group.
	host) ln -s "$([ "$1" = passwd ] && echo "$hostpw" || echo "$hostgr")" "$f" ;;
	host-rel) ln -s "$(printf '../%.0s' $(seq 1 12))$([ "$1" = passwd ] && echo "${hostpw#/}" ||
		echo "${hostgr#/}")" "$f" ;;
	esac
}
restore() {
	rm -f "$rpw/etc/passwd" "$rpw/etc/group"
	cp "$T_TMP/pw.passwd" "$rpw/etc/passwd"
	cp "$T_TMP/pw.group" "$rpw/etc/group"
}

# A writer blocked on the FIFO: if anything opens the FIFO to read, its open returns and it
# leaves a file behind.
fifo_writer() {
	rm -f "$T_TMP/fifo-opened"
	(exec 3>"$rpw/etc/$1" && echo opened >"$T_TMP/fifo-opened") &
	fifo_pid=$!
}
fifo_writer_stop() {
	kill "$fifo_pid" 2>/dev/null
	wait "$fifo_pid" 2>/dev/null
}

# refuses WHAT CMD...: CMD exits 1 with an "iocage: " message within 20 seconds. With
# may_run=1 (a symlink in the jail leads nowhere there: the jail has no such file, which is
# not an error for etc/group), CMD may also run; then never with the host file's ids.
may_run=0
refuses() {
	local what=$1 t0=$SECONDS
	shift
	[ "$1" != ioc ] || set -- "$IOCAGE_BIN" "${@:2}"
	run timeout 20 "$@"
	if [ "$RC" = 1 ] && [[ $ERR == "iocage: "* ]]; then
		pass "$what: fails cleanly ($((SECONDS - t0))s)"
		note "$what: $ERR"
	elif [ "$RC" = 0 ] && [ "$may_run" = 1 ]; then
		pass "$what: runs ($((SECONDS - t0))s): the file is not there in the jail's view"
	else
		fail "$what: fails cleanly (exit 1, a message) and fast"
		_run_diag "$@"
	fi
	unlike "$OUT" '^uid=4321$' "$what: nothing ran as the host-only user"
	unlike "$(kv_val "$OUT" groups)" '(^|,)4321(,|$)' "$what: nothing ran in the host-only group"
}

for file in passwd group; do
	for kind in fifo zero huge big shadow host host-rel; do
		what="$file is $kind"
		may_run=0
		[ $file = passwd ] || [[ $kind != shadow && $kind != host* ]] || may_run=1
		restore
		plant $file $kind
		[ $kind != fifo ] || fifo_writer $file
		refuses "$what: chroot -U root" ioc chroot -U root pw /bin/probe
		[ $file != passwd ] || [[ $kind != host* ]] ||
			refuses "$what: chroot -U hostonly" ioc chroot -U hostonly pw /bin/probe
		refuses "$what: start (exec_jail_user=root)" ioc start pw
		if [ "$RC" = 0 ]; then
			ok -m "$what: stop pw" ioc stop pw
		else
			is "$(state_of pw)" down "$what: the jail is down after the failed start"
		fi
		if [ $kind = fifo ]; then
			ok -m "$what: the FIFO was never opened by iocage" test ! -e "$T_TMP/fifo-opened"
			fifo_writer_stop
		fi
		# The same with the jail running: it started with good files, then root in the
		# jail replaced them.
		restore
		ok -m "$what: start pw with good files" ioc start pw || continue
		plant $file $kind
		[ $kind != fifo ] || fifo_writer $file
		refuses "$what: exec -U root" ioc exec -U root pw /bin/probe
		refuses "$what: exec" ioc exec pw /bin/probe
		[ $file != passwd ] || [[ $kind != host* ]] ||
			refuses "$what: exec -U hostonly" ioc exec -U hostonly pw /bin/probe
		if [ $kind = fifo ]; then
			ok -m "$what: the FIFO was never opened by iocage" test ! -e "$T_TMP/fifo-opened"
			fifo_writer_stop
		fi
		# (Where the jail's view has no such file, login would work and wait for input.)
		if [ "$may_run" = 0 ]; then
			run ptyrun -t 25 -- "$IOCAGE_BIN" console pw
			if [ "$RC" = 1 ] && grep -q '^iocage: console: ' <<<"$OUT"; then
				pass "$what: console fails cleanly"
			else
				fail "$what: console fails cleanly"
				diag "exit status $RC" "$OUT"
			fi
		fi
		restore
		ok -m "$what: stop pw" ioc stop pw
	done
done
is "$(sha256sum </etc/passwd)" "$etc_passwd_sum" "the host's /etc/passwd is unchanged"
is "$(sha256sum </etc/shadow)" "$etc_shadow_sum" "the host's /etc/shadow is unchanged"

# =============================================================================================
# Release archives (fetch -F) with device nodes and set-uid files. t20 replays ../, absolute
# paths and links out; t170 does all of it for images. A root filesystem may hold device
# nodes and set-uid programs (Debian's has both): they are unpacked, but no node in a jail's
# root works as a device (the jail gets its devices only from its own /dev), and no set-uid
# file of a release or a jail can be run with its privileges by a user of the host.
python3 - "$(busybox_tarball)" "$T_TMP/special.tar" "$probe" <<'PY'
import shutil, sys, tarfile, time
src, dst, probe = sys.argv[1:4]
shutil.copyfile(src, dst)
with tarfile.open(dst, "a") as t:
    def node(name, kind, major, minor, mode=0o666):
        ti = tarfile.TarInfo(name); ti.type = kind; ti.devmajor = major; ti.devminor = minor
        ti.mode = mode; ti.mtime = int(time.time()); t.addfile(ti)
    node("./root/zero", tarfile.CHRTYPE, 1, 5)
    node("./root/full", tarfile.CHRTYPE, 1, 7)
    node("./root/loop0", tarfile.BLKTYPE, 7, 0, 0o660)
    node("./etc/fifo", tarfile.FIFOTYPE, 0, 0)
    ti = t.gettarinfo(probe, arcname="./bin/suidprobe")
    ti.uid = ti.gid = 0; ti.uname = ti.gname = "root"; ti.mode = 0o4755
    with open(probe, "rb") as f:
        t.addfile(ti, f)
PY
ok -m "fetch a release with device nodes, a FIFO and a set-uid root program" \
	ioc fetch -F "$T_TMP/special.tar" release=RSPEC
rs=$(release_root RSPEC)
is "$(stat -c '%F %t,%T' "$rs/root/zero" 2>&1)" "character special file 1,5" \
	"the release holds the device node root/zero (1,5)"
is "$(stat -c '%a %u' "$rs/bin/suidprobe" 2>&1)" "4755 0" "the release holds a set-uid root file"
ok -m "create a thin jail from it" ioc create -c release=RSPEC tag=spec
ok -m "start spec" ioc start spec
for n in zero full loop0; do
	run ioc exec spec /bin/probe read "/root/$n"
	unlike "$OUT" '^read=ok' "device node in an archive: the jail cannot use the release's /root/$n"
done
run ioc exec spec /bin/probe read /dev/zero
like "$OUT" '^read=ok' "(control) the jail's own /dev/zero works"
# Root in a jail is uid 0 of the host: it can make a set-uid root program of its own.
ok -m "root in spec makes /tmp/mine a set-uid root program" \
	ioc exec spec /bin/sh -c 'cp /bin/probe /tmp/mine && chmod 4755 /tmp/mine'
ok -m "stop spec" ioc stop spec

# A host user that is not root runs the set-uid file of the release and of the jail.
# (setpriv would keep root's capabilities across the change of uid.)
nobody_runs() { # nobody_runs PATH: run PATH as nobody, no capabilities; OUT is its output
	run python3 -c 'import os, sys
os.setgroups([]); os.setgid(65534); os.setuid(65534); os.execv(sys.argv[1], sys.argv[1:])' "$1"
}
rspec=$(jail_root "$(uuid_of spec)")
is "$(stat -c '%a %u' "$rspec/tmp/mine" 2>&1)" "4755 0" "the jail's /tmp/mine is set-uid root"
for f in "$rs/bin/suidprobe" "$rspec/bin/suidprobe" "$rspec/tmp/mine"; do
	nobody_runs "$f"
	if [ "$RC" = 0 ]; then
		is "$(kv_val "$OUT" euid)" 65534 \
			"set-uid file of a release or jail: $f runs without its privileges for a host user"
	else
		pass "set-uid file of a release or jail: a host user cannot run $f (exit $RC)"
	fi
done
# (control) the same file outside the store does give root: the check can see it.
install -m 4755 -o root "$probe" "$T_TMP/suidprobe"
chmod 0755 "$T_TMP"
nobody_runs "$T_TMP/suidprobe"
chmod 0700 "$T_TMP"
if [ "$(kv_val "$OUT" euid)" = 0 ]; then
	pass "(control) a set-uid root copy outside the store runs as euid 0 for nobody"
else
	skip "(control) a set-uid copy outside the store gives root" \
		"$T_TMP is on a nosuid file system here"
fi

# =============================================================================================
is "$(mounts_gained)" "" "the host gained no mount"
is "$(list_rows | awk -F'\t' '$4 != "down"' | wc -l)" 0 "every jail is down"

done_testing
