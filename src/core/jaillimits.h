/* A jail's resource limits (issue #5, DESIGN.md section 7): its rctl properties read into a
 * lim_set, checked and applied at start (jailrun.c's "limits" step), applied to or removed
 * from a running jail (cap, uncap), reported (limits) and its usage measured (inuse). */
#ifndef IOC_CORE_JAILLIMITS_H
#define IOC_CORE_JAILLIMITS_H

#include <stdbool.h>

#include "core/jail.h"
#include "limits/cgroup.h"
#include "limits/rctl.h"
#include "run/run.h"

/* The jail's configured limits. */
int jail_lim_set(struct ioc *ioc, const struct jail *j, struct lim_set *s, struct ioc_err *e);
/* One of them: the value v of property id, as stored (validated), into s->v[id] (and s->cpus
 * for cpuset). Pure: fuzzed with lim_cg_plan in fuzz/fuzz_rctl.c. */
int jail_lim_val(enum lim_id id, const char *v, struct lim_set *s, struct ioc_err *e);
/* Fail with a message naming the property when a deny limit of s cannot be enforced on this
 * host or for this jail (no controller, no swap accounting, a shared IPC namespace). */
int jail_lim_check(const struct lim_set *s, const struct lim_plan *p, bool ipc_shared,
		   struct ioc_err *e);
/* Whether the jail is configured to share the host's IPC namespace. */
bool jail_ipc_shared(struct ioc *ioc, const struct jail *j);

/* Apply the configured limits to the running jail j; notes get what could not be done fully. */
int jail_cap(struct ioc *ioc, const struct jail *j, struct strv *notes, struct ioc_err *e);
/* Remove every limit from the running jail j (its properties are kept). */
int jail_uncap(struct ioc *ioc, const struct jail *j, struct strv *notes, struct ioc_err *e);
/* One row per property; *running says whether live values were compared. */
int jail_limits(struct ioc *ioc, const struct jail *j, struct lim_row rows[LIM_N], bool *running,
		struct ioc_err *e);
/* Live usage of the running jail j; EINVAL when it is not running. */
int jail_inuse(struct ioc *ioc, const struct jail *j, struct lim_usage *u, pid_t *jid,
	       struct ioc_err *e);

#endif
