#!/usr/bin/env bash
# The option sweep (issue #10, as systemd-nspawn's tests do): every command that `iocage help`
# lists, every option that `iocage help CMD` lists and every operand of its usage line gets
# nothing, "", a 5000-byte string, control characters (\x01, ESC [2J, a newline, a tab) and
# bytes that are not UTF-8 (\xff\xfe). Each run must end with exit status 1 or 2 (0 only where
# the input is valid: said where it is allowed), a message on stderr that is made of
# "iocage: CMD: ..." and usage lines only, in printable ASCII (so no ESC reaches a terminal and
# a newline in the input adds no line), no crash or sanitizer report (run it with
# tests/run --bin build-san/iocage too), and nothing created or changed: the store, its mounts,
# /run/iocage, cgroups, links and the working directory are compared before and after each
# command's runs. The commands and options are read from the help, never listed here, so a new
# command is swept without a change to this file.
. "$(dirname "$0")/lib.sh"

ok -m "fetch release rel" make_busybox_release rel || bail_out "cannot fetch: $ERR"
ok -m "create the jail victim" ioc create release=rel tag=victim || bail_out "no jail: $ERR"
# What a chroot writes into the jail (its hostname file) and the lock files of a rollback are
# made once here, by valid runs: the hostile ones must add nothing to them.
ok -m "chroot victim /bin/true" ioc chroot victim /bin/true
ok -m "snapshot victim@keep" ioc snapshot victim@keep || bail_out "no snapshot: $ERR"
ok -m "rollback victim@keep" ioc rollback victim@keep
victim=$(uuid_of victim)
[ -n "$victim" ] || bail_out "victim has no uuid"
at_exit stop_test_jails

# Every run happens in this empty directory: a relative path made from hostile input would
# land here.
CWD=$T_TMP/cwd
mkdir -p "$CWD"
NOFILE=$T_TMP/no-such-file.tar

# The hostile values, and how a test name shows each (a name never holds one raw).
LONG=$(printf 'A%.0s' $(seq 5000))
HOSTILE=('' "$LONG" $'\x01' $'\x1b[2J' $'a\nb' $'a\tb' $'\xff\xfe')
SHOWN=("''" '<5000 x A>' "\$'\\x01'" "\$'\\e[2J'" "\$'a\\nb'" "\$'a\\tb'" "\$'\\xff\\xfe'")

# ---------------------------------------------------------------------------------------------
# What "nothing changed" compares

top=$(store_top)
if [ "$IOC_BACKEND" = zfs ]; then
	lock_prefix="zfs.$IOCAGE_POOL."
else
	lock_prefix="dir.${IOCAGE_ROOT//\//%}."
fi

state() {
	echo "== store"
	if [ "$IOC_BACKEND" = zfs ]; then
		zfs list -H -t all -o name -r "$IOCAGE_POOL" 2>&1 | sort
		zfs get -H -r -s local -o name,property,value all "$IOCAGE_POOL" 2>&1 | sort
	fi
	# Names, types, modes and sizes (not times: a failed command may read a file).
	_find_store "$top" -- -printf '%P %y %m %s\n' | sort
	if [ "$IOC_BACKEND" = dir ]; then
		getfattr -h -d -m - --absolute-names "$IOCAGE_ROOT" "$IOCAGE_ROOT"/*/ \
			"$IOCAGE_ROOT"/*/*/ 2>/dev/null
	fi
	echo "== jails"
	ioc list -H 2>&1
	ioc list -t -H 2>&1
	ioc list -r -H 2>&1
	ioc snaplist -H victim 2>&1 | cut -f1
	# Less what the filesystem reports as it fills (the store is on a shared disk).
	ioc get all victim 2>&1 | grep -v -E '^(available|used|referenced|compressratio):'
	ioc get all default 2>&1
	echo "== mounts"
	awk '{ print $5 }' /proc/self/mountinfo |
		grep -F -e "$top" -e "$T_TMP" -e "$victim" -e "${IOCAGE_POOL:-/nonexistent}" | sort
	echo "== /run/iocage"
	find /run/iocage -mindepth 1 2>/dev/null | grep -F -e "/$lock_prefix" -e "$victim" | sort
	# Any whose name holds a byte of the hostile input (other work on this host makes and
	# removes files there meanwhile).
	find /run/iocage -mindepth 1 2>/dev/null | LC_ALL=C grep -e '[^[:print:]]' -e AAAA | sort
	echo "== cgroups"
	# The victim's, and any whose name holds a byte of the hostile input (other jails of
	# this host come and go meanwhile).
	find /sys/fs/cgroup -maxdepth 6 -type d \( -name "$victim" -o -name '*AAAA*' \) \
		2>/dev/null | sort
	find /sys/fs/cgroup -maxdepth 6 -type d 2>/dev/null | LC_ALL=C grep '[^[:print:]]' | sort
	echo "== links"
	ip -o link 2>/dev/null | grep -F -- "${victim:0:8}" | awk -F': ' '{ print $2 }'
	echo "== cwd"
	find "$CWD" "$T_TMP" -maxdepth 1 -mindepth 1 ! -name 'sweep.*' -printf '%P\n' | sort
}

# ---------------------------------------------------------------------------------------------
# One run and its checks

errf=$T_TMP/sweep.err
outf=$T_TMP/sweep.out
SAN_RE='AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|Sanitizer'

# check NAME OKCODES CMD ARGV...: run `iocage ARGV...` (ARGV starts with CMD, the command whose
# messages these are, or CMD is '(global)'); OKCODES lists the allowed exit statuses.
n_runs=0
PHASE=''
CHECK_ENV=() # env arguments for the run (VAR=VALUE, -u VAR)
check() {
	local name=$1 codes=$2 cmd=$3 rc why=() l nl=0 jailcmd=0 bad err
	if [ "$codes" = jailcmd ]; then
		# A command the jail cannot run: 127 (126: found, not runnable), as in a
		# shell; the jail's side says so as "iocage: COMMAND: why".
		codes="1 2 126 127" jailcmd=1
	fi
	shift 3
	n_runs=$((n_runs + 1))
	if [ "$cmd" != '(global)' ]; then
		local -a more=()
		while IFS= read -r -d '' l; do more+=("$l"); done < <(extra "$@")
		set -- "$1" "${more[@]}" "${@:2}"
	fi
	# New files each time: nothing that outlived an earlier run can write into these.
	rm -f -- "$outf" "$errf"
	(cd "$CWD" && exec env "${CHECK_ENV[@]}" "$IOCAGE_BIN" "$@" </dev/null >"$outf" 2>"$errf")
	rc=$?
	[[ " $codes " == *" $rc "* ]] || why+=("exit status $rc, wanted one of: $codes")
	[ "$rc" -lt 128 ] || why+=("killed by signal $((rc - 128))")
	# What stderr holds is read once; every check below and the diagnostics look at that.
	err=$(LC_ALL=C tr -d '\0' <"$errf")
	if [[ $err =~ $SAN_RE ]]; then
		why+=("a sanitizer report: ${BASH_REMATCH[0]}")
	fi
	if [ "$rc" != 0 ] && [ -z "$err" ]; then
		why+=("no message on stderr")
	fi
	# Only printable ASCII on stderr: ESC, a raw newline or tab from the input, or bytes
	# that are not ASCII would reach the terminal as they came. (What is left of the bytes
	# when the allowed ones are deleted, shown by od.)
	bad=$(LC_ALL=C tr -d '\n[:print:]' <"$errf" | head -c 32 | od -An -c)
	[ -z "$bad" ] || why+=("stderr holds a control or non-ASCII byte:" "$bad")
	bad=$(LC_ALL=C tr -d '\n\t[:print:]' <"$outf" | head -c 32 | od -An -c)
	[ -z "$bad" ] || why+=("stdout holds a control or non-ASCII byte:" "$bad")
	while IFS= read -r l; do
		nl=$((nl + 1))
		case $l in
		"iocage: $cmd: "* | "usage: iocage $cmd"*) ;;
		"iocage: "*)
			[ "$cmd" = '(global)' ] || [ "$jailcmd" = 1 ] ||
				why+=("a message that does not name $cmd")
			;;
		"Run \`iocage help\` for the commands." | "       iocage "*)
			[ "$cmd" = '(global)' ] || why+=("'$l'") ;;
		"usage: iocage "*) [ "$cmd" = '(global)' ] || why+=("a usage line of another command") ;;
		*) why+=("a line that is neither 'iocage: $cmd: ...' nor a usage line") ;;
		esac
	done < <([ -z "$err" ] || printf '%s\n' "$err")
	[ "$nl" -le 3 ] || why+=("$nl lines on stderr")
	if [ ${#why[@]} = 0 ]; then
		pass "$name$PHASE"
	else
		fail "$name$PHASE"
		diag "${why[@]}" "exit status $rc" "stderr:" "$(LC_ALL=C cat -v <<<"$err" | head -c 2000)" \
			"stdout:" "$(LC_ALL=C cat -v "$outf" | head -c 600)"
	fi
}

# ---------------------------------------------------------------------------------------------
# The commands, their options and operands, from the help

# Operand slots of a usage line (after the command's name): one per line, "m PLACEHOLDER" for a
# mandatory one, "o PLACEHOLDER" for an optional one. Option groups ("[-f]", "[-u U | -U J]",
# "[--]") are not operands.
slots_of() {
	awk '{
		depth = 0; skip = -1
		for (i = 4; i <= NF; i++) {
			t = $i; nopen = gsub(/\[/, "[", t); nclose = gsub(/\]/, "]", t)
			bare = t; sub(/^\[+/, "", bare)
			if (skip < 0 && substr(t, 1, 1) == "[" && substr(bare, 1, 1) == "-")
				skip = depth
			if (skip < 0 && t != "-" && t != "--") {
				kind = (depth > 0 || substr(t, 1, 1) == "[") ? "o" : "m"
				p = t; sub(/^\[+/, "", p)
				# Closing brackets that close a group opened before this token.
				while (p ~ /\]$/ && gsub(/\[/, "[", p) < gsub(/\]/, "]", p))
					sub(/\]$/, "", p)
				print kind " " p
			}
			depth += nopen - nclose
			if (skip >= 0 && depth <= skip)
				skip = -1
		}
	}' <<<"$1"
}

# A valid value for a mandatory slot, so that the hostile value in another slot is what the
# command trips on. Only the victim, its snapshot and files that do not exist are named.
filler() {
	case $1 in
	*@SNAPSHOT*) [[ $1 == *"[@"* ]] && echo victim || echo victim@keep ;;
	UUID\|TAG*) echo victim ;;
	PROP\|*) echo notes ;;
	PROP=*) echo notes=x ;;
	release=*) echo release=rel ;;
	count=*) echo count=1 ;;
	COMMAND*) echo /bin/true ;;
	ARG*) echo --version ;;
	FILE*) echo "$NOFILE" ;;
	start\|stop) echo start ;;
	*) echo x ;;
	esac
}

# Arguments a command always gets besides those swept: fetch reads from a file that does not
# exist, so that no input ever makes it reach the network or debootstrap; when -F itself is
# swept it gets a valid release name instead.
extra() { # extra CMD ARG...: prints them NUL-separated
	local c=$1
	shift
	case $c in
	fetch) [[ " $* " == *" -F "* ]] && printf '%s\0' release=sweep || printf '%s\0' -F "$NOFILE" ;;
	esac
}

# The hostile forms of a slot's value: H itself, and H in the part after '@' or '='.
forms() { # forms PLACEHOLDER H
	local p=$1 h=$2
	printf '%s\0' "$h"
	case $p in
	*@*) printf '%s\0' "victim@$h" ;;
	esac
	case $p in
	PROP=*) printf '%s\0' "tag=$h" "$h=x" ;;
	*=*) printf '%s\0' "${p%%=*}=$h" ;;
	esac
}

# show ARG...: the arguments as a test name shows them (hostile values by their label).
show() {
	local a out='' i
	for a in "$@"; do
		for i in "${!HOSTILE[@]}"; do
			if [ -n "${HOSTILE[i]}" ] && [[ $a == *"${HOSTILE[i]}"* ]]; then
				a=${a//"${HOSTILE[i]}"/"${SHOWN[i]}"}
			fi
		done
		[ -n "$a" ] || a="''"
		out+=" $a"
	done
	printf '%s' "${out# }"
}

commands=$(ioc help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }')
ncmd=$(grep -c . <<<"$commands")
like "$ncmd" '^[0-9]+$' "iocage help lists $ncmd commands"
[ "$ncmd" -ge 20 ] || bail_out "cannot read the commands from iocage help"

# Per command: the hostile runs; the state before and after them must be the same.
sweep_cmd() {
	local c=$1 help usage slots opts o val p i h f k before after codes missing
	local -a mslot=() oslot=() args fill
	help=$(ioc help "$c" 2>&1)
	usage=$(head -n1 <<<"$help")
	[[ $usage == "usage: iocage $c"* ]] || {
		fail "help $c starts with its usage line"
		return
	}
	slots=$(slots_of "$usage")
	while read -r k p; do
		[ -n "$k" ] || continue
		if [ "$k" = m ]; then mslot+=("$p"); else oslot+=("$p"); fi
	done <<<"$slots"
	fill=()
	for p in "${mslot[@]}"; do
		fill+=("$(filler "$p")")
	done
	# Options: "  -X VALUE  text" or "  -X  text" lines of the help (not -h, which prints the
	# help and exits 0 whatever follows).
	opts=$(sed -n -E 's/^  (-[A-Za-z]|--[a-z][a-z-]+)( ([^ ]+))?( {2,}.*)?$/\1 \3/p' <<<"$help" |
		grep -v -E '^(-h|--help) ')
	# Every option of the usage line is in the help's list, so that the sweep reaches it.
	missing=
	# shellcheck disable=SC2013  # options are single words
	for o in $(grep -oE '(^| |\[|\|)--?[A-Za-z][a-z-]*' <<<"${usage#usage: iocage }" |
		sed -E 's/^[ [|]//' | sort -u); do
		grep -q -- "^$o " <<<"$opts" || missing+=" $o"
	done
	is "$missing" "" "help $c explains every option of its usage line"
	before=$(state)

	# A missing mandatory operand: every one, in turn, with those before it.
	for ((i = 0; i < ${#mslot[@]}; i++)); do
		args=("${fill[@]:0:i}")
		check "$c $(show "${args[@]}") (${mslot[i]} missing)" "2" "$c" "$c" "${args[@]}"
	done

	# Each operand slot gets each hostile form, the mandatory slots around it their fillers.
	local -a all=("${mslot[@]}" "${oslot[@]}")
	for ((i = 0; i < ${#all[@]}; i++)); do
		p=${all[i]}
		# ARG... of exec, chroot and pkg go to the program in the jail as they are:
		# iocage does not read them.
		[[ $p == ARG* && $c != pkg ]] && continue
		for h in "${HOSTILE[@]}"; do
			while IFS= read -r -d '' f; do
				if ((i < ${#mslot[@]})); then
					args=("${fill[@]:0:i}" "$f" "${fill[@]:i+1}")
				else
					args=("${fill[@]}" "$f")
				fi
				codes="1 2"
				# The COMMAND of a chroot is looked up in the jail (exec's jail
				# is not running: it fails before).
				[ "$p" != COMMAND ] || [ "$c" = help ] || codes=jailcmd
				check "$c $(show "${args[@]}")" "$codes" "$c" "$c" "${args[@]}"
			done < <(forms "$p" "$h")
		done
	done

	# Each option: with each hostile value (an option that takes none gets it as the operand
	# in the first slot), and an option that takes a value without one.
	while read -r o val; do
		[ -n "$o" ] || continue
		for h in "${HOSTILE[@]}"; do
			if [ -n "$val" ]; then
				args=("$o" "$h" "${fill[@]}")
			elif [ ${#fill[@]} -gt 0 ]; then
				args=("$o" "$h" "${fill[@]:1}")
			else
				args=("$o" "$h")
			fi
			codes="1 2"
			check "$c $(show "${args[@]}")" "$codes" "$c" "$c" "${args[@]}"
		done
		if [ -n "$val" ]; then
			# Alone: after an operand, a command that stops at its first operand
			# (exec, chroot) takes it for the jail's command.
			check "$c $o (its $val missing)" "2" "$c" "$c" "$o"
		fi
	done <<<"$opts"

	# Hostile option names: the unknown option is named in the message, escaped.
	for i in "${!HOSTILE[@]}"; do
		[ -n "${HOSTILE[i]}" ] || continue
		check "$c --${SHOWN[i]}" "2" "$c" "$c" "--${HOSTILE[i]}"
		check "$c -${SHOWN[i]}" "2" "$c" "$c" "-${HOSTILE[i]}"
	done

	after=$(state)
	if [ "$before" = "$after" ]; then
		pass "$c: the hostile runs created and changed nothing$PHASE"
	else
		fail "$c: the hostile runs created and changed nothing$PHASE"
		diag "$(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | LC_ALL=C cat -v |
			head -n 40)"
	fi
}

for c in $commands; do
	sweep_cmd "$c"
done

# Again, with the victim running, for the commands whose summary says they act on running
# jails (exec, console, pkg, runtime, cap...): their input then reaches what a stopped jail
# never gets to (the jail's and the host's passwd, the jail's package manager, its cgroup).
running_cmds=$(ioc help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
	on && tolower($0) ~ /running jail/ { print $1 }')
note "with the victim running: $(tr '\n' ' ' <<<"$running_cmds")"
like "$running_cmds" '^exec$' "exec is among the commands on running jails"
if ok -m "start victim" ioc start victim; then
	PHASE=' (victim running)'
	for c in $running_cmds; do
		sweep_cmd "$c"
	done
	PHASE=''
	ok -m "stop victim" ioc stop victim
fi

# The global options: --root and --pool with each hostile value, and without one.
before=$(state)
for i in "${!HOSTILE[@]}"; do
	h=${HOSTILE[i]}
	for g in --root --pool; do
		check "$g ${SHOWN[i]} list" "1 2" '(global)' "$g" "$h" list
		check "$g ${SHOWN[i]} create -e" "1 2" '(global)' "$g" "$h" create -e
		check "$g=${SHOWN[i]} create -e" "1 2" '(global)' "$g=$h" create -e
	done
	check "${SHOWN[i]} as the command" "2" '(global)' "$h"
	[ -z "$h" ] || check "-${SHOWN[i]} as a global option" "2" '(global)' "-$h" list
done
# The same through the environment (not ''. which means "not set": the host's default
# store, which this test must not touch).
for i in "${!HOSTILE[@]}"; do
	[ -n "${HOSTILE[i]}" ] || continue
	for v in IOCAGE_ROOT IOCAGE_POOL; do
		CHECK_ENV=(-u IOCAGE_ROOT -u IOCAGE_POOL "$v=${HOSTILE[i]}")
		check "$v=${SHOWN[i]} list" "1 2" '(global)' list
		check "$v=${SHOWN[i]} create -e" "1 2" '(global)' create -e
	done
done
CHECK_ENV=()
check "--root without its value" "2" '(global)' --root
check "--pool without its value" "2" '(global)' --pool
after=$(state)
is "$after" "$before" "global options: the hostile runs created and changed nothing"

ok -m "the victim is still there" ioc get tag victim
is "$OUT" victim "the victim kept its tag"
ok -m "and so is its snapshot" ioc snaplist -H victim
like "$OUT" '^keep' "victim@keep survived"
note "$n_runs hostile runs"

done_testing
