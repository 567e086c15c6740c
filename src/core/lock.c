#include "core/lock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/ident.h"
#include "util/cleanup.h"
#include "util/fault.h"
#include "util/fs.h"
#include "util/str.h"

/* Locks of different stores (pools, dir roots) must not collide, and should be easy to find
 * by the store's name: KEY.NAME, KEY as run_key makes it. flock state never outlives a boot,
 * and /run neither. */
void
run_key(const struct store *st, char *buf, size_t len)
{
	char key[200];
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	if (st->pool) {
		snprintf(buf, len, "zfs.%s", st->pool);
		return;
	}
	for (i = 0; i < sizeof(key) - 1 && st->base[i]; i++)
		key[i] = st->base[i] == '/' ? '%' : st->base[i];
	key[i] = '\0';
	if (st->base[i]) {
		for (const char *p = st->base; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		snprintf(key, sizeof(key), "%016llx", (unsigned long long)h);
	}
	snprintf(buf, len, "dir.%s", key);
}

static void
lock_path(const struct store *st, const char *name, char *buf, size_t len)
{
	char key[256];

	run_key(st, key, sizeof(key));
	snprintf(buf, len, IOC_RUNDIR "/locks/%s.%s", key, name);
}

static int
lock_open(const char *path, struct ioc_err *e)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0 && errno == ENOENT) {
		if (mkdir_p(IOC_RUNDIR "/locks", 0700, e) < 0)
			return -1;
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	}
	if (fd < 0)
		return err_sys(e, "open lock %s", path);
	return fd;
}

/* A lock file is removed (lock_remove, lock_sweep) only by a holder of its lock, so one that
 * was opened before the removal can be locked afterwards: then it is not the lock any more,
 * and the caller opens the path again. */
static bool
still_linked(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* The holder writes its PID into the file, so that those who find the lock taken can say who
 * holds it. */
static void
write_owner(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) == 0)
		(void)!pwrite(fd, buf, (size_t)n, 0);
}

/* " (held by PID: COMMAND LINE)", or "" when the holder cannot be told: the PID is gone (a
 * holder that is not iocage, such as flock(1), leaves the last iocage holder's there), or it
 * has just taken the lock and not written its PID yet. */
static void
describe_owner(int fd, char *out, size_t len)
{
	char buf[32], path[64], cmd[160];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid;
	int cfd;

	out[0] = '\0';
	if (n <= 0)
		return;
	buf[n] = '\0';
	if (sscanf(buf, "%ld", &pid) != 1 || pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	cfd = open(path, O_RDONLY | O_CLOEXEC);
	n = cfd >= 0 ? read(cfd, cmd, sizeof(cmd) - 1) : -1;
	if (cfd >= 0)
		close(cfd);
	if (n <= 0)
		return;
	cmd[n] = '\0';
	for (ssize_t i = 0; i < n - 1; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	snprintf(out, len, " (held by pid %ld: %s%s)", pid, cmd,
		 (size_t)n == sizeof(cmd) - 1 ? "..." : "");
}

int
lock_take(const struct store *st, const char *name, bool wait, int timeout_s, struct ioc_err *e)
{
	struct timespec start, now, pause = {0, 10 * 1000 * 1000};
	char path[512], who[256];
	int fd = -1;

	lock_path(st, name, path, sizeof(path));
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (fd < 0 && (fd = lock_open(path, e)) < 0)
			return -1;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			if (!still_linked(fd, path)) {
				close(fd);
				fd = -1;
				continue;
			}
			write_owner(fd);
			if (st->ops->forget)
				st->ops->forget(st);
			fault_point("lock");
			return fd;
		}
		if (errno != EWOULDBLOCK && errno != EINTR) {
			err_sys(e, "lock %s", name);
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!wait) {
			describe_owner(fd, who, sizeof(who));
			err_set(e, EWOULDBLOCK,
				"%s is busy: another iocage command is working on it%s", name, who);
			break;
		}
		if (now.tv_sec - start.tv_sec >= timeout_s) {
			describe_owner(fd, who, sizeof(who));
			err_set(e, ETIMEDOUT,
				"%s is still locked by another iocage command after %d s%s", name,
				timeout_s, who);
			break;
		}
		nanosleep(&pause, NULL);
	}
	close(fd);
	return -1;
}

int
lock_held(const struct store *st, const char *name)
{
	char path[512];
	int fd, r;

	lock_path(st, name, path, sizeof(path));
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	r = flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : 1;
	close(fd);
	return r;
}

void
lock_remove(const struct store *st, const char *name)
{
	char path[512];

	lock_path(st, name, path, sizeof(path));
	unlink(path);
}

/* Lock files "jail-UUID" of this store whose UUID is not in live (sorted) and whose lock is free:
 * a create, clone or import killed before it made anything leaves one, and so does a command
 * that waited for a jail that was destroyed meanwhile. */
void
lock_sweep(const struct store *st, const struct strv *live)
{
	char prefix[512], path[600];
	cleanup_closedir DIR *d = NULL;
	const char *base;
	struct dirent *de;
	size_t plen;

	lock_path(st, "jail-", prefix, sizeof(prefix));
	base = strrchr(prefix, '/') + 1;
	plen = strlen(base);
	if (!(d = opendir(IOC_RUNDIR "/locks")))
		return;
	while ((de = readdir(d))) {
		const char *uuid = de->d_name + plen;
		int fd;

		if (strncmp(de->d_name, base, plen) != 0 || !uuid_valid(uuid) ||
		    strv_sorted_contains(live, uuid))
			continue;
		snprintf(path, sizeof(path), IOC_RUNDIR "/locks/%s", de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && still_linked(fd, path))
			unlink(path);
		close(fd);
	}
}

void
lock_release(int fd)
{
	if (fd < 0)
		return;
	(void)!ftruncate(fd, 0); /* no holder to name */
	close(fd);
}
