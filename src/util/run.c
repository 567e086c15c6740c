#include "util/run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/str.h"

static const char *const default_env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LC_ALL=C",
    NULL,
};

static unsigned nspawned;

unsigned
run_count(void)
{
	return nspawned;
}

static void
trace(const char *const argv[])
{
	const char *path = getenv("IOCAGE_TRACE_EXEC");
	struct sbuf b = {0};
	int fd;

	if (!path || !*path)
		return;
	for (size_t i = 0; argv[i]; i++) {
		sbuf_add(&b, i ? " " : "");
		sbuf_add(&b, argv[i]);
	}
	sbuf_addc(&b, '\n');
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		(void)!write(fd, b.s, b.len);
		close(fd);
	}
	sbuf_free(&b);
}

static const char *
search_path(const char *name, char *buf, size_t len)
{
	static const char *const dirs[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
					   "/usr/bin",        "/sbin",          "/bin"};

	if (strchr(name, '/'))
		return name;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(buf, len, "%s/%s", dirs[i], name);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return name;
}

static int
spawn(const char *const argv[], int in, int out, int errfd, const char *const *env, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	char buf[4096];
	const char *path = search_path(argv[0], buf, sizeof(buf));
	int r;

	trace(argv);
	nspawned++;
	posix_spawn_file_actions_init(&fa);
	if (in >= 0)
		posix_spawn_file_actions_adddup2(&fa, in, 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (out >= 0)
		posix_spawn_file_actions_adddup2(&fa, out, 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (errfd >= 0)
		posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	r = posix_spawn(pid, path, &fa, NULL, (char *const *)argv,
			(char *const *)(env ? env : default_env));
	posix_spawn_file_actions_destroy(&fa);
	return r;
}

/* Read both pipes until EOF; either may be -1. */
static void
drain(int outfd, struct sbuf *out, int errfd, struct sbuf *err)
{
	struct pollfd p[2] = {{.fd = outfd, .events = POLLIN}, {.fd = errfd, .events = POLLIN}};
	char buf[65536];

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n > 0) {
				sbuf_addn(i == 0 ? out : err, buf, (size_t)n);
			} else if (n == 0 || errno != EINTR) {
				p[i].fd = -1;
			}
		}
	}
}

static int
wait_child(pid_t pid, const char *name, struct sbuf *errtext, struct ioc_err *e)
{
	const char *msg;
	char *nl;
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return err_sys(e, "wait for %s", name);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	/* The last non-empty line of stderr is what the tool says went wrong. */
	msg = sbuf_str(errtext);
	while (errtext->len && errtext->s[errtext->len - 1] == '\n')
		errtext->s[--errtext->len] = '\0';
	msg = sbuf_str(errtext);
	nl = strrchr(msg, '\n');
	if (nl)
		msg = nl + 1;
	if (WIFSIGNALED(st))
		return err_set(e, 0, "%s killed by signal %d", name, WTERMSIG(st));
	if (WEXITSTATUS(st) == 127 && !*msg)
		return err_set(e, ENOENT, "%s: not found (is it installed?)", name);
	/* Tools that name themselves ("curl: (22) ...") are not named twice. */
	if (*msg && str_has_prefix(msg, name) && msg[strlen(name)] == ':')
		return err_set(e, 0, "%s", msg);
	if (*msg)
		return err_set(e, 0, "%s: %s", name, msg);
	return err_set(e, 0, "%s exited with status %d", name, WEXITSTATUS(st));
}

int
run_prog_opts(const char *const argv[], const struct run_opts *o, char **out, struct ioc_err *e)
{
	int po[2] = {-1, -1}, pe[2] = {-1, -1};
	struct sbuf ob = {0}, eb = {0};
	int outfd = o->stdout_fd, r;
	pid_t pid;

	if (outfd < 0 && out && pipe2(po, O_CLOEXEC) < 0)
		return err_sys(e, "pipe");
	if (!o->pass_stderr && pipe2(pe, O_CLOEXEC) < 0) {
		r = err_sys(e, "pipe");
		goto out;
	}
	r = spawn(argv, o->stdin_fd, outfd >= 0 ? outfd : po[1], o->pass_stderr ? 2 : pe[1], o->env,
		  &pid);
	if (po[1] >= 0)
		close(po[1]);
	if (pe[1] >= 0)
		close(pe[1]);
	po[1] = pe[1] = -1;
	if (r) {
		errno = r;
		r = err_sys(e, "run %s", argv[0]);
		goto out;
	}
	drain(po[0], &ob, pe[0], &eb);
	r = wait_child(pid, argv[0], &eb, e);
	if (r == 0 && out)
		*out = sbuf_take(&ob);
out:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	sbuf_free(&ob);
	sbuf_free(&eb);
	return r;
}

int
run_prog(const char *const argv[], char **out, struct ioc_err *e)
{
	struct run_opts o = {.stdin_fd = -1, .stdout_fd = -1};

	return run_prog_opts(argv, &o, out, e);
}

int
run_pipe(const char *const a[], const char *const b[], struct ioc_err *e)
{
	int p[2], ea[2], eb[2];
	struct sbuf ta = {0}, tb = {0};
	struct ioc_err aerr;
	pid_t pa = -1, pb = -1;
	int r = -1, ra, rb;

	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(e, "pipe");
	if (pipe2(ea, O_CLOEXEC) < 0 || pipe2(eb, O_CLOEXEC) < 0) {
		close(p[0]);
		close(p[1]);
		return err_sys(e, "pipe");
	}
	if (spawn(a, -1, p[1], ea[1], NULL, &pa) == 0)
		spawn(b, p[0], -1, eb[1], NULL, &pb);
	close(p[0]);
	close(p[1]);
	close(ea[1]);
	close(eb[1]);
	drain(ea[0], &ta, eb[0], &tb);
	close(ea[0]);
	close(eb[0]);
	if (pa < 0) {
		err_set(e, 0, "cannot run %s", a[0]);
		goto out;
	}
	ra = wait_child(pa, a[0], &ta, &aerr);
	if (pb < 0) {
		err_set(e, 0, "cannot run %s", b[0]);
		goto out;
	}
	/* When both fail, b's error is the more telling one (a usually died of EPIPE). */
	rb = wait_child(pb, b[0], &tb, e);
	if (ra == 0 && rb == 0)
		r = 0;
	else if (rb == 0)
		*e = aerr;
out:
	sbuf_free(&ta);
	sbuf_free(&tb);
	return r;
}
