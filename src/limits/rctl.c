/* Resource limits: the table of rctl properties, the cgroup plan for v1 and v2, rlimits,
 * IPC-namespace sysctls, usage and the report. See rctl.h. */
#include "limits/rctl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/syscalls.h"

#define CPU_PERIOD_US 100000
#define SMALL_MAX     (64u << 10)
#define PROCS_MAX     (16u << 20)
#ifndef DEVPTS_SUPER_MAGIC
#define DEVPTS_SUPER_MAGIC 0x1cd1
#endif

static const struct lim_info infos[LIM_N] = {
    [LIM_MEMORYUSE] = {"memoryuse", LK_CGROUP, -1, NULL},
    [LIM_SWAPUSE] = {"swapuse", LK_CGROUP, -1, NULL},
    [LIM_MAXPROC] = {"maxproc", LK_CGROUP, -1, NULL},
    [LIM_NTHR] = {"nthr", LK_CGROUP, -1, NULL},
    [LIM_PCPU] = {"pcpu", LK_CGROUP, -1, NULL},
    [LIM_CPUSET] = {"cpuset", LK_CGROUP, -1, NULL},
    [LIM_DATASIZE] = {"datasize", LK_RLIMIT, RLIMIT_DATA, "RLIMIT_DATA"},
    [LIM_STACKSIZE] = {"stacksize", LK_RLIMIT, RLIMIT_STACK, "RLIMIT_STACK"},
    [LIM_COREDUMPSIZE] = {"coredumpsize", LK_RLIMIT, RLIMIT_CORE, "RLIMIT_CORE"},
    [LIM_OPENFILES] = {"openfiles", LK_RLIMIT, RLIMIT_NOFILE, "RLIMIT_NOFILE"},
    [LIM_MEMORYLOCKED] = {"memorylocked", LK_RLIMIT, RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK"},
    [LIM_VMEMORYUSE] = {"vmemoryuse", LK_RLIMIT, RLIMIT_AS, "RLIMIT_AS"},
    [LIM_CPUTIME] = {"cputime", LK_RLIMIT, RLIMIT_CPU, "RLIMIT_CPU"},
    [LIM_PSEUDOTERMINALS] = {"pseudoterminals", LK_DEVPTS, -1, "devpts max"},
    [LIM_MSGQQUEUED] = {"msgqqueued", LK_IPC, -1, "kernel.msgmnb"},
    [LIM_MSGQSIZE] = {"msgqsize", LK_IPC, -1, "kernel.msgmnb"},
    [LIM_NMSGQ] = {"nmsgq", LK_IPC, -1, "kernel.msgmni"},
    [LIM_NSEMOP] = {"nsemop", LK_IPC, -1, "kernel.sem"},
    [LIM_NSHM] = {"nshm", LK_IPC, -1, "kernel.shmmni"},
    [LIM_SHMSIZE] = {"shmsize", LK_IPC, -1, "kernel.shmall"},
    [LIM_WALLCLOCK] = {"wallclock", LK_WALLCLOCK, -1, NULL},
};

const struct lim_info *
lim_info(enum lim_id id)
{
	return (unsigned)id < LIM_N ? &infos[id] : NULL;
}

bool
lim_enforced(const struct lim_set *s, enum lim_id id)
{
	if (!s || !s->on || (unsigned)id >= LIM_N || !s->v[id].set)
		return false;
	return id == LIM_CPUSET || streq(s->v[id].action, "deny");
}

const char *
lim_rlimit_name(int resource)
{
	for (size_t i = 0; i < LIM_N; i++)
		if (infos[i].kind == LK_RLIMIT && infos[i].resource == resource)
			return infos[i].target;
	return "RLIMIT_?";
}

/* ---- the cgroup plan ---- */

static void IOC_PRINTF(6, 7) add(struct lim_plan *p, enum lim_id id, enum cg_ctrl c, bool v2,
				 const char *file, const char *fmt, ...)
{
	struct lim_write *w;
	va_list ap;

	if (p->n >= LIM_WRITES_MAX)
		return;
	w = &p->w[p->n++];
	w->id = id;
	w->ctrl = c;
	w->v2 = v2;
	w->file = file;
	va_start(ap, fmt);
	vsnprintf(w->value, sizeof(w->value), fmt, ap);
	va_end(ap);
}

static void IOC_PRINTF(3, 4) why(struct lim_plan *p, enum lim_id id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why[id], sizeof(p->why[id]), fmt, ap);
	va_end(ap);
}

static void
no_ctrl(const struct lim_set *s, struct lim_plan *p, enum lim_id id, const char *ctrl)
{
	if (lim_enforced(s, id))
		why(p, id, "no %s controller for jails on this host (neither cgroup v1 nor v2)",
		    ctrl);
}

/* a + b, or UINT64_MAX past it: a wrapped sum would be a small limit, and memsw below
 * limit_in_bytes (the kernel takes any value past its maximum as its maximum). */
static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void
plan_memory_v1(const struct lim_set *s, const struct cg_env *env, struct lim_plan *p)
{
	bool mem = lim_enforced(s, LIM_MEMORYUSE), swap = lim_enforced(s, LIM_SWAPUSE);

	/* memsw may never be below limit_in_bytes: lift it first, lower it last. */
	if (env->memsw)
		add(p, LIM_N, CG_MEMORY, false, "memory.memsw.limit_in_bytes", "-1");
	if (mem)
		add(p, LIM_MEMORYUSE, CG_MEMORY, false, "memory.limit_in_bytes", "%" PRIu64,
		    s->v[LIM_MEMORYUSE].amount);
	else
		add(p, LIM_MEMORYUSE, CG_MEMORY, false, "memory.limit_in_bytes", "-1");
	if (!swap)
		return;
	if (!env->memsw)
		why(p, LIM_SWAPUSE,
		    "no swap accounting on this host (memory.memsw.* absent; boot with "
		    "swapaccount=1)");
	else if (!mem)
		why(p, LIM_SWAPUSE,
		    "cgroup v1 limits memory and swap together (memsw): set memoryuse=SIZE:deny "
		    "too");
	else
		add(p, LIM_SWAPUSE, CG_MEMORY, false, "memory.memsw.limit_in_bytes", "%" PRIu64,
		    sat_add(s->v[LIM_MEMORYUSE].amount, s->v[LIM_SWAPUSE].amount));
}

static void
plan_memory_v2(const struct lim_set *s, const struct cg_env *env, struct lim_plan *p)
{
	if (lim_enforced(s, LIM_MEMORYUSE))
		add(p, LIM_MEMORYUSE, CG_MEMORY, true, "memory.max", "%" PRIu64,
		    s->v[LIM_MEMORYUSE].amount);
	else
		add(p, LIM_MEMORYUSE, CG_MEMORY, true, "memory.max", "max");
	if (env->v2_swap) {
		if (lim_enforced(s, LIM_SWAPUSE))
			add(p, LIM_SWAPUSE, CG_MEMORY, true, "memory.swap.max", "%" PRIu64,
			    s->v[LIM_SWAPUSE].amount);
		else
			add(p, LIM_SWAPUSE, CG_MEMORY, true, "memory.swap.max", "max");
	} else if (lim_enforced(s, LIM_SWAPUSE)) {
		why(p, LIM_SWAPUSE, "no memory.swap.max here (swap accounting is off)");
	}
}

/* maxproc and nthr share pids.max: the lower one wins. */
static void
plan_pids(const struct lim_set *s, bool v2, struct lim_plan *p)
{
	bool mp = lim_enforced(s, LIM_MAXPROC), nt = lim_enforced(s, LIM_NTHR);
	enum lim_id id = LIM_MAXPROC;

	if (nt && (!mp || s->v[LIM_NTHR].amount < s->v[LIM_MAXPROC].amount))
		id = LIM_NTHR;
	if (mp || nt)
		add(p, id, CG_PIDS, v2, "pids.max", "%" PRIu64, s->v[id].amount);
	else
		add(p, LIM_MAXPROC, CG_PIDS, v2, "pids.max", "max");
}

static void
plan_cpu(const struct lim_set *s, bool v2, struct lim_plan *p)
{
	bool on = lim_enforced(s, LIM_PCPU);
	uint64_t quota = on ? s->v[LIM_PCPU].amount * (CPU_PERIOD_US / 100) : 0;

	if (v2) {
		if (on)
			add(p, LIM_PCPU, CG_CPU, true, "cpu.max", "%" PRIu64 " %d", quota,
			    CPU_PERIOD_US);
		else
			add(p, LIM_PCPU, CG_CPU, true, "cpu.max", "max %d", CPU_PERIOD_US);
		return;
	}
	add(p, LIM_N, CG_CPU, false, "cpu.cfs_period_us", "%d", CPU_PERIOD_US);
	if (on)
		add(p, LIM_PCPU, CG_CPU, false, "cpu.cfs_quota_us", "%" PRIu64, quota);
	else
		add(p, LIM_PCPU, CG_CPU, false, "cpu.cfs_quota_us", "-1");
}

void
lim_cg_plan(const struct lim_set *s, const struct cg_env *env, struct lim_plan *p)
{
	enum cg_where w;

	memset(p, 0, sizeof(*p));
	w = env->where[CG_MEMORY];
	if (w == CGW_V1)
		plan_memory_v1(s, env, p);
	else if (w == CGW_V2)
		plan_memory_v2(s, env, p);
	else {
		no_ctrl(s, p, LIM_MEMORYUSE, "memory");
		no_ctrl(s, p, LIM_SWAPUSE, "memory");
	}
	if ((w = env->where[CG_PIDS]) != CGW_NONE)
		plan_pids(s, w == CGW_V2, p);
	else {
		no_ctrl(s, p, LIM_MAXPROC, "pids");
		no_ctrl(s, p, LIM_NTHR, "pids");
	}
	if ((w = env->where[CG_CPU]) != CGW_NONE)
		plan_cpu(s, w == CGW_V2, p);
	else
		no_ctrl(s, p, LIM_PCPU, "cpu");
	if ((w = env->where[CG_CPUSET]) != CGW_NONE)
		add(p, LIM_CPUSET, CG_CPUSET, w == CGW_V2, "cpuset.cpus", "%s",
		    lim_enforced(s, LIM_CPUSET) ? s->cpus : "");
	else
		no_ctrl(s, p, LIM_CPUSET, "cpuset");
}

/* ---- the cgroup, live ---- */

static bool
exists_at(const char *dir, const char *file)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, file);
	struct stat st;

	return stat(p, &st) == 0;
}

static bool
has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return true;
	return false;
}

/* The file in each v2 cgroup that shows a controller is on there. */
static const char *const v2_probe[CG_NCTRL] = {
    [CG_PIDS] = "pids.max",    [CG_MEMORY] = "memory.max",  [CG_CPU] = "cpu.max",
    [CG_CPUACCT] = "cpu.stat", [CG_CPUSET] = "cpuset.cpus",
};

static void
env_of_cgroup(const struct cgroup *cg, struct cg_env *env)
{
	for (int c = 0; c < CG_NCTRL; c++) {
		if (cg_v1_path(cg, (enum cg_ctrl)c))
			env->where[c] = CGW_V1;
		else if (cg->v2_path && exists_at(cg->v2_path, v2_probe[c]))
			env->where[c] = CGW_V2;
	}
	if (env->where[CG_MEMORY] == CGW_V1)
		env->memsw = exists_at(cg_v1_path(cg, CG_MEMORY), "memory.memsw.limit_in_bytes");
	if (env->where[CG_MEMORY] == CGW_V2)
		env->v2_swap = exists_at(cg->v2_path, "memory.swap.max");
}

/* A jail that is not running: what its cgroup would get on this host. */
static int
env_of_host(struct cg_env *env, struct ioc_err *e)
{
	static const char *const v2_names[CG_NCTRL] = {[CG_PIDS] = "pids",
						       [CG_MEMORY] = "memory",
						       [CG_CPU] = "cpu",
						       [CG_CPUACCT] = "cpu",
						       [CG_CPUSET] = "cpuset"};
	const struct cg_mounts *m = NULL;
	cleanup_free char *ctrls = NULL;
	struct ioc_err e2;

	if (cg_host_mounts(&m, e) < 0)
		return -1;
	if (m->v2) {
		cleanup_free char *p = xasprintf("%s/cgroup.controllers", m->v2);

		if (read_file(p, &ctrls, SMALL_MAX, &e2) < 0)
			ctrls = xstrdup("");
	}
	for (int c = 0; c < CG_NCTRL; c++) {
		if (m->v1[c])
			env->where[c] = CGW_V1;
		else if (m->v2 && (c == CG_CPUACCT || has_word(ctrls, v2_names[c])))
			env->where[c] = CGW_V2;
	}
	if (env->where[CG_MEMORY] == CGW_V1)
		env->memsw = exists_at(m->v1[CG_MEMORY], "memory.memsw.limit_in_bytes");
	env->v2_swap = env->where[CG_MEMORY] == CGW_V2;
	return 0;
}

int
lim_cg_env(const struct cgroup *cg, struct cg_env *env, struct ioc_err *e)
{
	memset(env, 0, sizeof(*env));
	if (cg) {
		env_of_cgroup(cg, env);
		return 0;
	}
	return env_of_host(env, e);
}

static const char *
write_dir(const struct cgroup *cg, const struct lim_write *w)
{
	return w->v2 ? cg->v2_path : cg_v1_path(cg, w->ctrl);
}

static int
write_file(const char *dir, const char *file, const char *val)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, file);
	cleanup_close int fd = open(p, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	size_t len = strlen(val);
	ssize_t n;

	if (fd < 0)
		return -1;
	do
		n = write(fd, val, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	return (size_t)n == len ? 0 : (errno = EIO, -1);
}

static char *
read_trimmed(const char *dir, const char *file)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, file);
	char *s = NULL;
	struct ioc_err e;

	if (read_file(p, &s, SMALL_MAX, &e) < 0)
		return NULL;
	s[strcspn(s, "\n")] = '\0';
	return s;
}

/* v1 cpuset.cpus "": the CPUs of the directory above (iocage/), which has its parent's. */
static char *
parent_cpus(const char *dir)
{
	cleanup_free char *up = xstrdup(dir);
	char *slash = strrchr(up, '/');

	if (!slash)
		return NULL;
	*slash = '\0';
	return read_trimmed(up, "cpuset.cpus");
}

static int
apply_one(const struct cgroup *cg, const struct lim_write *w, struct ioc_err *e)
{
	const char *dir = write_dir(cg, w), *name = w->id < LIM_N ? infos[w->id].name : "limits";
	cleanup_free char *cpus = NULL;
	const char *val = w->value;

	if (!dir)
		return err_set(e, ENOENT, "%s: the jail has no %s cgroup", name,
			       cg_ctrl_name(w->ctrl));
	if (streq(w->file, "cpuset.cpus") && !*val) {
		if (w->v2)
			val = "\n";
		else if (!(cpus = parent_cpus(dir)))
			return err_sys(e, "%s: read the CPUs of the cgroup above %s", name, dir);
		else
			val = cpus;
	}
	if (write_file(dir, w->file, val) < 0)
		return err_sys(e, "%s: write '%s' to %s/%s", name, val[0] == '\n' ? "" : val, dir,
			       w->file);
	return 0;
}

int
lim_cg_apply(const struct cgroup *cg, const struct lim_plan *p, struct ioc_err *e)
{
	for (size_t i = 0; i < p->n; i++)
		if (apply_one(cg, &p->w[i], e) < 0)
			return -1;
	return 0;
}

char *
lim_cg_read(const struct cgroup *cg, const struct lim_write *w)
{
	const char *dir = write_dir(cg, w);

	return dir ? read_trimmed(dir, w->file) : NULL;
}

/* A CPU list ("0-2,5") as a bit set of CPUs 0 to 4095 (all the cpuset property allows);
 * false if it is not one. */
#define CPU_WORDS 64
static bool
cpu_bits(const char *s, uint64_t bits[CPU_WORDS])
{
	memset(bits, 0, CPU_WORDS * sizeof(*bits));
	while (*s) {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;

		if (end == s)
			return false;
		if (*end == '-') {
			s = end + 1;
			b = strtoul(s, &end, 10);
			if (end == s)
				return false;
		}
		if (a > b || b >= 64 * CPU_WORDS)
			return false;
		for (unsigned long c = a; c <= b; c++)
			bits[c / 64] |= 1ULL << (c % 64);
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return false;
	}
	return true;
}

bool
lim_cg_same(const struct lim_write *w, const char *live)
{
	uint64_t want, got, a[CPU_WORDS], b[CPU_WORDS];

	if (!live)
		return false;
	if (streq(w->file, "cpuset.cpus")) {
		if (!*w->value) /* the parent's: whatever it is now */
			return true;
		return cpu_bits(w->value, a) && cpu_bits(live, b) && memcmp(a, b, sizeof(a)) == 0;
	}
	if (streq(w->value, "-1")) /* v1 "no limit" reads back as a huge number, or -1 */
		return streq(live, "-1") || (parse_u64(live, &got) == 0 && got >= (1ULL << 62));
	if (parse_u64(w->value, &want) < 0 || parse_u64(live, &got) < 0)
		return streq(w->value, live);
	/* Past the kernel's maximum (2^63 bytes less a page on v1) a limit reads back as it. */
	if (want >= (1ULL << 62) && got >= (1ULL << 62))
		return true;
	/* v1 memory limits are kept in whole pages. */
	return got == want || got == (want & ~(uint64_t)(sysconf(_SC_PAGESIZE) - 1));
}

/* ---- rlimits ---- */

size_t
lim_rlimits(const struct lim_set *s, struct lim_rlimit *out)
{
	size_t n = 0;

	for (int i = 0; i < LIM_N; i++)
		if (infos[i].kind == LK_RLIMIT && lim_enforced(s, (enum lim_id)i))
			out[n++] = (struct lim_rlimit){infos[i].resource, s->v[i].amount};
	return n;
}

uint64_t
lim_rlimit_clamp(int resource, uint64_t value, bool *clamped)
{
	struct rlimit cur;

	*clamped = false;
	if (getrlimit(resource, &cur) < 0 || cur.rlim_max == RLIM_INFINITY)
		return value;
	if (value > cur.rlim_max) {
		*clamped = true;
		return cur.rlim_max;
	}
	return value;
}

/* The process behind /proc/PID (dirfd) is in the cgroup whose last component is marker. */
static bool
in_jail(int procfd, const char *marker)
{
	size_t mlen = strlen(marker);
	cleanup_close int fd = openat(procfd, "cgroup", O_RDONLY | O_CLOEXEC);
	char buf[8192];
	ssize_t n;

	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return false;
	buf[n] = '\0';
	for (const char *p = strstr(buf, marker); p; p = strstr(p + 1, marker))
		if (p[mlen] == '\n' || p[mlen] == '/' || p[mlen] == '\0')
			return true;
	return false;
}

static char *
jail_marker(const struct cgroup *cg)
{
	const char *d = cg_describe(cg), *slash = d ? strrchr(d, '/') : NULL;

	return xasprintf("/iocage/%s", slash ? slash + 1 : d ? d : "");
}

struct rl_tally {
	size_t foreign, refused[LIM_N], done;
};

static void
prlimit_one(pid_t pid, const struct lim_rlimit *rl, size_t n, struct rl_tally *t)
{
	for (size_t i = 0; i < n; i++) {
		struct rlimit want, mine;
		bool clamped;

		if (rl[i].value == UINT64_MAX) { /* uncap: our own limits */
			if (getrlimit(rl[i].resource, &mine) < 0)
				continue;
			want = mine;
		} else {
			rlim_t v = lim_rlimit_clamp(rl[i].resource, rl[i].value, &clamped);

			want = (struct rlimit){v, v};
		}
		if (prlimit(pid, rl[i].resource, &want, NULL) == 0) {
			t->done++;
			continue;
		}
		if (errno == EPERM) {
			for (int k = 0; k < LIM_N; k++)
				if (infos[k].kind == LK_RLIMIT &&
				    infos[k].resource == rl[i].resource)
					t->refused[k]++;
		}
	}
}

static void
tally_notes(const struct rl_tally *t, struct strv *notes)
{
	for (int k = 0; k < LIM_N; k++)
		if (t->refused[k])
			strv_push_take(notes, xasprintf("%s: %zu change(s) refused (raising a hard "
							"limit needs CAP_SYS_RESOURCE, which "
							"iocage does not have here)",
							infos[k].target, t->refused[k]));
}

/* pid is ours to change: in the jail (checked through /proc/PID held open, so a pid reused
 * meanwhile by a host process is not touched). */
static bool
pid_in_jail(pid_t pid, const char *marker, int *procfd)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	*procfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return *procfd >= 0 && in_jail(*procfd, marker);
}

int
lim_prlimit_jail(const struct cgroup *cg, const struct lim_rlimit *rl, size_t n, struct strv *notes,
		 struct ioc_err *e)
{
	cleanup_free char *marker = jail_marker(cg);
	cleanup_free pid_t *pids = NULL;
	struct rl_tally t = {0};
	size_t np = 0;

	if (n == 0)
		return 0;
	if (cg_pids(cg, &pids, &np, e) < 0)
		return -1;
	for (size_t i = 0; i < np; i++) {
		cleanup_close int procfd = -1;

		if (pid_in_jail(pids[i], marker, &procfd))
			prlimit_one(pids[i], rl, n, &t);
	}
	tally_notes(&t, notes);
	return 0;
}

/* ---- IPC sysctls ---- */

static void
sysctl_entry(struct strv *out, bool all, bool on, const char *name, const char *fmt, uint64_t v)
{
	char val[64];

	if (on) {
		snprintf(val, sizeof(val), fmt, v);
		strv_push_take(out, xasprintf("kernel.%s=%s", name, val));
	} else if (all) {
		strv_push_take(out, xasprintf("kernel.%s=default", name));
	}
}

void
lim_sysctls(const struct lim_set *s, bool all, struct strv *out)
{
	bool qs = lim_enforced(s, LIM_MSGQSIZE), qq = lim_enforced(s, LIM_MSGQQUEUED);
	uint64_t mnb = UINT64_MAX, page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t shm = s ? s->v[LIM_SHMSIZE].amount : 0;
	bool on_shm = lim_enforced(s, LIM_SHMSIZE);

	/* msgmnb bounds both the bytes and the number of messages in each queue. */
	if (qs)
		mnb = s->v[LIM_MSGQSIZE].amount;
	if (qq && s->v[LIM_MSGQQUEUED].amount < mnb)
		mnb = s->v[LIM_MSGQQUEUED].amount;
	sysctl_entry(out, all, qs || qq, "msgmnb", "%" PRIu64, mnb);
	sysctl_entry(out, all, lim_enforced(s, LIM_NMSGQ), "msgmni", "%" PRIu64,
		     s ? s->v[LIM_NMSGQ].amount : 0);
	sysctl_entry(out, all, lim_enforced(s, LIM_NSEMOP), "sem", "- - %" PRIu64 " -",
		     s ? s->v[LIM_NSEMOP].amount : 0);
	sysctl_entry(out, all, lim_enforced(s, LIM_NSHM), "shmmni", "%" PRIu64,
		     s ? s->v[LIM_NSHM].amount : 0);
	/* Pages, rounded up without overflowing (shmsize may be close to 2^64). */
	sysctl_entry(out, all, on_shm, "shmall", "%" PRIu64, shm / page + (shm % page != 0));
	sysctl_entry(out, all, on_shm, "shmmax", "%" PRIu64, shm);
}

/* ---- usage ---- */

static int64_t
num_at(const char *dir, const char *file)
{
	cleanup_free char *s = dir ? read_trimmed(dir, file) : NULL;
	uint64_t v;

	if (!s || parse_u64(s, &v) < 0 || v > INT64_MAX)
		return -1;
	return (int64_t)v;
}

/* "KEY VALUE" lines (cpu.stat). */
static int64_t
stat_key(const char *dir, const char *file, const char *key)
{
	cleanup_free char *p = dir ? xasprintf("%s/%s", dir, file) : NULL;
	cleanup_free char *text = NULL;
	size_t klen = strlen(key);
	struct ioc_err e;

	if (!p || read_file(p, &text, SMALL_MAX, &e) < 0)
		return -1;
	for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		unsigned long long v;

		if (strncmp(l, key, klen) == 0 && l[klen] == ' ' &&
		    sscanf(l + klen, "%llu", &v) == 1)
			return (int64_t)v;
	}
	return -1;
}

static void
usage_memory(const struct cgroup *cg, const struct cg_env *env, struct lim_usage *u)
{
	const char *v1 = cg_v1_path(cg, CG_MEMORY);

	if (env->where[CG_MEMORY] == CGW_V1) {
		int64_t memsw = env->memsw ? num_at(v1, "memory.memsw.usage_in_bytes") : -1;

		u->memory = num_at(v1, "memory.usage_in_bytes");
		u->swap =
		    memsw >= 0 && u->memory >= 0 && memsw >= u->memory ? memsw - u->memory : -1;
	} else if (env->where[CG_MEMORY] == CGW_V2) {
		u->memory = num_at(cg->v2_path, "memory.current");
		u->swap = num_at(cg->v2_path, "memory.swap.current");
	}
}

static void
usage_cpu(const struct cgroup *cg, const struct cg_env *env, struct lim_usage *u)
{
	int64_t ns;

	if (env->where[CG_CPUACCT] == CGW_V1) {
		ns = num_at(cg_v1_path(cg, CG_CPUACCT), "cpuacct.usage");
		u->cpu_us = ns < 0 ? -1 : ns / 1000;
	} else if (cg->v2_path) {
		u->cpu_us = stat_key(cg->v2_path, "cpu.stat", "usage_usec");
	}
}

static int64_t
count_dir(int dirfd, bool digits_only)
{
	cleanup_closedir DIR *d = fdopendir(dirfd);
	struct dirent *de;
	int64_t n = 0;

	if (!d) {
		close(dirfd);
		return -1;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' &&
		    (!digits_only || de->d_name[strspn(de->d_name, "0123456789")] == '\0'))
			n++;
	return n;
}

/* Open files and threads of each process, through /proc/PID held open and checked. */
static void
usage_procs(const struct cgroup *cg, const pid_t *pids, size_t np, struct lim_usage *u)
{
	cleanup_free char *marker = jail_marker(cg);
	int64_t files = 0, threads = 0;

	for (size_t i = 0; i < np; i++) {
		cleanup_close int procfd = -1;
		int fd;
		int64_t n;

		if (!pid_in_jail(pids[i], marker, &procfd))
			continue;
		fd = openat(procfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 && (n = count_dir(fd, true)) > 0)
			files += n;
		fd = openat(procfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 && (n = count_dir(fd, true)) > 0)
			threads += n;
	}
	u->openfiles = files;
	if (u->threads < 0)
		u->threads = threads;
}

/* The pseudo-terminals of the jail's devpts: its dev/pts resolved inside the init's root (a
 * symlink there cannot lead to a host directory) and checked to be a devpts. */
static int64_t
usage_ptys(pid_t init_pid)
{
	struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	char path[48];
	cleanup_close int root = -1;
	struct statfs sf;
	int64_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/root", (int)init_pid);
	if ((root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	if ((fd = (int)sys_openat2(root, "dev/pts", &how, sizeof(how))) < 0)
		return -1;
	if (fstatfs(fd, &sf) < 0 || sf.f_type != DEVPTS_SUPER_MAGIC) {
		close(fd);
		return -1;
	}
	n = count_dir(fd, true);
	return n;
}

int
lim_usage(const struct cgroup *cg, pid_t init_pid, struct lim_usage *u, struct ioc_err *e)
{
	cleanup_free pid_t *pids = NULL;
	struct cg_env env;
	size_t np = 0;

	*u = (struct lim_usage){-1, -1, -1, -1, -1, -1, -1};
	if (lim_cg_env(cg, &env, e) < 0 || cg_pids(cg, &pids, &np, e) < 0)
		return -1;
	usage_memory(cg, &env, u);
	usage_cpu(cg, &env, u);
	u->procs = (int64_t)np;
	if (env.where[CG_PIDS] == CGW_V1)
		u->threads = num_at(cg_v1_path(cg, CG_PIDS), "pids.current");
	else if (env.where[CG_PIDS] == CGW_V2)
		u->threads = num_at(cg->v2_path, "pids.current");
	usage_procs(cg, pids, np, u);
	u->ptys = usage_ptys(init_pid);
	return 0;
}

/* ---- the report ---- */

/* The writes that serve id ("file=value, ..."), and whether all hold live. */
static void
cg_mapping(const struct lim_plan *p, enum lim_id id, const struct lim_live *live, char *map,
	   size_t len, int *held)
{
	size_t used = 0;

	*held = 1;
	map[0] = '\0';
	for (size_t i = 0; i < p->n; i++) {
		const struct lim_write *w = &p->w[i];
		bool mine = w->id == id ||
			    ((id == LIM_MAXPROC || id == LIM_NTHR) && streq(w->file, "pids.max"));

		if (!mine)
			continue;
		used += (size_t)snprintf(map + used, used < len ? len - used : 0, "%s%s=%s",
					 used ? ", " : "", w->file,
					 *w->value ? w->value : "(the parent's CPUs)");
		if (live && live->running && live->cg) {
			cleanup_free char *now = lim_cg_read(live->cg, w);

			if (!lim_cg_same(w, now))
				*held = 0;
		}
	}
	if (used >= len && len > 4)
		memcpy(map + len - 4, "...", 4);
}

static void
row_cgroup(const struct lim_set *s, enum lim_id id, const struct lim_plan *p,
	   const struct lim_live *live, struct lim_row *r)
{
	enum lim_id other;
	int held;

	cg_mapping(p, id, live, r->mapping, sizeof(r->mapping), &held);
	if (p->why[id][0]) {
		snprintf(r->status, sizeof(r->status), "NOT ENFORCED: %s", p->why[id]);
		return;
	}
	other = id == LIM_MAXPROC ? LIM_NTHR : LIM_MAXPROC;
	if ((id == LIM_MAXPROC || id == LIM_NTHR) && lim_enforced(s, LIM_MAXPROC) &&
	    lim_enforced(s, LIM_NTHR) && s->v[id].amount > s->v[other].amount) {
		/* the other one is lower and sets pids.max */
		snprintf(r->status, sizeof(r->status), "enforced through %s (lower)",
			 infos[other].name);
		if (!live || !live->running || held)
			return;
	}
	if (!live || !live->running)
		snprintf(r->status, sizeof(r->status), "enforced at start");
	else
		snprintf(r->status, sizeof(r->status), "%s",
			 held ? "enforced" : "not applied now (iocage cap applies it)");
}

static void
row_rlimit(const struct lim_set *s, enum lim_id id, const struct lim_live *live, struct lim_row *r)
{
	bool clamped;
	uint64_t v = lim_rlimit_clamp(infos[id].resource, s->v[id].amount, &clamped);

	snprintf(r->mapping, sizeof(r->mapping), "%s=%" PRIu64 " (each process)", infos[id].target,
		 v);
	if (live && live->running && live->rlim_known[id] && live->rlim[id] != v) {
		snprintf(r->status, sizeof(r->status),
			 "not applied now (init has %s%" PRIu64 "; iocage cap applies it)",
			 live->rlim[id] == RLIM_INFINITY ? "no limit, " : "", live->rlim[id]);
		return;
	}
	if (clamped)
		snprintf(r->status, sizeof(r->status),
			 "enforced%s, clamped from %" PRIu64 " to the host's hard limit",
			 live && live->running ? "" : " at start", s->v[id].amount);
	else
		snprintf(r->status, sizeof(r->status), "%s",
			 live && live->running ? "enforced" : "enforced at start");
}

static void
ipc_value(const struct lim_set *s, enum lim_id id, char *buf, size_t len)
{
	struct strv sv = {0};
	const char *want = infos[id].target + strlen("kernel.");

	buf[0] = '\0';
	lim_sysctls(s, false, &sv);
	for (size_t i = 0; i < sv.n; i++) {
		const char *eq = strchr(sv.v[i], '=');

		if (eq && (size_t)(eq - sv.v[i]) == strlen("kernel.") + strlen(want) &&
		    strncmp(sv.v[i] + strlen("kernel."), want, strlen(want)) == 0)
			snprintf(buf, len, "%s", eq + 1);
	}
	strv_free(&sv);
}

/* kernel.sem's third field (semopm), or the whole value for the others. */
static bool
ipc_same(enum lim_id id, const char *want, const char *live)
{
	unsigned long long f[4];

	if (id != LIM_NSEMOP)
		return streq(want, live);
	if (sscanf(live, "%llu %llu %llu %llu", &f[0], &f[1], &f[2], &f[3]) != 4)
		return false;
	return strtoull(want + 4, NULL, 10) == f[2];
}

static void
row_ipc(const struct lim_set *s, enum lim_id id, const struct lim_live *live, struct lim_row *r)
{
	char want[64];

	ipc_value(s, id, want, sizeof(want));
	snprintf(r->mapping, sizeof(r->mapping), "%s=%s%s", infos[id].target, want,
		 id == LIM_SHMSIZE ? " pages (and kernel.shmmax)" : "");
	if (live && live->running && live->ipc_shared) {
		snprintf(r->status, sizeof(r->status),
			 "NOT ENFORCED: the jail shares the host's IPC namespace");
		return;
	}
	if (!live || !live->running)
		snprintf(r->status, sizeof(r->status), "enforced at start");
	else if (!live->ipc[id][0])
		snprintf(r->status, sizeof(r->status), "applied (cannot read it back)");
	else
		snprintf(r->status, sizeof(r->status), "%s",
			 ipc_same(id, want, live->ipc[id])
			     ? "enforced"
			     : "not applied now (iocage cap applies it)");
}

static void
row_other(const struct lim_set *s, enum lim_id id, const struct lim_live *live, struct lim_row *r)
{
	bool run = live && live->running;
	uint64_t v = s->v[id].amount;

	if (id == LIM_PSEUDOTERMINALS) {
		snprintf(r->mapping, sizeof(r->mapping), "devpts max=%" PRIu64, v);
		if (run && live->devpts_max != -2 && (uint64_t)live->devpts_max != v)
			snprintf(r->status, sizeof(r->status),
				 "not applied now (iocage cap applies it)");
		else
			snprintf(r->status, sizeof(r->status),
				 run ? "enforced" : "enforced at start");
		return;
	}
	snprintf(r->mapping, sizeof(r->mapping), "the jail's init ends it after %" PRIu64 " s", v);
	if (run && live->wallclock_s >= 0 && (uint64_t)live->wallclock_s != v)
		snprintf(r->status, sizeof(r->status),
			 "not applied now (the running init has %s; restart applies it)",
			 live->wallclock_s ? "another deadline" : "none");
	else
		snprintf(r->status, sizeof(r->status), run ? "enforced" : "enforced at start");
}

static void
row_of(const struct lim_set *s, enum lim_id id, const struct lim_plan *p,
       const struct lim_live *live, struct lim_row *r)
{
	const struct lim_val *v = &s->v[id];

	r->prop = infos[id].name;
	snprintf(r->value, sizeof(r->value), "%s", v->set ? v->text : "off");
	snprintf(r->mapping, sizeof(r->mapping), "-");
	if (!v->set) {
		snprintf(r->status, sizeof(r->status), "off");
		return;
	}
	if (!s->on) {
		snprintf(r->status, sizeof(r->status), "not applied (rlimits=off)");
		return;
	}
	if (!lim_enforced(s, id)) {
		snprintf(r->status, sizeof(r->status), "recorded, not enforced (%s)", v->action);
		return;
	}
	if (infos[id].kind == LK_CGROUP)
		row_cgroup(s, id, p, live, r);
	else if (infos[id].kind == LK_RLIMIT)
		row_rlimit(s, id, live, r);
	else if (infos[id].kind == LK_IPC)
		row_ipc(s, id, live, r);
	else
		row_other(s, id, live, r);
}

void
lim_report(const struct lim_set *s, const struct cg_env *env, const struct lim_live *live,
	   struct lim_row rows[LIM_N])
{
	struct lim_plan p;

	lim_cg_plan(s, env, &p);
	for (int i = 0; i < LIM_N; i++) {
		memset(&rows[i], 0, sizeof(rows[i]));
		row_of(s, (enum lim_id)i, &p, live, &rows[i]);
	}
}
