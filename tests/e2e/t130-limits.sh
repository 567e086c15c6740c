#!/usr/bin/env bash
# Resource limits (issue #5): rctl values checked by `set`; with rlimits=on a jail's limits
# hold at start and cap/uncap change them live: memoryuse (a 256 MiB allocation is killed),
# maxproc (a fork bomb stops at 20), pcpu (a busy loop measured from the cgroup's CPU usage),
# openfiles (the 65th open fails), pseudoterminals, the IPC sysctls of the jail's own
# namespace (the host's untouched), wallclock (the jail ends by itself); `limits` and `inuse`
# with -H and --json; quota on ZFS stops writes at 20 MiB, the dir backend refuses it.
# Every limit is checked by what the jail can or cannot do, and in the cgroup's own files.
. "$(dirname "$0")/lib.sh"

probe=$(probe_bin) || bail_out "cannot build tests/payload/probe.c"
[ -n "$probe" ] || bail_out "no probe"
private_binary
at_exit stop_test_jails
ok -m "fetch release R (busybox with /bin/probe)" make_busybox_release R ||
	bail_out "cannot fetch: $ERR"

# cg_dir UUID CTRL: the jail's directory that carries controller CTRL: its v1 hierarchy's, or
# the cgroup2 one when CTRL's files are there.
cg_dir() {
	local u=$1 ctrl=$2 m
	m=$(awk -v c="$ctrl" '{ for (i = 1; i <= NF; i++) if ($i == "-") break;
		if ($(i+1) == "cgroup" && ("," $(i+3) ",") ~ ("," c ",")) { print $5; exit } }' \
		/proc/self/mountinfo)
	if [ -n "$m" ] && [ -d "$m/iocage/$u" ]; then
		printf '%s\n' "$m/iocage/$u"
		return
	fi
	m=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") break;
		if ($(i+1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo)
	[ -n "$m" ] && printf '%s\n' "$m/iocage/$u"
}

# The jail's CPU time so far, in microseconds, from its cgroup.
cpu_us() {
	local d
	d=$(cg_dir "$1" cpuacct)
	if [ -f "$d/cpuacct.usage" ]; then
		echo $(($(cat "$d/cpuacct.usage") / 1000))
	else
		awk '$1 == "usage_usec" { print $2 }' "$(cg_dir "$1" cpu)/cpu.stat"
	fi
}

# limit_row TAG PROP: "VALUE<TAB>MAPPING<TAB>STATUS" of `limits -H TAG`.
limit_row() {
	ioc limits -H "$1" </dev/null | awk -F'\t' -v p="$2" '$2 == p { print $3 "\t" $4 "\t" $5 }'
}

ipc_host() {
	cat /proc/sys/kernel/msgmni /proc/sys/kernel/msgmnb /proc/sys/kernel/sem \
		/proc/sys/kernel/shmmni /proc/sys/kernel/shmall | tr '\n\t' '  '
}

has_cap_sys_resource() {
	local eff
	eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	[ $(((16#$eff >> 24) & 1)) = 1 ]
}

# =============================================================================================
# set refuses bad values, naming the valid forms.
ok -m "create jail v" ioc create -c release=R tag=v
bad() { # bad ASSIGNMENT ERE NAME
	fails 1 ioc set "$1" v
	like "$ERR" "$2" "set $1: $3"
}
bad memoryuse=lots "memoryuse: 'lots' is not a size; use VALUE:ACTION such as 512M:deny, 2G:log, or off" \
	"not a size, the forms named"
bad pcpu=250:deny "pcpu: '250' is more than $((100 * $(nproc --all))), 100 for each of the $(nproc --all) CPUs; use VALUE:ACTION such as 50:deny" \
	"above 100 per CPU, the forms named"
bad maxproc=-1 "maxproc: '-1' is not a count; use VALUE:ACTION such as 100:deny, 500:log, or off" \
	"not a count"
bad memoryuse=1G:explode "memoryuse: unknown action 'explode' \(deny, log, devctl, throttle, sigNAME\)" \
	"unknown action, the actions named"
bad maxproc=0:deny "maxproc: '0' leaves the jail nothing" "zero"
bad openfiles=64 "openfiles: '64' has no action" "no action"
is "$(ioc get memoryuse v)" "8G:log" "after the refusals memoryuse is still its default"
ok -m "set memoryuse=1G:sigterm pcpu=50:log (any action is accepted)" \
	ioc set memoryuse=1G:sigterm pcpu=50:log v
is "$(ioc get pcpu v)" "50:log" "pcpu stored as given"

# rlimits=off: nothing applies, limits says so.
run ioc limits -H v
is "$RC" 0 "limits v (rlimits=off) exits 0"
is "$(limit_row v memoryuse)" "1G:sigterm	-	not applied (rlimits=off)" \
	"rlimits=off: memoryuse is not applied, and limits says so"
is "$(limit_row v maxproc)" "off	-	off" "an off limit reads off"
ok -m "set rlimits=on" ioc set rlimits=on v
is "$(limit_row v memoryuse | cut -f3)" "recorded, not enforced (sigterm)" \
	"rlimits=on, action sigterm: recorded, not enforced"

# =============================================================================================
# memoryuse=64M:deny: a 256 MiB allocation is killed or refused; the host and the jail live on.
ok -m "create jail m (rlimits=on memoryuse=64M:deny)" \
	ioc create -c release=R tag=m rlimits=on memoryuse=64M:deny
u=$(uuid_of m)
ok -m "start m" ioc start m
like "$OUT" '^  \+ limits OK$' "start prints the limits step"
mem_dir=$(cg_dir "$u" memory)
if [ -f "$mem_dir/memory.limit_in_bytes" ]; then
	is "$(cat "$mem_dir/memory.limit_in_bytes")" 67108864 "v1: memory.limit_in_bytes is 64 MiB"
	mapping="memory.limit_in_bytes=67108864"
else
	is "$(cat "$mem_dir/memory.max")" 67108864 "v2: memory.max is 64 MiB"
	mapping="memory.max=67108864"
fi
is "$(limit_row m memoryuse)" "64M:deny	$mapping	enforced" \
	"limits m: memoryuse maps to $mapping, enforced"
run ioc exec m /bin/probe alloc 256
ok -m "the 256 MiB allocation was killed or refused (status $RC, $OUT)" \
	test "$RC" = 137 -o "${OUT#alloc=ENOMEM}" != "$OUT"
unlike "$OUT" '^alloc=ok' "it never got its 256 MiB"
is "$(state_of m)" up "the jail is still up"
ok -m "16 MiB still fit" ioc exec m /bin/probe alloc 16
is "$OUT" "alloc=ok:16" "probe alloc 16 in m"
ok -m "the host allocates 256 MiB meanwhile" "$probe" alloc 256

# =============================================================================================
# maxproc=20:deny by cap on the running jail, uncap, cap again.
ok -m "set maxproc=20:deny m (running)" ioc set maxproc=20:deny m
run ioc limits -H m
like "$(limit_row m maxproc)" $'^20:deny\tpids.max=20\tnot applied now' \
	"limits: maxproc set while running is not applied yet"
ok -m "cap m" ioc cap m
is "$OUT" "$u (m): limits applied" "cap says so"
pids_dir=$(cg_dir "$u" pids)
is "$(cat "$pids_dir/pids.max")" 20 "pids.max is 20"
is "$(limit_row m maxproc)" $'20:deny\tpids.max=20\tenforced' "limits: maxproc enforced"
ok -m "a fork bomb of 100 in m" ioc exec m /bin/probe fork 100 3
# init and the probe are 2 of the 20.
is "$(kv_val "$OUT" forked)" 18 "the fork bomb stopped at 20 processes (init + probe + 18)"
is "$(kv_val "$OUT" fork)" EAGAIN "the 19th fork failed with EAGAIN"
ok -m "uncap m" ioc uncap m
is "$OUT" "$u (m): limits removed" "uncap says so"
is "$(cat "$pids_dir/pids.max")" max "uncap: pids.max is max"
is "$(cat "$mem_dir/memory.limit_in_bytes" 2>/dev/null || cat "$mem_dir/memory.max")" \
	"$(cat "$(dirname "$mem_dir")/memory.limit_in_bytes" 2>/dev/null || echo max)" \
	"uncap: the memory limit is gone"
like "$(limit_row m maxproc | cut -f3)" '^not applied now' "limits after uncap: not applied now"
ok -m "fork 30 after uncap" ioc exec m /bin/probe fork 30 1
is "$(kv_val "$OUT" forked)" 30 "uncapped: 30 forks work, without a restart"
ok -m "cap m again" ioc cap m
ok -m "fork 30 after cap" ioc exec m /bin/probe fork 30 1
is "$(kv_val "$OUT" forked)" 18 "capped again: stops at 20 again"

# =============================================================================================
# pcpu=25:deny: a busy loop gets about a quarter of one CPU.
ok -m "set pcpu=25:deny m; cap" sh -c "'$IOCAGE_BIN' set pcpu=25:deny m && '$IOCAGE_BIN' cap m"
cpu_dir=$(cg_dir "$u" cpu)
if [ -f "$cpu_dir/cpu.cfs_quota_us" ]; then
	is "$(cat "$cpu_dir/cpu.cfs_quota_us") $(cat "$cpu_dir/cpu.cfs_period_us")" "25000 100000" \
		"v1: cfs quota 25000 of 100000 us"
else
	is "$(cat "$cpu_dir/cpu.max")" "25000 100000" "v2: cpu.max 25000 100000"
fi
before=$(cpu_us "$u")
t0=$(date +%s%N)
ok -m "spin 4 s in m" ioc exec m /bin/probe spin 4
t1=$(date +%s%N)
after=$(cpu_us "$u")
share=$(((after - before) * 1000 / ((t1 - t0) / 1000)))
note "pcpu=25: the jail used $((after - before)) us of CPU in $(((t1 - t0) / 1000)) us: ${share}/1000 of a CPU"
ok -m "the busy loop got 10%..40% of a CPU (${share}/1000)" test "$share" -ge 100 -a "$share" -le 400
ok -m "uncap; spin 3 s" sh -c "'$IOCAGE_BIN' uncap m && '$IOCAGE_BIN' exec m /bin/probe spin 3"
before=$(cpu_us "$u")
t0=$(date +%s%N)
ok -m "spin 3 s uncapped" ioc exec m /bin/probe spin 3
t1=$(date +%s%N)
after=$(cpu_us "$u")
free_share=$(((after - before) * 1000 / ((t1 - t0) / 1000)))
note "uncapped: ${free_share}/1000 of a CPU"
ok -m "uncapped, the loop gets more than capped (${free_share} > ${share})" \
	test "$free_share" -gt "$share"

# =============================================================================================
# openfiles=64:deny: at start (init and all it runs), for exec, and the clamp.
ok -m "stop m" ioc stop m
ok -m "set openfiles=64:deny maxproc=off pcpu=off m" ioc set openfiles=64:deny maxproc=off pcpu=off m
ok -m "start m" ioc start m
jid=$(jid_of m)
is "$(awk '/^Max open files/ { print $4 " " $5 }' "/proc/$jid/limits")" "64 64" \
	"the jail's init has RLIMIT_NOFILE 64/64"
ok -m "probe nofile in m" ioc exec m /bin/probe nofile
is "$(kv_val "$OUT" highest_fd)" 63 "fds 0..63 open: 64 files"
is "$(kv_val "$OUT" open)" EMFILE "the 65th open fails with EMFILE"
ok -m "the same through a shell (exec gets the limits, and what it forks)" \
	ioc exec m /bin/sh -c '/bin/probe nofile'
is "$(kv_val "$OUT" highest_fd)" 63 "a grandchild: 64 files too"
is "$(limit_row m openfiles)" $'64:deny\tRLIMIT_NOFILE=64 (each process)\tenforced' \
	"limits: openfiles maps to RLIMIT_NOFILE=64, enforced"
ok -m "uncap m (rlimits)" ioc uncap m
if has_cap_sys_resource; then
	ok -m "probe nofile after uncap" ioc exec m /bin/probe nofile
	isnt "$(kv_val "$OUT" highest_fd)" 63 "uncapped: more than 64 files"
else
	like "$ERR" 'RLIMIT_NOFILE: [0-9]+ change\(s\) refused \(raising a hard limit needs CAP_SYS_RESOURCE' \
		"uncap says raising RLIMIT_NOFILE back needs CAP_SYS_RESOURCE (iocage lacks it here)"
fi
ok -m "stop m" ioc stop m
hard=$(ulimit -Hn)
ok -m "set openfiles=999999999:deny (above the host's hard limit $hard)" \
	ioc set openfiles=999999999:deny m
ok -m "start m: a value above the hard limit is clamped, not a failure" ioc start m
ok -m "probe rlimit in m" ioc exec m /bin/probe rlimit
is "$(kv_val "$OUT" nofile)" "$hard:$hard" "RLIMIT_NOFILE clamped to the host's hard limit $hard"
like "$(limit_row m openfiles)" "RLIMIT_NOFILE=$hard \(each process\)	enforced, clamped from 999999999 to the host's hard limit" \
	"limits reports the clamp"
ok -m "stop m" ioc stop m

# =============================================================================================
# IPC sysctls and pseudo-terminals: the jail's own, set at start, changed by uncap and cap;
# the host's stay as they were.
host_ipc=$(ipc_host)
ok -m "create jail i (nmsgq=10 msgqsize=4096 nsemop=33 nshm=7 shmsize=1M pseudoterminals=3)" \
	ioc create -c release=R tag=i rlimits=on nmsgq=10:deny msgqsize=4096:deny nsemop=33:deny \
	nshm=7:deny shmsize=1M:deny pseudoterminals=3:deny msgqqueued=100:log
ok -m "start i" ioc start i
ipc_in() {
	ioc exec i /bin/cat /proc/sys/kernel/msgmni /proc/sys/kernel/msgmnb /proc/sys/kernel/sem \
		/proc/sys/kernel/shmmni /proc/sys/kernel/shmall </dev/null | tr '\n\t' '  '
}
in_ipc=$(ipc_in)
like "$in_ipc" "^10 4096 [0-9]+ [0-9]+ 33 [0-9]+ 7 256 $" \
	"in the jail: msgmni 10, msgmnb 4096, semopm 33, shmmni 7, shmall 256 pages"
is "$(ipc_host)" "$host_ipc" "the host's IPC sysctls are unchanged"
is "$(limit_row i nmsgq)" $'10:deny\tkernel.msgmni=10\tenforced' "limits: nmsgq -> kernel.msgmni"
is "$(limit_row i nsemop)" $'33:deny\tkernel.sem=- - 33 -\tenforced' "limits: nsemop -> kernel.sem"
is "$(limit_row i msgqqueued | cut -f3)" "recorded, not enforced (log)" "msgqqueued:log recorded"
ok -m "probe ptys 10 in i" ioc exec i /bin/probe ptys 10
is "$(kv_val "$OUT" ptys) $(kv_val "$OUT" ptmx)" "3 ENOSPC" \
	"pseudoterminals=3: the 4th pseudo-terminal is refused"
is "$(limit_row i pseudoterminals)" $'3:deny\tdevpts max=3\tenforced' "limits: devpts max=3"
ok -m "uncap i" ioc uncap i
like "$(ipc_in)" "^32000 16384 " "uncap: the jail's msgmni and msgmnb are the kernel's defaults"
ok -m "probe ptys 10 after uncap" ioc exec i /bin/probe ptys 10
is "$(kv_val "$OUT" ptys)" 10 "uncapped: 10 pseudo-terminals, without a restart"
ok -m "cap i" ioc cap i
is "$(ipc_in)" "$in_ipc" "cap: the jail's IPC sysctls are back"
ok -m "probe ptys 10 after cap" ioc exec i /bin/probe ptys 10
is "$(kv_val "$OUT" ptys)" 3 "capped again: 3 pseudo-terminals"
is "$(ipc_host)" "$host_ipc" "the host's IPC sysctls are still unchanged"
ok -m "stop i" ioc stop i
ok -m "set sysvmsg=inherit i" ioc set sysvmsg=inherit i
fails 1 ioc start i
like "$ERR" "msgqsize=4096:deny cannot be enforced here: the jail shares the host's IPC namespace" \
	"a deny IPC limit with a shared IPC namespace: start fails, saying why"
is "$(state_of i)" down "i is down after the refused start"
is "$(ipc_host)" "$host_ipc" "the host's IPC sysctls untouched"

# =============================================================================================
# limits and inuse: the table, -H, --json.
ok -m "start m" ioc start m
run ioc limits m
is "$(header_of "$OUT")" "TAG PROPERTY VALUE MAPPING STATUS" "limits: the header"
is "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" 21 "limits: 21 rows for one jail"
run ioc limits --json m
json_ok <<<"$OUT" \
	'len(d) == 21 and all(set(r) == {"tag","property","value","mapping","status"} for r in d)' \
	"limits --json: 21 objects with tag, property, value, mapping, status"
run ioc inuse m
is "$(header_of "$OUT")" "TAG JID MEMORY SWAP PROCS THREADS CPUTIME OPENFILES PTYS" \
	"inuse: the header"
run ioc inuse -H m
IFS=$'\t' read -r t j mem _swap procs threads cpu files ptys <<<"$OUT"
is "$t $j" "m $(jid_of m)" "inuse -H: tag and JID"
like "$mem" '^[0-9]+$' "inuse -H: memory in bytes ($mem)"
is "$procs" 1 "inuse: 1 process (init)"
like "$threads" '^[0-9]+$' "inuse: threads ($threads)"
like "$cpu" '^[0-9]+\.[0-9]{2}$' "inuse: CPU seconds ($cpu)"
like "$files" '^[0-9]+$' "inuse: open files ($files)"
is "$ptys" 0 "inuse: no pseudo-terminals"
run ioc inuse --json
json_ok <<<"$OUT" 'any(r["tag"] == "m" and r["procs"] == 1 for r in d)' \
	"inuse --json (every running jail) has m with 1 process"
fails 1 ioc inuse v
like "$ERR" "^iocage: inuse: .* \(v\) is not running$" "inuse of a stopped jail fails, saying so"
fails 1 ioc cap v
like "$ERR" "is not running" "cap of a stopped jail fails"
fails 2 ioc cap
fails 2 ioc limits m v
ok -m "cap -h" ioc cap -h
like "$OUT" '^usage: iocage cap UUID\|TAG' "cap -h: usage"

# =============================================================================================
# wallclock: the jail ends by itself; stop and start clean up after it.
ok -m "create jail w (wallclock=3:deny)" ioc create -c release=R tag=w rlimits=on wallclock=3:deny
ok -m "start w" ioc start w
wj=$(jid_of w)
like "$(limit_row w wallclock)" $'^3:deny\tthe jail.s init ends it after 3 s\tenforced$' \
	"limits: wallclock enforced by the init"
ok -m "w's init ends within 10 s" wait_gone "$wj" 10
is "$(state_of w)" down "list: w is down"
like "$(cat "$(console_log "$(uuid_of w)")")" "wallclock limit reached" "the console log says why"
fails 1 ioc stop w
ok -m "start w again" ioc start w
ok -m "stop w before its deadline" ioc stop w

# =============================================================================================
# top: the busiest jail first, CPU% from two samples; bad options are usage errors.
ok -m "create jail t1" ioc create -c release=R tag=t1
ok -m "create jail t2" ioc create -c release=R tag=t2
ok -m "start t1" ioc start t1
ok -m "start t2" ioc start t2
ioc exec t2 /bin/probe spin 6 >/dev/null 2>&1 </dev/null &
spinner=$!
sleep 1
ok -m "top -n 1 -d 1 -H" ioc top -n 1 -d 1 -H
top1=$(head -n1 <<<"$OUT")
is "$(cut -f1 <<<"$top1")" t2 "top: the spinning jail t2 comes first (sorted by CPU%)"
like "$(cut -f3 <<<"$top1")" '^([3-9][0-9]|1[0-9][0-9])\.[0-9]$' "top: t2's CPU% is that of a busy CPU ($(cut -f3 <<<"$top1"))"
like "$(grep "^t1	" <<<"$OUT" | cut -f3)" '^([0-9]|1[0-9])\.[0-9]$' "top: idle t1 is under 20% CPU"
ok -m "top -s mem --json -n 2 -d 0.2" ioc top -s mem --json -n 2 -d 0.2
json_ok "isinstance(d, list) and any(r['tag'] == 't1' for r in d)" \
	"top --json: the first refresh is a JSON array that has t1" <<<"$(sed -n '1,/^]/p' <<<"$OUT")"
wait "$spinner"
fails -m "top -s foo" 2 ioc top -s foo
like "$ERR" '-s takes cpu or mem' "top -s foo: says what -s takes"
fails -m "top -d 0" 2 ioc top -d 0
fails -m "top -n 0" 2 ioc top -n 0
fails -m "top takes no operand" 2 ioc top t1
ok -m "stop t1" ioc stop t1
ok -m "stop t2" ioc stop t2

# =============================================================================================
# quota: a ZFS dataset property; the dir backend refuses it.
if [ "$IOC_BACKEND" = dir ]; then
	fails 1 ioc set quota=20M m
	like "$ERR" "quota is not supported by the dir backend" "dir: quota is refused, saying why"
else
	ok -m "set quota=20M m" ioc set quota=20M m
	ok -m "restart m" ioc restart m
	ok -m "fill /big in m" ioc exec m /bin/probe fill /big 64
	filled=$(kv_val "$OUT" filled)
	like "$(kv_val "$OUT" fill)" '^(EDQUOT|ENOSPC)$' "quota=20M: writes stop with EDQUOT or ENOSPC"
	ok -m "stopped near 20 MiB (${filled} KiB)" test "$filled" -ge 14000 -a "$filled" -le 21504
	run ioc df -H
	like "$OUT" "^$u	[^	]*	[^	]*	20971520	" "df shows QTA 20971520"
fi

ok -m "stop m" ioc stop m
done_testing
