/* Running jails (DESIGN.md section 5): start and stop as ordered tables of steps, the state
 * under /run/iocage, and entering a running jail. */
#ifndef IOC_CORE_JAILRUN_H
#define IOC_CORE_JAILRUN_H

#include <stdbool.h>

#include "core/jail.h"
#include "run/run.h"

#define IOC_STATEDIR IOC_RUNDIR "/jails"

/* Reports the steps of start and stop as they finish ("mount", true). */
typedef void (*step_cb)(const char *step, bool ok, void *arg);

/* 1 and *jp filled if the jail runs (its recorded init is alive: pid and start time), 0 if
 * not. A stale record (after a crash, or init killed from outside) reads as 0. */
int jail_running(const struct jail *j, struct jail_proc *jp);

int jail_start(struct ioc *ioc, const struct jail *j, step_cb cb, void *arg, struct ioc_err *e);
int jail_stop(struct ioc *ioc, const struct jail *j, step_cb cb, void *arg, struct ioc_err *e);
/* restart -s: exec_stop, every process but init killed, exec_start; namespaces kept. */
int jail_soft_restart(struct ioc *ioc, const struct jail *j, step_cb cb, void *arg,
		      struct ioc_err *e);

struct jail_cmd {
	char *const *argv;
	const char *jail_user; /* -U: a user of the jail's passwd */
	const char *host_user; /* -u: a user of the host's passwd */
	bool pty;              /* console */
};
/* Run a command in the running jail j; *status is its exit status. */
int jail_exec(struct ioc *ioc, const struct jail *j, const struct jail_cmd *c, int *status,
	      struct ioc_err *e);
/* exec's way in without the store: when name is a full UUID, or a tag that cannot also be a
 * UUID prefix, of a running jail of the named store (--root/--pool; of any store when that
 * is found by asking zfs and only one has such a jail running), run the command there from
 * the jail's run record alone: 1 and *status set. 0 when the record cannot decide (the
 * caller resolves name through the store, then jail_exec); -1 and e on failure. */
int jail_exec_named(struct ioc *ioc, const char *name, const struct jail_cmd *c, int *status,
		    struct ioc_err *e);
/* A running jail's tag changed (set tag=): its run record and tag index follow. */
int jail_run_retag(struct ioc *ioc, const struct jail *j, const char *tag, struct ioc_err *e);
/* Run a command in the stopped jail's root, fenced as a running jail is. */
int jail_chroot(struct ioc *ioc, const struct jail *j, const struct jail_cmd *c, int *status,
		struct ioc_err *e);
/* The live parameters of a running jail as name=value pairs. */
int jail_runtime(struct ioc *ioc, const struct jail *j, struct kvlist *out, struct ioc_err *e);

#endif
