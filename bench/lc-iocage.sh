#!/bin/bash
# One iocage lifecycle, the counterpart of ../shared/peers/lc-lxc.sh and lc-crun.sh:
# thin create (create -c), start, exec /bin/true, stop, destroy -f. The backend is whatever
# global options (--root DIR | --pool POOL) or IOCAGE_ROOT / IOCAGE_POOL select.
# Usage: lc-iocage.sh IOCAGE_BIN RELEASE TAG [GLOBAL_OPTION...]
# STEPLOG=file appends "step microseconds".
set -euo pipefail
BIN=$1 REL=$2 TAG=$3
shift 3
G=("$@")
t0=$EPOCHREALTIME; T0=$t0
st() { local n=$EPOCHREALTIME; [ -n "${STEPLOG:-}" ] && echo "$1 $(( ${n/./} - ${t0/./} ))" >>"$STEPLOG"; t0=$n; }
cleanup() {
	"$BIN" "${G[@]}" stop "$TAG" >/dev/null 2>&1 || true
	"$BIN" "${G[@]}" destroy -f "$TAG" >/dev/null 2>&1 || true
}
trap cleanup EXIT
"$BIN" "${G[@]}" -q create -c release="$REL" tag="$TAG" >/dev/null
st clone
"$BIN" "${G[@]}" -q start "$TAG" >/dev/null
st start
"$BIN" "${G[@]}" exec "$TAG" /bin/true
st exec
"$BIN" "${G[@]}" -q stop "$TAG" >/dev/null
st stop
"$BIN" "${G[@]}" -q destroy -f "$TAG" >/dev/null
st destroy
[ -n "${STEPLOG:-}" ] && echo "total $(( ${EPOCHREALTIME/./} - ${T0/./} ))" >>"$STEPLOG"
trap - EXIT
exit 0
