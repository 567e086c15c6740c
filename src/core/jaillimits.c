#include "core/jaillimits.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/jailrun.h"
#include "core/lock.h"
#include "util/cleanup.h"

static char *
val(struct ioc *ioc, const struct jail *j, const char *name)
{
	return jail_value(ioc, j, prop_find(name), NULL);
}

static bool
val_is(struct ioc *ioc, const struct jail *j, const char *name, const char *want)
{
	cleanup_free char *v = val(ioc, j, name);

	return streq(v, want);
}

bool
jail_ipc_shared(struct ioc *ioc, const struct jail *j)
{
	return val_is(ioc, j, "allow_sysvipc", "1") || val_is(ioc, j, "sysvmsg", "inherit") ||
	       val_is(ioc, j, "sysvsem", "inherit") || val_is(ioc, j, "sysvshm", "inherit");
}

_Static_assert(PROP_CPUSET_MAX < LIM_CPUS_LEN, "a valid cpuset fits a lim_set and a lim_write");

int
jail_lim_val(enum lim_id id, const char *v, struct lim_set *s, struct ioc_err *e)
{
	const char *name = lim_info(id)->name;
	struct lim_val *lv = &s->v[id];
	struct rctl r;

	snprintf(lv->text, sizeof(lv->text), "%s", v);
	if (id == LIM_CPUSET) {
		lv->set = !streq(v, "off");
		snprintf(lv->action, sizeof(lv->action), "deny");
		/* Cut short, a CPU list names other CPUs ("0,1,12" -> "0,1,1"). */
		if (snprintf(s->cpus, sizeof(s->cpus), "%s", lv->set ? v : "") >=
		    (int)sizeof(s->cpus))
			return err_set(e, EINVAL,
				       "cpuset: the CPU list is longer than %zu characters; use "
				       "ranges such as 0-63",
				       sizeof(s->cpus) - 1);
		return 0;
	}
	if (rctl_parse(prop_find(name), v, &r, e) < 0)
		return -1;
	lv->set = !r.off;
	lv->amount = r.amount;
	snprintf(lv->action, sizeof(lv->action), "%s", r.action);
	return 0;
}

static int
lim_val_of(struct ioc *ioc, const struct jail *j, enum lim_id id, struct lim_set *s,
	   struct ioc_err *e)
{
	const char *name = lim_info(id)->name;
	cleanup_free char *v = val(ioc, j, name);

	if (jail_lim_val(id, v, s, e) < 0)
		return err_wrap(e, "the jail's %s", name);
	return 0;
}

int
jail_lim_set(struct ioc *ioc, const struct jail *j, struct lim_set *s, struct ioc_err *e)
{
	memset(s, 0, sizeof(*s));
	s->on = val_is(ioc, j, "rlimits", "on");
	for (int i = 0; i < LIM_N; i++)
		if (lim_val_of(ioc, j, (enum lim_id)i, s, e) < 0)
			return -1;
	return 0;
}

int
jail_lim_check(const struct lim_set *s, const struct lim_plan *p, bool ipc_shared,
	       struct ioc_err *e)
{
	for (int i = 0; i < LIM_N; i++) {
		const struct lim_info *in = lim_info((enum lim_id)i);
		const char *why = p->why[i];

		if (!lim_enforced(s, (enum lim_id)i))
			continue;
		if (in->kind == LK_IPC && ipc_shared)
			why = "the jail shares the host's IPC namespace (allow_sysvipc=1 or "
			      "sysv*=inherit)";
		if (why[0])
			return err_set(e, ENOTSUP,
				       "%s=%s cannot be enforced here: %s; set it to off, or to "
				       "an action other than deny to only record it",
				       in->name, s->v[i].text, why);
	}
	return 0;
}

/* ---- a running jail ---- */

struct live_jail {
	struct jail_proc jp;
	struct cgroup cg;
	int lockfd;
};

static int
live_open(struct ioc *ioc, const struct jail *j, bool lock, struct live_jail *l, struct ioc_err *e)
{
	char name[64];

	l->cg = (struct cgroup){.v2_fd = -1};
	l->lockfd = -1;
	if (lock) {
		snprintf(name, sizeof(name), "jail-%s", j->uuid);
		if ((l->lockfd = lock_take(ioc->st, name, true, 60, e)) < 0)
			return -1;
	}
	if (!jail_running(j, &l->jp)) {
		err_set(e, EINVAL, "%s (%s) is not running", j->uuid, j->tag);
		goto fail;
	}
	if (cg_open(j->uuid, &l->cg, e) < 0)
		goto fail;
	return 0;
fail:
	lock_release(l->lockfd);
	l->lockfd = -1;
	return -1;
}

static void
live_close(struct live_jail *l)
{
	cg_free(&l->cg);
	if (l->lockfd >= 0)
		lock_release(l->lockfd);
	l->lockfd = -1;
}

/* The devpts max=: changed only when it is to be set or was set (a jail without its own
 * devpts, mount_devfs=0, has no pseudo-terminals to limit). */
static int
apply_ptys(const struct live_jail *l, const struct lim_set *s, struct ioc_err *e)
{
	bool on = lim_enforced(s, LIM_PSEUDOTERMINALS);
	long long now = run_devpts_max_get(&l->jp);
	uint64_t want = on ? s->v[LIM_PSEUDOTERMINALS].amount : 0;

	if (now == -2 || (!on && now == -1) || (on && now >= 0 && (uint64_t)now == want))
		return 0;
	return run_devpts_max(&l->jp, (unsigned)want, e);
}

/* The rlimits, pseudo-terminals and IPC sysctls of s (NULL: none) onto the running jail. */
static int
apply_process_limits(const struct live_jail *l, const struct lim_set *s, bool shared,
		     struct strv *notes, struct ioc_err *e)
{
	struct lim_rlimit rl[LIM_N];
	size_t n = 0;
	struct strv sys = {0};
	int r;

	if (s) {
		n = lim_rlimits(s, rl);
	} else {
		for (int i = 0; i < LIM_N; i++)
			if (lim_info((enum lim_id)i)->kind == LK_RLIMIT)
				rl[n++] = (struct lim_rlimit){lim_info((enum lim_id)i)->resource,
							      UINT64_MAX};
	}
	if (lim_prlimit_jail(&l->cg, rl, n, notes, e) < 0)
		return err_wrap(e, "rlimits");
	if (apply_ptys(l, s, e) < 0)
		return err_wrap(e, "pseudoterminals");
	if (shared)
		return 0; /* the host's IPC sysctls are not the jail's to change */
	lim_sysctls(s, true, &sys);
	r = run_sysctl(&l->jp, (const char *const *)sys.v, NULL, e);
	strv_free(&sys);
	return r < 0 ? err_wrap(e, "IPC sysctls") : 0;
}

static void
wallclock_note(const struct live_jail *l, uint64_t want, struct strv *notes)
{
	long long have = run_wallclock_get(&l->jp);

	if (have < 0 || (uint64_t)have == want)
		return;
	if (have == 0)
		strv_push_take(notes, xasprintf("wallclock: the running init has no deadline; "
						"restart the jail to give it %" PRIu64 " s",
						want));
	else
		strv_push_take(notes, xasprintf("wallclock: the running init keeps its deadline "
						"of %lld s from its start; restart the jail to "
						"change it",
						have));
}

int
jail_cap(struct ioc *ioc, const struct jail *j, struct strv *notes, struct ioc_err *e)
{
	struct live_jail l;
	struct lim_set s;
	struct lim_plan p;
	struct cg_env env;
	bool shared = jail_ipc_shared(ioc, j);
	int r = -1;

	if (jail_lim_set(ioc, j, &s, e) < 0)
		return -1;
	if (!s.on)
		return err_set(e, EINVAL,
			       "%s has rlimits=off: nothing to apply (iocage set rlimits=on %s)",
			       j->tag, j->tag);
	if (live_open(ioc, j, true, &l, e) < 0)
		return -1;
	if (lim_cg_env(&l.cg, &env, e) < 0)
		goto out;
	lim_cg_plan(&s, &env, &p);
	if (jail_lim_check(&s, &p, shared, e) < 0 || lim_cg_apply(&l.cg, &p, e) < 0 ||
	    apply_process_limits(&l, &s, shared, notes, e) < 0)
		goto out;
	if (lim_enforced(&s, LIM_WALLCLOCK))
		wallclock_note(&l, s.v[LIM_WALLCLOCK].amount, notes);
	r = 0;
out:
	live_close(&l);
	return r;
}

int
jail_uncap(struct ioc *ioc, const struct jail *j, struct strv *notes, struct ioc_err *e)
{
	struct live_jail l;
	struct lim_plan p;
	struct cg_env env;
	long long wall;
	int r = -1;

	if (live_open(ioc, j, true, &l, e) < 0)
		return -1;
	if (lim_cg_env(&l.cg, &env, e) < 0)
		goto out;
	lim_cg_plan(NULL, &env, &p);
	if (lim_cg_apply(&l.cg, &p, e) < 0 ||
	    apply_process_limits(&l, NULL, jail_ipc_shared(ioc, j), notes, e) < 0)
		goto out;
	if ((wall = run_wallclock_get(&l.jp)) > 0)
		strv_push_take(notes, xasprintf("wallclock: the running init keeps its deadline "
						"of %lld s; stop the jail to lift it",
						wall));
	r = 0;
out:
	live_close(&l);
	return r;
}

/* ---- limits, inuse ---- */

/* The live sysctl that serves each IPC property. */
static const struct {
	enum lim_id id;
	size_t ipc;
} ipc_of[] = {
    {LIM_MSGQQUEUED, 0}, {LIM_MSGQSIZE, 0}, {LIM_NMSGQ, 1},
    {LIM_NSEMOP, 2},     {LIM_NSHM, 3},     {LIM_SHMSIZE, 4},
};

static void
live_fill(const struct live_jail *l, bool shared, struct lim_live *live)
{
	struct run_ipc now;
	struct ioc_err e;

	live->running = true;
	live->cg = &l->cg;
	for (int i = 0; i < LIM_N; i++) {
		const struct lim_info *in = lim_info((enum lim_id)i);
		struct rlimit rl;

		if (in->kind == LK_RLIMIT && prlimit(l->jp.pid, in->resource, NULL, &rl) == 0) {
			live->rlim[i] = rl.rlim_max;
			live->rlim_known[i] = true;
		}
	}
	live->ipc_shared = shared;
	if (!shared && run_sysctl(&l->jp, NULL, &now, &e) == 0)
		for (size_t k = 0; k < ARRAY_SIZE(ipc_of); k++)
			snprintf(live->ipc[ipc_of[k].id], sizeof(live->ipc[0]), "%s",
				 now.v[ipc_of[k].ipc]);
	live->devpts_max = run_devpts_max_get(&l->jp);
	live->wallclock_s = run_wallclock_get(&l->jp);
}

int
jail_limits(struct ioc *ioc, const struct jail *j, struct lim_row rows[LIM_N], bool *running,
	    struct ioc_err *e)
{
	struct lim_live live = {0};
	struct live_jail l;
	struct lim_set s;
	struct cg_env env;
	struct ioc_err e2;
	int r = -1;

	if (jail_lim_set(ioc, j, &s, e) < 0)
		return -1;
	*running = live_open(ioc, j, false, &l, &e2) == 0;
	if (lim_cg_env(*running ? &l.cg : NULL, &env, e) < 0)
		goto out;
	if (*running)
		live_fill(&l, jail_ipc_shared(ioc, j), &live);
	live.env = &env;
	lim_report(&s, &env, *running ? &live : NULL, rows);
	r = 0;
out:
	if (*running)
		live_close(&l);
	return r;
}

int
jail_inuse(struct ioc *ioc, const struct jail *j, struct lim_usage *u, pid_t *jid,
	   struct ioc_err *e)
{
	struct live_jail l;
	int r;

	if (live_open(ioc, j, false, &l, e) < 0)
		return -1;
	r = lim_usage(&l.cg, l.jp.pid, u, e);
	*jid = l.jp.pid;
	live_close(&l);
	return r;
}
