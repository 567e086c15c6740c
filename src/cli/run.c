#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/jailrun.h"
#include "util/cleanup.h"

void
cli_print_step(const char *step, bool ok, void *arg)
{
	(void)arg;
	printf("  + %s %s\n", step, ok ? "OK" : "FAILED");
	fflush(stdout);
}

enum action { ACT_START, ACT_STOP, ACT_RESTART, ACT_SOFT };

/* start -f: templates start too (to be changed); otherwise they never do. */
static bool start_templates;

static int
act(struct ioc *ioc, const struct jail *j, enum action a, struct ioc_err *e)
{
	static const char *const verbs[] = {"Starting", "Stopping", "Restarting", "Restarting"};

	if (a == ACT_START && j->template && !start_templates)
		return err_set(e, EINVAL,
			       "%s (%s) is a template; `iocage start -f %s` starts it "
			       "to change it",
			       j->uuid, j->tag, j->tag);
	printf("* %s %s (%s)\n", verbs[a], j->uuid, j->tag);
	fflush(stdout);
	switch (a) {
	case ACT_START:
		return jail_start(ioc, j, cli_print_step, NULL, e);
	case ACT_STOP:
		return jail_stop(ioc, j, cli_print_step, NULL, e);
	case ACT_SOFT:
		return jail_soft_restart(ioc, j, cli_print_step, NULL, e);
	case ACT_RESTART:
		if (jail_stop(ioc, j, cli_print_step, NULL, e) < 0 && e->code != EINVAL)
			return -1;
		return jail_start(ioc, j, cli_print_step, NULL, e);
	}
	return 0;
}

/* The jails ALL means for an action: for start, those not running; else those running. */
static bool
all_wants(const struct jail *j, enum action a)
{
	struct jail_proc jp;
	bool up = jail_running(j, &jp);

	return a == ACT_START ? !up && !j->template : up;
}

static int
act_operands(struct ioc *ioc, const struct cmd *c, int argc, char **argv, enum action a)
{
	struct jails l = {0};
	struct ioc_err e;
	int r = EXIT_OK;

	if (argc < 1)
		return cmd_usage(c, "which jail? give a UUID, TAG or ALL");
	if (cmd_jails(ioc, c, 0, &l, &e) < 0)
		return cmd_fail(c, &e);
	for (int i = 0; i < argc; i++)
		if (!streq(argv[i], "ALL") && !jails_find(&l, argv[i], &e)) {
			jails_free(&l);
			return cmd_fail(c, &e);
		}
	for (int i = 0; i < argc; i++) {
		for (size_t k = 0; k < l.n; k++) {
			const struct jail *j = &l.v[k];

			if (streq(argv[i], "ALL") ? !all_wants(j, a)
						  : j != jails_find(&l, argv[i], &e))
				continue;
			if (act(ioc, j, a, &e) < 0)
				r = cmd_fail(c, &e);
		}
	}
	jails_free(&l);
	return r;
}

int
cmd_start(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	int ch;

	while ((ch = cmd_getopt(c, argc, argv, "f", NULL, &co)) != -1) {
		if (ch != 'f')
			return EXIT_USAGE;
		start_templates = true;
	}
	if (co.help)
		return EXIT_OK;
	return act_operands(ioc, c, argc - optind, argv + optind, ACT_START);
}

int
cmd_stop(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	int r;

	if ((r = cmd_simple_opts(c, argc, argv, "", &co)) >= 0)
		return r;
	return act_operands(ioc, c, argc - optind, argv + optind, ACT_STOP);
}

int
cmd_restart(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	bool soft = false;
	int ch;

	while ((ch = cmd_getopt(c, argc, argv, "s", NULL, &co)) != -1) {
		if (ch != 's')
			return EXIT_USAGE;
		soft = true;
	}
	if (co.help)
		return EXIT_OK;
	return act_operands(ioc, c, argc - optind, argv + optind, soft ? ACT_SOFT : ACT_RESTART);
}

/* rcboot / rcshutdown: boot=on jails by priority; one failure does not stop the rest. */
struct by_prio {
	const struct jail *j;
	unsigned prio;
};

static int
cmp_prio(const void *a, const void *b)
{
	const struct by_prio *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	return strcmp(x->j->tag, y->j->tag);
}

static int
rc(struct ioc *ioc, const struct cmd *c, int argc, char **argv, bool boot)
{
	struct cmd_opts co = {0};
	struct by_prio *v;
	struct jails l = {0};
	struct ioc_err e;
	size_t n = 0;
	int r;

	if ((r = cmd_simple_opts(c, argc, argv, "", &co)) >= 0)
		return r;
	if (optind < argc)
		return cmd_usage(c, "%s takes no operands", c->name);
	if (cmd_jails(ioc, c, 0, &l, &e) < 0)
		return cmd_fail(c, &e);
	v = xcalloc(l.n, sizeof(*v));
	for (size_t i = 0; i < l.n; i++) {
		cleanup_free char *b = jail_value(ioc, &l.v[i], prop_find("boot"), NULL);
		cleanup_free char *p = jail_value(ioc, &l.v[i], prop_find("priority"), NULL);
		uint64_t prio = 99;

		if (!streq(b, "on") || !all_wants(&l.v[i], boot ? ACT_START : ACT_STOP))
			continue;
		parse_u64(p, &prio);
		v[n++] = (struct by_prio){&l.v[i], (unsigned)prio};
	}
	qsort(v, n, sizeof(*v), cmp_prio);
	r = EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		const struct jail *j = v[boot ? i : n - 1 - i].j;

		if (act(ioc, j, boot ? ACT_START : ACT_STOP, &e) < 0)
			r = cmd_fail(c, &e);
	}
	free(v);
	jails_free(&l);
	return r;
}

int
cmd_rcboot(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	return rc(ioc, c, argc, argv, true);
}

int
cmd_rcshutdown(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	return rc(ioc, c, argc, argv, false);
}
