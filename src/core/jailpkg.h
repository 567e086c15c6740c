/* Packages, updates and upgrades of jails and releases (issue #7), each a transaction.
 *
 * The package manager (pkg/pkg.h) runs in a one-shot run of the root, fenced as a running jail
 * is (namespaces, mounts, capabilities, seccomp) but with the host's network stack (as
 * ip4=inherit) and nothing else of the jail started: no exec_* hooks, no services.
 *
 * update and upgrade: the target's lock is held throughout (a second one is refused, naming
 * it); a snapshot with a new name comes first, then a mark (the file iocage-txn in the
 * target's dataset, "KIND SNAPSHOT [RELEASE]") that says a transaction is under way. On a
 * failure the root is rolled back to the snapshot and the mark removed; on success the mark
 * is removed and the snapshot kept. A transaction killed halfway leaves the mark: the next
 * update (or upgrade to the same release) resumes it from the same snapshot, and anything else
 * names the snapshot to roll back to. */
#ifndef IOC_CORE_JAILPKG_H
#define IOC_CORE_JAILPKG_H

#include <stdbool.h>

#include "core/jail.h"
#include "pkg/pkg.h"

#define TXN_MARK "iocage-txn"

struct pkg_opts {
	void (*say)(const char *line, void *arg); /* progress lines */
	void *arg;
};

struct pkg_result {
	char label[160]; /* TAG, or the release's name */
	char snap[128];  /* the snapshot taken before */
	bool release;    /* the release was updated (update RELEASE or of a basejail) */
	bool resumed;    /* an interrupted transaction was finished */
	char note[512];  /* more to say: the etc merge of a basejail upgrade */
};

/* create pkglist=: install pkgs into jails/UUID/root, which the caller made and holds the
 * lock of. A failure says what the package manager said it could not do. */
int jail_pkg_install(struct ioc *ioc, const char *uuid, const struct strv *pkgs,
		     const struct pkg_opts *o, struct ioc_err *e);

/* The running jail's package manager with args (iocage pkg): its argv into out. */
int jail_pkg_argv(struct ioc *ioc, const struct jail *j, char *const *args, int n, struct strv *out,
		  struct ioc_err *e);

/* A stopped thick or cloned jail: its packages upgraded within its release. A basejail: its
 * release is updated (release_update). */
int jail_update(struct ioc *ioc, const struct jail *j, const struct pkg_opts *o,
		struct pkg_result *r, struct ioc_err *e);
/* The release NAME's packages upgraded in place; a new snapshot after it is what jails are
 * made from from then on. */
int release_update(struct ioc *ioc, const char *name, const struct pkg_opts *o,
		   struct pkg_result *r, struct ioc_err *e);
/* A stopped jail to the fetched release NEW (not older than its own): a basejail switches
 * (its etc merged, its package database taken from NEW); others run the distribution's
 * upgrade. The jail's release property changes only when all of it worked. */
int jail_upgrade(struct ioc *ioc, const struct jail *j, const char *release,
		 const struct pkg_opts *o, struct pkg_result *r, struct ioc_err *e);

/* After the root of ds (rootds) was rolled back to snap: the mark of a transaction it undid
 * (one that began at snap, or whose snapshot the rollback destroyed) is removed, so that
 * nothing later takes the state for an interrupted transaction. */
void txn_mark_rolled_back(struct ioc *ioc, const char *ds, const char *rootds, const char *snap);

#endif
