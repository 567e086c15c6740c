/* limits/cgroup.c: the mountinfo parser on lines from real hosts and on garbage; then, as
 * root, a jail cgroup's life on this host (create, join, list, signal, destroy) once per way
 * the host allows: as discovered, v1 only and v2 only. Every cgroup it makes is named after a
 * random test id and removed by that id; every child is killed and reaped. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "limits/cgroup.h"
#include "tap.h"
#include "util/cleanup.h"
#include "util/str.h"

#define skip(...)                                                                                  \
	do {                                                                                       \
		printf("ok %d # skip ", ++tap_n);                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
	} while (0)

/* ---- the parser ---- */

/* This machine: v1 controllers, a name=systemd hierarchy and a cgroup2 with only hugetlb. */
static const char hybrid_here[] =
    "22 1 0:21 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n"
    "23 22 0:22 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

/* Debian 12 / Fedora / Ubuntu 22.04+: one cgroup2 holding everything. */
static const char pure_v2[] =
    "21 26 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "26 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro\n"
    "29 21 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n"
    "30 21 0:26 / /sys/fs/pstore rw,nosuid,nodev,noexec,relatime shared:5 - pstore pstore rw";

/* systemd's hybrid (Ubuntu 18.04, CentOS 8): cpu and cpuacct co-mounted, no trailing newline. */
static const char hybrid_systemd[] =
    "25 18 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 "
    "cgroup2 rw,nsdelegate\n"
    "27 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup "
    "cgroup rw,xattr,name=systemd\n"
    "30 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:14 - "
    "cgroup cgroup rw,cpu,cpuacct\n"
    "31 25 0:29 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:15 - cgroup "
    "cgroup rw,pids\n"
    "32 25 0:30 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 - cgroup "
    "cgroup rw,memory\n"
    "33 25 0:31 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:17 - cgroup "
    "cgroup rw,cpuset,clone_children";

/* An old v1-only host (no cgroup2), one hierarchy under a path with a space in it. */
static const char pure_v1[] =
    "20 15 0:18 / /cg/pids\\040here rw - cgroup none rw,pids,release_agent=/sbin/memory\n"
    "21 15 0:19 / /cg/mem rw - cgroup none rw,memory\n"
    "22 15 0:20 / /cg/named rw - cgroup none rw,none,name=memory\n";

static bool
no_mounts(const struct cg_mounts *m)
{
	if (m->v2)
		return false;
	for (int c = 0; c < CG_NCTRL; c++)
		if (m->v1[c])
			return false;
	return true;
}

static void
test_parse_hosts(void)
{
	struct cg_mounts m;
	int n;

	n = cg_parse_mountinfo(hybrid_here, &m);
	ok(n == 6, "this host: 6 hierarchies (v2 + 5 v1 controllers), got %d", n);
	is_str(m.v2, "/sys/fs/cgroup/unified", "this host: v2 at unified");
	is_str(m.v1[CG_PIDS], "/sys/fs/cgroup/pids", "this host: pids");
	is_str(m.v1[CG_MEMORY], "/sys/fs/cgroup/memory", "this host: memory");
	is_str(m.v1[CG_CPU], "/sys/fs/cgroup/cpu", "this host: cpu");
	is_str(m.v1[CG_CPUACCT], "/sys/fs/cgroup/cpuacct", "this host: cpuacct");
	is_str(m.v1[CG_CPUSET], "/sys/fs/cgroup/cpuset", "this host: cpuset");
	cg_mounts_free(&m);

	n = cg_parse_mountinfo(pure_v2, &m);
	ok(n == 1, "pure v2: 1 hierarchy, got %d", n);
	is_str(m.v2, "/sys/fs/cgroup", "pure v2: /sys/fs/cgroup");
	ok(m.v1[CG_PIDS] == NULL && m.v1[CG_MEMORY] == NULL && m.v1[CG_CPU] == NULL &&
	       m.v1[CG_CPUACCT] == NULL && m.v1[CG_CPUSET] == NULL,
	   "pure v2: no v1 controller");
	cg_mounts_free(&m);

	n = cg_parse_mountinfo(hybrid_systemd, &m);
	ok(n == 5, "systemd hybrid: cpu,cpuacct counted once (5), got %d", n);
	is_str(m.v1[CG_CPU], "/sys/fs/cgroup/cpu,cpuacct", "systemd hybrid: cpu co-mounted");
	is_str(m.v1[CG_CPUACCT], "/sys/fs/cgroup/cpu,cpuacct", "systemd hybrid: cpuacct too");
	is_str(m.v1[CG_CPUSET], "/sys/fs/cgroup/cpuset", "systemd hybrid: cpuset with options");
	is_str(m.v2, "/sys/fs/cgroup/unified", "systemd hybrid: v2 at unified");
	cg_mounts_free(&m);

	n = cg_parse_mountinfo(pure_v1, &m);
	ok(n == 2 && m.v2 == NULL, "pure v1: 2 hierarchies, no v2 (got %d)", n);
	is_str(m.v1[CG_PIDS], "/cg/pids here", "pure v1: \\040 unescaped");
	is_str(m.v1[CG_MEMORY], "/cg/mem", "pure v1: memory, not release_agent= or name=");
	cg_mounts_free(&m);
}

static void
test_parse_shadow(void)
{
	struct cg_mounts m;
	struct sbuf b = {0};

	/* A tmpfs mounted over /sys/fs/cgroup after the controllers hides them all. */
	sbuf_add(&b, hybrid_here);
	sbuf_add(&b, "90 23 0:90 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n");
	ok(cg_parse_mountinfo(sbuf_str(&b), &m) == 0 && no_mounts(&m),
	   "a mount over /sys/fs/cgroup hides every hierarchy below it");
	cg_mounts_free(&m);
	sbuf_add(&b, "91 90 0:91 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
	ok(cg_parse_mountinfo(sbuf_str(&b), &m) == 1, "then a cgroup2 on top is found");
	is_str(m.v2, "/sys/fs/cgroup", "the cgroup2 on top");
	cg_mounts_free(&m);
	sbuf_free(&b);

	/* A second mount of a hierarchy elsewhere (a container's bind) does not replace it. */
	sbuf_add(&b, pure_v2);
	sbuf_add(&b, "\n99 40 0:25 / /srv/c1/sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
	cg_parse_mountinfo(sbuf_str(&b), &m);
	is_str(m.v2, "/sys/fs/cgroup", "the first cgroup2 mount wins");
	cg_mounts_free(&m);
	sbuf_free(&b);

	/* Hiding is by path component: /sys/fs/cgroup/pid does not hide .../pids. */
	sbuf_add(&b, hybrid_here);
	sbuf_add(&b, "92 31 0:92 / /sys/fs/cgroup/pid rw - tmpfs tmpfs rw\n");
	cg_parse_mountinfo(sbuf_str(&b), &m);
	is_str(m.v1[CG_PIDS], "/sys/fs/cgroup/pids",
	       "a sibling with a common prefix hides nothing");
	cg_mounts_free(&m);
	sbuf_free(&b);
}

static void
test_parse_garbage(void)
{
	static const char *const bad[] = {
	    "",
	    "\n\n\n",
	    "garbage",
	    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup",
	    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime cgroup cgroup rw,cpu",
	    "x 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu",
	    "32 31 029 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu",
	    "32 31 0:29 / relative/path rw - cgroup2 cgroup2 rw",
	    "32 31 0:29 /  rw - cgroup2 cgroup2 rw",
	    "32  31 0:29 / /a rw - cgroup2 cgroup2 rw",
	    "32 31 0:29 / /a rw - cgroup cgroup rw,memoryx,xpids,name=cpu,,",
	    "32 31 0:29 / /a rw - cgroup3 cgroup rw,memory",
	    "32 31 0:29 / /a rw - cgroup2",
	    "- - - - - - - - - -",
	    "\x01\x02\xff\xfe 0:0 / / - \\\\\\ \\777",
	};
	struct sbuf big = {0};
	struct cg_mounts m;
	int fails = 0;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int n = cg_parse_mountinfo(bad[i], &m);

		if (n != 0 || !no_mounts(&m)) {
			printf("# garbage %zu: found %d\n", i, n);
			fails++;
		}
		cg_mounts_free(&m);
	}
	ok(fails == 0, "%zu kinds of garbage: nothing found", ARRAY_SIZE(bad));

	/* A very long line, then a good one: the good one is still found. */
	sbuf_add(&big, "1 2 3:4 / /");
	for (int i = 0; i < 100000; i++)
		sbuf_add(&big, "x");
	sbuf_add(&big, " rw - tmpfs tmpfs rw\n");
	sbuf_add(&big, "29 21 0:25 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
	ok(cg_parse_mountinfo(sbuf_str(&big), &m) == 1 && m.v2 && streq(m.v2, "/sys/fs/cgroup"),
	   "a 100 KB line does not hide the next one");
	cg_mounts_free(&m);
	sbuf_free(&big);
	cg_mounts_free(NULL);
	ok(1, "cg_mounts_free(NULL)");
}

static void
test_names(void)
{
	struct ioc_err e;
	struct cgroup cg = {0};
	static const char *const bad[] = {"", ".", "..", "../x", "a/b", "-x", "a b", "x\n"};
	int fails = 0;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (cg_create(bad[i], &cg, &e) == 0 || e.code != EINVAL)
			fails++;
	ok(fails == 0, "cg_create refuses names that are not one safe path component");
	cg_free(&cg); /* zeroed: must not close fd 0 */
	ok(fcntl(0, F_GETFD) >= 0 || errno != EBADF, "cg_free of a zeroed struct leaves fd 0");
	is_str(cg_ctrl_name(CG_CPUSET), "cpuset", "cg_ctrl_name");
	ok(cg_ctrl_name(CG_NCTRL) == NULL, "cg_ctrl_name out of range");
}

/* ---- live, as root ---- */

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* A child that waits in pause(); with ignore_term it survives SIGTERM. Returns once the
 * child is set up (a SIGTERM sent earlier would beat its SIG_IGN). */
static pid_t
spawn_sleeper(bool ignore_term)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (ignore_term)
			signal(SIGTERM, SIG_IGN);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		close(p[1]);
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &c, 1) != 1)
		pid = -1;
	close(p[0]);
	return pid;
}

/* A child that, once told to go, forks n sleepers (members of whatever cgroup it is in by
 * then), says so, then sleeps itself. */
struct spawner {
	pid_t pid;
	int go, ready;
};

static int
spawner_start(struct spawner *s, int n)
{
	int go[2], ready[2];
	char c;

	if (pipe2(go, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(ready, O_CLOEXEC) < 0) {
		close(go[0]);
		close(go[1]);
		return -1;
	}
	s->pid = fork();
	if (s->pid == 0) {
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		for (int i = 0; i < n; i++)
			if (spawn_sleeper(false) < 0)
				_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(go[0]);
	close(ready[1]);
	s->go = go[1];
	s->ready = ready[0];
	return s->pid > 0 ? 0 : -1;
}

static int
spawner_go(struct spawner *s)
{
	char c;
	int r = write(s->go, "x", 1) == 1 && read(s->ready, &c, 1) == 1 ? 0 : -1;

	close(s->go);
	close(s->ready);
	return r;
}

static bool
pid_listed(const struct cgroup *cg, pid_t pid, size_t *count)
{
	struct ioc_err e;
	pid_t *v = NULL;
	size_t n = 0;
	bool found = false;

	if (cg_pids(cg, &v, &n, &e) < 0) {
		printf("# cg_pids: %s\n", e.msg);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		found |= v[i] == pid;
	if (count)
		*count = n;
	free(v);
	return found;
}

/* The signal that ended pid, waiting up to 5 s; 0 if it did not end by a signal. */
static int
wait_signal(pid_t pid)
{
	int st;

	for (int i = 0; i < 500; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFSIGNALED(st) ? WTERMSIG(st) : 0;
		if (r < 0)
			return 0;
		usleep(10000);
	}
	return 0;
}

/* Reap everything reparented to us (we are a subreaper), up to 5 s. */
static int
reap_all(void)
{
	int n = 0;

	for (int i = 0; i < 500; i++) {
		pid_t r = waitpid(-1, NULL, WNOHANG);

		if (r > 0) {
			n++;
			continue;
		}
		if (r < 0 && errno == ECHILD)
			break;
		usleep(10000);
	}
	return n;
}

static void
test_uuid(char *buf, size_t len)
{
	unsigned char r[6] = {0};

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r[0] = (unsigned char)getpid();
	snprintf(buf, len, "ioctest-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5]);
}

static bool
same_paths(const struct cgroup *a, const struct cgroup *b)
{
	if ((a->v2_path == NULL) != (b->v2_path == NULL) ||
	    (a->v2_path && !streq(a->v2_path, b->v2_path)) || a->v1_paths.n != b->v1_paths.n)
		return false;
	for (size_t i = 0; i < a->v1_paths.n; i++)
		if (!streq(a->v1_paths.v[i], b->v1_paths.v[i]))
			return false;
	return true;
}

static bool
all_dirs_exist(const struct cgroup *cg, bool want)
{
	if (cg->v2_path && exists(cg->v2_path) != want)
		return false;
	for (size_t i = 0; i < cg->v1_paths.n; i++)
		if (exists(cg->v1_paths.v[i]) != want)
			return false;
	return true;
}

static bool
cpuset_ready(const struct cgroup *cg)
{
	const char *dir = cg_v1_path(cg, CG_CPUSET);
	cleanup_free char *path = NULL;
	char buf[64] = {0};
	cleanup_close int fd = -1;

	if (!dir)
		return true;
	path = xasprintf("%s/cpuset.cpus", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 1;
}

/* A sub-cgroup below the listed hierarchy (what a jail given cgroupfs could make), with pid
 * moved into it. */
static int
nest(const struct cgroup *cg, pid_t pid)
{
	cleanup_free char *sub = xasprintf("%s/sub", cg_describe(cg));
	cleanup_free char *procs = xasprintf("%s/cgroup.procs", sub);
	cleanup_close int fd = -1;
	char val[16];
	int len = snprintf(val, sizeof(val), "%d", (int)pid);

	if (mkdir(sub, 0755) < 0 && errno != EEXIST)
		return -1;
	if ((fd = open(procs, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	return write(fd, val, (size_t)len) == len ? 0 : -1;
}

static void
live_scenario(const char *mode, bool check_busy)
{
	char uuid[64];
	struct cgroup cg, again, opened;
	struct ioc_err e;
	struct spawner sp = {-1, -1, -1};
	pid_t a = -1, b = -1;
	size_t n = 0;
	const char *d;

	test_uuid(uuid, sizeof(uuid));
	printf("# %s: test cgroup %s\n", mode, uuid);
	if (cg_create(uuid, &cg, &e) < 0) {
		ok(0, "%s: cg_create: %s", mode, e.msg);
		return;
	}
	d = cg_describe(&cg);
	ok(d && str_has_suffix(d, uuid) && strstr(d, "/iocage/"), "%s: cg_describe %s", mode,
	   d ? d : "(null)");
	ok(all_dirs_exist(&cg, true), "%s: every directory made", mode);
	ok((cg.v2_path != NULL) == (cg.v2_fd >= 0), "%s: v2_fd open iff v2 used", mode);
	ok(cg.v1_procs.n == cg.v1_paths.n, "%s: one procs file per v1 directory", mode);
	ok(cpuset_ready(&cg), "%s: v1 cpuset has CPUs", mode);
	if (cg_create(uuid, &again, &e) == 0) {
		ok(same_paths(&cg, &again), "%s: cg_create again reuses the directories", mode);
		cg_free(&again);
	} else {
		ok(0, "%s: cg_create again: %s", mode, e.msg);
	}
	if (cg_open(uuid, &opened, &e) == 0) {
		ok(same_paths(&cg, &opened), "%s: cg_open finds the same directories", mode);
		cg_free(&opened);
	} else {
		ok(0, "%s: cg_open: %s", mode, e.msg);
	}

	a = spawn_sleeper(true);
	ok(a > 0 && cg_attach(&cg, a, &e) == 0, "%s: cg_attach %d", mode, (int)a);
	ok(pid_listed(&cg, a, &n) && n == 1, "%s: cg_pids lists it (n=%zu)", mode, n);
	ok(cg_attach(&cg, 999999999, &e) < 0, "%s: cg_attach of no such pid fails: %s", mode,
	   e.msg);

	b = spawn_sleeper(false);
	ok(b > 0 && cg_attach(&cg, b, &e) == 0 && nest(&cg, b) == 0,
	   "%s: a second child in a sub-cgroup", mode);
	ok(pid_listed(&cg, b, &n) && n == 2, "%s: cg_pids looks into sub-cgroups (n=%zu)", mode, n);

	ok(cg_signal(&cg, SIGTERM, &e) == 0, "%s: cg_signal SIGTERM", mode);
	ok(wait_signal(b) == SIGTERM, "%s: the nested child died of SIGTERM", mode);
	b = -1;
	ok(waitpid(a, NULL, WNOHANG) == 0, "%s: the child that ignores SIGTERM lives", mode);

	if (check_busy) {
		struct timespec t0, t1;
		long ms;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		ok(cg_destroy(&cg, &e) < 0 && e.code == EBUSY,
		   "%s: cg_destroy with a live member fails with EBUSY: %s", mode, e.msg);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		ok(ms >= 1500, "%s: after retrying for %ld ms", mode, ms);
		ok(cg.v2_path == NULL || exists(cg.v2_path),
		   "%s: the member's cgroup is still there", mode);
	}

	ok(spawner_start(&sp, 5) == 0 && cg_attach(&cg, sp.pid, &e) == 0 && spawner_go(&sp) == 0,
	   "%s: a child joins, then forks 5", mode);
	ok(pid_listed(&cg, sp.pid, &n) && n == 7, "%s: all 7 listed (n=%zu)", mode, n);
	err_clear(&e);
	ok(cg_signal(&cg, SIGKILL, &e) == 0, "%s: cg_signal SIGKILL: %s", mode,
	   e.code ? e.msg : "ok");
	ok(wait_signal(a) == SIGKILL, "%s: the child that ignored SIGTERM died of SIGKILL", mode);
	a = -1;
	ok(wait_signal(sp.pid) == SIGKILL, "%s: the spawner died of SIGKILL", mode);
	sp.pid = -1;
	ok(reap_all() == 5, "%s: its 5 children died too", mode);
	ok(!pid_listed(&cg, 0, &n) && n == 0, "%s: nothing left in it (n=%zu)", mode, n);

	err_clear(&e);
	ok(cg_destroy(&cg, &e) == 0, "%s: cg_destroy: %s", mode, e.code ? e.msg : "ok");
	ok(all_dirs_exist(&cg, false), "%s: every directory gone, the sub-cgroup too", mode);
	ok(cg_destroy(&cg, &e) == 0, "%s: cg_destroy again: missing is success", mode);
	ok(cg_open(uuid, &opened, &e) < 0 && e.code == ENOENT, "%s: cg_open then: ENOENT", mode);
	if (d) {
		cleanup_free char *top = xstrndup(d, (size_t)(strrchr(d, '/') - d));

		ok(exists(top), "%s: %s itself is kept", mode, top);
	}

	/* Whatever failed above: no child and no cgroup left. */
	if (a > 0)
		kill(a, SIGKILL);
	if (b > 0)
		kill(b, SIGKILL);
	if (sp.pid > 0)
		kill(sp.pid, SIGKILL);
	reap_all();
	(void)cg_signal(&cg, SIGKILL, &e);
	reap_all();
	(void)cg_destroy(&cg, &e);
	cg_free(&cg);
}

static void
test_live(void)
{
	const struct cg_mounts *m;
	struct cg_mounts only;
	struct ioc_err e;
	bool has_v1 = false;

	if (geteuid() != 0) {
		skip("live cgroup tests need root");
		return;
	}
	if (cg_host_mounts(&m, &e) < 0) {
		ok(0, "cg_host_mounts: %s", e.msg);
		return;
	}
	for (int c = 0; c < CG_NCTRL; c++)
		has_v1 |= m->v1[c] != NULL;
	printf("# host: v2 %s; v1 pids %s, memory %s, cpu %s, cpuacct %s, cpuset %s\n",
	       m->v2 ? m->v2 : "-", m->v1[CG_PIDS] ? m->v1[CG_PIDS] : "-",
	       m->v1[CG_MEMORY] ? m->v1[CG_MEMORY] : "-", m->v1[CG_CPU] ? m->v1[CG_CPU] : "-",
	       m->v1[CG_CPUACCT] ? m->v1[CG_CPUACCT] : "-",
	       m->v1[CG_CPUSET] ? m->v1[CG_CPUSET] : "-");
	if (!m->v2 && !has_v1) {
		skip("no cgroup hierarchy mounted");
		return;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	live_scenario("as found", true);

	/* The other ways this host can be used; take copies before the override frees m. */
	memset(&only, 0, sizeof(only));
	if (m->v2 && has_v1) {
		for (int c = 0; c < CG_NCTRL; c++)
			only.v1[c] = m->v1[c] ? xstrdup(m->v1[c]) : NULL;
		cg_mounts_override(&only);
		live_scenario("v1 only", false);
		cg_mounts_free(&only);
		cg_mounts_override(NULL);
		if (cg_host_mounts(&m, &e) < 0)
			return;
		only.v2 = xstrdup(m->v2);
		cg_mounts_override(&only);
		live_scenario("v2 only", false);
		cg_mounts_free(&only);
	} else {
		skip("v1-only and v2-only runs need a hybrid host");
	}
	cg_mounts_override(NULL);
}

int
main(void)
{
	test_parse_hosts();
	test_parse_shadow();
	test_parse_garbage();
	test_names();
	test_live();
	return tap_done();
}
