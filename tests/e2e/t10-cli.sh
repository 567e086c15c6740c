#!/usr/bin/env bash
# The command line: version, help, usage errors (exit 2), failures (exit 1), global flags.
. "$(dirname "$0")/lib.sh"

# --- version ---
ok ioc --version
like "$OUT" '^iocage [0-9]+\.[0-9]+' "--version prints 'iocage VERSION'"
v1=$OUT
ok ioc version
is "$OUT" "$v1" "version and --version print the same"
ok ioc -v version
is "$OUT" "$v1" "global -v is accepted before the command"

# --- help ---
ok ioc help
for c in fetch create destroy list get set defaults df activate deactivate version help; do
	like "$OUT" "(^|[[:space:]])$c([[:space:]]|$)" "help lists $c"
done
help_all=$OUT

for c in create list get set destroy fetch df defaults; do
	ok ioc help "$c"
	like "$OUT" "iocage $c" "help $c prints the usage of $c"
	ok ioc "$c" --help
	like "$OUT" "iocage $c" "$c --help prints its usage"
	ok ioc "$c" -h
	like "$OUT" "iocage $c" "$c -h prints its usage"
done
fails 2 ioc help nosuchcommand
isnt "$(ioc help create 2>/dev/null)" "$help_all" "help create is not the full help"

# --- unknown commands: exit 2, a message on stderr, nothing on stdout ---
fails 2 ioc frobnicate
like "$ERR" "^iocage: unknown command 'frobnicate'" "unknown command is named on stderr"
is "$OUT" "" "nothing on stdout for an unknown command"
fails 2 ioc lsit
like "$ERR" "unknown command 'lsit'" "misspelt command is named"
like "$ERR" "list" "a close misspelling suggests 'list'"
fails 2 ioc crate
like "$ERR" "create" "crate suggests create"
fails -m "no command at all is a usage error" 2 ioc
like "$ERR" "usage: iocage" "no command prints the usage"

# --- usage errors: exit 2 with the command's usage line on stderr ---
fails 2 ioc list --no-such-flag
like "$ERR" "usage: iocage list" "bad list flag prints list's usage"
fails 2 ioc create -Q
like "$ERR" "usage: iocage create" "bad create flag prints create's usage"
fails 2 ioc get
like "$ERR" "usage: iocage get" "get without operands prints get's usage"
fails 2 ioc get tag
like "$ERR" "usage: iocage get" "get with one operand prints get's usage"
fails 2 ioc set
like "$ERR" "usage: iocage set" "set without operands prints set's usage"
fails 2 ioc destroy
like "$ERR" "usage: iocage destroy" "destroy without operand prints destroy's usage"
fails 2 ioc destroy -f
like "$ERR" "usage: iocage destroy" "destroy -f without operand prints destroy's usage"
fails 2 ioc activate
like "$ERR" "usage: iocage activate" "activate without a pool prints its usage"
is "$OUT" "" "usage errors print nothing on stdout"

# --- other failures: exit 1, 'iocage: CMD: message' ---
fails 1 ioc get tag nosuchjail
like "$ERR" "^iocage: get: " "a failing get says 'iocage: get: ...'"
like "$ERR" "nosuchjail" "the message names the unknown jail"
fails 1 ioc destroy -f nosuchjail
like "$ERR" "^iocage: destroy: " "a failing destroy says 'iocage: destroy: ...'"
fails 1 ioc set notes=x nosuchjail
like "$ERR" "^iocage: set: " "a failing set says 'iocage: set: ...'"

# --- read-only commands on an empty store ---
ok ioc list
ok ioc list -H
is "$OUT" "" "list -H on an empty store prints nothing"
ok ioc list --json
json_ok 'd == []' "list --json on an empty store is []" <<<"$OUT"
ok ioc list -r -H
is "$OUT" "" "list -r -H with no release prints nothing"
ok ioc defaults
ok ioc df -H
is "$OUT" "" "df -H on an empty store prints nothing"

# --- global --root / --pool select the store, over the environment ---
ok -m "create an empty jail in the test store" ioc create -e tag=globalflag
if [ "$IOC_BACKEND" = dir ]; then
	other=$T_TMP/other-root
	mkdir -p "$other"
	ok env -u IOCAGE_ROOT "$IOCAGE_BIN" --root "$IOCAGE_ROOT" list -H
	like "$OUT" $'\tglobalflag\t' "--root DIR selects the store"
	ok env -u IOCAGE_ROOT "$IOCAGE_BIN" --root "$other" list -H
	unlike "$OUT" "globalflag" "--root OTHER does not show the test store's jails"
	ok "$IOCAGE_BIN" --root "$other" list -H
	unlike "$OUT" "globalflag" "--root wins over IOCAGE_ROOT"
else
	ok env -u IOCAGE_POOL "$IOCAGE_BIN" --pool "$IOCAGE_POOL" list -H
	like "$OUT" $'\tglobalflag\t' "--pool POOL selects the store"
	fails 1 env -u IOCAGE_POOL "$IOCAGE_BIN" --pool "nosuchpool$$" list -H
fi
ok ioc -v list -H
like "$OUT" $'\tglobalflag\t' "-v before the command keeps the store"

done_testing
