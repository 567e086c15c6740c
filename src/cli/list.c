#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/fetch.h"
#include "core/jailrun.h"
#include "util/cleanup.h"

static const struct col jail_cols[] = {
    {"JID", COL_NULL}, {"UUID", COL_STR}, {"BOOT", COL_STR}, {"STATE", COL_STR},
    {"TAG", COL_STR},  {"TYPE", COL_STR}, {"IP4", COL_STR},  {"RELEASE", COL_STR},
};

static const struct col release_cols[] = {
    {"RELEASE", COL_STR},
};

static const struct col df_cols[] = {
    {"UUID", COL_STR}, {"CRT", COL_STR}, {"RES", COL_NUM}, {"QTA", COL_NUM},
    {"USE", COL_NUM},  {"AVA", COL_NUM}, {"TAG", COL_STR},
};

static char *
value(struct ioc *ioc, const struct jail *j, const char *name)
{
	return jail_value(ioc, j, prop_find(name), NULL);
}

/* A jail's addresses for the IP4 column: "none", or the addresses without interfaces. */
static char *
ip4_column(struct ioc *ioc, const struct jail *j)
{
	cleanup_free char *v = value(ioc, j, "ip4_addr");
	cleanup_free char *ip4 = value(ioc, j, "ip4");
	struct sbuf b = {0};
	char *save = NULL, *item;

	if (streq(ip4, "inherit") || streq(ip4, "disable"))
		return xstrdup(ip4);
	if (streq(v, "none"))
		return xstrdup("-");
	for (item = strtok_r(v, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		const char *bar = strchr(item, '|');

		sbuf_add(&b, b.len ? "," : "");
		sbuf_add(&b, bar ? bar + 1 : item);
	}
	return sbuf_take(&b);
}

static void
jail_row(struct ioc *ioc, struct table *t, const struct jail *j)
{
	cleanup_free char *boot = value(ioc, j, "boot");
	cleanup_free char *type = value(ioc, j, "type");
	cleanup_free char *rel = value(ioc, j, "release");
	cleanup_free char *ip4 = ip4_column(ioc, j);
	struct jail_proc jp = {0};
	bool up = jail_running(j, &jp);
	char jid[16];
	const char *cells[] = {up ? jid : "-", j->uuid, boot, up ? "up" : "down",
			       j->tag,         type,    ip4,  rel};

	snprintf(jid, sizeof(jid), "%d", (int)jp.pid);
	table_add(t, cells);
}

static int
list_releases(struct ioc *ioc, const struct cmd *c, enum out_mode mode, const char *sort)
{
	struct ds_list l = {0};
	struct table t;
	struct ioc_err e;

	if (ioc_store(ioc, false, &e) < 0 || release_list(ioc->st, &l, &e) < 0) {
		if (e.code != ENOENT)
			return cmd_fail(c, &e);
	}
	table_init(&t, release_cols, 1);
	for (size_t i = 0; i < l.n; i++) {
		const char *name = strrchr(l.v[i].name, '/');
		const char *cells[] = {name ? name + 1 : l.v[i].name};

		table_add(&t, cells);
	}
	ds_list_free(&l);
	if (sort && table_sort(&t, sort) < 0) {
		table_free(&t);
		return cmd_usage(c, "no column '%s' (RELEASE)", sort);
	}
	table_print(&t, mode, stdout);
	table_free(&t);
	return EXIT_OK;
}

int
cmd_list(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	struct jails l = {0};
	const char *sort = NULL;
	bool releases = false, templates = false;
	struct table t;
	struct ioc_err e;
	int ch, r = EXIT_OK;

	while ((ch = cmd_getopt(c, argc, argv, "Hrts:", NULL, &co)) != -1) {
		if (ch == 'r')
			releases = true;
		else if (ch == 't')
			templates = true;
		else if (ch == 's')
			sort = optarg;
		else
			return EXIT_USAGE;
	}
	if (co.help)
		return EXIT_OK;
	if (optind < argc)
		return cmd_usage(c, "unexpected operand '%s'", argv[optind]);
	if (releases && templates)
		return cmd_usage(c, "-t and -r exclude each other");
	if (releases)
		return list_releases(ioc, c, cmd_out_mode(&co), sort);
	if (cmd_jails(ioc, c, 0, &l, &e) < 0)
		return cmd_fail(c, &e);
	table_init(&t, jail_cols, ARRAY_SIZE(jail_cols));
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].template == templates)
			jail_row(ioc, &t, &l.v[i]);
	if (sort && table_sort(&t, sort) < 0)
		r = cmd_usage(c, "no column '%s' (JID UUID BOOT STATE TAG TYPE IP4 RELEASE)", sort);
	else
		table_print(&t, cmd_out_mode(&co), stdout);
	table_free(&t);
	jails_free(&l);
	return r;
}

/* Sizes for people in the table, exact bytes for -H and --json. */
static char *
size_cell(const struct jail *j, const char *name, enum out_mode mode)
{
	const char *v = kvlist_get(&j->native, name);
	uint64_t n;
	char buf[32];

	if (!v)
		return xstrdup("-");
	if ((streq(name, "quota") || streq(name, "reservation")) && streq(v, "0"))
		return xstrdup("none");
	if (mode != OUT_TABLE || parse_u64(v, &n) < 0)
		return xstrdup(v);
	format_size(n, buf, sizeof(buf));
	return xstrdup(buf);
}

int
cmd_df(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	struct jails l = {0};
	const char *sort = NULL;
	enum out_mode mode;
	struct table t;
	struct ioc_err e;
	int ch, r = EXIT_OK;

	while ((ch = cmd_getopt(c, argc, argv, "Hs:", NULL, &co)) != -1) {
		if (ch == 's')
			sort = optarg;
		else
			return EXIT_USAGE;
	}
	if (co.help)
		return EXIT_OK;
	if (optind < argc)
		return cmd_usage(c, "unexpected operand '%s'", argv[optind]);
	mode = cmd_out_mode(&co);
	if (ioc_store(ioc, false, &e) < 0 || jails_load(ioc, JL_NATIVE, &l, &e) < 0)
		return cmd_fail(c, &e);
	table_init(&t, df_cols, ARRAY_SIZE(df_cols));
	for (size_t i = 0; i < l.n; i++) {
		const struct jail *j = &l.v[i];
		cleanup_free char *res = size_cell(j, "reservation", mode);
		cleanup_free char *qta = size_cell(j, "quota", mode);
		cleanup_free char *use = size_cell(j, "used", mode);
		cleanup_free char *ava = size_cell(j, "available", mode);
		const char *crt = kvlist_get(&j->native, "compressratio");
		const char *cells[] = {j->uuid, crt ? crt : "-", res, qta, use, ava, j->tag};

		table_add(&t, cells);
	}
	if (sort && table_sort(&t, sort) < 0)
		r = cmd_usage(c, "no column '%s' (UUID CRT RES QTA USE AVA TAG)", sort);
	else
		table_print(&t, mode, stdout);
	table_free(&t);
	jails_free(&l);
	return r;
}
