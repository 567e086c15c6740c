#include <stdio.h>

#include "cli/cli.h"

static int
activate(struct ioc *ioc, const struct cmd *c, int argc, char **argv, bool on)
{
	struct cmd_opts co = {0};
	struct ioc_err e;
	int r;

	(void)ioc;
	if ((r = cmd_simple_opts(c, argc, argv, "", &co)) >= 0)
		return r;
	if (argc - optind != 1)
		return cmd_usage(c, "give one pool");
	r = store_zfs_pool_exists(argv[optind], &e);
	if (r == 0)
		err_set(&e, 0, "pool '%s' does not exist (zpool list shows the pools)",
			argv[optind]);
	if (r <= 0 || store_zfs_activate(argv[optind], on, &e) < 0)
		return cmd_fail(c, &e);
	printf("%s %s\n", argv[optind], on ? "activated" : "deactivated");
	return EXIT_OK;
}

int
cmd_activate(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	return activate(ioc, c, argc, argv, true);
}

int
cmd_deactivate(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	return activate(ioc, c, argc, argv, false);
}
