/* Resource limits: cap, uncap, limits, inuse (issue #5). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/jaillimits.h"
#include "core/jailrun.h"
#include "util/cleanup.h"

static const struct col limit_cols[] = {
    {"TAG", COL_STR},     {"PROPERTY", COL_STR}, {"VALUE", COL_STR},
    {"MAPPING", COL_STR}, {"STATUS", COL_STR},
};

static const struct col inuse_cols[] = {
    {"TAG", COL_STR},     {"JID", COL_NUM},       {"MEMORY", COL_NUM},
    {"SWAP", COL_NUM},    {"PROCS", COL_NUM},     {"THREADS", COL_NUM},
    {"CPUTIME", COL_STR}, {"OPENFILES", COL_NUM}, {"PTYS", COL_NUM},
};

/* The one jail an operand names, loaded with all of them into l. */
static int
one_jail(struct ioc *ioc, const struct cmd *c, int argc, char **argv, struct jails *l,
	 const struct jail **ret)
{
	struct ioc_err e;

	if (argc - optind != 1)
		return cmd_usage(c, argc - optind < 1 ? "which jail? give a UUID or TAG"
						      : "one jail only");
	if (cmd_jails(ioc, c, 0, l, &e) < 0)
		return cmd_fail(c, &e);
	if (!(*ret = jails_find(l, argv[optind], &e))) {
		jails_free(l);
		return cmd_fail(c, &e);
	}
	return -1;
}

static int
cap_or_uncap(struct ioc *ioc, const struct cmd *c, int argc, char **argv, bool cap)
{
	struct cmd_opts co = {0};
	const struct jail *j = NULL;
	struct jails l = {0};
	struct strv notes = {0};
	struct ioc_err e;
	int r;

	if ((r = cmd_simple_opts(c, argc, argv, "", &co)) >= 0)
		return r;
	if ((r = one_jail(ioc, c, argc, argv, &l, &j)) >= 0)
		return r;
	if ((cap ? jail_cap : jail_uncap)(ioc, j, &notes, &e) < 0) {
		r = cmd_fail(c, &e);
	} else {
		printf("%s (%s): %s\n", j->uuid, j->tag, cap ? "limits applied" : "limits removed");
		for (size_t i = 0; i < notes.n; i++) {
			cleanup_free char *m = xasprintf("%s: %s", j->tag, notes.v[i]);

			cmd_say(c->name, m);
		}
		r = EXIT_OK;
	}
	strv_free(&notes);
	jails_free(&l);
	return r;
}

int
cmd_cap(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	return cap_or_uncap(ioc, c, argc, argv, true);
}

int
cmd_uncap(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	return cap_or_uncap(ioc, c, argc, argv, false);
}

/* The jails of the operand (one, or all when there is none). */
static int
some_jails(struct ioc *ioc, const struct cmd *c, int argc, char **argv, struct jails *l,
	   const struct jail **only)
{
	struct ioc_err e;

	*only = NULL;
	if (argc - optind > 1)
		return cmd_usage(c, "one jail at most");
	if (argc - optind == 1)
		return one_jail(ioc, c, argc, argv, l, only);
	if (cmd_jails(ioc, c, 0, l, &e) < 0)
		return cmd_fail(c, &e);
	return -1;
}

static int
limits_rows(struct ioc *ioc, const struct jail *j, struct table *t, struct ioc_err *e)
{
	struct lim_row rows[LIM_N];
	bool running;

	if (jail_limits(ioc, j, rows, &running, e) < 0)
		return -1;
	for (int i = 0; i < LIM_N; i++) {
		const char *cells[] = {j->tag, rows[i].prop, rows[i].value, rows[i].mapping,
				       rows[i].status};

		table_add(t, cells);
	}
	return 0;
}

int
cmd_limits(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	const struct jail *only;
	struct jails l = {0};
	struct table t;
	struct ioc_err e;
	int r;

	if ((r = cmd_simple_opts(c, argc, argv, "H", &co)) >= 0)
		return r;
	if ((r = some_jails(ioc, c, argc, argv, &l, &only)) >= 0)
		return r;
	r = EXIT_OK;
	table_init(&t, limit_cols, ARRAY_SIZE(limit_cols));
	for (size_t i = 0; i < l.n && r == EXIT_OK; i++)
		if ((!only || only == &l.v[i]) && limits_rows(ioc, &l.v[i], &t, &e) < 0)
			r = cmd_fail(c, &e);
	if (r == EXIT_OK)
		table_print(&t, cmd_out_mode(&co), stdout);
	table_free(&t);
	jails_free(&l);
	return r;
}

static void
inuse_row(const struct jail *j, pid_t jid, const struct lim_usage *u, enum out_mode mode,
	  struct table *t)
{
	char c[8][32];
	const char *cells[9];

	snprintf(c[0], sizeof(c[0]), "%d", (int)jid);
	cell_num(u->memory, true, mode, c[1], sizeof(c[1]));
	cell_num(u->swap, true, mode, c[2], sizeof(c[2]));
	cell_num(u->procs, false, mode, c[3], sizeof(c[3]));
	cell_num(u->threads, false, mode, c[4], sizeof(c[4]));
	if (u->cpu_us < 0)
		snprintf(c[5], sizeof(c[5]), "-");
	else
		snprintf(c[5], sizeof(c[5]), "%" PRId64 ".%02" PRId64, u->cpu_us / 1000000,
			 u->cpu_us % 1000000 / 10000);
	cell_num(u->openfiles, false, mode, c[6], sizeof(c[6]));
	cell_num(u->ptys, false, mode, c[7], sizeof(c[7]));
	cells[0] = j->tag;
	for (int i = 0; i < 8; i++)
		cells[i + 1] = c[i];
	table_add(t, cells);
}

int
cmd_inuse(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	const struct jail *only;
	struct jails l = {0};
	struct table t;
	struct ioc_err e;
	int r;

	if ((r = cmd_simple_opts(c, argc, argv, "H", &co)) >= 0)
		return r;
	if ((r = some_jails(ioc, c, argc, argv, &l, &only)) >= 0)
		return r;
	r = EXIT_OK;
	table_init(&t, inuse_cols, ARRAY_SIZE(inuse_cols));
	for (size_t i = 0; i < l.n && r == EXIT_OK; i++) {
		struct jail_proc jp;
		struct lim_usage u;
		pid_t jid = 0;

		if (only ? only != &l.v[i] : !jail_running(&l.v[i], &jp))
			continue;
		if (jail_inuse(ioc, &l.v[i], &u, &jid, &e) < 0)
			r = cmd_fail(c, &e);
		else
			inuse_row(&l.v[i], jid, &u, cmd_out_mode(&co), &t);
	}
	if (r == EXIT_OK)
		table_print(&t, cmd_out_mode(&co), stdout);
	table_free(&t);
	jails_free(&l);
	return r;
}
