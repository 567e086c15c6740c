/* Unpacking an archive (src/core/fetch.c archive_unpack, what `fetch -F` does with a rootfs
 * tarball): the input is the archive (tar, cpio, zip... whatever libarchive reads), unpacked
 * as root into an empty directory. Its promise: nothing is ever written outside that
 * directory, whatever the entries' names, link targets and order.
 * fuzz-args: -max_len=65536 -timeout=20
 *
 * The harness runs in a mount namespace of its own where every mount is read-only
 * (mount_setattr AT_RECURSIVE) except build-fuzz/ (libFuzzer's corpus and artifacts) and a
 * tmpfs sandbox in it: SANDBOX/in (the archive), SANDBOX/victim/sentinel (a file beside the
 * destination) and SANDBOX/dest. A write that leaves dest therefore either lands in the
 * sandbox, where the checks below see it, or fails with EROFS, which is reported too: the
 * host is never written to, even when the code under test is wrong.
 *
 * Checked after each archive: unpacking did not fail with EROFS; the sandbox holds in, victim
 * and dest and nothing else; victim holds the sentinel only, unchanged (contents, mode,
 * owner, one link, times). Every other input alternates between openat2 and the fallback
 * walk old kernels get (IOCAGE_NO_OPENAT2). Needs root (CLONE_NEWNS); skipped otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fetch.h"
#include "fuzz.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/syscalls.h"

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

#define SENTINEL "the jail's root never reaches this file\n"

int LLVMFuzzerInitialize(int *argc, char ***argv);

static char sandbox[PATH_MAX], in[PATH_MAX + 8], dest[PATH_MAX + 8], victim[PATH_MAX + 8],
    sentinel[PATH_MAX + 24];
static struct stat sentinel_st;

static void
skip(const char *what)
{
	fprintf(stderr, "SKIP: fuzz_unpack needs root for its sandbox: %s: %s\n", what,
		strerror(errno));
	exit(0);
}

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_unpack: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Make path (a directory) writable again in our namespace: a bind mount of itself without
 * the read-only flag. */
static void
writable(const char *path)
{
	struct ioc_mount_attr attr = {.attr_clr = MOUNT_ATTR_RDONLY};

	if (mount(path, path, NULL, MS_BIND, NULL) < 0 ||
	    sys_mount_setattr(AT_FDCWD, path, 0, &attr, sizeof(attr)) < 0)
		die(path);
}

static void
sandbox_up(void)
{
	struct ioc_mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
	struct ioc_err e = {0};
	char cwd[PATH_MAX];
	int fd;

	if (!getcwd(cwd, sizeof(cwd)))
		die("getcwd");
	if (!libarchive_open(&e)) {
		fprintf(stderr, "fuzz_unpack: %s\n", e.msg);
		exit(1);
	}
	if (unshare(CLONE_NEWNS) < 0)
		skip("unshare(CLONE_NEWNS)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("make / private");
	if (sys_mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &ro, sizeof(ro)) < 0)
		die("make every mount read-only");
	if (mkdir("build-fuzz", 0755) < 0 && errno != EEXIST && errno != EROFS)
		die("build-fuzz");
	writable("build-fuzz");
	if (access("fuzz/corpus/unpack", F_OK) == 0)
		writable("fuzz/corpus/unpack"); /* scripts/fuzz --merge adds to it */
	snprintf(sandbox, sizeof(sandbox), "%s/build-fuzz/sandbox-%d", cwd, (int)getpid());
	if (mkdir(sandbox, 0700) < 0 && errno != EEXIST)
		die(sandbox);
	if (mount("fuzz-unpack", sandbox, "tmpfs", MS_NODEV | MS_NOSUID, "size=64m,mode=0700") < 0)
		die("tmpfs");
	snprintf(in, sizeof(in), "%s/in", sandbox);
	snprintf(dest, sizeof(dest), "%s/dest", sandbox);
	snprintf(victim, sizeof(victim), "%s/victim", sandbox);
	snprintf(sentinel, sizeof(sentinel), "%s/sentinel", victim);
	if (mkdir(victim, 0755) < 0)
		die(victim);
	fd = open(sentinel, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, SENTINEL, strlen(SENTINEL)) != (ssize_t)strlen(SENTINEL) ||
	    close(fd) < 0 || lstat(sentinel, &sentinel_st) < 0)
		die(sentinel);
	if (access("/etc", W_OK) == 0 || errno != EROFS)
		die("the host is still writable");
}

/* At the end of a run: the tmpfs goes with the namespace; the empty directory under it is
 * removed (after a crash scripts/fuzz removes it). */
static void
sandbox_down(void)
{
	if (umount2(sandbox, MNT_DETACH) == 0)
		rmdir(sandbox);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sandbox_up();
	atexit(sandbox_down);
	return 0;
}

static void
check_sandbox(void)
{
	cleanup_closedir DIR *d = opendir(sandbox);
	struct dirent *de;
	struct stat st;
	char buf[sizeof(SENTINEL)];
	cleanup_close int fd = -1;

	FUZZ_CHECK(d, "the sandbox is gone");
	while ((de = readdir(d)) != NULL)
		FUZZ_CHECK(streq(de->d_name, ".") || streq(de->d_name, "..") ||
			       streq(de->d_name, "in") || streq(de->d_name, "dest") ||
			       streq(de->d_name, "victim"),
			   "'%s' appeared beside the destination", de->d_name);
	FUZZ_CHECK(lstat(sentinel, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
		       st.st_mode == sentinel_st.st_mode && st.st_uid == sentinel_st.st_uid &&
		       st.st_gid == sentinel_st.st_gid && st.st_size == sentinel_st.st_size &&
		       st.st_mtim.tv_sec == sentinel_st.st_mtim.tv_sec &&
		       st.st_mtim.tv_nsec == sentinel_st.st_mtim.tv_nsec,
		   "the file beside the destination was changed");
	fd = open(sentinel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	FUZZ_CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == (ssize_t)strlen(SENTINEL) &&
		       memcmp(buf, SENTINEL, strlen(SENTINEL)) == 0,
		   "the sentinel's contents changed");
	closedir(d);
	d = opendir(victim);
	FUZZ_CHECK(d, "victim/ is gone");
	while ((de = readdir(d)) != NULL)
		FUZZ_CHECK(streq(de->d_name, ".") || streq(de->d_name, "..") ||
			       streq(de->d_name, "sentinel"),
			   "'%s' appeared in victim/", de->d_name);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ioc_err e = {0};
	cleanup_close int fd = open(in, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	FUZZ_CHECK(fd >= 0 && write(fd, data, size) == (ssize_t)size, "write the archive");
	FUZZ_CHECK(mkdir(dest, 0755) == 0, "mkdir dest: %s", strerror(errno));
	if (size & 1)
		setenv("IOCAGE_NO_OPENAT2", "1", 1);
	else
		unsetenv("IOCAGE_NO_OPENAT2");
	if (archive_unpack(in, dest, false, &e) < 0)
		FUZZ_CHECK(e.code != EROFS, "an entry was written outside the destination: %s",
			   e.msg);
	check_sandbox();
	FUZZ_CHECK(rm_rf(dest, &e) == 0, "remove dest: %s", e.msg);
	return 0;
}
