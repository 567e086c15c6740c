/* Resource limits (DESIGN.md section 7): the rctl properties of a jail mapped onto this host,
 * as cgroup files (v2 or v1, whichever carries the controller), setrlimit values for the jail's
 * processes, its devpts max=, the sysctls of its IPC namespace and the deadline its init keeps
 * (wallclock). Only the deny action is enforced; the others are recorded and reported.
 *
 * The plan (which file gets which value) is pure and unit-tested for v1 and v2; the rest
 * applies it, reads it back and measures usage. Nothing is written outside the jail's own
 * cgroup directories and the jail's own namespaces. Linux-specific. */
#ifndef IOC_LIMITS_RCTL_H
#define IOC_LIMITS_RCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "limits/cgroup.h"
#include "util/err.h"
#include "util/str.h"

enum lim_id {
	LIM_MEMORYUSE,
	LIM_SWAPUSE,
	LIM_MAXPROC,
	LIM_NTHR,
	LIM_PCPU,
	LIM_CPUSET,
	LIM_DATASIZE,
	LIM_STACKSIZE,
	LIM_COREDUMPSIZE,
	LIM_OPENFILES,
	LIM_MEMORYLOCKED,
	LIM_VMEMORYUSE,
	LIM_CPUTIME,
	LIM_PSEUDOTERMINALS,
	LIM_MSGQQUEUED,
	LIM_MSGQSIZE,
	LIM_NMSGQ,
	LIM_NSEMOP,
	LIM_NSHM,
	LIM_SHMSIZE,
	LIM_WALLCLOCK,
	LIM_N
};

/* How a property is enforced. */
enum lim_kind {
	LK_CGROUP,    /* a cgroup file */
	LK_RLIMIT,    /* setrlimit on every process of the jail */
	LK_DEVPTS,    /* the jail's devpts max= */
	LK_IPC,       /* a sysctl of the jail's IPC namespace */
	LK_WALLCLOCK, /* the jail's init ends the jail */
};

struct lim_info {
	const char *name; /* the property */
	enum lim_kind kind;
	int resource;       /* LK_RLIMIT: RLIMIT_* */
	const char *target; /* "RLIMIT_NOFILE", "kernel.msgmni"... (NULL for cgroup ones) */
};
const struct lim_info *lim_info(enum lim_id id);

/* One property's configured value. */
struct lim_val {
	bool set;        /* not off */
	uint64_t amount; /* bytes, count, percent or seconds */
	char action[16]; /* deny, log, devctl, throttle, sigNAME */
	char text[64];   /* as configured, for people */
};

/* Room for a CPU list: the cpuset property takes at most PROP_CPUSET_MAX characters. */
#define LIM_CPUS_LEN 128

struct lim_set {
	bool on; /* rlimits=on */
	struct lim_val v[LIM_N];
	char cpus[LIM_CPUS_LEN]; /* cpuset's CPU list when v[LIM_CPUSET].set */
};

/* Whether the kernel is to enforce id: rlimits=on, set, and deny (cpuset: set). */
bool lim_enforced(const struct lim_set *s, enum lim_id id);

/* ---- cgroup files ---- */

enum cg_where { CGW_NONE, CGW_V1, CGW_V2 };

/* Where each controller's files are for a jail, and which optional files exist. */
struct cg_env {
	enum cg_where where[CG_NCTRL];
	bool memsw;   /* v1: memory.memsw.* (swap accounting) */
	bool v2_swap; /* v2: memory.swap.max */
};

struct lim_write {
	enum lim_id id; /* the property it serves; LIM_N: an ordering step */
	enum cg_ctrl ctrl;
	bool v2;
	const char *file;
	char value[LIM_CPUS_LEN]; /* a CPU list at most; "" for v1 cpuset.cpus: the parent's */
};

#define LIM_WRITES_MAX 16
struct lim_plan {
	struct lim_write w[LIM_WRITES_MAX];
	size_t n;
	char why[LIM_N][128]; /* a deny limit that cannot hold here, and why ("" if it can) */
};

/* The writes that put s (NULL or rlimits=off: no limit at all) into a jail's cgroup: every
 * limit file of every controller in env gets its value or "no limit", in an order v1
 * accepts (memsw above memory). Pure. */
void lim_cg_plan(const struct lim_set *s, const struct cg_env *env, struct lim_plan *p);
/* env of an existing jail cgroup, or of this host for a jail not running (cg NULL). */
int lim_cg_env(const struct cgroup *cg, struct cg_env *env, struct ioc_err *e);
/* Carry out a plan; the first failing write is the error. */
int lim_cg_apply(const struct cgroup *cg, const struct lim_plan *p, struct ioc_err *e);
/* What the file of write w holds now (trimmed), or NULL. */
char *lim_cg_read(const struct cgroup *cg, const struct lim_write *w);
/* Whether a value read back means what w wrote (v1 rounds sizes to pages, "-1" reads back as
 * a large number, "max" as "max"...). */
bool lim_cg_same(const struct lim_write *w, const char *live);

/* ---- per-process limits ---- */

struct lim_rlimit {
	int resource;
	uint64_t value; /* soft = hard = value, RLIM_INFINITY for none */
};
/* The rlimits s sets (deny only). Returns how many (at most LIM_N). */
size_t lim_rlimits(const struct lim_set *s, struct lim_rlimit *out);
/* The value to set: value, lowered to our own hard limit (which iocage cannot raise without
 * CAP_SYS_RESOURCE). *clamped says whether it was lowered. */
uint64_t lim_rlimit_clamp(int resource, uint64_t value, bool *clamped);
/* Set every rlimit of every pid in the jail's cgroup: the configured ones (rl, n) to their
 * value, the others to iocage's own limits. pids that are not the jail's root user, and raises
 * refused for want of CAP_SYS_RESOURCE, are counted in notes. */
int lim_prlimit_jail(const struct cgroup *cg, const struct lim_rlimit *rl, size_t n,
		     struct strv *notes, struct ioc_err *e);
const char *lim_rlimit_name(int resource);

/* ---- IPC namespace sysctls ---- */

/* "kernel.NAME=VALUE" entries for s (deny only); with all, also "kernel.NAME=default" for the
 * others. kernel.sem is "- - N -": "-" keeps that field of the namespace's default. */
void lim_sysctls(const struct lim_set *s, bool all, struct strv *out);

/* ---- usage ---- */

struct lim_usage {
	int64_t memory, swap;    /* bytes; -1 unknown */
	int64_t procs, threads;  /* -1 unknown */
	int64_t cpu_us;          /* CPU time of the whole jail, microseconds; -1 unknown */
	int64_t openfiles, ptys; /* -1 unknown */
};
/* Live usage of the jail whose cgroup is cg and whose init is init_pid. */
int lim_usage(const struct cgroup *cg, pid_t init_pid, struct lim_usage *u, struct ioc_err *e);

/* ---- the report of `iocage limits` ---- */

/* What is live in a running jail, as far as limits go (filled by the caller). */
struct lim_live {
	bool running;
	const struct cgroup *cg;
	const struct cg_env *env;
	uint64_t rlim[LIM_N]; /* LK_RLIMIT: the init's hard limit */
	bool rlim_known[LIM_N];
	char ipc[LIM_N][64]; /* LK_IPC: the sysctl's live value ("" unknown) */
	int64_t devpts_max;  /* -1: none set, -2: unknown */
	int64_t wallclock_s; /* the init's deadline in seconds, 0 none, -1 unknown */
	bool ipc_shared;     /* the jail shares the host's IPC namespace */
};

struct lim_row {
	const char *prop;
	char value[64];
	char mapping[160];
	char status[192];
};
/* One row per property. live NULL: the jail is not running. */
void lim_report(const struct lim_set *s, const struct cg_env *env, const struct lim_live *live,
		struct lim_row rows[LIM_N]);

#endif
