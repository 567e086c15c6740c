#!/usr/bin/env bash
# Attacks on the runtime (issue #3), each check named after the attack it replays: symlinks in the
# jail's root aimed at the host (resolv.conf, hostname, /etc, /proc, /dev, /dev/null), root in
# the jail against the kernel (sysctls, sysrq, /sys, modules, mount, mknod, namespaces, keyrings,
# open_by_handle_at, bpf, capabilities, /dev), TIOCSTI into the caller's terminal, the host
# binary through /proc/PID/exe (CVE-2019-5736), cgroup release_agent (CVE-2022-0492).
. "$(dirname "$0")/lib.sh"

setup_probe_release

bin_sum=$(sha256sum <"$IOCAGE_BIN")
etc_hostname_sum=$(sha256sum </etc/hostname)
etc_passwd_sum=$(sha256sum </etc/passwd)
core_pattern=$(cat /proc/sys/kernel/core_pattern)
host_uts=$(uname -n)
mounts0=$(host_mounts)
MEMFD='/memfd:iocage-init (deleted)'

# =============================================================================================
# Symlinks in the jail's root aimed at the host: whatever start does, the host is untouched.

# --- /etc/resolv.conf -> a host file (absolute, then by ../) ---
victim=$T_TMP/victim-resolv.conf
printf 'host file: must stay as it is\n' >"$victim"
vsum=$(sha256sum <"$victim")
ok -m "create a jail (resolver set)" ioc create release=R tag=lres 'resolver=nameserver 192.0.2.1'
r=$(jail_root "$(uuid_of lres)")
rm -f "$r/etc/resolv.conf"
ln -s "$victim" "$r/etc/resolv.conf"
what="symlink escape: /etc/resolv.conf -> host file $victim"
if try_start lres "$what"; then
	ok -m "$what: the jail runs commands" ioc exec lres /bin/true
fi
is "$(sha256sum <"$victim")" "$vsum" "$what: the host file is untouched"
stop_if_up lres
rm -f "$r/etc/resolv.conf"
ln -s "../../../../../../../../../../../..$victim" "$r/etc/resolv.conf"
what="symlink escape: /etc/resolv.conf -> ../../..$victim"
try_start lres "$what"
is "$(sha256sum <"$victim")" "$vsum" "$what: the host file is untouched"
stop_if_up lres

# --- /etc/hostname -> a host file ---
victim2=$T_TMP/victim-hostname
printf 'host-hostname-file\n' >"$victim2"
vsum2=$(sha256sum <"$victim2")
ok -m "create a jail (host_hostname set)" ioc create release=R tag=lhost host_hostname=pwned-host
r=$(jail_root "$(uuid_of lhost)")
rm -f "$r/etc/hostname"
ln -s "$victim2" "$r/etc/hostname"
what="symlink escape: /etc/hostname -> host file $victim2"
try_start lhost "$what"
is "$(sha256sum <"$victim2")" "$vsum2" "$what: the host file is untouched"
is "$(sha256sum </etc/hostname)" "$etc_hostname_sum" "$what: the host's /etc/hostname is untouched"
stop_if_up lhost

# --- /etc -> a host directory ---
hostetc=$T_TMP/hostetc
mkdir -p "$hostetc"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$hostetc/passwd"
printf 'root:x:0:\n' >"$hostetc/group"
printf 'host resolv.conf\n' >"$hostetc/resolv.conf"
printf 'hostetc-hostname\n' >"$hostetc/hostname"
etcsum=$(tree_sum "$hostetc")
ok -m "create a jail for /etc attacks" ioc create release=R tag=letc host_hostname=pwned-etc \
	'resolver=nameserver 192.0.2.2'
r=$(jail_root "$(uuid_of letc)")
mv "$r/etc" "$r/etc.real"
ln -s "$hostetc" "$r/etc"
what="symlink escape: /etc -> host directory $hostetc"
try_start letc "$what"
is "$(tree_sum "$hostetc")" "$etcsum" "$what: the host directory is untouched"
stop_if_up letc
rm -f "$r/etc"
ln -s "../../../../../../../../../../../..$hostetc" "$r/etc"
what="symlink escape: /etc -> ../../..$hostetc"
try_start letc "$what"
is "$(tree_sum "$hostetc")" "$etcsum" "$what: the host directory is untouched"
stop_if_up letc
rm -f "$r/etc"
mv "$r/etc.real" "$r/etc"

# --- /proc -> /etc (a mount through the link would land on the host's /etc) ---
ok -m "create a jail whose /proc is a symlink to /etc" ioc create release=R tag=lproc
up=$(uuid_of lproc)
r=$(jail_root "$up")
rmdir "$r/proc"
ln -s /etc "$r/proc"
what="symlink attack: /proc -> /etc"
if try_start lproc "$what"; then
	is "$(mounts_gained)" "" "$what: the host gains no mount while the jail runs"
	is "$(ioc exec lproc /bin/probe stat /proc/self 2>&1 | head -n1)" type=lnk \
		"$what: the jail's /proc works (/proc/self is its magic link)"
	is "$(ioc exec lproc /bin/sh -c 'cat /proc/1/status' 2>&1 | awk '/^Pid:/ { print $2 }')" 1 \
		"$what: the jail's /proc is the jail's own procfs"
fi
is "$(sha256sum </etc/hostname)" "$etc_hostname_sum" "$what: the host's /etc/hostname is untouched"
is "$(sha256sum </etc/passwd)" "$etc_passwd_sum" "$what: the host's /etc/passwd is untouched"
is "$(findmnt -n -o TARGET --mountpoint /etc 2>/dev/null)" "" "$what: nothing is mounted on the host's /etc"
stop_if_up lproc
is "$(mounts_gained)" "" "$what: the host gained no mount"
rm -f "$r/proc"
ln -s ../../../../../../../../../../etc "$r/proc"
what="symlink attack: /proc -> ../../../etc"
try_start lproc "$what" && is "$(mounts_gained)" "" "$what: the host gains no mount while the jail runs"
is "$(sha256sum </etc/hostname)" "$etc_hostname_sum" "$what: the host's /etc/hostname is untouched"
stop_if_up lproc
rm -f "$r/proc"
mkdir "$r/proc"

# --- /dev -> a host directory (device nodes must not be made there) ---
hostdev=$T_TMP/hostdev
mkdir -p "$hostdev"
ok -m "create a jail whose /dev is a symlink to a host directory" ioc create release=R tag=ldev
r=$(jail_root "$(uuid_of ldev)")
rmdir "$r/dev"
ln -s "$hostdev" "$r/dev"
what="symlink attack: /dev -> host directory $hostdev"
if try_start ldev "$what"; then
	is "$(ioc exec ldev /bin/probe stat /dev/null 2>&1 | head -n2 | tr '\n' ' ')" "type=chr rdev=1,3 " \
		"$what: the jail's /dev/null is the null device"
fi
is "$(find "$hostdev" -mindepth 1 | head -n5)" "" "$what: nothing was made in the host directory"
is "$(mounts_gained)" "" "$what: the host gained no mount"
stop_if_up ldev

# --- /dev/null -> a file (CVE-2025-31133 shape: masking /proc paths with "/dev/null") ---
ok -m "create a jail whose /dev/null is a symlink" ioc create release=R tag=lnull
un=$(uuid_of lnull)
r=$(jail_root "$un")
printf 'root:jail-secret-hash:19000:0:99999:7:::\n' >"$r/etc/shadow"
chmod 0600 "$r/etc/shadow"
shsum=$(sha256sum <"$r/etc/shadow")
rm -f "$r/dev/null"
ln -s /etc/shadow "$r/dev/null"
what="CVE-2025-31133: /dev/null -> /etc/shadow in the jail"
if try_start lnull "$what"; then
	run ioc exec lnull /bin/probe stat /dev/null
	is "$(kv_val "$OUT" type) $(kv_val "$OUT" rdev)" "chr 1,3" \
		"$what: the jail's /dev is fresh: /dev/null is the char device 1,3"
	ok -m "$what: writing to /dev/null in the jail" ioc exec lnull /bin/sh -c 'echo pwned >/dev/null'
	is "$(sha256sum <"$r/etc/shadow")" "$shsum" "$what: the jail's /etc/shadow is unchanged"
	is "$(ioc exec lnull /bin/cat /etc/shadow 2>&1)" "$(cat "$r/etc/shadow")" \
		"$what: the jail's /etc/shadow is not masked or replaced"
	run ioc exec lnull /bin/probe read /proc/kcore
	unlike "$OUT" '^read=ok:[1-9]' "$what: /proc/kcore gives nothing (masked)"
fi
stop_if_up lnull
rm -f "$r/dev/null"
ln -s /proc/sys/kernel/core_pattern "$r/dev/null"
what="CVE-2025-31133: /dev/null -> /proc/sys/kernel/core_pattern"
if try_start lnull "$what"; then
	run ioc exec lnull /bin/probe stat /dev/null
	is "$(kv_val "$OUT" type) $(kv_val "$OUT" rdev)" "chr 1,3" "$what: /dev/null is the char device 1,3"
	run ioc exec lnull /bin/probe rewrite /proc/sys/kernel/core_pattern
	unlike "$OUT" '^rewrite=ok$' "$what: /proc/sys/kernel/core_pattern cannot be written"
	run ioc exec lnull /bin/probe read /proc/kcore
	unlike "$OUT" '^read=ok:[1-9]' "$what: /proc/kcore gives nothing (masked)"
fi
is "$(cat /proc/sys/kernel/core_pattern)" "$core_pattern" "$what: the host's core_pattern is unchanged"
stop_if_up lnull

# The same from the release: a release whose /dev/null is a symlink to its /etc/shadow, and a
# thin jail (which shares the release's files) made from it.
python3 - "$(busybox_tarball)" "$T_TMP/devnull.tar" <<'PY'
import io, shutil, sys, tarfile, time
src, dst = sys.argv[1:3]
shutil.copyfile(src, dst)
with tarfile.open(dst, "a") as t:
    data = b"root:release-secret-hash:19000:0:99999:7:::\n"
    ti = tarfile.TarInfo("./etc/shadow"); ti.size = len(data); ti.mode = 0o600
    ti.mtime = int(time.time()); t.addfile(ti, io.BytesIO(data))
    ti = tarfile.TarInfo("./dev/null"); ti.type = tarfile.SYMTYPE; ti.linkname = "/etc/shadow"
    ti.mode = 0o777; ti.mtime = int(time.time()); t.addfile(ti)
PY
ok -m "fetch a release whose /dev/null is a symlink to /etc/shadow" \
	ioc fetch -F "$T_TMP/devnull.tar" release=RNULL
ok -m "the release holds the /dev/null symlink" test -L "$(release_root RNULL)/dev/null"
ok -m "create a thin jail from it" ioc create -c release=RNULL tag=lnullrel
r=$(jail_root "$(uuid_of lnullrel)")
shsum=$(sha256sum <"$r/etc/shadow")
what="CVE-2025-31133: the release's /dev/null -> /etc/shadow"
if try_start lnullrel "$what"; then
	run ioc exec lnullrel /bin/probe stat /dev/null
	is "$(kv_val "$OUT" type) $(kv_val "$OUT" rdev)" "chr 1,3" "$what: /dev/null is the char device 1,3"
	ok -m "$what: writing to /dev/null in the jail" ioc exec lnullrel /bin/sh -c 'echo pwned >/dev/null'
	is "$(ioc exec lnullrel /bin/cat /etc/shadow 2>&1)" "$(cat "$r/etc/shadow")" \
		"$what: the jail's /etc/shadow reads as it was"
fi
is "$(sha256sum <"$r/etc/shadow")" "$shsum" "$what: the jail's /etc/shadow is unchanged"
stop_if_up lnullrel

# =============================================================================================
# Root in the jail against the kernel.
ok -m "create the jail atk" ioc create release=R tag=atk || bail_out "no jail: $ERR"
ua=$(uuid_of atk)
ra=$(jail_root "$ua")
ok -m "start atk" ioc start atk || bail_out "cannot start a jail: $ERR"

# pr ARGS...: run the probe in atk; OUT is its output.
pr() {
	run ioc exec atk /bin/probe "$@"
	[ "$RC" = 0 ] || diag "probe $* exited $RC: $ERR"
}
# refused KEY NAME: the probe's KEY= is not "ok" (and there is one).
refused() {
	local v
	v=$(kv_val "$OUT" "$1")
	if [ -n "$v" ] && [ "$v" != ok ]; then
		pass "$2 ($1=$v)"
	else
		fail "$2"
		diag "probe output:" "$OUT" "stderr: $ERR"
	fi
}

pr write /proc/sys/kernel/hostname pwned
refused write "sysctl: root in the jail cannot write /proc/sys/kernel/hostname"
pr
is "$(kv_val "$OUT" hostname)" "$ua" "sysctl: the jail's hostname is unchanged"
pr rewrite /proc/sys/kernel/core_pattern
refused rewrite "core_pattern escape: /proc/sys/kernel/core_pattern cannot be written"
pr rewrite /proc/sys/vm/overcommit_memory
refused rewrite "sysctl: a host-wide /proc/sys/vm setting cannot be written"
pr sysrq
refused sysrq "sysrq: writing 'h' to /proc/sysrq-trigger fails"
[ -e /proc/sysrq-trigger ] || note "the host has no /proc/sysrq-trigger: the sysrq check is weak here"
pr sysfs
refused sysfs "sysfs: root in the jail cannot write a /sys file"
run ioc exec atk /bin/cat /proc/self/mountinfo
like "$(printf '%s\n' "$OUT" | awk '$5 == "/sys" { print $6 }')" '(^|,)ro(,|$)' "sysfs: /sys is mounted read-only"
pr module
refused init_module "kernel module load: init_module fails"
refused finit_module "kernel module load: finit_module fails"
pr mount
refused mount "mount: root in the jail cannot mount a tmpfs"
pr mount proc "" /mnt
refused mount "mount: root in the jail cannot mount a second procfs"
pr mknod
refused mknod "mknod: root in the jail cannot make a block device (/tmp/sda 8,0)"
ok -m "mknod: no /tmp/sda was left" test ! -e "$ra/tmp/sda"
pr mknod-chr /tmp/mem 1 1
refused mknod "mknod: root in the jail cannot make /dev/mem's char device (1,1)"
pr unshare
refused unshare "namespaces: unshare(CLONE_NEWNS|CLONE_NEWUSER) fails (children_max=0)"
refused unshare_user "namespaces: unshare(CLONE_NEWUSER) fails (children_max=0)"
refused unshare_net "namespaces: unshare(CLONE_NEWNET) fails (children_max=0)"
refused clone_newuser "namespaces: clone(CLONE_NEWUSER) fails (children_max=0)"
pr keyctl
refused keyctl "keyring: keyctl(JOIN_SESSION_KEYRING) fails"
refused add_key "keyring: add_key fails"
pr handle
refused open_by_handle "shocker: open_by_handle_at fails"
pr bpf
refused bpf "bpf: loading a BPF program fails"
pr mkdir /sys/fs/cgroup/ioc-probe
refused mkdir "CVE-2022-0492: /sys/fs/cgroup is read-only or absent (mkdir fails)"

# Capabilities: none of those that reach past the jail.
pr
bnd=$(kv_val "$OUT" cap_bnd)
like "$bnd" '^[0-9a-f]{16}$' "the probe read CapBnd"
for c in DAC_READ_SEARCH:2 LINUX_IMMUTABLE:9 NET_ADMIN:12 NET_RAW:13 SYS_MODULE:16 SYS_RAWIO:17 \
	SYS_PTRACE:19 SYS_ADMIN:21 SYS_TIME:25 MKNOD:27 MAC_OVERRIDE:32 MAC_ADMIN:33 SYSLOG:34 \
	PERFMON:38 BPF:39; do
	is "$((16#$bnd >> ${c#*:} & 1))" 0 "capabilities: the jail's bounding set lacks CAP_${c%:*}"
done
is "$(kv_val "$OUT" cap_amb)" 0000000000000000 "capabilities: no ambient capabilities"

# /dev holds the safe set only; the jail sees its own processes only.
run ioc exec atk /bin/busybox find /dev -type b
is "$OUT" "" "devices: no block device in the jail's /dev"
run ioc exec atk /bin/busybox find /dev -type c
lines_like "$OUT" '^/dev/(null|zero|full|random|urandom|tty|console|ptmx|pts/ptmx|pts/[0-9]+)$' \
	"devices: the jail's /dev has only null, zero, full, random, urandom, tty, console, ptmx, pts"
run ioc exec atk /bin/sh -c 'ls /proc | grep -c "^[0-9]"'
like "$OUT" '^[1-5]$' "pid namespace: the jail sees only its own few processes ($OUT)"

# =============================================================================================
# CVE-2017-5226: a jail process pushes input into the caller's terminal with TIOCSTI.
mark=IOCINJ$$X
# The caller's shell prints READY after the exec, then reads a line: an injected mark would be
# what it reads.
tiocsti_script='"$0" "$@"; echo; echo READY; IFS= read -r -t 5 line; echo "after=[$line]"'
run ptyrun -t 30 -e READY -s '\r' -- bash -c "$tiocsti_script" "$probe" tiocsti "$mark"
if grep -q "^after=\[$mark" <<<"$OUT"; then
	pass "(control) TIOCSTI from a host process does inject into its terminal: the check can see it"
else
	skip "(control) TIOCSTI from a host process injects" "this host refuses TIOCSTI itself"
fi
run ptyrun -t 30 -e READY -s '\r' -- bash -c "$tiocsti_script" "$IOCAGE_BIN" exec atk /bin/probe tiocsti "$mark"
note "exec under a terminal: $(printf '%s\n' "$OUT" | grep -E '^(stdin_tty|tiocsti)=' | tr '\n' ' ')"
like "$OUT" '^after=\[\]$' "CVE-2017-5226: TIOCSTI from iocage exec does not reach the caller's terminal"
unlike "$OUT" "$mark" "CVE-2017-5226: the injected text never shows on the caller's terminal"
unlike "$OUT" '^tiocsti=ok$' "CVE-2017-5226: ioctl(TIOCSTI) fails in the jail"
run ptyrun -t 30 -e '[#$] ' -s "/bin/probe tiocsti $mark; exit\\r" -e READY -s '\r' -- \
	bash -c "$tiocsti_script" "$IOCAGE_BIN" console atk
like "$OUT" '^after=\[\]$' "CVE-2017-5226: TIOCSTI in the console does not reach the caller's terminal"
like "$OUT" '^tiocsti=' "console: the probe ran in the console"
unlike "$OUT" '^tiocsti=ok$' "CVE-2017-5226: ioctl(TIOCSTI) fails in the console"

# =============================================================================================
# CVE-2019-5736: the host's binary must never be reachable through /proc/PID/exe.
pr open-exe 1
refused open-exe "CVE-2019-5736: /proc/1/exe cannot be opened for writing"
refused reopen-exe "CVE-2019-5736: /proc/1/exe cannot be reopened for writing through an O_PATH fd"
refused write-exe "CVE-2019-5736: /proc/1/exe cannot be written"
pr exe 1
is "$OUT" "exe=$MEMFD" "CVE-2019-5736: the jail's /proc/1/exe is the sealed memfd"
pr open-exe self
refused open-exe "CVE-2019-5736: /proc/self/exe of an exec'd process cannot be opened for writing"
refused reopen-exe "CVE-2019-5736: /proc/self/exe cannot be reopened for writing through an O_PATH fd"
refused write-exe "CVE-2019-5736: /proc/self/exe cannot be written"

# A watcher in the jail looks at every process that appears while iocage enters the jail, and
# tries to open its executable for writing, directly and (after a pause, as the exploit did)
# by reopening an O_PATH descriptor; whatever opens, it writes a byte back onto itself.
ok -m "start a /proc/*/exe watcher in the jail" ioc exec atk /bin/sh -c \
	'/bin/probe watch-exe 8 >/tmp/watch.out 2>&1 </dev/null &'
sleep 0.5
n_exec=0
end=$((SECONDS + 5))
while [ "$SECONDS" -lt "$end" ]; do
	ioc exec atk /bin/true </dev/null >/dev/null 2>&1
	ioc exec -U root atk /bin/sh -c : </dev/null >/dev/null 2>&1
	n_exec=$((n_exec + 2))
done
for _ in $(seq 1 100); do
	grep -q '^watched=' "$ra/tmp/watch.out" 2>/dev/null && break
	sleep 0.1
done
watch=$(cat "$ra/tmp/watch.out" 2>&1)
seen=$(printf '%s\n' "$watch" | grep '^seen=')
like "$watch" '^watched=[1-9]' "the watcher saw processes while $n_exec execs entered the jail"
note "the watcher saw $(printf '%s\n' "$seen" | grep -c .) (pid, exe) pairs"
binpath=$(readlink -f "$IOCAGE_BIN")
unlike "$seen" " $(re_quote "$binpath") " \
	"CVE-2019-5736: no process in the jail ever shows the host's iocage binary as its exe"
lines_like "$seen" '^seen=[0-9]+ (/memfd:iocage-init \(deleted\)|/bin/[a-z]+|\(E[A-Z]+\)) ' \
	"CVE-2019-5736: every exe the jail can see is the memfd init or a file of the jail"
unlike "$seen" ' wr=ok' "CVE-2019-5736: no running executable seen in the jail opens for writing"
# (The jail's own files, /bin/busybox of a thick jail, are root's in the jail to rewrite;
# opened= names the file the descriptor really was, the process may have exec'd meanwhile.)
unlike "$(printf '%s\n' "$seen" | grep -Ev ' opened=/bin/[a-z]+$')" ' write=ok' \
	"CVE-2019-5736: no executable seen in the jail but its own files could be written"
reopened=$(printf '%s\n' "$seen" | grep -c ' reopen=ok')
[ "$reopened" = 0 ] || note "the memfd of a finished exec reopened O_WRONLY $reopened time(s); writes to it: $(printf '%s\n' "$seen" | grep ' reopen=ok' | sed 's/.* write=//' | sort | uniq -c | tr '\n' ' ')"

# '#!/proc/self/exe': the script's interpreter is the exe of the process that runs it.
printf '#!/proc/self/exe\n' >"$ra/tmp/selfexe.sh"
chmod 0755 "$ra/tmp/selfexe.sh"
run timeout 20 "$IOCAGE_BIN" exec atk /tmp/selfexe.sh
isnt "$RC" 124 "CVE-2019-5736: exec of a '#!/proc/self/exe' script ends (status $RC)"
run timeout 20 "$IOCAGE_BIN" exec atk /proc/self/exe
isnt "$RC" 124 "CVE-2019-5736: exec of /proc/self/exe itself ends (status $RC)"
is "$(sha256sum <"$IOCAGE_BIN")" "$bin_sum" "CVE-2019-5736: the host's iocage binary is unchanged"

# =============================================================================================
# CVE-2022-0492: cgroup v1 release_agent. The jail cannot mount cgroupfs; /sys/fs/cgroup is
# read-only or absent; no release_agent in the jail is writable.
pr mount cgroup memory /mnt
refused mount "CVE-2022-0492: mount -t cgroup -o memory fails"
pr mount cgroup rdma /mnt
refused mount "CVE-2022-0492: mount -t cgroup -o rdma fails"
pr mount cgroup none,name=ioctest /mnt
refused mount "CVE-2022-0492: mount -t cgroup -o none,name=X fails"
pr mount cgroup2 "" /mnt
refused mount "CVE-2022-0492: mount -t cgroup2 fails"
run ioc exec atk /bin/busybox find /sys/fs/cgroup -maxdepth 3 -name release_agent
agents=$OUT
if [ -z "$agents" ]; then
	pass "CVE-2022-0492: no release_agent is visible in the jail"
else
	for a in $agents; do
		pr rewrite "$a"
		refused rewrite "CVE-2022-0492: $a cannot be written"
	done
fi
run ioc exec atk /bin/cat /proc/self/mountinfo
like "$(printf '%s\n' "$OUT" | awk '$5 ~ /^\/sys\/fs\/cgroup/ { print $6 }' | sort -u | tr '\n' ' ')" \
	'^((ro|ro,[^ ]*) )*$' "CVE-2022-0492: every cgroup mount in the jail (if any) is read-only"

ok -m "stop atk" ioc stop atk

# =============================================================================================
# The host after all this.
is "$(sha256sum <"$IOCAGE_BIN")" "$bin_sum" "the iocage binary is unchanged"
is "$(sha256sum </etc/hostname)" "$etc_hostname_sum" "the host's /etc/hostname is unchanged"
is "$(cat /proc/sys/kernel/core_pattern)" "$core_pattern" "the host's core_pattern is unchanged"
is "$(uname -n)" "$host_uts" "the host's hostname is unchanged"
is "$(mounts_gained)" "" "the host gained no mount"
is "$(list_rows | awk -F'\t' '$4 != "down"' | wc -l)" 0 "every jail is down"
left=
for u in $(listed_uuids); do
	[ ! -e "$(state_file "$u")" ] || left+=" state:$u"
	[ -z "$(cgroup_dirs_of "$u")" ] || left+=" cgroup:$u"
	[ -z "$(procs_of_jail "$u")" ] || left+=" procs:$u"
done
is "$left" "" "no state file, cgroup directory or process left for any of the test's jails"

done_testing
