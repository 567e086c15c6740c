/* util/fs.c on a real filesystem, in a temporary directory under /tmp that is removed at the
 * end. The parts that need root (owners, device nodes, mounts) are skipped without it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

static char tmp[64];
static int setup_failures;

/* Set-up steps are checked too: a test that passes on a tree it failed to build proves little. */
#define must(x)                                                                                    \
	do {                                                                                       \
		if ((x) < 0) {                                                                     \
			printf("# set-up failed: %s: %s\n", #x, strerror(errno));                  \
			setup_failures++;                                                          \
		}                                                                                  \
	} while (0)

#define skip(...)                                                                                  \
	do {                                                                                       \
		printf("ok %d # skip ", ++tap_n);                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
	} while (0)

static char *
P(const char *rel)
{
	static char bufs[8][512];
	static int i;
	char *b = bufs[i++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", tmp, rel);
	return b;
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void
put(const char *path, const char *data)
{
	struct ioc_err e;

	if (write_file_atomic(path, data, strlen(data), 0644, &e) < 0)
		printf("# %s\n", e.msg);
}

static bool
xattr_is(const char *path, const char *name, const char *want)
{
	char buf[256];
	ssize_t n = lgetxattr(path, name, buf, sizeof(buf) - 1);

	if (n < 0)
		return false;
	buf[n] = '\0';
	return streq(buf, want);
}

static void
set_mtime(const char *path, time_t t)
{
	struct timespec ts[2] = {{t, 0}, {t, 500}};

	utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
}

static void
test_mkdir_p(void)
{
	struct ioc_err e;
	struct stat st;

	ok(mkdir_p(P("a/b/c"), 0755, &e) == 0, "mkdir_p makes missing components");
	ok(stat(P("a/b/c"), &st) == 0 && S_ISDIR(st.st_mode), "the directory exists");
	ok(mkdir_p(P("a/b/c/"), 0755, &e) == 0, "mkdir_p of an existing directory succeeds");
	put(P("a/file"), "x");
	ok(mkdir_p(P("a/file/sub"), 0755, &e) < 0 && e.code == ENOTDIR,
	   "mkdir_p through a file fails with ENOTDIR");
}

static void
test_files(void)
{
	struct ioc_err e;
	char *s = NULL;
	struct stat st;

	ok(write_file_atomic(P("w"), "hello", 5, 0640, &e) == 0, "write_file_atomic");
	ok(read_file(P("w"), &s, 100, &e) == 0, "read_file");
	is_str(s, "hello", "contents read back");
	free(s);
	s = NULL;
	ok(stat(P("w"), &st) == 0 && (st.st_mode & 07777) == 0640, "mode 0640 kept");
	ok(write_file_atomic(P("w"), "bye", 3, 0600, &e) == 0 && read_file(P("w"), &s, 3, &e) == 0,
	   "overwrite, and a file of exactly max bytes reads");
	is_str(s, "bye", "new contents");
	free(s);
	ok(read_file(P("w"), &s, 2, &e) < 0 && e.code == EFBIG, "a file over max is EFBIG");
	ok(read_file(P("nope"), &s, 2, &e) < 0 && e.code == ENOENT, "missing file is ENOENT");
}

/* A source tree with every kind of entry copy_tree must keep. */
static void
make_src(void)
{
	int fd;

	must(mkdir(P("src"), 0751));
	must(mkdir(P("src/dir"), 0750));
	put(P("src/dir/file"), "content");
	must(chown(P("src/dir/file"), 1001, 1002));
	must(chmod(P("src/dir/file"), 04755));
	must(setxattr(P("src/dir/file"), "user.x", "1", 1, 0));
	must(setxattr(P("src/dir/file"), "trusted.overlay.opaque", "y", 1, 0));
	must(link(P("src/dir/file"), P("src/dir/hl")));
	must(link(P("src/dir/file"), P("src/hl2")));
	must(setxattr(P("src/dir"), "trusted.t", "tv", 2, 0));
	must(symlink("/etc/outside-target", P("src/link")));
	must(lchown(P("src/link"), 1003, 1004));
	must(lsetxattr(P("src/link"), "trusted.l", "lv", 2, 0));
	must(mkfifo(P("src/fifo"), 0604));
	must(mknod(P("src/null"), S_IFCHR | 0666, makedev(1, 3)));
	must(chmod(P("src/null"), 0666)); /* past the umask */
	must(mknod(P("src/whiteout"), S_IFCHR | 0000, makedev(0, 0)));
	must(mknod(P("src/sock"), S_IFSOCK | 0600, 0));
	fd = open(P("src/sparse"), O_WRONLY | O_CREAT, 0600);
	must(pwrite(fd, "z", 1, 32 << 20));
	must(ftruncate(fd, 64 << 20));
	close(fd);
	put(P("src/empty"), "");
	mkdir_p(P("src/deep/a/b/c/d"), 0700, &(struct ioc_err){0});
	put(P("src/deep/a/b/c/d/f"), "deep");
	must(mkdir(P("src/mnt"), 0755));
	must(mount("tmpfs", P("src/mnt"), "tmpfs", 0, "size=1m"));
	put(P("src/mnt/inside"), "not copied");
	must(chown(P("src/dir"), 1000, 1001));
	set_mtime(P("src/dir/file"), 1234567890);
	set_mtime(P("src/link"), 1111111111);
	set_mtime(P("src/dir"), 1000000000);
}

static void
check_copy(void)
{
	struct stat a, b;
	char *s = NULL;
	char link[64] = {0};
	struct ioc_err e;

	ok(lstat(P("dst"), &a) == 0 && (a.st_mode & 07777) == 0751, "root mode kept");
	ok(lstat(P("dst/dir"), &a) == 0 && a.st_uid == 1000 && a.st_gid == 1001 &&
	       (a.st_mode & 07777) == 0750,
	   "directory owner and mode kept");
	ok(a.st_mtim.tv_sec == 1000000000, "directory mtime kept (set after its contents)");
	ok(xattr_is(P("dst/dir"), "trusted.t", "tv"), "directory xattr kept");
	ok(lstat(P("dst/dir/file"), &a) == 0 && a.st_uid == 1001 && a.st_gid == 1002 &&
	       (a.st_mode & 07777) == 04755,
	   "file owner and setuid mode kept");
	ok(a.st_mtim.tv_sec == 1234567890 && a.st_mtim.tv_nsec == 500, "file mtime kept");
	ok(read_file(P("dst/dir/file"), &s, 100, &e) == 0 && streq(s, "content"), "file data");
	free(s);
	ok(xattr_is(P("dst/dir/file"), "user.x", "1") &&
	       xattr_is(P("dst/dir/file"), "trusted.overlay.opaque", "y"),
	   "file xattrs kept, trusted.overlay.* included");
	ok(lstat(P("dst/dir/hl"), &b) == 0 && b.st_ino == a.st_ino && a.st_nlink == 3,
	   "hard link in the same directory kept");
	ok(lstat(P("dst/hl2"), &b) == 0 && b.st_ino == a.st_ino, "hard link across dirs kept");
	ok(lstat(P("dst/link"), &a) == 0 && S_ISLNK(a.st_mode) && a.st_uid == 1003 &&
	       a.st_gid == 1004 && a.st_mtim.tv_sec == 1111111111,
	   "symlink kept with its owner and time");
	ok(readlink(P("dst/link"), link, sizeof(link) - 1) > 0 &&
	       streq(link, "/etc/outside-target"),
	   "symlink target kept, not followed");
	ok(xattr_is(P("dst/link"), "trusted.l", "lv"), "symlink's own xattr kept");
	ok(lstat(P("dst/fifo"), &a) == 0 && S_ISFIFO(a.st_mode) && (a.st_mode & 0777) == 0604,
	   "fifo");
	ok(lstat(P("dst/null"), &a) == 0 && S_ISCHR(a.st_mode) && a.st_rdev == makedev(1, 3) &&
	       (a.st_mode & 0777) == 0666,
	   "char device 1,3");
	ok(lstat(P("dst/whiteout"), &a) == 0 && S_ISCHR(a.st_mode) && a.st_rdev == makedev(0, 0),
	   "overlay whiteout (char 0,0)");
	ok(lstat(P("dst/sock"), &a) == 0 && S_ISSOCK(a.st_mode), "socket");
	ok(lstat(P("dst/sparse"), &a) == 0 && a.st_size == 64 << 20 && a.st_blocks * 512 < 1 << 20,
	   "sparse file keeps its size and stays sparse");
	ok(lstat(P("dst/empty"), &a) == 0 && a.st_size == 0, "empty file");
	ok(exists(P("dst/deep/a/b/c/d/f")), "nested file");
	ok(lstat(P("dst/mnt"), &a) == 0 && S_ISDIR(a.st_mode) && !exists(P("dst/mnt/inside")),
	   "a mount below src is not crossed: its mount point comes empty");
}

static bool
keep_some(int dirfd, const char *name, void *arg)
{
	(void)dirfd;
	(void)arg;
	return streq(name, "dir") || streq(name, "link");
}

static void
test_copy(void)
{
	struct ioc_err e;

	if (geteuid() != 0) {
		skip("copy_tree needs root for owners, devices and mounts");
		return;
	}
	make_src();
	ok(is_mountpoint(P("src/mnt"), &e) == 1, "tmpfs mounted in the source");
	err_clear(&e);
	ok(copy_tree(P("src"), P("dst"), &e) == 0, "copy_tree");
	if (e.msg[0])
		printf("# %s\n", e.msg);
	check_copy();
	ok(copy_tree(P("src"), P("dst"), &e) < 0 && e.code == EEXIST, "existing dst is EEXIST");
	ok(exists(P("dst/dir/file")), "and the existing dst is left alone");
	ok(copy_tree_filter(P("src"), P("dst2"), keep_some, NULL, &e) == 0, "copy_tree_filter");
	ok(exists(P("dst2/dir/file")) && exists(P("dst2/link")) && !exists(P("dst2/fifo")) &&
	       !exists(P("dst2/sparse")),
	   "only the kept top-level entries");
	ok(copy_tree(P("nope"), P("dst3"), &e) < 0 && e.code == ENOENT && !exists(P("dst3")),
	   "missing source fails and makes nothing");
	umount2(P("src/mnt"), MNT_DETACH);
}

static void
test_rm_rf_mounts(void)
{
	struct ioc_err e;

	mkdir_p(P("rm1/a/m"), 0755, &e);
	put(P("rm1/a/keep"), "k");
	if (mount("tmpfs", P("rm1/a/m"), "tmpfs", 0, "size=1m") < 0) {
		skip("cannot mount tmpfs: %s", strerror(errno));
		return;
	}
	put(P("rm1/a/m/inside"), "i");
	ok(rm_rf(P("rm1"), &e) < 0 && e.code == EBUSY, "rm_rf refuses a mount inside");
	ok(strstr(e.msg, P("rm1/a/m")) != NULL, "and names it: %s", e.msg);
	ok(exists(P("rm1/a/keep")) && exists(P("rm1/a/m/inside")), "nothing was removed");
	ok(rm_rf(P("rm1/a/m"), &e) < 0 && e.code == EBUSY, "rm_rf refuses the mount point itself");
	umount2(P("rm1/a/m"), 0);
	/* A bind mount from the same filesystem has the same st_dev. */
	must(mount(P("rm1/a"), P("rm1/a"), NULL, MS_BIND, NULL));
	ok(rm_rf(P("rm1"), &e) < 0 && e.code == EBUSY, "rm_rf refuses a same-device bind mount");
	umount2(P("rm1/a"), 0);
	ok(rm_rf(P("rm1"), &e) == 0 && !exists(P("rm1")), "after unmounting, rm_rf removes it");
}

static void
test_rm_rf(void)
{
	struct ioc_err e;
	char *s = NULL;
	int fd, sub;

	ok(rm_rf(P("missing"), &e) == 0, "rm_rf of a missing path succeeds");
	put(P("outside"), "precious");
	mkdir_p(P("outdir"), 0755, &e);
	put(P("outdir/f"), "precious too");
	mkdir_p(P("rm2/x"), 0755, &e);
	must(symlink(P("outside"), P("rm2/x/to-file")));
	must(symlink(P("outdir"), P("rm2/to-dir")));
	must(symlink(P("outdir/"), P("rm2/x/to-dir-slash")));
	ok(rm_rf(P("rm2"), &e) == 0 && !exists(P("rm2")), "rm_rf removes a tree with symlinks");
	ok(read_file(P("outside"), &s, 100, &e) == 0 && streq(s, "precious"),
	   "a file a symlink pointed to survives");
	free(s);
	ok(exists(P("outdir/f")), "a directory a symlink pointed to survives with its contents");
	must(symlink(P("outdir"), P("lnk")));
	ok(rm_rf(P("lnk"), &e) == 0 && !exists(P("lnk")) && exists(P("outdir/f")),
	   "rm_rf of a symlink removes the link, not its target");
	put(P("plain"), "p");
	ok(rm_rf(P("plain"), &e) == 0 && !exists(P("plain")), "rm_rf of a file");
	/* Deeper than rm_rf keeps directories open: exercises moving them up. */
	must(mkdir(P("deep"), 0755));
	fd = open(P("deep"), O_RDONLY | O_DIRECTORY);
	for (int i = 0; i < 1500 && fd >= 0; i++) {
		mkdirat(fd, "d", 0755);
		sub = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = sub;
	}
	if (fd >= 0) {
		close(openat(fd, "leaf", O_WRONLY | O_CREAT, 0600));
		close(fd);
	}
	ok(rm_rf(P("deep"), &e) == 0 && !exists(P("deep")), "rm_rf of a tree 1500 levels deep");
	if (geteuid() == 0)
		test_rm_rf_mounts();
	else
		skip("mount tests need root");
}

static void
test_mounts(void)
{
	struct mount_list ml = {0};
	struct ioc_err e;
	bool found = false;

	mkdir_p(P("m p"), 0755, &e);
	ok(is_mountpoint(P("m p"), &e) == 0, "a plain directory is not a mount point");
	ok(is_mountpoint(P("nothere"), &e) == 0, "a missing path is not a mount point");
	if (geteuid() != 0 || mount("tmpfs", P("m p"), "tmpfs", 0, "size=1m") < 0) {
		skip("cannot mount tmpfs");
		return;
	}
	ok(is_mountpoint(P("m p"), &e) == 1, "a tmpfs with a space in its path is a mount point");
	ok(is_mountpoint(tmp, &e) == 0, "its parent is not");
	ok(mounts_find(tmp, MOUNTS_BELOW, &ml, &e) == 0, "mounts_find");
	for (size_t i = 0; i < ml.n; i++)
		found |= streq(ml.v[i].target, P("m p")) && streq(ml.v[i].fstype, "tmpfs");
	ok(found && ml.n == 1, "finds the one mount below, unescaped");
	mount_list_free(&ml);
	umount2(P("m p"), 0);
}

static void
test_usage(void)
{
	static char mb[1 << 20];
	struct ioc_err e;
	uint64_t u = 0;
	int fd;

	mkdir_p(P("du/sub"), 0755, &e);
	memset(mb, 'x', sizeof(mb));
	fd = open(P("du/sub/f"), O_WRONLY | O_CREAT, 0644);
	must(write(fd, mb, sizeof(mb)));
	fsync(fd);
	close(fd);
	must(link(P("du/sub/f"), P("du/f2")));
	ok(tree_usage(P("du"), &u, &e) == 0, "tree_usage");
	ok(u >= 1 << 20 && u < (3 << 20) / 2, "1 MiB and a hard link to it count once (%llu)",
	   (unsigned long long)u);
	ok(tree_usage(P("du/nope"), &u, &e) < 0 && e.code == ENOENT, "missing is ENOENT");
}

int
main(void)
{
	struct ioc_err e;

	snprintf(tmp, sizeof(tmp), "/tmp/test_fs.XXXXXX");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	test_mkdir_p();
	test_files();
	test_copy();
	test_rm_rf();
	test_mounts();
	test_usage();
	/* Should a test have failed halfway, its mounts must not outlive it. */
	umount2(P("src/mnt"), MNT_DETACH);
	umount2(P("rm1/a/m"), MNT_DETACH);
	umount2(P("rm1/a"), MNT_DETACH);
	umount2(P("m p"), MNT_DETACH);
	ok(setup_failures == 0, "every set-up step worked");
	ok(rm_rf(tmp, &e) == 0 && !exists(tmp), "the temporary directory is removed");
	return tap_done();
}
