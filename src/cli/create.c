#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "pkg/pkg.h"

static void
created(const char *uuid, const char *tag, void *arg)
{
	(void)arg;
	printf("%s (%s)\n", uuid, tag);
	fflush(stdout);
}

/* Check every PROP=VALUE as create takes it: count is create's own, the rest are properties
 * checked like `set`, with create-only ones allowed. */
int
cli_create_props(const struct kvlist *kv, struct create_opts *o, struct ioc_err *e)
{
	for (size_t i = 0; i < kv->n; i++) {
		const char *k = kv->v[i].key, *v = kv->v[i].val;
		char *canon = NULL;

		if (prop_check_set(k, v, true, &canon, e) < 0)
			return -1;
		if (streq(k, "count")) {
			uint64_t n = 0;

			parse_u64(canon, &n);
			o->count = (unsigned)n;
		} else if (streq(k, "pkglist")) {
			strv_free(&o->pkgs);
			if (pkglist_read(canon, &o->pkgs, e) < 0) {
				free(canon);
				return -1;
			}
		} else if (streq(k, "template") && !streq(canon, "no")) {
			free(canon);
			return err_set(e, EINVAL,
				       "a new jail is not a template: create it, then `iocage set "
				       "template=yes`");
		} else {
			kvlist_set(&o->props, k, canon);
		}
		free(canon);
	}
	return 0;
}

/* create -t TEMPLATE: a clone of the template; a jail that is not one is refused. */
static int
cli_create_from(struct ioc *ioc, const struct cmd *c, const char *tpl, char **assign, int n)
{
	struct jails l = {0};
	const struct jail *j;
	struct ioc_err e;
	int r;

	if (strchr(tpl, '@'))
		return cmd_usage(c, "-t takes a template's UUID or TAG, not a snapshot");
	if (cmd_jails(ioc, c, 0, &l, &e) < 0)
		return cmd_fail(c, &e);
	if (!(j = jails_find(&l, tpl, &e)) ||
	    (!j->template && err_set(&e, EINVAL,
				     "%s (%s) is not a template (`iocage list -t` lists them; "
				     "`iocage clone %s` clones a jail)",
				     j->uuid, j->tag, j->tag) < 0))
		r = cmd_fail(c, &e);
	else
		r = cli_clone(ioc, c, tpl, assign, n);
	jails_free(&l);
	return r;
}

int
cmd_create(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct create_opts o = {.type = JT_THICK, .count = 1};
	struct cmd_opts co = {0};
	struct kvlist kv = {0};
	struct ioc_err e;
	const char *tpl = NULL;
	int ch, ntype = 0, r;

	while ((ch = cmd_getopt(c, argc, argv, "cbet:", NULL, &co)) != -1) {
		switch (ch) {
		case 't':
			tpl = optarg;
			continue; /* not a type: checked against them below */
		case 'c':
			o.type = JT_CLONE;
			break;
		case 'b':
			o.type = JT_BASE;
			break;
		case 'e':
			o.type = JT_EMPTY;
			break;
		default:
			return EXIT_USAGE;
		}
		ntype++;
	}
	if (co.help)
		return EXIT_OK;
	if (ntype > 1 || (ntype && tpl))
		return cmd_usage(c, "-c, -b, -e and -t exclude each other");
	if (tpl)
		return cli_create_from(ioc, c, tpl, argv + optind, argc - optind);
	if (parse_assignments(argv + optind, argc - optind, &kv, &e) < 0) {
		r = cmd_usage(c, "%s", e.msg);
		goto out;
	}
	if (cli_create_props(&kv, &o, &e) < 0) {
		r = cmd_fail(c, &e);
		goto out;
	}
	if (o.type == JT_EMPTY && kvlist_get(&o.props, "release")) {
		r = cmd_usage(c, "an empty jail (-e) has no release");
		goto out;
	}
	r = EXIT_OK;
	if (ioc_store(ioc, true, &e) < 0 || jail_create(ioc, &o, created, NULL, &e) < 0)
		r = cmd_fail(c, &e);
out:
	kvlist_free(&kv);
	kvlist_free(&o.props);
	strv_free(&o.pkgs);
	return r;
}
