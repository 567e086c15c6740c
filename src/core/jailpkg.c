#include "core/jailpkg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/fetch.h"
#include "core/jailrun.h"
#include "core/jailsnap.h"
#include "core/lock.h"
#include "run/run.h"
#include "util/cleanup.h"
#include "util/fault.h"
#include "util/fs.h"

#define PKG_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* One update or upgrade of a jail's root or a release's. */
struct txn {
	struct ioc *ioc;
	const struct pkg_opts *o;
	struct pkg_result *r;
	const char *kind;   /* "update" or "upgrade" */
	const char *uuid;   /* the jail's, or NULL for a release */
	const char *newrel; /* upgrade: the release moved to */
	char ds[128];       /* jails/UUID or releases/NAME */
	char rootds[160];   /* DS/root */
	char *rootpath;     /* where its files are */
	char *hostname;     /* jails: host_hostname */
	int rootfd;         /* O_PATH */
	int lockfd;
	bool any_drv; /* a basejail: its package manager is its release's */
	const struct pkg_driver *drv;
};

static void say(const struct pkg_opts *o, const char *fmt, ...) IOC_PRINTF(2, 3);

static void
say(const struct pkg_opts *o, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!o || !o->say)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	o->say(buf, o->arg);
}

/* ---- running the package manager ---- */

/* argv without its options, for messages: "apt-get dist-upgrade". */
static void
argv_words(char *const *argv, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; argv[i] && at < len; i++) {
		if (i > 0 && (argv[i][0] == '-' || strstr(argv[i], "::")))
			continue;
		if (i > 4 && !argv[i + 1]) {
			at += (size_t)snprintf(buf + at, len - at, " ...");
			break;
		}
		at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? " " : "", argv[i]);
	}
}

/* argv in the root at path in a one-shot run with the host's network; *status its exit. */
static int
run_root(struct txn *t, char *const *argv, int *status, struct ioc_err *e)
{
	cleanup_free char *home = NULL, *resolv = NULL;
	struct enter_user u = {0};
	struct jail_spec s = {0};
	struct enter_opts eo = {0};
	struct strv env = {0};
	struct ioc_err e2;
	int r;

	if (jail_user_lookup(t->rootfd, "root", &u, &home, e) < 0)
		return -1;
	/* A jail's resolv.conf is written at each start anyway; a release's is left alone. */
	if (t->uuid && read_file("/etc/resolv.conf", &resolv, 65536, &e2) < 0)
		resolv = NULL;
	strv_push(&env, PKG_PATH);
	strv_push(&env, "HOME=/root");
	strv_push(&env, "LC_ALL=C");
	for (const char *const *v = t->drv->env; v && *v; v++)
		strv_push(&env, *v);
	s.uuid = t->uuid ? t->uuid : "release";
	s.root = t->rootpath;
	s.hostname = t->hostname;
	s.resolv_conf = resolv;
	s.net_inherit = true;
	s.mount_procfs = s.mount_devfs = s.mount_fdescfs = true;
	s.cgroup_fd = -1;
	s.console_fd = -1;
	eo.argv = argv;
	eo.envp = env.v;
	eo.user = &u;
	eo.cgroup_fd = -1;
	eo.out_fd = -1;
	r = run_oneshot(&s, &eo, status, e);
	strv_free(&env);
	enter_user_free(&u);
	return r;
}

static int
txn_op(struct txn *t, enum pkg_op op, const struct strv *pkgs, const char *relver,
       struct ioc_err *e)
{
	struct strv argv = {0};
	char words[256];
	int status = 0, r;

	if (pkg_argv(t->drv, op, pkgs, relver, &argv, e) < 0)
		return -1;
	argv_words(argv.v, words, sizeof(words));
	say(t->o, "%s: %s", t->r->label, words);
	r = run_root(t, argv.v, &status, e);
	if (r == 0 && status == 0)
		fault_point(pkg_op_name(op));
	if (r == 0 && status != 0)
		r = err_set(e, 0, "%s (the %s step) failed with exit status %d", words,
			    pkg_op_name(op), status);
	else if (r < 0)
		err_wrap(e, "%s", words);
	strv_free(&argv);
	return r;
}

/* ---- the target ---- */

static int
txn_open(struct txn *t, struct ioc_err *e)
{
	struct store *st = t->ioc->st;

	if (st->ops->mount(st, t->rootds, e) < 0)
		return -1;
	t->rootpath = st->ops->path(st, t->rootds);
	if (!t->rootpath)
		return err_set(e, ENOENT, "%s has no mountpoint", t->rootds);
	t->rootfd = open(t->rootpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t->rootfd < 0)
		return err_sys(e, "open %s", t->rootpath);
	t->drv = pkg_detect(t->rootfd);
	if (!t->drv && !t->any_drv)
		return err_set(e, ENOENT,
			       "%s has no package manager iocage knows (apt-get with "
			       "/etc/debian_version, apk, or dnf)",
			       t->r->label);
	return 0;
}

static void
txn_close(struct txn *t)
{
	if (t->rootfd >= 0)
		close(t->rootfd);
	lock_release(t->lockfd);
	free(t->rootpath);
	free(t->hostname);
}

static int
jail_txn(struct txn *t, struct ioc *ioc, const struct jail *j, struct ioc_err *e)
{
	char lock[64];
	struct jail_proc jp;

	*t = (struct txn){.ioc = ioc,
			  .uuid = j->uuid,
			  .rootfd = -1,
			  .lockfd = -1,
			  .r = t->r,
			  .o = t->o,
			  .kind = t->kind,
			  .newrel = t->newrel};
	snprintf(t->r->label, sizeof(t->r->label), "%s", j->tag);
	snprintf(t->ds, sizeof(t->ds), "%s", j->ds);
	snprintf(t->rootds, sizeof(t->rootds), "%s/root", j->ds);
	snprintf(lock, sizeof(lock), "jail-%s", j->uuid);
	if ((t->lockfd = lock_take(ioc->st, lock, false, 0, e)) < 0)
		return err_wrap(e, "%s (%s)", j->uuid, j->tag);
	if (jail_running(j, &jp))
		return err_set(e, EBUSY, "%s (%s) is running; stop it first", j->uuid, j->tag);
	t->hostname = jail_value(ioc, j, prop_find("host_hostname"), NULL);
	return 0;
}

static int
release_txn(struct txn *t, struct ioc *ioc, const char *name, struct ioc_err *e)
{
	cleanup_free char *snap = NULL;
	char lock[96];

	*t = (struct txn){
	    .ioc = ioc, .rootfd = -1, .lockfd = -1, .r = t->r, .o = t->o, .kind = t->kind};
	snprintf(t->r->label, sizeof(t->r->label), "%s", name);
	t->r->release = true;
	if (release_snapshot(ioc->st, name, &snap, e) < 0)
		return -1;
	snprintf(t->ds, sizeof(t->ds), "releases/%s", name);
	snprintf(t->rootds, sizeof(t->rootds), "releases/%s/root", name);
	snprintf(lock, sizeof(lock), "release-%s", name);
	if ((t->lockfd = lock_take(ioc->st, lock, false, 0, e)) < 0)
		return err_wrap(e, "release %s", name);
	/* Under the lock: a basejail's start takes it too while it binds the release. */
	return release_refuse_running_base(ioc, name, e);
}

/* ---- snapshots and the mark ---- */

static bool
has_snap(const struct snap_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->v[i].name, name))
			return true;
	return false;
}

/* PREFIX_DATE, or PREFIX_DATE_N when that is taken: a re-run never clashes. */
static int
unique_snap(struct txn *t, const char *prefix, char *buf, size_t len, struct ioc_err *e)
{
	struct snap_list l = {0};
	char date[64];

	if (t->ioc->st->ops->snap_list(t->ioc->st, t->rootds, &l, e) < 0)
		return -1;
	snap_name_default(time(NULL), date, sizeof(date));
	snprintf(buf, len, "%s_%s", prefix, date);
	for (unsigned n = 2; has_snap(&l, buf); n++)
		snprintf(buf, len, "%s_%s_%u", prefix, date, n);
	snap_list_free(&l);
	return 0;
}

static char *
mark_path(struct txn *t)
{
	cleanup_free char *dir = t->ioc->st->ops->path(t->ioc->st, t->ds);

	return dir ? xasprintf("%s/" TXN_MARK, dir) : NULL;
}

static void
mark_remove(struct txn *t)
{
	cleanup_free char *p = mark_path(t);

	if (p && unlink(p) == 0)
		fault_point("transaction mark removed");
}

static int
mark_write(struct txn *t, struct ioc_err *e)
{
	cleanup_free char *p = mark_path(t);
	cleanup_free char *s =
	    xasprintf("%s %s %s\n", t->kind, t->r->snap, t->newrel ? t->newrel : "-");

	if (!p)
		return err_set(e, ENOENT, "%s has no mountpoint", t->ds);
	if (write_file_atomic(p, s, strlen(s), 0600, e) < 0)
		return -1;
	fault_point("transaction mark written");
	return 0;
}

/* What a transaction killed halfway left: 1 with kind, snap and release filled, 0 if none
 * (or its snapshot was never finished: then the mark is stale, and it and what the snapshot
 * left go). */
static int
mark_read(struct txn *t, char *kind, char *snap, char *rel, struct ioc_err *e)
{
	cleanup_free char *p = mark_path(t), *s = NULL;
	struct snap_list l = {0};
	bool there;

	if (!p || read_file(p, &s, 4096, e) < 0)
		return 0;
	if (sscanf(s, "%15s %127s %127s", kind, snap, rel) != 3)
		goto stale;
	if (t->ioc->st->ops->snap_list(t->ioc->st, t->rootds, &l, e) < 0)
		return -1;
	there = has_snap(&l, snap);
	snap_list_free(&l);
	if (there)
		return 1;
	if (t->ioc->st->ops->snap_destroy(t->ioc->st, t->rootds, snap, e) < 0)
		return -1;
stale:
	unlink(p);
	return 0;
}

void
txn_mark_rolled_back(struct ioc *ioc, const char *ds, const char *rootds, const char *snap)
{
	struct txn t = {.ioc = ioc, .rootfd = -1, .lockfd = -1};
	char kind[16], msnap[128], rel[128];
	struct ioc_err e;

	snprintf(t.ds, sizeof(t.ds), "%s", ds);
	snprintf(t.rootds, sizeof(t.rootds), "%s", rootds);
	/* mark_read removes a mark whose snapshot is gone. */
	if (mark_read(&t, kind, msnap, rel, &e) == 1 && streq(msnap, snap))
		mark_remove(&t);
}

static int
interrupted(struct txn *t, const char *kind, const char *snap, const char *rel, struct ioc_err *e)
{
	if (streq(kind, "upgrade"))
		return err_set(e, EBUSY,
			       "an upgrade of %s to %s was interrupted (the state before is "
			       "snapshot %s@%s): run `iocage upgrade %s release=%s` again to "
			       "finish it, or `iocage rollback -f %s@%s` to undo it",
			       t->r->label, rel, t->r->label, snap, t->r->label, rel, t->r->label,
			       snap);
	return err_set(e, EBUSY,
		       "an update of %s was interrupted (the state before is snapshot %s@%s): "
		       "run `iocage update %s` again to finish it, or `iocage rollback -f %s@%s` "
		       "to undo it",
		       t->r->label, t->r->label, snap, t->r->label, t->r->label, snap);
}

/* The snapshot the transaction can go back to: the one an interrupted run of the same
 * transaction took, or a new one. */
static int
txn_begin(struct txn *t, struct ioc_err *e)
{
	char kind[16], snap[128], rel[128];
	int r = mark_read(t, kind, snap, rel, e);

	if (r < 0)
		return -1;
	if (r == 1) {
		if (!streq(kind, t->kind) || (t->newrel && !streq(rel, t->newrel)))
			return interrupted(t, kind, snap, rel, e);
		snprintf(t->r->snap, sizeof(t->r->snap), "%s", snap);
		t->r->resumed = true;
		say(t->o, "%s: resuming the %s interrupted after snapshot %s@%s", t->r->label, kind,
		    t->r->label, snap);
		return 0;
	}
	/* The mark first: a kill while the snapshot is made leaves a mark that names it, and the
	 * next run finds what is left of it. */
	if (unique_snap(t, t->kind, t->r->snap, sizeof(t->r->snap), e) < 0 || mark_write(t, e) < 0)
		return -1;
	if (t->ioc->st->ops->snapshot(t->ioc->st, t->rootds, t->r->snap, e) < 0) {
		mark_remove(t);
		return -1;
	}
	say(t->o, "%s: snapshot %s@%s taken", t->r->label, t->r->label, t->r->snap);
	return 0;
}

/* Back to the snapshot; e keeps what failed, with what happened after. */
static int
txn_undo(struct txn *t, struct ioc_err *e)
{
	struct store *st = t->ioc->st;
	struct snap_list l = {0};
	struct ioc_err e2;
	size_t later = 0;
	bool seen = false;

	if (st->ops->snap_list(st, t->rootds, &l, &e2) == 0)
		for (size_t i = 0; i < l.n; i++) {
			later += seen;
			seen = seen || streq(l.v[i].name, t->r->snap);
		}
	snap_list_free(&l);
	if (later)
		return err_wrap(e,
				"not rolled back (snapshots were taken after %s@%s; "
				"`iocage rollback -f %s@%s` goes back)",
				t->r->label, t->r->snap, t->r->label, t->r->snap);
	if (t->rootfd >= 0) {
		close(t->rootfd);
		t->rootfd = -1;
	}
	if (st->ops->rollback(st, t->rootds, t->r->snap, &e2) < 0) {
		char msg[sizeof(e->msg)];

		snprintf(msg, sizeof(msg), "%s", e->msg);
		return err_set(e, e->code, "%s; and rolling back to %s@%s failed: %s", msg,
			       t->r->label, t->r->snap, e2.msg);
	}
	mark_remove(t);
	return err_wrap(e, "rolled back to snapshot %s@%s; the failure was", t->r->label,
			t->r->snap);
}

/* ---- create pkglist= ---- */

int
jail_pkg_install(struct ioc *ioc, const char *uuid, const struct strv *pkgs,
		 const struct pkg_opts *o, struct ioc_err *e)
{
	struct pkg_result r = {0};
	struct txn t = {.ioc = ioc, .uuid = uuid, .rootfd = -1, .lockfd = -1, .r = &r, .o = o};
	int ret = -1;

	snprintf(r.label, sizeof(r.label), "%s", uuid);
	snprintf(t.ds, sizeof(t.ds), "jails/%s", uuid);
	snprintf(t.rootds, sizeof(t.rootds), "jails/%s/root", uuid);
	t.hostname = xstrdup(uuid);
	if (txn_open(&t, e) == 0 && txn_op(&t, PKG_REFRESH, NULL, NULL, e) == 0 &&
	    txn_op(&t, PKG_INSTALL, pkgs, NULL, e) == 0)
		ret = 0;
	txn_close(&t);
	return ret < 0 ? err_wrap(e, "pkglist") : 0;
}

/* ---- pkg ---- */

int
jail_pkg_argv(struct ioc *ioc, const struct jail *j, char *const *args, int n, struct strv *out,
	      struct ioc_err *e)
{
	struct pkg_result r = {0};
	struct txn t = {.ioc = ioc, .uuid = j->uuid, .rootfd = -1, .lockfd = -1, .r = &r};
	int ret;

	snprintf(r.label, sizeof(r.label), "%s", j->tag);
	snprintf(t.rootds, sizeof(t.rootds), "%s/root", j->ds);
	ret = txn_open(&t, e);
	if (ret == 0) {
		strv_push(out, strrchr(t.drv->bin, '/') + 1);
		for (int i = 0; i < n; i++)
			strv_push(out, args[i]);
	}
	txn_close(&t);
	return ret;
}

/* ---- update ---- */

static int
txn_update(struct txn *t, struct ioc_err *e)
{
	if (txn_begin(t, e) < 0)
		return -1;
	if ((t->r->resumed && txn_op(t, PKG_RESUME, NULL, NULL, e) < 0) ||
	    txn_op(t, PKG_REFRESH, NULL, NULL, e) < 0 || txn_op(t, PKG_UPGRADE, NULL, NULL, e) < 0)
		return txn_undo(t, e);
	return 0;
}

/* What jails are made from after an update: a new snapshot of the release. */
static int
release_resnap(struct txn *t, struct ioc_err *e)
{
	char snap[128];

	if (unique_snap(t, "fetch", snap, sizeof(snap), e) < 0)
		return -1;
	return t->ioc->st->ops->snapshot(t->ioc->st, t->rootds, snap, e);
}

int
release_update(struct ioc *ioc, const char *name, const struct pkg_opts *o, struct pkg_result *r,
	       struct ioc_err *e)
{
	struct txn t = {.r = r, .o = o, .kind = "update"};
	int ret = -1;

	if (release_txn(&t, ioc, name, e) == 0 && txn_open(&t, e) == 0 && txn_update(&t, e) == 0 &&
	    release_resnap(&t, e) == 0) {
		mark_remove(&t);
		ret = 0;
	}
	txn_close(&t);
	return ret < 0 ? err_wrap(e, "release %s", name) : 0;
}

int
jail_update(struct ioc *ioc, const struct jail *j, const struct pkg_opts *o, struct pkg_result *r,
	    struct ioc_err *e)
{
	struct txn t = {.r = r, .o = o, .kind = "update"};
	cleanup_free char *type = jail_value(ioc, j, prop_find("type"), NULL);
	cleanup_free char *rel = jail_value(ioc, j, prop_find("release"), NULL);
	int ret = -1;

	if (streq(type, "basejail")) {
		say(o,
		    "%s is a basejail: updating its release %s, which every basejail on it "
		    "shares from its next start",
		    j->tag, rel);
		return release_update(ioc, rel, o, r, e);
	}
	if (streq(type, "emptyjail"))
		return err_set(e, EINVAL, "%s is an empty jail: it has no release to update",
			       j->tag);
	if (jail_txn(&t, ioc, j, e) == 0 && txn_open(&t, e) == 0 && txn_update(&t, e) == 0) {
		mark_remove(&t);
		ret = 0;
	}
	txn_close(&t);
	return ret;
}

/* ---- upgrade ---- */

struct upgrade {
	const char *old, *new; /* release names */
	int oldfd;             /* what the jail runs: its root, or its release's */
	struct kvlist oldinfo, newinfo;
	char *newroot; /* the new release's files */
	int newfd;     /* O_PATH of newroot */
};

static void
upgrade_free(struct upgrade *u)
{
	kvlist_free(&u->oldinfo);
	kvlist_free(&u->newinfo);
	free(u->newroot);
	if (u->newfd >= 0)
		close(u->newfd);
	if (u->oldfd >= 0)
		close(u->oldfd);
}

/* NEW is fetched and not older than what the jail runs. */
static int
upgrade_check(struct txn *t, struct upgrade *u, struct ioc_err *e)
{
	struct store *st = t->ioc->st;
	cleanup_free char *snap = NULL, *ds = xasprintf("releases/%s/root", u->new);
	const char *ov, *nv;

	if (streq(u->old, u->new))
		return err_set(e, EINVAL, "%s is already on release %s", t->r->label, u->new);
	if (release_snapshot(st, u->new, &snap, e) < 0)
		return err_wrap(e, "release %s (fetch it first: `iocage fetch release=%s`)", u->new,
				u->new);
	if (st->ops->mount(st, ds, e) < 0 || !(u->newroot = st->ops->path(st, ds)))
		return err_set(e, ENOENT, "release %s has no files", u->new);
	if ((u->newfd = open(u->newroot, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_sys(e, "open %s", u->newroot);
	if (pkg_os_info(u->oldfd, &u->oldinfo, e) < 0 || pkg_os_info(u->newfd, &u->newinfo, e) < 0)
		return -1;
	ov = pkg_os_version(&u->oldinfo);
	nv = pkg_os_version(&u->newinfo);
	if (!ov || !nv)
		return err_set(e, EINVAL,
			       "cannot tell whether %s is newer than what %s runs (no VERSION_ID "
			       "in %s's os-release)",
			       u->new, t->r->label, !nv ? u->new : t->r->label);
	if (pkg_version_cmp(nv, ov) < 0)
		return err_set(
		    e, EINVAL,
		    "release %s (version %s) is older than what %s runs (%s, version %s): "
		    "iocage does not downgrade",
		    u->new, nv, t->r->label, u->old, ov);
	return 0;
}

/* The suite word of a root: VERSION_CODENAME (apt), "vMAJOR.MINOR" (apk). */
static char *
suite_of(const struct pkg_driver *d, const struct kvlist *info, const char *relname)
{
	const char *c = kvlist_get(info, "VERSION_CODENAME"), *v = kvlist_get(info, "VERSION_ID");

	if (streq(d->name, "apk") && v) {
		size_t n = strcspn(v, ".");

		n += v[n] == '.' ? 1 + strcspn(v + n + 1, ".") : 0;
		return xasprintf("v%.*s", (int)n, v);
	}
	return xstrdup(c && *c ? c : relname);
}

static int
rewrite_one(struct txn *t, const char *path, const char *from, const char *to, size_t *total,
	    struct ioc_err *e)
{
	cleanup_free char *s = NULL, *n = NULL;
	cleanup_close int fd = -1;
	struct stat st;
	size_t len, count;

	if (root_read(t->rootfd, path, 1024 * 1024, &s, &len, e) < 0)
		return e->code == ENOENT || e->code == EINVAL ? 0 : -1;
	n = pkg_suite_replace(s, from, to, &count);
	if (!count)
		return 0;
	fd = root_open(t->rootfd, path, O_PATH | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0)
		return err_sys(e, "stat %s in the jail", path);
	*total += count;
	if (root_write(t->rootfd, path, n, strlen(n), st.st_mode, st.st_uid, st.st_gid, e) < 0)
		return -1;
	fault_point("upgrade: package source");
	return 0;
}

/* The package sources name the new suite. */
static int
rewrite_sources(struct txn *t, const char *from, const char *to, struct ioc_err *e)
{
	cleanup_close int dfd = -1;
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;
	size_t total = 0;

	if (!t->drv->sources || streq(from, to))
		return 0;
	if (rewrite_one(t, t->drv->sources, from, to, &total, e) < 0)
		return -1;
	if (t->drv->sources_dir &&
	    (dfd = root_open(t->rootfd, t->drv->sources_dir, O_RDONLY | O_DIRECTORY)) >= 0 &&
	    (d = fdopendir(dfd)))
		dfd = -1;
	while (d && (de = readdir(d))) {
		cleanup_free char *p = NULL;

		if (de->d_name[0] == '.' || (!str_has_suffix(de->d_name, ".list") &&
					     !str_has_suffix(de->d_name, ".sources")))
			continue;
		p = xasprintf("%s/%s", t->drv->sources_dir, de->d_name);
		if (rewrite_one(t, p, from, to, &total, e) < 0)
			return -1;
	}
	say(t->o, "%s: package sources: %s -> %s (%zu places)", t->r->label, from, to, total);
	return 0;
}

static int
upgrade_thick(struct txn *t, struct upgrade *u, struct ioc_err *e)
{
	cleanup_free char *from = suite_of(t->drv, &u->oldinfo, u->old);
	cleanup_free char *to = suite_of(t->drv, &u->newinfo, u->new);
	const char *relver = kvlist_get(&u->newinfo, "VERSION_ID");

	if ((t->r->resumed && t->drv->ops[PKG_RESUME] &&
	     txn_op(t, PKG_RESUME, NULL, NULL, e) < 0) ||
	    rewrite_sources(t, from, to, e) < 0 || txn_op(t, PKG_REFRESH, NULL, NULL, e) < 0 ||
	    txn_op(t, PKG_DISTUP, NULL, relver, e) < 0)
		return -1;
	return 0;
}

/* The package database a basejail keeps in its own /var: the new release's. */
static int
take_state(struct txn *t, struct upgrade *u, struct ioc_err *e)
{
	for (const char *const *s = t->drv ? t->drv->state : NULL; s && *s; s++) {
		cleanup_free char *src = xasprintf("%s/%s", u->newroot, *s), *dst = NULL;
		cleanup_free char *parent = xstrndup(*s, (size_t)(strrchr(*s, '/') - *s));
		cleanup_close int pfd = root_open(t->rootfd, parent, O_PATH | O_DIRECTORY);
		char fdpath[64], real[4096];
		ssize_t n;
		struct stat st;

		if (lstat(src, &st) < 0 || !S_ISDIR(st.st_mode) || pfd < 0)
			continue;
		/* The jail's directory as resolved inside its root, by its real path. */
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", pfd);
		if ((n = readlink(fdpath, real, sizeof(real) - 1)) < 0)
			return err_sys(e, "readlink %s", fdpath);
		real[n] = '\0';
		dst = xasprintf("%s/%s", real, strrchr(*s, '/') + 1);
		if (rm_rf(dst, e) < 0 || copy_tree(src, dst, e) < 0)
			return err_wrap(e, "take %s from release %s", *s, u->new);
		fault_point("upgrade: package state");
	}
	return 0;
}

static int
merge_etc(struct txn *t, struct upgrade *u, struct ioc_err *e)
{
	cleanup_free char *oldroot = NULL, *ods = xasprintf("releases/%s/root", u->old);
	cleanup_close int ofd = -1, ofd_root = -1, nfd = -1, jfd = -1;
	struct merge_report rep = {0};
	int r;

	/* The release it was on is the base its own etc changed from (if it is still there). */
	if (t->ioc->st->ops->mount(t->ioc->st, ods, e) == 0 &&
	    (oldroot = t->ioc->st->ops->path(t->ioc->st, ods)) &&
	    (ofd_root = open(oldroot, O_PATH | O_DIRECTORY | O_CLOEXEC)) >= 0)
		ofd = root_open(ofd_root, "etc", O_RDONLY | O_DIRECTORY);
	nfd = root_open(u->newfd, "etc", O_RDONLY | O_DIRECTORY);
	jfd = root_open(t->rootfd, "etc", O_RDONLY | O_DIRECTORY);
	if (nfd < 0 || jfd < 0)
		return err_sys(e, "open etc of %s", nfd < 0 ? u->new : t->r->label);
	r = pkg_etc_merge(ofd, nfd, jfd, &rep, e);
	if (r == 0) {
		snprintf(t->r->note, sizeof(t->r->note),
			 "etc: %u added, %u updated, %u of yours kept%s%s%s", rep.added,
			 rep.updated, rep.kept,
			 rep.kept ? " (the new version beside each as "
				    "NAME.iocage-new: "
				  : "",
			 rep.kept ? rep.kept_paths.v[0] : "",
			 rep.kept > 1 ? ", ...)"
			 : rep.kept   ? ")"
				      : "");
	}
	merge_report_free(&rep);
	if (r == 0)
		fault_point("upgrade: etc merged");
	return r;
}

static int
set_release(struct txn *t, const char *rel, struct ioc_err *e)
{
	struct kvlist kv = {0};
	int r;

	kvlist_set(&kv, "release", rel);
	r = t->ioc->st->ops->set_user(t->ioc->st, t->ds, &kv, NULL, e);
	kvlist_free(&kv);
	return r;
}

/* A basejail runs its release's files: its old release's root (its own root if that is gone). */
static int
base_old(struct txn *t, struct upgrade *u)
{
	cleanup_free char *ds = xasprintf("releases/%s/root", u->old), *path = NULL;
	struct store *st = t->ioc->st;
	struct ioc_err e;

	if (st->ops->exists(st, ds, &e) == 1 && st->ops->mount(st, ds, &e) == 0 &&
	    (path = st->ops->path(st, ds)))
		u->oldfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (u->oldfd < 0)
		u->oldfd = open(t->rootpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (!t->drv)
		t->drv = pkg_detect(u->oldfd);
	return u->oldfd;
}

int
jail_upgrade(struct ioc *ioc, const struct jail *j, const char *release, const struct pkg_opts *o,
	     struct pkg_result *r, struct ioc_err *e)
{
	struct txn t = {.r = r, .o = o, .kind = "upgrade", .newrel = release};
	struct upgrade u = {.new = release, .newfd = -1, .oldfd = -1};
	cleanup_free char *type = jail_value(ioc, j, prop_find("type"), NULL);
	cleanup_free char *rel = jail_value(ioc, j, prop_find("release"), NULL);
	bool base = streq(type, "basejail");
	int ret = -1;

	u.old = rel;
	if (streq(type, "emptyjail"))
		return err_set(e, EINVAL, "%s is an empty jail: it has no release", j->tag);
	if (jail_txn(&t, ioc, j, e) < 0)
		goto out;
	t.any_drv = base;
	if (txn_open(&t, e) < 0)
		goto out;
	if (base ? base_old(&t, &u) < 0 : (u.oldfd = dup(t.rootfd)) < 0) {
		err_sys(e, "open the root of %s", j->tag);
		goto out;
	}
	if (upgrade_check(&t, &u, e) < 0 || txn_begin(&t, e) < 0)
		goto out;
	if ((base ? merge_etc(&t, &u, e) < 0 || take_state(&t, &u, e) < 0
		  : upgrade_thick(&t, &u, e) < 0) ||
	    set_release(&t, release, e) < 0) {
		txn_undo(&t, e);
		goto out;
	}
	mark_remove(&t);
	ret = 0;
out:
	upgrade_free(&u);
	txn_close(&t);
	return ret;
}
