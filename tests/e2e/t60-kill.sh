#!/usr/bin/env bash
# iocage killed with SIGKILL during create: no half jail is ever listed, and the next run
# cleans what the killed one left.
. "$(dirname "$0")/lib.sh"

# Each create runs in its own process group (job control), so that the kill takes the
# programs it runs (zfs, cp) down with it, as a killed session or service would.
set -m

# Padding makes a thick copy take long enough to be interrupted at different points.
ok -m "fetch a padded release" make_busybox_release big 24 || bail_out "cannot fetch: $ERR"
rel_entries=$(find "$(release_root big)" -mindepth 1 | wc -l)

ms() {
	echo $(($(date +%s%N) / 1000000))
}

# How long an uninterrupted create takes, to spread the kills over it.
t0=$(ms)
ok ioc create release=big tag=timed-thick
thick_ms=$(($(ms) - t0))
t0=$(ms)
ok ioc create -c release=big tag=timed-thin
thin_ms=$(($(ms) - t0))
note "an uninterrupted create takes ${thick_ms} ms thick, ${thin_ms} ms thin"

# check_store WHAT: after an interrupted create, list shows only complete jails, and the
# store holds nothing else.
check_store() {
	local what=$1 rows bad t u
	sleep 0.3 # let a zfs operation the daemon already accepted finish
	ok -m "$what: the next list runs" ioc list -H
	rows=$OUT
	# (mawk has no {n} in regexes: the uuid is checked with grep)
	bad=$(printf '%s\n' "$rows" | awk -F'\t' \
		'NF && (NF != 8 || $5 == "" || $6 == "" || $8 == "")'
		printf '%s\n' "$rows" | cut -f2 | grep -v '^$' | grep -Evx "$UUID_RE")
	is "$bad" "" "$what: every listed jail is complete (uuid, tag, type, release)"
	for t in $(printf '%s\n' "$rows" | awk -F'\t' '$5 ~ /^k[0-9]+$/ { print $5 }'); do
		u=$(uuid_of "$t")
		is "$(ioc get tag "$u" 2>&1)" "$t" "$what: listed jail $t resolves"
		if [ "$(ioc get type "$u" 2>/dev/null)" = thickjail ]; then
			is "$(find "$(jail_root "$u")" -mindepth 1 | wc -l)" "$rel_entries" \
				"$what: listed thick jail $t has all of the release's files"
		fi
	done
	is "$(unlisted_leftovers)" "" "$what: nothing but listed jails is left in the store"
}

i=0
for kind in thick thin; do
	if [ "$kind" = thick ]; then
		total=$thick_ms flag=()
	else
		total=$thin_ms flag=(-c)
	fi
	for pct in 1 5 10 15 20 30 40 50 60 70 80 90 110; do
		i=$((i + 1))
		delay_ms=$((total * pct / 100))
		[ "$delay_ms" -ge 5 ] || delay_ms=$((5 + i))
		"$IOCAGE_BIN" create "${flag[@]}" release=big tag="k$i" </dev/null >/dev/null 2>&1 &
		pid=$!
		sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
		kill -KILL -- "-$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		check_store "$kind create killed after ${delay_ms} ms"
	done
done

# After all that, creating and destroying still work and the store ends clean.
ok ioc create release=big tag=after
ok test -x "$(jail_root "$(uuid_of after)")/bin/busybox"
for t in $(list_rows | cut -f5); do
	ioc destroy -f "$t" >/dev/null 2>&1
done
is "$(list_rows)" "" "every jail can be destroyed"
is "$(unlisted_leftovers)" "" "the store is empty of jails"

done_testing
