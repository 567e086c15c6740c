/* Storage backends behind one interface (DESIGN.md section 3).
 *
 * Datasets are named relative to iocage's root: "jails/UUID", "jails/UUID/root",
 * "releases/NAME/root", "templates/UUID", ".defaults". The ZFS backend maps NAME to
 * POOL/iocage/NAME; the dir backend maps it to ROOT/NAME. User properties are the iocage
 * properties a dataset holds itself (ZFS user properties "iocage:KEY", read with -s local so
 * that nothing inherited from a parent ever configures a jail; dir: "trusted.iocage.KEY"
 * xattrs). Keys in this interface never carry the "iocage:" prefix.
 *
 * Functions return 0 (or a count, or 1/0 for yes/no) on success and -1 with e set on failure.
 * They never print and never exit. */
#ifndef IOC_STORE_STORE_H
#define IOC_STORE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"
#include "util/str.h"

/* Native properties a listing may carry (all values as text, sizes and times in plain
 * numbers, as `zfs get -p` prints them): used, available, referenced, quota, reservation,
 * compressratio, compression, dedup, creation, mountpoint, and origin ("SRCNAME@SNAP" with
 * SRCNAME relative, or absent). The dir backend gives what it can honestly compute (used and
 * available of the filesystem, creation, origin) and leaves out the rest. */
struct ds {
	char *name;           /* relative name */
	struct kvlist user;   /* local iocage user properties */
	struct kvlist native; /* with STORE_NATIVE only */
};

struct ds_list {
	struct ds *v;
	size_t n, cap;
};

struct snap {
	char *name;        /* the part after '@' */
	uint64_t creation; /* seconds since the epoch */
	uint64_t used;     /* bytes only this snapshot holds */
	uint64_t referenced;
	uint64_t txg; /* zfs: createtxg, which orders snapshots taken within one second */
};

struct snap_list {
	struct snap *v;
	size_t n, cap;
};

enum {
	STORE_NATIVE = 1 << 0, /* list/get: also read native properties */
	STORE_SELF = 1 << 1,   /* list_multi: also each parent itself (those that exist) */
};

/* The user property that marks a dataset still being made (its value: the maker's lock).
 * A backend's list also reports, as a dataset carrying this key with an empty value, every
 * name of which only internal leftovers remain (a dir create or destroy cut short); the
 * caller removes them with destroy, holding the name's lock. */
#define STORE_PARTIAL_KEY "creating"

struct store;

struct store_ops {
	const char *name; /* "zfs" or "dir" */
	/* Make the layout exist: the base and its children jails, releases, templates, download,
	 * images, packages, log and .defaults. Cheap when it already exists. */
	int (*init)(struct store *s, struct ioc_err *e);
	/* 1 if the dataset exists, 0 if not. */
	int (*exists)(struct store *s, const char *name, struct ioc_err *e);
	/* A new, empty, mounted dataset whose parent exists, with user properties set in the
	 * same step (one zfs call). Fails with EEXIST if it exists. */
	int (*create)(struct store *s, const char *name, const struct kvlist *user,
		      struct ioc_err *e);
	/* Remove the dataset, its descendants and all their snapshots, unmounting first. A
	 * missing dataset is success. Refuses with EBUSY, naming them, when a dataset outside
	 * this tree is a clone of one of the snapshots inside it. Never follows a path out of
	 * its own tree and never removes a mount that is not its own. */
	int (*destroy)(struct store *s, const char *name, struct ioc_err *e);
	/* NAME@SNAP, a point-in-time copy of the dataset alone (not its children). */
	int (*snapshot)(struct store *s, const char *name, const char *snap, struct ioc_err *e);
	/* Refuses with EBUSY, naming them, while clones depend on it. Missing is success. */
	int (*snap_destroy)(struct store *s, const char *name, const char *snap, struct ioc_err *e);
	/* Roll name back to its snapshot snap, destroying the snapshots taken after it first (as
	 * `zfs rollback -r`: cut short, the same rollback again finishes it). Refuses with EBUSY,
	 * naming them, while clones depend on one of those. On dir, a clone's upper layer is
	 * rebuilt to show exactly the snapshot (its overlay is unmounted for the moment it takes
	 * and mounted again). */
	int (*rollback)(struct store *s, const char *name, const char *snap, struct ioc_err *e);
	/* Make the clone name independent of its origin. ZFS: `zfs promote` (the origin and the
	 * snapshots before it move to name, and the old source becomes their clone). dir: the
	 * merged view becomes a plain directory; the origin snapshot is left to the caller. */
	int (*promote)(struct store *s, const char *name, struct ioc_err *e);
	/* Move a dataset with its children and snapshots to a new name (whose parent exists);
	 * clones of its snapshots keep working. Everything in the tree must be unmountable. */
	int (*rename)(struct store *s, const char *from, const char *to, struct ioc_err *e);
	/* Every dataset and snapshot of the store with its origin, in ONE zfs call: key the
	 * relative name ("jails/U/root", "jails/U/root@S"), value the origin ("SRC@SNAP") or ""
	 * for none. What destroy planning, promote and leftover cleaning read dependents from. */
	int (*deps)(struct store *s, struct kvlist *out, struct ioc_err *e);
	/* The snapshots of one dataset, oldest first. */
	int (*snap_list)(struct store *s, const char *name, struct snap_list *out,
			 struct ioc_err *e);
	/* dst (new; its parent exists) becomes a thin copy-on-write clone of src@snap: a ZFS
	 * clone, or an overlayfs whose lower layer is the dir snapshot. */
	int (*clone)(struct store *s, const char *src, const char *snap, const char *dst,
		     struct ioc_err *e);
	/* dst (new; its parent exists) becomes an independent full copy of src@snap, with owners,
	 * modes, times, xattrs, hard links and device nodes kept. With only != NULL (a
	 * NULL-terminated list of top-level directory names), just those are copied (basejails);
	 * names missing in the source are skipped. */
	int (*copy)(struct store *s, const char *src, const char *snap, const char *dst,
		    const char *const *only, struct ioc_err *e);
	/* The direct children of parent, each with its user properties (and native ones with
	 * STORE_NATIVE), in a constant number of zfs calls whatever the number of children
	 * (one for user properties, one more for native ones). Sorted by name. */
	int (*list)(struct store *s, const char *parent, unsigned flags, struct ds_list *out,
		    struct ioc_err *e);
	/* list for several parents at once (one zfs call): the children of each, in order,
	 * then with STORE_SELF each parent that exists, as get gives it. */
	int (*list_multi)(struct store *s, const char *const *parents, unsigned flags,
			  struct ds_list *out, struct ioc_err *e);
	/* One dataset, the same shape as list gives. ENOENT if missing. */
	int (*get)(struct store *s, const char *name, unsigned flags, struct ds *out,
		   struct ioc_err *e);
	/* Set the user properties in set, remove those named in unset (either may be NULL). */
	int (*set_user)(struct store *s, const char *name, const struct kvlist *set,
			const struct strv *unset, struct ioc_err *e);
	/* A native property (quota, reservation, compression, dedup); val NULL = inherit/none.
	 * The dir backend answers ENOTSUP with "PROP is not supported by the dir backend". */
	int (*set_native)(struct store *s, const char *name, const char *prop, const char *val,
			  struct ioc_err *e);
	/* Where the dataset's files are (its mountpoint). Caller frees. */
	char *(*path)(struct store *s, const char *name);
	/* Mount / unmount a dataset (for a dir clone: the overlayfs). Mounting a mounted one and
	 * unmounting an unmounted one are success. */
	int (*mount)(struct store *s, const char *name, struct ioc_err *e);
	int (*umount)(struct store *s, const char *name, struct ioc_err *e);
	void (*free)(struct store *s);
	/* Forget what the backend remembers of its storage between calls (optional): the
	 * caller has just taken a lock, and what it does next must be decided on the storage as
	 * it is now. */
	void (*forget)(const struct store *s);
};

struct store {
	const struct store_ops *ops;
	char *pool; /* zfs: the pool; dir: NULL */
	char *base; /* zfs: "POOL/iocage"; dir: the root directory */
	char *mnt;  /* the directory where base's files are */
	void *priv; /* the backend's own state */
	/* The user property keys the caller knows (NULL-terminated), or NULL for "all there
	 * are". A backend may read only these: zfs answers several times faster when it is
	 * asked for named properties than for `all`. */
	const char *const *user_keys;
};

/* Backends. */
int store_zfs_open(struct store **ret, const char *pool, struct ioc_err *e);
int store_dir_open(struct store **ret, const char *root, struct ioc_err *e);
/* The pools whose root dataset holds iocage:active=yes (one zfs call; none when zfs is not
 * installed or its daemon does not answer). */
int store_zfs_active_pools(struct strv *out, struct ioc_err *e);
/* Set / clear iocage:active on the pool's root dataset (activate also makes POOL/iocage). */
int store_zfs_activate(const char *pool, bool on, struct ioc_err *e);
/* 1 if the pool exists (zpool list), 0 if not. */
int store_zfs_pool_exists(const char *pool, struct ioc_err *e);

void store_free(struct store *s);
void ds_free(struct ds *d);
void ds_list_free(struct ds_list *l);
void snap_list_free(struct snap_list *l);

#endif
