#!/usr/bin/env bash
# record start|stop and package: a running jail's changes collected in an overlay upper layer
# (across a restart), kept in the jail when the recording stops, published without noise as a
# differential package (with its deletions), and imported onto the same base; another base
# is refused, naming both.
. "$(dirname "$0")/lib.sh"
at_exit stop_test_jails
# On ZFS a recording lives on the host (zfs-fuse cannot be an overlay upper layer).
[ "$IOC_BACKEND" = zfs ] && at_exit "rm -rf /var/lib/iocage-record/$IOCAGE_POOL"

ok -m "fetch release R" make_busybox_release R || bail_out "cannot fetch: $ERR"
ok ioc create -c release=R tag=rec
u=$(uuid_of rec)

fails -m "record stop without a recording" 1 ioc record stop rec
like "$ERR" "not recording" "the refusal says so"
fails -m "package without a recording" 1 ioc package rec
fails -m "record with a bad verb" 2 ioc record pause rec
ok ioc record start rec
fails -m "record start twice" 1 ioc record start rec
ok ioc start rec
fails -m "record stop of a running jail" 1 ioc record stop rec
ok -m "the jail changes its root" ioc exec rec /bin/sh -c \
	'echo new >/etc/newfile && echo extra:x:1:1::/:/bin/sh >>/etc/passwd && rm /etc/group &&
	 mkdir -p /srv/app && echo app >/srv/app/conf && mkdir -p /var/log && echo noise >/var/log/noise.log'
r=$(jail_root "$u")
ok -m "while recording, the jail's own root is unchanged" test ! -e "$r/etc/newfile"
ok -m "recording survives a restart" ioc restart rec
ok ioc exec rec /bin/sh -c 'echo after >/etc/after-restart'
ok ioc stop rec
ok ioc record stop rec
ok -m "the changes stay in the jail" test "$(cat "$r/etc/newfile")" = new
ok -m "a deletion stays" test ! -e "$r/etc/group"
ok -m "a change after the restart stays" test -e "$r/etc/after-restart"
ok -m "logs stay in the jail" test -e "$r/var/log/noise.log"
like "$(cat "$r/etc/passwd")" '^extra:' "a modified file stays"

ok ioc package rec
pkg=$OUT
like "$pkg" "/packages/$u-[0-9]{8}-[0-9]{6}\.tar\.zst$" "package prints packages/UUID-TIME.tar.zst"
ok -m "the package's .sha256 checks" bash -c "cd '$(dirname "$pkg")' && sha256sum -c '$(basename "$pkg").sha256'"
list=$(zstd -dc "$pkg" | tar -tf -)
man=$(zstd -dc "$pkg" | tar -xOf - MANIFEST)
like "$man" '^kind=package$' "the manifest says package"
like "$man" '^base=release R$' "the manifest names the base"
like "$man" '^whiteout=etc/group$' "the deletion is a whiteout"
like "$list" '^root/etc/newfile$' "a new file is in the package"
like "$list" '^root/srv/app/conf$' "a new directory is in the package"
unlike "$list" 'noise\.log' "logs are left out"
unlike "$list" '^root/bin/busybox$' "unchanged files are not in the package"

ok -m "import of the package" ioc import "$pkg" tag=applied
a=$(jail_root "$(uuid_of applied)")
is "$(cat "$a/etc/newfile")" new "the package's new file is there"
ok -m "its deletion is applied" test ! -e "$a/etc/group"
like "$(cat "$a/etc/passwd")" '^extra:' "its change is applied"
ok -m "the base's files are there" test -x "$a/bin/busybox"
ok -m "the noise is not" test ! -e "$a/var/log/noise.log"
ok -m "the new jail starts" ioc start applied
ok ioc exec applied /bin/cat /srv/app/conf
is "$OUT" app "the jail runs with the package's files"
ok ioc stop applied

ok -m "fetch release S" make_busybox_release S
fails -m "a package on another base" 1 ioc import "$pkg" release=S tag=wrong
like "$ERR" "applies to release R, not release S" "the refusal names both bases"
is "$(uuid_of wrong)" "" "nothing is made on another base"

# A jail destroyed while it records takes its recording with it (on ZFS it lives on the host).
ok ioc create -c release=R tag=gone
ug=$(uuid_of gone)
ok ioc record start gone
if [ "$IOC_BACKEND" = zfs ]; then
	ok -m "the recording is on the host" test -d "/var/lib/iocage-record/$IOCAGE_POOL/$ug"
fi
ok -m "destroy a recording jail" ioc destroy -f gone
if [ "$IOC_BACKEND" = zfs ]; then
	ok -m "its recording went with it" test ! -e "/var/lib/iocage-record/$IOCAGE_POOL/$ug"
fi
is "$(unlisted_leftovers)" "" "nothing is left behind"

done_testing
