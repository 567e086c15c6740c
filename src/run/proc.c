/* Is a jail still running: its init's pid and start time, checked against the live process. */
#include "run/run.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/str.h"
#include "util/syscalls.h"

/* The fields after the command name, counted from 3 (state) as in proc(5). */
#define STAT_STARTTIME_FIELD 22

/* Parse the start time out of a /proc/PID/stat line. The command name (field 2) is in
 * parentheses and may itself hold spaces and ')': the last ')' ends it. */
static int
stat_starttime(char *buf, uint64_t *ret)
{
	char *p = strrchr(buf, ')'), *end;
	uint64_t v;

	/* ") " ends field 2; a line cut right after ')' would send the search past its NUL. */
	if (!p || p[1] != ' ')
		return -1;
	p++;
	for (int field = 3; field < STAT_STARTTIME_FIELD; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -1;
	}
	p++;
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	v = strtoull(p, &end, 10);

	if (errno || (*end != ' ' && *end != '\n' && *end != '\0'))
		return -1;
	*ret = v;
	return 0;
}

int
proc_starttime(pid_t pid, uint64_t *ret, struct ioc_err *e)
{
	char path[64], buf[4096];
	cleanup_close int fd = -1;
	size_t len = 0;

	if (pid <= 0)
		return err_set(e, EINVAL, "invalid pid %d", (int)pid);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open %s", path);
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, "read %s", path);
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf) - 1)
			return err_set(e, EFBIG, "%s: longer than %zu bytes", path, len);
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len) || stat_starttime(buf, ret) < 0)
		return err_set(e, EINVAL, "%s: cannot parse", path);
	return 0;
}

/* 1 if the process behind fd has exited (pidfds poll readable then). */
static int
pidfd_exited(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	while (poll(&p, 1, 0) < 0)
		if (errno != EINTR)
			return 0;
	return (p.revents & (POLLIN | POLLHUP)) != 0;
}

/* The pidfd pins the process, not its pid: after reading the start time we check that the
 * process it names is still alive, so the /proc file we read was its own and not a
 * successor's with a recycled pid. Without pidfds (before 5.3) the start time alone decides. */
int
run_alive(const struct jail_proc *jp)
{
	struct ioc_err e;
	cleanup_close int fd = -1;
	uint64_t st = 0;

	if (!jp || jp->pid <= 0)
		return 0;
	fd = sys_pidfd_open(jp->pid, 0);
	if (fd < 0 && (errno == ESRCH || errno == EINVAL))
		return 0; /* gone, or not a process (a thread id) */
	if (proc_starttime(jp->pid, &st, &e) < 0 || st != jp->starttime)
		return 0;
	if (fd >= 0 && pidfd_exited(fd))
		return 0;
	return 1;
}

int
run_cgroup_v1_join(const char *procs, struct ioc_err *e)
{
	const char *slash = strrchr(procs, '/');
	cleanup_free char *tasks = NULL;
	cleanup_close int fd = -1;

	if (!slash)
		return err_set(e, EINVAL, "not a cgroup file: %s", procs);
	tasks = xasprintf("%.*s/tasks", (int)(slash - procs), procs);
	fd = open(tasks, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		return err_sys(e, "join the jail's cgroup (%s)", tasks);
	return 0;
}
