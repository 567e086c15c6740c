#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/cleanup.h"

void
cmd_say(const char *name, const char *msg)
{
	fflush(stdout);
	fprintf(stderr, "iocage: %s: ", name);
	/* Messages quote input: operands, file names, archive members, what a tool said. A
	 * control character (C0, DEL, C1) or a byte that is not UTF-8 goes out as \xNN, so that
	 * none drives the terminal (ESC, CSI, a bare CR) or starts a line of its own. */
	str_fputs_safe(msg, stderr);
	fputc('\n', stderr);
}

int
cmd_fail(const struct cmd *c, const struct ioc_err *e)
{
	cmd_say(c->name, e->msg);
	return EXIT_FAIL;
}

int
cmd_usage(const struct cmd *c, const char *fmt, ...)
{
	char msg[sizeof(((struct ioc_err *)0)->msg)];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(msg))
		memcpy(msg + sizeof(msg) - 4, "...", 4);
	cmd_say(c->name, msg);
	fprintf(stderr, "usage: iocage %s\n", c->usage);
	return EXIT_USAGE;
}

void
cmd_print_help(const struct cmd *c)
{
	printf("usage: iocage %s\n\n%s\n", c->usage, c->summary);
	if (c->help && *c->help)
		printf("\n%s", c->help);
	printf("\n  -h, --help    show this help\n");
}

int
cmd_getopt(const struct cmd *c, int argc, char **argv, const char *shortopts,
	   const struct option *longopts, struct cmd_opts *co)
{
	static const struct option none[] = {{0, 0, 0, 0}};
	/* Every command shares -h/--help, and listing commands -H and --json. */
	struct option all[32];
	char shorts[64];
	size_t n = 0;
	int ch;

	for (const struct option *o = longopts ? longopts : none; o->name && n < 28; o++)
		all[n++] = *o;
	all[n++] = (struct option){"help", no_argument, NULL, 'h'};
	all[n++] = (struct option){"json", no_argument, NULL, 0x100};
	all[n] = (struct option){0, 0, 0, 0};
	/* '+' (stop at the first operand) must lead, then ':' (report missing values). */
	if (shortopts[0] == '+')
		snprintf(shorts, sizeof(shorts), "+:h%s", shortopts + 1);
	else
		snprintf(shorts, sizeof(shorts), ":h%s", shortopts);
	for (;;) {
		ch = getopt_long(argc, argv, shorts, all, NULL);
		if (ch == 'h') {
			co->help = true;
			cmd_print_help(c);
			return -1;
		}
		if (ch == 0x100) {
			if (!strchr(shortopts, 'H'))
				return cmd_usage(c, "--json is not an option of %s", c->name), '?';
			co->json = true;
			continue;
		}
		if (ch == 'H' && strchr(shortopts, 'H')) {
			co->tabs = true;
			continue;
		}
		if (ch == '?') {
			if (optopt)
				cmd_usage(c, "unknown option '-%c'", optopt);
			else
				cmd_usage(c, "unknown option '%s'", argv[optind - 1]);
			return '?';
		}
		if (ch == ':') {
			cmd_usage(c, "option '%s' needs a value", argv[optind - 1]);
			return '?';
		}
		return ch;
	}
}

enum out_mode
cmd_out_mode(const struct cmd_opts *co)
{
	if (co->json)
		return OUT_JSON;
	return co->tabs ? OUT_TABS : OUT_TABLE;
}

int
cmd_jails(struct ioc *ioc, const struct cmd *c, unsigned flags, struct jails *l, struct ioc_err *e)
{
	if (ioc_store(ioc, c->flags & CMD_MUTATES, e) < 0)
		return -1;
	return jails_load(ioc, flags, l, e);
}

int
parse_assignments(char **argv, int argc, struct kvlist *out, struct ioc_err *e)
{
	for (int i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		cleanup_free char *key = NULL;

		if (!eq || eq == argv[i])
			return err_set(e, EINVAL, "'%s' is not PROPERTY=VALUE", argv[i]);
		key = xstrndup(argv[i], (size_t)(eq - argv[i]));
		if (kvlist_get(out, key))
			return err_set(e, EINVAL, "%s is given twice", key);
		kvlist_set(out, key, eq + 1);
	}
	return 0;
}

int
cmd_simple_opts(const struct cmd *c, int argc, char **argv, const char *shorts, struct cmd_opts *co)
{
	int ch;

	while ((ch = cmd_getopt(c, argc, argv, shorts, NULL, co)) != -1)
		if (ch == '?')
			return EXIT_USAGE;
	return co->help ? EXIT_OK : -1;
}
