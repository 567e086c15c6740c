/* snapshot, snaplist, snapremove, rollback, clone, promote (issue #6). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/fetch.h"
#include "core/jailrun.h"
#include "core/jailsnap.h"
#include "util/cleanup.h"

static const struct col snap_cols[] = {
    {"NAME", COL_STR},
    {"CREATED", COL_STR},
    {"RSIZE", COL_NUM},
    {"USED", COL_NUM},
};

/* "UUID|TAG[@NAME]": the jail, and in *snap the name after the first '@' (NULL without). */
static const struct jail *
jail_at(const struct jails *l, const char *op, char **snap, struct ioc_err *e)
{
	const char *at = strchr(op, '@');
	cleanup_free char *who = at ? xstrndup(op, (size_t)(at - op)) : xstrdup(op);
	const struct jail *j = jails_find(l, who, e);

	*snap = at && j ? xstrdup(at + 1) : NULL;
	return j;
}

/* What the operand of snaplist or rollback names: a jail (or template), else a release. */
struct snap_target {
	const struct jail *j;
	char *release;
	char *snap; /* after the first '@', or NULL */
};

static void
snap_target_free(struct snap_target *t)
{
	free(t->release);
	free(t->snap);
}

static bool
release_exists(struct ioc *ioc, const char *name)
{
	cleanup_free char *ds = xasprintf("releases/%s", name);
	struct ioc_err e;

	return release_name_validate(name, &e) == 0 && ioc->st->ops->exists(ioc->st, ds, &e) == 1;
}

/* "UUID|TAG|RELEASE[@SNAP]". A jail's tag that is also a release's name is ambiguous; a jail
 * named by its full UUID is the jail; a release's exact name beats a UUID prefix. */
static int
target_of(struct ioc *ioc, const struct jails *l, const char *op, struct snap_target *t,
	  struct ioc_err *e)
{
	const char *at = strchr(op, '@');
	cleanup_free char *who = at ? xstrndup(op, (size_t)(at - op)) : xstrdup(op);
	const struct jail *j = jails_find(l, who, e);
	bool rel = release_exists(ioc, who);

	*t = (struct snap_target){.snap = at ? xstrdup(at + 1) : NULL};
	if (j && rel && streq(j->tag, who))
		return err_set(e, EINVAL,
			       "'%s' is both the tag of %s and a release; give the jail's UUID, or "
			       "change its tag to reach the release",
			       who, j->uuid);
	if (j && (!rel || streq(j->uuid, who)))
		t->j = j;
	else if (rel)
		t->release = TAKE_PTR(who);
	else if (!j && e->code == ENOENT)
		return err_set(e, ENOENT,
			       "no jail or release '%s' (`iocage list` and `iocage list -r` show "
			       "them)",
			       who);
	return t->j || t->release ? 0 : -1;
}

/* Parse options in shorts (the flag ones set *flag), then exactly one operand. */
static int
one_operand(const struct cmd *c, int argc, char **argv, const char *shorts, bool *flag,
	    struct cmd_opts *co)
{
	int ch;

	while ((ch = cmd_getopt(c, argc, argv, shorts, NULL, co)) != -1) {
		if (ch == 'f' || ch == 'r')
			*flag = true;
		else
			return EXIT_USAGE;
	}
	if (co->help)
		return EXIT_OK;
	if (optind == argc)
		return cmd_usage(c, "which jail? give its UUID or TAG");
	if (optind + 1 < argc)
		return cmd_usage(c, "unexpected operand '%s'", argv[optind + 1]);
	return -1;
}

/* A default name not yet taken: the time, then _2, _3... */
static void
default_name(struct ioc *ioc, const struct jail *j, char *buf, size_t len)
{
	struct snap_list l = {0};
	struct ioc_err e;
	char base[64];
	bool taken = true;

	snap_name_default(time(NULL), base, sizeof(base));
	jail_snaplist(ioc, j, &l, &e);
	for (unsigned n = 1; taken; n++) {
		snprintf(buf, len, n > 1 ? "%s_%u" : "%s", base, n);
		taken = false;
		for (size_t i = 0; i < l.n; i++)
			taken = taken || streq(l.v[i].name, buf);
	}
	snap_list_free(&l);
}

int
cmd_snapshot(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	cleanup_free char *snap = NULL;
	const struct jail *j;
	struct jails l = {0};
	struct jail_proc jp;
	bool force = false;
	char name[128] = "";
	struct ioc_err e;
	int r;

	if ((r = one_operand(c, argc, argv, "f", &force, &co)) >= 0)
		return r;
	if (cmd_jails(ioc, c, 0, &l, &e) < 0)
		return cmd_fail(c, &e);
	r = EXIT_OK;
	if (!(j = jail_at(&l, argv[optind], &snap, &e))) {
		r = cmd_fail(c, &e);
		goto out;
	}
	if (snap && snap_name_check(snap, &e) < 0) {
		r = cmd_fail(c, &e);
		goto out;
	}
	if (!snap)
		default_name(ioc, j, name, sizeof(name));
	if (!force && jail_running(j, &jp))
		fprintf(stderr,
			"iocage: snapshot: warning: %s (%s) is running: files being written may be "
			"caught halfway (-f: no warning)\n",
			j->uuid, j->tag);
	if (jail_snapshot(ioc, j, snap ? snap : name, &e) < 0)
		r = cmd_fail(c, &e);
	else
		printf("%s@%s\n", j->tag, snap ? snap : name);
out:
	jails_free(&l);
	return r;
}

static void
snap_row(struct table *t, const struct snap *s, enum out_mode mode)
{
	char created[32], rsize[32], used[32];
	time_t when = (time_t)s->creation;
	struct tm tm;

	localtime_r(&when, &tm);
	strftime(created, sizeof(created), "%Y-%m-%d %H:%M:%S", &tm);
	if (mode == OUT_TABLE) {
		format_size(s->referenced, rsize, sizeof(rsize));
		format_size(s->used, used, sizeof(used));
	} else {
		snprintf(rsize, sizeof(rsize), "%llu", (unsigned long long)s->referenced);
		snprintf(used, sizeof(used), "%llu", (unsigned long long)s->used);
	}
	table_add(t, (const char *const[]){s->name, created, rsize, used});
}

int
cmd_snaplist(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	struct snap_target t = {0};
	struct snap_list sl = {0};
	struct jails l = {0};
	bool unused = false;
	struct table tb;
	struct ioc_err e;
	int r;

	if ((r = one_operand(c, argc, argv, "H", &unused, &co)) >= 0)
		return r;
	if (strchr(argv[optind], '@'))
		return cmd_usage(c, "give a jail or release without @");
	if (cmd_jails(ioc, c, 0, &l, &e) < 0)
		return cmd_fail(c, &e);
	r = target_of(ioc, &l, argv[optind], &t, &e);
	if (r == 0)
		r = t.j ? jail_snaplist(ioc, t.j, &sl, &e)
			: release_snaplist(ioc, t.release, &sl, &e);
	if (r == 0) {
		table_init(&tb, snap_cols, ARRAY_SIZE(snap_cols));
		for (size_t i = 0; i < sl.n; i++)
			snap_row(&tb, &sl.v[i], cmd_out_mode(&co));
		table_print(&tb, cmd_out_mode(&co), stdout);
		table_free(&tb);
	}
	snap_list_free(&sl);
	snap_target_free(&t);
	jails_free(&l);
	return r == 0 ? EXIT_OK : cmd_fail(c, &e);
}

/* UUID@ALL: every snapshot no clone uses; those in use are named, and the exit is 1. */
static int
remove_all(struct ioc *ioc, const struct cmd *c, const struct jail *j)
{
	struct snap_list sl = {0};
	struct ioc_err e;
	int r = EXIT_OK;

	if (jail_snaplist(ioc, j, &sl, &e) < 0)
		return cmd_fail(c, &e);
	for (size_t i = 0; i < sl.n; i++) {
		if (jail_snapremove(ioc, j, sl.v[i].name, &e) < 0)
			r = cmd_fail(c, &e);
		else
			printf("%s@%s removed\n", j->tag, sl.v[i].name);
	}
	snap_list_free(&sl);
	return r;
}

int
cmd_snapremove(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	cleanup_free char *snap = NULL;
	const struct jail *j;
	struct jails l = {0};
	bool unused = false;
	struct ioc_err e;
	int r;

	if ((r = one_operand(c, argc, argv, "", &unused, &co)) >= 0)
		return r;
	if (!strchr(argv[optind], '@'))
		return cmd_usage(c, "which snapshot? give UUID@NAME or UUID@ALL");
	if (cmd_jails(ioc, c, 0, &l, &e) < 0)
		return cmd_fail(c, &e);
	if (!(j = jail_at(&l, argv[optind], &snap, &e)))
		r = cmd_fail(c, &e);
	else if (streq(snap, "ALL"))
		r = remove_all(ioc, c, j);
	else if (jail_snapremove(ioc, j, snap, &e) < 0)
		r = cmd_fail(c, &e);
	else
		printf("%s@%s removed\n", j->tag, snap), r = EXIT_OK;
	jails_free(&l);
	return r;
}

int
cmd_rollback(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	struct snap_target t = {0};
	struct jails l = {0};
	bool force = false;
	struct ioc_err e;
	int r;

	if ((r = one_operand(c, argc, argv, "f", &force, &co)) >= 0)
		return r;
	if (!strchr(argv[optind], '@'))
		return cmd_usage(c, "which snapshot? give UUID@NAME, TAG@NAME or RELEASE@NAME");
	if (cmd_jails(ioc, c, 0, &l, &e) < 0)
		return cmd_fail(c, &e);
	r = target_of(ioc, &l, argv[optind], &t, &e);
	if (r == 0 && t.j)
		r = jail_rollback(ioc, t.j, t.snap, force, &e);
	else if (r == 0)
		r = release_rollback(ioc, t.release, t.snap, force, &e);
	if (r == 0)
		printf("%s%s rolled back to %s\n", t.j ? "" : "release ",
		       t.j ? t.j->tag : t.release, t.snap);
	snap_target_free(&t);
	jails_free(&l);
	return r == 0 ? EXIT_OK : cmd_fail(c, &e);
}

int
cmd_promote(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	const struct jail *j;
	struct jails l = {0};
	bool unused = false;
	struct ioc_err e;
	int r;

	if ((r = one_operand(c, argc, argv, "", &unused, &co)) >= 0)
		return r;
	if (cmd_jails(ioc, c, 0, &l, &e) < 0)
		return cmd_fail(c, &e);
	r = EXIT_OK;
	if (!(j = jails_find(&l, argv[optind], &e)) || jail_promote(ioc, j, &e) < 0)
		r = cmd_fail(c, &e);
	else
		printf("%s (%s) promoted\n", j->uuid, j->tag);
	jails_free(&l);
	return r;
}

static void
cloned(const char *uuid, const char *tag, void *arg)
{
	(void)arg;
	printf("%s (%s)\n", uuid, tag);
	fflush(stdout);
}

/* Shared by clone and create -t: the new jails' properties, checked as create checks them. */
int
cli_clone(struct ioc *ioc, const struct cmd *c, const char *operand, char **assign, int nassign)
{
	struct create_opts o = {.type = JT_CLONE, .count = 1};
	cleanup_free char *snap = NULL;
	struct kvlist kv = {0};
	const struct jail *j;
	struct jails l = {0};
	struct ioc_err e;
	int r = EXIT_OK;

	if (parse_assignments(assign, nassign, &kv, &e) < 0) {
		r = cmd_usage(c, "%s", e.msg);
		goto out;
	}
	if (cli_create_props(&kv, &o, &e) < 0 || cmd_jails(ioc, c, 0, &l, &e) < 0 ||
	    !(j = jail_at(&l, operand, &snap, &e)) ||
	    jail_clone(ioc, j, snap, &o, cloned, NULL, &e) < 0)
		r = cmd_fail(c, &e);
out:
	jails_free(&l);
	kvlist_free(&kv);
	kvlist_free(&o.props);
	return r;
}

int
cmd_clone(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	int ch;

	while ((ch = cmd_getopt(c, argc, argv, "+", NULL, &co)) != -1)
		return EXIT_USAGE;
	if (co.help)
		return EXIT_OK;
	if (optind == argc)
		return cmd_usage(c, "which jail? give its UUID or TAG (and @SNAPSHOT)");
	return cli_clone(ioc, c, argv[optind], argv + optind + 1, argc - optind - 1);
}
