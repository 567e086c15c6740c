#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"

/* Ask on the terminal; anything but y/yes is no. Without a terminal we never guess. */
static int
confirm(const struct jail *j, struct ioc_err *e)
{
	char line[64];

	if (!isatty(STDIN_FILENO))
		return err_set(e, EINVAL,
			       "not destroying %s (%s): standard input is not a terminal to ask "
			       "on; use -f to destroy without asking",
			       j->uuid, j->tag);
	fprintf(stderr, "Destroy %s (%s) and all its data? [y/N] ", j->uuid, j->tag);
	if (!fgets(line, sizeof(line), stdin))
		return err_set(e, ECANCELED, "not destroying %s (%s)", j->uuid, j->tag);
	line[strcspn(line, "\n")] = '\0';
	if (strcasecmp(line, "y") && strcasecmp(line, "yes"))
		return err_set(e, ECANCELED, "not destroying %s (%s)", j->uuid, j->tag);
	return 0;
}

int
cmd_destroy(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	struct jails l = {0};
	bool force = false;
	struct ioc_err e;
	int ch, r = EXIT_OK;

	while ((ch = cmd_getopt(c, argc, argv, "f", NULL, &co)) != -1) {
		if (ch != 'f')
			return EXIT_USAGE;
		force = true;
	}
	if (co.help)
		return EXIT_OK;
	if (optind == argc)
		return cmd_usage(c, "which jail? give its UUID or TAG");
	if (cmd_jails(ioc, c, 0, &l, &e) < 0)
		return cmd_fail(c, &e);
	/* Resolve every operand before destroying anything: a typo in the third name must not
	 * leave the first two destroyed. */
	for (int i = optind; i < argc; i++)
		if (!jails_find(&l, argv[i], &e)) {
			jails_free(&l);
			return cmd_fail(c, &e);
		}
	for (int i = optind; i < argc; i++) {
		const struct jail *j = jails_find(&l, argv[i], &e);

		if ((!force && confirm(j, &e) < 0) || jail_destroy(ioc, j, &e) < 0) {
			r = cmd_fail(c, &e);
			continue;
		}
		printf("%s (%s) destroyed\n", j->uuid, j->tag);
	}
	jails_free(&l);
	return r;
}
