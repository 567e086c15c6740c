/* The dir backend: datasets are directories under a root R, thin clones are overlayfs mounts.
 *
 * Layout, for a dataset NAME = "P/B" (P may be empty):
 *   R/P/B           the dataset's files (for a clone: the overlay's mount point)
 *   R/P/.B@SNAP     snapshot SNAP: a full, immutable copy (reflinked where the filesystem can)
 *   R/P/.B.ovl      a clone's upper/ and work/ directories; its origin "SRC@SNAP" and its
 *                   properties are xattrs of this directory, not of the mount point, so they
 *                   read the same whether the overlay is mounted or not
 *   R/P/.B~WHAT     transient: made under this name, renamed into place when complete, so a
 *                   dataset appears whole or not at all; leftovers go at the next create
 *   R/P/.B@SNAP~    a snapshot being made (deps lists it, so that the cleaning after a killed
 *                   clone drops it; snapshot destroy and the same snapshot again remove it)
 *   R/P/.B@SNAP~destroy  a snapshot being destroyed (gone at the next snapshot operation)
 * Entries starting with '.' are the backend's own; ".defaults" is the one hidden dataset.
 * Properties are "trusted.iocage.KEY" xattrs (only root reads or writes trusted.*); the
 * backend's own are "trusted.iocage-native.creation" (seconds) and "...origin". */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "util/cleanup.h"
#include "util/fault.h"
#include "util/fs.h"

#define XA_USER     "trusted.iocage."
#define XA_NATIVE   "trusted.iocage-native."
#define XA_CREATION XA_NATIVE "creation"
#define XA_ORIGIN   XA_NATIVE "origin"
#define XA_PROBE    XA_NATIVE "probe"

#define OVL_SOURCE "iocage" /* the source of our overlay mounts, shown in mountinfo */
#define DIR_FLAGS  (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* The top of the layout. jails, releases and templates hold root filesystems with set-uid
 * binaries that a jail's root may have made: a host user who can reach one can run it, so they
 * (and the backend's other directories: logs, exported images) are 0700. */
static const struct {
	const char *name;
	mode_t mode;
} layout[] = {
    {"jails", 0700},  {"releases", 0700}, {"templates", 0700}, {"download", 0700},
    {"images", 0700}, {"packages", 0700}, {"log", 0700},       {".defaults", 0700},
};

/* ---- names and paths ---- */

/* The characters ZFS allows in dataset and snapshot names; '@', '~', '/' and a leading '.'
 * are what the layout above uses, so they can never be part of a name. */
static bool
name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' || c == ':';
}

static int
check_name(const char *name, bool allow_root, struct ioc_err *e)
{
	const char *p = name, *end;

	/* Empty components, "." and ".." would leave the dataset's directory. */
	if (!*name)
		return allow_root ? 0 : err_set(e, EINVAL, "the root dataset cannot be used here");
	if (streq(name, ".defaults"))
		return 0;
	if (strlen(name) > 1024)
		return err_set(e, ENAMETOOLONG, "dataset name too long: %.64s...", name);
	for (;; p = end + 1) {
		end = strchrnul(p, '/');
		if (end == p || *p == '.' || end - p > 200)
			return err_set(e, EINVAL, "invalid dataset name '%s'", name);
		for (const char *c = p; c < end; c++)
			if (!name_char(*c))
				return err_set(e, EINVAL, "invalid dataset name '%s'", name);
		if (!*end)
			return 0;
	}
}

static int
check_snap(const char *snap, struct ioc_err *e)
{
	if (!snap || !*snap || strlen(snap) > 200)
		return err_set(e, EINVAL, "invalid snapshot name '%s'", snap ? snap : "");
	for (const char *c = snap; *c; c++)
		if (!name_char(*c))
			return err_set(e, EINVAL, "invalid snapshot name '%s'", snap);
	return 0;
}

static char *
ds_join(const char *parent, const char *base)
{
	return *parent ? xasprintf("%s/%s", parent, base) : xstrdup(base);
}

static char *
ds_path(const struct store *s, const char *name)
{
	return *name ? xasprintf("%s/%s", s->base, name) : xstrdup(s->base);
}

/* R/P/.B + suffix: the hidden companions of dataset P/B. */
static char *
ds_sibling(const struct store *s, const char *name, const char *suffix)
{
	const char *slash = strrchr(name, '/');

	if (!slash)
		return xasprintf("%s/.%s%s", s->base, name, suffix);
	return xasprintf("%s/%.*s/.%s%s", s->base, (int)(slash - name), name, slash + 1, suffix);
}

static char *
snap_path(const struct store *s, const char *name, const char *snap)
{
	cleanup_free char *suffix = xasprintf("@%s", snap);

	return ds_sibling(s, name, suffix);
}

/* The parent directory of a dataset, and its last component. */
static char *
ds_parent_path(const struct store *s, const char *name, const char **ret_base)
{
	const char *slash = strrchr(name, '/');

	*ret_base = slash ? slash + 1 : name;
	if (!slash)
		return xstrdup(s->base);
	return xasprintf("%s/%.*s", s->base, (int)(slash - name), name);
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
is_overlay(const struct store *s, const char *name)
{
	cleanup_free char *ovl = NULL;

	if (!*name)
		return false;
	ovl = ds_sibling(s, name, ".ovl");
	return is_dir(ovl);
}

/* Where a dataset's properties live: its .ovl directory for a clone, else itself. */
static char *
props_path(const struct store *s, const char *name)
{
	return is_overlay(s, name) ? ds_sibling(s, name, ".ovl") : ds_path(s, name);
}

static int
need_dataset(const struct store *s, const char *name, struct ioc_err *e)
{
	cleanup_free char *p = ds_path(s, name);

	if (!is_dir(p))
		return err_set(e, ENOENT, "dataset %s does not exist", *name ? name : "(root)");
	return 0;
}

/* rename that never replaces: a dataset appears whole, or the call fails. */
static int
rename_new(const char *from, const char *to, struct ioc_err *e)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EINVAL) { /* a filesystem without RENAME_NOREPLACE */
		if (access(to, F_OK) == 0)
			errno = EEXIST;
		else if (rename(from, to) == 0)
			return 0;
	}
	if (errno == EEXIST || errno == ENOTEMPTY)
		return err_set(e, EEXIST, "%s already exists", to);
	return err_sys(e, "rename %s to %s", from, to);
}

/* ---- xattrs ---- */

static ssize_t
xa_raw(int fd, const char *path, const char *key, void *buf, size_t len)
{
	return fd >= 0 ? fgetxattr(fd, key, buf, len) : lgetxattr(path, key, buf, len);
}

/* 1 with *ret set when the attribute exists, 0 when not. Of fd, or of path when fd < 0. */
static int
xa_get(int fd, const char *path, const char *key, char **ret, struct ioc_err *e)
{
	char buf[1024];
	ssize_t n = xa_raw(fd, path, key, buf, sizeof(buf));

	while (n < 0 && errno == ERANGE) {
		char *big;

		if ((n = xa_raw(fd, path, key, NULL, 0)) < 0)
			break;
		big = xmalloc((size_t)n + 1);
		n = xa_raw(fd, path, key, big, (size_t)n);
		if (n >= 0) {
			big[n] = '\0';
			*ret = big;
			return 1;
		}
		free(big);
	}
	if (n < 0 && errno == ENODATA)
		return 0;
	if (n < 0) {
		err_sys(e, "read %s of %s", key, path);
		return -1;
	}
	*ret = xstrndup(buf, (size_t)n);
	return 1;
}

static int
xa_set(const char *path, const char *key, const char *val, struct ioc_err *e)
{
	if (lsetxattr(path, key, val, strlen(val), 0) == 0)
		return 0;
	if (errno == ENOSPC || errno == E2BIG)
		return err_sys(e,
			       "set %s on %s (the filesystem keeps little room for extended "
			       "attributes: ext4 about 4 KiB per file, all together)",
			       key, path);
	return err_sys(e, "set %s on %s", key, path);
}

static int
set_creation(const char *path, struct ioc_err *e)
{
	char now[32];

	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	return xa_set(path, XA_CREATION, now, e);
}

/* All xattr names of fd, NUL-separated, in *ret (caller frees). */
static ssize_t
xa_list(int fd, const char *path, char **ret, struct ioc_err *e)
{
	ssize_t n, size;

	for (;;) {
		size = fd >= 0 ? flistxattr(fd, NULL, 0) : llistxattr(path, NULL, 0);
		if (size < 0)
			return err_sys(e, "list attributes of %s", path);
		*ret = xmalloc((size_t)size + 1);
		n = fd >= 0 ? flistxattr(fd, *ret, (size_t)size)
			    : llistxattr(path, *ret, (size_t)size);
		if (n >= 0)
			return n;
		free(*ret);
		*ret = NULL;
		if (errno != ERANGE) /* grew in between: again */
			return err_sys(e, "list attributes of %s", path);
	}
}

/* The user properties (and with native, creation and origin) of the directory fd; what names
 * it in messages. */
static int
read_props(int fd, const char *what, struct kvlist *user, struct kvlist *native, struct ioc_err *e)
{
	char stack[2048], *heap = NULL, *names = stack, *val;
	ssize_t n = flistxattr(fd, stack, sizeof(stack));
	int r = 0;

	if (n < 0 && errno == ERANGE) {
		n = xa_list(fd, what, &heap, e);
		names = heap;
	} else if (n < 0) {
		return err_sys(e, "list attributes of %s", what);
	}
	for (char *p = names; r == 0 && n > 0 && p < names + n; p += strlen(p) + 1) {
		struct kvlist *to = NULL;
		const char *key = NULL;

		if (str_has_prefix(p, XA_USER)) {
			to = user;
			key = p + strlen(XA_USER);
		} else if (native && (streq(p, XA_CREATION) || streq(p, XA_ORIGIN))) {
			to = native;
			key = p + strlen(XA_NATIVE);
		}
		if (!to || !*key)
			continue;
		if ((r = xa_get(fd, what, p, &val, e)) == 1) {
			kvlist_set(to, key, val);
			free(val);
		}
		r = r < 0 ? -1 : 0;
	}
	free(heap);
	return n < 0 ? -1 : r;
}

/* ---- directory scans ---- */

/* One directory's entries as the layout sees them. */
struct ents {
	struct strv kids;  /* non-hidden directories (or unknown type), sorted */
	struct strv ovls;  /* B of each ".B.ovl", sorted */
	struct strv snaps; /* ".B@S" entries, complete ones only */
	struct strv part;  /* ".B@S" of every ".B@S~" (a snapshot being made, or cut short) */
	struct strv stale; /* B of every hidden ".B~...", ".B.ovl" or ".B@S" (maybe leftovers) */
};

static void
ents_free(struct ents *x)
{
	strv_free(&x->kids);
	strv_free(&x->ovls);
	strv_free(&x->snaps);
	strv_free(&x->part);
	strv_free(&x->stale);
}

static bool
strv_has_sorted(const struct strv *sv, const char *s)
{
	size_t lo = 0, hi = sv->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(sv->v[mid], s);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static void
ents_add(struct ents *x, const char *name, unsigned char type)
{
	size_t len = strlen(name);

	if (name[0] != '.') {
		if (type == DT_DIR || type == DT_UNKNOWN)
			strv_push(&x->kids, name);
		return;
	}
	if (len > 1 && !streq(name, "..") && strcspn(name + 1, "~@") < len - 1)
		strv_push_take(&x->stale, xstrndup(name + 1, strcspn(name + 1, "~@")));
	else if (len > 5 && str_has_suffix(name, ".ovl"))
		strv_push_take(&x->stale, xstrndup(name + 1, len - 5));
	if (strchr(name, '@') && strchr(name, '~') == name + len - 1) {
		strv_push_take(&x->part, xstrndup(name, len - 1));
		return;
	}
	if (strchr(name, '~') || streq(name, ".") || streq(name, "..")) {
		return;
	} else if (strchr(name, '@')) {
		strv_push(&x->snaps, name);
	} else if (len > 5 && str_has_suffix(name, ".ovl")) {
		strv_push_take(&x->ovls, xstrndup(name + 1, len - 5));
	}
}

static int
read_ents(int dfd, const char *path, struct ents *x, struct ioc_err *e)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	int saved;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return err_sys(e, "read %s", path);
	}
	for (errno = 0; (de = readdir(d)); errno = 0)
		ents_add(x, de->d_name, de->d_type);
	saved = errno;
	closedir(d);
	if ((errno = saved))
		return err_sys(e, "read %s", path);
	strv_sort(&x->kids);
	strv_sort(&x->ovls);
	strv_sort(&x->snaps);
	strv_sort(&x->part);
	strv_sort(&x->stale);
	return 0;
}

/* Clones record their origin on their .ovl directory. They are found by reading the
 * directories where datasets of up to three components keep their companions: R, R/A and
 * R/A/B (jails/UUID/root is the deepest name iocage makes). Overlay datasets are not entered
 * (their files are a jail's), nor are hidden entries (snapshots hold copies of .ovl dirs). */
static int
scan_clones(int dfd, const char *rel, const char *path, int depth, struct kvlist *out,
	    struct kvlist *all, struct ioc_err *e)
{
	struct ents x = {0};
	int r = read_ents(dfd, path, &x, e);

	/* With all: every dataset and snapshot too, without an origin (clones get theirs). */
	for (size_t i = 0; r == 0 && all && i < x.kids.n; i++) {
		cleanup_free char *ds = ds_join(rel, x.kids.v[i]);

		kvlist_set(all, ds, "");
	}
	for (size_t i = 0; r == 0 && all && i < x.snaps.n; i++) {
		cleanup_free char *sn = ds_join(rel, x.snaps.v[i] + 1);

		kvlist_set(all, sn, "");
	}
	/* A snapshot cut short is listed too, so that the leftover cleaning of the jail it was
	 * made for (a clone killed while it copied) finds it and destroys it. */
	for (size_t i = 0; r == 0 && all && i < x.part.n; i++) {
		cleanup_free char *sn = ds_join(rel, x.part.v[i] + 1);

		if (!strv_has_sorted(&x.snaps, x.part.v[i]))
			kvlist_set(all, sn, "");
	}

	for (size_t i = 0; r == 0 && i < x.ovls.n; i++) {
		cleanup_free char *ovl = xasprintf(".%s.ovl", x.ovls.v[i]), *origin = NULL;
		cleanup_free char *clone = ds_join(rel, x.ovls.v[i]);
		cleanup_close int fd = -1;

		if (!strv_has_sorted(&x.kids, x.ovls.v[i]))
			continue; /* a leftover of an unfinished clone */
		fd = openat(dfd, ovl, DIR_FLAGS);
		if (fd < 0)
			continue;
		r = xa_get(fd, path, XA_ORIGIN, &origin, e);
		if (r == 1)
			kvlist_set(out, clone, origin);
		r = r < 0 ? -1 : 0;
	}
	for (size_t i = 0; r == 0 && depth < 2 && i < x.kids.n; i++) {
		cleanup_free char *sub = ds_join(rel, x.kids.v[i]);
		cleanup_free char *subpath = xasprintf("%s/%s", path, x.kids.v[i]);
		cleanup_close int fd = -1;

		if (strv_has_sorted(&x.ovls, x.kids.v[i]))
			continue;
		fd = openat(dfd, x.kids.v[i], DIR_FLAGS);
		if (fd < 0 && errno != ENOENT && errno != ENOTDIR)
			r = err_sys(e, "open %s", subpath);
		else if (fd >= 0)
			r = scan_clones(fd, sub, subpath, depth + 1, out, all, e);
	}
	ents_free(&x);
	return r;
}

static bool
in_tree(const char *x, const char *top)
{
	size_t len = strlen(top);

	return strncmp(x, top, len) == 0 && (x[len] == '\0' || x[len] == '/');
}

/* The clones that stand in the way: with snap, the clones of name@snap; without, the clones
 * outside name's tree of any snapshot inside it. EBUSY naming them, or 0. */
static int
check_dependents(struct store *s, const char *name, const char *snap, struct ioc_err *e)
{
	cleanup_close int fd = open(s->base, DIR_FLAGS);
	cleanup_free char *want = snap ? xasprintf("%s@%s", name, snap) : NULL;
	struct kvlist clones = {0};
	struct sbuf who = {0};
	int r;

	if (fd < 0)
		return err_sys(e, "open %s", s->base);
	r = scan_clones(fd, "", s->base, 0, &clones, NULL, e);
	for (size_t i = 0; r == 0 && i < clones.n; i++) {
		const char *clone = clones.v[i].key, *origin = clones.v[i].val;
		cleanup_free char *src = xstrndup(origin, strcspn(origin, "@"));
		bool dep = want ? streq(origin, want) : in_tree(src, name) && !in_tree(clone, name);

		if (dep) {
			sbuf_add(&who, who.len ? ", " : "");
			sbuf_add(&who, clone);
		}
	}
	kvlist_free(&clones);
	if (r == 0 && who.len)
		r = err_set(e, EBUSY, "%s%s%s has dependent clones: %s", name, snap ? "@" : "",
			    snap ? snap : "", who.s);
	sbuf_free(&who);
	return r;
}

/* ---- mounts ---- */

/* Overlay reads '\', ',' and ':' in its layer paths as escapes and separators. */
static void
ovl_escape(struct sbuf *b, const char *path)
{
	for (const char *p = path; *p; p++) {
		if (*p == '\\' || *p == ',' || *p == ':')
			sbuf_addc(b, '\\');
		sbuf_addc(b, *p);
	}
}

/* Is m the overlay we mount for dataset name? Its source, type and upper layer say so. */
static bool
is_our_overlay(const struct store *s, const char *name, const struct mount_ent *m)
{
	cleanup_free char *ovl = ds_sibling(s, name, ".ovl");
	struct sbuf want = {0};
	const char *hit;
	bool ours;

	if (!streq(m->fstype, "overlay") || !streq(m->source, OVL_SOURCE))
		return false;
	sbuf_add(&want, "upperdir=");
	ovl_escape(&want, ovl);
	sbuf_add(&want, "/upper");
	hit = strstr(m->options, want.s);
	ours = hit && (hit == m->options || hit[-1] == ',') &&
	       (hit[want.len] == ',' || hit[want.len] == '\0');
	sbuf_free(&want);
	return ours;
}

/* 1 if our overlay is the top mount at name's path, 0 if nothing is mounted there; EBUSY
 * if something else is. */
static int
overlay_state(struct store *s, const char *name, struct ioc_err *e)
{
	cleanup_free char *mp = ds_path(s, name);
	struct mount_list ml = {0};
	int r = 0;

	if (mounts_find(mp, MOUNTS_AT, &ml, e) < 0)
		return -1;
	if (ml.n && is_our_overlay(s, name, &ml.v[ml.n - 1]))
		r = 1;
	else if (ml.n)
		r = err_set(e, EBUSY, "%s: a %s mount that iocage did not make is there", mp,
			    ml.v[ml.n - 1].fstype);
	mount_list_free(&ml);
	return r;
}

/* A rename between jails/ and templates/ (set template=yes|no) rewrites the origins of the
 * source's clones after it moves the source: one cut short between the two steps is
 * finished here, when the clone's origin turns up under the other name. */
static int
moved_origin(struct store *s, const char *ovl, const char *src, const char *snap, char **path)
{
	static const char *const tops[][2] = {{"jails/", "templates/"}, {"templates/", "jails/"}};
	struct ioc_err e2;

	for (size_t i = 0; i < ARRAY_SIZE(tops); i++) {
		cleanup_free char *other = NULL, *p = NULL, *origin = NULL;

		if (!str_has_prefix(src, tops[i][0]))
			continue;
		other = xasprintf("%s%s", tops[i][1], src + strlen(tops[i][0]));
		p = snap_path(s, other, snap);
		if (!is_dir(p))
			continue;
		origin = xasprintf("%s@%s", other, snap);
		if (xa_set(ovl, XA_ORIGIN, origin, &e2) < 0)
			return -1;
		free(*path);
		*path = TAKE_PTR(p);
		return 0;
	}
	return -1;
}

/* The snapshot directory a clone's origin names, checked. */
static int
origin_path(struct store *s, const char *name, char **ret, struct ioc_err *e)
{
	cleanup_free char *ovl = ds_sibling(s, name, ".ovl"), *origin = NULL, *src = NULL;
	cleanup_free char *path = NULL;
	const char *at;
	int r = xa_get(-1, ovl, XA_ORIGIN, &origin, e);

	if (r == 0)
		err_set(e, EINVAL, "%s: a clone without an origin", name);
	if (r <= 0)
		return -1;
	at = strchr(origin, '@');
	if (!at) {
		err_set(e, EINVAL, "%s: bad origin '%s'", name, origin);
		return -1;
	}
	src = xstrndup(origin, (size_t)(at - origin));
	if (check_name(src, false, e) < 0 || check_snap(at + 1, e) < 0) {
		err_wrap(e, "%s: origin", name);
		return -1;
	}
	path = snap_path(s, src, at + 1);
	if (!is_dir(path) && moved_origin(s, ovl, src, at + 1, &path) < 0) {
		err_set(e, ENOENT, "%s: the snapshot %s it is a clone of is missing", name, origin);
		return -1;
	}
	*ret = TAKE_PTR(path);
	return 0;
}

static int
dir_mount(struct store *s, const char *name, struct ioc_err *e)
{
	cleanup_free char *mp = NULL, *lower = NULL, *ovl = NULL;
	struct sbuf opts = {0};
	int r;

	if (check_name(name, true, e) < 0 || need_dataset(s, name, e) < 0)
		return -1;
	if (!is_overlay(s, name))
		return 0; /* a plain directory is always there */
	if ((r = overlay_state(s, name, e)) != 0)
		return r < 0 ? -1 : 0;
	if (origin_path(s, name, &lower, e) < 0)
		return -1;
	mp = ds_path(s, name);
	ovl = ds_sibling(s, name, ".ovl");
	sbuf_add(&opts, "lowerdir=");
	ovl_escape(&opts, lower);
	sbuf_add(&opts, ",upperdir=");
	ovl_escape(&opts, ovl);
	sbuf_add(&opts, "/upper,workdir=");
	ovl_escape(&opts, ovl);
	sbuf_add(&opts, "/work");
	if (opts.len >= 4096) /* mount(2) copies one page of options */
		r = err_set(e, ENAMETOOLONG, "mount %s: the overlay's paths are too long", mp);
	else if (mount(OVL_SOURCE, mp, "overlay", 0, opts.s) < 0)
		r = err_sys(e, "mount the overlay of %s on %s", name, mp);
	else
		fault_point("dir mount");
	sbuf_free(&opts);
	return r;
}

static int
umount_one(const char *mp, struct ioc_err *e)
{
	if (umount2(mp, UMOUNT_NOFOLLOW) == 0) {
		fault_point("dir umount");
		return 0;
	}
	if (errno == EBUSY)
		return err_set(e, EBUSY,
			       "unmount %s: it is busy (a process, or a mount inside it, "
			       "still uses it)",
			       mp);
	return err_sys(e, "unmount %s", mp);
}

static int
dir_umount(struct store *s, const char *name, struct ioc_err *e)
{
	cleanup_free char *mp = NULL;
	int r;

	if (check_name(name, true, e) < 0)
		return -1;
	if (!is_overlay(s, name))
		return 0;
	mp = ds_path(s, name);
	/* A mount made twice stacks: take ours off until none is left. */
	while ((r = overlay_state(s, name, e)) == 1)
		if (umount_one(mp, e) < 0)
			return -1;
	return r;
}

/* The dataset a mount point below R belongs to, if it is one of our overlays. */
static bool
is_our_mount(struct store *s, const struct mount_ent *m)
{
	size_t len = strlen(s->base);
	const char *name = m->target + len + 1;

	if (strncmp(m->target, s->base, len) != 0 || m->target[len] != '/')
		return false;
	return check_name(name, false, &(struct ioc_err){0}) == 0 && is_overlay(s, name) &&
	       is_our_overlay(s, name, m);
}

/* Before a tree goes: unmount our overlays in it, deepest first, but refuse (before touching
 * any) if anything else is mounted there. */
static int
umount_tree(struct store *s, const char *name, struct ioc_err *e)
{
	cleanup_free char *path = ds_path(s, name);
	struct mount_list ml = {0};
	int r = 0;

	if (mounts_find(path, MOUNTS_AT | MOUNTS_BELOW, &ml, e) < 0)
		return -1;
	for (size_t i = 0; r == 0 && i < ml.n; i++)
		if (!is_our_mount(s, &ml.v[i]))
			r = err_set(e, EBUSY,
				    "%s is mounted on %s and iocage did not mount it: "
				    "unmount it first",
				    ml.v[i].fstype, ml.v[i].target);
	for (size_t i = ml.n; r == 0 && i > 0; i--)
		r = umount_one(ml.v[i - 1].target, e);
	mount_list_free(&ml);
	return r;
}

/* ---- init, exists, path ---- */

static int
ensure_creation(const char *path, struct ioc_err *e)
{
	cleanup_free char *v = NULL;
	int r = xa_get(-1, path, XA_CREATION, &v, e);

	return r != 0 ? (r < 0 ? -1 : 0) : set_creation(path, e);
}

static int
probe_xattrs(struct store *s, struct ioc_err *e)
{
	if (lsetxattr(s->base, XA_PROBE, "1", 1, 0) < 0) {
		if (errno == ENOTSUP || errno == EOPNOTSUPP)
			return err_set(e, ENOTSUP,
				       "%s: the filesystem does not support trusted.* extended "
				       "attributes; put --root on ext4, xfs, btrfs or tmpfs",
				       s->base);
		if (errno == EPERM)
			return err_set(e, EPERM,
				       "%s: setting trusted.* extended attributes needs "
				       "CAP_SYS_ADMIN (run as root, outside a user namespace)",
				       s->base);
		return err_sys(e, "%s: set a test attribute", s->base);
	}
	lremovexattr(s->base, XA_PROBE);
	return 0;
}

/* A layout directory: made if missing, made private if someone opened it up. */
static int
init_one(struct store *s, const char *name, mode_t mode, struct ioc_err *e)
{
	cleanup_free char *path = ds_path(s, name);
	struct stat st;

	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return err_sys(e, "mkdir %s", path);
	if (lstat(path, &st) < 0)
		return err_sys(e, "stat %s", path);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ENOTDIR, "%s exists and is not a directory", path);
	if ((st.st_mode & 07777) != mode && chmod(path, mode) < 0)
		return err_sys(e, "chmod %s", path);
	return ensure_creation(path, e);
}

static int
dir_init(struct store *s, struct ioc_err *e)
{
	cleanup_free char *v = NULL;
	struct ioc_err e2;

	/* A root made before carries its creation attribute: trusted.* works there, and the
	 * probe (a set and a remove, which some file systems journal) is not needed again. */
	if (xa_get(-1, s->base, XA_CREATION, &v, &e2) <= 0 &&
	    (mkdir_p(s->base, 0755, e) < 0 || probe_xattrs(s, e) < 0 ||
	     ensure_creation(s->base, e) < 0))
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(layout); i++)
		if (init_one(s, layout[i].name, layout[i].mode, e) < 0)
			return -1;
	return 0;
}

static int
dir_exists(struct store *s, const char *name, struct ioc_err *e)
{
	cleanup_free char *p = NULL;

	if (check_name(name, true, e) < 0)
		return -1;
	p = ds_path(s, name);
	return is_dir(p);
}

static char *
dir_path(struct store *s, const char *name)
{
	return ds_path(s, name);
}

/* ---- get, list ---- */

/* The native properties the dir backend can honestly compute. */
static int
add_native(struct store *s, const char *name, bool ovl, int pfd, const struct strv *snaps,
	   struct kvlist *nat, struct ioc_err *e)
{
	cleanup_free char *path = ovl ? ds_sibling(s, name, ".ovl") : ds_path(s, name);
	uint64_t used = 0, u;
	struct statvfs sv;
	char buf[32];

	/* A clone uses its upper layer; a dataset holds its snapshots too, as on ZFS. */
	if (tree_usage(path, &used, e) < 0)
		return -1;
	for (size_t i = 0; snaps && i < snaps->n; i++) {
		cleanup_free char *sp = ds_sibling(s, name, strchr(snaps->v[i], '@'));

		if (tree_usage(sp, &u, e) < 0)
			return -1;
		used += u;
	}
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)used);
	kvlist_set(nat, "used", buf);
	if (fstatvfs(pfd, &sv) == 0) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)sv.f_bavail * sv.f_frsize);
		kvlist_set(nat, "available", buf);
	}
	free(path);
	path = ds_path(s, name);
	kvlist_set(nat, "mountpoint", path);
	return 0;
}

/* The snapshots of base among a directory's entries (".base@S"). */
static void
snaps_of(const struct ents *x, const char *base, struct strv *out)
{
	cleanup_free char *prefix = xasprintf(".%s@", base);

	for (size_t i = 0; i < x->snaps.n; i++)
		if (str_has_prefix(x->snaps.v[i], prefix))
			strv_push(out, x->snaps.v[i]);
}

static int
fill_ds(struct store *s, struct ds *d, int pfd, bool ovl, unsigned flags, const struct strv *snaps,
	struct ioc_err *e)
{
	if (read_props(pfd, *d->name ? d->name : s->base, &d->user,
		       (flags & STORE_NATIVE) ? &d->native : NULL, e) < 0)
		return -1;
	if (flags & STORE_NATIVE)
		return add_native(s, d->name, ovl, pfd, snaps, &d->native, e);
	return 0;
}

static int
dir_get(struct store *s, const char *name, unsigned flags, struct ds *out, struct ioc_err *e)
{
	cleanup_free char *pp = NULL, *parent = NULL;
	cleanup_close int pfd = -1, dfd = -1;
	struct strv snaps = {0};
	struct ents x = {0};
	struct ds d = {0};
	const char *base;
	bool ovl;
	int r;

	if (check_name(name, true, e) < 0 || need_dataset(s, name, e) < 0)
		return -1;
	ovl = is_overlay(s, name);
	pp = props_path(s, name);
	pfd = open(pp, DIR_FLAGS);
	if (pfd < 0)
		return err_sys(e, "open %s", pp);
	if ((flags & STORE_NATIVE) && *name) {
		parent = ds_parent_path(s, name, &base);
		dfd = open(parent, DIR_FLAGS);
		if (dfd < 0 || read_ents(dfd, parent, &x, e) < 0)
			return dfd < 0 ? err_sys(e, "open %s", parent) : -1;
		snaps_of(&x, base, &snaps);
		ents_free(&x);
	}
	d.name = xstrdup(name);
	r = fill_ds(s, &d, pfd, ovl, flags, &snaps, e);
	strv_free(&snaps);
	if (r < 0) {
		ds_free(&d);
		return -1;
	}
	*out = d;
	return 0;
}

static void
ds_list_push(struct ds_list *l, struct ds *d)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *d;
}

/* One readdir, then per child one open, one listxattr and one getxattr per property. */
static int
list_kid(struct store *s, int dfd, const char *parent, const struct ents *x, const char *kid,
	 unsigned flags, struct ds_list *out, struct ioc_err *e)
{
	bool ovl = strv_has_sorted(&x->ovls, kid);
	cleanup_free char *ovlname = ovl ? xasprintf(".%s.ovl", kid) : NULL;
	cleanup_close int pfd = openat(dfd, ovl ? ovlname : kid, DIR_FLAGS);
	struct strv snaps = {0};
	struct ds d = {0};
	int r;

	if (pfd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : err_sys(e, "open %s", kid);
	if (flags & STORE_NATIVE)
		snaps_of(x, kid, &snaps);
	d.name = ds_join(parent, kid);
	r = fill_ds(s, &d, pfd, ovl, flags, &snaps, e);
	strv_free(&snaps);
	if (r < 0) {
		ds_free(&d);
		return -1;
	}
	ds_list_push(out, &d);
	return 0;
}

static int
cmp_ds_name(const void *a, const void *b)
{
	return strcmp(((const struct ds *)a)->name, ((const struct ds *)b)->name);
}

/* Names of which only hidden companions remain: a create or destroy was cut short. */
static void
list_leftovers(const char *parent, const struct ents *x, struct ds_list *l)
{
	size_t before = l->n;

	for (size_t i = 0; i < x->stale.n; i++) {
		struct ds d = {0};

		if ((i && streq(x->stale.v[i], x->stale.v[i - 1])) ||
		    strv_has_sorted(&x->kids, x->stale.v[i]) || streq(x->stale.v[i], "defaults"))
			continue;
		d.name =
		    *parent ? xasprintf("%s/%s", parent, x->stale.v[i]) : xstrdup(x->stale.v[i]);
		kvlist_set(&d.user, STORE_PARTIAL_KEY, "");
		ds_list_push(l, &d);
	}
	if (l->n > before)
		qsort(l->v, l->n, sizeof(*l->v), cmp_ds_name);
}

static int
dir_list(struct store *s, const char *parent, unsigned flags, struct ds_list *out,
	 struct ioc_err *e)
{
	cleanup_free char *path = NULL;
	cleanup_close int dfd = -1;
	struct ds_list l = {0};
	struct ents x = {0};
	int r;

	if (check_name(parent, true, e) < 0 || need_dataset(s, parent, e) < 0)
		return -1;
	path = ds_path(s, parent);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, "open %s", path);
	r = read_ents(dfd, path, &x, e);
	for (size_t i = 0; r == 0 && i < x.kids.n; i++)
		r = list_kid(s, dfd, parent, &x, x.kids.v[i], flags, &l, e);
	if (r == 0)
		list_leftovers(parent, &x, &l);
	ents_free(&x);
	if (r < 0) {
		ds_list_free(&l);
		return -1;
	}
	for (size_t i = 0; i < l.n; i++)
		ds_list_push(out, &l.v[i]);
	free(l.v);
	return 0;
}

/* ---- properties ---- */

static int
check_key(const char *key, struct ioc_err *e)
{
	if (!*key || strlen(key) > 200)
		return err_set(e, EINVAL, "invalid property name '%s'", key);
	for (const char *c = key; *c; c++)
		if (!name_char(*c))
			return err_set(e, EINVAL, "invalid property name '%s'", key);
	return 0;
}

/* Put back what set_props changed before it failed. */
static void
restore_props(const char *path, const struct kvlist *old, const struct strv *absent)
{
	for (size_t i = 0; i < old->n; i++) {
		cleanup_free char *k = xasprintf(XA_USER "%s", old->v[i].key);

		lsetxattr(path, k, old->v[i].val, strlen(old->v[i].val), 0);
	}
	for (size_t i = 0; i < absent->n; i++) {
		cleanup_free char *k = xasprintf(XA_USER "%s", absent->v[i]);

		lremovexattr(path, k);
	}
}

/* All or nothing: the old values are kept and put back if one step fails. */
static int
set_props(const char *path, const struct kvlist *set, const struct strv *unset, struct ioc_err *e)
{
	struct kvlist old = {0};
	struct strv absent = {0};
	int r = 0;

	for (size_t i = 0; r == 0 && i < (set ? set->n : 0); i++) {
		cleanup_free char *k = xasprintf(XA_USER "%s", set->v[i].key), *v = NULL;

		if ((r = xa_get(-1, path, k, &v, e)) == 1)
			kvlist_set(&old, set->v[i].key, v);
		else if (r == 0)
			strv_push(&absent, set->v[i].key);
		if (r >= 0)
			r = xa_set(path, k, set->v[i].val, e);
	}
	for (size_t i = 0; r == 0 && i < (unset ? unset->n : 0); i++) {
		cleanup_free char *k = xasprintf(XA_USER "%s", unset->v[i]), *v = NULL;

		if ((r = xa_get(-1, path, k, &v, e)) == 1)
			kvlist_set(&old, unset->v[i], v);
		if (r == 1 && lremovexattr(path, k) < 0 && errno != ENODATA)
			r = err_sys(e, "remove %s from %s", k, path);
		r = r < 0 ? -1 : 0;
	}
	if (r < 0)
		restore_props(path, &old, &absent);
	else
		fault_point("dir set properties");
	kvlist_free(&old);
	strv_free(&absent);
	return r;
}

static int
check_props(const struct kvlist *set, const struct strv *unset, struct ioc_err *e)
{
	for (size_t i = 0; set && i < set->n; i++)
		if (check_key(set->v[i].key, e) < 0)
			return -1;
	for (size_t i = 0; unset && i < unset->n; i++)
		if (check_key(unset->v[i], e) < 0)
			return -1;
	return 0;
}

static int
dir_set_user(struct store *s, const char *name, const struct kvlist *set, const struct strv *unset,
	     struct ioc_err *e)
{
	cleanup_free char *pp = NULL;

	if (check_name(name, true, e) < 0 || need_dataset(s, name, e) < 0 ||
	    check_props(set, unset, e) < 0)
		return -1;
	pp = props_path(s, name);
	return set_props(pp, set, unset, e);
}

static int
dir_set_native(struct store *s, const char *name, const char *prop, const char *val,
	       struct ioc_err *e)
{
	static const char *const unsupported[] = {"quota",          "reservation", "refquota",
						  "refreservation", "compression", "dedup"};

	if (check_name(name, true, e) < 0 || need_dataset(s, name, e) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++) {
		if (!streq(prop, unsupported[i]))
			continue;
		/* "none" is what a directory has: asking for it is no error. */
		if (!val || streq(val, "none") || streq(val, "off") || streq(val, "0"))
			return 0;
		return err_set(e, ENOTSUP, "%s is not supported by the dir backend", prop);
	}
	return err_set(e, EINVAL, "%s: not a native property the dir backend can set", prop);
}

/* ---- create, destroy ---- */

/* The hidden companions of base in a directory: ".base.ovl", ".base@*" and ".base~*". */
static int
companions(const char *dirpath, const char *base, struct strv *out, struct ioc_err *e)
{
	cleanup_free char *ovl = xasprintf(".%s.ovl", base), *at = xasprintf(".%s@", base);
	cleanup_free char *tilde = xasprintf(".%s~", base);
	cleanup_closedir DIR *d = opendir(dirpath);
	struct dirent *de;

	if (!d)
		return errno == ENOENT ? 0 : err_sys(e, "read %s", dirpath);
	for (errno = 0; (de = readdir(d)); errno = 0)
		if (streq(de->d_name, ovl) || str_has_prefix(de->d_name, at) ||
		    str_has_prefix(de->d_name, tilde))
			strv_push_take(out, xasprintf("%s/%s", dirpath, de->d_name));
	if (errno)
		return err_sys(e, "read %s", dirpath);
	return 0;
}

static int
remove_companions(struct store *s, const char *name, struct ioc_err *e)
{
	const char *base;
	cleanup_free char *parent = ds_parent_path(s, name, &base);
	struct strv c = {0};
	int r = companions(parent, base, &c, e);

	for (size_t i = 0; r == 0 && i < c.n; i++)
		if ((r = rm_rf(c.v[i], e)) == 0)
			fault_point("dir remove companion");
	strv_free(&c);
	return r;
}

/* Before making name: what a destroy or create cut short left of an earlier name goes, unless
 * a clone still uses one of its snapshots. */
static int
purge_stale(struct store *s, const char *name, struct ioc_err *e)
{
	const char *base;
	cleanup_free char *parent = ds_parent_path(s, name, &base);
	struct strv c = {0};
	int r = companions(parent, base, &c, e);

	if (r == 0 && c.n && (r = check_dependents(s, name, NULL, e)) < 0)
		err_wrap(e, "leftovers of an earlier %s are in use", name);
	for (size_t i = 0; r == 0 && i < c.n; i++)
		if ((r = rm_rf(c.v[i], e)) == 0)
			fault_point("dir purge leftover");
	strv_free(&c);
	return r;
}

/* dst is free to be made: its parent exists, it does not, leftovers are gone. */
static int
prepare_new(struct store *s, const char *name, struct ioc_err *e)
{
	const char *base;
	cleanup_free char *parent = NULL, *path = NULL;
	struct stat st;

	if (check_name(name, false, e) < 0)
		return -1;
	parent = ds_parent_path(s, name, &base);
	if (!is_dir(parent))
		return err_set(e, ENOENT, "the parent of %s does not exist", name);
	path = ds_path(s, name);
	if (lstat(path, &st) == 0)
		return err_set(e, EEXIST, "dataset %s already exists", name);
	return purge_stale(s, name, e);
}

static int
dir_create(struct store *s, const char *name, const struct kvlist *user, struct ioc_err *e)
{
	cleanup_free char *tmp = NULL, *path = NULL;
	struct ioc_err e2;

	if (prepare_new(s, name, e) < 0 || check_props(user, NULL, e) < 0)
		return -1;
	tmp = ds_sibling(s, name, "~new");
	path = ds_path(s, name);
	if (mkdir(tmp, 0755) < 0)
		return err_sys(e, "mkdir %s", tmp);
	fault_point("dir create: mkdir");
	if (set_props(tmp, user, NULL, e) < 0 || set_creation(tmp, e) < 0 ||
	    rename_new(tmp, path, e) < 0) {
		rm_rf(tmp, &e2);
		return err_wrap(e, "create %s", name);
	}
	fault_point("dir create");
	return 0;
}

static int
dir_destroy(struct store *s, const char *name, struct ioc_err *e)
{
	cleanup_free char *path = NULL, *trash = NULL;

	if (check_name(name, false, e) < 0)
		return -1;
	if (check_dependents(s, name, NULL, e) < 0 || umount_tree(s, name, e) < 0)
		return err_wrap(e, "destroy %s", name);
	path = ds_path(s, name);
	trash = ds_sibling(s, name, "~destroy");
	/* Out of sight first, in one step; then removed at leisure. */
	if (rm_rf(trash, e) < 0)
		return -1;
	if (is_dir(path)) {
		if (rename(path, trash) < 0 && errno != ENOENT)
			return err_sys(e, "destroy %s: rename %s", name, path);
		fault_point("dir destroy: hide");
	}
	if (rm_rf(trash, e) < 0)
		return err_wrap(e, "destroy %s", name);
	fault_point("dir destroy: remove");
	if (remove_companions(s, name, e) < 0)
		return err_wrap(e, "destroy %s", name);
	return 0;
}

/* ---- snapshots ---- */

/* What a snapshot leaves out: the backend's hidden entries, and child datasets (a snapshot is
 * of the dataset alone, as on ZFS). A child is a directory with our creation mark or a .ovl
 * companion. */
static bool
keep_own(int dirfd, const char *name, void *arg)
{
	char path[64 + NAME_MAX], ovl[NAME_MAX + 8], v[64];
	struct stat st;

	(void)arg;
	if (name[0] == '.' && (strchr(name, '@') || strchr(name, '~') ||
			       (str_has_suffix(name, ".ovl") && strlen(name) > 5)))
		return false;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return true;
	snprintf(ovl, sizeof(ovl), ".%s.ovl", name);
	if (fstatat(dirfd, ovl, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return false;
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd, name);
	return lgetxattr(path, XA_CREATION, v, sizeof(v)) < 0;
}

/* The dataset's files as of now into dst: for a clone, the merged view of its overlay
 * (mounted for the copy if it was not). */
static int
copy_current(struct store *s, const char *name, const char *dst, struct ioc_err *e)
{
	cleanup_free char *path = ds_path(s, name);
	bool ovl = is_overlay(s, name), mounted_here = false;
	struct ioc_err e2;
	int r;

	if (ovl) {
		if ((r = overlay_state(s, name, e)) < 0)
			return -1;
		if (r == 0 && dir_mount(s, name, e) < 0)
			return -1;
		mounted_here = r == 0;
	}
	r = copy_tree_filter(path, dst, keep_own, NULL, e);
	if (mounted_here && dir_umount(s, name, r < 0 ? &e2 : e) < 0 && r == 0)
		r = -1;
	return r;
}

/* Snapshots being destroyed are renamed ".B@S" DESTROYED first: what a kill left of them goes at
 * the next snapshot, snapshot destroy or rollback of the dataset (or its destroy). */
#define DESTROYED "~destroy"

static int
purge_destroyed(struct store *s, const char *name, struct ioc_err *e)
{
	const char *base;
	cleanup_free char *parent = ds_parent_path(s, name, &base);
	struct strv c = {0};
	int r = companions(parent, base, &c, e);

	for (size_t i = 0; r == 0 && i < c.n; i++)
		if (strchr(c.v[i], '@') && str_has_suffix(c.v[i], DESTROYED) &&
		    (r = rm_rf(c.v[i], e)) == 0)
			fault_point("dir purge destroyed snapshot");
	strv_free(&c);
	return r;
}

static int
dir_snapshot(struct store *s, const char *name, const char *snap, struct ioc_err *e)
{
	cleanup_free char *dst = NULL, *tmp = NULL;
	struct ioc_err e2;

	if (check_name(name, true, e) < 0 || check_snap(snap, e) < 0 ||
	    need_dataset(s, name, e) < 0)
		return -1;
	if (!*name)
		return err_set(e, EINVAL, "the root dataset cannot have snapshots");
	dst = snap_path(s, name, snap);
	tmp = xasprintf("%s~", dst);
	if (is_dir(dst))
		return err_set(e, EEXIST, "snapshot %s@%s already exists", name, snap);
	if (purge_destroyed(s, name, e) < 0 || rm_rf(tmp, e) < 0)
		return -1;
	if (copy_current(s, name, tmp, e) < 0)
		return err_wrap(e, "snapshot %s@%s", name, snap);
	fault_point("dir snapshot: copy");
	if (set_creation(tmp, e) < 0 || rename_new(tmp, dst, e) < 0) {
		rm_rf(tmp, &e2);
		return err_wrap(e, "snapshot %s@%s", name, snap);
	}
	fault_point("dir snapshot");
	return 0;
}

static int
dir_snap_destroy(struct store *s, const char *name, const char *snap, struct ioc_err *e)
{
	cleanup_free char *path = NULL, *tmp = NULL;

	if (check_name(name, false, e) < 0 || check_snap(snap, e) < 0)
		return -1;
	path = snap_path(s, name, snap);
	tmp = xasprintf("%s~", path);
	if (purge_destroyed(s, name, e) < 0)
		return -1;
	if (!is_dir(path))
		return rm_rf(tmp, e); /* what a snapshot cut short left, if anything */
	if (check_dependents(s, name, snap, e) < 0)
		return err_wrap(e, "destroy snapshot");
	free(tmp);
	tmp = xasprintf("%s" DESTROYED, path);
	if (rename(path, tmp) < 0)
		return err_sys(e, "destroy snapshot %s@%s", name, snap);
	fault_point("dir snapshot destroy: hide");
	if (rm_rf(tmp, e) < 0)
		return -1;
	fault_point("dir snapshot destroy");
	return 0;
}

struct snap_key {
	struct snap snap;
	struct timespec made; /* ties within a second */
};

static int
cmp_snap(const void *a, const void *b)
{
	const struct snap_key *x = a, *y = b;

	if (x->snap.creation != y->snap.creation)
		return x->snap.creation < y->snap.creation ? -1 : 1;
	if (x->made.tv_sec != y->made.tv_sec)
		return x->made.tv_sec < y->made.tv_sec ? -1 : 1;
	if (x->made.tv_nsec != y->made.tv_nsec)
		return x->made.tv_nsec < y->made.tv_nsec ? -1 : 1;
	return strcmp(x->snap.name, y->snap.name);
}

static int
snap_info(const char *dirpath, const char *entry, struct snap_key *k, struct ioc_err *e)
{
	cleanup_free char *path = xasprintf("%s/%s", dirpath, entry), *c = NULL;
	struct stat st;
	uint64_t v = 0;
	int r;

	if (lstat(path, &st) < 0)
		return err_sys(e, "stat %s", path);
	k->made = st.st_ctim; /* the creation mark is its last change */
	if ((r = xa_get(-1, path, XA_CREATION, &c, e)) < 0)
		return -1;
	if (r == 0 || parse_u64(c, &v) < 0)
		v = (uint64_t)st.st_mtim.tv_sec;
	k->snap.creation = v;
	if (tree_usage(path, &v, e) < 0)
		return -1;
	/* A full copy: all of it is its own, unless reflinks share it (which we cannot see). */
	k->snap.used = k->snap.referenced = v;
	k->snap.name = xstrdup(strchr(entry, '@') + 1);
	return 0;
}

static int
dir_snap_list(struct store *s, const char *name, struct snap_list *out, struct ioc_err *e)
{
	const char *base;
	cleanup_free char *parent = NULL;
	cleanup_free struct snap_key *keys = NULL;
	cleanup_close int dfd = -1;
	struct strv snaps = {0};
	struct ents x = {0};
	size_t n = 0;
	int r;

	if (check_name(name, false, e) < 0 || need_dataset(s, name, e) < 0)
		return -1;
	parent = ds_parent_path(s, name, &base);
	dfd = open(parent, DIR_FLAGS);
	if (dfd < 0)
		return err_sys(e, "open %s", parent);
	r = read_ents(dfd, parent, &x, e);
	if (r == 0)
		snaps_of(&x, base, &snaps);
	ents_free(&x);
	keys = xcalloc(snaps.n ? snaps.n : 1, sizeof(*keys));
	for (; r == 0 && n < snaps.n; n++)
		r = snap_info(parent, snaps.v[n], &keys[n], e);
	strv_free(&snaps);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			free(keys[i].snap.name);
		return -1;
	}
	qsort(keys, n, sizeof(*keys), cmp_snap);
	for (size_t i = 0; i < n; i++) {
		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 8;
			out->v = xrealloc(out->v, out->cap * sizeof(*out->v));
		}
		out->v[out->n++] = keys[i].snap;
	}
	return 0;
}

/* ---- clone, copy ---- */

static int
need_snapshot(struct store *s, const char *src, const char *snap, char **ret, struct ioc_err *e)
{
	if (check_name(src, false, e) < 0 || check_snap(snap, e) < 0)
		return -1;
	*ret = snap_path(s, src, snap);
	if (!is_dir(*ret))
		return err_set(e, ENOENT, "snapshot %s@%s does not exist", src, snap);
	return 0;
}

/* The clone's .ovl directory, complete before it gets its name: upper/ looks like the
 * snapshot's root (the merged root shows upper's owner and mode). */
static int
make_ovl(const char *tmp, const char *lower, const char *origin, struct ioc_err *e)
{
	cleanup_free char *upper = xasprintf("%s/upper", tmp), *work = xasprintf("%s/work", tmp);
	struct stat st;

	if (lstat(lower, &st) < 0)
		return err_sys(e, "stat %s", lower);
	if (mkdir(tmp, 0700) < 0 || mkdir(upper, 0700) < 0 || mkdir(work, 0700) < 0)
		return err_sys(e, "mkdir in %s", tmp);
	if (chown(upper, st.st_uid, st.st_gid) < 0 || chmod(upper, st.st_mode & 07777) < 0)
		return err_sys(e, "set the owner and mode of %s", upper);
	if (xa_set(tmp, XA_ORIGIN, origin, e) < 0 || set_creation(tmp, e) < 0)
		return -1;
	return 0;
}

static int
dir_clone(struct store *s, const char *src, const char *snap, const char *dst, struct ioc_err *e)
{
	cleanup_free char *lower = NULL, *tmp = NULL, *ovl = NULL, *path = NULL, *origin = NULL;
	struct ioc_err e2;

	if (need_snapshot(s, src, snap, &lower, e) < 0 || prepare_new(s, dst, e) < 0)
		return err_wrap(e, "clone %s@%s", src, snap);
	tmp = ds_sibling(s, dst, "~ovl");
	ovl = ds_sibling(s, dst, ".ovl");
	path = ds_path(s, dst);
	origin = xasprintf("%s@%s", src, snap);
	if (rm_rf(tmp, e) < 0)
		return -1;
	if (make_ovl(tmp, lower, origin, e) < 0 || rename_new(tmp, ovl, e) < 0) {
		rm_rf(tmp, &e2);
		return err_wrap(e, "clone %s to %s", origin, dst);
	}
	fault_point("dir clone: overlay");
	/* The mount point last: it is what makes the dataset exist. Mounted now, as a ZFS
	 * clone is, so that nothing written to its path can end up under the mount. */
	if (mkdir(path, 0755) < 0) {
		err_sys(e, "clone %s to %s: mkdir %s", origin, dst, path);
		rm_rf(ovl, &e2);
		return -1;
	}
	fault_point("dir clone: mountpoint");
	if (dir_mount(s, dst, e) < 0) {
		rmdir(path);
		rm_rf(ovl, &e2);
		return err_wrap(e, "clone %s to %s", origin, dst);
	}
	return 0;
}

static bool
keep_only(int dirfd, const char *name, void *arg)
{
	(void)dirfd;
	for (const char *const *o = arg; *o; o++)
		if (streq(*o, name))
			return true;
	return false;
}

/* A copy's root carries no properties of its source; it gets its own creation. */
static int
reset_root_props(const char *path, struct ioc_err *e)
{
	cleanup_free char *names = NULL;
	ssize_t n = xa_list(-1, path, &names, e);

	if (n < 0)
		return -1;
	for (char *p = names; p < names + n; p += strlen(p) + 1)
		if ((str_has_prefix(p, XA_USER) || str_has_prefix(p, XA_NATIVE)) &&
		    lremovexattr(path, p) < 0 && errno != ENODATA)
			return err_sys(e, "remove %s from %s", p, path);
	return set_creation(path, e);
}

static int
dir_copy(struct store *s, const char *src, const char *snap, const char *dst,
	 const char *const *only, struct ioc_err *e)
{
	cleanup_free char *from = NULL, *tmp = NULL, *path = NULL;
	struct ioc_err e2;

	if (need_snapshot(s, src, snap, &from, e) < 0 || prepare_new(s, dst, e) < 0)
		return err_wrap(e, "copy %s@%s", src, snap);
	tmp = ds_sibling(s, dst, "~copy");
	path = ds_path(s, dst);
	if (rm_rf(tmp, e) < 0)
		return -1;
	if (copy_tree_filter(from, tmp, only ? keep_only : NULL, (void *)only, e) < 0)
		return err_wrap(e, "copy %s@%s to %s", src, snap, dst);
	fault_point("dir copy: files");
	if (reset_root_props(tmp, e) < 0 || rename_new(tmp, path, e) < 0) {
		rm_rf(tmp, &e2);
		return err_wrap(e, "copy %s@%s to %s", src, snap, dst);
	}
	fault_point("dir copy");
	return 0;
}

/* ---- dependents, rollback, promote, rename ---- */

static int
dir_deps(struct store *s, struct kvlist *out, struct ioc_err *e)
{
	cleanup_close int fd = open(s->base, DIR_FLAGS);
	struct kvlist clones = {0};
	int r;

	if (fd < 0)
		return err_sys(e, "open %s", s->base);
	r = scan_clones(fd, "", s->base, 0, &clones, out, e);
	for (size_t i = 0; r == 0 && i < clones.n; i++)
		kvlist_set(out, clones.v[i].key, clones.v[i].val);
	kvlist_free(&clones);
	return r;
}

static int
dir_list_multi(struct store *s, const char *const *parents, unsigned flags, struct ds_list *out,
	       struct ioc_err *e)
{
	struct ds_list l = {0};

	size_t found = 0, i;

	/* A parent that is missing has no children, unless all are (no layout yet). */
	for (i = 0; parents[i]; i++) {
		if (dir_list(s, parents[i], flags, &l, e) == 0)
			found++;
		else if (e->code != ENOENT)
			break;
	}
	if (parents[i] || (!found && i)) {
		ds_list_free(&l);
		return -1;
	}
	for (i = 0; (flags & STORE_SELF) && parents[i]; i++) {
		struct ds d = {0};
		struct ioc_err e2;

		if (dir_get(s, parents[i], flags & STORE_NATIVE, &d, &e2) == 0) {
			ds_list_push(&l, &d);
		} else if (e2.code != ENOENT) {
			ds_list_free(&l);
			*e = e2;
			return -1;
		}
	}
	*out = l;
	return 0;
}

/* Swap two directories in one step: a reader sees the old tree or the new, never neither. */
static int
exchange(const char *a, const char *b, struct ioc_err *e)
{
	if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) < 0)
		return err_sys(e, "exchange %s and %s", a, b);
	fault_point("dir exchange");
	return 0;
}

/* Copy the user properties and creation of the directory from onto to. */
static int
copy_props(const char *from, const char *to, struct ioc_err *e)
{
	cleanup_close int fd = open(from, DIR_FLAGS);
	struct kvlist user = {0}, nat = {0};
	int r;

	if (fd < 0)
		return err_sys(e, "open %s", from);
	r = read_props(fd, from, &user, &nat, e);
	if (r == 0)
		r = reset_root_props(to, e);
	if (r == 0)
		r = set_props(to, &user, NULL, e);
	if (r == 0 && kvlist_get(&nat, "creation"))
		r = xa_set(to, XA_CREATION, kvlist_get(&nat, "creation"), e);
	kvlist_free(&user);
	kvlist_free(&nat);
	return r;
}

/* An overlay's new upper layer that shows exactly the snapshot: its copy, each top-level
 * directory opaque (the lower one is not merged in) and a whiteout over every top-level
 * entry of the lower layer the snapshot does not have. */
static int
rollback_upper(const char *snap, const char *lower, const char *dst, struct ioc_err *e)
{
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;
	int r;

	if (copy_tree(snap, dst, e) < 0)
		return -1;
	if (!(d = opendir(lower)))
		return err_sys(e, "read %s", lower);
	for (errno = 0, r = 0; r == 0 && (de = readdir(d)); errno = 0) {
		cleanup_free char *in_snap = NULL, *path = NULL;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		in_snap = xasprintf("%s/%s", snap, de->d_name);
		path = xasprintf("%s/%s", dst, de->d_name);
		if (access(in_snap, F_OK) < 0) {
			if (mknod(path, S_IFCHR, makedev(0, 0)) < 0)
				r = err_sys(e, "whiteout %s", path);
		} else if (is_dir(path) && is_dir(in_snap) &&
			   lsetxattr(path, "trusted.overlay.opaque", "y", 1, 0) < 0) {
			r = err_sys(e, "mark %s opaque", path);
		}
	}
	return r < 0 ? -1 : (errno ? err_sys(e, "read %s", lower) : 0);
}

static int
rollback_overlay(struct store *s, const char *name, const char *snap, struct ioc_err *e)
{
	cleanup_free char *ovl = ds_sibling(s, name, ".ovl"), *lower = NULL;
	cleanup_free char *upper = NULL, *tmp = NULL, *work = NULL;
	struct ioc_err e2;
	int r;

	upper = xasprintf("%s/upper", ovl);
	tmp = xasprintf("%s/upper~rollback", ovl);
	work = xasprintf("%s/work", ovl);
	if (origin_path(s, name, &lower, e) < 0 || dir_umount(s, name, e) < 0)
		return -1;
	r = rm_rf(tmp, e);
	if (r == 0 && (r = rollback_upper(snap, lower, tmp, e)) == 0) {
		fault_point("dir rollback: copy");
		r = exchange(tmp, upper, e);
	}
	/* The work directory must be empty for the next mount. */
	if (r == 0 && (r = rm_rf(work, e)) == 0 && mkdir(work, 0700) < 0)
		r = err_sys(e, "mkdir %s", work);
	if (r == 0)
		fault_point("dir rollback: work");
	rm_rf(tmp, &e2);
	if (dir_mount(s, name, r < 0 ? &e2 : e) < 0 && r == 0)
		r = -1;
	return r;
}

static int
rollback_plain(struct store *s, const char *name, const char *snap, struct ioc_err *e)
{
	cleanup_free char *path = ds_path(s, name), *tmp = ds_sibling(s, name, "~rollback");
	struct mount_list ml = {0};
	struct ioc_err e2;
	int r;

	if (mounts_find(path, MOUNTS_AT | MOUNTS_BELOW, &ml, e) < 0)
		return -1;
	r = ml.n ? err_set(e, EBUSY, "%s is mounted on %s: unmount it first", ml.v[0].fstype,
			   ml.v[0].target)
		 : 0;
	mount_list_free(&ml);
	if (r == 0)
		r = rm_rf(tmp, e);
	if (r == 0 && (r = copy_tree(snap, tmp, e)) == 0 && (r = copy_props(path, tmp, e)) == 0) {
		fault_point("dir rollback: copy");
		r = exchange(tmp, path, e);
	}
	rm_rf(tmp, &e2);
	return r;
}

/* The snapshots of name taken after snap, oldest first; EBUSY if a clone uses one. */
static int
later_snaps(struct store *s, const char *name, const char *snap, struct strv *out,
	    struct ioc_err *e)
{
	struct snap_list l = {0};
	bool after = false;
	int r = dir_snap_list(s, name, &l, e);

	for (size_t i = 0; r == 0 && i < l.n; i++) {
		if (after) {
			strv_push(out, l.v[i].name);
			r = check_dependents(s, name, l.v[i].name, e);
		}
		after = after || streq(l.v[i].name, snap);
	}
	snap_list_free(&l);
	return r;
}

static int
dir_rollback(struct store *s, const char *name, const char *snap, struct ioc_err *e)
{
	cleanup_free char *sp = NULL;
	struct strv later = {0};
	int r;

	if (need_snapshot(s, name, snap, &sp, e) < 0 || need_dataset(s, name, e) < 0 ||
	    purge_destroyed(s, name, e) < 0)
		return -1;
	/* The later snapshots first, as zfs does: a rollback cut short leaves the files as they
	 * were or as the snapshot has them, and the same rollback again finishes it. */
	r = later_snaps(s, name, snap, &later, e);
	for (size_t i = 0; r == 0 && i < later.n; i++)
		r = dir_snap_destroy(s, name, later.v[i], e);
	if (r == 0)
		r = is_overlay(s, name) ? rollback_overlay(s, name, sp, e)
					: rollback_plain(s, name, sp, e);
	strv_free(&later);
	return r < 0 ? err_wrap(e, "rollback %s@%s", name, snap) : 0;
}

/* The merged view becomes the dataset's own directory; the overlay and its origin go. The
 * copy is swapped in before the overlay is removed, so that a kill leaves the data visible
 * (the overlay would show the same files over it). */
static int
dir_promote(struct store *s, const char *name, struct ioc_err *e)
{
	cleanup_free char *path = NULL, *ovl = NULL, *tmp = NULL;
	struct ioc_err e2;
	int r;

	if (check_name(name, false, e) < 0 || need_dataset(s, name, e) < 0)
		return -1;
	if (!is_overlay(s, name))
		return err_set(e, EINVAL, "%s is not a clone", name);
	path = ds_path(s, name);
	ovl = ds_sibling(s, name, ".ovl");
	tmp = ds_sibling(s, name, "~promote");
	if (rm_rf(tmp, e) < 0)
		return -1;
	r = copy_current(s, name, tmp, e);
	if (r == 0 && (r = copy_props(ovl, tmp, e)) == 0 && (r = dir_umount(s, name, e)) == 0)
		r = exchange(tmp, path, e);
	if (r == 0 && (r = rm_rf(ovl, e)) == 0)
		fault_point("dir promote: overlay removed");
	rm_rf(tmp, &e2);
	return r < 0 ? err_wrap(e, "promote %s", name) : 0;
}

/* Clones of snapshots in from's tree get their origin under to. */
static int
rewrite_origins(struct store *s, const char *from, const char *to, struct ioc_err *e)
{
	cleanup_close int fd = open(s->base, DIR_FLAGS);
	struct kvlist clones = {0};
	int r;

	if (fd < 0)
		return err_sys(e, "open %s", s->base);
	r = scan_clones(fd, "", s->base, 0, &clones, NULL, e);
	for (size_t i = 0; r == 0 && i < clones.n; i++) {
		const char *o = clones.v[i].val;
		cleanup_free char *ovl = NULL, *now = NULL;

		if (!in_tree(o, from) && !(str_has_prefix(o, from) && o[strlen(from)] == '@'))
			continue;
		now = xasprintf("%s%s", to, o + strlen(from));
		ovl = ds_sibling(s, clones.v[i].key, ".ovl");
		if ((r = xa_set(ovl, XA_ORIGIN, now, e)) == 0)
			fault_point("dir rename: origin");
	}
	kvlist_free(&clones);
	return r;
}

/* Mount every overlay in name's tree (after a rename; they were all mounted before). */
static int
mount_tree(struct store *s, const char *name, struct ioc_err *e)
{
	cleanup_close int fd = open(s->base, DIR_FLAGS);
	struct kvlist clones = {0};
	int r;

	if (fd < 0)
		return err_sys(e, "open %s", s->base);
	r = scan_clones(fd, "", s->base, 0, &clones, NULL, e);
	for (size_t i = 0; r == 0 && i < clones.n; i++)
		if (in_tree(clones.v[i].key, name))
			r = dir_mount(s, clones.v[i].key, e);
	kvlist_free(&clones);
	return r;
}

static int
dir_rename(struct store *s, const char *from, const char *to, struct ioc_err *e)
{
	const char *fbase, *tbase;
	cleanup_free char *fpar = NULL, *tpar = NULL, *fp = NULL, *tp = NULL;
	struct strv comp = {0};
	int r;

	if (check_name(from, false, e) < 0 || need_dataset(s, from, e) < 0 ||
	    prepare_new(s, to, e) < 0 || umount_tree(s, from, e) < 0)
		return err_wrap(e, "rename %s to %s", from, to);
	fpar = ds_parent_path(s, from, &fbase);
	tpar = ds_parent_path(s, to, &tbase);
	fp = ds_path(s, from);
	tp = ds_path(s, to);
	r = companions(fpar, fbase, &comp, e);
	if (r == 0 && (r = rename_new(fp, tp, e)) == 0)
		fault_point("dir rename");
	for (size_t i = 0; r == 0 && i < comp.n; i++) {
		const char *suffix = strrchr(comp.v[i], '/') + 2 + strlen(fbase);
		cleanup_free char *dst = xasprintf("%s/.%s%s", tpar, tbase, suffix);

		if ((r = rename_new(comp.v[i], dst, e)) == 0)
			fault_point("dir rename: companion");
	}
	strv_free(&comp);
	if (r == 0)
		r = rewrite_origins(s, from, to, e);
	if (r == 0)
		r = mount_tree(s, to, e);
	return r < 0 ? err_wrap(e, "rename %s to %s", from, to) : 0;
}

/* ---- open ---- */

static const struct store_ops dir_ops = {
    .name = "dir",
    .init = dir_init,
    .exists = dir_exists,
    .create = dir_create,
    .destroy = dir_destroy,
    .snapshot = dir_snapshot,
    .snap_destroy = dir_snap_destroy,
    .snap_list = dir_snap_list,
    .rollback = dir_rollback,
    .promote = dir_promote,
    .rename = dir_rename,
    .deps = dir_deps,
    .clone = dir_clone,
    .copy = dir_copy,
    .list = dir_list,
    .list_multi = dir_list_multi,
    .get = dir_get,
    .set_user = dir_set_user,
    .set_native = dir_set_native,
    .path = dir_path,
    .mount = dir_mount,
    .umount = dir_umount,
    .free = NULL,
};

/* An absolute path without symlinks for root, which need not exist yet: the existing part
 * resolved, the rest appended ("." skipped, ".." refused: there is nothing to go up from). */
static char *
resolve_root(const char *root)
{
	cleanup_free char *p = xstrdup(root), *parent = NULL;
	char *r = realpath(root, NULL), *slash, *out;
	size_t len = strlen(p);
	const char *base;

	if (r || errno != ENOENT)
		return r;
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	slash = strrchr(p, '/');
	base = slash ? slash + 1 : p;
	if (!*base || streq(base, "..")) {
		errno = EINVAL;
		return NULL;
	}
	parent =
	    slash ? (slash == p ? xstrdup("/") : xstrndup(p, (size_t)(slash - p))) : xstrdup(".");
	if (!(r = resolve_root(parent)) || streq(base, "."))
		return r;
	out = xasprintf("%s/%s", streq(r, "/") ? "" : r, base);
	free(r);
	return out;
}

int
store_dir_open(struct store **ret, const char *root, struct ioc_err *e)
{
	struct store *s;
	char *abs;

	if (!root || !*root)
		return err_set(e, EINVAL, "the dir backend needs a root directory");
	/* The root's path goes into mount options, lock names and messages, one line each. */
	if (str_text_bad(root))
		return err_set(
		    e, EINVAL,
		    "root '%s': the path has a control character or is not UTF-8 (at byte "
		    "%zu); use a directory with a plain name",
		    root, str_text_bad(root));
	abs = resolve_root(root);
	if (!abs)
		return err_sys(e, "root %s", root);
	if (streq(abs, "/")) {
		free(abs);
		return err_set(e, EINVAL, "the dir backend's root cannot be /");
	}
	s = xcalloc(1, sizeof(*s));
	s->ops = &dir_ops;
	s->base = abs;
	s->mnt = xstrdup(abs);
	*ret = s;
	return 0;
}
