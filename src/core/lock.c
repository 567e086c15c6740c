#include "core/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
lock_open(const struct store *st, const char *name, struct ioc_err *e)
{
	char path[512];
	int fd;

	lock_path(st, name, path, sizeof(path));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == ENOENT) {
		if (mkdir_p(IOC_RUNDIR "/locks", 0700, e) < 0)
			return -1;
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	}
	if (fd < 0)
		return err_sys(e, "open lock %s", path);
	return fd;
}

int
lock_take(const struct store *st, const char *name, bool wait, int timeout_s, struct ioc_err *e)
{
	struct timespec start, now, pause = {0, 10 * 1000 * 1000};
	int fd = lock_open(st, name, e);

	if (fd < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			err_sys(e, "lock %s", name);
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!wait) {
			err_set(e, EWOULDBLOCK,
				"%s is busy: another iocage command is working on it", name);
			break;
		}
		if (now.tv_sec - start.tv_sec >= timeout_s) {
			err_set(e, ETIMEDOUT,
				"%s is still locked by another iocage command after %d s", name,
				timeout_s);
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

void
lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}
