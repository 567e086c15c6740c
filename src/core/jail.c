#include "core/jail.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/fetch.h"
#include "core/jailpkg.h"
#include "core/jailrun.h"
#include "core/jailsnap.h"
#include "core/lock.h"
#include "util/cleanup.h"
#include "util/fault.h"
#include "util/fs.h"

/* Directories a basejail owns; the rest of the release is bound read-only at start. */
static const char *const base_own_dirs[] = {"etc", "var", "root", "home", "tmp", NULL};

static const char *const type_names[] = {
    [JT_THICK] = "thickjail",
    [JT_CLONE] = "clonejail",
    [JT_BASE] = "basejail",
    [JT_EMPTY] = "emptyjail",
};

const char *
jail_type_name(enum jail_type t)
{
	return type_names[t];
}

const char *
prop_source_name(enum prop_source s)
{
	static const char *const names[] = {"local", "default", "builtin", "computed", "native"};

	return names[s];
}

static void
jail_clear(struct jail *j)
{
	free(j->ds);
	kvlist_free(&j->props);
	kvlist_free(&j->native);
}

void
jails_free(struct jails *l)
{
	for (size_t i = 0; i < l->n; i++)
		jail_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* A dataset under jails/ that is not (yet) a whole jail: marked as being made, or missing
 * the properties every jail has (the dir backend sets them after mkdir). */
static bool
is_partial(const struct ds *d)
{
	return kvlist_get(&d->user, PARTIAL_KEY) || !kvlist_get(&d->user, "tag") ||
	       !kvlist_get(&d->user, "type");
}

/* Remove a leftover of a killed create, but only after taking its lock and seeing it still
 * partial: a create that finished between our listing and now must survive. */
static void
clean_leftover(struct ioc *ioc, const char *name, const char *uuid)
{
	char lockname[64];
	struct ds d = {0};
	struct ioc_err e;
	int fd, r;

	if (geteuid() != 0)
		return;
	snprintf(lockname, sizeof(lockname), "jail-%s", uuid);
	fd = lock_take(ioc->st, lockname, false, 0, &e);
	if (fd < 0)
		return; /* its maker is alive */
	/* Gone entirely (only a backend's hidden leftovers remain) or still partial. */
	r = ioc->st->ops->get(ioc->st, name, 0, &d, &e);
	if ((r < 0 && e.code == ENOENT) || (r == 0 && is_partial(&d))) {
		if (ioc->verbose)
			fprintf(stderr, "iocage: removing %s, left over by an interrupted create\n",
				name);
		/* A destroy cut short may have left the log and recording of a whole jail. */
		jail_drop_traces(ioc, uuid, name);
		if (ioc->st->ops->destroy(ioc->st, name, &e) < 0) {
			fprintf(stderr, "iocage: cannot remove leftover %s: %s\n", name, e.msg);
		} else {
			jail_drop_snaps(ioc, uuid);
			lock_remove(ioc->st, lockname);
		}
	}
	ds_free(&d);
	lock_release(fd);
}

/* zfs: a destroy killed after zfs removed a jail's datasets but before their mountpoint
 * directories went leaves those, empty, where no dataset is: removed through clean_leftover
 * (under the jail's lock; the backend's destroy takes empty mountpoints away). live: the
 * names found by the listing, sorted. */
static void
sweep_mountpoints(struct ioc *ioc, const struct strv *live)
{
	static const char *const parents[] = {"jails", "templates"};

	for (size_t p = 0; p < ARRAY_SIZE(parents); p++) {
		cleanup_free char *dir = ioc->st->ops->path(ioc->st, parents[p]);
		cleanup_closedir DIR *d = dir ? opendir(dir) : NULL;
		struct dirent *de;

		while (d && (de = readdir(d))) {
			const char *n = de->d_name;
			char name[300];

			if (!uuid_valid(n) || strv_sorted_contains(live, n))
				continue;
			snprintf(name, sizeof(name), "%s/%s", parents[p], n);
			clean_leftover(ioc, name, n);
		}
	}
}

static int
cmp_jail(const void *a, const void *b)
{
	const struct jail *x = a, *y = b;

	return strcmp(x->tag, y->tag);
}

int
jails_load(struct ioc *ioc, unsigned flags, struct jails *out, struct ioc_err *e)
{
	/* .defaults comes in the same zfs call (its own properties, with STORE_SELF). */
	static const char *const parents[] = {"jails", "templates", ".defaults", NULL};
	struct ds_list l = {0};
	struct strv live = {0};
	struct jails r = {0};

	if (ioc->st->ops->list_multi(
		ioc->st, parents, STORE_SELF | (flags & JL_NATIVE ? STORE_NATIVE : 0), &l, e) < 0) {
		if (e->code != ENOENT)
			return -1;
		*out = r; /* no layout yet: no jails */
		return 0;
	}
	r.v = xcalloc(l.n, sizeof(*r.v));
	for (size_t i = 0; i < l.n; i++) {
		struct ds *d = &l.v[i];
		const char *base = strrchr(d->name, '/');
		struct jail *j;

		base = base ? base + 1 : d->name;
		if (streq(d->name, ".defaults") && !ioc->defaults_loaded) {
			ioc_defaults_take(ioc, &d->user);
			continue;
		}
		if (!uuid_valid(base))
			continue; /* not ours */
		strv_push(&live, base);
		if (is_partial(d)) {
			clean_leftover(ioc, d->name, base);
			continue;
		}
		j = &r.v[r.n++];
		memcpy(j->uuid, base, UUID_STRLEN + 1);
		j->ds = TAKE_PTR(d->name);
		j->props = d->user;
		j->native = d->native;
		d->user = d->native = (struct kvlist){0};
		/* Where it lies is what makes a template, whatever a property cut short says. */
		j->template = str_has_prefix(j->ds, "templates/");
		kvlist_set(&j->props, "template", j->template ? "yes" : "no");
		j->tag = kvlist_get(&j->props, "tag");
	}
	/* The lock files of jails that are not (or no longer) there. */
	if (geteuid() == 0) {
		strv_sort(&live);
		lock_sweep(ioc->st, &live);
		if (ioc->st->pool)
			sweep_mountpoints(ioc, &live);
	}
	strv_free(&live);
	ds_list_free(&l);
	qsort(r.v, r.n, sizeof(*r.v), cmp_jail);
	*out = r;
	return 0;
}

struct jail *
jails_find(const struct jails *l, const char *operand, struct ioc_err *e)
{
	struct ident *v = xcalloc(l->n, sizeof(*v));
	int i;

	for (size_t k = 0; k < l->n; k++) {
		v[k].uuid = l->v[k].uuid;
		v[k].tag = l->v[k].tag;
	}
	i = ident_resolve(v, l->n, operand, e);
	free(v);
	return i < 0 ? NULL : &l->v[i];
}

/* ---- effective values ---- */

static char *
native_value(const struct jail *j, const struct prop *p)
{
	const char *v = kvlist_get(&j->native, p->name);

	if (!v)
		return xstrdup("-");
	if ((streq(p->name, "quota") || streq(p->name, "reservation")) && streq(v, "0"))
		return xstrdup("none");
	return xstrdup(v);
}

static char *
computed_value(const struct jail *j, const struct prop *p)
{
	if (streq(p->name, "host_hostuuid") || streq(p->name, "host_hostname"))
		return xstrdup(j->uuid);
	if (streq(p->name, "jail_zfs_dataset"))
		return xasprintf("iocage/jails/%s/data", j->uuid);
	return xstrdup("none");
}

char *
jail_value(struct ioc *ioc, const struct jail *j, const struct prop *p, enum prop_source *src)
{
	struct ioc_err e;
	const struct kvlist *defs;
	const char *v;
	enum prop_source dummy;

	if (!src)
		src = &dummy;
	if (j && (p->flags & PF_NATIVE) && p->type == PT_RO) {
		*src = SRC_NATIVE;
		return native_value(j, p);
	}
	if (j && (v = kvlist_get(&j->props, p->name))) {
		*src = SRC_JAIL;
		return xstrdup(v);
	}
	if (j && (p->flags & PF_NATIVE) && kvlist_get(&j->native, p->name)) {
		*src = SRC_NATIVE;
		return native_value(j, p);
	}
	defs = ioc_defaults(ioc, &e);
	if (defs && (v = kvlist_get(defs, p->name))) {
		*src = SRC_DEFAULT;
		return xstrdup(v);
	}
	if (j && (p->flags & PF_COMPUTED || p->type == PT_RO)) {
		*src = SRC_COMPUTED;
		return computed_value(j, p);
	}
	*src = SRC_BUILTIN;
	return xstrdup(p->def ? p->def : "none");
}

/* ---- create ---- */

/* The release to build from: the one asked for, or the newest fetched. */
static int
pick_release(struct ioc *ioc, const char *want, char **name, char **snap, struct ioc_err *e)
{
	struct ds_list l = {0};
	struct sbuf names = {0};
	const char *best = NULL, *bestc = "";
	int r = -1;

	if (release_list(ioc->st, &l, e) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++) {
		const char *n = strrchr(l.v[i].name, '/') + 1;
		const char *c = kvlist_get(&l.v[i].native, "creation");

		sbuf_add(&names, names.len ? ", " : "");
		sbuf_add(&names, n);
		if (want && streq(want, n))
			best = n;
		else if (!want && (!best || (c && strcmp(c, bestc) >= 0)))
			best = n, bestc = c ? c : "";
	}
	if (!best && !l.n)
		err_set(
		    e, ENOENT,
		    "no release is fetched; fetch one first, e.g. `iocage fetch release=bookworm` "
		    "or `iocage fetch -F rootfs.tar.xz release=NAME`");
	else if (!best)
		err_set(e, ENOENT,
			"release '%s' is not fetched (fetched: %s); fetch it with "
			"`iocage fetch release=%s`",
			want, sbuf_str(&names), want);
	else if (release_snapshot_listed(ioc->st, best, snap, e) == 0) {
		*name = xstrdup(best);
		r = 0;
	}
	sbuf_free(&names);
	ds_list_free(&l);
	return r;
}

static void
host_id(char *buf, size_t len)
{
	cleanup_free char *s = NULL;
	struct ioc_err e;

	if (read_file("/etc/machine-id", &s, 4096, &e) < 0 || !s[0]) {
		snprintf(buf, len, "none");
		return;
	}
	s[strcspn(s, "\n")] = '\0';
	snprintf(buf, len, "%s", s);
}

struct create_ctx {
	struct ioc *ioc;
	const struct create_opts *o;
	char *release, *snap;
	struct strv taken; /* tags in use */
};

/* Make jails/UUID with every property at once and the "creating" mark. The caller holds the
 * tags lock, so c->taken is every tag in use. */
static int
create_props_ds(struct create_ctx *c, const char *uuid, const char *want, bool autotag,
		char **ret_tag, struct ioc_err *e)
{
	cleanup_free char *tag = NULL;
	struct store *st = c->ioc->st;
	struct kvlist p = {0};
	char ds[64], hid[128], lockname[64];
	int r;

	snprintf(ds, sizeof(ds), "jails/%s", uuid);
	snprintf(lockname, sizeof(lockname), "jail-%s", uuid);
	tag = autotag ? tag_unique(want, &c->taken) : xstrdup(want);
	if (strv_contains(&c->taken, tag))
		return err_set(e, EEXIST, "tag '%s' is already used; choose another with tag=NAME",
			       tag);
	for (size_t i = 0; i < c->o->props.n; i++)
		if (!(prop_find(c->o->props.v[i].key)->flags & PF_NATIVE))
			kvlist_set(&p, c->o->props.v[i].key, c->o->props.v[i].val);
	kvlist_set(&p, PARTIAL_KEY, lockname);
	kvlist_set(&p, "tag", tag);
	kvlist_set(&p, "type", jail_type_name(c->o->type));
	kvlist_set(&p, "release", c->release ? c->release : "none");
	host_id(hid, sizeof(hid));
	if (!kvlist_get(&p, "hostid"))
		kvlist_set(&p, "hostid", hid);
	r = st->ops->create(st, ds, &p, e);
	if (r == 0) {
		strv_push(&c->taken, tag);
		*ret_tag = TAKE_PTR(tag);
	}
	kvlist_free(&p);
	return r;
}

static int
create_root(struct create_ctx *c, const char *uuid, struct ioc_err *e)
{
	struct store *st = c->ioc->st;
	char rel[128], root[64];

	snprintf(root, sizeof(root), "jails/%s/root", uuid);
	if (c->release)
		snprintf(rel, sizeof(rel), "releases/%s/root", c->release);
	switch (c->o->type) {
	case JT_THICK:
		return st->ops->copy(st, rel, c->snap, root, NULL, e);
	case JT_CLONE:
		return st->ops->clone(st, rel, c->snap, root, e);
	case JT_BASE: {
		cleanup_free char *path = NULL;
		cleanup_free char *local = NULL;

		if (st->ops->copy(st, rel, c->snap, root, base_own_dirs, e) < 0)
			return -1;
		path = st->ops->path(st, root);
		if (!path)
			return err_set(e, ENOENT, "%s has no mountpoint", root);
		local = xasprintf("%s/usr/local", path);
		if (mkdir_p(local, 0755, e) < 0)
			return -1;
		fault_point("create: usr/local");
		return 0;
	}
	case JT_EMPTY:
		return st->ops->create(st, root, NULL, e);
	}
	return err_set(e, EINVAL, "unknown jail type");
}

/* Native properties given at create (quota=20M...): set on the jail's dataset. */
static int
create_natives(struct create_ctx *c, const char *ds, struct ioc_err *e)
{
	const struct kvlist *defs = ioc_defaults(c->ioc, e);
	const struct kvlist *src[2] = {defs, &c->o->props};
	struct kvlist nat = {0};
	int r = 0;

	/* Without one given, a jail inherits the compression of the dataset that holds it (the
	 * zfs backend sets lz4, or on where ZFS lacks it, there once). */
	for (size_t s = 0; s < 2; s++)
		for (size_t i = 0; src[s] && i < src[s]->n; i++) {
			const struct prop *p = prop_find(src[s]->v[i].key);

			if (p && (p->flags & PF_NATIVE) && p->type != PT_RO)
				kvlist_set(&nat, p->name, src[s]->v[i].val);
		}
	for (size_t i = 0; i < nat.n && r == 0; i++) {
		/* A default (in .defaults) the backend has no such thing for must not make every
		 * create fail. */
		if (c->ioc->st->ops->set_native(c->ioc->st, ds, nat.v[i].key, nat.v[i].val, e) <
			0 &&
		    !(e->code == ENOTSUP && !kvlist_get(&c->o->props, nat.v[i].key)))
			r = -1;
	}
	kvlist_free(&nat);
	return r;
}

static int
create_one(struct create_ctx *c, const char *want, bool autotag, create_cb cb, void *arg,
	   struct ioc_err *e)
{
	struct store *st = c->ioc->st;
	cleanup_free char *tag = NULL;
	char uuid[UUID_STRLEN + 1], ds[64], lockname[64];
	struct strv unset = {0};
	struct ioc_err e2;
	int fd, r = -1;

	uuid_new(uuid);
	snprintf(ds, sizeof(ds), "jails/%s", uuid);
	snprintf(lockname, sizeof(lockname), "jail-%s", uuid);
	fd = lock_take(st, lockname, false, 0, e);
	if (fd < 0)
		return -1;
	if (create_props_ds(c, uuid, want, autotag, &tag, e) < 0)
		goto out;
	if (create_root(c, uuid, e) < 0 || create_natives(c, ds, e) < 0)
		goto undo;
	/* Before the jail is complete: a failed install, or a kill, leaves no jail. */
	if (c->o->pkgs.n && jail_pkg_install(c->ioc, uuid, &c->o->pkgs, NULL, e) < 0)
		goto undo;
	strv_push(&unset, PARTIAL_KEY);
	if (st->ops->set_user(st, ds, NULL, &unset, e) < 0)
		goto undo;
	cb(uuid, tag, arg);
	r = 0;
	goto out;
undo:
	if (st->ops->destroy(st, ds, &e2) < 0)
		err_wrap(e, "(and removing the half-made %s failed: %s)", ds, e2.msg);
out:
	if (r < 0)
		lock_remove(st, lockname);
	strv_free(&unset);
	lock_release(fd);
	return r;
}

int
jail_create(struct ioc *ioc, const struct create_opts *o, create_cb cb, void *arg,
	    struct ioc_err *e)
{
	struct create_ctx c = {.ioc = ioc, .o = o};
	const char *want = kvlist_get(&o->props, "tag");
	char base[TAG_MAX + 1];
	struct jails l = {0};
	int r = 0, fd;

	if (o->pkgs.n && (o->type == JT_BASE || o->type == JT_EMPTY))
		return err_set(e, EINVAL,
			       "pkglist= needs a jail with its own packages: a basejail runs its "
			       "release's, an empty jail has none");
	if (o->type != JT_EMPTY &&
	    pick_release(ioc, o->release ? o->release : kvlist_get(&o->props, "release"),
			 &c.release, &c.snap, e) < 0)
		return -1;
	/* One tags lock and one listing for the whole command: count=1000 costs one scan, not
	 * a thousand, and no other create or rename can take a tag meanwhile. */
	fd = lock_take(ioc->st, "tags", true, 600, e);
	if (fd < 0 || jails_load(ioc, 0, &l, e) < 0) {
		r = -1;
		goto out;
	}
	for (size_t i = 0; i < l.n; i++)
		strv_push(&c.taken, l.v[i].tag);
	if (want)
		snprintf(base, sizeof(base), "%s", want);
	else
		tag_default(time(NULL), base, sizeof(base));
	for (unsigned i = 1; i <= o->count && r == 0; i++) {
		char tag[TAG_MAX + 16];

		if (o->count > 1)
			snprintf(tag, sizeof(tag), "%s_%u", base, i);
		else
			snprintf(tag, sizeof(tag), "%s", base);
		if (tag_validate(tag, e) < 0)
			r = err_wrap(e, "count=%u", o->count);
		else
			/* A default tag is made unique (_2, _3...) against every tag in use; one
			 * the user chose must be free. */
			r = create_one(&c, tag, !want, cb, arg, e);
	}
out:
	lock_release(fd);
	jails_free(&l);
	free(c.release);
	free(c.snap);
	strv_free(&c.taken);
	return r;
}

/* ---- set ---- */

static int
check_assign(struct ioc *ioc, const struct jail *j, const char *k, const char *v, char **canon,
	     struct ioc_err *e)
{
	const struct prop *p;

	if (prop_check_set(k, v, false, canon, e) < 0)
		return -1;
	p = prop_find(k);
	if (!j && (streq(k, "tag") || streq(k, "host_hostuuid") || streq(k, "hostid")))
		return err_set(e, EINVAL, "%s is particular to each jail and has no default", k);
	if (j && (p->flags & PF_DEFAULT_ONLY))
		return err_set(e, EINVAL, "%s can only be set on default: iocage set %s=%s default",
			       k, k, v);
	if (!j && streq(k, "template"))
		return err_set(e, EINVAL, "template is particular to each jail and has no default");
	if (j && (p->flags & PF_NATIVE) && streq(ioc->st->ops->name, "dir"))
		return err_set(e, ENOTSUP, "%s is not supported by the dir backend (it needs ZFS)",
			       k);
	return 0;
}

/* A new tag must be free; checked under the tags lock, which the caller holds. */
static int
check_tag_free(struct ioc *ioc, const struct jail *j, const char *tag, struct ioc_err *e)
{
	struct jails l = {0};
	int r = 0;

	if (jails_load(ioc, 0, &l, e) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++)
		if (streq(l.v[i].tag, tag) && !streq(l.v[i].uuid, j->uuid))
			r = err_set(e, EEXIST, "tag '%s' is already used by %s", tag, l.v[i].uuid);
	jails_free(&l);
	return r;
}

static int
apply_natives(struct ioc *ioc, const struct jail *j, const struct kvlist *nat, struct ioc_err *e)
{
	struct store *st = ioc->st;
	size_t done;

	for (done = 0; done < nat->n; done++)
		if (st->ops->set_native(st, j->ds, nat->v[done].key, nat->v[done].val, e) < 0)
			break;
	if (done == nat->n)
		return 0;
	/* All or nothing: put back what was changed before the failure. */
	while (done-- > 0) {
		const struct prop *p = prop_find(nat->v[done].key);
		cleanup_free char *old = native_value(j, p);
		struct ioc_err e2;

		st->ops->set_native(st, j->ds, p->name, streq(old, "-") ? NULL : old, &e2);
	}
	return -1;
}

int
jail_set(struct ioc *ioc, const struct jail *j, const struct kvlist *assign, struct ioc_err *e)
{
	struct kvlist user = {0}, nat = {0};
	const char *newtag = NULL, *tpl;
	struct jail moved;
	char ds[64];
	int r = -1, fd = -1;

	for (size_t i = 0; i < assign->n; i++) {
		char *canon = NULL;
		const struct prop *p;

		if (check_assign(ioc, j, assign->v[i].key, assign->v[i].val, &canon, e) < 0)
			goto out;
		p = prop_find(assign->v[i].key);
		kvlist_set(j && (p->flags & PF_NATIVE) ? &nat : &user, p->name, canon);
		free(canon);
	}
	newtag = kvlist_get(&user, "tag");
	if (newtag) {
		fd = lock_take(ioc->st, "tags", true, 60, e);
		if (fd < 0 || check_tag_free(ioc, j, newtag, e) < 0)
			goto out;
	}
	/* template=yes|no moves the jail before the other values are set: it is the step that can
	 * be refused. */
	if (j && (tpl = kvlist_get(&user, "template"))) {
		bool on = streq(tpl, "yes");

		if (on != j->template && jail_set_template(ioc, j, on, e) < 0)
			goto out;
		kvlist_del(&user, "template");
		snprintf(ds, sizeof(ds), "%s/%s", on ? "templates" : "jails", j->uuid);
		moved = *j;
		moved.ds = ds;
		j = &moved;
	}
	if (j && apply_natives(ioc, j, &nat, e) < 0)
		goto out;
	if (user.n && ioc->st->ops->set_user(ioc->st, j ? j->ds : ".defaults", &user, NULL, e) < 0)
		goto out;
	/* Still under the tags lock: exec finds a running jail by the tag in its run record. */
	if (j && newtag && jail_run_retag(ioc, j, newtag, e) < 0) {
		err_wrap(e, "the tag is set, but the running jail's record under " IOC_RUNDIR
			    " still has the old one (a restart renews it)");
		goto out;
	}
	r = 0;
out:
	lock_release(fd);
	kvlist_free(&user);
	kvlist_free(&nat);
	return r;
}

/* ---- clone ---- */

/* The new jail's own values: src's, less what is particular to src, then o->props. */
static void
clone_props(const struct jail *src, const struct kvlist *given, struct kvlist *out)
{
	static const char *const drop[] = {"tag",      "host_hostuuid", "host_hostname",
					   "template", "last_started",  PARTIAL_KEY};

	for (size_t i = 0; i < src->props.n; i++) {
		const char *k = src->props.v[i].key;
		bool skip = false;

		for (size_t d = 0; d < ARRAY_SIZE(drop); d++)
			skip = skip || streq(k, drop[d]);
		/* vnetN_mac: none, so that the first start makes the clone its own. */
		if (!skip)
			kvlist_set(out, k,
				   str_has_prefix(k, "vnet") && str_has_suffix(k, "_mac")
				       ? "none"
				       : src->props.v[i].val);
	}
	kvlist_set(out, "boot", "off");
	if (!streq(kvlist_get(out, "type") ? kvlist_get(out, "type") : "", "basejail"))
		kvlist_set(out, "type", jail_type_name(JT_CLONE));
	for (size_t i = 0; i < given->n; i++)
		if (!(prop_find(given->v[i].key)->flags & PF_NATIVE))
			kvlist_set(out, given->v[i].key, given->v[i].val);
}

struct clone_ctx {
	struct create_ctx c;
	const struct jail *src;
	const char *snap; /* NULL: a fresh one per new jail */
};

/* jails/NEW is made (marked partial) before the snapshot it is cloned from, so that a kill at
 * any point leaves a partial jail whose cleaning also drops the snapshot named after it. */
static int
clone_one(struct clone_ctx *x, const char *want, bool autotag, create_cb cb, void *arg,
	  struct ioc_err *e)
{
	struct store *st = x->c.ioc->st;
	cleanup_free char *tag = NULL, *srcroot = xasprintf("%s/root", x->src->ds);
	char uuid[UUID_STRLEN + 1], ds[64], root[80], lockname[64];
	struct kvlist p = {0};
	struct strv unset = {0};
	bool made = false;
	struct ioc_err e2;
	int fd, r = -1;

	uuid_new(uuid);
	snprintf(ds, sizeof(ds), "jails/%s", uuid);
	snprintf(root, sizeof(root), "%s/root", ds);
	snprintf(lockname, sizeof(lockname), "jail-%s", uuid);
	if ((fd = lock_take(st, lockname, false, 0, e)) < 0)
		return -1;
	tag = autotag ? tag_unique(want, &x->c.taken) : xstrdup(want);
	if (strv_contains(&x->c.taken, tag)) {
		err_set(e, EEXIST, "tag '%s' is already used; choose another with tag=NAME", tag);
		goto out;
	}
	clone_props(x->src, &x->c.o->props, &p);
	kvlist_set(&p, "tag", tag);
	kvlist_set(&p, PARTIAL_KEY, lockname);
	if (st->ops->create(st, ds, &p, e) < 0)
		goto out;
	strv_push(&x->c.taken, tag);
	if (!x->snap && !(made = st->ops->snapshot(st, srcroot, uuid, e) == 0))
		goto undo;
	if (st->ops->clone(st, srcroot, x->snap ? x->snap : uuid, root, e) < 0 ||
	    create_natives(&x->c, ds, e) < 0)
		goto undo;
	strv_push(&unset, PARTIAL_KEY);
	if (st->ops->set_user(st, ds, NULL, &unset, e) < 0)
		goto undo;
	cb(uuid, tag, arg);
	r = 0;
	goto out;
undo:
	if (st->ops->destroy(st, ds, &e2) < 0 ||
	    (made && st->ops->snap_destroy(st, srcroot, uuid, &e2) < 0))
		err_wrap(e, "(and removing the half-made %s failed: %s)", ds, e2.msg);
out:
	if (r < 0)
		lock_remove(st, lockname);
	kvlist_free(&p);
	strv_free(&unset);
	lock_release(fd);
	return r;
}

static int
has_snapshot(struct store *st, const char *ds, const char *snap, struct ioc_err *e)
{
	struct snap_list l = {0};
	bool found = false;

	if (st->ops->snap_list(st, ds, &l, e) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++)
		found = found || streq(l.v[i].name, snap);
	snap_list_free(&l);
	return found;
}

int
jail_clone(struct ioc *ioc, const struct jail *src, const char *snap, const struct create_opts *o,
	   create_cb cb, void *arg, struct ioc_err *e)
{
	struct clone_ctx x = {.c = {.ioc = ioc, .o = o}, .src = src, .snap = snap};
	cleanup_free char *srcroot = xasprintf("%s/root", src->ds);
	const char *want = kvlist_get(&o->props, "tag");
	char base[TAG_MAX + 1], lockname[64];
	struct jails l = {0};
	int r = -1, fd, tfd = -1;

	if (o->pkgs.n)
		return err_set(e, EINVAL,
			       "pkglist= is for create: a clone has its source's packages (add "
			       "more with `iocage pkg`)");
	/* The source's lock, held to the end: a destroy of it waits for no one and fails, and
	 * one that got it first makes this clone fail, cleanly either way. */
	snprintf(lockname, sizeof(lockname), "jail-%s", src->uuid);
	if ((fd = lock_take(ioc->st, lockname, false, 0, e)) < 0)
		return err_wrap(e, "%s (%s)", src->uuid, src->tag);
	if (snap && (r = has_snapshot(ioc->st, srcroot, snap, e)) <= 0) {
		if (r == 0)
			err_set(e, ENOENT, "%s (%s) has no snapshot '%s' (`iocage snaplist %s`)",
				src->uuid, src->tag, snap, src->tag);
		r = -1;
		goto out;
	}
	r = -1;
	if ((tfd = lock_take(ioc->st, "tags", true, 600, e)) < 0 || jails_load(ioc, 0, &l, e) < 0)
		goto out;
	for (size_t i = 0; i < l.n; i++)
		strv_push(&x.c.taken, l.v[i].tag);
	if (want)
		snprintf(base, sizeof(base), "%s", want);
	else
		tag_default(time(NULL), base, sizeof(base));
	r = 0;
	for (unsigned i = 1; i <= o->count && r == 0; i++) {
		char tag[TAG_MAX + 16];

		snprintf(tag, sizeof(tag), o->count > 1 ? "%s_%u" : "%s", base, i);
		if (tag_validate(tag, e) < 0)
			r = err_wrap(e, "count=%u", o->count);
		else
			r = clone_one(&x, tag, !want, cb, arg, e);
	}
out:
	lock_release(tfd);
	lock_release(fd);
	jails_free(&l);
	strv_free(&x.c.taken);
	return r;
}
