#!/usr/bin/env bash
# fetch -F: releases from rootfs tarballs (plain and compressed), list -r, re-fetch, and the
# hostile archives (../, absolute paths, symlinks and hard links that lead out).
. "$(dirname "$0")/lib.sh"

R=bb1
ok -m "fetch -F busybox.tar release=$R" make_busybox_release "$R" ||
	bail_out "cannot fetch a release: $ERR"

# --- the release's files ---
rr=$(release_root "$R")
ok test -x "$rr/bin/busybox"
ok test -L "$rr/bin/sh"
is "$(readlink "$rr/bin/sh")" busybox "symlinks are kept as symlinks"
ok grep -q '^root:x:0:0:' "$rr/etc/passwd"
ok test -x "$rr/etc/rc"
is "$(stat -c %a "$rr/tmp")" 1777 "modes are kept (tmp is 1777)"
is "$(stat -c %u:%g "$rr/bin/busybox")" 0:0 "owners are kept"
if [ "$IOC_BACKEND" = zfs ]; then
	ok -m "release dataset exists" ds_exists "$IOCAGE_POOL/iocage/releases/$R/root"
	snaps=$(zfs list -H -t snapshot -o name -r "$IOCAGE_POOL/iocage/releases/$R/root")
	like "$snaps" "^$IOCAGE_POOL/iocage/releases/$R/root@" "a snapshot ends the fetch"
fi

# --- list -r in its three forms ---
ok ioc list -r
is "$(header_of "$OUT" | awk '{ print $1 }')" RELEASE "list -r has a RELEASE header"
like "$OUT" "^$R([[:space:]]|$)" "list -r shows $R"
ok ioc list -r -H
unlike "$OUT" "^RELEASE" "list -r -H has no header"
is "$(printf '%s\n' "$OUT" | cut -f1)" "$R" "list -r -H: the first field is the release"
ok ioc list -r --json
json_ok "isinstance(d, list) and [r['release'] for r in d] == ['$R']" \
	"list -r --json is an array of objects with 'release'" <<<"$OUT"

# --- a second release, compressed ---
for comp in gz xz zst; do
	tb=$(busybox_tarball "$comp") || bail_out "cannot make the $comp tarball"
	ok ioc fetch -F "$tb" release="bb-$comp"
	ok test -x "$(release_root "bb-$comp")/bin/busybox"
done
ok ioc list -r -H
is "$(printf '%s\n' "$OUT" | cut -f1 | sort | tr '\n' ' ')" "bb-gz bb-xz bb-zst bb1 " \
	"list -r -H lists all four releases"

# --- refusals ---
fails -m "fetching an existing release again fails" 1 make_busybox_release "$R"
like "$ERR" "^iocage: fetch: " "the error says 'iocage: fetch:'"
ok test -x "$rr/bin/busybox"
fails 1 ioc fetch -F "$T_TMP/no-such-file.tar" release=missing
printf 'this is not an archive\n' >"$T_TMP/garbage.tar"
fails 1 ioc fetch -F "$T_TMP/garbage.tar" release=garbage
nok ioc fetch -F "$(busybox_tarball)" release=../escape
nok ioc fetch -F "$(busybox_tarball)" release=a/b
ok ioc list -r -H
unlike "$OUT" "^(missing|garbage|\.\./escape|a/b|escape)([[:space:]]|$)" \
	"no failed fetch left a release behind"
ok -m "no escape directory next to the store" test ! -e "$(dirname "$(store_top)")/escape"

# --- hostile archives: refused, nothing written outside, no release left ---
passwd_sum=$(sha256sum </etc/passwd)
passwd_links=$(stat -c %h /etc/passwd)
mounts_before=$(_mounts_under "$(store_top)")
make_evil_tarballs "$T_TMP/evil"
for a in dotdot abs symlink-escape symlink-dotdot hardlink-out hardlink-abs; do
	fails 1 ioc fetch -F "$T_TMP/evil/$a.tar" release="evil-$a"
	is "$(evil_traces)" "" "$a.tar: nothing planted anywhere"
	ok -m "$a.tar: the target of the escaping symlink is still empty" \
		test -z "$(ls -A "$EVIL_OUTSIDE")"
	ok ioc list -r -H
	unlike "$OUT" "^evil-$a([[:space:]]|$)" "$a.tar: no release evil-$a is listed"
	if [ "$IOC_BACKEND" = zfs ]; then
		is "$(zfs list -H -t all -o name -r "$IOCAGE_POOL" | grep -F "evil-$a")" "" \
			"$a.tar: no dataset or snapshot left"
	else
		is "$(find "$IOCAGE_ROOT" -name "*evil-$a*")" "" "$a.tar: no directory left"
	fi
done
is "$(sha256sum </etc/passwd)" "$passwd_sum" "/etc/passwd is unchanged"
is "$(stat -c %h /etc/passwd)" "$passwd_links" "/etc/passwd gained no hard link"
is "$(_mounts_under "$(store_top)")" "$mounts_before" "no mount left behind by a failed fetch"

# A refused archive leaves nothing that stops the name from being used.
ok -m "the name of a refused release can be fetched afterwards" \
	ioc fetch -F "$(busybox_tarball)" release=evil-dotdot
ok test -x "$(release_root evil-dotdot)/bin/busybox"

done_testing
