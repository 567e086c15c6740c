#!/usr/bin/env bash
# Running jails (issue #3): start/stop/restart [-s] of thick, thin and basejails; list's JID and
# STATE; runtime; exec (status, user, fds, environment, capabilities, seccomp, the memfd init);
# ALL; console; chroot; exec_start and its console log; exec_timeout; host hooks; resolver and
# hostname; ip4=inherit (the netns inode only); an init killed from outside; 20 parallel starts;
# rcboot/rcshutdown by priority; nothing left behind.
. "$(dirname "$0")/lib.sh"

setup_probe_release

host_net=$(readlink /proc/self/ns/net)
host_mnt=$(readlink /proc/self/ns/mnt)
host_uts=$(uname -n)
MEMFD='/memfd:iocage-init (deleted)'

# bit HEX N: bit N of the hex mask HEX (0 or 1).
bit() {
	echo $(((16#${1#0x} >> $2) & 1))
}

# The runtime of jail UUID is gone: state file, cgroup directories, processes.
cleaned() { # cleaned UUID NAME
	ok -m "$2: no state file $(state_file "$1")" test ! -e "$(state_file "$1")"
	ok -m "$2: no filter file beside it" test ! -e "$(state_file "$1").bpf"
	is "$(grep -lx "$1" /run/iocage/jails/*.* 2>/dev/null)" "" "$2: no tag index entry leads to it"
	is "$(cgroup_dirs_of "$1")" "" "$2: no cgroup directory named after the jail"
	is "$(procs_of_jail "$1")" "" "$2: no process left in the jail's cgroup"
}

tree_sum() { # tree_sum DIR: names, types and contents of everything below DIR (one filesystem)
	(cd "$1" && find . -xdev -printf '%p %y %m\n' | sort && find . -xdev -type f -exec sha256sum {} + | sort)
}


# The payload itself: run on the host, it does see the extra fds its caller gives it.
run "$probe" 7</etc/hostname
like "$(kv_val "$OUT" fds)" '(^|,)7(,|$)' "(payload check) the probe on the host sees fd 7"

# =============================================================================================
# The same life cycle for a thick, a thin (-c) and a basejail (-b).
for kind in thick thin base; do
	case $kind in
	thick) flag= ;;
	thin) flag=-c ;;
	base) flag=-b ;;
	esac
	# shellcheck disable=SC2086  # flag is empty or one word
	ok -m "$kind: create" ioc create $flag release=R tag=$kind || continue
	u=$(uuid_of $kind)
	root=$(jail_root "$u")
	# A user of the jail only (not of the host), and an rc.local that leaves a line in the log.
	printf 'nobody2:x:1234:1234::/tmp:/bin/sh\n' >>"$root/etc/passwd"
	printf 'nobody2:x:1234:\n' >>"$root/etc/group"
	printf 'echo rc-local-ran\n' >"$root/etc/rc.local"

	# --- start ---
	ok -m "$kind: start (the caller holds fds 7 and 9)" ioc start $kind 7</etc/hostname 9</etc/passwd
	is "$OUT" "* Starting $u ($kind)
  + mount OK
  + cgroup OK
  + namespaces OK
  + exec_start OK" "$kind: start prints '* Starting UUID (TAG)' and the steps"
	is "$ERR" "" "$kind: start writes nothing to stderr"
	is "$(state_of $kind)" up "$kind: list shows STATE up"
	jid=$(jid_of $kind)
	like "$jid" '^[0-9]+$' "$kind: list shows a numeric JID"
	ok -m "$kind: the JID is a live host process" test -d "/proc/$jid"
	is "$(readlink "/proc/$jid/exe" 2>&1)" "$MEMFD" \
		"$kind: the init (JID) runs from the sealed memfd, seen from the host"
	is "$(awk '/^NSpid:/ { print $NF }' "/proc/$jid/status")" 1 \
		"$kind: the init is PID 1 of its own PID namespace"
	is "$(find "/proc/$jid/fd" -mindepth 1 -printf '%f\n' 2>/dev/null | sort -n |
		awk '$1 > 2' | tr '\n' ' ')" "" \
		"$kind: the init holds no fd above 2 (the caller's 7 and 9 are not inherited)"
	ok -m "$kind: the state file exists while it runs" test -f "$(state_file "$u")"
	isnt "$(cgroup_dirs_of "$u")" "" "$kind: the jail has a cgroup directory named after it"
	is "$(procs_of_jail "$u" | tr '\n' ' ')" "$jid " \
		"$kind: after start the jail's cgroup holds exactly its init"
	like "$(cat "$(console_log "$u")" 2>&1)" '^rc-local-ran$' \
		"$kind: the default exec_start ran /etc/rc (its output is in the console log)"

	# --- runtime ---
	ok -m "$kind: runtime" ioc runtime $kind
	rt=$OUT
	lines_like "$rt" '^[a-z0-9_.]+=' "$kind: runtime prints name=value lines"
	is "$(kv_val "$rt" uuid)" "$u" "$kind: runtime uuid="
	is "$(kv_val "$rt" tag)" "$kind" "$kind: runtime tag="
	is "$(kv_val "$rt" jid)" "$jid" "$kind: runtime jid= is list's JID"
	like "$(kv_val "$rt" starttime)" '^[0-9]+$' "$kind: runtime starttime= is a number"
	is "$(kv_val "$rt" root)" "$root" "$kind: runtime root= is the jail's root"
	is "$(kv_val "$rt" hostname)" "$u" "$kind: runtime hostname= is the uuid by default"
	like "$(kv_val "$rt" ns.pid)" '^pid:\[[0-9]+\]$' "$kind: runtime ns.pid="
	is "$(kv_val "$rt" ns.pid)" "$(readlink "/proc/$jid/ns/pid")" "$kind: ns.pid is the init's"
	isnt "$(kv_val "$rt" ns.mnt)" "$host_mnt" "$kind: its own mount namespace"
	like "$(kv_val "$rt" ns.net)" '^net:\[' "$kind: runtime ns.net="
	isnt "$(kv_val "$rt" ns.net)" "$host_net" "$kind: its own network namespace (ip4=new)"
	for ns in uts ipc cgroup; do
		like "$(kv_val "$rt" ns.$ns)" "^$ns:\\[[0-9]+\\]\$" "$kind: runtime ns.$ns="
		isnt "$(kv_val "$rt" ns.$ns)" "$(readlink /proc/self/ns/$ns)" "$kind: its own $ns namespace"
	done
	isnt "$(kv_val "$rt" cgroup)" "" "$kind: runtime cgroup="
	like "$(kv_val "$rt" capabilities)" '^0x[0-9a-f]{16}$' "$kind: runtime capabilities=0x..."
	isnt "$(kv_val "$rt" network)" "host" "$kind: runtime network= is not the host's"
	ok -m "$kind: runtime --json" ioc runtime --json $kind
	json_ok "str(d['jid']) == '$jid' and d['uuid'] == '$u' and d['tag'] == '$kind'" \
		"$kind: runtime --json has jid, uuid, tag" <<<"$OUT"

	# --- exec ---
	fails -m "$kind: exec returns the command's exit status (3)" 3 \
		ioc exec $kind /bin/sh -c 'exit 3'
	fails -m "$kind: exec TAG -- cmd: status 5" 5 ioc exec $kind -- /bin/sh -c 'exit 5'
	ok -m "$kind: exec true" ioc exec $kind /bin/true
	fails -m "$kind: exec of a command killed by SIGKILL exits 128+9" 137 \
		ioc exec $kind /bin/sh -c 'kill -9 $$'
	fails -m "$kind: exec of a command the jail does not have exits 127" 127 \
		ioc exec $kind /bin/nosuchcommand
	like "$ERR" nosuchcommand "$kind: exec of a missing command names it on stderr"
	ok -m "$kind: exec the probe (the caller holds fds 7 and 9)" \
		ioc exec $kind /bin/probe 7</etc/hostname 9</etc/passwd
	p=$OUT
	is "$(kv_val "$p" hostname)" "$u" "$kind: the jail's hostname is its uuid"
	is "$(kv_val "$p" uid)" 0 "$kind: exec runs as root (uid 0) by default"
	like "$(kv_val "$p" pid)" '^[0-9]+$' "$kind: the probe has a pid in the jail"
	is "$(kv_val "$p" fds)" "0,1,2" "$kind: exec'd process holds only fds 0,1,2"
	is "$(kv_val "$p" seccomp)" 2 "$kind: exec'd process runs under a seccomp filter (mode 2)"
	is "$(kv_val "$p" exe)" /bin/probe "$kind: /proc/self/exe of the probe is the jail's file"
	bnd=$(kv_val "$p" cap_bnd)
	like "$bnd" '^[0-9a-f]{16}$' "$kind: the probe read CapBnd"
	for c in SYS_ADMIN:21 SYS_MODULE:16 MKNOD:27 SYS_PTRACE:19; do
		is "$(bit "$bnd" "${c#*:}")" 0 "$kind: bounding set lacks CAP_${c%:*} (bit ${c#*:})"
		is "$(bit "$(kv_val "$p" cap_eff)" "${c#*:}")" 0 \
			"$kind: effective set lacks CAP_${c%:*} (bit ${c#*:})"
	done
	is "$(kv_val "$rt" capabilities)" "0x$bnd" \
		"$kind: runtime's capabilities= is the bounding set the jail's processes have"
	ok -m "$kind: exec cat /proc/1/status" ioc exec $kind /bin/cat /proc/1/status
	like "$OUT" '^Pid:[[:space:]]+1$' "$kind: the jail's /proc/1 is PID 1"
	like "$OUT" '^PPid:[[:space:]]+0$' "$kind: the jail's PID 1 has no parent in the jail"
	ok -m "$kind: exec probe exe 1" ioc exec $kind /bin/probe exe 1
	is "$OUT" "exe=$MEMFD" "$kind: /proc/1/exe in the jail reads $MEMFD"
	ok -m "$kind: exec prints stdout and stderr apart" \
		ioc exec $kind /bin/sh -c 'echo to-out; echo to-err >&2'
	is "$OUT/$ERR" "to-out/to-err" "$kind: exec keeps stdout and stderr apart"

	# --- basejail: the release's system directories read-only, the jail's own writable ---
	if [ $kind = base ]; then
		rel_sum=$(tree_sum "$(release_root R)")
		for d in /bin /sbin /lib /usr; do
			nok -m "base: $d (the release's) is read-only in the jail" \
				ioc exec base /bin/touch "$d/ioc-written"
		done
		for d in /etc /var /root /home /tmp /usr/local; do
			ok -m "base: $d (the jail's own) is writable" ioc exec base /bin/touch "$d/ioc-written"
		done
		is "$(tree_sum "$(release_root R)")" "$rel_sum" "base: the release is unchanged"
	fi

	# --- users ---
	ok -m "$kind: exec -U nobody2 (a user of the jail only)" ioc exec -U nobody2 $kind /bin/probe
	is "$(kv_val "$OUT" uid)/$(kv_val "$OUT" gid)" 1234/1234 "$kind: exec -U nobody2: uid/gid 1234"
	is "$(kv_val "$OUT" cap_eff)" 0000000000000000 "$kind: exec -U nobody2 has no capabilities"
	is "$(kv_val "$OUT" cwd)" /tmp "$kind: exec -U nobody2 starts in its home (/tmp)"
	run ioc exec -U nosuchuser $kind /bin/true
	like "$RC" '^[12]$' "$kind: exec -U nosuchuser fails with status 1 or 2 (got $RC)"
	like "$ERR" 'nosuchuser' "$kind: exec -U nosuchuser says which user"
	is "$OUT" "" "$kind: exec -U nosuchuser runs nothing"
	run ioc exec -u '' $kind /bin/true
	like "$RC" '^[12]$' "$kind: exec -u '' fails with status 1 or 2 (got $RC)"
	like "$ERR" '^iocage: exec: .*user' "$kind: exec -u '' says a user name is needed"

	# --- start twice ---
	fails -m "$kind: start of a running jail" 1 ioc start $kind
	like "$ERR" "^iocage: start: .*is already running \\(JID $jid\\)\$" \
		"$kind: the error says 'is already running (JID $jid)'"
	is "$(jid_of $kind)" "$jid" "$kind: the second start changed nothing (same JID)"

	# --- restart -s: namespaces (init) kept, everything else replaced, exec_start again ---
	ok -m "$kind: exec leaves a background sleep in the jail" \
		ioc exec $kind /bin/sh -c '/bin/sleep 1000 </dev/null >/dev/null 2>&1 &'
	is "$(procs_of_jail "$u" | wc -l)" 2 "$kind: the jail's cgroup holds init and the sleep"
	# exec joins v1 hierarchies through their tasks files and is born in the v2 one
	# (CLONE_INTO_CGROUP); init joins v1 itself: each must end where init is, in every one.
	bg=$(procs_of_jail "$u" | grep -vx "$jid" | head -n 1)
	isnt "$(grep -cF -- "/$u" "/proc/$jid/cgroup")" 0 "$kind: init is in cgroups named after the jail"
	is "$(grep -F -- "/$u" "/proc/${bg:-0}/cgroup" 2>&1)" "$(grep -F -- "/$u" "/proc/$jid/cgroup")" \
		"$kind: a command exec started is in each of init's cgroups, v1 and v2"
	n_rc=$(grep -c '^rc-local-ran$' "$(console_log "$u")")
	ok -m "$kind: restart -s" ioc restart -s $kind
	like "$OUT" "^\\* Restarting $u \\($kind\\)\$" "$kind: restart -s prints '* Restarting UUID (TAG)'"
	is "$(jid_of $kind)" "$jid" "$kind: restart -s keeps the init (same JID)"
	is "$(procs_of_jail "$u" | tr '\n' ' ')" "$jid " "$kind: restart -s ended every process but init"
	is "$(grep -c '^rc-local-ran$' "$(console_log "$u")")" $((n_rc + 1)) \
		"$kind: restart -s ran exec_start again"

	# --- restart: a new init ---
	ok -m "$kind: restart" ioc restart $kind
	like "$OUT" "^\\* Restarting $u \\($kind\\)\$" "$kind: restart prints '* Restarting UUID (TAG)'"
	new=$(jid_of $kind)
	is "$(state_of $kind)" up "$kind: up after restart"
	like "$new" '^[0-9]+$' "$kind: a JID after restart"
	isnt "$new" "$jid" "$kind: restart made a new init (JID changed)"
	ok -m "$kind: the old init is gone after restart" wait_gone "$jid" 5
	jid=$new
	is "$(procs_of_jail "$u" | tr '\n' ' ')" "$jid " "$kind: after restart only the new init runs"

	# --- stop ---
	ok -m "$kind: stop" ioc stop $kind
	is "$OUT" "* Stopping $u ($kind)
  + terminate OK
  + kill OK
  + cgroup OK" "$kind: stop prints '* Stopping UUID (TAG)' and the steps"
	is "$(state_of $kind)" down "$kind: list shows STATE down after stop"
	is "$(jid_of $kind)" - "$kind: list shows JID - after stop"
	ok -m "$kind: the init is gone after stop" wait_gone "$jid" 5
	cleaned "$u" "$kind after stop"
	fails -m "$kind: stop of a stopped jail" 1 ioc stop $kind
	like "$ERR" '^iocage: stop: .*is not running' "$kind: the error says 'is not running'"
	fails -m "$kind: exec in a stopped jail" 1 ioc exec $kind /bin/true
	like "$ERR" 'not running' "$kind: exec in a stopped jail says it is not running"
	fails -m "$kind: runtime of a stopped jail" 1 ioc runtime $kind
	like "$ERR" 'not running' "$kind: runtime of a stopped jail says it is not running"

	# --- chroot: the stopped jail's root, fenced, without starting it ---
	ok -m "$kind: chroot TAG /bin/probe" ioc chroot $kind /bin/probe
	is "$(kv_val "$OUT" pid)" 1 "$kind: chroot's command is PID 1 of its own PID namespace"
	is "$(kv_val "$OUT" hostname)" "$u" "$kind: chroot's command sees the jail's hostname"
	is "$(kv_val "$OUT" seccomp)" 2 "$kind: chroot's command runs under the seccomp filter"
	is "$(bit "$(kv_val "$OUT" cap_bnd)" 21)" 0 "$kind: chroot's command lacks CAP_SYS_ADMIN"
	fails -m "$kind: chroot returns the command's status (4)" 4 \
		ioc chroot $kind /bin/sh -c 'exit 4'
	ok -m "$kind: chroot -U nobody2" ioc chroot -U nobody2 $kind /bin/probe
	is "$(kv_val "$OUT" uid)" 1234 "$kind: chroot -U nobody2 runs as uid 1234"
	is "$(state_of $kind)" down "$kind: chroot did not start the jail"
	cleaned "$u" "$kind after chroot"
done

uth=$(uuid_of thick)
[ -n "$uth" ] || bail_out "no thick jail to go on with"

# =============================================================================================
# The caller's environment stays outside (exec_clean=1); stdin reaches the command.
ok -m "start thick" ioc start thick
run env IOC_LEAK=secret "$IOCAGE_BIN" exec thick /bin/env
is "$RC" 0 "exec env exits 0"
unlike "$OUT" 'IOC_LEAK' "exec_clean: the caller's environment does not reach the jail"
like "$OUT" '^PATH=/' "exec sets a PATH"
like "$OUT" '^HOME=/root$' "exec sets HOME to root's home in the jail"
is "$(printf 'from-stdin\n' | ioc exec thick /bin/cat 2>&1)" from-stdin \
	"exec passes its stdin to the command"
if hu=$(id -u nobody 2>/dev/null); then
	ok -m "exec -u nobody (a host user)" ioc exec -u nobody thick /bin/probe
	is "$(kv_val "$OUT" uid)" "$hu" "exec -u nobody runs as the host's uid for nobody ($hu)"
else
	skip "exec -u nobody" "the host has no user nobody"
fi
fails -m "exec -u nosuchhostuser" 1 ioc exec -u nosuchhostuser thick /bin/true
like "$ERR" nosuchhostuser "exec -u nosuchhostuser says which user"
fails -m "exec in a jail that does not exist" 1 ioc exec nosuchjail /bin/true
fails -m "exec of an empty command is a usage error" 2 ioc exec thick ''
like "$ERR" 'the command is empty' "exec '' says the command is empty"

# ---------------------------------------------------------------------------------------------
# exec finds a running jail from its run record (/run/iocage/jails): the record names the
# jail's tag, store and fence; the seccomp filter it started under is kept beside it; a tag
# index leads from the tag to the uuid. A hex-only tag or a UUID prefix goes through the store.
rec=$(state_file "$uth")
rec_text=$(cat "$rec")
like "$rec_text" '^[0-9]+ [0-9]+$' "run record: line 1 is 'PID STARTTIME'"
like "$rec_text" '^tag=thick$' "run record: the jail's tag"
like "$rec_text" '^store=(zfs|dir)\.' "run record: the jail's store"
like "$rec_text" '^policy=[0-9]+$' "run record: the jail's fence (policy bits)"
ok -m "run record: the seccomp filter beside it" test -s "$rec.bpf"
is "$(($(stat -c %s "$rec.bpf") % 8))" 0 "run record: the filter is whole BPF instructions"
store_key=$(sed -n 's/^store=//p' "$rec")
is "$(cat "/run/iocage/jails/$store_key.thick" 2>/dev/null)" "$uth" "the tag index leads to the uuid"
ok -m "exec by full UUID" ioc exec "$uth" /bin/hostname
is "$OUT" "$uth" "exec by full UUID runs in that jail"
ok -m "exec by a UUID prefix (through the store)" ioc exec "${uth:0:13}" /bin/hostname
is "$OUT" "$uth" "exec by a UUID prefix runs in that jail"
# A tag of hex digits could be a UUID prefix too: only the store can tell.
ok -m "set tag=cafe on the running jail" ioc set tag=cafe thick
ok -m "exec cafe (a hex-only tag)" ioc exec cafe /bin/hostname
is "$OUT" "$uth" "exec by a hex-only tag runs in that jail"
ok -m "set tag=thick2 on the running jail" ioc set tag=thick2 cafe
like "$(cat "$rec")" '^tag=thick2$' "set tag= renews the running jail's record"
ok -m "the new tag is in the index" test -e "/run/iocage/jails/$store_key.thick2"
ok -m "the old tags are not" test ! -e "/run/iocage/jails/$store_key.thick" -a ! -e "/run/iocage/jails/$store_key.cafe"
ok -m "exec by the new tag" ioc exec thick2 /bin/hostname
is "$OUT" "$uth" "exec by the new tag runs in that jail"
fails -m "exec by the old tag" 1 ioc exec thick /bin/true
like "$ERR" "no jail named 'thick'" "exec by the old tag: no such jail"
ok -m "set tag=thick back" ioc set tag=thick thick2
# The fence is the one the jail started with: a property changed later counts at the next start.
ok -m "exec the probe" ioc exec thick /bin/probe
cap0=$(kv_val "$OUT" cap_bnd)
ok -m "set allow_raw_sockets=1 on the running jail" ioc set allow_raw_sockets=1 thick
ok -m "exec the probe" ioc exec thick /bin/probe
is "$(kv_val "$OUT" cap_bnd)" "$cap0" "exec keeps the capability set the jail started with"
is "$(bit "$(kv_val "$OUT" cap_bnd)" 13)" 0 "no CAP_NET_RAW before a restart"
ok -m "set allow_raw_sockets=0" ioc set allow_raw_sockets=0 thick
# A damaged filter file: exec refuses; it never runs a command without the jail's filter.
cp "$rec.bpf" "$T_TMP/bpf.saved"
printf 'xyz' >"$rec.bpf"
fails -m "exec with a damaged filter file" 1 ioc exec thick /bin/sh -c 'echo RAN'
like "$ERR" 'not a seccomp filter' "exec says the filter file is damaged"
unlike "$OUT" RAN "the command did not run"
cp "$T_TMP/bpf.saved" "$rec.bpf"
# A record written by an earlier release (line 1 only): exec builds the fence from the
# properties, as that release did.
cp "$rec" "$T_TMP/rec.saved"
head -n1 "$T_TMP/rec.saved" >"$rec"
ok -m "exec with a first-line-only record" ioc exec thick /bin/probe
is "$(kv_val "$OUT" seccomp)" 2 "first-line-only record: the command still runs under seccomp"
is "$(kv_val "$OUT" cap_bnd)" "$cap0" "first-line-only record: the same capability set"
cp "$T_TMP/rec.saved" "$rec"

# destroy and chroot refuse a running jail.
jid=$(jid_of thick)
fails -m "destroy -f of a running jail is refused" 1 ioc destroy -f thick
like "$ERR" 'running' "destroy says the jail is running"
is "$(uuid_of thick)" "$uth" "the running jail is still listed"
is "$(jid_of thick)" "$jid" "the running jail still runs (same JID)"
ok -m "the running jail's files are still there" test -x "$(jail_root "$uth")/bin/busybox"
fails -m "chroot of a running jail is refused" 1 ioc chroot thick /bin/true
like "$ERR" 'running' "chroot says the jail is running"
fails -m "chroot of an empty command is a usage error" 2 ioc chroot thick ''
is "$(jid_of thick)" "$jid" "the refused chroot left the jail as it was"

# console: login (busybox has none on PATH) falls back to a login shell.
run ptyrun -t 30 -e '[#$] ' -s 'echo $((6*7))\r' -e '\n42\r?\n' -s 'exit\r' -- "$IOCAGE_BIN" console thick
is "$RC" 0 "console: a shell on a terminal, 'echo \$((6*7))' answers 42, exit ends it"
[ "$RC" = 0 ] || diag "transcript:" "$OUT" "$ERR"
run ptyrun -t 30 -e '[#$] ' -s '/bin/probe\r' -e '\nseccomp=' -s 'exit\r' -- "$IOCAGE_BIN" console thick
like "$OUT" "^hostname=$uth\$" "console: the shell runs in the jail (its hostname)"
like "$OUT" '^seccomp=2$' "console: the shell runs under the seccomp filter"
ok -m "stop thick" ioc stop thick
fails -m "console of a stopped jail without -f" 1 ioc console thick
run ptyrun -t 30 -e '[#$] ' -s 'echo $((6*7))\r' -e '\n42\r?\n' -s 'exit\r' -- "$IOCAGE_BIN" console -f thick
is "$RC" 0 "console -f starts the stopped jail and gives a shell"
[ "$RC" = 0 ] || diag "transcript:" "$OUT" "$ERR"
is "$(state_of thick)" up "console -f left the jail running"
ok -m "stop thick" ioc stop thick

# =============================================================================================
# ALL: start ALL starts those not running (one already is), stop ALL stops all.
ok -m "start thin" ioc start thin
ok -m "start ALL (thin already runs)" ioc start ALL
is "$(printf '%s\n' "$OUT" | grep -c '^\* Starting ')" 2 "start ALL started the two stopped jails"
is "$(list_rows | awk -F'\t' '$4 != "up"' | wc -l)" 0 "every jail is up after start ALL"
ok -m "exec ALL /bin/hostname" ioc exec ALL /bin/hostname
for t in thick thin base; do
	like "$OUT" "^$(uuid_of $t)\$" "exec ALL ran in $t"
done
fails -m "exec ALL returns a failing command's status" 7 ioc exec ALL /bin/sh -c 'exit 7'
ok -m "stop ALL" ioc stop ALL
is "$(printf '%s\n' "$OUT" | grep -c '^\* Stopping ')" 3 "stop ALL stopped three jails"
is "$(list_rows | awk -F'\t' '$4 != "down" || $1 != "-"' | wc -l)" 0 \
	"every jail is down with JID - after stop ALL"
ok -m "stop ALL when nothing runs" ioc stop ALL

# =============================================================================================
# exec_start: its output (and nothing of the caller's fds) goes to the console log.
ok -m "create logj" ioc create -c release=R tag=logj
ul=$(uuid_of logj)
ok -m "set exec_start to an echo and the probe" \
	ioc set 'exec_start=/bin/sh -c "echo hello-from-rc; /bin/probe"' logj
ok -m "start logj (the caller holds fds 7 and 9)" ioc start logj 7</etc/hostname 9</etc/passwd
like "$OUT" '^  \+ exec_start OK$' "start reports exec_start OK"
log=$(cat "$(console_log "$ul")" 2>&1)
like "$log" '^hello-from-rc$' "exec_start's output is in $ul-console.log in the log dataset"
like "$log" '^fds=0,1,2$' "exec_start holds only fds 0,1,2 (not the caller's)"
like "$log" "^hostname=$ul\$" "exec_start runs in the jail (its hostname)"
like "$log" '^seccomp=2$' "exec_start runs under the seccomp filter"
unlike "$OUT" 'hello-from-rc' "exec_start's output is not on start's stdout"
# exec_stop runs in the jail, its output to the log; stop_timeout bounds a process that
# ignores SIGTERM.
ok -m "set exec_stop to an echo" ioc set 'exec_stop=/bin/sh -c "echo bye-from-stop"' logj
ok -m "set stop_timeout=1" ioc set stop_timeout=1 logj
ok -m "exec leaves a process that ignores SIGTERM" ioc exec logj /bin/sh -c \
	'trap "" TERM; /bin/sleep 1000 </dev/null >/dev/null 2>&1 &'
is "$(procs_of_jail "$ul" | wc -l)" 2 "the jail's cgroup holds init and the stubborn sleep"
jid=$(jid_of logj)
t0=$(date +%s.%N)
ok -m "stop logj" ioc stop logj
t1=$(date +%s.%N)
is "$OUT" "* Stopping $ul (logj)
  + exec_stop OK
  + terminate OK
  + kill OK
  + cgroup OK" "stop shows exec_stop before terminate"
like "$(cat "$(console_log "$ul")")" '^bye-from-stop$' "exec_stop's output is in the console log"
note "stop with a process ignoring SIGTERM, stop_timeout=1: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s"
ok -m "stop waited about stop_timeout for the stubborn process (>= 0.9s)" \
	awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 0.9) }'
ok -m "the init is gone" wait_gone "$jid" 5
cleaned "$ul" "logj after stop with a process ignoring SIGTERM"

# exec_start's default (/bin/sh /etc/rc) is skipped when the jail has no /etc/rc.
ok -m "create norc" ioc create -c release=R tag=norc
unr=$(uuid_of norc)
rm -f "$(jail_root "$unr")/etc/rc"
ok -m "start a jail without /etc/rc" ioc start norc
is "$OUT" "* Starting $unr (norc)
  + mount OK
  + cgroup OK
  + namespaces OK" "without /etc/rc the default exec_start is skipped (no exec_start step)"
is "$(state_of norc)" up "the jail without /etc/rc runs (idles under its init)"
ok -m "stop norc" ioc stop norc

# exec_timeout: an exec_start that never returns fails the start, which unwinds everything.
ok -m "create slow" ioc create -c release=R tag=slow
us=$(uuid_of slow)
ok -m "set exec_start=/bin/sleep 100 exec_timeout=2" ioc set 'exec_start=/bin/sleep 100' exec_timeout=2 slow
t0=$(date +%s)
fails -m "start with an exec_start that outlives exec_timeout fails" 1 ioc start slow
t1=$(date +%s)
like "$OUT" '^  \+ exec_start FAILED$' "start reports exec_start FAILED"
like "$ERR" '^iocage: start: ' "start says why it failed"
note "the timed-out start took $((t1 - t0))s"
is "$(state_of slow)" down "the jail is down after the timed-out start"
is "$(jid_of slow)" - "JID - after the timed-out start"
cleaned "$us" "after the timed-out start"
ok -m "set exec_start=none" ioc set exec_start=none slow
ok -m "the jail starts once exec_start is fixed" ioc start slow
unlike "$OUT" 'exec_start' "with exec_start=none start shows no exec_start step"
ok -m "stop slow" ioc stop slow

# =============================================================================================
# Host hooks: run by /bin/sh on the host with IOCAGE_UUID, _TAG, _JAIL_PATH, _JID.
ok -m "create hooks" ioc create -c release=R tag=hooks
uh=$(uuid_of hooks)
hook_out=$T_TMP/hooks.out
cat >"$T_TMP/hook.sh" <<EOF
echo "\$1 uuid=\$IOCAGE_UUID tag=\$IOCAGE_TAG path=\$IOCAGE_JAIL_PATH jid=\$IOCAGE_JID mnt=\$(readlink /proc/self/ns/mnt)" >>$hook_out
EOF
ok -m "set the four host hooks" ioc set "exec_prestart=/bin/sh $T_TMP/hook.sh prestart" \
	"exec_poststart=/bin/sh $T_TMP/hook.sh poststart" \
	"exec_prestop=/bin/sh $T_TMP/hook.sh prestop" \
	"exec_poststop=/bin/sh $T_TMP/hook.sh poststop" hooks
ok -m "start hooks" ioc start hooks
is "$OUT" "* Starting $uh (hooks)
  + exec_prestart OK
  + mount OK
  + cgroup OK
  + namespaces OK
  + exec_start OK
  + exec_poststart OK" "start shows exec_prestart first and exec_poststart last"
jid=$(jid_of hooks)
hroot=$(jail_root "$uh")
pre=$(grep '^prestart ' "$hook_out")
like "$pre" " uuid=$uh " "exec_prestart ran with IOCAGE_UUID"
like "$pre" " tag=hooks " "exec_prestart ran with IOCAGE_TAG"
like "$pre" " path=$hroot " "exec_prestart ran with IOCAGE_JAIL_PATH = the jail's root"
like "$pre" " mnt=$(re_quote "$host_mnt")\$" "exec_prestart ran on the host (the host's mount namespace)"
like "$(grep '^poststart ' "$hook_out")" " jid=$jid " "exec_poststart ran with IOCAGE_JID = the JID"
ok -m "stop hooks" ioc stop hooks
is "$OUT" "* Stopping $uh (hooks)
  + exec_prestop OK
  + terminate OK
  + kill OK
  + cgroup OK
  + exec_poststop OK" "stop shows exec_prestop first and exec_poststop last"
like "$(grep '^prestop ' "$hook_out")" " jid=$jid " "exec_prestop ran with IOCAGE_JID"
like "$(grep '^poststop ' "$hook_out")" " uuid=$uh " "exec_poststop ran"
is "$(cut -d' ' -f1 "$hook_out" | tr '\n' ' ')" "prestart poststart prestop poststop " \
	"the hooks ran once each, in order"
ok -m "set exec_prestart='exit 1'" ioc set 'exec_prestart=exit 1' hooks
fails -m "a failing exec_prestart fails the start" 1 ioc start hooks
like "$OUT" '^  \+ exec_prestart FAILED$' "start reports exec_prestart FAILED"
unlike "$OUT" 'namespaces' "nothing ran after the failed exec_prestart"
is "$(state_of hooks)" down "the jail is down after the failed exec_prestart"
cleaned "$uh" "after the failed exec_prestart"

# =============================================================================================
# resolver, host_hostname, host_domainname; ip4=inherit shares the host's netns (inode only).
ok -m "create names" ioc create -c release=R tag=names
un=$(uuid_of names)
ok -m "set resolver, host_hostname, host_domainname" ioc set \
	'resolver=nameserver 192.0.2.53; search example.test' host_hostname=jailhost \
	host_domainname=example.test names
ok -m "start names" ioc start names
is "$(ioc exec names /bin/cat /etc/resolv.conf 2>&1)" "nameserver 192.0.2.53
search example.test" "resolver= becomes the jail's /etc/resolv.conf, ';' between lines, spaces around them dropped"
run ioc exec names /bin/probe
is "$(kv_val "$OUT" hostname)" jailhost "host_hostname sets the jail's hostname"
is "$(kv_val "$OUT" domainname)" example.test "host_domainname sets the jail's domain name"
is "$(rt_val names hostname)" jailhost "runtime shows hostname=jailhost"
is "$(rt_val names uuid)" "$un" "runtime shows the jail's uuid"
is "$(uname -n)" "$host_uts" "the host's hostname is unchanged"
ok -m "stop names" ioc stop names
if [ -f /etc/resolv.conf ]; then
	ok -m "set resolver=none ip4=inherit" ioc set resolver=none ip4=inherit names
	ok -m "start names (resolver=none, ip4=inherit)" ioc start names
	is "$(ioc exec names /bin/cat /etc/resolv.conf 2>&1)" "$(cat /etc/resolv.conf)" \
		"resolver=none copies the host's /etc/resolv.conf"
else
	ok -m "set ip4=inherit" ioc set ip4=inherit names
	ok -m "start names (ip4=inherit)" ioc start names
	skip "resolver=none copies the host's /etc/resolv.conf" "the host has none"
fi
is "$(rt_val names ns.net)" "$host_net" "ip4=inherit: the jail's netns is the host's"
is "$(rt_val names network)" host "ip4=inherit: runtime says network=host"
isnt "$(rt_val names ns.uts)" "$(readlink /proc/self/ns/uts)" "ip4=inherit: still its own UTS ns"
ok -m "stop names" ioc stop names

# =============================================================================================
# The init killed from outside: list shows down, the next start works.
ok -m "start thick" ioc start thick
jid=$(jid_of thick)
ok -m "kill -9 the init (JID $jid) from the host" kill -9 "$jid"
ok -m "the init dies" wait_gone "$jid" 5
is "$(state_of thick)" down "list shows down after the init was killed"
is "$(jid_of thick)" - "list shows JID - after the init was killed"
fails -m "exec into the dead jail" 1 ioc exec thick /bin/true
# Renamed while its record is stale: the next start drops the index entry of the old tag too.
ok -m "rename the dead jail" ioc set tag=thickr thick
fails -m "exec by the old tag" 1 ioc exec thick /bin/true
ok -m "start after the init was killed (renamed)" ioc start thickr
ok -m "stop thickr" ioc stop thickr
ok -m "rename it back" ioc set tag=thick thickr
is "$(grep -lx "$uth" /run/iocage/jails/*.* 2>/dev/null)" "" "no tag index entry is left for it"
ok -m "start after the init was killed" ioc start thick
jid2=$(jid_of thick)
like "$jid2" '^[0-9]+$' "a JID after the new start"
isnt "$jid2" "$jid" "a new init"
ok -m "exec works after the new start" ioc exec thick /bin/true
is "$(procs_of_jail "$uth" | tr '\n' ' ')" "$jid2 " "only the new init is in the jail's cgroup"
ok -m "stop thick" ioc stop thick
cleaned "$uth" "thick after kill -9 and a new start"

# =============================================================================================
# 20 parallel starts of one jail: exactly one wins, one init runs.
ok -m "create par" ioc create -c release=R tag=par
up=$(uuid_of par)
pids=()
for i in $(seq 1 20); do
	(
		"$IOCAGE_BIN" start par >"$T_TMP/par.$i.out" 2>&1 </dev/null
		echo $? >"$T_TMP/par.$i.rc"
	) &
	pids+=($!)
done
wait "${pids[@]}"
is "$(cat "$T_TMP"/par.*.rc | grep -cx 0)" 1 "exactly one of 20 parallel starts exits 0"
is "$(cat "$T_TMP"/par.*.rc | grep -cx 1)" 19 "the other 19 exit 1"
is "$(grep -l 'is already running' "$T_TMP"/par.*.out | wc -l)" 19 \
	"the 19 losers say the jail is already running"
jid=$(jid_of par)
like "$jid" '^[0-9]+$' "par is up"
is "$(procs_of_jail "$up" | tr '\n' ' ')" "$jid " "the jail's cgroup holds exactly one process, the init"
n_inits=0
for p in $(procs_of_jail "$up"); do
	[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$MEMFD" ] && n_inits=$((n_inits + 1))
done
is "$n_inits" 1 "exactly one init runs for the jail"
sleep 1
is "$(rt_val par jid)" "$jid" "runtime's jid is stable"
is "$(jid_of par)" "$jid" "list's JID is stable"
ok -m "stop par" ioc stop par
cleaned "$up" "par after stop"

# =============================================================================================
# rcboot / rcshutdown: boot=on jails by priority, ascending then descending.
for pr in 30 10 20; do
	ok -m "create rc$pr boot=on priority=$pr" ioc create -c release=R tag=rc$pr boot=on priority=$pr
done
ok -m "rcboot" ioc rcboot
is "$(printf '%s\n' "$OUT" | sed -n 's/^\* Starting .* (\(.*\))$/\1/p' | tr '\n' ' ')" \
	"rc10 rc20 rc30 " "rcboot starts the boot=on jails by priority: 10, 20, 30"
for pr in 10 20 30; do
	is "$(state_of rc$pr)" up "rc$pr is up after rcboot"
done
is "$(state_of thick)" down "rcboot leaves a boot=off jail alone"
ok -m "start thick (boot=off)" ioc start thick
ok -m "rcshutdown" ioc rcshutdown
is "$(printf '%s\n' "$OUT" | sed -n 's/^\* Stopping .* (\(.*\))$/\1/p' | tr '\n' ' ')" \
	"rc30 rc20 rc10 " "rcshutdown stops them in reverse: 30, 20, 10"
for pr in 10 20 30; do
	is "$(state_of rc$pr)" down "rc$pr is down after rcshutdown"
done
is "$(state_of thick)" up "rcshutdown leaves a running boot=off jail running"
ok -m "stop thick" ioc stop thick

# =============================================================================================
# The end: everything stopped, nothing of the runtime left for this test's jails.
is "$(list_rows | awk -F'\t' '$4 != "down" || $1 != "-"' | wc -l)" 0 "every jail is down"
left=
for u in $(listed_uuids); do
	[ ! -e "$(state_file "$u")" ] || left+=" state:$u"
	[ -z "$(cgroup_dirs_of "$u")" ] || left+=" cgroup:$u"
	[ -z "$(procs_of_jail "$u")" ] || left+=" procs:$u"
done
is "$left" "" "no state file, cgroup directory or process left for any of the test's jails"
is "$(unlisted_leftovers)" "" "the store holds nothing but listed jails"

done_testing
