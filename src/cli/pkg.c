/* pkg, update, upgrade (issue #7): the jail's package manager, and updates and upgrades as
 * transactions (core/jailpkg.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/fetch.h"
#include "core/jailpkg.h"
#include "core/jailrun.h"
#include "util/cleanup.h"

static void
say_line(const char *line, void *arg)
{
	const struct ioc *ioc = arg;

	if (ioc->quiet)
		return;
	printf("%s\n", line);
	fflush(stdout);
}

static void
quiet_step(const char *step, bool ok, void *arg)
{
	(void)step;
	(void)ok;
	(void)arg;
}

int
cmd_pkg(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct jail_cmd jc = {0};
	struct cmd_opts co = {0};
	struct jails l = {0};
	struct strv av = {0};
	const struct jail *j;
	struct ioc_err e;
	int ch, status = 0, r = EXIT_FAIL;

	while ((ch = cmd_getopt(c, argc, argv, "+", NULL, &co)) != -1)
		return EXIT_USAGE;
	if (co.help)
		return EXIT_OK;
	if (argc - optind < 2)
		return cmd_usage(c, argc - optind ? "what should the package manager do?"
						  : "which jail, and what should its package "
						    "manager do?");
	if (cmd_jails(ioc, c, 0, &l, &e) < 0)
		return cmd_fail(c, &e);
	if (!(j = jails_find(&l, argv[optind], &e)) ||
	    jail_pkg_argv(ioc, j, argv + optind + 1, argc - optind - 1, &av, &e) < 0) {
		r = cmd_fail(c, &e);
		goto out;
	}
	jc.argv = av.v;
	if (jail_exec(ioc, j, &jc, &status, &e) < 0)
		r = cmd_fail(c, &e);
	else
		r = status;
out:
	strv_free(&av);
	jails_free(&l);
	return r;
}

static void
print_done(const struct ioc *ioc, const char *what, const struct pkg_result *r)
{
	if (ioc->quiet)
		return;
	if (r->note[0])
		printf("%s: %s\n", r->label, r->note);
	if (r->release)
		printf("release %s %s%s; the state before is snapshot %s@%s: `iocage rollback -f "
		       "%s@%s` returns to it; jails made from now on get the new state\n",
		       r->label, what, r->resumed ? " (resumed)" : "", r->label, r->snap, r->label,
		       r->snap);
	else
		printf("%s %s%s; the state before is snapshot %s@%s: `iocage rollback -f %s@%s` "
		       "returns to it\n",
		       r->label, what, r->resumed ? " (resumed)" : "", r->label, r->snap, r->label,
		       r->snap);
}

/* A running jail is stopped for the transaction and started again after it, whatever its
 * outcome. */
static int
stopped(struct ioc *ioc, const struct jail *j, bool *was, struct ioc_err *e)
{
	struct jail_proc jp;

	*was = j && jail_running(j, &jp);
	if (!*was)
		return 0;
	say_line("stopping the jail for the transaction", ioc);
	return jail_stop(ioc, j, quiet_step, NULL, e);
}

static void
restart(const struct cmd *c, struct ioc *ioc, const struct jail *j, bool was)
{
	struct jails l = {0};
	const struct jail *now;
	struct ioc_err e;

	if (!was)
		return;
	/* Read again: an upgrade changed its release. */
	if (jails_load(ioc, 0, &l, &e) < 0 || !(now = jails_find(&l, j->uuid, &e)) ||
	    jail_start(ioc, now, quiet_step, NULL, &e) < 0)
		cmd_fail(c, &e);
	else
		say_line("started the jail again", ioc);
	jails_free(&l);
}

static bool
is_release(struct ioc *ioc, const char *name)
{
	cleanup_free char *snap = NULL;
	struct ioc_err e;

	return release_name_validate(name, &e) == 0 &&
	       release_snapshot(ioc->st, name, &snap, &e) == 0;
}

int
cmd_update(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct pkg_opts po = {.say = say_line, .arg = ioc};
	struct pkg_result res = {0};
	struct cmd_opts co = {0};
	struct jails l = {0};
	const struct jail *j = NULL;
	struct ioc_err e;
	bool was = false;
	int r;

	if ((r = cmd_simple_opts(c, argc, argv, "", &co)) >= 0)
		return r;
	if (argc - optind != 1)
		return cmd_usage(c, "give one jail (UUID or TAG) or release");
	if (cmd_jails(ioc, c, 0, &l, &e) < 0)
		return cmd_fail(c, &e);
	if (!(j = jails_find(&l, argv[optind], &e)) && !is_release(ioc, argv[optind])) {
		r = cmd_fail(c, &e);
		goto out;
	}
	if (stopped(ioc, j, &was, &e) < 0)
		r = cmd_fail(c, &e);
	else if ((j ? jail_update(ioc, j, &po, &res, &e)
		    : release_update(ioc, argv[optind], &po, &res, &e)) < 0)
		r = cmd_fail(c, &e);
	else {
		print_done(ioc, "updated", &res);
		r = EXIT_OK;
	}
	restart(c, ioc, j, was);
out:
	jails_free(&l);
	return r;
}

int
cmd_upgrade(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct pkg_opts po = {.say = say_line, .arg = ioc};
	struct pkg_result res = {0};
	struct cmd_opts co = {0};
	struct kvlist kv = {0};
	struct jails l = {0};
	const struct jail *j = NULL;
	const char *rel;
	struct ioc_err e;
	bool was = false;
	int r;

	if ((r = cmd_simple_opts(c, argc, argv, "", &co)) >= 0)
		return r;
	if (argc - optind < 1)
		return cmd_usage(c,
				 "which jail, and which release? e.g. upgrade web1 release=trixie");
	if (parse_assignments(argv + optind + 1, argc - optind - 1, &kv, &e) < 0) {
		r = cmd_usage(c, "%s", e.msg);
		goto out;
	}
	rel = kvlist_get(&kv, "release");
	if (kv.n != 1 || !rel || !*rel) {
		r = cmd_usage(c, "give the new release as release=NAME, and nothing else");
		goto out;
	}
	if (release_name_validate(rel, &e) < 0) {
		r = cmd_usage(c, "%s", e.msg);
		goto out;
	}
	if (cmd_jails(ioc, c, 0, &l, &e) < 0 || !(j = jails_find(&l, argv[optind], &e)) ||
	    stopped(ioc, j, &was, &e) < 0) {
		r = cmd_fail(c, &e);
		goto out;
	}
	if (jail_upgrade(ioc, j, rel, &po, &res, &e) < 0) {
		r = cmd_fail(c, &e);
	} else {
		print_done(ioc, "upgraded", &res);
		r = EXIT_OK;
	}
	restart(c, ioc, j, was);
out:
	kvlist_free(&kv);
	jails_free(&l);
	return r;
}
