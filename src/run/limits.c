/* Limits a running jail holds in its own namespaces: the System V IPC sysctls of its IPC
 * namespace and the max= of its devpts. Each change is made by a forked child that enters
 * only the namespace it needs (through a pidfd of the jail's init, checked to be that init),
 * so nothing of the host is written. */
#include "run/run.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/syscalls.h"

#ifndef DEVPTS_SUPER_MAGIC
#define DEVPTS_SUPER_MAGIC 0x1cd1
#endif

static const char *const ipc_names[RUN_IPC_N] = {"msgmnb", "msgmni", "sem",
						 "shmmni", "shmall", "shmmax"};

const char *
run_ipc_name(size_t i)
{
	return i < RUN_IPC_N ? ipc_names[i] : NULL;
}

/* ---- the sysctls, in the caller's IPC namespace ---- */

static int
ipc_index(const char *name, size_t len)
{
	for (size_t i = 0; i < RUN_IPC_N; i++)
		if (strlen(ipc_names[i]) == len && strncmp(ipc_names[i], name, len) == 0)
			return (int)i;
	return -1;
}

static void
ipc_read(struct run_ipc *out)
{
	for (size_t i = 0; i < RUN_IPC_N; i++) {
		char path[64];
		cleanup_close int fd = -1;
		ssize_t n = -1;

		snprintf(path, sizeof(path), "/proc/sys/kernel/%s", ipc_names[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			n = read(fd, out->v[i], sizeof(out->v[i]) - 1);
		out->v[i][n > 0 ? n : 0] = '\0';
		out->v[i][strcspn(out->v[i], "\n")] = '\0';
		for (char *t = out->v[i]; *t; t++)
			if (*t == '\t')
				*t = ' ';
	}
}

/* kernel.sem "- - N -": the fields given, the others from def ("A B C D"). */
static int
sem_merge(const char *want, const char *def, char *out, size_t len)
{
	char w[4][24], d[4][24];
	int n;

	if (sscanf(want, "%23s %23s %23s %23s", w[0], w[1], w[2], w[3]) != 4 ||
	    sscanf(def, "%23s %23s %23s %23s", d[0], d[1], d[2], d[3]) != 4)
		return -1;
	n = snprintf(out, len, "%.15s %.15s %.15s %.15s", streq(w[0], "-") ? d[0] : w[0],
		     streq(w[1], "-") ? d[1] : w[1], streq(w[2], "-") ? d[2] : w[2],
		     streq(w[3], "-") ? d[3] : w[3]);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

static int
sysctl_put(int idx, const char *val, struct ioc_err *e)
{
	char path[64];
	cleanup_close int fd = -1;
	size_t len = strlen(val);

	snprintf(path, sizeof(path), "/proc/sys/kernel/%s", ipc_names[idx]);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, val, len) != (ssize_t)len)
		return err_sys(e, "write '%s' to kernel.%s of the jail's IPC namespace", val,
			       ipc_names[idx]);
	return 0;
}

/* One "kernel.NAME=VALUE" entry; def NULL: skip "default" ones. */
static int
sysctl_entry(const char *entry, const struct run_ipc *def, struct ioc_err *e)
{
	const char *name = str_has_prefix(entry, "kernel.") ? entry + 7 : NULL;
	const char *eq = name ? strchr(name, '=') : NULL;
	int idx = eq ? ipc_index(name, (size_t)(eq - name)) : -1;
	char merged[64];
	const char *val;

	if (idx < 0)
		return err_set(e, EINVAL, "'%s' is not an IPC sysctl iocage sets", entry);
	val = eq + 1;
	if (streq(val, "default")) {
		if (!def)
			return 0;
		val = def->v[idx];
	} else if (idx == 2 && strchr(val, '-')) {
		if (!def || sem_merge(val, def->v[idx], merged, sizeof(merged)) < 0)
			return err_set(e, EINVAL, "cannot read kernel.sem to change part of it");
		val = merged;
	}
	if (!*val)
		return err_set(e, EIO, "no default for kernel.%s", ipc_names[idx]);
	return sysctl_put(idx, val, e);
}

int
run_sysctl_here(const char *const *list, struct ioc_err *e)
{
	struct run_ipc def;

	if (!list || !*list)
		return 0;
	/* A new IPC namespace holds the kernel's defaults. */
	ipc_read(&def);
	for (; *list; list++)
		if (!str_has_prefix(*list, "kernel.") || !strstr(*list, "=default"))
			if (sysctl_entry(*list, &def, e) < 0)
				return -1;
	return 0;
}

/* ---- a child in one of the jail's namespaces ---- */

/* A pidfd of the jail's init, checked to be the process jp names. */
static int
init_pidfd(const struct jail_proc *jp, struct ioc_err *e)
{
	int fd = (int)sys_pidfd_open(jp->pid, 0);
	uint64_t st = 0;

	if (fd < 0)
		return err_sys(e, "pidfd_open of the jail's init %d", (int)jp->pid);
	if (proc_starttime(jp->pid, &st, e) < 0 || st != jp->starttime) {
		close(fd);
		return err_set(e, ESRCH, "pid %d is no longer the jail's init", (int)jp->pid);
	}
	return fd;
}

static bool
same_ns(pid_t pid, const char *ns)
{
	char a[64], b[64];
	struct stat x, y;

	snprintf(a, sizeof(a), "/proc/self/ns/%s", ns);
	snprintf(b, sizeof(b), "/proc/%d/ns/%s", (int)pid, ns);
	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_ino == y.st_ino && x.st_dev == y.st_dev;
}

struct reply {
	struct ioc_err e;
	int failed;
	struct run_ipc now;
};

typedef int (*child_fn)(int pidfd, const void *arg, struct reply *r);

/* Fork; the child runs fn and sends its reply through a pipe; the parent waits for it. */
static int
in_child(const struct jail_proc *jp, child_fn fn, const void *arg, struct reply *r,
	 struct ioc_err *e)
{
	cleanup_close int pidfd = init_pidfd(jp, e);
	int p[2], st;
	ssize_t n;
	pid_t pid;

	if (pidfd < 0)
		return -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(e, "pipe");
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return err_sys(e, "fork");
	}
	if (pid == 0) {
		struct reply mine = {0};

		close(p[0]);
		mine.failed = fn(pidfd, arg, &mine) < 0;
		(void)!write(p[1], &mine, sizeof(mine));
		_exit(0);
	}
	close(p[1]);
	do
		n = read(p[0], r, sizeof(*r));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(*r))
		return err_set(e, EPROTO, "the helper in the jail's namespace died");
	if (r->failed) {
		*e = r->e;
		return -1;
	}
	return 0;
}

static int
ipc_child(int pidfd, const void *arg, struct reply *r)
{
	const char *const *list = arg;
	struct run_ipc def = {0};

	if (list && *list) {
		if (unshare(CLONE_NEWIPC) < 0)
			return err_sys(&r->e, "make an IPC namespace to read the defaults");
		ipc_read(&def);
	}
	if (setns(pidfd, CLONE_NEWIPC) < 0)
		return err_sys(&r->e, "enter the jail's IPC namespace");
	for (; list && *list; list++)
		if (sysctl_entry(*list, &def, &r->e) < 0)
			return -1;
	ipc_read(&r->now);
	return 0;
}

int
run_sysctl(const struct jail_proc *jp, const char *const *list, struct run_ipc *now,
	   struct ioc_err *e)
{
	struct reply r;

	if (same_ns(jp->pid, "ipc"))
		return err_set(
		    e, EPERM,
		    "the jail shares the host's IPC namespace (sysv*=inherit or "
		    "allow_sysvipc=1): its IPC sysctls are the host's and are left alone");
	if (in_child(jp, ipc_child, list, &r, e) < 0)
		return -1;
	if (now)
		*now = r.now;
	return 0;
}

/* ---- devpts ---- */

static int
devpts_child(int pidfd, const void *arg, struct reply *r)
{
	const unsigned *max = arg;
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			       .resolve =
				   RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS};
	cleanup_close int fd = -1;
	struct statfs sf;
	char opts[128];

	if (setns(pidfd, CLONE_NEWNS) < 0)
		return err_sys(&r->e, "enter the jail's mount namespace");
	fd = (int)sys_openat2(AT_FDCWD, "/dev/pts", &how, sizeof(how));
	if (fd < 0)
		return err_sys(&r->e, "open /dev/pts in the jail");
	if (fstatfs(fd, &sf) < 0 || sf.f_type != DEVPTS_SUPER_MAGIC)
		return err_set(&r->e, EINVAL, "/dev/pts in the jail is not its devpts");
	if (fchdir(fd) < 0)
		return err_sys(&r->e, "chdir to the jail's /dev/pts");
	/* A remount resets every devpts option not given: give them all. */
	if (*max)
		snprintf(opts, sizeof(opts), RUN_DEVPTS_OPTS ",max=%u", *max);
	else
		snprintf(opts, sizeof(opts), RUN_DEVPTS_OPTS);
	if (mount(NULL, ".", NULL, MS_REMOUNT | MS_NOSUID | MS_NOEXEC, opts) < 0)
		return err_sys(&r->e, "remount the jail's devpts with %s", opts);
	return 0;
}

int
run_devpts_max(const struct jail_proc *jp, unsigned max, struct ioc_err *e)
{
	struct reply r;

	if (same_ns(jp->pid, "mnt"))
		return err_set(e, EINVAL, "the jail shares our mount namespace");
	return in_child(jp, devpts_child, &max, &r, e);
}

long long
run_devpts_max_get(const struct jail_proc *jp)
{
	char path[48];
	cleanup_free char *text = NULL;
	struct ioc_err e;
	long long max = -2;

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)jp->pid);
	if (read_file(path, &text, 16u << 20, &e) < 0)
		return -2;
	for (char *line = text, *next; line && *line; line = next) {
		char *p = line, *target, *f, *fstype = NULL, *opts = NULL;

		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		for (int i = 0; i < 4; i++)
			mountinfo_field(&p);
		target = mountinfo_field(&p);
		while ((f = mountinfo_field(&p)) && !streq(f, "-"))
			;
		if (f && (fstype = mountinfo_field(&p)) && mountinfo_field(&p))
			opts = mountinfo_field(&p);
		if (!target || !opts || !streq(target, "/dev/pts") || !streq(fstype, "devpts"))
			continue;
		f = strstr(opts, "max=");
		max = f && (f == opts || f[-1] == ',') ? strtoll(f + 4, NULL, 10) : -1;
	}
	return max;
}

long long
run_wallclock_get(const struct jail_proc *jp)
{
	char path[48], buf[128];
	cleanup_close int fd = -1;
	ssize_t n;
	uint64_t v = 0;
	const char *arg3;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)jp->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return -1;
	buf[n] = '\0';
	/* "iocage-init\0init\0[SECONDS\0]" */
	if (!streq(buf, "iocage-init") || (size_t)n < sizeof("iocage-init\0init"))
		return -1;
	arg3 = buf + sizeof("iocage-init\0init");
	if (arg3 >= buf + n || !*arg3)
		return 0;
	return parse_u64(arg3, &v) == 0 ? (long long)v : -1;
}
