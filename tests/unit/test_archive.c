/* Archive checks and unpacking: the pure path checks, a real tree in every compression, and
 * the attacks that try to write outside the destination. Archives are built here with
 * libarchive's writer; everything happens under one mkdtemp directory that is removed. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/fetch.h"
#include "tap.h"

#define MTIME 1500000000

static char top[256];     /* the mkdtemp directory */
static char outside[300]; /* a directory next to the destinations that must stay empty */
static int ndest;

/* One archive entry: type f (file), d, l (symlink), h (hard link), p (fifo), c, b. */
struct ent {
	const char *path;
	const char *data;  /* file contents */
	const char *link;  /* symlink or hard link target */
	const char *xattr; /* "name=value" */
	unsigned mode;
	unsigned uid, gid;
	unsigned major, minor;
	char type;
};

static int
add_entry(struct archive *a, const struct ent *x)
{
	struct archive_entry *ae = archive_entry_new();
	size_t len = x->data ? strlen(x->data) : 0;
	static const struct {
		char c;
		unsigned type;
	} types[] = {{'f', AE_IFREG}, {'h', AE_IFREG}, {'d', AE_IFDIR}, {'l', AE_IFLNK},
		     {'p', AE_IFIFO}, {'c', AE_IFCHR}, {'b', AE_IFBLK}};
	int r;

	archive_entry_set_pathname(ae, x->path);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].c == x->type)
			archive_entry_set_filetype(ae, types[i].type);
	archive_entry_set_perm(ae, x->mode ? x->mode : (x->type == 'd' ? 0755 : 0644));
	archive_entry_set_uid(ae, x->uid);
	archive_entry_set_gid(ae, x->gid);
	archive_entry_set_mtime(ae, MTIME, 0);
	archive_entry_set_size(ae, x->type == 'f' ? (la_int64_t)len : 0);
	if (x->type == 'l')
		archive_entry_set_symlink(ae, x->link);
	if (x->type == 'h')
		archive_entry_set_hardlink(ae, x->link);
	if (x->type == 'c' || x->type == 'b')
		archive_entry_set_rdev(ae, makedev(x->major, x->minor));
	if (x->xattr) {
		const char *eq = strchr(x->xattr, '=');
		char name[128];

		snprintf(name, sizeof(name), "%.*s", (int)(eq - x->xattr), x->xattr);
		archive_entry_xattr_add_entry(ae, name, eq + 1, strlen(eq + 1));
	}
	r = archive_write_header(a, ae);
	if (r == ARCHIVE_OK && x->type == 'f' && len)
		r = archive_write_data(a, x->data, len) == (la_ssize_t)len ? ARCHIVE_OK : -1;
	archive_entry_free(ae);
	return r;
}

/* Write v[0..n) to file with filter ("none", "gzip", "xz", "zstd", "bzip2"). 1 if the
 * filter is not built into this libarchive. */
static int
build(const char *file, const char *filter, const struct ent *v, size_t n)
{
	struct archive *a = archive_write_new();
	int r = archive_write_set_format_pax(a);

	if (r == ARCHIVE_OK && strcmp(filter, "none") != 0)
		r = archive_write_add_filter_by_name(a, filter);
	if (r != ARCHIVE_OK) {
		archive_write_free(a);
		return 1;
	}
	r = archive_write_open_filename(a, file);
	for (size_t i = 0; r == ARCHIVE_OK && i < n; i++)
		r = add_entry(a, &v[i]);
	if (archive_write_close(a) != ARCHIVE_OK)
		r = -1;
	archive_write_free(a);
	return r == ARCHIVE_OK ? 0 : -1;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void
rm_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* A new empty destination under top; its path into dest. */
static void
new_dest(char *dest, size_t len)
{
	snprintf(dest, len, "%s/dest%d", top, ++ndest);
	mkdir(dest, 0755);
}

static int
unpack(const char *filter, const struct ent *v, size_t n, char *dest, size_t len, struct ioc_err *e)
{
	char file[PATH_MAX];

	snprintf(file, sizeof(file), "%s/a%d.tar", top, ndest + 1);
	if (build(file, filter, v, n) != 0) {
		err_set(e, 0, "could not build the archive");
		return -2;
	}
	new_dest(dest, len);
	return archive_unpack(file, dest, false, e);
}

static int
read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* ---- pure checks ---- */

static void
check_path_ok(const char *in, const char *want)
{
	char out[PATH_MAX];
	struct ioc_err e = {0};

	if (archive_check_path(in, out, sizeof(out), &e) < 0)
		ok(0, "path '%s' allowed (%s)", in, e.msg);
	else
		is_str(out, want, "path '%s' normalises to '%s'", in, want);
}

static void
check_path_bad(const char *in, const char *why)
{
	char out[PATH_MAX];
	struct ioc_err e = {0};
	int r = archive_check_path(in, out, sizeof(out), &e);

	ok(r < 0 && strstr(e.msg, why), "path '%.40s' refused (%s)", in, e.msg);
}

static void
test_paths(void)
{
	char longp[PATH_MAX + 8], longc[NAME_MAX + 8], out[8];
	struct ioc_err e = {0};

	check_path_ok("a/b", "a/b");
	check_path_ok("./a//b/", "a/b");
	check_path_ok("a/./b/.", "a/b");
	check_path_ok(".", "");
	check_path_ok("./", "");
	check_path_ok("./.", "");
	check_path_ok("etc/..hidden", "etc/..hidden");
	check_path_ok("a/...", "a/...");
	check_path_ok("a..b/c", "a..b/c");
	check_path_bad("/abs", "absolute");
	check_path_bad("/", "absolute");
	check_path_bad("../x", "'..'");
	check_path_bad("..", "'..'");
	check_path_bad("a/../../x", "'..'");
	check_path_bad("a/..", "'..'");
	check_path_bad("./a/../b", "'..'");
	check_path_bad("", "empty");
	memset(longp, 'a', sizeof(longp));
	for (size_t i = 100; i < sizeof(longp) - 1; i += 100)
		longp[i] = '/';
	longp[PATH_MAX] = '\0';
	check_path_bad(longp, "longer than");
	memset(longc, 'c', sizeof(longc));
	longc[NAME_MAX + 1] = '\0';
	check_path_bad(longc, "component longer");
	ok(archive_check_path("abcdefghij", out, sizeof(out), &e) < 0 && e.code == ENAMETOOLONG,
	   "a path longer than the output buffer is refused");
}

static void
check_link(const char *path, const char *target, bool good)
{
	struct ioc_err e = {0};
	int r = archive_check_symlink(path, target, &e);

	if (good)
		ok(r == 0, "symlink %s -> %s allowed%s%s", path, target, r ? ": " : "",
		   r ? e.msg : "");
	else
		ok(r < 0, "symlink %s -> %s refused (%s)", path, target, r ? e.msg : "");
}

static void
test_symlinks(void)
{
	check_link("l", "x", true);
	check_link("l", "/etc", true);
	check_link("l", "/", true);
	check_link("l", "/../../..", true); /* absolute: resolves inside the jail */
	check_link("l", ".", true);
	check_link("l", "x/../y", true);
	check_link("a/l", "..", true);
	check_link("a/l", "../x", true);
	check_link("./a//b/l", "../../x", true);
	check_link("a/b/l", "./.././../x/y", true);
	check_link("usr/bin/sh", "dash", true);
	check_link("l", "..", false);
	check_link("l", "../", false);
	check_link("l", "../x", false);
	check_link("l", "../../", false);
	check_link("l", "x/../../y", false);
	check_link("a/l", "../..", false);
	check_link("a/b/l", "../../../x", false);
	check_link("a/l", "./../..", false);
	check_link("l", "", false);
	check_link("/l", "x", false);
	check_link("../l", "x", false);
	check_link(".", "x", false);
}

/* ---- a real tree ---- */

static const struct ent tree[] = {
    {.type = 'd', .path = "./", .mode = 0700},
    {.type = 'd', .path = "etc", .mode = 0755},
    {.type = 'f', .path = "etc/hostname", .mode = 0644, .data = "jail\n"},
    {.type = 'f',
     .path = "usr/bin/su",
     .mode = 04755,
     .data = "#!/bin/sh\n"}, /* parents not in the archive */
    {.type = 'l', .path = "usr/bin/sh", .mode = 0777, .link = "dash"},
    {.type = 'l', .path = "etc/abs", .mode = 0777, .link = "/usr/bin/su"},
    {.type = 'h', .path = "usr/bin/su2", .link = "usr/bin/su"},
    {.type = 'd', .path = "home/u", .mode = 0700, .uid = 1000, .gid = 1000},
    {.type = 'f',
     .path = "home/u/.profile",
     .mode = 0600,
     .data = "PS1=x\n",
     .uid = 1000,
     .gid = 1001},
    {.type = 'd', .path = "dev", .mode = 0755},
    {.type = 'p', .path = "dev/fifo", .mode = 0620},
    {.type = 'c', .path = "dev/null", .mode = 0666, .major = 1, .minor = 3},
    {.type = 'b', .path = "dev/loop9", .mode = 0660, .gid = 6, .major = 7, .minor = 9},
    {.type = 'd', .path = "ro", .mode = 0555},
    {.type = 'f', .path = "ro/inside", .mode = 0444, .data = "sealed"},
    {.type = 'd', .path = "ro/sub", .mode = 0500},
    {.type = 'f', .path = "ro/sub/deep", .mode = 0400, .data = "deeper"},
    {.type = 'f', .path = "dup", .mode = 0644, .data = "first"},
    {.type = 'f', .path = "dup", .mode = 0600, .data = "second"},
    {.type = 'd',
     .path = "etc",
     .mode = 0750}, /* a duplicate directory keeps its contents, takes the new mode */
    {.type = 'f', .path = "xattr", .mode = 0644, .data = "x", .xattr = "user.iocage=yes"},
    {.type = 'l', .path = "over", .mode = 0777, .link = "/nonexistent-target"},
    {.type = 'f', .path = "over", .mode = 0644, .data = "replaced a symlink"},
    {.type = 'f', .path = "empty", .mode = 0644, .data = ""},
};

static void
check_mode(const char *dest, const char *rel, unsigned type, unsigned mode, unsigned uid,
	   unsigned gid)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dest, rel);
	if (lstat(path, &st) < 0) {
		ok(0, "%s exists", rel);
		return;
	}
	ok((st.st_mode & S_IFMT) == type && (st.st_mode & 07777) == mode && st.st_uid == uid &&
	       st.st_gid == gid && st.st_mtime == MTIME,
	   "%s: type, mode %04o, owner %u:%u and mtime kept (got %04o %u:%u %ld)", rel, mode, uid,
	   gid, st.st_mode & 07777, st.st_uid, st.st_gid, (long)st.st_mtime);
}

static void
test_tree(const char *filter)
{
	char dest[512], path[PATH_MAX], buf[256];
	struct ioc_err e = {0};
	struct stat st, st2;
	ssize_t n;
	int r = unpack(filter, tree, sizeof(tree) / sizeof(tree[0]), dest, sizeof(dest), &e);

	if (r == -2) {
		ok(1, "# SKIP libarchive here cannot write %s", filter);
		return;
	}
	ok(r == 0, "%s: the tree unpacks%s%s", filter, r ? ": " : "", r ? e.msg : "");
	if (r)
		return;
	stat(dest, &st);
	ok((st.st_mode & 07777) == 0755, "%s: the root entry leaves the destination's mode alone",
	   filter);
	check_mode(dest, "etc", S_IFDIR, 0750, 0, 0);
	check_mode(dest, "usr/bin/su", S_IFREG, 04755, 0, 0);
	check_mode(dest, "home/u", S_IFDIR, 0700, 1000, 1000);
	check_mode(dest, "home/u/.profile", S_IFREG, 0600, 1000, 1001);
	check_mode(dest, "dev/fifo", S_IFIFO, 0620, 0, 0);
	check_mode(dest, "dev/null", S_IFCHR, 0666, 0, 0);
	check_mode(dest, "dev/loop9", S_IFBLK, 0660, 0, 6);
	check_mode(dest, "ro", S_IFDIR, 0555, 0, 0);
	check_mode(dest, "ro/sub", S_IFDIR, 0500, 0, 0);
	check_mode(dest, "ro/sub/deep", S_IFREG, 0400, 0, 0);
	check_mode(dest, "dup", S_IFREG, 0600, 0, 0);
	snprintf(path, sizeof(path), "%s/usr/bin", dest);
	ok(stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755,
	   "%s: missing parents are made 0755", filter);
	snprintf(path, sizeof(path), "%s/dev/null", dest);
	ok(lstat(path, &st) == 0 && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3,
	   "%s: device numbers kept", filter);
	snprintf(path, sizeof(path), "%s/etc/hostname", dest);
	ok(read_text(path, buf, sizeof(buf)) == 0 && strcmp(buf, "jail\n") == 0,
	   "%s: file contents", filter);
	snprintf(path, sizeof(path), "%s/dup", dest);
	ok(read_text(path, buf, sizeof(buf)) == 0 && strcmp(buf, "second") == 0,
	   "%s: a duplicate file replaces the first", filter);
	snprintf(path, sizeof(path), "%s/ro/sub/deep", dest);
	ok(read_text(path, buf, sizeof(buf)) == 0 && strcmp(buf, "deeper") == 0,
	   "%s: read-only directories were filled", filter);
	snprintf(path, sizeof(path), "%s/usr/bin/sh", dest);
	n = readlink(path, buf, sizeof(buf) - 1);
	ok(n == 4 && memcmp(buf, "dash", 4) == 0, "%s: relative symlink", filter);
	snprintf(path, sizeof(path), "%s/etc/abs", dest);
	n = readlink(path, buf, sizeof(buf) - 1);
	ok(n == 11 && memcmp(buf, "/usr/bin/su", 11) == 0, "%s: absolute symlink kept as is",
	   filter);
	snprintf(path, sizeof(path), "%s/usr/bin/su", dest);
	stat(path, &st);
	snprintf(path, sizeof(path), "%s/usr/bin/su2", dest);
	ok(lstat(path, &st2) == 0 && st.st_ino == st2.st_ino && st.st_nlink == 2,
	   "%s: hard link shares the inode", filter);
	snprintf(path, sizeof(path), "%s/over", dest);
	ok(lstat(path, &st) == 0 && S_ISREG(st.st_mode) && access("/nonexistent-target", F_OK),
	   "%s: a file replaces a symlink, not written through it", filter);
	snprintf(path, sizeof(path), "%s/empty", dest);
	ok(lstat(path, &st) == 0 && st.st_size == 0, "%s: empty file", filter);
	snprintf(path, sizeof(path), "%s/xattr", dest);
	n = getxattr(path, "user.iocage", buf, sizeof(buf));
	ok((n == 3 && memcmp(buf, "yes", 3) == 0) || (n < 0 && errno == ENOTSUP), "%s: xattr kept",
	   filter);
	rm_tree(dest);
}

/* ---- attacks ---- */

/* Unpack v, which must fail with a message containing want, leaving outside and top as
 * they were. */
static void
attack(const char *name, const struct ent *v, size_t n, const char *want)
{
	char dest[512];
	struct ioc_err e = {0};
	int before = count_entries(top), r;

	r = unpack("gzip", v, n, dest, sizeof(dest), &e);
	ok(r == -1 && strstr(e.msg, want), "%s: refused (%s)", name, r ? e.msg : "unpacked!");
	ok(count_entries(outside) == 0, "%s: nothing written outside", name);
	/* one new archive and one new destination, nothing else */
	ok(count_entries(top) == before + 2, "%s: nothing new next to the destination", name);
	rm_tree(dest);
}

#define ATTACK(name, want, ...)                                                                    \
	do {                                                                                       \
		const struct ent v_[] = {__VA_ARGS__};                                             \
		attack(name, v_, sizeof(v_) / sizeof(v_[0]), want);                                \
	} while (0)

static void
test_attacks(const char *mode)
{
	char abs[512], abs2[512], up[PATH_MAX];
	struct stat pw1, pw2;

	printf("# attacks, %s\n", mode);
	snprintf(abs, sizeof(abs), "%s/x", outside);
	snprintf(abs2, sizeof(abs2), "%s/target", outside);
	snprintf(up, sizeof(up), "../../test_archive_pwn_%d", (int)getpid());
	stat("/etc/passwd", &pw1);

	ATTACK("dotdot_file", "'..'", {.type = 'f', .path = "../x", .mode = 0644, .data = "pwn"});
	ATTACK("dotdot_deep", "'..'", {.type = 'f', .path = up, .mode = 0644, .data = "pwn"});
	ATTACK("dotdot_middle", "'..'", {.type = 'd', .path = "a"},
	       {.type = 'f', .path = "a/../../x", .mode = 0644, .data = "pwn"});
	ATTACK("dotdot_dir", "'..'", {.type = 'd', .path = "../d"});
	ATTACK("absolute_file", "absolute",
	       {.type = 'f', .path = abs, .mode = 0644, .data = "pwn"});
	ATTACK("absolute_dir", "absolute", {.type = 'd', .path = "/tmp"});
	ATTACK("symlink_abs_then_file", "goes through the symlink 'l'",
	       {.type = 'l', .path = "l", .mode = 0777, .link = outside},
	       {.type = 'f', .path = "l/pwn", .mode = 0644, .data = "pwn"});
	ATTACK("symlink_abs_then_dir", "goes through the symlink 'l'",
	       {.type = 'l', .path = "l", .mode = 0777, .link = outside},
	       {.type = 'd', .path = "l/pwn"});
	ATTACK("symlink_abs_then_symlink", "goes through the symlink 'l'",
	       {.type = 'l', .path = "l", .mode = 0777, .link = outside},
	       {.type = 'l', .path = "l/pwn", .mode = 0777, .link = "/etc/shadow"});
	ATTACK("symlink_up_then_file", "leads out of the root",
	       {.type = 'l', .path = "l", .mode = 0777, .link = "../../"},
	       {.type = 'f', .path = "l/pwn", .mode = 0644, .data = "pwn"});
	ATTACK("symlink_inside_then_file", "goes through the symlink 'a/l'",
	       {.type = 'd', .path = "a"}, {.type = 'l', .path = "a/l", .mode = 0777, .link = ".."},
	       {.type = 'f', .path = "a/l/pwn", .mode = 0644, .data = "pwn"});
	ATTACK("symlink_deep_then_file", "goes through the symlink 'a/b/c'",
	       {.type = 'd', .path = "a"}, {.type = 'd', .path = "a/b"},
	       {.type = 'l', .path = "a/b/c", .mode = 0777, .link = outside},
	       {.type = 'f', .path = "a/b/c/d/e", .mode = 0644, .data = "pwn"});
	ATTACK("dir_replaced_by_symlink", "goes through the symlink 'd'",
	       {.type = 'd', .path = "d"},
	       {.type = 'l', .path = "d", .mode = 0777, .link = outside},
	       {.type = 'f', .path = "d/pwn", .mode = 0644, .data = "pwn"});
	ATTACK("file_as_dir", "'x' is not a directory",
	       {.type = 'f', .path = "x", .mode = 0644, .data = "data"},
	       {.type = 'f', .path = "x/y", .mode = 0644, .data = "pwn"});
	ATTACK("hardlink_dotdot", "'..'", {.type = 'h', .path = "h", .link = "../../etc/passwd"});
	ATTACK("hardlink_absolute", "absolute", {.type = 'h', .path = "h", .link = "/etc/passwd"});
	ATTACK("hardlink_through_symlink", "goes through the symlink 'l'",
	       {.type = 'l', .path = "l", .mode = 0777, .link = "/etc"},
	       {.type = 'h', .path = "h", .link = "l/passwd"});
	ATTACK("hardlink_to_root", "root", {.type = 'h', .path = "h", .link = "./"});
	stat("/etc/passwd", &pw2);
	ok(pw1.st_nlink == pw2.st_nlink, "/etc/passwd gained no hard link");
	snprintf(up, sizeof(up), "/tmp/test_archive_pwn_%d", (int)getpid());
	ok(access(up, F_OK) < 0, "nothing written two levels up");
	ok(access(abs2, F_OK) < 0, "nothing written at the symlink's target");
}

/* A symlink that is later replaced by a file is never followed; links inside stay usable. */
static void
test_benign_links(void)
{
	const struct ent v[] = {
	    {.type = 'l', .path = "l", .mode = 0777, .link = outside},
	    {.type = 'f', .path = "l", .mode = 0644, .data = "a file now"},
	    {.type = 'd', .path = "a"},
	    {.type = 'f', .path = "a/f", .mode = 0644, .data = "data"},
	    {.type = 'l', .path = "a/up", .mode = 0777, .link = ".."},
	    {.type = 'h', .path = "a/h", .link = "a/f"},
	    {.type = 'l', .path = "s", .mode = 0777, .link = "/etc/passwd"},
	    {.type = 'h',
	     .path = "hs",
	     .link = "s"}, /* a hard link to a symlink links the symlink */
	};
	char dest[512], path[PATH_MAX], buf[64];
	struct ioc_err e = {0};
	struct stat st;
	int r = unpack("none", v, sizeof(v) / sizeof(v[0]), dest, sizeof(dest), &e);

	ok(r == 0, "links that stay inside unpack%s%s", r ? ": " : "", r ? e.msg : "");
	ok(count_entries(outside) == 0, "nothing written outside");
	snprintf(path, sizeof(path), "%s/hs", dest);
	ok(lstat(path, &st) == 0 && S_ISLNK(st.st_mode), "a hard link to a symlink is a symlink");
	snprintf(path, sizeof(path), "%s/l", dest);
	ok(read_text(path, buf, sizeof(buf)) == 0 && strcmp(buf, "a file now") == 0,
	   "the file replaced the symlink");
	rm_tree(dest);
}

static void
test_bad_input(void)
{
	char file[PATH_MAX], dest[PATH_MAX];
	struct ioc_err e = {0};
	FILE *f;

	snprintf(file, sizeof(file), "%s/garbage.tar.gz", top);
	f = fopen(file, "w");
	fputs("this is not an archive\n", f);
	fclose(f);
	new_dest(dest, sizeof(dest));
	ok(archive_unpack(file, dest, false, &e) < 0 && strstr(e.msg, "garbage.tar.gz"),
	   "a file that is no archive fails (%s)", e.msg);
	ok(archive_unpack("/nonexistent/x.tar", dest, false, &e) < 0,
	   "a missing archive fails (%s)", e.msg);
	ok(archive_unpack(file, "/nonexistent-dir", false, &e) < 0,
	   "a missing destination fails (%s)", e.msg);
	ok(count_entries(dest) == 0, "nothing unpacked");
	unlink(file);
	rm_tree(dest);
}

static void
test_progress(void)
{
	const struct ent v[] = {{.type = 'f', .path = "a", .mode = 0644, .data = "x"},
				{.type = 'f', .path = "b", .mode = 0644, .data = "y"}};
	char file[PATH_MAX], dest[PATH_MAX];
	struct ioc_err e = {0};

	snprintf(file, sizeof(file), "%s/progress.tar", top);
	build(file, "xz", v, 2);
	new_dest(dest, sizeof(dest));
	ok(archive_unpack(file, dest, true, &e) == 0, "unpack with progress on stderr");
	unlink(file);
	rm_tree(dest);
}

int
main(void)
{
	static const char *const filters[] = {"none", "gzip", "xz", "zstd", "bzip2"};

	snprintf(top, sizeof(top), "/tmp/test_archive.XXXXXX");
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(outside, sizeof(outside), "%s/outside", top);
	mkdir(outside, 0755);

	test_paths();
	test_symlinks();
	if (geteuid() != 0) {
		ok(1, "# SKIP unpacking needs root (owners, device nodes)");
		rm_tree(top);
		return tap_done();
	}
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++)
		test_tree(filters[i]);
	test_attacks("openat2");
	test_benign_links();
	/* The fallback for kernels without openat2 must refuse the same things. */
	setenv("IOCAGE_NO_OPENAT2", "1", 1);
	test_tree("gzip");
	test_attacks("component walk, no openat2");
	test_benign_links();
	unsetenv("IOCAGE_NO_OPENAT2");
	test_bad_input();
	test_progress();

	rm_tree(top);
	ok(access(top, F_OK) < 0, "temporary directory removed");
	return tap_done();
}
