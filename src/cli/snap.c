/* snapshot, snaplist, snapremove, rollback, clone, promote (issue #6). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
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
	struct snap_list sl = {0};
	const struct jail *j;
	struct jails l = {0};
	bool unused = false;
	struct table t;
	struct ioc_err e;
	int r;

	if ((r = one_operand(c, argc, argv, "H", &unused, &co)) >= 0)
		return r;
	if (cmd_jails(ioc, c, 0, &l, &e) < 0)
		return cmd_fail(c, &e);
	if (!(j = jails_find(&l, argv[optind], &e)) || jail_snaplist(ioc, j, &sl, &e) < 0) {
		jails_free(&l);
		return cmd_fail(c, &e);
	}
	table_init(&t, snap_cols, ARRAY_SIZE(snap_cols));
	for (size_t i = 0; i < sl.n; i++)
		snap_row(&t, &sl.v[i], cmd_out_mode(&co));
	table_print(&t, cmd_out_mode(&co), stdout);
	table_free(&t);
	snap_list_free(&sl);
	jails_free(&l);
	return EXIT_OK;
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
	cleanup_free char *snap = NULL;
	const struct jail *j;
	struct jails l = {0};
	bool force = false;
	struct ioc_err e;
	int r;

	if ((r = one_operand(c, argc, argv, "f", &force, &co)) >= 0)
		return r;
	if (!strchr(argv[optind], '@'))
		return cmd_usage(c, "which snapshot? give UUID@NAME");
	if (cmd_jails(ioc, c, 0, &l, &e) < 0)
		return cmd_fail(c, &e);
	r = EXIT_OK;
	if (!(j = jail_at(&l, argv[optind], &snap, &e)) ||
	    jail_rollback(ioc, j, snap, force, &e) < 0)
		r = cmd_fail(c, &e);
	else
		printf("%s rolled back to %s\n", j->tag, snap);
	jails_free(&l);
	return r;
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
