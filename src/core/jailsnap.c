#include "core/jailsnap.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fetch.h"
#include "core/image.h"
#include "core/jailnet.h"
#include "core/jailpkg.h"
#include "core/jailrun.h"
#include "core/lock.h"
#include "limits/cgroup.h"
#include "util/cleanup.h"
#include "util/fault.h"

/* ---- names ---- */

int
snap_name_check(const char *name, struct ioc_err *e)
{
	size_t len = strlen(name);

	if (len == 0 || len > SNAP_NAME_MAX)
		return err_set(e, EINVAL, "a snapshot name has 1 to %d characters (got %zu)",
			       SNAP_NAME_MAX, len);
	if (name[0] == '.' || name[0] == '-')
		return err_set(e, EINVAL, "invalid snapshot name '%s': it cannot start with '%c'",
			       name, name[0]);
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr("._:-", *c)))
			return err_set(e, EINVAL,
				       "invalid snapshot name '%.*s': only letters, digits and "
				       "'.', '_', ':', '-' are allowed",
				       (int)(len > 64 ? 64 : len), name);
	if (streq(name, "ALL") || uuid_valid(name))
		return err_set(e, EINVAL,
			       "'%s' is reserved: iocage names the snapshots it makes for clones "
			       "after them",
			       name);
	return 0;
}

void
snap_name_default(time_t t, char *buf, size_t len)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d_%H.%M.%S", &tm);
}

static char *
root_of(const struct jail *j)
{
	return xasprintf("%s/root", j->ds);
}

static bool
in_tree(const char *x, const char *top)
{
	size_t n = strlen(top);

	return strncmp(x, top, n) == 0 && (x[n] == '\0' || x[n] == '/' || x[n] == '@');
}

/* ---- dependents ---- */

/* The datasets outside top's tree that are clones of a snapshot inside it, or with snap, of
 * top@snap itself. */
static void
dependents(const struct kvlist *deps, const char *top, const char *snap, struct strv *out)
{
	cleanup_free char *want = snap ? xasprintf("%s@%s", top, snap) : NULL;

	for (size_t i = 0; i < deps->n; i++) {
		const char *k = deps->v[i].key, *o = deps->v[i].val;

		if (!*o || strchr(k, '@'))
			continue;
		if (want ? streq(o, want) : in_tree(o, top) && !in_tree(k, top))
			strv_push(out, k);
	}
}

/* The jail a dataset belongs to ("jails/UUID/..." or "templates/UUID/..."). */
static const struct jail *
owner(const struct jails *l, const char *ds)
{
	const char *p = str_has_prefix(ds, "jails/")       ? ds + 6
			: str_has_prefix(ds, "templates/") ? ds + 10
							   : NULL;

	for (size_t i = 0; p && i < l->n; i++)
		if (strncmp(p, l->v[i].uuid, UUID_STRLEN) == 0 &&
		    (p[UUID_STRLEN] == '/' || !p[UUID_STRLEN]))
			return &l->v[i];
	return NULL;
}

static void
describe(struct sbuf *b, const struct jail *j)
{
	sbuf_addf(b, "%s%s%s (%s)", b->len ? ", " : "", j->template ? "template " : "", j->uuid,
		  j->tag);
}

/* The jails (or other datasets) behind the dataset names in ds, for a message. */
static void
describe_all(const struct jails *l, const struct strv *ds, struct sbuf *b)
{
	const struct jail *seen[64];
	size_t n = 0;

	for (size_t i = 0; i < ds->n; i++) {
		const struct jail *j = owner(l, ds->v[i]);
		bool dup = false;

		for (size_t k = 0; j && k < n; k++)
			dup = dup || seen[k] == j;
		if (dup)
			continue;
		if (j && n < ARRAY_SIZE(seen))
			seen[n++] = j;
		if (j)
			describe(b, j);
		else
			sbuf_addf(b, "%s%s", b->len ? ", " : "", ds->v[i]);
	}
}

static int
load_deps(struct ioc *ioc, struct kvlist *deps, struct ioc_err *e)
{
	return ioc->st->ops->deps(ioc->st, deps, e);
}

/* EBUSY naming the jails that depend on top (or on top@snap); 0 when none do. */
static int
refuse_dependents(struct ioc *ioc, const struct kvlist *deps, const char *top, const char *snap,
		  const char *what, struct ioc_err *e)
{
	struct strv ds = {0};
	struct sbuf b = {0};
	struct jails l = {0};
	int r = 0;

	dependents(deps, top, snap, &ds);
	if (ds.n && jails_load(ioc, 0, &l, e) < 0)
		r = -1;
	else if (ds.n) {
		describe_all(&l, &ds, &b);
		r = err_set(e, EBUSY, "%s: clones depend on it: %s", what, sbuf_str(&b));
	}
	jails_free(&l);
	sbuf_free(&b);
	strv_free(&ds);
	return r;
}

/* ---- locks ---- */

static int
lock_jail(struct ioc *ioc, const struct jail *j, bool stopped, struct ioc_err *e)
{
	char name[64];
	struct jail_proc jp;
	int fd;

	snprintf(name, sizeof(name), "jail-%s", j->uuid);
	if ((fd = lock_take(ioc->st, name, false, 0, e)) < 0)
		return -1;
	if (stopped && jail_running(j, &jp)) {
		lock_release(fd);
		return err_set(e, EBUSY, "%s (%s) is running; stop it first with `iocage stop %s`",
			       j->uuid, j->tag, j->tag);
	}
	return fd;
}

/* ---- snapshots ---- */

int
jail_snapshot(struct ioc *ioc, const struct jail *j, const char *name, struct ioc_err *e)
{
	cleanup_free char *root = root_of(j);
	int fd, r;

	if (snap_name_check(name, e) < 0 || (fd = lock_jail(ioc, j, false, e)) < 0)
		return -1;
	r = ioc->st->ops->snapshot(ioc->st, root, name, e);
	lock_release(fd);
	return r;
}

int
jail_snaplist(struct ioc *ioc, const struct jail *j, struct snap_list *out, struct ioc_err *e)
{
	cleanup_free char *root = root_of(j);

	return ioc->st->ops->snap_list(ioc->st, root, out, e);
}

/* What a snapshot belongs to, for rollback: a jail's root or a release's. */
struct snap_owner {
	char root[192];   /* the dataset whose snapshots they are */
	char label[160];  /* "UUID (TAG)" or "release NAME", for messages */
	const char *name; /* what commands take: TAG or NAME */
};

static void
owner_of_jail(const struct jail *j, struct snap_owner *o)
{
	snprintf(o->root, sizeof(o->root), "%s/root", j->ds);
	snprintf(o->label, sizeof(o->label), "%s (%s)", j->uuid, j->tag);
	o->name = j->tag;
}

static int
need_snap(struct ioc *ioc, const struct snap_owner *o, const char *name, struct snap_list *l,
	  struct ioc_err *e)
{
	if (ioc->st->ops->snap_list(ioc->st, o->root, l, e) < 0)
		return -1;
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->v[i].name, name))
			return (int)i;
	return err_set(e, ENOENT, "%s has no snapshot '%s' (`iocage snaplist %s` lists them)",
		       o->label, name, o->name);
}

int
jail_snapremove(struct ioc *ioc, const struct jail *j, const char *name, struct ioc_err *e)
{
	cleanup_free char *root = root_of(j), *what = xasprintf("%s@%s", j->tag, name);
	struct snap_owner o = {0};
	struct snap_list l = {0};
	struct kvlist deps = {0};
	int fd, r = -1;

	owner_of_jail(j, &o);
	if ((fd = lock_jail(ioc, j, false, e)) < 0)
		return -1;
	if (need_snap(ioc, &o, name, &l, e) >= 0 && load_deps(ioc, &deps, e) == 0 &&
	    refuse_dependents(ioc, &deps, root, name, what, e) == 0)
		r = ioc->st->ops->snap_destroy(ioc->st, root, name, e);
	snap_list_free(&l);
	kvlist_free(&deps);
	lock_release(fd);
	return r;
}

/* The snapshots after index i: refused without force (named), and while clones use one. */
static int
check_later(struct ioc *ioc, const struct snap_owner *o, const struct snap_list *l, size_t i,
	    bool force, struct ioc_err *e)
{
	struct kvlist deps = {0};
	struct sbuf b = {0};
	int r = 0;

	for (size_t k = i + 1; k < l->n; k++)
		sbuf_addf(&b, "%s%s", b.len ? ", " : "", l->v[k].name);
	if (b.len && !force)
		r = err_set(e, EEXIST,
			    "rolling back to %s destroys the later snapshots %s; "
			    "use -f to do it",
			    l->v[i].name, b.s);
	if (r == 0 && b.len && (r = load_deps(ioc, &deps, e)) == 0)
		for (size_t k = i + 1; r == 0 && k < l->n; k++)
			r = refuse_dependents(ioc, &deps, o->root, l->v[k].name, l->v[k].name, e);
	kvlist_free(&deps);
	sbuf_free(&b);
	return r;
}

/* Checked, then rolled back; a transaction mark the rollback undid goes (jailpkg.h). */
static int
rollback_owner(struct ioc *ioc, const struct snap_owner *o, const char *ds, const char *name,
	       bool force, struct ioc_err *e)
{
	struct snap_list l = {0};
	int i, r = -1;

	if ((i = need_snap(ioc, o, name, &l, e)) >= 0 &&
	    check_later(ioc, o, &l, (size_t)i, force, e) == 0)
		r = ioc->st->ops->rollback(ioc->st, o->root, name, e);
	if (r == 0)
		txn_mark_rolled_back(ioc, ds, o->root, name);
	snap_list_free(&l);
	return r;
}

int
jail_rollback(struct ioc *ioc, const struct jail *j, const char *name, bool force,
	      struct ioc_err *e)
{
	struct snap_owner o = {0};
	int fd, r;

	owner_of_jail(j, &o);
	if ((fd = lock_jail(ioc, j, true, e)) < 0)
		return -1;
	r = rollback_owner(ioc, &o, j->ds, name, force, e);
	lock_release(fd);
	return r;
}

/* ---- releases ---- */

/* The release is fetched and complete: o filled. */
static int
owner_of_release(struct ioc *ioc, const char *name, struct snap_owner *o, struct ioc_err *e)
{
	cleanup_free char *newest = NULL;

	if (release_snapshot(ioc->st, name, &newest, e) < 0)
		return -1;
	snprintf(o->root, sizeof(o->root), "releases/%s/root", name);
	snprintf(o->label, sizeof(o->label), "release %s", name);
	o->name = name;
	return 0;
}

int
release_snaplist(struct ioc *ioc, const char *name, struct snap_list *out, struct ioc_err *e)
{
	struct snap_owner o = {0};

	if (owner_of_release(ioc, name, &o, e) < 0)
		return -1;
	return ioc->st->ops->snap_list(ioc->st, o.root, out, e);
}

static bool
base_on(const struct jail *j, const char *release)
{
	const char *t = kvlist_get(&j->props, "type"), *r = kvlist_get(&j->props, "release");

	return t && r && streq(t, "basejail") && streq(r, release);
}

int
release_refuse_running_base(struct ioc *ioc, const char *name, struct ioc_err *e)
{
	struct jails l = {0};
	struct jail_proc jp;
	struct sbuf b = {0};
	const char *tag = NULL;
	size_t n = 0;
	int r;

	if ((r = jails_load(ioc, 0, &l, e)) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++)
		if (base_on(&l.v[i], name) && jail_running(&l.v[i], &jp)) {
			describe(&b, &l.v[i]);
			tag = tag ? tag : l.v[i].tag;
			n++;
		}
	if (n)
		r = err_set(e, EBUSY,
			    "release %s: the basejail%s %s run%s on it and bind%s its "
			    "directories; stop %s first (`iocage stop %s%s`)",
			    name, n > 1 ? "s" : "", b.s, n > 1 ? "" : "s", n > 1 ? "" : "s",
			    n > 1 ? "them" : "it", tag, n > 1 ? " ..." : "");
	sbuf_free(&b);
	jails_free(&l);
	return r;
}

int
release_rollback(struct ioc *ioc, const char *name, const char *snap, bool force, struct ioc_err *e)
{
	struct snap_owner o = {0};
	char lockname[96], ds[96];
	int fd, r;

	if (release_name_validate(name, e) < 0)
		return -1;
	snprintf(lockname, sizeof(lockname), "release-%s", name);
	snprintf(ds, sizeof(ds), "releases/%s", name);
	if ((fd = lock_take(ioc->st, lockname, false, 0, e)) < 0)
		return err_wrap(e, "release %s", name);
	r = owner_of_release(ioc, name, &o, e);
	if (r == 0)
		r = release_refuse_running_base(ioc, name, e);
	if (r == 0)
		r = rollback_owner(ioc, &o, ds, snap, force, e);
	lock_release(fd);
	return r;
}

/* An origin snapshot iocage made (named after a UUID) goes once no clone uses it. */
static void
drop_if_unused(struct ioc *ioc, const char *origin)
{
	const char *at = strchr(origin, '@');
	cleanup_free char *src = NULL;
	struct ioc_err e;

	if (!at || !uuid_valid(at + 1))
		return;
	src = xstrndup(origin, (size_t)(at - origin));
	/* The store refuses (EBUSY) while a clone still uses it: then it stays. */
	ioc->st->ops->snap_destroy(ioc->st, src, at + 1, &e);
}

void
jail_drop_snaps(struct ioc *ioc, const char *uuid)
{
	struct kvlist deps = {0};
	struct ioc_err e;

	if (load_deps(ioc, &deps, &e) < 0)
		return;
	for (size_t i = 0; i < deps.n; i++) {
		const char *at = strchr(deps.v[i].key, '@');

		if (at && streq(at + 1, uuid))
			drop_if_unused(ioc, deps.v[i].key);
	}
	kvlist_free(&deps);
}

int
jail_promote(struct ioc *ioc, const struct jail *j, struct ioc_err *e)
{
	cleanup_free char *root = root_of(j), *origin = NULL;
	struct kvlist deps = {0};
	int fd, r = -1;

	if ((fd = lock_jail(ioc, j, false, e)) < 0)
		return -1;
	if (load_deps(ioc, &deps, e) == 0) {
		const char *o = kvlist_get(&deps, root);

		if (!o || !*o)
			err_set(e, EINVAL, "%s (%s) is not a clone: it depends on nothing", j->uuid,
				j->tag);
		else if ((r = ioc->st->ops->promote(ioc->st, root, e)) == 0)
			origin = xstrdup(o);
	}
	/* dir: the origin snapshot made for this clone has no user left; zfs moved it here. */
	if (origin)
		drop_if_unused(ioc, origin);
	kvlist_free(&deps);
	lock_release(fd);
	return r;
}

int
jail_set_template(struct ioc *ioc, const struct jail *j, bool on, struct ioc_err *e)
{
	char to[64];
	struct kvlist deps = {0}, set = {0};
	int fd, r;

	if ((fd = lock_jail(ioc, j, true, e)) < 0)
		return err_wrap(e, "template=%s", on ? "yes" : "no");
	snprintf(to, sizeof(to), "%s/%s", on ? "templates" : "jails", j->uuid);
	r = on ? 0 : load_deps(ioc, &deps, e);
	if (r == 0 && !on)
		r = refuse_dependents(ioc, &deps, j->ds, NULL, "template=no", e);
	kvlist_set(&set, "template", on ? "yes" : "no");
	/* The property first: a kill before the move leaves the location, which rules. */
	if (r == 0)
		r = ioc->st->ops->set_user(ioc->st, j->ds, &set, NULL, e);
	if (r == 0)
		r = ioc->st->ops->rename(ioc->st, j->ds, to, e);
	kvlist_free(&set);
	kvlist_free(&deps);
	lock_release(fd);
	return r;
}

/* ---- destroy ---- */

static bool
planned(const struct destroy_plan *p, const struct jail *j)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i] == j)
			return true;
	return false;
}

static void
plan_add(struct destroy_plan *p, const struct jail *j)
{
	p->v = xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
	p->v[p->n++] = j;
}

/* The direct dependents of top: jails whose root is a clone of it, and for a release the
 * basejails that bind it. Datasets that are no jail's go to foreign. */
static void
direct(const struct jails *l, const struct kvlist *deps, const char *top, const char *release,
       const struct jail **out, size_t *n, struct strv *foreign)
{
	struct strv ds = {0};

	dependents(deps, top, NULL, &ds);
	for (size_t i = 0; i < ds.n; i++) {
		const struct jail *j = owner(l, ds.v[i]);

		if (!j)
			strv_push(foreign, ds.v[i]);
		else if (*n < l->n)
			out[(*n)++] = j;
	}
	for (size_t i = 0; release && i < l->n; i++) {
		const char *t = kvlist_get(&l->v[i].props, "type");
		const char *r = kvlist_get(&l->v[i].props, "release");

		if (t && r && streq(t, "basejail") && streq(r, release) && *n < l->n)
			out[(*n)++] = &l->v[i];
	}
	strv_free(&ds);
}

static void
visit(const struct jails *l, const struct kvlist *deps, const char *top, const char *release,
      struct destroy_plan *p, struct strv *foreign)
{
	const struct jail **d = xcalloc(l->n + 1, sizeof(*d));
	size_t n = 0;

	direct(l, deps, top, release, d, &n, foreign);
	for (size_t i = 0; i < n; i++) {
		if (planned(p, d[i]))
			continue;
		visit(l, deps, d[i]->ds, NULL, p, foreign);
		if (!planned(p, d[i]))
			plan_add(p, d[i]);
	}
	free(d);
}

int
destroy_plan(struct ioc *ioc, const struct jails *l, const struct jail *j, const char *release,
	     bool recursive, struct destroy_plan *out, struct ioc_err *e)
{
	cleanup_free char *top = j ? xstrdup(j->ds) : xasprintf("releases/%s", release);
	const struct jail **d = xcalloc(l->n + 1, sizeof(*d));
	struct destroy_plan p = {0};
	struct kvlist deps = {0};
	struct strv foreign = {0};
	struct sbuf b = {0};
	size_t n = 0;
	int r = load_deps(ioc, &deps, e);

	if (r == 0) {
		direct(l, &deps, top, release, d, &n, &foreign);
		for (size_t i = 0; i < n; i++)
			if (!strstr(sbuf_str(&b), d[i]->uuid))
				describe(&b, d[i]);
		for (size_t i = 0; i < foreign.n; i++)
			sbuf_addf(&b, "%s%s", b.len ? ", " : "", foreign.v[i]);
	}
	if (r == 0 && foreign.n)
		r = err_set(e, EBUSY, "%s: datasets that are not jails depend on it: %s", top, b.s);
	else if (r == 0 && n && !recursive)
		r = err_set(e, EBUSY,
			    "%s: %zu jail%s on it: %s; destroy %s first, or destroy %s too "
			    "with -r",
			    j ? j->tag : release, n, n == 1 ? " depends" : "s depend", b.s,
			    n == 1 ? "it" : "them", n == 1 ? "it" : "them");
	if (r == 0) {
		visit(l, &deps, top, release, &p, &foreign);
		if (j && !planned(&p, j))
			plan_add(&p, j);
		if (!j)
			plan_add(&p, NULL);
		if (foreign.n)
			r = err_set(e, EBUSY, "datasets that are not jails depend on %s: %s", top,
				    foreign.v[0]);
	}
	if (r == 0)
		*out = p;
	else
		destroy_plan_free(&p);
	free(d);
	sbuf_free(&b);
	strv_free(&foreign);
	kvlist_free(&deps);
	return r;
}

void
destroy_plan_free(struct destroy_plan *p)
{
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

/* The console log goes with the jail: nothing of it is left behind. */
static void
drop_log(struct store *st, const char *uuid)
{
	cleanup_free char *dir = st->ops->path(st, "log"), *log = NULL;

	if (!dir)
		return;
	log = xasprintf("%s/%s-console.log", dir, uuid);
	if (unlink(log) == 0)
		fault_point("destroy: console log removed");
}

void
jail_drop_traces(struct ioc *ioc, const char *uuid, const char *ds)
{
	struct jail j = {.ds = (char *)ds};

	snprintf(j.uuid, sizeof(j.uuid), "%s", uuid);
	drop_log(ioc->st, uuid);
	jail_record_forget(ioc, &j);
}

/* Under the jail's lock: marked partial, its root goes, then the origin snapshot made for
 * it, its console log and recording, then the rest. A kill leaves a partial jail the next
 * command removes with the rest (jails_load), or, once the last dataset is gone, only the lock
 * file (swept by jails_load too). */
static int
destroy_locked(struct ioc *ioc, const struct jail *j, const struct kvlist *deps, struct ioc_err *e)
{
	struct store *st = ioc->st;
	cleanup_free char *root = root_of(j), *origin = NULL;
	char lockname[64];
	struct kvlist mark = {0};
	struct strv unset = {0};
	struct ioc_err e2;
	int r;

	snprintf(lockname, sizeof(lockname), "jail-%s", j->uuid);
	if (kvlist_get(deps, root) && *kvlist_get(deps, root))
		origin = xstrdup(kvlist_get(deps, root));
	kvlist_set(&mark, PARTIAL_KEY, lockname);
	r = st->ops->set_user(st, j->ds, &mark, NULL, e);
	if (r == 0 && (r = st->ops->destroy(st, root, e)) == 0) {
		if (origin)
			drop_if_unused(ioc, origin);
		jail_drop_traces(ioc, j->uuid, j->ds);
		r = st->ops->destroy(st, j->ds, e);
	}
	if (r == 0) {
		lock_remove(st, lockname);
	} else if (st->ops->exists(st, root, &e2) == 1) {
		/* Nothing lost: it stays a whole jail. */
		strv_push(&unset, PARTIAL_KEY);
		st->ops->set_user(st, j->ds, NULL, &unset, &e2);
	}
	kvlist_free(&mark);
	strv_free(&unset);
	return r;
}

/* What a start or stop killed halfway left of a jail that does not run: its cgroups (and any
 * process in them), host ends of its veths, its state file. start and stop clean these too;
 * a destroy must, or they outlive the jail. */
static void
drop_runtime(struct ioc *ioc, const struct jail *j)
{
	struct cgroup cg = {.v2_fd = -1};
	struct ioc_err e;
	char path[128];

	if (cg_open(j->uuid, &cg, &e) == 0) {
		cg_signal(&cg, SIGKILL, &e);
		cg_destroy(&cg, &e);
		cg_free(&cg);
	}
	jailnet_down(ioc, j);
	snprintf(path, sizeof(path), IOC_STATEDIR "/%s", j->uuid);
	unlink(path);
}

int
jail_destroy(struct ioc *ioc, const struct jail *j, struct ioc_err *e)
{
	struct kvlist deps = {0};
	int fd, r;

	if ((fd = lock_jail(ioc, j, true, e)) < 0)
		return -1;
	drop_runtime(ioc, j);
	/* Read under the lock: a clone of this jail needs the lock too, so no new dependent
	 * can appear between this check and the destroy. */
	r = load_deps(ioc, &deps, e);
	if (r == 0)
		r = refuse_dependents(ioc, &deps, j->ds, NULL, j->tag, e);
	if (r == 0)
		r = destroy_locked(ioc, j, &deps, e);
	kvlist_free(&deps);
	lock_release(fd);
	return r;
}

int
release_destroy(struct ioc *ioc, const struct jails *l, const char *name, struct ioc_err *e)
{
	struct destroy_plan p = {0};
	char ds[128], lockname[128];
	struct jails now = {0};
	int fd, r;

	(void)l;
	snprintf(ds, sizeof(ds), "releases/%s", name);
	snprintf(lockname, sizeof(lockname), "release-%s", name);
	if ((fd = lock_take(ioc->st, lockname, false, 0, e)) < 0)
		return -1;
	/* The jails as they are now (dependents destroyed just before are gone). */
	r = jails_load(ioc, 0, &now, e);
	if (r == 0)
		r = destroy_plan(ioc, &now, NULL, name, false, &p, e);
	if (r == 0)
		r = ioc->st->ops->destroy(ioc->st, ds, e);
	if (r == 0)
		lock_remove(ioc->st, lockname);
	destroy_plan_free(&p);
	jails_free(&now);
	lock_release(fd);
	return r;
}
