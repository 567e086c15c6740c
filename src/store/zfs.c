/* The ZFS backend: every operation runs zfs(8) by argv and reads its -H -p output.
 *
 * It must work with zfs-fuse (pool version 23, used in tests) as well as OpenZFS, so it only
 * uses what both speak and decides by behaviour, never by version:
 *  - `zfs list` has no -p there: numbers come from `zfs get -p`.
 *  - `zfs set` takes one property per call there: one call per property.
 *  - no lz4 there: compression=lz4 falls back to "on" when zfs refuses it.
 *  - "dataset is busy" there for a moment after a mount or a clone: unmount first and retry.
 *  - no `zfs destroy -n` and no `clones` property: dependents come from `origin`.
 *  - snapshots are not visible under .zfs there: files of a snapshot are read from a clone.
 * The number of zfs processes an operation starts never depends on the number of jails. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "store/zfs_parse.h"
#include "util/cleanup.h"
#include "util/fault.h"
#include "util/fs.h"
#include "util/run.h"
#include "util/str.h"

#define UPROP      "iocage:"
#define TMP_PREFIX ".tmp-copy-"

/* jails, releases and templates hold root filesystems with set-uid programs that a release
 * archive brought or a jail's root made (uid 0 in a jail is uid 0 on the host): a host user
 * who can reach one runs it as root. So each of these datasets' top directory is 0700, as
 * the dir backend's layout is. */
/* The first two hold jails (see zfs_init). */
static const char *const layout[] = {"jails",  "templates", "releases", "download",
				     "images", "packages",  "log",      ".defaults"};

/* What STORE_NATIVE returns, in the order zfs prints them. */
static const char *const native_props[] = {
    "used",        "available", "referenced", "quota",      "reservation", "compressratio",
    "compression", "dedup",     "creation",   "mountpoint", "origin",
};

static const struct store_ops zfs_ops;

/* Names and values ------------------------------------------------------------------------ */

static bool
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.' || c == ':';
}

/* A component of a dataset or snapshot name: no separator, never "." or "..". */
static bool
valid_component(const char *s, size_t len)
{
	if (len == 0 || (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_char(s[i]))
			return false;
	return true;
}

/* A relative dataset name ("jails/UUID/root"); "" (the base) only when allow_base. The
 * charset keeps '@', '%', '/'-tricks and spaces out of every argv we build. */
static int
check_name(const char *rel, bool allow_base, struct ioc_err *e)
{
	const char *p = rel;

	if (!*rel && allow_base)
		return 0;
	if (strlen(rel) > ZFS_NAME_MAX - 32)
		return err_set(e, EINVAL, "dataset name too long: %.64s...", rel);
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (!valid_component(p, len))
			return err_set(e, EINVAL, "invalid dataset name '%s'", rel);
		if (!slash)
			return 0;
		p = slash + 1;
	}
}

static int
check_snap(const char *snap, struct ioc_err *e)
{
	if (strlen(snap) > 128 || !valid_component(snap, strlen(snap)))
		return err_set(e, EINVAL, "invalid snapshot name '%s'", snap);
	return 0;
}

static int
check_pool(const char *pool, struct ioc_err *e)
{
	if (!((pool[0] >= 'a' && pool[0] <= 'z') || (pool[0] >= 'A' && pool[0] <= 'Z')) ||
	    strlen(pool) > 128 || !valid_component(pool, strlen(pool)))
		return err_set(e, EINVAL, "invalid pool name '%s'", pool);
	return 0;
}

/* ZFS accepts lowercase letters, digits and - _ . : in user property names; '=' in a key
 * would also change what `zfs set K=V` means. */
static int
check_key(const char *key, struct ioc_err *e)
{
	const char *p = key;

	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_' || *p == '.' || *p == ':'))
			break;
	if (!*key || *p || strlen(key) > 200)
		return err_set(e, EINVAL, "invalid property name '%s'", key);
	return 0;
}

/* `zfs get -H` prints a record per line: a newline in a value would let it forge records
 * (another jail's exec_prestart), so no control character ever goes in. */
static int
check_value(const char *key, const char *val, struct ioc_err *e)
{
	for (const unsigned char *p = (const unsigned char *)val; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return err_set(e, EINVAL,
				       "%s: control characters are not allowed in values", key);
	return 0;
}

static int
check_user(const struct kvlist *user, struct ioc_err *e)
{
	for (size_t i = 0; user && i < user->n; i++)
		if (check_key(user->v[i].key, e) < 0 ||
		    check_value(user->v[i].key, user->v[i].val, e) < 0)
			return -1;
	return 0;
}

static char *
full_name(const struct store *s, const char *rel)
{
	return *rel ? xasprintf("%s/%s", s->base, rel) : xstrdup(s->base);
}

/* The relative name of a full one inside the base, or NULL when it lies outside. */
static const char *
rel_name(const struct store *s, const char *full)
{
	size_t n = strlen(s->base);

	if (strncmp(full, s->base, n) != 0)
		return NULL;
	if (full[n] == '\0')
		return full + n;
	return full[n] == '/' ? full + n + 1 : NULL;
}

/* ds is full itself or below it (a descendant or a snapshot of either). */
static bool
in_tree(const char *ds, const char *full)
{
	size_t n = strlen(full);

	return strncmp(ds, full, n) == 0 && (ds[n] == '\0' || ds[n] == '/' || ds[n] == '@');
}

static char *
join_path(const char *dir, const char *name)
{
	if (!*name)
		return xstrdup(dir);
	return xasprintf("%s%s%s", dir, str_has_suffix(dir, "/") ? "" : "/", name);
}

/* Running zfs ----------------------------------------------------------------------------- */

static bool
said(const struct ioc_err *e, const char *what)
{
	return strstr(e->msg, what) != NULL;
}

static const char *
last_arg(const char *const argv[])
{
	size_t n = 0;

	while (argv[n + 1])
		n++;
	return argv[n];
}

/* The errno callers see, from zfs's words. Anything else is EIO, never the ENOENT that a
 * missing zfs binary gives: callers read ENOENT as "no such dataset". */
static int
classify(const char *msg)
{
	if (strstr(msg, "does not exist") || strstr(msg, "no such pool"))
		return ENOENT;
	if (strstr(msg, "already exists"))
		return EEXIST;
	if (strstr(msg, "busy"))
		return EBUSY;
	return EIO;
}

/* Turn run_prog's "zfs: cannot create 'P/x': dataset already exists" into
 * "WHAT: dataset already exists" with a matching errno. */
static int
zfs_fail_as(const char *prog, const char *what, struct ioc_err *e)
{
	char words[sizeof(e->msg)];
	const char *m = e->msg, *q;
	size_t n = strlen(prog);

	if (strncmp(m, prog, n) == 0 && strncmp(m + n, ": ", 2) == 0)
		m += n + 2;
	if (str_has_prefix(m, "cannot ") && (q = strstr(m, "': ")))
		m = q + 3;
	snprintf(words, sizeof(words), "%s", m);
	return err_set(e, classify(words), "%s: %s", what, words);
}

/* WHAT is "zfs VERB [PROPERTY] TARGET". */
static int
zfs_fail(const char *const argv[], struct ioc_err *e)
{
	char what[512], prop[128] = "";
	size_t argc = 2; /* argv[0] and argv[1], the program and its verb, are always there */

	while (argv[argc])
		argc++;
	if (argc >= 4 && (streq(argv[1], "set") || streq(argv[1], "inherit")))
		snprintf(prop, sizeof(prop), " %.*s", (int)strcspn(argv[argc - 2], "="),
			 argv[argc - 2]);
	snprintf(what, sizeof(what), "%s %s%s %s", argv[0], argv[1], prop, argv[argc - 1]);
	return zfs_fail_as(argv[0], what, e);
}

/* The verbs that change a pool, each a fault point once done (util/fault.c). */
static const char *
mutating(const char *const argv[])
{
	static const char *const verbs[] = {
	    "zfs create", "zfs destroy", "zfs snapshot", "zfs clone", "zfs rollback", "zfs promote",
	    "zfs rename", "zfs set",     "zfs inherit",  "zfs mount", "zfs umount",
	};

	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (streq(argv[1], verbs[i] + 4))
			return verbs[i];
	return NULL;
}

/* The answer of `zfs get -r origin BASE` (get_origins), kept for the rest of the process
 * while it stays true: a destroy this process runs drops what it destroyed, property changes
 * leave it alone, and anything else that makes or moves a dataset or snapshot forgets it, as
 * taking a lock does (zfs_forget: another process may have changed the pool while we waited,
 * and what we do under a lock must be decided on what the pool held when we took it). */
static struct {
	char *base, *text;
	struct zfs_recs recs;
} origins_cache;

static void
origins_forget(void)
{
	zfs_recs_free(&origins_cache.recs);
	free(origins_cache.text);
	free(origins_cache.base);
	memset(&origins_cache, 0, sizeof(origins_cache));
}

/* zfs destroy [-r] TARGET succeeded: drop TARGET (with -r, its whole tree) from the cache. */
static void
origins_drop(const char *const argv[])
{
	bool recursive = false;
	const char *target = NULL;
	size_t k = 0;

	for (size_t i = 2; argv[i]; i++) {
		if (streq(argv[i], "-r"))
			recursive = true;
		target = argv[i];
	}
	for (size_t i = 0; target && i < origins_cache.recs.n; i++) {
		const char *n = origins_cache.recs.v[i].name;
		bool gone = recursive ? in_tree(n, target) : streq(n, target);

		if (!gone)
			origins_cache.recs.v[k++] = origins_cache.recs.v[i];
	}
	origins_cache.recs.n = k;
}

static void
origins_note(const char *const argv[])
{
	if (!origins_cache.text || streq(argv[1], "set") || streq(argv[1], "inherit") ||
	    streq(argv[1], "mount") || streq(argv[1], "umount"))
		return;
	if (streq(argv[1], "destroy"))
		origins_drop(argv);
	else
		origins_forget();
}

/* What the open learnt (read_mountpoints), when the base exists: the base, its children and
 * the releases' datasets. */
struct zfs_priv {
	struct strv layout;
	struct strv uncompressed; /* those whose compression is not set on them */
	bool layout_known;
	unsigned long gen; /* zfs_changes when it was read */
};

/* Commands this process ran that may have changed a pool (what it read before may be old). */
static unsigned long zfs_changes;

static int
zfs_run(const char *const argv[], char **out, struct ioc_err *e)
{
	const char *what;
	int r = run_prog(argv, out, e);

	/* Also after a failure: a killed or refused destroy may have done part of its work. */
	if ((what = mutating(argv))) {
		zfs_changes++;
		r == 0 ? origins_note(argv) : origins_forget();
	}
	if (r < 0)
		return zfs_fail(argv, e);
	if (what)
		fault_point(what);
	return 0;
}

/* zfs-fuse answers "dataset is busy" for a moment after a mount, a clone or an unmount, and
 * its zfs program sometimes aborts (SIGABRT) on a loaded machine: a command that can be run
 * twice (destroy, mount, umount, rollback: done already is success, or the same state) is
 * run again. */
static int
zfs_run_retry(const char *const argv[], struct ioc_err *e)
{
	static const long delays_ms[] = {10, 10, 20, 20, 40, 80, 160, 320};
	bool again = streq(argv[1], "destroy") || streq(argv[1], "mount") ||
		     streq(argv[1], "umount") || streq(argv[1], "rollback");

	for (size_t i = 0;; i++) {
		struct timespec ts;

		if (zfs_run(argv, NULL, e) == 0)
			return 0;
		if (i == ARRAY_SIZE(delays_ms) ||
		    (e->code != EBUSY && !(again && said(e, "killed by signal 6"))))
			return -1;
		ts = (struct timespec){.tv_nsec = delays_ms[i] * 1000000L};
		nanosleep(&ts, NULL);
	}
}

/* Run a `zfs get -H` and parse it; *text owns what recs point into. */
static int
zfs_get(const char *const argv[], enum zfs_cols cols, char **text, struct zfs_recs *recs,
	struct ioc_err *e)
{
	*text = NULL;
	if (zfs_run(argv, text, e) < 0)
		return -1;
	if (zfs_parse_get(*text, cols, recs, e) < 0) {
		free(*text);
		*text = NULL;
		return err_wrap(e, "zfs get %s", last_arg(argv));
	}
	return 0;
}

/* The mounts of this namespace whose source is a dataset (not a snapshot) of full's tree,
 * parents before children; -1 when mountinfo cannot be read. */
static int
zfs_mounts(const char *full, struct mount_list *out)
{
	struct ioc_err e;
	size_t k = 0;

	if (mounts_find("/", MOUNTS_AT | MOUNTS_BELOW, out, &e) < 0) {
		mount_list_free(out);
		return -1;
	}
	for (size_t i = 0; i < out->n; i++) {
		struct mount_ent m = out->v[i];

		if ((streq(m.fstype, "zfs") || streq(m.fstype, "fuse.zfs")) &&
		    in_tree(m.source, full) && !strchr(m.source, '@')) {
			out->v[k++] = m;
			continue;
		}
		free(m.target);
		free(m.fstype);
		free(m.source);
		free(m.options);
	}
	out->n = k;
	return 0;
}

/* Unmount full and what is mounted below it with umount(2), children first: what
 * `zfs umount` does (zfs-fuse's runs umount(8)), without a zfs process. false when the kernel
 * refuses one: then zfs is asked, and says why. */
static bool
umount_tree(const char *full)
{
	struct mount_list l = {0};
	bool ok = zfs_mounts(full, &l) == 0;

	for (size_t i = l.n; ok && i-- > 0;)
		if (umount2(l.v[i].target, UMOUNT_NOFOLLOW) < 0 && errno != EINVAL)
			ok = false;
	mount_list_free(&l);
	return ok;
}

static int
zfs_umount_full(const char *full, struct ioc_err *e)
{
	const char *argv[] = {"zfs", "umount", full, NULL};

	if (umount_tree(full))
		return 0;
	if (zfs_run_retry(argv, e) < 0 && !said(e, "not currently mounted"))
		return -1;
	return 0;
}

/* Destroy full and everything below it; missing is success. */
static int
zfs_destroy_full(const char *full, bool recursive, struct ioc_err *e)
{
	const char *argv_r[] = {"zfs", "destroy", "-r", full, NULL};
	const char *argv[] = {"zfs", "destroy", full, NULL};

	/* Unmounting first is what avoids zfs-fuse's "busy" on a fresh clone. */
	if (!strchr(full, '@') && zfs_umount_full(full, e) < 0)
		return e->code == ENOENT ? 0 : -1;
	if (zfs_run_retry(recursive ? argv_r : argv, e) < 0 && e->code != ENOENT)
		return -1;
	return 0;
}

/* Every dataset of the base with its origin ("-" for none), snapshots included: one call
 * per process until something forgets it (origins_cache). */
static const struct zfs_recs *
get_origins(struct store *s, struct ioc_err *e)
{
	const char *argv[] = {"zfs", "get",        "-H",     "-p",    "-r",
			      "-o",  "name,value", "origin", s->base, NULL};
	struct zfs_recs recs = {0};
	char *text = NULL;

	if (origins_cache.text && streq(origins_cache.base, s->base))
		return &origins_cache.recs;
	origins_forget();
	if (zfs_get(argv, ZFS_COLS_NV, &text, &recs, e) < 0)
		return NULL;
	origins_cache.base = xstrdup(s->base);
	origins_cache.text = text;
	origins_cache.recs = recs;
	return &origins_cache.recs;
}

/* Refuse with EBUSY, naming them, while clones depend on target: with snap, clones of the
 * snapshot target; without, clones of any snapshot in target's tree that lie outside it. */
static int
refuse_dependents(struct store *s, const struct zfs_recs *recs, const char *target, bool snap,
		  const char *what, struct ioc_err *e)
{
	struct sbuf b = {0};
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; i < recs->n; i++) {
		const char *name = recs->v[i].name, *origin = recs->v[i].value, *rel;
		bool dep = snap ? streq(origin, target)
				: in_tree(origin, target) && !in_tree(name, target);

		if (!dep)
			continue;
		rel = rel_name(s, name);
		sbuf_addf(&b, "%s%s", n++ ? ", " : "", rel ? rel : name);
	}
	if (n)
		r = err_set(e, EBUSY, "%s: %zu clone%s depend%s on it: %s", what, n,
			    n == 1 ? "" : "s", n == 1 ? "s" : "", sbuf_str(&b));
	sbuf_free(&b);
	return r;
}

static bool
recs_have(const struct zfs_recs *recs, const char *name)
{
	for (size_t i = 0; i < recs->n; i++)
		if (streq(recs->v[i].name, name))
			return true;
	return false;
}

/* What a listing asks zfs for: "all", or, when the caller named its keys, just those (and the
 * native properties with STORE_NATIVE). zfs-fuse answers 3-4x faster for named properties,
 * since it need not compute every native property of every dataset. */
static char *
props_arg(const struct store *s, unsigned flags)
{
	struct sbuf b = {0};

	if (!s->user_keys)
		return xstrdup("all");
	for (size_t i = 0; (flags & STORE_NATIVE) && i < ARRAY_SIZE(native_props); i++) {
		sbuf_add(&b, b.len ? "," : "");
		sbuf_add(&b, native_props[i]);
	}
	for (size_t i = 0; s->user_keys[i]; i++) {
		sbuf_add(&b, b.len ? "," UPROP : UPROP);
		sbuf_add(&b, s->user_keys[i]);
	}
	return sbuf_take(&b);
}

/* Records -> datasets -------------------------------------------------------------------- */

static bool
is_native(const char *prop)
{
	for (size_t i = 0; i < ARRAY_SIZE(native_props); i++)
		if (streq(prop, native_props[i]))
			return true;
	return false;
}

/* One record of `zfs get -o name,property,value,source all` into d. User properties count
 * only when set on the dataset itself (source "local"): a value inherited from a parent
 * must never configure a jail. */
static void
ds_add_rec(const struct store *s, struct ds *d, const struct zfs_rec *r, unsigned flags)
{
	if (str_has_prefix(r->prop, UPROP)) {
		if (streq(r->source, "local") && r->prop[strlen(UPROP)])
			kvlist_set(&d->user, r->prop + strlen(UPROP), r->value);
		return;
	}
	if (!(flags & STORE_NATIVE) || !is_native(r->prop))
		return;
	if (streq(r->prop, "origin")) {
		/* Outside the base an origin is not ours to name: left out. */
		const char *rel = rel_name(s, r->value);

		if (rel && *rel)
			kvlist_set(&d->native, "origin", rel);
		return;
	}
	kvlist_set(&d->native, r->prop, r->value);
}

static struct ds *
ds_list_add(struct ds_list *l, const char *name)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n] = (struct ds){.name = xstrdup(name)};
	return &l->v[l->n++];
}

static int
cmp_ds(const void *a, const void *b)
{
	return strcmp(((const struct ds *)a)->name, ((const struct ds *)b)->name);
}

/* The direct children of parent_full among recs. zfs prints a dataset's records together,
 * so only a change of name needs a look-up. */
static void
recs_to_children(const struct store *s, const struct zfs_recs *recs, const char *parent_full,
		 unsigned flags, struct ds_list *out)
{
	size_t plen = strlen(parent_full);
	struct ds *cur = NULL;

	for (size_t i = 0; i < recs->n; i++) {
		const struct zfs_rec *r = &recs->v[i];
		const char *rel;

		if (strncmp(r->name, parent_full, plen) != 0 || r->name[plen] != '/' ||
		    strpbrk(r->name + plen + 1, "/@"))
			continue;
		rel = rel_name(s, r->name);
		if (!cur || !streq(cur->name, rel)) {
			cur = NULL;
			for (size_t j = out->n; j-- > 0 && !cur;)
				if (streq(out->v[j].name, rel))
					cur = &out->v[j];
			if (!cur)
				cur = ds_list_add(out, rel);
		}
		ds_add_rec(s, cur, r, flags);
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_ds);
}

/* Operations ------------------------------------------------------------------------------ */

/* full lies in what read_mountpoints lists: a child of the base or of its releases. */
static bool
in_layout(const struct store *s, const char *full)
{
	const char *rel = rel_name(s, full), *slash;

	if (!rel || !*rel || strchr(rel, '@'))
		return false;
	slash = strchr(rel, '/');
	return !slash || (str_has_prefix(rel, "releases/") && !strchr(slash + 1, '/'));
}

static int
zfs_exists(struct store *s, const char *name, struct ioc_err *e)
{
	cleanup_free char *full = NULL;
	const char *argv[] = {"zfs", "list", "-H", "-o", "name", NULL, NULL};
	const struct zfs_priv *p = s->priv;

	if (check_name(name, true, e) < 0)
		return -1;
	full = full_name(s, name);
	/* Known from the open, unless this process has changed the pool since. */
	if (p->layout_known && p->gen == zfs_changes && in_layout(s, full))
		return strv_contains(&p->layout, full);
	argv[5] = full;
	if (zfs_run(argv, NULL, e) == 0)
		return 1;
	return e->code == ENOENT ? 0 : -1;
}

static int
zfs_create_full(const char *full, const struct kvlist *user, bool parents, struct ioc_err *e)
{
	struct strv argv = {0};
	int r;

	strv_push(&argv, "zfs");
	strv_push(&argv, "create");
	if (parents)
		strv_push(&argv, "-p");
	for (size_t i = 0; user && i < user->n; i++) {
		strv_push(&argv, "-o");
		strv_push_take(&argv, xasprintf(UPROP "%s=%s", user->v[i].key, user->v[i].val));
	}
	strv_push(&argv, full);
	r = zfs_run((const char *const *)argv.v, NULL, e);
	strv_free(&argv);
	return r;
}

static int
zfs_create(struct store *s, const char *name, const struct kvlist *user, struct ioc_err *e)
{
	cleanup_free char *full = NULL;

	if (check_name(name, false, e) < 0 || check_user(user, e) < 0)
		return -1;
	full = full_name(s, name);
	return zfs_create_full(full, user, false, e);
}

/* The empty directories left where name and its children were mounted: zfs removes them
 * as it destroys, but not when it was killed in between. Two levels (a jail and its root);
 * only empty directories go (a mount point or anything with files stays). */
static void
rmdir_mountpoints(struct store *s, const char *name)
{
	cleanup_free char *dir = s->mnt ? join_path(s->mnt, name) : NULL;
	cleanup_closedir DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *de;

	if (!d)
		return;
	/* zfs-fuse gives no d_type: AT_REMOVEDIR refuses anything but an empty directory. */
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			(void)unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
	(void)rmdir(dir);
}

static int
zfs_destroy(struct store *s, const char *name, struct ioc_err *e)
{
	cleanup_free char *full = NULL;
	const struct zfs_recs *recs;
	int r = 0;

	if (check_name(name, false, e) < 0)
		return -1;
	full = full_name(s, name);
	/* One call answers both "does it exist" and "who depends on it". */
	if (!(recs = get_origins(s, e)))
		return err_wrap(e, "destroy %s", name);
	if (recs_have(recs, full)) {
		r = refuse_dependents(s, recs, full, false, name, e);
		if (r == 0)
			r = zfs_destroy_full(full, true, e);
	}
	if (r == 0)
		rmdir_mountpoints(s, name);
	return r;
}

static int
zfs_snapshot(struct store *s, const char *name, const char *snap, struct ioc_err *e)
{
	cleanup_free char *full = NULL;
	const char *argv[] = {"zfs", "snapshot", NULL, NULL};

	if (check_name(name, false, e) < 0 || check_snap(snap, e) < 0)
		return -1;
	full = xasprintf("%s/%s@%s", s->base, name, snap);
	argv[2] = full;
	return zfs_run(argv, NULL, e);
}

static int
zfs_snap_destroy(struct store *s, const char *name, const char *snap, struct ioc_err *e)
{
	cleanup_free char *full = NULL, *what = NULL;
	const struct zfs_recs *recs;
	int r = 0;

	if (check_name(name, false, e) < 0 || check_snap(snap, e) < 0)
		return -1;
	full = xasprintf("%s/%s@%s", s->base, name, snap);
	what = xasprintf("%s@%s", name, snap);
	if (!(recs = get_origins(s, e)))
		return err_wrap(e, "destroy %s", what);
	if (recs_have(recs, full)) {
		r = refuse_dependents(s, recs, full, true, what, e);
		if (r == 0)
			r = zfs_destroy_full(full, false, e);
	}
	return r;
}

static int
cmp_snap(const void *a, const void *b)
{
	const struct snap *x = a, *y = b;

	if (x->creation != y->creation)
		return x->creation < y->creation ? -1 : 1;
	if (x->txg != y->txg)
		return x->txg < y->txg ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int
snap_set(struct snap *sn, const struct zfs_rec *r, struct ioc_err *e)
{
	uint64_t *field = streq(r->prop, "creation")     ? &sn->creation
			  : streq(r->prop, "used")       ? &sn->used
			  : streq(r->prop, "referenced") ? &sn->referenced
			  : streq(r->prop, "createtxg")  ? &sn->txg
							 : NULL;

	if (field && parse_u64(r->value, field) < 0)
		return err_set(e, EBADMSG, "zfs get: %s of %s is not a number: '%s'", r->prop,
			       r->name, r->value);
	return 0;
}

static int
recs_to_snaps(const struct zfs_recs *recs, const char *full, struct snap_list *out,
	      struct ioc_err *e)
{
	size_t flen = strlen(full);
	struct snap *cur = NULL;

	for (size_t i = 0; i < recs->n; i++) {
		const struct zfs_rec *r = &recs->v[i];
		const char *sn = r->name + flen + 1;

		if (strncmp(r->name, full, flen) != 0 || r->name[flen] != '@')
			continue;
		if (!cur || !streq(cur->name, sn)) {
			if (out->n == out->cap) {
				out->cap = out->cap ? out->cap * 2 : 16;
				out->v = xrealloc(out->v, out->cap * sizeof(*out->v));
			}
			cur = &out->v[out->n++];
			*cur = (struct snap){.name = xstrdup(sn)};
		}
		if (snap_set(cur, r, e) < 0)
			return -1;
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_snap);
	return 0;
}

static int
zfs_snap_list(struct store *s, const char *name, struct snap_list *out, struct ioc_err *e)
{
	cleanup_free char *full = NULL, *text = NULL;
	struct zfs_recs recs = {0};
	struct snap_list l = {0};
	const char *argv[] = {"zfs",
			      "get",
			      "-H",
			      "-p",
			      "-d",
			      "1",
			      "-o",
			      "name,property,value",
			      "creation,used,referenced,createtxg",
			      NULL,
			      NULL};
	int r;

	if (check_name(name, false, e) < 0)
		return -1;
	full = full_name(s, name);
	argv[9] = full;
	if (zfs_get(argv, ZFS_COLS_NPV, &text, &recs, e) < 0)
		return -1;
	r = recs_to_snaps(&recs, full, &l, e);
	zfs_recs_free(&recs);
	if (r < 0) {
		snap_list_free(&l);
		return -1;
	}
	*out = l;
	return 0;
}

static int
zfs_clone(struct store *s, const char *src, const char *snap, const char *dst, struct ioc_err *e)
{
	cleanup_free char *from = NULL, *to = NULL;
	const char *argv[] = {"zfs", "clone", NULL, NULL, NULL};

	if (check_name(src, false, e) < 0 || check_snap(snap, e) < 0 ||
	    check_name(dst, false, e) < 0)
		return -1;
	from = xasprintf("%s/%s@%s", s->base, src, snap);
	to = full_name(s, dst);
	argv[2] = from;
	argv[3] = to;
	return zfs_run(argv, NULL, e);
}

/* Dependents, rollback, promote, rename ---------------------------------------------- */

static int
zfs_deps(struct store *s, struct kvlist *out, struct ioc_err *e)
{
	const struct zfs_recs *recs = get_origins(s, e);

	if (!recs)
		return -1;
	for (size_t i = 0; i < recs->n; i++) {
		const char *rel = rel_name(s, recs->v[i].name);
		const char *orel = rel_name(s, recs->v[i].value);

		if (rel && *rel)
			kvlist_set(out, rel, orel && *orel ? orel : "");
	}
	return 0;
}

/* Refuse while a clone depends on one of the snapshots of name taken after snap. */
static int
refuse_later(struct store *s, const char *name, const char *snap, struct ioc_err *e)
{
	struct snap_list l = {0};
	struct kvlist deps = {0};
	struct sbuf who = {0};
	bool after = false;
	int r;

	if ((r = zfs_snap_list(s, name, &l, e)) == 0)
		r = zfs_deps(s, &deps, e);
	for (size_t i = 0; r == 0 && i < l.n; i++) {
		cleanup_free char *want = xasprintf("%s@%s", name, l.v[i].name);

		if (after)
			for (size_t k = 0; k < deps.n; k++)
				if (streq(deps.v[k].val, want))
					sbuf_addf(&who, "%s%s (of @%s)", who.len ? ", " : "",
						  deps.v[k].key, l.v[i].name);
		after = after || streq(l.v[i].name, snap);
	}
	if (r == 0 && who.len)
		r = err_set(e, EBUSY, "rollback %s@%s: clones depend on later snapshots: %s", name,
			    snap, who.s);
	sbuf_free(&who);
	kvlist_free(&deps);
	snap_list_free(&l);
	return r;
}

static int
zfs_rollback(struct store *s, const char *name, const char *snap, struct ioc_err *e)
{
	cleanup_free char *at = NULL;
	const char *argv[] = {"zfs", "rollback", "-r", NULL, NULL};

	if (check_name(name, false, e) < 0 || check_snap(snap, e) < 0 ||
	    refuse_later(s, name, snap, e) < 0)
		return -1;
	/* Mounted: zfs-fuse answers "I/O error" to a rollback of an unmounted dataset that
	 * was rolled back before. */
	at = xasprintf("%s/%s@%s", s->base, name, snap);
	argv[3] = at;
	return zfs_run_retry(argv, e);
}

static int
zfs_promote(struct store *s, const char *name, struct ioc_err *e)
{
	cleanup_free char *full = NULL;
	const char *argv[] = {"zfs", "promote", NULL, NULL};

	if (check_name(name, false, e) < 0)
		return -1;
	full = full_name(s, name);
	argv[2] = full;
	return zfs_run_retry(argv, e);
}

/* The filesystems of a tree, parents first. */
static int
tree_names(const char *full, struct strv *out, struct ioc_err *e)
{
	cleanup_free char *text = NULL;
	const char *argv[] = {"zfs", "list",       "-H", "-o", "name",
			      "-t",  "filesystem", "-r", full, NULL};

	if (zfs_run(argv, &text, e) < 0)
		return -1;
	if (zfs_parse_names(text, out, e) < 0)
		return -1;
	strv_sort(out);
	return 0;
}

/* zfs-fuse renames only unmounted datasets: unmount the tree (deepest first), rename it,
 * mount it again (parents first). */
static int
zfs_rename(struct store *s, const char *from, const char *to, struct ioc_err *e)
{
	cleanup_free char *f = NULL, *t = NULL;
	const char *argv[] = {"zfs", "rename", NULL, NULL, NULL};
	struct strv names = {0};
	int r;

	if (check_name(from, false, e) < 0 || check_name(to, false, e) < 0)
		return -1;
	f = full_name(s, from);
	t = full_name(s, to);
	r = tree_names(f, &names, e);
	for (size_t i = names.n; r == 0 && i-- > 0;)
		r = zfs_umount_full(names.v[i], e);
	argv[2] = f;
	argv[3] = t;
	if (r == 0)
		r = zfs_run_retry(argv, e);
	for (size_t i = 0; i < names.n; i++) {
		cleanup_free char *now =
		    r == 0 ? xasprintf("%s%s", t, names.v[i] + strlen(f)) : xstrdup(names.v[i]);
		const char *mount[] = {"zfs", "mount", now, NULL};
		struct ioc_err e2;

		if (zfs_run_retry(mount, &e2) < 0 && !said(&e2, "already mounted") && r == 0)
			r = err_set(e, e2.code, "%s", e2.msg);
	}
	strv_free(&names);
	return r;
}

/* A full, independent copy: send | recv, then drop the snapshot the stream brought. */
static int
copy_stream(const char *from, const char *to, const char *snap, struct ioc_err *e)
{
	const char *send[] = {"zfs", "send", from, NULL};
	const char *recv[] = {"zfs", "recv", to, NULL};
	cleanup_free char *what = xasprintf("zfs send %s | zfs recv %s", from, to);
	cleanup_free char *got = xasprintf("%s@%s", to, snap);
	struct ioc_err e2;

	if (run_pipe(send, recv, e) < 0)
		return zfs_fail_as("zfs", what, e);
	fault_point("zfs send | zfs recv");
	if (zfs_destroy_full(got, false, e) < 0) {
		zfs_destroy_full(to, true, &e2);
		return -1;
	}
	return 0;
}

/* Top-level names for a partial copy: one component each. */
static int
check_only(const char *const *only, struct ioc_err *e)
{
	for (size_t i = 0; only[i]; i++) {
		size_t len = strlen(only[i]);

		if (len == 0 || len > 255 || strchr(only[i], '/') || streq(only[i], ".") ||
		    streq(only[i], ".."))
			return err_set(e, EINVAL, "copy: invalid directory name '%s'", only[i]);
	}
	return 0;
}

/* One top-level entry of src into dst: a directory is copied whole, a symlink (bin ->
 * usr/bin on merged-/usr systems) stays a symlink, a missing name is skipped. */
static int
copy_entry(const char *src_dir, const char *dst_dir, const char *name, struct ioc_err *e)
{
	cleanup_free char *src = join_path(src_dir, name);
	cleanup_free char *dst = join_path(dst_dir, name);
	char target[4096];
	struct stat st;
	ssize_t n;

	if (lstat(src, &st) < 0)
		return errno == ENOENT ? 0 : err_sys(e, "copy %s", src);
	if (S_ISDIR(st.st_mode))
		return copy_tree(src, dst, e);
	if (!S_ISLNK(st.st_mode))
		return 0;
	n = readlink(src, target, sizeof(target) - 1);
	if (n < 0)
		return err_sys(e, "readlink %s", src);
	target[n] = '\0';
	if (symlink(target, dst) < 0)
		return err_sys(e, "symlink %s", dst);
	if (lchown(dst, st.st_uid, st.st_gid) < 0)
		return err_sys(e, "chown %s", dst);
	return 0;
}

/* Where zfs has a and b mounted, read from zfs rather than computed, so that no file ever
 * lands in the directory under a dataset that is not mounted. */
static int
mounted_dirs(const char *const names[2], char *dirs[2], struct ioc_err *e)
{
	cleanup_free char *text = NULL;
	struct zfs_recs recs = {0};
	const char *argv[] = {
	    "zfs",    "get",    "-H", "-o", "name,property,value", "mounted,mountpoint",
	    names[0], names[1], NULL};
	bool up[2] = {false, false};

	if (zfs_get(argv, ZFS_COLS_NPV, &text, &recs, e) < 0)
		return -1;
	for (size_t i = 0; i < recs.n; i++) {
		const struct zfs_rec *r = &recs.v[i];

		for (int k = 0; k < 2; k++) {
			if (!streq(r->name, names[k]))
				continue;
			if (streq(r->prop, "mounted"))
				up[k] = streq(r->value, "yes");
			else if (streq(r->prop, "mountpoint") && r->value[0] == '/' && !dirs[k])
				dirs[k] = xstrdup(r->value);
		}
	}
	zfs_recs_free(&recs);
	for (int k = 0; k < 2; k++)
		if (!up[k] || !dirs[k])
			return err_set(e, EIO, "%s is not mounted", names[k]);
	return 0;
}

/* The listed entries of the snapshot's files (a clone of it at tmp) into dst, and the
 * owner and mode of its top directory. */
static int
copy_entries(const char *tmp, const char *dst, const char *const *only, struct ioc_err *e)
{
	const char *names[2] = {tmp, dst};
	char *dirs[2] = {NULL, NULL};
	struct stat st;
	int r = 0;

	if (mounted_dirs(names, dirs, e) < 0 || !dirs[0] || !dirs[1])
		r = -1;
	for (size_t i = 0; r == 0 && only[i]; i++)
		r = copy_entry(dirs[0], dirs[1], only[i], e);
	if (r == 0 && stat(dirs[0], &st) < 0)
		r = err_sys(e, "stat %s", dirs[0]);
	if (r == 0 &&
	    (chown(dirs[1], st.st_uid, st.st_gid) < 0 || chmod(dirs[1], st.st_mode & 07777) < 0))
		r = err_sys(e, "chown %s", dirs[1]);
	free(dirs[0]);
	free(dirs[1]);
	return r;
}

/* Some top-level directories of src@snap into a new dataset. zfs-fuse shows no
 * .zfs/snapshot, so the snapshot's files are read from a temporary read-only clone beside dst,
 * named after our pid: under dst's parent (jails/UUID for a jail's root), it goes with the
 * half-made jail that a kill leaves; in the base, init tells a leftover from a copy under way. */
static int
copy_only(struct store *s, const char *from, const char *dst, const char *const *only,
	  struct ioc_err *e)
{
	static unsigned seq;
	const char *slash = strrchr(dst, '/');
	cleanup_free char *tmp =
	    xasprintf("%.*s%s" TMP_PREFIX "%ld-%u", slash ? (int)(slash - dst) : 0, dst,
		      slash ? "/" : "", (long)getpid(), seq++);
	cleanup_free char *tmp_full = full_name(s, tmp), *dst_full = full_name(s, dst);
	const char *clone[] = {"zfs", "clone", "-o", "readonly=on", from, tmp_full, NULL};
	struct ioc_err e2;
	int r;

	if (zfs_create_full(dst_full, NULL, false, e) < 0)
		return -1;
	r = zfs_run(clone, NULL, e);
	if (r == 0)
		r = copy_entries(tmp_full, dst_full, only, e);
	if (zfs_destroy_full(tmp_full, true, r < 0 ? &e2 : e) < 0 && r == 0)
		r = -1;
	if (r < 0) {
		zfs_destroy_full(dst_full, true, &e2);
		return err_wrap(e, "copy %s", dst);
	}
	return 0;
}

static int
zfs_copy(struct store *s, const char *src, const char *snap, const char *dst,
	 const char *const *only, struct ioc_err *e)
{
	cleanup_free char *from = NULL, *to = NULL;

	if (check_name(src, false, e) < 0 || check_snap(snap, e) < 0 ||
	    check_name(dst, false, e) < 0 || (only && check_only(only, e) < 0))
		return -1;
	from = xasprintf("%s/%s@%s", s->base, src, snap);
	if (only)
		return copy_only(s, from, dst, only, e);
	to = full_name(s, dst);
	return copy_stream(from, to, snap, e);
}

/* list: ONE zfs call whatever the flags. `-s local` cannot be used to find the children,
 * since it leaves out a dataset without a local property, and costs zfs as much as `all`
 * (zfs computes every property before filtering): measured on zfs-fuse with 200 children,
 * `get all` with the source column 0.22-0.33 s against 0.24-0.30 s for `get -s local` plus
 * 0.09 s for a `zfs list` of the names. So: all properties with their source, user ones
 * kept when local, native ones picked from the same output with STORE_NATIVE. */
static const char *const list_argv[] = {"zfs", "get", "-H", "-p",
					"-d",  "1",   "-o", "name,property,value,source"};

static int
zfs_list_multi(struct store *s, const char *const *parents, unsigned flags, struct ds_list *out,
	       struct ioc_err *e)
{
	cleanup_free char *text = NULL, *props = NULL;
	struct zfs_recs recs = {0};
	struct ds_list l = {0};
	struct strv argv = {0}, fulls = {0};
	int r;

	for (size_t i = 0; parents[i]; i++) {
		if (check_name(parents[i], true, e) < 0) {
			strv_free(&fulls);
			return -1;
		}
		strv_push_take(&fulls, full_name(s, parents[i]));
	}
	props = props_arg(s, flags);
	for (size_t i = 0; i < ARRAY_SIZE(list_argv); i++)
		strv_push(&argv, list_argv[i]);
	strv_push(&argv, props);
	for (size_t i = 0; i < fulls.n; i++)
		strv_push(&argv, fulls.v[i]);
	r = zfs_get((const char *const *)argv.v, ZFS_COLS_NPVS, &text, &recs, e);
	for (size_t i = 0; r == 0 && i < fulls.n; i++) {
		struct ds_list one = {0};

		recs_to_children(s, &recs, fulls.v[i], flags, &one);
		for (size_t k = 0; k < one.n; k++) {
			struct ds *d = ds_list_add(&l, "");

			free(d->name);
			*d = one.v[k];
		}
		free(one.v);
	}
	for (size_t i = 0; r == 0 && (flags & STORE_SELF) && i < fulls.n; i++) {
		struct ds *d = NULL;

		for (size_t k = 0; k < recs.n; k++) {
			if (!streq(recs.v[k].name, fulls.v[i]))
				continue;
			if (!d)
				d = ds_list_add(&l, parents[i]);
			ds_add_rec(s, d, &recs.v[k], flags);
		}
	}
	zfs_recs_free(&recs);
	strv_free(&argv);
	strv_free(&fulls);
	if (r == 0)
		*out = l;
	return r;
}

static int
zfs_list(struct store *s, const char *parent, unsigned flags, struct ds_list *out,
	 struct ioc_err *e)
{
	const char *parents[] = {parent, NULL};

	return zfs_list_multi(s, parents, flags, out, e);
}

static int
zfs_getds(struct store *s, const char *name, unsigned flags, struct ds *out, struct ioc_err *e)
{
	cleanup_free char *full = NULL, *text = NULL, *props = NULL;
	struct zfs_recs recs = {0};
	struct ds d = {0};
	const char *argv[] = {"zfs", "get", "-H", "-p", "-o", "name,property,value,source",
			      NULL,  NULL,  NULL};

	if (check_name(name, true, e) < 0)
		return -1;
	full = full_name(s, name);
	props = props_arg(s, flags);
	argv[6] = props;
	argv[7] = full;
	if (zfs_get(argv, ZFS_COLS_NPVS, &text, &recs, e) < 0)
		return -1;
	d.name = xstrdup(name);
	for (size_t i = 0; i < recs.n; i++)
		if (streq(recs.v[i].name, full))
			ds_add_rec(s, &d, &recs.v[i], flags);
	zfs_recs_free(&recs);
	*out = d;
	return 0;
}

/* One `zfs set` per property: zfs-fuse reads a second K=V as a dataset name. */
static int
zfs_set_user(struct store *s, const char *name, const struct kvlist *set, const struct strv *unset,
	     struct ioc_err *e)
{
	cleanup_free char *full = NULL;

	if (check_name(name, true, e) < 0 || check_user(set, e) < 0)
		return -1;
	for (size_t i = 0; unset && i < unset->n; i++)
		if (check_key(unset->v[i], e) < 0)
			return -1;
	full = full_name(s, name);
	for (size_t i = 0; set && i < set->n; i++) {
		cleanup_free char *kv = xasprintf(UPROP "%s=%s", set->v[i].key, set->v[i].val);
		const char *argv[] = {"zfs", "set", kv, full, NULL};

		if (zfs_run(argv, NULL, e) < 0)
			return -1;
	}
	for (size_t i = 0; unset && i < unset->n; i++) {
		cleanup_free char *k = xasprintf(UPROP "%s", unset->v[i]);
		const char *argv[] = {"zfs", "inherit", k, full, NULL};

		if (zfs_run(argv, NULL, e) < 0)
			return -1;
	}
	return 0;
}

static int
zfs_set_prop(const char *full, const char *prop, const char *val, struct ioc_err *e)
{
	cleanup_free char *kv = xasprintf("%s=%s", prop, val);
	const char *argv[] = {"zfs", "set", kv, full, NULL};

	return zfs_run(argv, NULL, e);
}

static int
zfs_set_native(struct store *s, const char *name, const char *prop, const char *val,
	       struct ioc_err *e)
{
	static const char *const settable[] = {"quota", "reservation", "compression", "dedup"};
	bool size = streq(prop, "quota") || streq(prop, "reservation");
	cleanup_free char *full = NULL;
	size_t i;

	if (check_name(name, false, e) < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(settable) && !streq(prop, settable[i]); i++)
		;
	if (i == ARRAY_SIZE(settable))
		return err_set(e, EINVAL, "%s is not a settable native property", prop);
	if (val && (!*val || check_value(prop, val, e) < 0))
		return err_set(e, EINVAL, "%s: invalid value '%s'", prop, val);
	full = full_name(s, name);
	if (!val && !size) {
		const char *argv[] = {"zfs", "inherit", prop, full, NULL};

		return zfs_run(argv, NULL, e);
	}
	/* quota and reservation cannot be inherited: "none" clears them. */
	if (zfs_set_prop(full, prop, val ? val : "none", e) == 0)
		return 0;
	/* Older ZFS (zfs-fuse) has no lz4: "'compression' must be one of 'on | off | ...". */
	if (streq(prop, "compression") && val && streq(val, "lz4") && said(e, "must be one of"))
		return zfs_set_prop(full, prop, "on", e);
	return -1;
}

static char *
zfs_path(struct store *s, const char *name)
{
	if (!s->mnt)
		return NULL;
	return join_path(s->mnt, name);
}

static int
zfs_mount(struct store *s, const char *name, struct ioc_err *e)
{
	cleanup_free char *full = NULL;
	const char *argv[] = {"zfs", "mount", NULL, NULL};

	struct mount_list l = {0};
	bool mounted;

	if (check_name(name, true, e) < 0)
		return -1;
	full = full_name(s, name);
	/* Mounted already (as zfs mounts every dataset it imports): no zfs process. */
	mounted = zfs_mounts(full, &l) == 0 && l.n && streq(l.v[0].source, full);
	mount_list_free(&l);
	if (mounted)
		return 0;
	argv[2] = full;
	if (zfs_run_retry(argv, e) < 0 && !said(e, "already mounted"))
		return -1;
	return 0;
}

static int
zfs_umount(struct store *s, const char *name, struct ioc_err *e)
{
	cleanup_free char *full = NULL;

	if (check_name(name, true, e) < 0)
		return -1;
	full = full_name(s, name);
	return zfs_umount_full(full, e);
}

static void
zfs_free(struct store *s)
{
	struct zfs_priv *p = s->priv;

	if (p) {
		strv_free(&p->layout);
		strv_free(&p->uncompressed);
	}
	free(p);
	s->priv = NULL;
	origins_forget();
}

static void
zfs_forget(const struct store *s)
{
	(void)s;
	origins_forget();
}

/* The mountpoint zfs reports, when it is a directory (not "none" or "legacy"). */
static char *
mountpoint_value(const char *v)
{
	return v[0] == '/' ? xstrdup(v) : NULL;
}

/* Remove what a copy killed halfway left: TMP_PREFIX PID-N whose process is gone. */
static void
clean_stale_tmp(struct store *s, const struct strv *names)
{
	size_t blen = strlen(s->base);

	for (size_t i = 0; i < names->n; i++) {
		const char *n = names->v[i];
		struct ioc_err e2;
		char *end;
		long pid;

		if (strncmp(n, s->base, blen) != 0 || n[blen] != '/' ||
		    !str_has_prefix(n + blen + 1, TMP_PREFIX))
			continue;
		pid = strtol(n + blen + 1 + strlen(TMP_PREFIX), &end, 10);
		if (pid <= 0 || *end != '-' || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue; /* alive (or not ours to signal): still copying */
		zfs_destroy_full(n, true, &e2);
	}
}

/* The base inherits its mountpoint (/POOL/iocage by default); under a pool whose root is
 * not mounted, it gets that path explicitly. */
static int
create_base(struct store *s, struct ioc_err *e)
{
	cleanup_free char *mp = xasprintf("mountpoint=/%s", s->base), *text = NULL;
	const char *inherit[] = {"zfs", "create", s->base, NULL};
	const char *explicit[] = {"zfs", "create", "-o", mp, s->base, NULL};
	const char *get[] = {"zfs", "get", "-H", "-o", "value", "mountpoint", s->base, NULL};

	if (zfs_run(s->mnt ? inherit : explicit, NULL, e) < 0 && e->code != EEXIST)
		return -1;
	if (zfs_run(get, &text, e) < 0)
		return -1;
	text[strcspn(text, "\n")] = '\0';
	free(s->mnt);
	s->mnt = mountpoint_value(text);
	return 0;
}

/* The top directory of each layout dataset, where it is mounted, 0700 (see layout). Stores
 * made before this was done are closed on their next use. */
static int
layout_close(struct store *s, struct ioc_err *e)
{
	for (size_t i = 0; s->mnt && i < ARRAY_SIZE(layout); i++) {
		cleanup_free char *path = join_path(s->mnt, layout[i]);
		cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;

		if (fd < 0 &&
		    errno == ENOENT) /* not mounted (canmount=off, or mounted elsewhere) */
			continue;
		if (fd < 0 || fstat(fd, &st) < 0)
			return err_sys(e, "open %s", path);
		if ((st.st_mode & 077) && fchmod(fd, st.st_mode & 0700) < 0)
			return err_sys(e, "make %s 0700", path);
	}
	return 0;
}

/* A ready layout costs nothing more than the open, which listed it. */
static int
zfs_init(struct store *s, struct ioc_err *e)
{
	cleanup_free char *text = NULL;
	const char *argv[] = {"zfs", "list", "-H", "-o", "name", "-r", "-d", "1", s->base, NULL};
	struct zfs_priv *p = s->priv;
	struct strv names = {0};
	int r = 0;

	if (p->layout_known) {
		for (size_t i = 0; i < p->layout.n; i++)
			strv_push(&names, p->layout.v[i]);
	} else if (zfs_run(argv, &text, e) < 0) {
		if (e->code != ENOENT || create_base(s, e) < 0)
			return err_wrap(e, "init %s", s->base);
	} else if (zfs_parse_names(text, &names, e) < 0) {
		return err_wrap(e, "init %s", s->base);
	}
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(layout); i++) {
		cleanup_free char *full = full_name(s, layout[i]);
		bool made = false;

		if (!strv_contains(&names, full))
			made = (r = zfs_create_full(full, NULL, false, e)) == 0;
		if (r < 0 && e->code == EEXIST) /* another iocage got there first */
			r = 0;
		/* Jails inherit their compression from here (lz4, or on where zfs lacks it),
		 * unless one is given at create: set once, not per jail. */
		if (r == 0 && i < 2 && (made || strv_contains(&p->uncompressed, full)))
			r = zfs_set_native(s, layout[i], "compression", "lz4", e);
	}
	if (r == 0)
		clean_stale_tmp(s, &names);
	if (r == 0)
		r = layout_close(s, e);
	strv_free(&names);
	return r < 0 ? err_wrap(e, "init %s", s->base) : 0;
}

static const struct store_ops zfs_ops = {
    .name = "zfs",
    .init = zfs_init,
    .exists = zfs_exists,
    .create = zfs_create,
    .destroy = zfs_destroy,
    .snapshot = zfs_snapshot,
    .snap_destroy = zfs_snap_destroy,
    .snap_list = zfs_snap_list,
    .rollback = zfs_rollback,
    .promote = zfs_promote,
    .rename = zfs_rename,
    .deps = zfs_deps,
    .clone = zfs_clone,
    .copy = zfs_copy,
    .list = zfs_list,
    .list_multi = zfs_list_multi,
    .get = zfs_getds,
    .set_user = zfs_set_user,
    .set_native = zfs_set_native,
    .path = zfs_path,
    .mount = zfs_mount,
    .umount = zfs_umount,
    .free = zfs_free,
    .forget = zfs_forget,
};

/* Entry points ---------------------------------------------------------------------------- */

/* The base's mountpoint, and the layout under it, from one call on the pool's root, the base
 * and its releases with their children: the base's own mountpoint when it exists, else (a
 * second call, on the root alone: only before the first init) where it will inherit it from
 * the root. */
static int
read_mountpoints(struct store *s, struct ioc_err *e)
{
	cleanup_free char *text = NULL;
	struct zfs_recs recs = {0};
	cleanup_free char *rels = xasprintf("%s/releases", s->base);
	const char *both[] = {"zfs",
			      "get",
			      "-H",
			      "-d",
			      "1",
			      "-o",
			      "name,property,value,source",
			      "mountpoint,compression",
			      s->pool,
			      s->base,
			      rels,
			      NULL};
	const char *root[] = {
	    "zfs",        "get",   "-H", "-d", "1", "-o", "name,property,value,source",
	    "mountpoint", s->pool, NULL};
	const char *pool_mp = NULL, *base_mp = NULL;
	struct zfs_priv *p = s->priv;

	p->gen = zfs_changes;
	p->layout_known = zfs_get(both, ZFS_COLS_NPVS, &text, &recs, e) == 0;
	if (!p->layout_known &&
	    (e->code != ENOENT || zfs_get(root, ZFS_COLS_NPVS, &text, &recs, e) < 0))
		return -1;
	for (size_t i = 0; i < recs.n; i++) {
		const struct zfs_rec *r = &recs.v[i];

		if (streq(r->prop, "compression")) {
			if (!streq(r->source, "local") && !strv_contains(&p->uncompressed, r->name))
				strv_push(&p->uncompressed, r->name);
			continue;
		}
		if (streq(r->name, s->pool))
			pool_mp = r->value;
		else if (streq(r->name, s->base))
			base_mp = r->value;
		if (p->layout_known && in_tree(r->name, s->base) &&
		    !strv_contains(&p->layout, r->name))
			strv_push(&p->layout, r->name);
	}
	if (base_mp)
		s->mnt = mountpoint_value(base_mp);
	else if (pool_mp && pool_mp[0] == '/')
		s->mnt = join_path(pool_mp, "iocage");
	zfs_recs_free(&recs);
	return 0;
}

int
store_zfs_open(struct store **ret, const char *pool, struct ioc_err *e)
{
	struct store *s;

	if (check_pool(pool, e) < 0)
		return -1;
	s = xcalloc(1, sizeof(*s));
	s->ops = &zfs_ops;
	s->pool = xstrdup(pool);
	s->base = xasprintf("%s/iocage", pool);
	s->priv = xcalloc(1, sizeof(struct zfs_priv));
	if (read_mountpoints(s, e) < 0) {
		store_free(s);
		err_wrap(e, "open pool %s", pool);
		return -1;
	}
	*ret = s;
	return 0;
}

/* zfs is not installed, or has nothing to talk to (no module, no zfs-fuse daemon). */
static bool
zfs_unavailable(const struct ioc_err *e)
{
	static const char *const signs[] = {
	    "run zfs:", "is it installed", "failed to initialize", "modules are not loaded",
	    "/dev/zfs", "daemon",          "Connection refused",
	};

	for (size_t i = 0; i < ARRAY_SIZE(signs); i++)
		if (said(e, signs[i]))
			return true;
	return false;
}

int
store_zfs_active_pools(struct strv *out, struct ioc_err *e)
{
	cleanup_free char *text = NULL;
	struct zfs_recs recs = {0};
	const char *argv[] = {"zfs",   "get",           "-H", "-o", "name,value", "-d", "0", "-s",
			      "local", "iocage:active", NULL};

	if (run_prog(argv, &text, e) < 0) {
		if (zfs_unavailable(e)) {
			err_clear(e);
			return 0;
		}
		return zfs_fail(argv, e);
	}
	if (zfs_parse_get(text, ZFS_COLS_NV, &recs, e) < 0)
		return err_wrap(e, "zfs get iocage:active");
	for (size_t i = 0; i < recs.n; i++)
		if (!strchr(recs.v[i].name, '/') && streq(recs.v[i].value, "yes"))
			strv_push(out, recs.v[i].name);
	zfs_recs_free(&recs);
	return 0;
}

int
store_zfs_activate(const char *pool, bool on, struct ioc_err *e)
{
	const char *set[] = {"zfs", "set", "iocage:active=yes", pool, NULL};
	const char *unset[] = {"zfs", "inherit", "iocage:active", pool, NULL};
	struct store *s = NULL;
	int r;

	if (!on) {
		if (check_pool(pool, e) < 0)
			return -1;
		return zfs_run(unset, NULL, e);
	}
	if (store_zfs_open(&s, pool, e) < 0)
		return -1;
	r = s->ops->init(s, e);
	store_free(s);
	if (r < 0)
		return -1;
	return zfs_run(set, NULL, e);
}

int
store_zfs_pool_exists(const char *pool, struct ioc_err *e)
{
	const char *argv[] = {"zpool", "list", "-H", "-o", "name", pool, NULL};

	if (check_pool(pool, e) < 0)
		return -1;
	if (zfs_run(argv, NULL, e) == 0)
		return 1;
	return e->code == ENOENT ? 0 : -1;
}
