/* doctor: what would stop the jails' traffic, told in plain words (core/jailnet.c checks). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/jailnet.h"
#include "core/output.h"
#include "util/cleanup.h"

static const char *const level_names[] = {"ok", "info", "warn", "error"};

static void
add_finding(enum doctor_level lvl, const char *subject, const char *text, void *arg)
{
	const char *cells[] = {level_names[lvl], subject, text};

	table_add(arg, cells);
}

int
cmd_doctor(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	static const struct col cols[] = {
	    {"LEVEL", COL_STR}, {"SUBJECT", COL_STR}, {"FINDING", COL_STR}};
	struct cmd_opts co = {0};
	struct jails l = {0};
	struct table t;
	const struct jail *only = NULL;
	struct ioc_err e;
	int r, errors;

	if ((r = cmd_simple_opts(c, argc, argv, "H", &co)) >= 0)
		return r;
	if (argc - optind > 1)
		return cmd_usage(c, "give at most one jail");
	if (cmd_jails(ioc, c, 0, &l, &e) < 0)
		return cmd_fail(c, &e);
	if (argc - optind == 1 && !(only = jails_find(&l, argv[optind], &e))) {
		jails_free(&l);
		return cmd_fail(c, &e);
	}
	table_init(&t, cols, ARRAY_SIZE(cols));
	errors = jailnet_doctor(ioc, &l, only, add_finding, &t, &e);
	jails_free(&l);
	if (errors < 0) {
		table_free(&t);
		return cmd_fail(c, &e);
	}
	table_print(&t, cmd_out_mode(&co), stdout);
	table_free(&t);
	if (errors > 0) {
		fflush(stdout);
		err_set(&e, 0, "%d problem%s found (level error above)", errors,
			errors == 1 ? "" : "s");
		return cmd_fail(c, &e);
	}
	return EXIT_OK;
}
