/* Entering a running jail: exec, console, exec_start. The process that enters is a child of
 * ours; everything it inherits from the host is assumed to be reachable by the jail's root the
 * moment it becomes visible in the jail, so: it is not dumpable (no ptrace, no /proc/PID/exe,
 * no /proc/PID/fd from inside), it closes every host fd before it touches a jail path, it
 * resolves jail paths without magic links, and it runs nothing from the host: its last step is
 * the sealed init program, which execs the command. */
#include "run/run.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "run/blob.h"
#include "run/security.h"
#include "util/cleanup.h"
#include "util/str.h"
#include "util/syscalls.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* The per-process limits a jail's processes share (the rlimit properties): an entering process
 * takes the jail's init's, so that `cap` and `uncap` (which change init's) hold for it too. */
static const int rl_resources[] = {RLIMIT_DATA,    RLIMIT_STACK, RLIMIT_CORE, RLIMIT_NOFILE,
				   RLIMIT_MEMLOCK, RLIMIT_AS,    RLIMIT_CPU};
#define RL_COUNT (sizeof(rl_resources) / sizeof(rl_resources[0]))

/* The namespaces of a jail, the mount namespace last: entering it changes our root, so in
 * the fallback every other one is opened (through the host's /proc) before. */
static const struct {
	const char *name;
	int flag;
} ns_table[] = {
    {"pid", CLONE_NEWPID}, {"uts", CLONE_NEWUTS},       {"ipc", CLONE_NEWIPC},
    {"net", CLONE_NEWNET}, {"cgroup", CLONE_NEWCGROUP}, {"mnt", CLONE_NEWNS},
};
#define NS_COUNT (sizeof(ns_table) / sizeof(ns_table[0]))

/* setns() with a pidfd (5.8). Without it, the files in /proc/PID/ns; remembered per process (and
 * inherited by the child, which forks after the parent found out). */
static int no_pidfd_setns;

struct target {
	pid_t pid;
	int pidfd;
	int flags; /* the namespaces that differ from ours */
};

/* The entering child's inputs. */
struct child {
	const struct target *t;
	const struct sec_policy *sec;
	const struct sec_filter *filter;
	const struct enter_opts *o;
	char *const *argv; /* iocage-init exec CMD ARGS */
	char *const *envp;
	int memfd, errfd, sockfd;
	bool into; /* born in the jail's v2 cgroup (CLONE_INTO_CGROUP) */
	bool have_ws;
	struct winsize ws;
	struct rlimit rl[RL_COUNT]; /* the jail init's, for the rl_resources */
	bool rl_known[RL_COUNT];
};

/* ---- the target ---- */

/* Make sure an fd of ours is not 0-2, which the child replaces. */
static int
fd_high(int fd)
{
	int n;

	if (fd < 0 || fd > 2)
		return fd;
	n = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return n;
}

/* 1 if the process behind a pidfd has exited. */
static bool
pidfd_gone(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP));
}

static int
ns_same(pid_t pid, const char *name, bool *same, struct ioc_err *e)
{
	char mine[64], theirs[64];
	struct stat a, b;

	snprintf(mine, sizeof(mine), "/proc/self/ns/%s", name);
	snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)pid, name);
	if (stat(mine, &a) < 0) {
		if (errno != ENOENT)
			return err_sys(e, "stat %s", mine);
		*same = true; /* a namespace this kernel does not have */
		return 0;
	}
	if (stat(theirs, &b) < 0)
		return err_sys(e, "stat %s", theirs);
	*same = a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	return 0;
}

/* Pin the jail's init with a pidfd, check that it is still the process jp names, and find
 * which of its namespaces are not ours (ip4=inherit shares the network one, for one). The
 * /proc files read are the init's own: the pid cannot be recycled while the pidfd's process
 * lives, which is checked after reading. */
static int
target_open(const struct jail_proc *jp, struct target *t, struct ioc_err *e)
{
	uint64_t st = 0;

	t->pid = jp->pid;
	t->flags = 0;
	t->pidfd = fd_high(sys_pidfd_open(jp->pid, 0));
	if (t->pidfd < 0) {
		if (errno == ESRCH)
			return err_set(e, ESRCH, "the jail's init (pid %d) is not running",
				       (int)jp->pid);
		return err_sys(e, "pidfd_open %d", (int)jp->pid);
	}
	if (proc_starttime(jp->pid, &st, e) < 0)
		return -1;
	if (st != jp->starttime)
		return err_set(e, ESRCH, "pid %d is no longer the jail's init", (int)jp->pid);
	for (size_t i = 0; i < NS_COUNT; i++) {
		bool same = true;

		if (ns_same(jp->pid, ns_table[i].name, &same, e) < 0)
			return err_wrap(e, "namespaces of the jail's init");
		if (!same)
			t->flags |= ns_table[i].flag;
	}
	if (pidfd_gone(t->pidfd))
		return err_set(e, ESRCH, "the jail's init (pid %d) is gone", (int)jp->pid);
	return 0;
}

static int
ns_open(pid_t pid, const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* Enter the namespaces in flags: one atomic setns with the pidfd, or one by one. */
static int
target_setns(const struct target *t, int flags, struct ioc_err *e)
{
	int fds[NS_COUNT], r = 0;

	if (!flags)
		return 0;
	if (!no_pidfd_setns) {
		if (setns(t->pidfd, flags) == 0)
			return 0;
		if (errno != EINVAL)
			return err_sys(e, "setns into the jail");
		no_pidfd_setns = 1;
	}
	for (size_t i = 0; i < NS_COUNT; i++)
		fds[i] = -1;
	for (size_t i = 0; i < NS_COUNT && r == 0; i++)
		if ((flags & ns_table[i].flag) && (fds[i] = ns_open(t->pid, ns_table[i].name)) < 0)
			r = err_sys(e, "open /proc/%d/ns/%s", (int)t->pid, ns_table[i].name);
	if (r == 0 && pidfd_gone(t->pidfd))
		r = err_set(e, ESRCH, "the jail's init is gone");
	for (size_t i = 0; i < NS_COUNT && r == 0; i++)
		if (fds[i] >= 0 && setns(fds[i], ns_table[i].flag) < 0)
			r = err_sys(e, "setns into the jail's %s namespace", ns_table[i].name);
	for (size_t i = 0; i < NS_COUNT; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return r;
}

/* ---- the child ---- */

/* The child reports {errno, message} through errfd and ends. */
__attribute__((noreturn)) static void
child_fail(int errfd, const struct ioc_err *e)
{
	(void)!write(errfd, e, sizeof(*e));
	_exit(127);
}

static void
reset_signals(void)
{
	sigset_t none;

	/* Ignored signals stay ignored across exec: the jail gets the defaults, not ours. */
	for (int sig = 1; sig < _NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int
write_zero(int fd)
{
	/* "0" is the writing process itself, whatever pid namespace it is in. */
	return write(fd, "0", 1) == 1 ? 0 : -1;
}

/* Join the jail's cgroup before its cgroup namespace, so that we are inside that namespace's
 * root; the v1 paths are host paths, opened before the mount namespace changes. into: the
 * fork put us into the v2 one already. */
static int
join_cgroup(const struct enter_opts *o, bool into, struct ioc_err *e)
{
	if (o->cgroup_fd >= 0 && !into) {
		cleanup_close int fd = openat(o->cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);

		if (fd < 0 || write_zero(fd) < 0)
			return err_sys(e, "join the jail's cgroup");
	}
	for (const char *const *p = o->cgroup_procs; p && *p; p++)
		if (run_cgroup_v1_join(*p, e) < 0)
			return -1;
	return 0;
}

/* exec_start's output goes to the console log; its stdin is the host's /dev/null, opened
 * before entering so that the jail's /dev cannot hand us something else. */
static int
redirect_output(int out_fd, struct ioc_err *e)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (null < 0)
		return err_sys(e, "open /dev/null");
	if (dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0 || dup2(null, 0) < 0)
		return err_sys(e, "redirect the output");
	if (null > 2)
		close(null);
	return 0;
}

static int
int_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every fd from 3 up but the few in keep. Done before any jail path is resolved: a
 * leaked host directory fd plus a chdir to /proc/self/fd/N is a way out of the jail
 * (CVE-2024-21626). The fallback reads the host's /proc, before we enter the jail. */
static int
close_fds_except(int *keep, size_t n, struct ioc_err *e)
{
	unsigned from = 3;
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;

	qsort(keep, n, sizeof(*keep), int_cmp);
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < from)
			continue; /* below 3, or a duplicate */
		if ((unsigned)keep[i] > from && sys_close_range(from, (unsigned)keep[i] - 1, 0) < 0)
			goto fallback;
		from = (unsigned)keep[i] + 1;
	}
	if (sys_close_range(from, ~0U, 0) < 0)
		goto fallback;
	return 0;
fallback:
	d = opendir("/proc/self/fd");
	if (!d)
		return err_sys(e, "close inherited fds: /proc/self/fd");
	while ((de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		bool kept = *end != '\0' || fd < 3 || fd == dirfd(d);

		for (size_t i = 0; i < n && !kept; i++)
			kept = fd == keep[i];
		if (!kept)
			close((int)fd);
	}
	return 0;
}

static int
send_fd(int sock, int fd)
{
	char byte = 0;
	struct iovec iov = {&byte, 1};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	memset(&u, 0, sizeof(u));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

static int
recv_fd(int sock)
{
	char byte;
	struct iovec iov = {&byte, 1};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int))) {
		errno = EPROTO;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* open(2) of a path in the jail (our root is the jail's by now) that refuses magic links:
 * /dev/ptmx or a home directory made a link to /proc/self/fd/N must not reopen one of ours. */
static int
open_no_magic(const char *path, int flags)
{
	static int no_openat2;
	struct open_how how = {.flags = (uint64_t)flags, .resolve = RESOLVE_NO_MAGICLINKS};
	int fd;

	if (!no_openat2) {
		do
			fd = sys_openat2(AT_FDCWD, path, &how, sizeof(how));
		while (fd < 0 && errno == EAGAIN);
		if (fd >= 0 || errno != ENOSYS)
			return fd;
		no_openat2 = 1;
	}
	return open(path, flags);
}

/* A new pseudo-terminal in the jail's own devpts: the master goes to the parent, the slave
 * becomes our controlling terminal and stdio. */
static int
setup_pty(const struct child *c, struct ioc_err *e)
{
	int unlock = 0, n, slave;
	cleanup_close int master = -1;

	master = open_no_magic("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return err_sys(e, "open /dev/ptmx in the jail");
	if (ioctl(master, TIOCGPTN, &n) < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return err_sys(e, "/dev/ptmx in the jail is not a pseudo-terminal master");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return err_sys(e, "open the pseudo-terminal's slave");
	if (c->have_ws)
		(void)ioctl(slave, TIOCSWINSZ, &c->ws);
	if (send_fd(c->sockfd, master) < 0)
		return err_sys(e, "pass the pseudo-terminal on");
	close(c->sockfd);
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return err_sys(e, "make the pseudo-terminal ours");
	if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
		return err_sys(e, "pseudo-terminal as stdio");
	if (slave > 2)
		close(slave);
	return 0;
}

/* The user's groups, gid and uid, all three of real, effective and saved, checked after. */
static int
switch_user(const struct enter_user *u, struct ioc_err *e)
{
	uid_t uid = u ? u->uid : 0;
	gid_t gid = u ? u->gid : 0;

	if (setgroups(u ? u->ngroups : 0, u ? u->groups : NULL) < 0)
		return err_sys(e, "user has uid %u but setgroups failed", (unsigned)uid);
	if (setresgid(gid, gid, gid) < 0 || getgid() != gid || getegid() != gid)
		return err_sys(e, "user has gid %u but setgid failed", (unsigned)gid);
	if (setresuid(uid, uid, uid) < 0 || getuid() != uid || geteuid() != uid)
		return err_sys(e, "user has uid %u but setuid failed", (unsigned)uid);
	return 0;
}

/* The home directory as the user, so that one it cannot enter is "/" instead. */
static void
enter_home(const struct enter_user *u)
{
	cleanup_close int fd = -1;

	if (!u || !u->home || u->home[0] != '/')
		return;
	fd = open_no_magic(u->home, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && fchdir(fd) == 0)
		return;
	(void)!chdir("/");
}

/* The init's limits, lowered to our own hard limits (which we may not be able to raise). */
static int
take_rlimits(const struct child *c, struct ioc_err *e)
{
	for (size_t i = 0; i < RL_COUNT; i++) {
		struct rlimit mine, want;

		if (!c->rl_known[i] || getrlimit(rl_resources[i], &mine) < 0)
			continue;
		want.rlim_max =
		    c->rl[i].rlim_max < mine.rlim_max ? c->rl[i].rlim_max : mine.rlim_max;
		want.rlim_cur =
		    c->rl[i].rlim_cur < want.rlim_max ? c->rl[i].rlim_cur : want.rlim_max;
		if (setrlimit(rl_resources[i], &want) < 0)
			return err_sys(e, "setrlimit %d as the jail's init has it",
				       rl_resources[i]);
	}
	return 0;
}

static int
child_setup(const struct child *c, struct ioc_err *e)
{
	const struct enter_opts *o = c->o;
	int keep[4] = {c->memfd, c->errfd, c->t->pidfd, c->sockfd};

	reset_signals();
	if (join_cgroup(o, c->into, e) < 0)
		return -1;
	if (!o->pty && o->out_fd >= 0 && redirect_output(o->out_fd, e) < 0)
		return -1;
	if (close_fds_except(keep, c->sockfd >= 0 ? 4 : 3, e) < 0)
		return -1;
	if (target_setns(c->t, c->t->flags & ~CLONE_NEWPID, e) < 0)
		return -1;
	close(c->t->pidfd);
	if (chdir("/") < 0)
		return err_sys(e, "chdir / in the jail");
	if (setsid() < 0)
		return err_sys(e, "setsid");
	if (o->pty && setup_pty(c, e) < 0)
		return -1;
	if (take_rlimits(c, e) < 0)
		return -1;
	if (sec_apply(c->sec, c->filter, e) < 0)
		return -1;
	if (switch_user(o->user, e) < 0)
		return -1;
	enter_home(o->user);
	return 0;
}

__attribute__((noreturn)) static void
child_main(const struct child *c)
{
	struct ioc_err e = {0};

	if (child_setup(c, &e) == 0)
		blob_exec(c->memfd, c->argv, c->envp, &e);
	child_fail(c->errfd, &e);
}

/* ---- the parent ---- */

/* fork(), born in the jail's v2 cgroup where the kernel can (clone3 CLONE_INTO_CGROUP, 5.7):
 * moving a process there afterwards takes the kernel's global threadgroup lock, and its first
 * taking after a quiet moment waits for an RCU grace period (5 to 30 ms here). */
static pid_t
fork_into(struct child *c)
{
	static bool no_into;
	struct ioc_clone_args a = {.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD};
	pid_t pid;

	if (c->o->cgroup_fd >= 0 && !no_into) {
		/* Set before: the child reads its own copy, made by the clone. */
		c->into = true;
		a.cgroup = (uint64_t)c->o->cgroup_fd;
		pid = sys_clone3(&a, sizeof(a));
		if (pid >= 0)
			return pid;
		c->into = false;
		/* ENOSYS, E2BIG, EINVAL: a kernel without clone3 or CLONE_INTO_CGROUP; anything
		 * else, the child joins by cgroup.procs and says what fails. */
		no_into = errno == ENOSYS || errno == E2BIG || errno == EINVAL;
	}
	return fork();
}

/* Fork the child inside the jail's PID namespace. A PID namespace applies to children only,
 * so we enter it for the fork and go back (pid_for_children) right after; the other
 * namespaces the child enters itself. Not dumpable from before the fork: the child is
 * visible in the jail from its first instant, holding host fds and the host's binary. */
static pid_t
fork_in_jail(struct child *c, struct ioc_err *e)
{
	int dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	cleanup_close int self = -1;
	pid_t pid = -1;

	if (c->t->flags & CLONE_NEWPID) {
		self = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
		if (self < 0)
			return err_sys(e, "open /proc/self/ns/pid_for_children");
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return err_sys(e, "prctl PR_SET_DUMPABLE");
	if (target_setns(c->t, c->t->flags & CLONE_NEWPID, e) < 0)
		goto out;
	pid = fork_into(c);
	if (pid == 0)
		child_main(c);
	if (pid < 0)
		err_sys(e, "fork");
	if (self >= 0 && setns(self, CLONE_NEWPID) < 0) {
		/* Our next child would be born in the jail: better stop here. */
		int saved = errno;

		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		errno = saved;
		pid = err_sys(e, "return to our own PID namespace");
	}
out:
	/* Back to dumpable only if we were (2, root-only dumps, cannot be set again). */
	if (dumpable == 1)
		(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	return pid;
}

/* 1 and e set if the child reported a failure, 0 when it reached exec (the pipe closed). */
static int
child_error(int fd, struct ioc_err *e)
{
	struct ioc_err ce;
	size_t got = 0;

	while (got < sizeof(ce)) {
		ssize_t n = read(fd, (char *)&ce + got, sizeof(ce) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got == 0)
		return 0;
	if (got < sizeof(ce))
		return err_set(e, EPROTO, "the entering process failed without saying why"), 1;
	ce.msg[sizeof(ce.msg) - 1] = '\0';
	err_set(e, ce.code, "%s", ce.msg);
	return 1;
}

static int
exit_status(int st)
{
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The relay between our terminal and the pty master, and the wait for the child. */
struct session {
	pid_t pid;
	int pidfd;  /* the child; -1 before 5.3 */
	int master; /* -1: no pty */
	int sigfd;
	bool in_open, master_open, child_done, eof_pending;
	int64_t eof_at; /* when to pass on stdin's EOF */
	unsigned timeout_s;
	char in[4096], out[16384];
	size_t inlen, outlen, outoff;
};

static void
resize(int master)
{
	struct winsize ws;

	if (ioctl(0, TIOCGWINSZ, &ws) == 0 || ioctl(1, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(master, TIOCSWINSZ, &ws);
}

/* 0 to go on; a signal number that ends a console session. Without a pty the command
 * gets our signals: it is in its own session, so ^C on our terminal reaches only us. */
static int
on_signal(struct session *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGWINCH) {
			if (s->master >= 0)
				resize(s->master);
		} else if (s->master >= 0) {
			return (int)si.ssi_signo;
		} else if (s->pidfd >= 0) {
			(void)sys_pidfd_send_signal(s->pidfd, (int)si.ssi_signo, NULL, 0);
		} else {
			kill(s->pid, (int)si.ssi_signo);
		}
	}
	return 0;
}

/* At EOF on our stdin, an end-of-file character for the jail's side, so that `echo cmd |
 * iocage console` ends. Not at once: a program switching between canonical and raw mode
 * (a shell's line editor) would see an EOF that arrives in one mode as a NUL in the other.
 * It goes when the jail has been quiet for a moment and all our input is read. */
#define EOF_QUIET_MS 200

static void
stdin_eof(struct session *s)
{
	s->in_open = false;
	s->eof_pending = true;
	s->eof_at = now_ms() + EOF_QUIET_MS;
}

static void
send_eof(struct session *s)
{
	struct termios t; /* of the slave: a master's TCGETS reads its peer's */

	if (!s->eof_pending || s->inlen || now_ms() < s->eof_at)
		return;
	s->eof_pending = false;
	if (tcgetattr(s->master, &t) == 0)
		s->in[s->inlen++] = (char)t.c_cc[VEOF];
}

static void
pump_in(struct session *s, short rev_in, short rev_master)
{
	ssize_t n;

	if (rev_in && s->inlen == 0) {
		n = read(0, s->in, sizeof(s->in));
		if (n > 0)
			s->inlen = (size_t)n;
		else if (n == 0 || (errno != EINTR && errno != EAGAIN))
			stdin_eof(s);
	}
	if ((rev_master & POLLOUT) && s->inlen) {
		n = write(s->master, s->in, s->inlen);
		if (n > 0) {
			memmove(s->in, s->in + n, s->inlen - (size_t)n);
			s->inlen -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			s->inlen = 0;
		}
	}
}

static void
pump_out(struct session *s, short rev_master, short rev_out)
{
	ssize_t n;

	if ((rev_master & (POLLIN | POLLHUP | POLLERR)) && s->outlen == 0) {
		n = read(s->master, s->out, sizeof(s->out));
		if (n > 0) {
			s->outlen = (size_t)n;
			s->outoff = 0;
			if (s->eof_pending)
				s->eof_at = now_ms() + EOF_QUIET_MS;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			s->master_open = false; /* EIO: every slave closed */
		}
	}
	if ((rev_out & (POLLOUT | POLLERR | POLLHUP)) && s->outlen) {
		n = write(1, s->out + s->outoff, s->outlen);
		if (n > 0) {
			s->outoff += (size_t)n;
			s->outlen -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			s->outlen = 0; /* our output is gone; keep draining the jail's */
		}
	}
}

/* Time left for poll: the timeout, and after the child ended a short grace for its last
 * output (a background process of the jail may keep the pty open forever). */
static int
poll_ms(const struct session *s, int64_t deadline, int64_t grace)
{
	int64_t t = -1, now = now_ms();

	if (deadline >= 0)
		t = deadline > now ? deadline - now : 0;
	if (grace >= 0 && (t < 0 || grace - now < t))
		t = grace > now ? grace - now : 0;
	if (s->eof_pending && (t < 0 || s->eof_at - now < t))
		t = s->eof_at > now ? s->eof_at - now : 0;
	if (s->pidfd < 0 && !s->child_done && (t < 0 || t > 50))
		t = 50; /* no pidfd: look at the child now and then */
	return (int)t;
}

static bool
child_exited(struct session *s, short rev, int *st)
{
	if (s->pidfd >= 0 && !rev)
		return false;
	return waitpid(s->pid, st, WNOHANG) == s->pid;
}

/* Relay and wait. Returns 0 with the child's wait status in *st, or -1 (timeout, signal). */
static int
session_run(struct session *s, int *st, struct ioc_err *e)
{
	int64_t deadline = s->timeout_s ? now_ms() + (int64_t)s->timeout_s * 1000 : -1;
	int64_t grace = -1;
	int sig = 0;

	for (;;) {
		bool pty = s->master >= 0;
		struct pollfd p[5] = {
		    {.fd = s->sigfd, .events = POLLIN},
		    {.fd = s->child_done ? -1 : s->pidfd, .events = POLLIN},
		    {.fd = pty && s->in_open && !s->inlen ? 0 : -1, .events = POLLIN},
		    {.fd = pty && s->master_open ? s->master : -1,
		     .events = (short)((s->outlen ? 0 : POLLIN) | (s->inlen ? POLLOUT : 0))},
		    {.fd = pty && s->outlen ? 1 : -1, .events = POLLOUT},
		};
		int n = poll(p, 5, poll_ms(s, deadline, grace));

		if (n < 0 && errno != EINTR)
			return err_sys(e, "poll");
		if (n > 0 && p[0].revents && (sig = on_signal(s)) != 0)
			return err_set(e, EINTR, "interrupted by signal %d", sig);
		if (!s->child_done && child_exited(s, p[1].revents, st)) {
			s->child_done = true;
			if (!pty)
				return 0;
			grace = now_ms() + 200;
		}
		if (pty) {
			pump_in(s, p[2].revents, p[3].revents);
			pump_out(s, p[3].revents, p[4].revents);
			send_eof(s);
		}
		if (s->child_done && ((!s->master_open && !s->outlen) || now_ms() >= grace))
			return 0;
		if (deadline >= 0 && now_ms() >= deadline)
			return err_set(e, ETIMEDOUT, "timed out after %u s", s->timeout_s);
	}
}

/* Raw mode on our terminal for a console, restored however the session ends. */
struct tty_mode {
	bool saved;
	struct termios t;
};

static void
tty_raw(struct tty_mode *m)
{
	struct termios raw;

	m->saved = isatty(0) && tcgetattr(0, &m->t) == 0;
	if (!m->saved)
		return;
	raw = m->t;
	cfmakeraw(&raw);
	(void)tcsetattr(0, TCSADRAIN, &raw);
}

static void
tty_restore(const struct tty_mode *m)
{
	if (m->saved)
		(void)tcsetattr(0, TCSADRAIN, &m->t);
}

/* Kill the child if it still runs, and reap it. */
static void
child_reap(struct session *s, int *st)
{
	if (!s->child_done) {
		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, st, 0) < 0 && errno == EINTR)
			;
		s->child_done = true;
	}
}

static int
session(struct session *s, int *status, struct ioc_err *e)
{
	struct tty_mode tm = {0};
	int st = 0, r;

	if (s->master >= 0) {
		s->in_open = true;
		s->master_open = true;
		(void)fcntl(s->master, F_SETFL, fcntl(s->master, F_GETFL) | O_NONBLOCK);
		tty_raw(&tm);
	}
	r = session_run(s, &st, e);
	tty_restore(&tm);
	if (s->master >= 0) {
		/* Closing the master hangs up the jail's session (SIGHUP to it). */
		close(s->master);
		s->master = -1;
	}
	child_reap(s, &st);
	if (r == 0)
		*status = exit_status(st);
	return r;
}

static char **
exec_argv(char *const *argv)
{
	size_t n = 0;
	char **v;

	while (argv[n])
		n++;
	v = xcalloc(n + 3, sizeof(*v));
	v[0] = (char *)"iocage-init";
	v[1] = (char *)"exec";
	memcpy(v + 2, argv, n * sizeof(*v));
	return v;
}

static const int session_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH};

/* The session's signals arrive through a signalfd, blocked from before the fork so that
 * none is lost; the child unblocks them. */
static int
signals_block(sigset_t *old, struct ioc_err *e)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(session_signals) / sizeof(session_signals[0]); i++)
		sigaddset(&set, session_signals[i]);
	if (sigprocmask(SIG_BLOCK, &set, old) < 0)
		return err_sys(e, "sigprocmask");
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0) {
		err_sys(e, "signalfd");
		sigprocmask(SIG_SETMASK, old, NULL);
	}
	return fd;
}

/* The parent's part once the child runs: the pty master, the child's verdict, the session. */
static int
parent(struct session *s, int errfd, int sockfd, int *status, struct ioc_err *e)
{
	cleanup_close int master = -1;
	int st;

	if (sockfd >= 0) {
		master = recv_fd(sockfd);
		if (master >= 0 && ioctl(master, TIOCGPTN, &st) < 0) {
			close(master);
			master = -1;
		}
	}
	if (child_error(errfd, e)) {
		child_reap(s, &st);
		return -1;
	}
	if (sockfd >= 0 && master < 0) {
		child_reap(s, &st);
		return err_set(e, EPROTO, "no pseudo-terminal from the jail");
	}
	s->master = TAKE_FD(master);
	return session(s, status, e);
}

struct fds {
	int memfd, err[2], sock[2], sigfd, pidfd;
};

static void
fds_close(struct fds *f)
{
	int *all[] = {&f->memfd,   &f->err[0], &f->err[1], &f->sock[0],
		      &f->sock[1], &f->sigfd,  &f->pidfd};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (*all[i] >= 0) {
			close(*all[i]);
			*all[i] = -1;
		}
}

static int
fds_open(struct fds *f, bool pty, struct ioc_err *e)
{
	f->memfd = fd_high(blob_memfd(e));
	if (f->memfd < 0)
		return -1;
	if (pipe2(f->err, O_CLOEXEC) < 0)
		return err_sys(e, "pipe");
	f->err[1] = fd_high(f->err[1]);
	if (pty && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, f->sock) < 0)
		return err_sys(e, "socketpair");
	f->sock[1] = fd_high(f->sock[1]);
	if (f->err[1] < 0 || (pty && f->sock[1] < 0))
		return err_sys(e, "fcntl F_DUPFD_CLOEXEC");
	return 0;
}

int
run_enter(const struct jail_proc *jp, const struct sec_policy *sec, const struct sec_filter *filter,
	  const struct enter_opts *o, int *status, struct ioc_err *e)
{
	static char *const no_env[] = {NULL};
	struct fds f = {-1, {-1, -1}, {-1, -1}, -1, -1};
	struct target t = {0, -1, 0};
	cleanup_free char **argv = NULL;
	struct session s = {0};
	struct child c = {0};
	sigset_t oldmask;
	int r = -1;

	if (!o->argv || !o->argv[0])
		return err_set(e, EINVAL, "no command to run");
	argv = exec_argv(o->argv);
	if (target_open(jp, &t, e) < 0 || fds_open(&f, o->pty, e) < 0)
		goto out;
	c = (struct child){.t = &t,
			   .sec = sec,
			   .filter = filter,
			   .o = o,
			   .argv = argv,
			   .envp = o->envp ? o->envp : no_env,
			   .memfd = f.memfd,
			   .errfd = f.err[1],
			   .sockfd = f.sock[1]};
	if (o->pty)
		c.have_ws = ioctl(0, TIOCGWINSZ, &c.ws) == 0 || ioctl(1, TIOCGWINSZ, &c.ws) == 0;
	/* Read after target_open: the pidfd pins the init whose pid we ask about. */
	for (size_t i = 0; i < RL_COUNT; i++)
		c.rl_known[i] = prlimit(t.pid, rl_resources[i], NULL, &c.rl[i]) == 0;
	f.sigfd = signals_block(&oldmask, e);
	if (f.sigfd < 0)
		goto out;
	s = (struct session){.pid = fork_in_jail(&c, e), .master = -1, .sigfd = f.sigfd};
	if (s.pid > 0) {
		/* Our unreaped child: its pid cannot be recycled under the pidfd. */
		s.pidfd = f.pidfd = sys_pidfd_open(s.pid, 0);
		s.timeout_s = o->timeout_s;
		close(f.err[1]);
		f.err[1] = -1;
		if (f.sock[1] >= 0) {
			close(f.sock[1]);
			f.sock[1] = -1;
		}
		r = parent(&s, f.err[0], f.sock[0], status, e);
	}
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
out:
	if (t.pidfd >= 0)
		close(t.pidfd);
	fds_close(&f);
	return r;
}
