#include <stdio.h>

#include "cli/cli.h"

int
cmd_help(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	const struct cmd *t;
	size_t n;
	int r;

	(void)ioc;
	if ((r = cmd_simple_opts(c, argc, argv, "", &co)) >= 0)
		return r;
	if (argc - optind > 1)
		return cmd_usage(c, "too many operands");
	if (argc - optind == 1) {
		t = cmd_find(argv[optind]);
		if (!t)
			return cmd_usage(c, "unknown command '%s'", argv[optind]);
		cmd_print_help(t);
		return EXIT_OK;
	}
	printf("usage: iocage [-v] [-q] [--root DIR | --pool POOL] COMMAND [ARGS...]\n\n"
	       "iocage manages jails: isolated, long-lived Linux systems on ZFS or plain\n"
	       "directories. Jails are named by tag, UUID, or a unique UUID prefix.\n\n"
	       "Commands:\n");
	t = cmd_table(&n);
	for (size_t i = 0; i < n; i++)
		printf("  %-11s %s\n", t[i].name, t[i].summary);
	printf("\nGlobal options:\n"
	       "  -v            say more about what is done\n"
	       "  -q            no progress output\n"
	       "  --root DIR    use the dir backend at DIR (also IOCAGE_ROOT)\n"
	       "  --pool POOL   use the ZFS pool POOL (also IOCAGE_POOL)\n"
	       "  --version     show the version\n\n"
	       "Run `iocage help COMMAND` or `iocage COMMAND --help` for a command's options;\n"
	       "iocage(8) has the details.\n");
	return EXIT_OK;
}

int
cmd_version(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	int r;

	(void)ioc;
	if ((r = cmd_simple_opts(c, argc, argv, "", &co)) >= 0)
		return r;
	if (argc - optind > 0)
		return cmd_usage(c, "version takes no operands");
	printf("iocage %s\n", IOCAGE_VERSION);
	return EXIT_OK;
}
