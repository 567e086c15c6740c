/* The jail's first process: new namespaces, the jail's mounts made through file descriptors
 * resolved inside the jail root, pivot_root, then the sealed init program (run_start) or one
 * command (run_oneshot).
 *
 * The parent and the child talk over one SOCK_SEQPACKET socketpair: the parent sends one
 * byte once the child sits in its v2 cgroup (born there with CLONE_INTO_CGROUP where the
 * kernel can; the v1 ones the child joins itself, run_cgroup_v1_join says why); the child
 * answers with a struct ioc_err on
 * failure, or the socket reaches EOF when exec closes the child's close-on-exec end. A
 * socket rather than two pipes: MSG_NOSIGNAL, so a child that died cannot SIGPIPE iocage,
 * and records arrive whole. */
#include "run/run.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run/blob.h"
#include "util/cleanup.h"
#include "util/str.h"
#include "util/syscalls.h"

/* Kernel features found missing, so each is tried once per process. */
static bool no_openat2, no_setattr, no_clone3, no_into_cgroup;

static char *const init_env[] = {
    "container=iocage", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL};

/* ---- paths inside the jail ---- */

/* One component opened by the walk below: never a symlink; a directory unless it is the last
 * one and the caller did not ask for O_DIRECTORY. */
static int
walk_check(int fd, bool want_dir)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	if (S_ISLNK(st.st_mode))
		return (errno = ELOOP, -1);
	if (want_dir && !S_ISDIR(st.st_mode))
		return (errno = ENOTDIR, -1);
	return 0;
}

/* Without openat2: one component at a time, refusing every symlink and "..". Stricter than
 * RESOLVE_IN_ROOT (a jail whose /etc is a symlink cannot be written), but it cannot leave the
 * root either. flags: O_PATH, optionally O_DIRECTORY (all jail_open is used for). */
static int
walk_nofollow(int rootfd, const char *path, int flags)
{
	char buf[PATH_MAX];
	char *p = buf, *slash;
	int cur, next;

	if (flags & ~(O_PATH | O_DIRECTORY | O_NOFOLLOW))
		return (errno = EINVAL, -1);
	if (strlen(path) >= sizeof(buf))
		return (errno = ENAMETOOLONG, -1);
	memcpy(buf, path, strlen(path) + 1);
	cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	for (; cur >= 0 && *p; p = slash ? slash + 1 : p + strlen(p)) {
		slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		if (!*p || streq(p, "."))
			continue;
		next = streq(p, "..") ? (errno = EXDEV, -1)
				      : openat(cur, p, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (next >= 0 && walk_check(next, slash || (flags & O_DIRECTORY)) < 0) {
			int saved = errno;

			close(next);
			next = (errno = saved, -1);
		}
		close(cur);
		cur = next;
	}
	return cur;
}

/* err_sys for a path resolved in the jail, saying why when the fallback refused a symlink. */
static int IOC_PRINTF(2, 3) err_jail(struct ioc_err *e, const char *fmt, ...)
{
	int code = errno;
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return err_set(
	    e, code, "%s: %s%s", what, strerror(code),
	    no_openat2 && code == ELOOP
		? " (without openat2, symlinks in paths iocage uses in a jail are refused)"
		: "");
}

/* Open path (relative to the jail root) without ever leaving the root: symlinks, absolute or
 * not, and ".." resolve inside it; procfs magic links are refused. */
static int
jail_open(int rootfd, const char *path, int flags)
{
	struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	int fd = -1;

	if (!no_openat2) {
		/* EAGAIN: a rename or mount raced the lookup; the kernel asks for a retry. */
		for (int i = 0; i < 16; i++) {
			fd = sys_openat2(rootfd, path, &how, sizeof(how));
			if (fd >= 0 || errno != EAGAIN)
				break;
		}
		if (fd >= 0 || errno != ENOSYS)
			return fd;
		no_openat2 = true;
	}
	return walk_nofollow(rootfd, path, flags);
}

/* The directory holding target, resolved in the jail; *name is target's last component. */
static int
parent_open(int rootfd, const char *target, const char **name)
{
	const char *slash = strrchr(target, '/');
	char dir[PATH_MAX];

	if (!slash) {
		*name = target;
		return fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	}
	if ((size_t)(slash - target) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, target, (size_t)(slash - target));
	dir[slash - target] = '\0';
	*name = slash + 1;
	return jail_open(rootfd, dir, O_PATH | O_DIRECTORY);
}

/* mount(2) takes paths: /proc/self/fd/N reaches exactly the file we resolved and checked. */
static void
fd_path(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

/* ---- mount targets ---- */

enum row_kind {
	ROW_FS,   /* a new file system: what = fstype */
	ROW_BIND, /* a host file or directory bound here: what = host path */
	ROW_SELF, /* the target bound onto itself (then made read-only) */
	ROW_LINK, /* a symlink: what = its contents */
};

enum {
	R_DIR = 1 << 0,    /* the target is a directory (else a non-directory) */
	R_MAKE = 1 << 1,   /* create it when missing */
	R_OPT = 1 << 2,    /* skip the row when the target is missing or the fs type unknown */
	R_PTSMAX = 1 << 3, /* devpts: append max=devpts_max */
};

/* Conditions a row needs from the jail. */
enum {
	C_PROC = 1 << 0,  /* mount_procfs */
	C_DEV = 1 << 1,   /* mount_devfs */
	C_FDESC = 1 << 2, /* mount_fdescfs (on our /dev only) */
	C_IPCNS = 1 << 3, /* its own IPC namespace: mqueue shows the host's otherwise */
};

struct mount_row {
	const char *target; /* relative to the jail root */
	enum row_kind kind;
	const char *what;
	unsigned long flags; /* ROW_FS: mount(2) flags */
	const char *data;    /* ROW_FS: options */
	uint64_t attr;       /* MOUNT_ATTR_* set on the new mount afterwards */
	unsigned opts;       /* R_* */
	unsigned cond;       /* C_* */
};

static int
target_make(int dir, const char *name, unsigned opts)
{
	int fd;

	if (opts & R_DIR) {
		if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST)
			return -1;
	} else {
		/* O_EXCL: never follows a symlink that appeared meanwhile. */
		fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			return -1;
		if (fd >= 0)
			close(fd);
	}
	return openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

static int
target_check(int fd, const char *target, unsigned opts, struct ioc_err *e)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return err_sys(e, "stat the target '%s'", target);
	if (S_ISLNK(st.st_mode))
		return err_set(e, ELOOP, "the target '%s' is a symlink; refusing", target);
	if ((opts & R_DIR) && !S_ISDIR(st.st_mode))
		return err_set(e, ENOTDIR, "the target '%s' is not a directory; refusing", target);
	if (!(opts & R_DIR) && S_ISDIR(st.st_mode))
		return err_set(e, EISDIR, "the target '%s' is a directory; refusing", target);
	return 0;
}

/* Open a target in the jail: its parent resolved inside the root, its last component never
 * followed (a symlinked target would send the mount wherever it points), created when the row
 * says so. 1: *ret holds it; 0: missing and optional; -1: error. */
static int
target_open(int rootfd, const char *target, unsigned opts, int *ret, struct ioc_err *e)
{
	cleanup_close int dir = -1;
	const char *name;
	int fd;

	dir = parent_open(rootfd, target, &name);
	if (dir < 0) {
		if (errno == ENOENT && (opts & R_OPT))
			return 0;
		return err_jail(e, "resolve the directory of '%s'", target);
	}
	fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && (opts & R_MAKE))
		fd = target_make(dir, name, opts);
	if (fd < 0) {
		if (errno == ENOENT && (opts & R_OPT))
			return 0;
		return err_sys(e, "open the target '%s'", target);
	}
	if (target_check(fd, target, opts, e) < 0) {
		close(fd);
		return -1;
	}
	*ret = fd;
	return 1;
}

/* Set per-mount attributes on the mount whose root fd is. mount_setattr where the kernel has
 * it (recursive if asked); else a bind remount of the top mount that keeps its other flags
 * (a bind remount replaces them all). */
static int
mount_attr_set(int fd, uint64_t attr, bool recursive)
{
	struct ioc_mount_attr a = {.attr_set = attr};
	unsigned long keep =
	    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME;
	struct statvfs sv;
	unsigned long flags;
	char p[32];

	if (!no_setattr) {
		if (sys_mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a,
				      sizeof(a)) == 0)
			return 0;
		if (errno != ENOSYS)
			return -1;
		no_setattr = true;
	}
	if (fstatvfs(fd, &sv) < 0)
		return -1;
	flags = (sv.f_flag & keep) | MS_REMOUNT | MS_BIND;
	flags |= (attr & MOUNT_ATTR_RDONLY ? MS_RDONLY : 0) |
		 (attr & MOUNT_ATTR_NOSUID ? MS_NOSUID : 0) |
		 (attr & MOUNT_ATTR_NODEV ? MS_NODEV : 0) |
		 (attr & MOUNT_ATTR_NOEXEC ? MS_NOEXEC : 0);
	fd_path(fd, p);
	return mount(NULL, p, NULL, flags, NULL);
}

/* After a mount, the target's path leads to the new mount's root (the fd we mounted on still
 * holds the covered directory): resolve it again, the same guarded way, and set attr. */
static int
target_attr(int rootfd, const char *target, unsigned opts, uint64_t attr, struct ioc_err *e)
{
	cleanup_close int fd = -1;

	if (target_open(rootfd, target, opts & R_DIR, &fd, e) < 0)
		return -1;
	if (mount_attr_set(fd, attr, false) < 0)
		return err_sys(e, "set its read-only/nosuid/nodev/noexec flags");
	return 0;
}

/* ---- the mount table ---- */

#define FS_SAFE (MS_NOSUID | MS_NODEV | MS_NOEXEC)
#define AT_RO   (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)
#define MASK_FS "tmpfs", MS_RDONLY | FS_SAFE, "mode=555"

/* In this order, after the basejail binds: a row may mount inside an earlier one. */
static const struct mount_row mount_table[] = {
    {"proc", ROW_FS, "proc", FS_SAFE, NULL, 0, R_DIR | R_MAKE, C_PROC},
    /* Kernel-wide knobs: readable, never writable. */
    {"proc/sys", ROW_SELF, NULL, 0, NULL, AT_RO, R_DIR | R_OPT, C_PROC},
    {"proc/sysrq-trigger", ROW_SELF, NULL, 0, NULL, AT_RO, R_OPT, C_PROC},
    {"proc/irq", ROW_SELF, NULL, 0, NULL, AT_RO, R_DIR | R_OPT, C_PROC},
    {"proc/bus", ROW_SELF, NULL, 0, NULL, AT_RO, R_DIR | R_OPT, C_PROC},
    {"proc/fs", ROW_SELF, NULL, 0, NULL, AT_RO, R_DIR | R_OPT, C_PROC},
    {"proc/asound", ROW_SELF, NULL, 0, NULL, AT_RO, R_DIR | R_OPT, C_PROC},
    /* Host kernel memory, keyrings, timers and logs: masked (reads give nothing). */
    {"proc/kcore", ROW_BIND, "/dev/null", 0, NULL, 0, R_OPT, C_PROC},
    {"proc/kallsyms", ROW_BIND, "/dev/null", 0, NULL, 0, R_OPT, C_PROC},
    {"proc/kmsg", ROW_BIND, "/dev/null", 0, NULL, 0, R_OPT, C_PROC},
    {"proc/keys", ROW_BIND, "/dev/null", 0, NULL, 0, R_OPT, C_PROC},
    {"proc/key-users", ROW_BIND, "/dev/null", 0, NULL, 0, R_OPT, C_PROC},
    {"proc/timer_list", ROW_BIND, "/dev/null", 0, NULL, 0, R_OPT, C_PROC},
    {"proc/timer_stats", ROW_BIND, "/dev/null", 0, NULL, 0, R_OPT, C_PROC},
    {"proc/latency_stats", ROW_BIND, "/dev/null", 0, NULL, 0, R_OPT, C_PROC},
    {"proc/sched_debug", ROW_BIND, "/dev/null", 0, NULL, 0, R_OPT, C_PROC},
    /* Physical page flags of the whole host: a side channel (readable by uid 0). */
    {"proc/kpagecount", ROW_BIND, "/dev/null", 0, NULL, 0, R_OPT, C_PROC},
    {"proc/kpageflags", ROW_BIND, "/dev/null", 0, NULL, 0, R_OPT, C_PROC},
    {"proc/kpagecgroup", ROW_BIND, "/dev/null", 0, NULL, 0, R_OPT, C_PROC},
    {"proc/acpi", ROW_FS, MASK_FS, 0, R_DIR | R_OPT, C_PROC},
    {"proc/scsi", ROW_FS, MASK_FS, 0, R_DIR | R_OPT, C_PROC},
    /* A new sysfs, read-only. With ip4=inherit it lists the host's network devices: read
     * only, and nothing a host process cannot see either. */
    {"sys", ROW_FS, "sysfs", MS_RDONLY | FS_SAFE, NULL, 0, R_DIR | R_MAKE, 0},
    {"sys/firmware", ROW_FS, MASK_FS, 0, R_DIR | R_OPT, 0},
    /* RAPL energy counters: a power side channel (PLATYPUS). */
    {"sys/devices/virtual/powercap", ROW_FS, MASK_FS, 0, R_DIR | R_OPT, 0},
    /* nodev: the nodes below are bind mounts that keep the host /dev's flags; nothing made
     * in this tmpfs can ever be a working device. */
    {"dev", ROW_FS, "tmpfs", FS_SAFE, "mode=755,size=64k", 0, R_DIR | R_MAKE, C_DEV},
    {"dev/null", ROW_BIND, "/dev/null", 0, NULL, 0, R_MAKE, C_DEV},
    {"dev/zero", ROW_BIND, "/dev/zero", 0, NULL, 0, R_MAKE, C_DEV},
    {"dev/full", ROW_BIND, "/dev/full", 0, NULL, 0, R_MAKE, C_DEV},
    {"dev/random", ROW_BIND, "/dev/random", 0, NULL, 0, R_MAKE, C_DEV},
    {"dev/urandom", ROW_BIND, "/dev/urandom", 0, NULL, 0, R_MAKE, C_DEV},
    {"dev/tty", ROW_BIND, "/dev/tty", 0, NULL, 0, R_MAKE, C_DEV},
    /* Programs write to /dev/console; the host's would reach the host's console. */
    {"dev/console", ROW_BIND, "/dev/null", 0, NULL, 0, R_MAKE, C_DEV},
    {"dev/pts", ROW_FS, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance," RUN_DEVPTS_OPTS, 0,
     R_DIR | R_MAKE | R_PTSMAX, C_DEV},
    {"dev/ptmx", ROW_LINK, "pts/ptmx", 0, NULL, 0, 0, C_DEV},
    {"dev/shm", ROW_FS, "tmpfs", FS_SAFE, "mode=1777", 0, R_DIR | R_MAKE, C_DEV},
    {"dev/mqueue", ROW_FS, "mqueue", FS_SAFE, NULL, 0, R_DIR | R_MAKE | R_OPT, C_DEV | C_IPCNS},
    {"dev/fd", ROW_LINK, "/proc/self/fd", 0, NULL, 0, 0, C_DEV | C_FDESC},
    {"dev/stdin", ROW_LINK, "/proc/self/fd/0", 0, NULL, 0, 0, C_DEV | C_FDESC},
    {"dev/stdout", ROW_LINK, "/proc/self/fd/1", 0, NULL, 0, 0, C_DEV | C_FDESC},
    {"dev/stderr", ROW_LINK, "/proc/self/fd/2", 0, NULL, 0, 0, C_DEV | C_FDESC},
};

static unsigned
conditions(const struct jail_spec *s)
{
	return (s->mount_procfs ? C_PROC : 0) | (s->mount_devfs ? C_DEV : 0) |
	       (s->mount_devfs && s->mount_fdescfs ? C_FDESC : 0) | (s->ipc_inherit ? 0 : C_IPCNS);
}

static void
row_step(const struct mount_row *r, char *buf, size_t len)
{
	switch (r->kind) {
	case ROW_FS:
		snprintf(buf, len, "mount %s on /%s in the jail", r->what, r->target);
		break;
	case ROW_BIND:
		snprintf(buf, len, "bind %s onto /%s in the jail", r->what, r->target);
		break;
	case ROW_SELF:
		snprintf(buf, len, "make /%s read-only in the jail", r->target);
		break;
	case ROW_LINK:
		snprintf(buf, len, "link /%s -> %s in the jail", r->target, r->what);
		break;
	}
}

static int
row_link(int rootfd, const struct mount_row *r, struct ioc_err *e)
{
	cleanup_close int dir = -1;
	const char *name;

	dir = parent_open(rootfd, r->target, &name);
	if (dir < 0)
		return err_jail(e, "resolve the directory of '%s'", r->target);
	if (symlinkat(r->what, dir, name) < 0)
		return err_sys(e, "symlink");
	return 0;
}

static int
row_mount(const struct jail_spec *s, const struct mount_row *r, int fd, struct ioc_err *e)
{
	const char *data = r->data;
	char p[32], opts[160];
	int rc = -1;

	fd_path(fd, p);
	if ((r->opts & R_PTSMAX) && s->devpts_max > 0) {
		snprintf(opts, sizeof(opts), "%s,max=%u", r->data, s->devpts_max);
		data = opts;
	}
	if (r->kind == ROW_FS)
		rc = mount(r->what, p, r->what, r->flags, data);
	else if (r->kind == ROW_BIND)
		rc = mount(r->what, p, NULL, MS_BIND, NULL);
	else if (r->kind == ROW_SELF)
		rc = mount(p, p, NULL, MS_BIND, NULL);
	if (rc < 0 && errno == ENODEV && (r->opts & R_OPT))
		return 0;
	if (rc < 0)
		return err_set(e, errno, "%s", strerror(errno));
	return 1;
}

static int
row_apply(const struct jail_spec *s, int rootfd, const struct mount_row *r, struct ioc_err *e)
{
	cleanup_close int fd = -1;
	char step[256];
	int r1;

	row_step(r, step, sizeof(step));
	if (r->kind == ROW_LINK)
		return row_link(rootfd, r, e) < 0 ? err_wrap(e, "%s", step) : 0;
	r1 = target_open(rootfd, r->target, r->opts, &fd, e);
	if (r1 > 0)
		r1 = row_mount(s, r, fd, e);
	if (r1 > 0 && r->attr)
		r1 = target_attr(rootfd, r->target, r->opts, r->attr, e);
	return r1 < 0 ? err_wrap(e, "%s", step) : 0;
}

/* ---- basejail ---- */

/* The jail's own directories below a release directory: kept open before the release covers
 * them, bound back on top afterwards. */
static const char *const base_own_below[] = {"usr/local"};

static bool
plain_name(const char *name)
{
	return *name && !strchr(name, '/') && !streq(name, ".") && !streq(name, "..");
}

/* The release has name as a symlink (bin -> usr/bin on merged-/usr systems): the jail gets
 * the same link where it has nothing of its own. Followed only after pivot_root, inside. */
static int
base_link(int rootfd, int base, const char *name, struct ioc_err *e)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(base, name, buf, sizeof(buf) - 1);

	if (n < 0)
		return err_sys(e, "read the release's link /%s", name);
	buf[n] = '\0';
	if (symlinkat(buf, rootfd, name) < 0 && errno != EEXIST)
		return err_sys(e, "link /%s -> %s in the jail", name, buf);
	return 0;
}

static int
base_bind(int rootfd, int base, const char *name, struct ioc_err *e)
{
	cleanup_close int src = -1, dst = -1;
	char sp[32], dp[32];
	struct stat st;

	if (!plain_name(name))
		return err_set(e, EINVAL, "basejail directory '%s' is not a plain name", name);
	src = openat(base, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (src < 0)
		return errno == ENOENT ? 0 : err_sys(e, "open the release's /%s", name);
	if (fstat(src, &st) < 0)
		return err_sys(e, "stat the release's /%s", name);
	if (S_ISLNK(st.st_mode))
		return base_link(rootfd, base, name, e);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ENOTDIR, "the release's /%s is not a directory", name);
	if (target_open(rootfd, name, R_DIR | R_MAKE, &dst, e) < 0)
		return err_wrap(e, "bind the release's /%s read-only in the jail", name);
	fd_path(src, sp);
	fd_path(dst, dp);
	if (mount(sp, dp, NULL, MS_BIND, NULL) < 0)
		return err_sys(e, "bind the release's /%s in the jail", name);
	/* Read-only and nodev, but not nosuid: su and passwd live there. */
	if (target_attr(rootfd, name, R_DIR, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV, e) < 0)
		return err_wrap(e, "make the release's /%s read-only in the jail", name);
	return 0;
}

static bool
base_has(const struct jail_spec *s, const char *path)
{
	size_t len = strcspn(path, "/");

	for (const char *const *d = s->base_dirs; *d; d++)
		if (strlen(*d) == len && strncmp(*d, path, len) == 0)
			return true;
	return false;
}

static int
base_own_restore(int rootfd, const char *path, int keep, struct ioc_err *e)
{
	cleanup_close int dst = -1;
	char kp[32], dp[32];

	if (target_open(rootfd, path, R_DIR, &dst, e) < 0)
		return err_wrap(e, "bind the jail's own /%s over the release's", path);
	fd_path(keep, kp);
	fd_path(dst, dp);
	if (mount(kp, dp, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_sys(e, "bind the jail's own /%s over the release's", path);
	return 0;
}

static int
base_mounts(const struct jail_spec *s, int rootfd, struct ioc_err *e)
{
	int keep[ARRAY_SIZE(base_own_below)];
	cleanup_close int base = -1;
	int r = 0;

	if (!s->base_root || !s->base_dirs)
		return 0;
	base = open(s->base_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (base < 0)
		return err_sys(e, "open the release root %s", s->base_root);
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
		keep[i] = -1;
		if (base_has(s, base_own_below[i]) &&
		    target_open(rootfd, base_own_below[i], R_DIR | R_OPT, &keep[i], e) < 0)
			return err_wrap(e, "keep the jail's own /%s", base_own_below[i]);
	}
	for (const char *const *d = s->base_dirs; *d && r == 0; d++)
		r = base_bind(rootfd, base, *d, e);
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
		if (r == 0 && keep[i] >= 0)
			r = base_own_restore(rootfd, base_own_below[i], keep[i], e);
		if (keep[i] >= 0)
			close(keep[i]);
	}
	return r;
}

/* ---- the child ---- */

struct child {
	const struct jail_spec *s;
	const struct enter_opts *o; /* run_oneshot's command; NULL: the jail's init */
	char *const *argv;          /* for the sealed program */
	char *const *envp;
	int sock;                        /* the child's end of the report socket (close-on-exec) */
	int memfd;                       /* the sealed program */
	int rootfd;                      /* the jail root, once bound onto itself */
	int devnull;                     /* the host's /dev/null, opened before pivot_root */
	const struct sec_filter *filter; /* s->filter, or own built from s->sec */
	struct sec_filter own;
};

/* The seccomp filter the child loads: the caller's, or one built from the policy here, in the
 * parent (the child only loads it). */
static int
child_filter(struct child *c, struct ioc_err *e)
{
	if (c->s->filter) {
		c->filter = c->s->filter;
		return 0;
	}
	if (sec_filter_build(&c->s->sec, &c->own, e) < 0)
		return -1;
	c->filter = &c->own;
	return 0;
}

/* The parent never sends more than the one byte already read: anything readable is EOF. */
static bool
parent_gone(int sock)
{
	struct pollfd p = {.fd = sock, .events = POLLIN};

	return poll(&p, 1, 0) != 0;
}

static int
ch_process(struct child *c, struct ioc_err *e)
{
	sigset_t none;

	/* Ignored signals and the signal mask would survive exec into init. */
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Until the program runs, iocage dying must not leave a half-made jail running. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || parent_gone(c->sock))
		return err_set(e, ESRCH, "iocage went away");
	if (setsid() < 0)
		return err_sys(e, "setsid");
	umask(022);
	for (const char *const *p = c->s->cgroup_procs; p && *p; p++)
		if (run_cgroup_v1_join(*p, e) < 0)
			return -1;
	/* Only now, in the jail's cgroups (v1 ones included): the namespace's root is where
	 * the process is when it is made. */
	if (unshare(CLONE_NEWCGROUP) < 0)
		return err_sys(e, "make the jail's cgroup namespace");
	return 0;
}

static int
ch_root(struct child *c, struct ioc_err *e)
{
	const char *root = c->s->root;

	if (access("/proc/self/fd", F_OK) < 0)
		return err_sys(e, "the host's /proc is needed (mounts go through /proc/self/fd)");
	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_sys(e, "make the mounts private");
	/* pivot_root needs a mount point. */
	if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_sys(e, "bind the jail root %s onto itself", root);
	c->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd < 0)
		return err_sys(e, "open the jail root %s", root);
	/* No node on the jail's own file systems works as a device, whatever root in the jail
	 * manages to mknod: devices come only from the safe set bound into /dev. */
	if (mount_attr_set(c->rootfd, MOUNT_ATTR_NODEV, true) < 0)
		return err_sys(e, "mount the jail root %s nodev", root);
	c->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (c->devnull < 0)
		return err_sys(e, "open /dev/null");
	return base_mounts(c->s, c->rootfd, e);
}

static int
ch_mounts(struct child *c, struct ioc_err *e)
{
	unsigned have = conditions(c->s);

	for (size_t i = 0; i < ARRAY_SIZE(mount_table); i++) {
		const struct mount_row *r = &mount_table[i];

		if ((r->cond & have) == r->cond && row_apply(c->s, c->rootfd, r, e) < 0)
			return -1;
	}
	return 0;
}

static int
ch_pivot(struct child *c, struct ioc_err *e)
{
	if (fchdir(c->rootfd) < 0)
		return err_sys(e, "chdir into the jail root %s", c->s->root);
	/* The old root ends up stacked on the new one; detaching "." removes it. */
	if (sys_pivot_root(".", ".") < 0)
		return err_sys(e, "pivot_root into %s", c->s->root);
	if (umount2(".", MNT_DETACH) < 0)
		return err_sys(e, "detach the host's root after pivot_root");
	if (chdir("/") < 0)
		return err_sys(e, "chdir /");
	return 0;
}

static int
ch_uts(struct child *c, struct ioc_err *e)
{
	const char *h = c->s->hostname, *d = c->s->domainname;

	if (h && sethostname(h, strlen(h)) < 0)
		return err_sys(e, "set the hostname '%s'", h);
	if (d && *d && !streq(d, "none") && setdomainname(d, strlen(d)) < 0)
		return err_sys(e, "set the domain name '%s'", d);
	return 0;
}

static int
write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Replace /etc/NAME in the jail with text: a new file renamed over the old entry, so a
 * symlink, FIFO or device node there is replaced, never followed or opened. "etc" itself is
 * resolved inside the root (a symlinked /etc stays in the jail). No /etc: nothing to do. */
static int
etc_write(int rootfd, const char *name, const char *text, struct ioc_err *e)
{
	cleanup_close int etc = -1, fd = -1;
	char tmp[64];

	etc = jail_open(rootfd, "etc", O_PATH | O_DIRECTORY);
	if (etc < 0)
		return errno == ENOENT ? 0
				       : err_jail(e, "write /etc/%s in the jail: open /etc", name);
	snprintf(tmp, sizeof(tmp), ".%s.iocage-new", name);
	if (unlinkat(etc, tmp, 0) < 0 && errno != ENOENT)
		return err_sys(e, "write /etc/%s in the jail: remove /etc/%s", name, tmp);
	fd = openat(etc, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, text, strlen(text)) < 0 || fchmod(fd, 0644) < 0)
		return err_sys(e, "write /etc/%s in the jail", name);
	if (renameat(etc, tmp, etc, name) < 0) {
		err_sys(e, "write /etc/%s in the jail: rename", name);
		unlinkat(etc, tmp, 0);
		return -1;
	}
	return 0;
}

/* After pivot_root, so the host is out of reach anyway; resolved inside the root regardless. */
static int
ch_etc(struct child *c, struct ioc_err *e)
{
	char line[128];

	if (c->s->resolv_conf && etc_write(c->rootfd, "resolv.conf", c->s->resolv_conf, e) < 0)
		return -1;
	if (!c->s->hostname)
		return 0;
	if ((size_t)snprintf(line, sizeof(line), "%s\n", c->s->hostname) >= sizeof(line))
		return err_set(e, ENAMETOOLONG, "hostname '%s' is too long", c->s->hostname);
	return etc_write(c->rootfd, "hostname", line, e);
}

static int
ch_loopback(struct child *c, struct ioc_err *e)
{
	struct ifreq ifr = {0};
	cleanup_close int sk = -1;

	if (c->s->net_inherit)
		return 0;
	sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sk < 0)
		return err_sys(e, "bring up lo: socket");
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(sk, SIOCGIFFLAGS, &ifr) < 0)
		return err_sys(e, "bring up lo: get its flags");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sk, SIOCSIFFLAGS, &ifr) < 0)
		return err_sys(e, "bring up lo");
	return 0;
}

/* Put src[i] on fd i (-1: leave fd i alone). Copies first, so a source that is itself 0-2 is
 * not overwritten before use, and dup2 never sees equal fds (which would keep FD_CLOEXEC). */
static int
stdio_set(const int src[3], struct ioc_err *e)
{
	int tmp[3] = {-1, -1, -1};

	for (int i = 0; i < 3; i++)
		if (src[i] >= 0 && (tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 3)) < 0)
			return err_sys(e, "set up stdio: duplicate fd %d", src[i]);
	for (int i = 0; i < 3; i++)
		if (tmp[i] >= 0 && dup2(tmp[i], i) < 0)
			return err_sys(e, "set up stdio: dup2 onto %d", i);
	for (int i = 0; i < 3; i++)
		if (tmp[i] >= 0)
			close(tmp[i]);
	return 0;
}

/* Every fd above 2 closes at exec: the caller's files never reach the jail. The memfd and
 * the report socket stay usable until then. */
static int
fds_cloexec(struct ioc_err *e)
{
	struct rlimit rl;

	if (sys_close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	/* EINVAL: a kernel without CLOSE_RANGE_CLOEXEC (before 5.11). */
	if (errno != ENOSYS && errno != EINVAL)
		return err_sys(e, "mark fds close-on-exec");
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return err_sys(e, "getrlimit NOFILE");
	for (rlim_t fd = 3; fd < rl.rlim_cur && fd < (1U << 20); fd++)
		fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

static int
ch_stdio(struct child *c, struct ioc_err *e)
{
	int init_out = c->s->console_fd >= 0 ? c->s->console_fd : c->devnull;
	int src[3] = {c->devnull, init_out, init_out};

	if (c->o) {
		/* A command keeps our stdio, or sends its output to out_fd. */
		src[0] = -1;
		src[1] = src[2] = c->o->out_fd;
	}
	if (stdio_set(src, e) < 0)
		return -1;
	return fds_cloexec(e);
}

/* The jail's per-process limits, on init before it runs, so that all it starts inherits them.
 * Only lowering is sure to work (iocage may lack CAP_SYS_RESOURCE): a value above our own hard
 * limit is lowered to it, as `iocage limits` reports. */
static int
ch_rlimits(struct child *c, struct ioc_err *e)
{
	for (size_t i = 0; i < c->s->n_rlimits; i++) {
		const struct run_rlimit *r = &c->s->rlimits[i];
		struct rlimit cur, want;

		if (getrlimit(r->resource, &cur) < 0)
			return err_sys(e, "getrlimit %d", r->resource);
		want.rlim_max = r->value < cur.rlim_max ? r->value : cur.rlim_max;
		want.rlim_cur = want.rlim_max;
		if (setrlimit(r->resource, &want) < 0)
			return err_sys(e, "setrlimit %d to %llu", r->resource,
				       (unsigned long long)want.rlim_max);
	}
	return 0;
}

/* The IPC sysctls of the jail's new IPC namespace, through the host's /proc (still ours
 * here): each of them is the namespace's own. */
static int
ch_ipc(struct child *c, struct ioc_err *e)
{
	if (c->s->ipc_inherit || !c->s->sysctls)
		return 0;
	return run_sysctl_here(c->s->sysctls, e);
}

static int
ch_sec(struct child *c, struct ioc_err *e)
{
	if (sec_apply(&c->s->sec, c->filter, e) < 0)
		return err_wrap(e, "apply the jail's capability and seccomp limits");
	return 0;
}

/* run_oneshot: the user, after sec_apply (which needs root's capabilities). */
static int
ch_user(struct child *c, struct ioc_err *e)
{
	const struct enter_user *u = c->o ? c->o->user : NULL;

	if (!u)
		return 0;
	if (setgroups(u->ngroups, u->groups) < 0)
		return err_sys(e, "set the groups of uid %u", (unsigned)u->uid);
	if (setgid(u->gid) < 0)
		return err_sys(e, "set gid %u", (unsigned)u->gid);
	if (setuid(u->uid) < 0)
		return err_sys(e, "set uid %u", (unsigned)u->uid);
	/* As login(1) does: a missing home is no reason to fail. */
	if (!u->home || chdir(u->home) < 0)
		return chdir("/") < 0 ? err_sys(e, "chdir /") : 0;
	return 0;
}

/* init outlives iocage: disarm the parent-death signal. A command dies with iocage: re-arm it
 * (a uid change cleared it). Then make sure iocage did not go in between. */
static int
ch_detach(struct child *c, struct ioc_err *e)
{
	if (prctl(PR_SET_PDEATHSIG, c->o ? SIGKILL : 0) < 0)
		return err_sys(e, "prctl PR_SET_PDEATHSIG");
	if (parent_gone(c->sock))
		return err_set(e, ESRCH, "iocage went away");
	return 0;
}

static _Noreturn void
child_fail(struct child *c, const struct ioc_err *e)
{
	send(c->sock, e, sizeof(*e), MSG_NOSIGNAL);
	_exit(1);
}

static _Noreturn void
child_main(struct child *c)
{
	static int (*const steps[])(struct child *, struct ioc_err *) = {
	    ch_process,  ch_ipc,   ch_root,    ch_mounts, ch_pivot, ch_uts,    ch_etc,
	    ch_loopback, ch_stdio, ch_rlimits, ch_sec,    ch_user,  ch_detach,
	};
	struct ioc_err e;
	char go;

	/* Wait until the parent has put us into the jail's v2 cgroup; EOF: it gave up. */
	if (recv(c->sock, &go, 1, 0) != 1)
		_exit(1);
	err_clear(&e);
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
		if (steps[i](c, &e) < 0)
			child_fail(c, &e);
	blob_exec(c->memfd, c->argv, c->envp, &e);
	child_fail(c, &e);
}

/* ---- the parent ---- */

static pid_t
clone3_with(uint64_t flags, int cgroup_fd, int *pidfd)
{
	struct ioc_clone_args a = {.flags = flags | CLONE_PIDFD,
				   .pidfd = (uint64_t)(uintptr_t)pidfd,
				   .exit_signal = SIGCHLD};
	pid_t pid;

	if (no_clone3) {
		errno = ENOSYS;
		return -1;
	}
	if (cgroup_fd >= 0) {
		a.flags |= CLONE_INTO_CGROUP;
		a.cgroup = (uint64_t)cgroup_fd;
	}
	pid = sys_clone3(&a, sizeof(a));
	if (pid < 0 && errno == ENOSYS)
		no_clone3 = true;
	return pid;
}

/* Returns twice, like fork. *into: the child started in s->cgroup_fd. */
static pid_t
clone_child(const struct jail_spec *s, int *pidfd, bool *into, struct ioc_err *e)
{
	uint64_t flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS;
	pid_t pid;

	flags |= (s->ipc_inherit ? 0 : CLONE_NEWIPC) | (s->net_inherit ? 0 : CLONE_NEWNET);
	*pidfd = -1;
	*into = false;
	if (s->cgroup_fd >= 0 && !no_into_cgroup) {
		pid = clone3_with(flags, s->cgroup_fd, pidfd);
		if (pid >= 0) {
			*into = true;
			return pid;
		}
		/* E2BIG, EINVAL: a kernel without CLONE_INTO_CGROUP (before 5.7). */
		if (errno != E2BIG && errno != EINVAL && errno != ENOSYS)
			return err_sys(e, "clone the jail's first process into its cgroup");
		no_into_cgroup = errno != ENOSYS;
	}
	pid = clone3_with(flags, -1, pidfd);
	if (pid < 0 && errno == ENOSYS) {
		*pidfd = -1;
		pid = (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL,
				     NULL);
	}
	if (pid < 0)
		return err_sys(e, "clone the jail's first process");
	return pid;
}

static int
write_pid(int dirfd, const char *path, pid_t pid, struct ioc_err *e)
{
	cleanup_close int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);

	if (fd < 0 || write(fd, buf, (size_t)n) != n)
		return err_sys(e, "put the jail's first process (pid %d) into %s", (int)pid, path);
	return 0;
}

static int
cgroups_join(const struct jail_spec *s, pid_t pid, bool into, struct ioc_err *e)
{
	if (s->cgroup_fd >= 0 && !into && write_pid(s->cgroup_fd, "cgroup.procs", pid, e) < 0)
		return err_wrap(e, "v2 cgroup");
	return 0;
}

static void
kill_reap(pid_t pid)
{
	/* Our own unreaped child: its pid cannot have been recycled. */
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* The child's word: a record is its failure; EOF is a successful exec, unless the child is
 * already dead (it crashed before exec, or, for init, died at once). */
static int
child_report(int sk, pid_t pid, bool must_live, struct ioc_err *e)
{
	struct ioc_err rep;
	siginfo_t si = {0};
	ssize_t n;

	do
		n = recv(sk, &rep, sizeof(rep), 0);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(rep)) {
		rep.msg[sizeof(rep.msg) - 1] = '\0';
		return err_set(e, rep.code, "%s", rep.msg);
	}
	if (n < 0)
		return err_sys(e, "read the report of the jail's first process");
	if (n > 0)
		return err_set(e, EPROTO, "the jail's first process sent a cut-short report");
	if (must_live && waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	    si.si_pid == pid)
		return err_set(e, ECHILD, "the jail's init died at once (%s %d)",
			       si.si_code == CLD_EXITED ? "exit status" : "signal", si.si_status);
	return 0;
}

static int
spawn(struct child *c, pid_t *ret_pid, int *ret_pidfd, struct ioc_err *e)
{
	cleanup_close int memfd = -1, sk = -1;
	int sv[2], pidfd = -1, r;
	bool into = false;
	pid_t pid;

	memfd = blob_memfd(e);
	if (memfd < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return err_sys(e, "socketpair");
	pid = clone_child(c->s, &pidfd, &into, e);
	if (pid == 0) {
		close(sv[0]);
		c->sock = sv[1];
		c->memfd = memfd;
		child_main(c);
	}
	close(sv[1]);
	sk = sv[0];
	if (pid < 0)
		return -1;
	r = cgroups_join(c->s, pid, into, e);
	if (r == 0 && send(sk, "g", 1, MSG_NOSIGNAL) != 1)
		r = err_sys(e, "let the jail's first process go on");
	if (r == 0)
		r = child_report(sk, pid, !c->o, e);
	if (r < 0) {
		kill_reap(pid);
		if (pidfd >= 0)
			close(pidfd);
		return -1;
	}
	*ret_pid = pid;
	if (ret_pidfd)
		*ret_pidfd = pidfd;
	else if (pidfd >= 0)
		close(pidfd);
	return 0;
}

static int
spec_check(const struct jail_spec *s, struct ioc_err *e)
{
	if (!s->root || s->root[0] != '/' || streq(s->root, "/"))
		return err_set(e, EINVAL, "the jail root '%s' must be an absolute path, not /",
			       s->root ? s->root : "");
	if (s->base_dirs && !s->base_root)
		return err_set(e, EINVAL, "basejail directories given without a release root");
	/* Tests run the no-openat2 path on kernels that have it. */
	if (getenv("IOCAGE_NO_OPENAT2"))
		no_openat2 = true;
	return 0;
}

int
run_start(const struct jail_spec *s, struct jail_proc *out, struct ioc_err *e)
{
	char wall[24];
	char *argv[] = {"iocage-init", "init", s->wallclock_s ? wall : NULL, NULL};
	struct child c = {.s = s, .argv = argv, .envp = init_env, .rootfd = -1, .devnull = -1};
	uint64_t start;
	pid_t pid = -1;
	int r;

	snprintf(wall, sizeof(wall), "%u", s->wallclock_s);
	if (spec_check(s, e) < 0 || child_filter(&c, e) < 0)
		return -1;
	r = spawn(&c, &pid, NULL, e);
	sec_filter_free(&c.own);
	if (r < 0)
		return -1;
	if (proc_starttime(pid, &start, e) < 0) {
		kill_reap(pid);
		return err_wrap(e, "the jail's init (pid %d)", (int)pid);
	}
	out->pid = pid;
	out->starttime = start;
	return 0;
}

/* ---- run_oneshot ---- */

/* 1: the child has exited (still waitable); 0: timeout_s passed first. */
static int
wait_until(pid_t pid, int pidfd, unsigned timeout_s)
{
	struct timespec now, end;
	siginfo_t si;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_s;
	for (;;) {
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		long ms;

		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0)
			return 0;
		/* Without a pidfd (old kernels): look again every 10 ms. */
		if (pidfd < 0)
			nanosleep(&(struct timespec){0, 10000000}, NULL);
		else
			poll(&p, 1, ms > 60000 ? 60000 : (int)ms);
	}
}

static int
wait_exit(pid_t pid, int pidfd, unsigned timeout_s, int *status, struct ioc_err *e)
{
	int st;

	if (timeout_s > 0 && wait_until(pid, pidfd, timeout_s) == 0) {
		kill_reap(pid);
		return err_set(e, ETIMEDOUT, "the command did not finish within %u s; killed it",
			       timeout_s);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return err_sys(e, "wait for the command");
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

int
run_oneshot(const struct jail_spec *s, const struct enter_opts *o, int *status, struct ioc_err *e)
{
	struct child c = {
	    .s = s, .o = o, .envp = o->envp ? o->envp : init_env, .rootfd = -1, .devnull = -1};
	cleanup_free char **argv = NULL;
	int pidfd = -1, r;
	size_t n = 0;
	pid_t pid = -1;

	if (!o->argv || !o->argv[0])
		return err_set(e, EINVAL, "no command to run in the jail");
	if (o->pty)
		return err_set(e, ENOTSUP,
			       "a one-shot command runs on the caller's terminal, not a pty");
	if (spec_check(s, e) < 0)
		return -1;
	while (o->argv[n])
		n++;
	/* The sealed program in "exec" mode becomes the command: no host binary runs inside. */
	argv = xcalloc(n + 3, sizeof(*argv));
	argv[0] = (char *)"iocage-init";
	argv[1] = (char *)"exec";
	memcpy(argv + 2, o->argv, n * sizeof(*argv));
	c.argv = argv;
	if (child_filter(&c, e) < 0)
		return -1;
	r = spawn(&c, &pid, &pidfd, e);
	sec_filter_free(&c.own);
	if (r < 0)
		return -1;
	r = wait_exit(pid, pidfd, o->timeout_s, status, e);
	if (pidfd >= 0)
		close(pidfd);
	return r;
}
