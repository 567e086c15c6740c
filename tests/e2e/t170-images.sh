#!/usr/bin/env bash
# export and import: a portable archive of a jail (root with owners, modes, xattrs, ACLs, hard
# links, device nodes; properties; checksum), to a file, the store or a pipe; and the bad
# input import must refuse with nothing made: truncated and altered archives, unknown manifest
# versions, entries that escape the root, unlisted device nodes and set-uid files, a taken
# UUID or tag, a running jail, a basejail whose release is missing, a killed import.
. "$(dirname "$0")/lib.sh"

ok -m "fetch release R" make_busybox_release R || bail_out "cannot fetch: $ERR"

# tree_sig DIR: every entry's type, mode, owner, size, link target, link count, mtime, device,
# xattrs (but the store's own) and contents' hash, sorted.
tree_sig() {
	python3 - "$1" <<'PY'
import hashlib, os, stat, sys
top = sys.argv[1]
rows = []
for d, dirs, files in os.walk(top):
    for n in [""] + dirs + files if d == top else dirs + files:
        p = os.path.join(d, n) if n else d
        st = os.lstat(p)
        rel = os.path.relpath(p, top)
        x = []
        try:
            for k in sorted(os.listxattr(p, follow_symlinks=False)):
                if not k.startswith(("trusted.iocage", "trusted.overlay.")):
                    x.append(k + "=" + os.getxattr(p, k, follow_symlinks=False).hex())
        except OSError:
            pass
        h = ""
        if stat.S_ISREG(st.st_mode):
            h = hashlib.sha256(open(p, "rb").read()).hexdigest()[:16]
        link = os.readlink(p) if stat.S_ISLNK(st.st_mode) else ""
        dev = f"{os.major(st.st_rdev)},{os.minor(st.st_rdev)}" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else ""
        mt = "" if rel == "." or stat.S_ISDIR(st.st_mode) else st.st_mtime_ns // 1000000000
        rows.append(f"{rel}|{oct(st.st_mode)}|{st.st_uid}:{st.st_gid}|{st.st_size if stat.S_ISREG(st.st_mode) else ''}|{link}|{st.st_nlink if not stat.S_ISDIR(st.st_mode) else ''}|{mt}|{dev}|{';'.join(x)}|{h}")
print("\n".join(sorted(rows)))
PY
}

# An ACL (system.posix_acl_access: user::rwx user:1234:r-x group::r-- mask::r-x other::---).
set_acl() {
	python3 - "$1" <<'PY'
import os, struct, sys
e = [(1, 7, 0xffffffff), (2, 5, 1234), (4, 4, 0xffffffff), (0x10, 5, 0xffffffff), (0x20, 0, 0xffffffff)]
os.setxattr(sys.argv[1], "system.posix_acl_access", struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *x) for x in e))
PY
}

jail_count() {
	listed_uuids | wc -l
}

# --- a jail with every kind of file ---
ok ioc create release=R tag=src exec_timeout=77 exec_prestart=/bin/true
u=$(uuid_of src)
r=$(jail_root "$u")
mkdir -p "$r/srv/deep/er"
echo data >"$r/srv/deep/er/file"
chown -R 1000:1001 "$r/srv"
chmod 0750 "$r/srv/deep"
cp "$r/bin/busybox" "$r/usr/bin/su" && chmod 4755 "$r/usr/bin/su"
ln "$r/usr/bin/su" "$r/usr/bin/su-again"
ln -s ../srv/deep/er/file "$r/etc/link"
mkfifo "$r/srv/fifo"
mknod "$r/dev/null" c 1 3 && chmod 0666 "$r/dev/null"
truncate -s 3M "$r/srv/sparse"
have_xattr=0
if setfattr -n user.color -v blue "$r/etc/passwd" 2>/dev/null; then
	have_xattr=1
fi
have_acl=0
if set_acl "$r/srv/deep/er/file" 2>/dev/null; then
	have_acl=1
fi
touch -d '2020-01-02 03:04:05' "$r/etc/passwd"
sig_before=$(tree_sig "$r")

# --- export ---
ok -m "export writes images/UUID.tar.zst" ioc export src
img=$(store_top)/images/$u.tar.zst
is "$OUT" "$img" "export prints the image's path"
ok -m "the image's .sha256 checks with sha256sum -c" \
	bash -c "cd '$(dirname "$img")' && sha256sum -c '$u.tar.zst.sha256'"
manifest=$(zstd -dc "$img" 2>/dev/null | tar -xOf - MANIFEST 2>/dev/null)
like "$manifest" '^iocage-image 1$' "the manifest says its format version"
like "$manifest" "^uuid=$u$" "the manifest names the jail"
like "$manifest" '^release=R$' "the manifest names the release"
like "$manifest" '^origin=release R$' "the manifest names the origin"
like "$manifest" '^exported=[0-9]+$' "the manifest has the export time"
like "$manifest" '^prop\.exec_timeout=77$' "the manifest holds the properties"
like "$manifest" '^special=c 0666 1 3 dev/null$' "the manifest lists the device node"
like "$manifest" '^special=f 4755 0 0 usr/bin/su$' "the manifest lists the set-uid file"
ok -m "standard tools read the image" bash -c "zstd -dc '$img' | tar -tf - | grep -qx root/etc/passwd"

# --- a running jail is not exported ---
ok ioc start src
fails -m "export of a running jail" 1 ioc export -o "$T_TMP/running.tar.zst" src
like "$ERR" "is running; stop it" "the refusal says to stop it"
ok -m "nothing is written for a running jail" test ! -e "$T_TMP/running.tar.zst"
ok ioc stop src

# --- import ---
fails -m "import while the UUID is taken" 1 ioc import "$u"
like "$ERR" "UUID $u is already taken.*-n" "the refusal names the UUID and -n"
fails -m "import -n with a tag in use" 1 ioc import -n "$u" tag=src
like "$ERR" "tag 'src' is already used" "the refusal names the tag"
n0=$(jail_count)
ok ioc destroy -f src
ok -m "import by UUID prefix" ioc import "${u:0:8}"
like "$OUT" "^$u \(src\)$" "the jail keeps its UUID and tag"
is "$(tree_sig "$(jail_root "$u")")" "$sig_before" \
	"the root is the same: owners, modes, links, nodes, times, xattrs, contents"
[ "$have_xattr" = 1 ] && like "$sig_before" 'user.color' "the xattr was part of the comparison"
[ "$have_acl" = 1 ] && like "$sig_before" 'system.posix_acl_access' "the ACL was part of the comparison"
ok ioc get exec_timeout src
is "$OUT" 77 "properties are imported"
ok ioc get exec_prestart src
is "$OUT" none "host-side hooks are not imported"

run ioc import -n "$img" tag=copy2
is "$RC" 0 "import -n FILE"
like "$ERR" "exec_prestart is not imported" "import says what it left out"
u2=$(uuid_of copy2)
isnt "$u2" "$u" "import -n gives a new UUID"
is "$(tree_sig "$(jail_root "$u2")")" "$sig_before" "import -n: the same root"

# export -o FILE, and a pipe
ok -m "export -o FILE" ioc export -o "$T_TMP/web.tar.zst" src
ok -m "export -o FILE writes FILE.sha256" test -s "$T_TMP/web.tar.zst.sha256"
ok -m "export -o - | import -i -" bash -c "'$IOCAGE_BIN' export -o - src | '$IOCAGE_BIN' import -n -i - tag=piped"
is "$(tree_sig "$(jail_root "$(uuid_of piped)")")" "$sig_before" "the piped jail has the same root"
fails -m "import of a bad property value" 1 ioc import -n "$T_TMP/web.tar.zst" tag=bad exec_timeout=lots
is "$(uuid_of bad)" "" "no jail is made with a bad property"

# --- bad input: nothing made ---
n1=$(jail_count)
head -c 20000 "$T_TMP/web.tar.zst" >"$T_TMP/trunc.tar.zst"
fails -m "a truncated archive" 1 ioc import -n "$T_TMP/trunc.tar.zst" tag=t1
like "$ERR" "truncated" "the refusal says truncated"
cp "$T_TMP/web.tar.zst" "$T_TMP/flip.tar.zst"
python3 -c "
import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[len(b)//2]^=1; open(p,'wb').write(b)" "$T_TMP/flip.tar.zst"
fails -m "a flipped byte" 1 ioc import -n "$T_TMP/flip.tar.zst" tag=t2
like "$ERR" "checksum mismatch" "the refusal says checksum mismatch"
sed "s/flip/web/;s/web.tar.zst/flip.tar.zst/" "$T_TMP/web.tar.zst.sha256" >"$T_TMP/flip.tar.zst.sha256"
fails -m "a flipped byte with a .sha256 beside" 1 ioc import -n "$T_TMP/flip.tar.zst" tag=t3
like "$ERR" "checksum mismatch" "the .sha256 beside it does not match"
fails -m "import from a missing file" 1 ioc import "$T_TMP/nosuch.tar.zst"

# Archives with a valid checksum and hostile contents.
EVIL_MARK=ioc-evil-$$-$RANDOM
EVIL_OUTSIDE=$T_TMP/outside
EVIL_ABS_DIR=$EVIL_OUTSIDE
mkdir -p "$EVIL_OUTSIDE"
mkimg() { # mkimg CASE: print the path of an image built for CASE
	python3 - "$T_TMP/evil-$1.tar.zst" "$1" "$EVIL_MARK" "$EVIL_OUTSIDE" <<'PY'
import hashlib, io, subprocess, sys, tarfile, time, uuid
out, case, mark, outside = sys.argv[1:5]
def entry(name, kind=tarfile.REGTYPE, data=b"", link="", mode=0o644, dev=(0, 0)):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = 0o755 if kind in (tarfile.DIRTYPE, tarfile.SYMTYPE) else mode
    ti.mtime = int(time.time())
    ti.linkname = link
    ti.devmajor, ti.devminor = dev
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    return ti, (io.BytesIO(data) if kind == tarfile.REGTYPE else None)
pwn = b"pwned\n"
version, special, ents = 1, [], []
if case == "version": version = 99
elif case == "dotdot": ents = [entry(f"root/../../{mark}-dotdot", data=pwn)]
elif case == "abs": ents = [entry(f"{outside}/{mark}-abs", data=pwn)]
elif case == "beside": ents = [entry(f"etc/{mark}-beside", data=pwn)]
elif case == "symlink-file": ents = [entry("root/l", tarfile.SYMTYPE, link=outside), entry(f"root/l/{mark}-symlink", data=pwn)]
elif case == "symlink-out": ents = [entry("root/l", tarfile.SYMTYPE, link="../../../../..")]
elif case == "hardlink-out": ents = [entry(f"root/{mark}-hl", tarfile.LNKTYPE, link="MANIFEST")]
elif case == "dev": ents = [entry("root/sda", tarfile.BLKTYPE, mode=0o666, dev=(8, 0))]
elif case == "dev-listed":
    special = ["b 0660 8 0 sda"]
    ents = [entry("root/sda", tarfile.BLKTYPE, mode=0o660, dev=(8, 0))]
elif case == "suid": ents = [entry("root/sh", data=b"#!/bin/sh\n", mode=0o4755)]
elif case == "suid-listed":
    special = ["f 4755 0 0 sh"]
    ents = [entry("root/sh", data=b"#!/bin/sh\n", mode=0o4755)]
man = "\n".join([f"iocage-image {version}", "kind=jail", f"uuid={uuid.uuid4()}", "type=thickjail",
                 "release=none", "origin=none", "created=0", "exported=0"] +
                [f"special={s}" for s in special]) + "\n"
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
    if case != "nomanifest":
        t.addfile(*entry("MANIFEST", data=man.encode()))
    for e in [entry("root/", tarfile.DIRTYPE), entry("root/etc/", tarfile.DIRTYPE),
              entry("root/etc/harmless", data=b"ok\n")] + ents:
        t.addfile(*e)
z = subprocess.run(["zstd", "-q", "-c"], input=raw.getvalue(), stdout=subprocess.PIPE, check=True).stdout
h = hashlib.sha256(z).hexdigest()
payload = b"sha256=" + h.encode() + b"\n"
open(out, "wb").write(z + bytes([0x5e, 0x2a, 0x4d, 0x18]) + len(payload).to_bytes(4, "little") + payload)
print(out)
PY
}

for c in version nomanifest dotdot abs beside symlink-file symlink-out hardlink-out dev suid; do
	f=$(mkimg $c)
	fails -m "hostile archive '$c' is refused" 1 ioc import "$f" tag=evil
	case $c in
	version) like "$ERR" "format version 99 is not supported" "the refusal names the version" ;;
	dev) like "$ERR" "device node the manifest does not list" "an unlisted device node is named" ;;
	suid) like "$ERR" "set-uid/set-gid file the manifest does not list" "an unlisted set-uid file is named" ;;
	symlink-file) like "$ERR" "symlink" "the refusal names the symlink" ;;
	esac
done
is "$(find "$(store_top)" "$EVIL_OUTSIDE" "$T_TMP" /tmp -xdev -name "$EVIL_MARK*" 2>/dev/null)" "" \
	"no hostile entry was written anywhere"
is "$(jail_count)" "$n1" "no hostile or damaged archive made a jail"
is "$(unlisted_leftovers)" "" "and left nothing behind"

ok -m "a listed device node is kept" ioc import "$(mkimg dev-listed)" tag=devok
ok -m "it is a block device 8,0 inside the root" \
	test "$(stat -c '%F %t,%T %a' "$(jail_root "$(uuid_of devok)")/sda")" = "block special file 8,0 660"
ok -m "a listed set-uid file is kept" ioc import "$(mkimg suid-listed)" tag=suidok
is "$(stat -c %a "$(jail_root "$(uuid_of suidok)")/sh")" 4755 "with its set-uid bit"

# --- a basejail needs its release ---
ok -m "fetch release B" make_busybox_release B
ok ioc create -b release=B tag=bj
ub=$(uuid_of bj)
ok ioc export -o "$T_TMP/bj.tar.zst" bj
ok ioc destroy -f bj
ok ioc destroy -f B
fails -m "import of a basejail whose release is missing" 1 ioc import "$T_TMP/bj.tar.zst"
like "$ERR" "needs release B.*iocage fetch release=B" "the error names the release and the fetch command"
is "$(uuid_of bj)" "" "no basejail was made"
ok make_busybox_release B
ok -m "with the release back, the basejail imports" ioc import "$T_TMP/bj.tar.zst"
is "$(list_col bj 6)" basejail "it is a basejail again"
is "$(uuid_of bj)" "$ub" "with its UUID"
ok -m "the imported basejail starts" ioc start bj
ok ioc stop bj

# --- a killed import leaves nothing ---
ok -m "fetch a padded release P" make_busybox_release P 48
ok ioc create release=P tag=big
ub=$(uuid_of big)
ok ioc export -o "$T_TMP/big.tar.zst" big
ok ioc destroy -f big
"$IOCAGE_BIN" import "$T_TMP/big.tar.zst" >/dev/null 2>&1 &
pid=$!
seen=0
for _ in $(seq 3000); do
	if [ "$IOC_BACKEND" = dir ] && [ -d "$IOCAGE_ROOT/jails/$ub/root" ]; then
		seen=1 && break
	elif [ "$IOC_BACKEND" = zfs ] && ds_exists "$IOCAGE_POOL/iocage/jails/$ub/root"; then
		seen=1 && break
	fi
	kill -0 $pid 2>/dev/null || break
	sleep 0.01
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
st=$?
if [ "$seen" = 1 ] && [ "$st" = 137 ]; then
	is "$(uuid_of big)" "" "a killed import is not listed"
	is "$(unlisted_leftovers)" "" "and the next command removed what it made"
else
	skip "a killed import" "the import ended (status $st) before it could be killed"
	skip "a killed import leaves nothing" "the import ended before it could be killed"
	[ "$st" = 0 ] && ok ioc destroy -f big
fi
ok -m "the import then succeeds" ioc import "$T_TMP/big.tar.zst"

# --- across backends: zfs -> dir -> zfs ---
if [ "$IOC_BACKEND" = zfs ]; then
	other=$(mktemp -d /var/tmp/ioc-e2e-other.XXXXXX)
	at_exit "rm -rf '$other'; rm -f '/run/iocage/locks/dir.${other//\//%}.'*"
	ok -m "an image exported on zfs imports on dir" \
		env -u IOCAGE_POOL "$IOCAGE_BIN" --root "$other" import -n "$img" tag=ondir
	udir=$(env -u IOCAGE_POOL "$IOCAGE_BIN" --root "$other" list -H | awk '$5 == "ondir" { print $2 }')
	is "$(tree_sig "$other/jails/$udir/root")" "$sig_before" "the dir jail has the same root"
	ok -m "and back from dir to zfs" bash -c "env -u IOCAGE_POOL '$IOCAGE_BIN' --root '$other' export -o - ondir | '$IOCAGE_BIN' import -n -i - tag=backzfs"
	is "$(tree_sig "$(jail_root "$(uuid_of backzfs)")")" "$sig_before" "the round trip keeps the root"
fi

done_testing
