#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/cleanup.h"

static const struct col get_r_cols[] = {
    {"UUID", COL_STR}, {"TAG", COL_STR}, {"VALUE", COL_STR}, {"SOURCE", COL_STR}};
static const struct col prop_cols[] = {
    {"PROPERTY", COL_STR}, {"VALUE", COL_STR}, {"SOURCE", COL_STR}};

static int
unknown_prop(const struct cmd *c, const char *name)
{
	const char *s = prop_suggest(name);
	struct ioc_err e;

	err_set(&e, EINVAL, "unknown property '%s'%s%s%s", name, s ? " (did you mean '" : "",
		s ? s : "", s ? "'?)" : "; `iocage defaults` lists them");
	return cmd_fail(c, &e);
}

/* Print every property of a jail (or of the defaults): PROP:VALUE lines, or a table. */
static int
print_all(struct ioc *ioc, const struct jail *j, const struct cmd_opts *co, bool sources)
{
	size_t n;
	const struct prop *t = prop_table(&n);
	struct table tab;

	table_init(&tab, prop_cols, sources || co->json ? 3 : 2);
	for (size_t i = 0; i < n; i++) {
		enum prop_source src;
		cleanup_free char *v = jail_value(ioc, j, &t[i], &src);
		const char *cells[] = {t[i].name, v, prop_source_name(src)};

		if (!co->tabs && !co->json)
			printf(sources ? "%s:%s\t%s\n" : "%s:%s\n", t[i].name, v,
			       prop_source_name(src));
		else
			table_add(&tab, cells);
	}
	if (co->tabs || co->json)
		table_print(&tab, cmd_out_mode(co), stdout);
	table_free(&tab);
	return EXIT_OK;
}

static int
get_recursive(struct ioc *ioc, const struct cmd *c, const struct prop *p, const struct cmd_opts *co,
	      bool sources)
{
	struct jails l = {0};
	struct table t;
	struct ioc_err e;

	if (cmd_jails(ioc, c, (p->flags & PF_NATIVE) ? JL_NATIVE : 0, &l, &e) < 0)
		return cmd_fail(c, &e);
	table_init(&t, get_r_cols, sources ? 4 : 3);
	for (size_t i = 0; i < l.n; i++) {
		enum prop_source src;
		cleanup_free char *v = jail_value(ioc, &l.v[i], p, &src);
		const char *cells[] = {l.v[i].uuid, l.v[i].tag, v, prop_source_name(src)};

		table_add(&t, cells);
	}
	table_print(&t, cmd_out_mode(co), stdout);
	table_free(&t);
	jails_free(&l);
	return EXIT_OK;
}

static int
get_one(struct ioc *ioc, const struct jail *j, const struct prop *p, const struct cmd_opts *co,
	bool sources)
{
	enum prop_source src;
	cleanup_free char *v = jail_value(ioc, j, p, &src);
	struct sbuf b = {0};

	if (co->json) {
		sbuf_add(&b, "{");
		sbuf_add_json(&b, p->name);
		sbuf_add(&b, ": ");
		sbuf_add_json(&b, v);
		if (sources) {
			sbuf_add(&b, ", \"source\": ");
			sbuf_add_json(&b, prop_source_name(src));
		}
		sbuf_add(&b, "}\n");
		fputs(b.s, stdout);
		sbuf_free(&b);
	} else if (sources) {
		printf("%s\t%s\n", v, prop_source_name(src));
	} else {
		printf("%s\n", v);
	}
	return EXIT_OK;
}

int
cmd_get(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	bool recursive = false, sources = false;
	const struct prop *p = NULL;
	struct jails l = {0};
	const struct jail *j = NULL;
	struct ioc_err e;
	const char *name;
	int ch, r;

	while ((ch = cmd_getopt(c, argc, argv, "Hrs", NULL, &co)) != -1) {
		if (ch == 'r')
			recursive = true;
		else if (ch == 's')
			sources = true;
		else
			return EXIT_USAGE;
	}
	if (co.help)
		return EXIT_OK;
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return cmd_usage(c, "which property? (a name, or all)");
	if (argc != (recursive ? 1 : 2))
		return cmd_usage(c, recursive ? "-r takes only the property"
					      : "give the property and one jail (or default)");
	name = argv[0];
	if (!streq(name, "all") && !(p = prop_find(name)))
		return unknown_prop(c, name);
	if (recursive) {
		if (!p)
			return cmd_usage(c, "-r takes one property, not all");
		return get_recursive(ioc, c, p, &co, sources);
	}
	if (!streq(argv[1], "default")) {
		unsigned flags = !p || (p->flags & PF_NATIVE) ? JL_NATIVE : 0;

		if (cmd_jails(ioc, c, flags, &l, &e) < 0 || !(j = jails_find(&l, argv[1], &e))) {
			jails_free(&l);
			return cmd_fail(c, &e);
		}
	} else if (ioc_store(ioc, false, &e) < 0) {
		return cmd_fail(c, &e);
	}
	r = p ? get_one(ioc, j, p, &co, sources) : print_all(ioc, j, &co, sources);
	jails_free(&l);
	return r;
}

int
cmd_set(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	struct kvlist kv = {0};
	struct jails l = {0};
	const struct jail *j = NULL;
	struct ioc_err e;
	const char *target;
	int r;

	if ((r = cmd_simple_opts(c, argc, argv, "", &co)) >= 0)
		return r;
	argc -= optind;
	argv += optind;
	if (argc < 2)
		return cmd_usage(c, argc ? "which jail? give a UUID, TAG or default last"
					 : "nothing to set");
	target = argv[argc - 1];
	if (strchr(target, '='))
		return cmd_usage(c, "the last operand must be the jail (UUID, TAG) or default");
	if (parse_assignments(argv, argc - 1, &kv, &e) < 0) {
		r = cmd_usage(c, "%s", e.msg);
		goto out;
	}
	r = EXIT_FAIL;
	if (cmd_jails(ioc, c, 0, &l, &e) < 0)
		goto fail;
	if (!streq(target, "default") && !(j = jails_find(&l, target, &e)))
		goto fail;
	if (jail_set(ioc, j, &kv, &e) < 0)
		goto fail;
	for (size_t i = 0; i < kv.n; i++)
		printf("%s: %s=%s\n", j ? j->tag : "default", kv.v[i].key, kv.v[i].val);
	r = EXIT_OK;
	goto out;
fail:
	r = cmd_fail(c, &e);
out:
	kvlist_free(&kv);
	jails_free(&l);
	return r;
}

int
cmd_defaults(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	struct ioc_err e;
	size_t n;
	const struct prop *t = prop_table(&n);
	struct table tab;
	int r;

	if ((r = cmd_simple_opts(c, argc, argv, "H", &co)) >= 0)
		return r;
	if (optind < argc)
		return cmd_usage(c, "unexpected operand '%s'", argv[optind]);
	if (ioc_store(ioc, false, &e) < 0)
		return cmd_fail(c, &e);
	table_init(&tab, prop_cols, 3);
	for (size_t i = 0; i < n; i++) {
		enum prop_source src;
		cleanup_free char *v = NULL;
		const char *cells[3];

		if (t[i].type == PT_RO)
			continue;
		v = jail_value(ioc, NULL, &t[i], &src);
		cells[0] = t[i].name;
		cells[1] = v;
		cells[2] = prop_source_name(src);
		if (co.tabs || co.json)
			table_add(&tab, cells);
		else
			printf("%s=%s\n", t[i].name, v);
	}
	if (co.tabs || co.json)
		table_print(&tab, cmd_out_mode(&co), stdout);
	table_free(&tab);
	return EXIT_OK;
}
