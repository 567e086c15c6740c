/* Snapshots, rollback, promote, templates, and destroy planned from dependents (issue #6).
 *
 * Snapshots are of a jail's root dataset (jails/UUID/root or templates/UUID/root). Snapshots
 * that iocage makes for a clone are named after the clone's UUID: they go when the last clone
 * of them goes, and a user's snapshot can never be named like one. Dependents are read from
 * the store's deps (one zfs call): a jail depends on another when its root is a clone of one
 * of the other's snapshots, and on a release when it is a clone of it or a basejail of it. */
#ifndef IOC_CORE_JAILSNAP_H
#define IOC_CORE_JAILSNAP_H

#include <stdbool.h>
#include <time.h>

#include "core/jail.h"

#define SNAP_NAME_MAX 100

/* 1-100 characters of [A-Za-z0-9._:-], not starting with '.' or '-', not ALL, not a UUID. */
int snap_name_check(const char *name, struct ioc_err *e);
/* YYYY-MM-DD_HH.MM.SS of t. */
void snap_name_default(time_t t, char *buf, size_t len);

int jail_snapshot(struct ioc *ioc, const struct jail *j, const char *name, struct ioc_err *e);
int jail_snaplist(struct ioc *ioc, const struct jail *j, struct snap_list *out, struct ioc_err *e);
/* Refused (EBUSY, naming the jails) while a clone depends on it. */
int jail_snapremove(struct ioc *ioc, const struct jail *j, const char *name, struct ioc_err *e);
/* The jail must be stopped. Snapshots after name are destroyed only with force; without, the
 * error (EEXIST) names them. Refused while clones depend on one of those. A transaction mark
 * (jailpkg.h) that the rollback undid goes with it. */
int jail_rollback(struct ioc *ioc, const struct jail *j, const char *name, bool force,
		  struct ioc_err *e);
/* A release's snapshots (of releases/NAME/root), oldest first; ENOENT when it is not fetched. */
int release_snaplist(struct ioc *ioc, const char *name, struct snap_list *out, struct ioc_err *e);
/* Roll release NAME's files back to one of its snapshots (update RELEASE takes one first),
 * under the release's lock, with jail_rollback's rules for the snapshots after it. Refused
 * (EBUSY, naming them) while a basejail on the release runs: it binds the release's
 * directories. Jails made from the release afterwards get the snapshot's state (it is the
 * newest then). */
int release_rollback(struct ioc *ioc, const char *name, const char *snap, bool force,
		     struct ioc_err *e);
int jail_promote(struct ioc *ioc, const struct jail *j, struct ioc_err *e);
/* Move a stopped jail to templates/ (on) or back (off, refused while jails depend on it). */
int jail_set_template(struct ioc *ioc, const struct jail *j, bool on, struct ioc_err *e);
/* Drop the snapshots named after uuid that no clone uses (after a killed clone or destroy). */
void jail_drop_snaps(struct ioc *ioc, const char *uuid);
/* Remove the console log and recording of the jail uuid (dataset ds), which lie outside its
 * datasets (destroy, and the cleaning after a destroy cut short). */
void jail_drop_traces(struct ioc *ioc, const char *uuid, const char *ds);

/* What a destroy removes: the dependents of the target (jail j, or release when j is NULL),
 * each after those that depend on it, then the target. Without recursive, EBUSY naming the
 * direct dependents when there are any. */
struct destroy_plan {
	const struct jail **v; /* into the jails list given; the target last (NULL: release) */
	size_t n;
};
int destroy_plan(struct ioc *ioc, const struct jails *l, const struct jail *j, const char *release,
		 bool recursive, struct destroy_plan *out, struct ioc_err *e);
void destroy_plan_free(struct destroy_plan *p);

/* One jail that nothing depends on (EBUSY naming them otherwise), with its origin snapshot
 * when it was made for it alone. A kill midway leaves a jail marked partial, which the next
 * command finishes removing. */
int jail_destroy(struct ioc *ioc, const struct jail *j, struct ioc_err *e);
/* A release (and its download) that no jail depends on. */
int release_destroy(struct ioc *ioc, const struct jails *l, const char *name, struct ioc_err *e);

/* EBUSY naming them while basejails on release name run: they bind its directories, which
 * must not change under them (rollback, update). */
int release_refuse_running_base(struct ioc *ioc, const char *name, struct ioc_err *e);

#endif
