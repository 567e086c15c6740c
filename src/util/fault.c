/* Fault injection: the test hook behind issue #10's "kill iocage after step N".
 *
 * Every step that changes state outside the process calls fault_point() right after it has
 * been done: each zfs call that changes a dataset, each step of the dir backend's create,
 * destroy, snapshot, clone, copy, rollback, promote and rename, mounts and unmounts, lock
 * taking, cgroup directories made and removed, netlink requests that change links, addresses
 * or routes, the start steps (and their unwind after a failure), the stop steps, and the
 * transaction steps of update, upgrade and import. Points are counted per process, from 1.
 *
 *   IOCAGE_FAULT_TRACE=FILE  appends one line per point to FILE: "N what".
 *   IOCAGE_FAULT_AT=N        the Nth point raises SIGKILL on the process itself, as a power cut
 *                            or `kill -9` would, after writing its trace line.
 *
 * A test runs a command once with the trace to learn how many points it has, then once per
 * point with IOCAGE_FAULT_AT, and checks that the next ordinary command repairs or cleans up
 * (tests/e2e/t190-faults.sh). Only successful steps count, so that a retried "busy" answer of
 * zfs-fuse does not shift the numbers between runs. Only the process that read the variables
 * counts: a forked child that reaches a point (it never should) is not killed and not counted.
 *
 * The variables are read once; when neither is set, a point costs one well-predicted branch.
 * Nothing here is for users: a value that is not a positive number is ignored. */
#include "util/fault.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { FAULT_UNREAD, FAULT_OFF, FAULT_ON };

static int state = FAULT_UNREAD;
static unsigned long kill_at; /* 0: never */
static unsigned long count;
static const char *trace_path;
static pid_t owner;

static void
fault_read_env(void)
{
	const char *at = getenv("IOCAGE_FAULT_AT");
	const char *tr = getenv("IOCAGE_FAULT_TRACE");
	char *end = NULL;

	if (at && *at) {
		errno = 0;
		kill_at = strtoul(at, &end, 10);
		if (errno || *end || at[0] == '-')
			kill_at = 0;
	}
	trace_path = tr && *tr ? tr : NULL;
	owner = getpid();
	state = kill_at || trace_path ? FAULT_ON : FAULT_OFF;
}

static void
fault_trace(unsigned long n, const char *what)
{
	char line[256];
	int fd, len;

	len = snprintf(line, sizeof(line), "%lu %s\n", n, what);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line))
		len = (int)sizeof(line) - 1, line[len - 1] = '\n';
	fd = open(trace_path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	(void)!write(fd, line, (size_t)len);
	close(fd);
}

void
fault_point(const char *what)
{
	if (__builtin_expect(state == FAULT_OFF, 1))
		return;
	if (state == FAULT_UNREAD) {
		fault_read_env();
		if (state == FAULT_OFF)
			return;
	}
	if (getpid() != owner)
		return;
	count++;
	if (trace_path)
		fault_trace(count, what);
	if (count == kill_at) {
		kill(getpid(), SIGKILL);
		abort(); /* not reached: SIGKILL cannot be caught or blocked */
	}
}
