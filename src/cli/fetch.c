#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/cleanup.h"
#include "core/fetch.h"
#include "core/jailpkg.h"
#include "core/ident.h"

static void
say_line(const char *line, void *arg)
{
	const struct ioc *ioc = arg;

	if (!ioc->quiet) {
		printf("%s\n", line);
		fflush(stdout);
	}
}

/* A release fetched before is updated in place, a snapshot first (as `update RELEASE`). */
static int
fetch_again(struct ioc *ioc, const struct cmd *c, const char *name)
{
	struct pkg_opts po = {.say = say_line, .arg = ioc};
	struct pkg_result res = {0};
	struct ioc_err e;

	if (release_update(ioc, name, &po, &res, &e) < 0)
		return cmd_fail(c, &e);
	printf("release %s was fetched already: updated in place; the state before is snapshot "
	       "%s@%s: `iocage rollback -f %s@%s` returns to it\n",
	       name, name, res.snap, name, res.snap);
	return EXIT_OK;
}

int
cmd_fetch(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	static const struct option longs[] = {{"file", required_argument, NULL, 'F'}, {0, 0, 0, 0}};
	struct fetch_opts o = {0};
	struct cmd_opts co = {0};
	struct kvlist kv = {0};
	cleanup_free char *snap = NULL;
	struct ioc_err e;
	int ch, r = EXIT_USAGE;

	while ((ch = cmd_getopt(c, argc, argv, "F:q", longs, &co)) != -1) {
		if (ch == '?')
			return EXIT_USAGE;
		if (ch == 'F')
			o.source = optarg;
		else if (ch == 'q')
			ioc->quiet = true;
	}
	if (co.help)
		return EXIT_OK;
	if (parse_assignments(argv + optind, argc - optind, &kv, &e) < 0) {
		r = cmd_usage(c, "%s", e.msg);
		goto out;
	}
	for (size_t i = 0; i < kv.n; i++) {
		if (!streq(kv.v[i].key, "release") && !streq(kv.v[i].key, "ftphost")) {
			r = cmd_usage(c, "unknown operand '%s=' (release= and ftphost= are known)",
				      kv.v[i].key);
			goto out;
		}
	}
	o.release = kvlist_get(&kv, "release");
	o.mirror = kvlist_get(&kv, "ftphost");
	if (!o.release) {
		r = cmd_usage(c, "which release? e.g. release=bookworm, or -F FILE release=NAME");
		goto out;
	}
	if (o.source && !*o.source) {
		r = cmd_usage(c, "-F needs a file or URL");
		goto out;
	}
	o.progress = ioc_progress(ioc);
	if (release_name_validate(o.release, &e) < 0 || ioc_store(ioc, true, &e) < 0) {
		r = cmd_fail(c, &e);
		goto out;
	}
	if (!o.source && release_snapshot(ioc->st, o.release, &snap, &e) == 0) {
		r = fetch_again(ioc, c, o.release);
		goto out;
	}
	if (release_fetch(ioc->st, &o, &snap, &e) < 0) {
		if (e.code == EEXIST) {
			char msg[sizeof(e.msg)];

			snprintf(msg, sizeof(msg), "%s", e.msg);
			err_set(&e, EEXIST,
				"%s (`iocage fetch release=%s` without -F updates it in place; "
				"`iocage destroy %s` removes it)",
				msg, o.release, o.release);
		}
		r = cmd_fail(c, &e);
		goto out;
	}
	printf("release %s fetched (snapshot %s)\n", o.release, snap);
	r = EXIT_OK;
out:
	kvlist_free(&kv);
	return r;
}
