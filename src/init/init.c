/* The jail's own program, built static with musl and embedded in iocage (src/run/blob.c). It
 * always runs from a sealed memfd, so that no process in a jail reaches a host binary through
 * /proc/PID/exe. Two modes:
 *
 *   init [SECONDS]     PID 1 of a jail: reap children until killed from outside (SIGKILL,
 *                      after the jail's processes are gone). Every other signal is ignored.
 *                      With SECONDS (the wallclock limit), exit when that much time has
 *                      passed: the kernel then kills every process of the PID namespace, and
 *                      the next `iocage stop` or `start` removes what is left (cgroup, state).
 *   exec CMD [ARGS]    the last step of every exec into a jail: execvp CMD with the
 *                      environment given; on failure "iocage: CMD: reason" on stderr and
 *                      exit 127 (126: found but not executable).
 *
 * It must stay small: one copy of it per running jail lives in host memory. Only a few libc
 * functions are used (no stdio) so that musl links in little. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void
say(const char *a, const char *b, const char *c)
{
	const char *parts[] = {"iocage: ", a, b, c, "\n"};

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i])
			(void)!write(2, parts[i], strlen(parts[i]));
}

/* PID 1. The kernel delivers a signal to a namespace's init only if it has a handler, except
 * SIGKILL/SIGSTOP from an ancestor namespace, so SIG_IGN everywhere makes init deaf to the
 * jail (and a pending-signal queue cannot grow). SIGCHLD stays blocked and is waited for:
 * a child that exits, or a zombie reparented to us, leaves it pending, so none is missed
 * between the reaping loop and the wait. */
/* Seconds left until the deadline (monotonic), at least 1 while it is ahead; 0 when passed. */
static long
left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > deadline->tv_sec ||
	    (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec))
		return 0;
	return deadline->tv_sec - now.tv_sec + 1;
}

static void
wait_chld(const sigset_t *chld, const struct timespec *deadline)
{
	struct timespec t = {0, 0};

	if (!deadline) {
		sigwaitinfo(chld, NULL);
		return;
	}
	t.tv_sec = left(deadline);
	if (t.tv_sec == 0) {
		say("wallclock limit reached: ending the jail", NULL, NULL);
		_exit(0);
	}
	sigtimedwait(chld, NULL, &t);
}

__attribute__((noreturn)) static void
run_init(const char *wallclock)
{
	struct timespec deadline, *dl = NULL;
	sigset_t chld;
	char *end;
	unsigned long secs = wallclock ? strtoul(wallclock, &end, 10) : 0;

	if (secs > 0 && *end == '\0') {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += (time_t)secs;
		dl = &deadline;
	}

	for (int sig = 1; sig < _NSIG; sig++)
		if (sig != SIGCHLD && sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_IGN); /* fails harmlessly for libc-reserved signals */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	for (;;) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		/* No child, or none exited yet: sleep until SIGCHLD (or the deadline). */
		wait_chld(&chld, dl);
	}
}

/* A file that exists but is not a program: the shell's rule (POSIX execvp) is to run it with
 * /bin/sh, which is the jail's own. */
static void
exec_sh(const char *path, char *const argv[], char *const envp[])
{
	size_t n = 0;
	char **v;

	while (argv[n])
		n++;
	v = malloc((n + 2) * sizeof(*v));
	if (!v)
		return;
	v[0] = (char *)"sh";
	v[1] = (char *)path;
	for (size_t i = 1; i <= n; i++)
		v[i + 1] = argv[i];
	execve("/bin/sh", v, envp);
	free(v);
}

/* Try one candidate; returns the errno that decides whether to go on looking. */
static int
try_exec(const char *path, char *const argv[], char *const envp[])
{
	execve(path, argv, envp);
	if (errno == ENOEXEC) {
		exec_sh(path, argv, envp);
		errno = ENOEXEC;
	}
	return errno;
}

/* execvp with our default PATH when the environment has none. Like a shell: EACCES from any
 * candidate is remembered while the search goes on; ENOENT-like errors move on; any other
 * error (ENOEXEC, ETXTBSY, E2BIG, ENOMEM...) ends the search. */
static int
search_exec(const char *cmd, char *const argv[], char *const envp[])
{
	const char *path = getenv("PATH");
	size_t clen = strlen(cmd);
	int seen_eacces = 0, err = ENOENT;
	char buf[PATH_MAX];

	if (!*cmd)
		return ENOENT;
	if (strchr(cmd, '/'))
		return try_exec(cmd, argv, envp);
	if (!path)
		path = DEFAULT_PATH;
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dlen = (size_t)(end - p);

		if (dlen + 1 + clen + 1 <= sizeof(buf)) {
			/* An empty element is the current directory, as POSIX says. */
			memcpy(buf, dlen ? p : ".", dlen ? dlen : 1);
			dlen = dlen ? dlen : 1;
			buf[dlen] = '/';
			memcpy(buf + dlen + 1, cmd, clen + 1);
			err = try_exec(buf, argv, envp);
			if (err == EACCES)
				seen_eacces = 1;
			else if (err != ENOENT && err != ENOTDIR && err != ELOOP &&
				 err != ENAMETOOLONG && err != ESTALE)
				return err;
		}
		if (!*end)
			break;
		p = end;
	}
	return seen_eacces ? EACCES : ENOENT;
}

/* cmd as the message shows it: bytes that are not printable ASCII as \xNN (the name may hold
 * an ESC or a newline that must not reach the caller's terminal), cut to fit buf. The rule of
 * str_shown in src/util/str.c, restated: this program is built alone, without libiocage. */
static const char *
shown(const char *cmd, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)cmd;
	size_t o = 0;

	for (; *p && o + 8 <= len; p++) {
		if (*p >= 0x20 && *p < 0x7f) {
			buf[o++] = (char)*p;
			continue;
		}
		buf[o++] = '\\';
		buf[o++] = 'x';
		buf[o++] = hex[*p >> 4];
		buf[o++] = hex[*p & 0xf];
	}
	if (*p) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static int
run_exec(char *const argv[])
{
	int err = search_exec(argv[0], argv, environ);
	char show[256];

	say(shown(argv[0], show, sizeof(show)), ": ", strerror(err));
	return err == EACCES || err == ENOEXEC ? 126 : 127;
}

int
main(int argc, char *argv[])
{
	if ((argc == 2 || argc == 3) && strcmp(argv[1], "init") == 0)
		run_init(argc == 3 ? argv[2] : NULL);
	if (argc >= 3 && strcmp(argv[1], "exec") == 0)
		_exit(run_exec(argv + 2));
	say("usage: iocage-init init [SECONDS] | exec CMD [ARGS...]", NULL, NULL);
	return 2;
}
