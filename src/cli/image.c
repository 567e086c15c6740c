/* export, import, record, package (issue #8). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/image.h"
#include "util/cleanup.h"

static bool
progress(const struct ioc *ioc)
{
	return !ioc->quiet && isatty(STDERR_FILENO);
}

/* Exactly one jail operand after the options; its jail in *j (l owns it). */
static int
one_jail(struct ioc *ioc, const struct cmd *c, int argc, char **argv, struct jails *l,
	 const struct jail **j)
{
	struct ioc_err e;

	if (optind == argc)
		return cmd_usage(c, "which jail? give its UUID or TAG");
	if (optind + 1 < argc)
		return cmd_usage(c, "unexpected operand '%s'", argv[optind + 1]);
	if (cmd_jails(ioc, c, 0, l, &e) < 0 || !(*j = jails_find(l, argv[optind], &e)))
		return cmd_fail(c, &e);
	return -1;
}

int
cmd_export(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct export_opts o = {.progress = progress(ioc)};
	struct cmd_opts co = {0};
	cleanup_free char *path = NULL;
	const struct jail *j = NULL;
	struct jails l = {0};
	struct ioc_err e;
	int ch, r;

	while ((ch = cmd_getopt(c, argc, argv, "o:", NULL, &co)) != -1) {
		if (ch != 'o')
			return EXIT_USAGE;
		if (!*optarg)
			return cmd_usage(c, "-o needs a file, or - for standard output");
		/* The name goes into FILE.sha256 as one line and is printed when done. */
		if (str_text_bad(optarg))
			return cmd_usage(c,
					 "-o: the file name has a control character or is not "
					 "UTF-8 (at byte %zu); name the file in plain text",
					 str_text_bad(optarg));
		o.out = optarg;
	}
	if (co.help)
		return EXIT_OK;
	if ((r = one_jail(ioc, c, argc, argv, &l, &j)) >= 0) {
		jails_free(&l);
		return r;
	}
	r = image_export(ioc, j, &o, &path, &e) < 0 ? cmd_fail(c, &e) : EXIT_OK;
	if (r == EXIT_OK && !streq(path, "-"))
		printf("%s\n", path);
	jails_free(&l);
	return r;
}

static void
print_note(const char *msg, void *arg)
{
	(void)arg;
	cmd_say("import", msg);
}

int
cmd_import(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct import_opts o = {.progress = progress(ioc), .note = print_note};
	struct cmd_opts co = {0};
	cleanup_free char *tag = NULL;
	char uuid[UUID_STRLEN + 1];
	struct ioc_err e;
	int ch, r = EXIT_OK;

	while ((ch = cmd_getopt(c, argc, argv, "+i:n", NULL, &co)) != -1) {
		if (ch == 'n')
			o.new_uuid = true;
		else if (ch == 'i' && streq(optarg, "-"))
			o.source = "-";
		else if (ch == 'i')
			return cmd_usage(c, "-i takes only '-' (standard input)");
		else
			return EXIT_USAGE;
	}
	if (co.help)
		return EXIT_OK;
	if (!o.source && optind == argc)
		return cmd_usage(c, "which image? give a file, a UUID prefix, or -i -");
	if (!o.source)
		o.source = argv[optind++];
	if (parse_assignments(argv + optind, argc - optind, &o.props, &e) < 0) {
		kvlist_free(&o.props);
		return cmd_usage(c, "%s", e.msg);
	}
	if (ioc_store(ioc, true, &e) < 0 || image_import(ioc, &o, uuid, &tag, &e) < 0)
		r = cmd_fail(c, &e);
	else
		printf("%s (%s)\n", uuid, tag);
	kvlist_free(&o.props);
	return r;
}

int
cmd_record(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	const struct jail *j = NULL;
	struct jails l = {0};
	struct ioc_err e;
	bool start;
	int r;

	if ((r = cmd_simple_opts(c, argc, argv, "+", &co)) >= 0)
		return r;
	if (optind == argc || (!streq(argv[optind], "start") && !streq(argv[optind], "stop")))
		return cmd_usage(c, "record start or record stop?");
	start = streq(argv[optind++], "start");
	if ((r = one_jail(ioc, c, argc, argv, &l, &j)) >= 0) {
		jails_free(&l);
		return r;
	}
	if (start)
		r = jail_record_start(ioc, j, &e);
	else
		r = jail_record_stop(ioc, j, progress(ioc), &e);
	r = r < 0 ? cmd_fail(c, &e) : EXIT_OK;
	jails_free(&l);
	return r;
}

int
cmd_package(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	cleanup_free char *path = NULL;
	const struct jail *j = NULL;
	struct jails l = {0};
	struct ioc_err e;
	int r;

	if ((r = cmd_simple_opts(c, argc, argv, "", &co)) >= 0)
		return r;
	if ((r = one_jail(ioc, c, argc, argv, &l, &j)) >= 0) {
		jails_free(&l);
		return r;
	}
	r = jail_package(ioc, j, &path, &e) < 0 ? cmd_fail(c, &e) : EXIT_OK;
	if (r == EXIT_OK)
		printf("%s\n", path);
	jails_free(&l);
	return r;
}
