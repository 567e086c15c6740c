/* The context of one iocage command: which store it works on, the user's defaults, and how
 * it was asked to behave. */
#ifndef IOC_CORE_IOC_H
#define IOC_CORE_IOC_H

#include <stdbool.h>

#include "core/output.h"
#include "store/store.h"
#include "util/err.h"
#include "util/str.h"

#define IOC_DEFAULT_ROOT "/var/lib/iocage"

struct ioc {
	const char *root; /* --root / IOCAGE_ROOT: the dir backend at this root */
	const char *pool; /* --pool / IOCAGE_POOL: this pool, active or not */
	int verbose;
	bool quiet;             /* no progress */
	struct store *st;       /* opened by ioc_store() */
	struct kvlist defaults; /* the user's defaults (.defaults), loaded by ioc_defaults() */
	bool defaults_loaded;
};

/* Open the store (once): --root/IOCAGE_ROOT, else --pool/IOCAGE_POOL, else the one active
 * pool, else the dir backend at /var/lib/iocage; make its layout exist when init is true
 * (commands that change state), and for read-only commands tolerate a missing layout. */
int ioc_store(struct ioc *ioc, bool init, struct ioc_err *e);
/* The user's defaults (iocage set P=V default). */
const struct kvlist *ioc_defaults(struct ioc *ioc, struct ioc_err *e);
/* Take user (left empty) as the defaults, read along with something else (jails_load). */
void ioc_defaults_take(struct ioc *ioc, struct kvlist *user);
void ioc_free(struct ioc *ioc);

/* Progress is shown on a terminal unless -q. */
bool ioc_progress(const struct ioc *ioc);

#endif
