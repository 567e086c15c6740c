/* limits/rctl.c: the cgroup plan for v1 and v2 (which file gets which value, in which order,
 * and why a deny limit cannot hold), values read back, the IPC sysctls, rlimits and the
 * report; then, as root, the plan applied to a real jail cgroup on this host once per way it
 * can be used (as found, v1 only, v2 only through cg_mounts_override): a process over the
 * memory limit is killed, a fork loop stops at pids.max, and where the hierarchy lacks a
 * controller the deny limit is refused with the reason. Every cgroup it makes is named after
 * a random test id and removed. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/jaillimits.h"
#include "limits/rctl.h"
#include "tap.h"
#include "util/cleanup.h"
#include "util/str.h"

#define skip(...)                                                                                  \
	do {                                                                                       \
		printf("ok %d # skip ", ++tap_n);                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
	} while (0)

static void
deny(struct lim_set *s, enum lim_id id, uint64_t amount, const char *action)
{
	s->on = true;
	s->v[id].set = true;
	s->v[id].amount = amount;
	snprintf(s->v[id].action, sizeof(s->v[id].action), "%s", action);
	snprintf(s->v[id].text, sizeof(s->v[id].text), "%" PRIu64 ":%s", amount, action);
}

/* The plan as "file=value" lines. */
static char *
plan_text(const struct lim_plan *p)
{
	struct sbuf b = {0};

	for (size_t i = 0; i < p->n; i++)
		sbuf_addf(&b, "%s%s=%s", i ? ";" : "", p->w[i].file, p->w[i].value);
	return sbuf_take(&b);
}

static void
env_all(struct cg_env *env, enum cg_where w, bool swap)
{
	memset(env, 0, sizeof(*env));
	for (int c = 0; c < CG_NCTRL; c++)
		env->where[c] = w;
	env->memsw = w == CGW_V1 && swap;
	env->v2_swap = w == CGW_V2 && swap;
}

static void
full_set(struct lim_set *s)
{
	memset(s, 0, sizeof(*s));
	deny(s, LIM_MEMORYUSE, 64 << 20, "deny");
	deny(s, LIM_SWAPUSE, 32 << 20, "deny");
	deny(s, LIM_MAXPROC, 20, "deny");
	deny(s, LIM_NTHR, 10, "deny");
	deny(s, LIM_PCPU, 25, "deny");
	s->v[LIM_CPUSET].set = true;
	snprintf(s->v[LIM_CPUSET].action, sizeof(s->v[LIM_CPUSET].action), "deny");
	snprintf(s->cpus, sizeof(s->cpus), "0");
}

static void
test_plan(void)
{
	struct lim_set s;
	struct cg_env env;
	struct lim_plan p;
	cleanup_free char *v1 = NULL, *v2 = NULL, *none = NULL, *v1off = NULL, *v2off = NULL;

	full_set(&s);
	env_all(&env, CGW_V1, true);
	lim_cg_plan(&s, &env, &p);
	v1 = plan_text(&p);
	is_str(v1,
	       "memory.memsw.limit_in_bytes=-1;memory.limit_in_bytes=67108864;"
	       "memory.memsw.limit_in_bytes=100663296;pids.max=10;cpu.cfs_period_us=100000;"
	       "cpu.cfs_quota_us=25000;cpuset.cpus=0",
	       "v1: memsw lifted first, memory, memsw = memory + swap, the lower of maxproc/nthr, "
	       "cfs period and quota, cpuset");
	ok(p.w[3].id == LIM_NTHR, "v1: pids.max serves nthr (the lower)");
	env_all(&env, CGW_V2, true);
	lim_cg_plan(&s, &env, &p);
	v2 = plan_text(&p);
	is_str(v2,
	       "memory.max=67108864;memory.swap.max=33554432;pids.max=10;cpu.max=25000 100000;"
	       "cpuset.cpus=0",
	       "v2: memory.max, memory.swap.max, pids.max, cpu.max, cpuset.cpus");
	ok(p.w[0].v2 && p.w[4].v2, "v2 writes go to the v2 directory");
	for (int i = 0; i < LIM_N; i++)
		if (p.why[i][0])
			ok(0, "v2: nothing refused, but %s: %s", lim_info((enum lim_id)i)->name,
			   p.why[i]);
	env_all(&env, CGW_V1, true);
	lim_cg_plan(NULL, &env, &p);
	v1off = plan_text(&p);
	is_str(v1off,
	       "memory.memsw.limit_in_bytes=-1;memory.limit_in_bytes=-1;pids.max=max;"
	       "cpu.cfs_period_us=100000;cpu.cfs_quota_us=-1;cpuset.cpus=",
	       "v1, no limits (uncap): every file back to no limit, cpuset the parent's");
	env_all(&env, CGW_V2, true);
	lim_cg_plan(NULL, &env, &p);
	v2off = plan_text(&p);
	is_str(v2off,
	       "memory.max=max;memory.swap.max=max;pids.max=max;cpu.max=max 100000;cpuset.cpus=",
	       "v2, no limits (uncap)");
	env_all(&env, CGW_NONE, false);
	lim_cg_plan(&s, &env, &p);
	none = plan_text(&p);
	is_str(none, "", "no controllers: no writes");
	ok(strstr(p.why[LIM_MEMORYUSE], "no memory controller") &&
	       strstr(p.why[LIM_MAXPROC], "no pids controller") &&
	       strstr(p.why[LIM_PCPU], "no cpu controller") &&
	       strstr(p.why[LIM_CPUSET], "no cpuset controller"),
	   "no controllers: each deny limit says which controller is missing");
}

static void
test_plan_edges(void)
{
	struct lim_set s = {0};
	struct cg_env env;
	struct lim_plan p;
	cleanup_free char *t = NULL;

	deny(&s, LIM_SWAPUSE, 1 << 20, "deny");
	env_all(&env, CGW_V1, true);
	lim_cg_plan(&s, &env, &p);
	ok(strstr(p.why[LIM_SWAPUSE], "memory and swap together"),
	   "v1: swapuse without memoryuse cannot hold: %s", p.why[LIM_SWAPUSE]);
	deny(&s, LIM_MEMORYUSE, 1 << 20, "deny");
	env_all(&env, CGW_V1, false);
	lim_cg_plan(&s, &env, &p);
	ok(strstr(p.why[LIM_SWAPUSE], "swapaccount=1") && !p.why[LIM_MEMORYUSE][0],
	   "v1 without memsw files: swapuse refused (swap accounting), memoryuse holds");
	t = plan_text(&p);
	ok(!strstr(t, "memsw"), "v1 without memsw: no memsw write (%s)", t);
	deny(&s, LIM_MEMORYUSE, 15ULL << 60, "deny");
	deny(&s, LIM_SWAPUSE, 15ULL << 60, "deny");
	env_all(&env, CGW_V1, true);
	lim_cg_plan(&s, &env, &p);
	free(t);
	t = plan_text(&p);
	ok(strstr(t, "memory.memsw.limit_in_bytes=18446744073709551615"),
	   "v1: memoryuse + swapuse past 2^64 is the most, not a wrapped small limit (%s)", t);
	memset(&s, 0, sizeof(s));
	deny(&s, LIM_MEMORYUSE, 1 << 20, "log");
	deny(&s, LIM_MAXPROC, 5, "sigterm");
	env_all(&env, CGW_V2, true);
	lim_cg_plan(&s, &env, &p);
	free(t);
	t = plan_text(&p);
	ok(strstr(t, "memory.max=max") && strstr(t, "pids.max=max"),
	   "actions other than deny set no limit (%s)", t);
	ok(!lim_enforced(&s, LIM_MEMORYUSE), "log is not enforced");
	s.on = false;
	deny(&s, LIM_OPENFILES, 64, "deny");
	s.on = false;
	ok(!lim_enforced(&s, LIM_OPENFILES), "rlimits=off: nothing is enforced");
}

static void
test_same(void)
{
	struct lim_write w = {.file = "memory.limit_in_bytes"};

	snprintf(w.value, sizeof(w.value), "-1");
	ok(lim_cg_same(&w, "9223372036854771712"), "v1 -1 reads back as a huge number");
	snprintf(w.value, sizeof(w.value), "1000000");
	ok(lim_cg_same(&w, "999424"), "v1 sizes read back in whole pages");
	ok(!lim_cg_same(&w, "67108864"), "another size is not the same");
	ok(!lim_cg_same(&w, NULL), "an unreadable file is not the same");
	w.file = "cpuset.cpus";
	snprintf(w.value, sizeof(w.value), "0,1,2");
	ok(lim_cg_same(&w, "0-2"), "CPU lists compare as sets (0,1,2 = 0-2)");
	ok(!lim_cg_same(&w, "0-1"), "0,1,2 is not 0-1");
	snprintf(w.value, sizeof(w.value), "1024,4095");
	ok(lim_cg_same(&w, "1024,4095") && !lim_cg_same(&w, "1024"),
	   "CPUs up to 4095, all the cpuset property takes, compare too (fuzz_rctl)");
	w.file = "pids.max";
	snprintf(w.value, sizeof(w.value), "max");
	ok(lim_cg_same(&w, "max") && !lim_cg_same(&w, "20"), "max is max, not 20");
}

static void
test_sysctls_rlimits(void)
{
	struct lim_set s = {0};
	struct strv sv = {0};
	struct lim_rlimit rl[LIM_N];
	struct rlimit mine;
	bool clamped;
	uint64_t v;
	size_t n;
	cleanup_free char *page = xasprintf("%ld", 1048576 / sysconf(_SC_PAGESIZE));
	cleanup_free char *want = NULL;

	deny(&s, LIM_MSGQSIZE, 4096, "deny");
	deny(&s, LIM_MSGQQUEUED, 100, "deny");
	deny(&s, LIM_NSEMOP, 33, "deny");
	deny(&s, LIM_SHMSIZE, 1 << 20, "deny");
	deny(&s, LIM_NMSGQ, 10, "log");
	lim_sysctls(&s, false, &sv);
	want = xasprintf("kernel.msgmnb=100,kernel.sem=- - 33 -,kernel.shmall=%s,"
			 "kernel.shmmax=1048576",
			 page);
	{
		struct sbuf b = {0};

		for (size_t i = 0; i < sv.n; i++)
			sbuf_addf(&b, "%s%s", i ? "," : "", sv.v[i]);
		is_str(sbuf_str(&b), want,
		       "sysctls: msgmnb the lower of msgqsize/msgqqueued, semopm, shmall in "
		       "pages and shmmax; nmsgq:log left out");
		sbuf_free(&b);
	}
	strv_free(&sv);
	memset(&s, 0, sizeof(s));
	deny(&s, LIM_SHMSIZE, UINT64_MAX, "deny");
	lim_sysctls(&s, false, &sv);
	free(want);
	want = xasprintf("kernel.shmall=%" PRIu64, UINT64_MAX / sysconf(_SC_PAGESIZE) + 1);
	ok(sv.n == 2 && streq(sv.v[0], want),
	   "shmall of a shmsize near 2^64 is rounded up without wrapping to 0 (%s)",
	   sv.n ? sv.v[0] : "none");
	strv_free(&sv);
	lim_sysctls(NULL, true, &sv);
	ok(sv.n == 6 && streq(sv.v[0], "kernel.msgmnb=default"),
	   "uncap: all six back to the namespace default");
	strv_free(&sv);

	memset(&s, 0, sizeof(s));
	deny(&s, LIM_OPENFILES, 64, "deny");
	deny(&s, LIM_CPUTIME, 90, "deny");
	deny(&s, LIM_STACKSIZE, 1 << 20, "log");
	n = lim_rlimits(&s, rl);
	ok(n == 2 && rl[0].resource == RLIMIT_NOFILE && rl[0].value == 64 &&
	       rl[1].resource == RLIMIT_CPU && rl[1].value == 90,
	   "rlimits: NOFILE 64 and CPU 90 (stacksize:log left out)");
	getrlimit(RLIMIT_NOFILE, &mine);
	v = lim_rlimit_clamp(RLIMIT_NOFILE, UINT64_MAX - 1, &clamped);
	ok(mine.rlim_max == RLIM_INFINITY || (clamped && v == mine.rlim_max),
	   "a value above our hard limit is clamped to it (%" PRIu64 ")", v);
	v = lim_rlimit_clamp(RLIMIT_NOFILE, 3, &clamped);
	ok(v == 3 && !clamped, "a lower value is kept");
	is_str(lim_rlimit_name(RLIMIT_AS), "RLIMIT_AS", "lim_rlimit_name");
}

static struct lim_row *
row(struct lim_row *rows, const char *prop)
{
	for (int i = 0; i < LIM_N; i++)
		if (streq(rows[i].prop, prop))
			return &rows[i];
	return NULL;
}

static void
test_report(void)
{
	struct lim_set s = {0};
	struct cg_env env;
	struct lim_row rows[LIM_N];

	full_set(&s);
	deny(&s, LIM_OPENFILES, 64, "deny");
	deny(&s, LIM_DATASIZE, 1 << 20, "log");
	deny(&s, LIM_NSHM, 7, "deny");
	env_all(&env, CGW_V2, false);
	lim_report(&s, &env, NULL, rows);
	is_str(row(rows, "memoryuse")->mapping, "memory.max=67108864", "report: memoryuse mapping");
	is_str(row(rows, "memoryuse")->status, "enforced at start", "report: stopped jail");
	ok(str_has_prefix(row(rows, "swapuse")->status, "NOT ENFORCED: no memory.swap.max"),
	   "report: swapuse cannot hold here: %s", row(rows, "swapuse")->status);
	is_str(row(rows, "maxproc")->status, "enforced through nthr (lower)",
	       "report: maxproc is served by the lower nthr");
	is_str(row(rows, "openfiles")->mapping, "RLIMIT_NOFILE=64 (each process)",
	       "report: openfiles -> RLIMIT_NOFILE");
	is_str(row(rows, "datasize")->status, "recorded, not enforced (log)", "report: log");
	is_str(row(rows, "nshm")->mapping, "kernel.shmmni=7", "report: nshm -> kernel.shmmni");
	is_str(row(rows, "pcpu")->mapping, "cpu.max=25000 100000", "report: pcpu -> cpu.max");
	is_str(row(rows, "wallclock")->status, "off", "report: off");
	s.on = false;
	lim_report(&s, &env, NULL, rows);
	is_str(row(rows, "memoryuse")->status, "not applied (rlimits=off)", "report: rlimits=off");
}

/* ---- live ---- */

static void
test_uuid(char *buf, size_t len)
{
	unsigned char r[6] = {0};

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r[0] = (unsigned char)getpid();
	snprintf(buf, len, "ioctest-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5]);
}

/* A child put into cg that, once told, runs fn and exits with its result. */
static pid_t
child_in(const struct cgroup *cg, int (*fn)(void))
{
	int p[2];
	char go;
	struct ioc_err e;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (read(p[0], &go, 1) != 1)
			_exit(99);
		_exit(fn());
	}
	close(p[0]);
	if (pid > 0 && cg_attach(cg, pid, &e) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	if (pid > 0)
		(void)!write(p[1], "g", 1);
	close(p[1]);
	return pid;
}

static int
hog(void)
{
	for (int i = 0; i < 256; i++) {
		char *m = malloc(1 << 20);

		if (!m)
			return 2;
		memset(m, 1, 1 << 20);
	}
	return 0;
}

static int
forker(void)
{
	int n = 0;

	for (int i = 0; i < 30; i++) {
		pid_t p = fork();

		if (p == 0) {
			sleep(2);
			_exit(0);
		}
		if (p < 0)
			break;
		n++;
	}
	while (wait(NULL) > 0)
		;
	return n;
}

static int
wait_status(pid_t pid)
{
	int st = 0;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

static void
live_enforce(const char *mode, const struct cgroup *cg, const struct lim_plan *p)
{
	pid_t pid;
	int st;

	if (!p->why[LIM_MEMORYUSE][0]) {
		pid = child_in(cg, hog);
		st = pid > 0 ? wait_status(pid) : 0;
		ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		   "%s: a child touching 256 MiB under memoryuse=32M:deny is killed (status 0x%x)",
		   mode, st);
	}
	if (!p->why[LIM_MAXPROC][0]) {
		pid = child_in(cg, forker);
		st = pid > 0 ? wait_status(pid) : 0;
		ok(WIFEXITED(st) && WEXITSTATUS(st) == 4,
		   "%s: under maxproc=5:deny the child forks 4 of 30 (got %d)", mode,
		   WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
}

static void
live_scenario(const char *mode)
{
	char uuid[64];
	struct cgroup cg = {.v2_fd = -1};
	struct lim_set s = {0};
	struct lim_plan p, off;
	struct cg_env env;
	struct ioc_err e;
	int held = 0;

	test_uuid(uuid, sizeof(uuid));
	if (cg_create(uuid, &cg, &e) < 0) {
		ok(0, "%s: cg_create: %s", mode, e.msg);
		return;
	}
	deny(&s, LIM_MEMORYUSE, 32 << 20, "deny");
	deny(&s, LIM_MAXPROC, 5, "deny");
	deny(&s, LIM_PCPU, 20, "deny");
	ok(lim_cg_env(&cg, &env, &e) == 0, "%s: lim_cg_env", mode);
	printf(
	    "# %s: memory %d pids %d cpu %d cpuacct %d cpuset %d (0 none, 1 v1, 2 v2), memsw %d\n",
	    mode, env.where[CG_MEMORY], env.where[CG_PIDS], env.where[CG_CPU],
	    env.where[CG_CPUACCT], env.where[CG_CPUSET], env.memsw);
	lim_cg_plan(&s, &env, &p);
	if (jail_lim_check(&s, &p, false, &e) < 0) {
		ok(strstr(e.msg, "cannot be enforced here: no ") != NULL,
		   "%s: a deny limit without its controller is refused: %s", mode, e.msg);
	} else {
		err_clear(&e);
		ok(lim_cg_apply(&cg, &p, &e) == 0, "%s: apply %zu writes: %s", mode, p.n,
		   e.code ? e.msg : "ok");
		for (size_t i = 0; i < p.n; i++) {
			cleanup_free char *now = lim_cg_read(&cg, &p.w[i]);

			held += lim_cg_same(&p.w[i], now);
		}
		ok(held == (int)p.n, "%s: every value reads back (%d of %zu)", mode, held, p.n);
		live_enforce(mode, &cg, &p);
	}
	lim_cg_plan(NULL, &env, &off);
	err_clear(&e);
	ok(lim_cg_apply(&cg, &off, &e) == 0, "%s: uncap: %zu writes: %s", mode, off.n,
	   e.code ? e.msg : "ok");
	(void)cg_signal(&cg, SIGKILL, &e);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	err_clear(&e);
	ok(cg_destroy(&cg, &e) == 0, "%s: cg_destroy: %s", mode, e.code ? e.msg : "ok");
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
		skip("live limit tests need root");
		return;
	}
	if (cg_host_mounts(&m, &e) < 0) {
		ok(0, "cg_host_mounts: %s", e.msg);
		return;
	}
	for (int c = 0; c < CG_NCTRL; c++)
		has_v1 |= m->v1[c] != NULL;
	live_scenario("as found");
	memset(&only, 0, sizeof(only));
	if (m->v2 && has_v1) {
		for (int c = 0; c < CG_NCTRL; c++)
			only.v1[c] = m->v1[c] ? xstrdup(m->v1[c]) : NULL;
		cg_mounts_override(&only);
		live_scenario("v1 only");
		cg_mounts_free(&only);
		cg_mounts_override(NULL);
		if (cg_host_mounts(&m, &e) < 0)
			return;
		only.v2 = xstrdup(m->v2);
		cg_mounts_override(&only);
		live_scenario("v2 only");
		cg_mounts_free(&only);
	} else {
		skip("v1-only and v2-only runs need a hybrid host");
	}
	cg_mounts_override(NULL);
}

int
main(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	test_plan();
	test_plan_edges();
	test_same();
	test_sysctls_rlimits();
	test_report();
	test_live();
	return tap_done();
}
