#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/fetch.h"
#include "core/jailrun.h"
#include "core/jailsnap.h"
#include "util/cleanup.h"

/* What an operand names: a jail (or template), or else a fetched release. */
struct target {
	const struct jail *j;
	const char *release;
};

static const char *
target_name(const struct target *t, char *buf, size_t len)
{
	if (t->j)
		snprintf(buf, len, "%s%s (%s)", t->j->template ? "template " : "", t->j->uuid,
			 t->j->tag);
	else
		snprintf(buf, len, "release %s", t->release);
	return buf;
}

static int
resolve(struct ioc *ioc, const struct jails *l, const char *op, struct target *t, struct ioc_err *e)
{
	cleanup_free char *ds = xasprintf("releases/%s", op);
	struct ioc_err e2;
	int rel = 0;

	*t = (struct target){.j = jails_find(l, op, e)};
	if (!strchr(op, '/') && release_name_validate(op, &e2) == 0)
		rel = ioc->st->ops->exists(ioc->st, ds, &e2) == 1;
	if (t->j && rel && streq(t->j->tag, op))
		return err_set(e, EINVAL,
			       "'%s' is both the tag of %s and a release; give the jail's UUID, or "
			       "change its tag to destroy the release",
			       op, t->j->uuid);
	if (!t->j && rel)
		t->release = op;
	return t->j || t->release ? 0 : -1;
}

/* Ask on the terminal; anything but y/yes is no. Without a terminal we never guess. */
static int
confirm(const char *what, size_t more, struct ioc_err *e)
{
	char line[64];

	if (!isatty(STDIN_FILENO))
		return err_set(e, EINVAL,
			       "not destroying %s: standard input is not a terminal to ask "
			       "on; use -f to destroy without asking",
			       what);
	if (more)
		fprintf(stderr,
			"Destroy %s, the %zu jails above that depend on it, and all their "
			"data? [y/N] ",
			what, more);
	else
		fprintf(stderr, "Destroy %s and all its data? [y/N] ", what);
	if (!fgets(line, sizeof(line), stdin))
		return err_set(e, ECANCELED, "not destroying %s", what);
	line[strcspn(line, "\n")] = '\0';
	if (strcasecmp(line, "y") && strcasecmp(line, "yes"))
		return err_set(e, ECANCELED, "not destroying %s", what);
	return 0;
}

/* Nothing is destroyed while one of the jails in the plan runs. */
static int
check_stopped(const struct destroy_plan *p, struct ioc_err *e)
{
	struct jail_proc jp;

	for (size_t i = 0; i < p->n; i++)
		if (p->v[i] && jail_running(p->v[i], &jp))
			return err_set(e, EBUSY,
				       "%s (%s) is running; stop it first with `iocage stop %s`",
				       p->v[i]->uuid, p->v[i]->tag, p->v[i]->tag);
	return 0;
}

static int
destroy_target(struct ioc *ioc, const struct jails *l, const struct target *t, bool force,
	       bool recursive, struct strv *gone, struct ioc_err *e)
{
	struct destroy_plan p = {0};
	char what[160], dep[160];
	int r;

	target_name(t, what, sizeof(what));
	if (destroy_plan(ioc, l, t->j, t->release, recursive, &p, e) < 0)
		return -1;
	for (size_t i = 0; i + 1 < p.n; i++)
		printf("%s depends on %s: destroying it too\n",
		       target_name(&(struct target){.j = p.v[i]}, dep, sizeof(dep)), what);
	fflush(stdout);
	r = check_stopped(&p, e);
	if (r == 0 && !force)
		r = confirm(what, p.n - 1, e);
	for (size_t i = 0; r == 0 && i < p.n; i++) {
		const struct target one = {.j = p.v[i], .release = t->release};

		if (p.v[i] && strv_contains(gone, p.v[i]->uuid))
			continue;
		r = p.v[i] ? jail_destroy(ioc, p.v[i], e) : release_destroy(ioc, l, t->release, e);
		if (r == 0) {
			printf("%s destroyed\n", target_name(&one, dep, sizeof(dep)));
			if (p.v[i])
				strv_push(gone, p.v[i]->uuid);
		}
	}
	fflush(stdout);
	destroy_plan_free(&p);
	return r;
}

int
cmd_destroy(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	struct jails l = {0};
	struct target *t;
	struct strv gone = {0};
	bool force = false, recursive = false, unresolved;
	struct ioc_err e;
	int ch, r = EXIT_OK;

	while ((ch = cmd_getopt(c, argc, argv, "fr", NULL, &co)) != -1) {
		if (ch == 'f')
			force = true;
		else if (ch == 'r')
			recursive = true;
		else
			return EXIT_USAGE;
	}
	if (co.help)
		return EXIT_OK;
	if (optind == argc)
		return cmd_usage(c, "which jail? give its UUID or TAG (or a RELEASE)");
	if (cmd_jails(ioc, c, 0, &l, &e) < 0)
		return cmd_fail(c, &e);
	/* Resolve every operand before destroying anything: a typo in the third name must not
	 * leave the first two destroyed. */
	t = xcalloc((size_t)(argc - optind), sizeof(*t));
	for (int i = optind; i < argc && r == EXIT_OK; i++)
		if (resolve(ioc, &l, argv[i], &t[i - optind], &e) < 0)
			r = cmd_fail(c, &e);
	unresolved = r != EXIT_OK;
	for (int i = optind; i < argc && !unresolved; i++) {
		const struct target *x = &t[i - optind];

		if (x->j && strv_contains(&gone, x->j->uuid))
			continue;
		if (destroy_target(ioc, &l, x, force, recursive, &gone, &e) < 0)
			r = cmd_fail(c, &e);
	}
	free(t);
	strv_free(&gone);
	jails_free(&l);
	return r;
}
