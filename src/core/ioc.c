#include "core/ioc.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/lock.h"
#include "core/props.h"
#include "util/cleanup.h"

static int
open_backend(struct ioc *ioc, struct ioc_err *e)
{
	struct strv pools = {0};
	int r;

	if (ioc->root)
		return store_dir_open(&ioc->st, ioc->root, e);
	if (ioc->pool) {
		/* Opening reads the pool's mountpoints: a missing pool shows there, without a
		 * zpool call of its own. */
		if (store_zfs_open(&ioc->st, ioc->pool, e) == 0)
			return 0;
		if (e->code == ENOENT)
			err_set(e, ENOENT, "pool '%s' does not exist (zpool list shows the pools)",
				ioc->pool);
		return -1;
	}
	if (store_zfs_active_pools(&pools, e) < 0)
		return -1;
	if (pools.n > 1) {
		err_set(
		    e, 0,
		    "pools %s and %s are both active; run `iocage deactivate POOL` on all but one",
		    pools.v[0], pools.v[1]);
		strv_free(&pools);
		return -1;
	}
	if (pools.n == 1)
		r = store_zfs_open(&ioc->st, pools.v[0], e);
	else
		r = store_dir_open(&ioc->st, IOC_DEFAULT_ROOT, e);
	strv_free(&pools);
	return r;
}

/* Every key iocage stores as a user property: the registry's own (native ones live on the
 * dataset itself) and the mark of a dataset being made. */
static const char *const *
user_keys(void)
{
	static const char *keys[256];
	size_t n, k = 0;
	const struct prop *t;

	if (keys[0])
		return keys;
	t = prop_table(&n);
	for (size_t i = 0; i < n && k < ARRAY_SIZE(keys) - 2; i++)
		if (!(t[i].flags & PF_NATIVE))
			keys[k++] = t[i].name;
	keys[k++] = PARTIAL_KEY;
	keys[k] = NULL;
	return keys;
}

int
ioc_store(struct ioc *ioc, bool init, struct ioc_err *e)
{
	if (ioc->st)
		return 0;
	if (open_backend(ioc, e) < 0)
		return -1;
	ioc->st->user_keys = user_keys();
	if (init && ioc->st->ops->init(ioc->st, e) < 0) {
		store_free(ioc->st);
		ioc->st = NULL;
		return -1;
	}
	return 0;
}

void
ioc_defaults_take(struct ioc *ioc, struct kvlist *user)
{
	kvlist_free(&ioc->defaults);
	ioc->defaults = *user;
	*user = (struct kvlist){0};
	ioc->defaults_loaded = true;
}

const struct kvlist *
ioc_defaults(struct ioc *ioc, struct ioc_err *e)
{
	struct ds d = {0};

	if (ioc->defaults_loaded)
		return &ioc->defaults;
	if (ioc->st->ops->get(ioc->st, ".defaults", 0, &d, e) < 0) {
		if (e->code != ENOENT)
			return NULL;
		/* No layout yet (a read-only command on a fresh host): no defaults. */
	} else {
		ioc->defaults = d.user;
		d.user = (struct kvlist){0};
	}
	ds_free(&d);
	ioc->defaults_loaded = true;
	return &ioc->defaults;
}

bool
ioc_progress(const struct ioc *ioc)
{
	return !ioc->quiet && isatty(STDOUT_FILENO);
}

void
ioc_free(struct ioc *ioc)
{
	store_free(ioc->st);
	ioc->st = NULL;
	kvlist_free(&ioc->defaults);
}
