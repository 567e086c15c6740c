#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/jailrun.h"
#include "util/cleanup.h"

/* The options stop at the jail: what follows is the command and its own options. */
int
cmd_exec(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct jail_cmd jc = {0};
	struct cmd_opts co = {0};
	struct jails l = {0};
	const struct jail *j = NULL;
	struct ioc_err e;
	int ch, status = 0, r = EXIT_OK;

	while ((ch = cmd_getopt(c, argc, argv, "+u:U:", NULL, &co)) != -1) {
		if (ch == 'u')
			jc.host_user = optarg;
		else if (ch == 'U')
			jc.jail_user = optarg;
		else
			return EXIT_USAGE;
	}
	if (co.help)
		return EXIT_OK;
	if (jc.host_user && jc.jail_user)
		return cmd_usage(c, "-u and -U exclude each other");
	if ((jc.host_user && !*jc.host_user) || (jc.jail_user && !*jc.jail_user))
		return cmd_usage(c, "-u and -U need a user name");
	if (argc - optind < 2)
		return cmd_usage(c, argc - optind ? "which command?" : "which jail and command?");
	jc.argv = argv + optind + 1;
	if (streq(jc.argv[0], "--"))
		jc.argv++;
	if (!jc.argv[0])
		return cmd_usage(c, "which command?");
	if (!*jc.argv[0])
		return cmd_usage(c, "the command is empty");
	if (!streq(argv[optind], "ALL")) {
		int found = jail_exec_named(ioc, argv[optind], &jc, &status, &e);

		if (found < 0)
			return cmd_fail(c, &e);
		if (found)
			return status;
	}
	if (cmd_jails(ioc, c, 0, &l, &e) < 0)
		return cmd_fail(c, &e);
	if (!streq(argv[optind], "ALL") && !(j = jails_find(&l, argv[optind], &e))) {
		jails_free(&l);
		return cmd_fail(c, &e);
	}
	for (size_t i = 0; i < l.n; i++) {
		struct jail_proc jp;

		if (j ? j != &l.v[i] : !jail_running(&l.v[i], &jp))
			continue;
		if (jail_exec(ioc, &l.v[i], &jc, &status, &e) < 0)
			r = cmd_fail(c, &e);
		else if (status != 0)
			r = status;
	}
	jails_free(&l);
	return r;
}

int
cmd_console(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	cleanup_free char *flags = NULL;
	struct cmd_opts co = {0};
	struct jails l = {0};
	const struct jail *j;
	struct jail_proc jp;
	struct ioc_err e;
	bool start = false;
	int ch, status = 0, r;

	while ((ch = cmd_getopt(c, argc, argv, "f", NULL, &co)) != -1) {
		if (ch != 'f')
			return EXIT_USAGE;
		start = true;
	}
	if (co.help)
		return EXIT_OK;
	if (argc - optind != 1)
		return cmd_usage(c, "give one jail");
	if (cmd_jails(ioc, c, 0, &l, &e) < 0 || !(j = jails_find(&l, argv[optind], &e)))
		goto fail;
	if (start && !jail_running(j, &jp) && jail_start(ioc, j, cli_print_step, NULL, &e) < 0)
		goto fail;
	{
		/* login with login_flags (-f root); the jail's own shell if it has no login. */
		char *login[8] = {"login", NULL};
		char *shell[] = {"/bin/sh", "-l", NULL};
		struct jail_cmd jc = {.argv = login, .pty = true};
		char *save = NULL, *tok;
		size_t k = 1;

		flags = jail_value(ioc, j, prop_find("login_flags"), NULL);
		for (tok = strtok_r(flags, " ", &save); tok && k < 7;
		     tok = strtok_r(NULL, " ", &save))
			login[k++] = tok;
		login[k] = NULL;
		r = jail_exec(ioc, j, &jc, &status, &e);
		if (r == 0 && status == 127) {
			jc.argv = shell;
			r = jail_exec(ioc, j, &jc, &status, &e);
		}
		if (r < 0)
			goto fail;
	}
	jails_free(&l);
	return status;
fail:
	jails_free(&l);
	return cmd_fail(c, &e);
}

int
cmd_chroot(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	char *shell[] = {"/bin/sh", NULL};
	struct jail_cmd jc = {.argv = shell};
	struct cmd_opts co = {0};
	struct jails l = {0};
	const struct jail *j;
	struct ioc_err e;
	int ch, status = 0, r;

	while ((ch = cmd_getopt(c, argc, argv, "+U:", NULL, &co)) != -1) {
		if (ch != 'U')
			return EXIT_USAGE;
		jc.jail_user = optarg;
	}
	if (co.help)
		return EXIT_OK;
	if (argc - optind < 1)
		return cmd_usage(c, "which jail?");
	if (argc - optind > 1)
		jc.argv = argv + optind + 1 + (streq(argv[optind + 1], "--") ? 1 : 0);
	if (!jc.argv[0])
		return cmd_usage(c, "which command?");
	if (!*jc.argv[0])
		return cmd_usage(c, "the command is empty");
	if (cmd_jails(ioc, c, 0, &l, &e) < 0 || !(j = jails_find(&l, argv[optind], &e)) ||
	    jail_chroot(ioc, j, &jc, &status, &e) < 0) {
		r = cmd_fail(c, &e);
		jails_free(&l);
		return r;
	}
	jails_free(&l);
	return status;
}

int
cmd_runtime(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct cmd_opts co = {0};
	struct kvlist kv = {0};
	struct jails l = {0};
	const struct jail *j;
	struct ioc_err e;
	int r;

	if ((r = cmd_simple_opts(c, argc, argv, "H", &co)) >= 0)
		return r;
	if (argc - optind != 1)
		return cmd_usage(c, "give one jail");
	if (cmd_jails(ioc, c, 0, &l, &e) < 0 || !(j = jails_find(&l, argv[optind], &e)) ||
	    jail_runtime(ioc, j, &kv, &e) < 0) {
		jails_free(&l);
		kvlist_free(&kv);
		return cmd_fail(c, &e);
	}
	if (co.json) {
		struct sbuf b = {0};

		sbuf_addc(&b, '{');
		for (size_t i = 0; i < kv.n; i++) {
			sbuf_add(&b, i ? ", " : "");
			sbuf_add_json(&b, kv.v[i].key);
			sbuf_add(&b, ": ");
			sbuf_add_json(&b, kv.v[i].val);
		}
		sbuf_add(&b, "}\n");
		fputs(b.s, stdout);
		sbuf_free(&b);
	} else {
		for (size_t i = 0; i < kv.n; i++)
			printf(co.tabs ? "%s\t%s\n" : "%s=%s\n", kv.v[i].key, kv.v[i].val);
	}
	kvlist_free(&kv);
	jails_free(&l);
	return EXIT_OK;
}
