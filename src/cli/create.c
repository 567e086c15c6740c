#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static void
created(const char *uuid, const char *tag, void *arg)
{
	(void)arg;
	printf("%s (%s)\n", uuid, tag);
	fflush(stdout);
}

/* Check every PROP=VALUE as create takes it: count is create's own, the rest are properties
 * checked like `set`, with create-only ones allowed. */
static int
create_props(const struct kvlist *kv, struct create_opts *o, struct ioc_err *e)
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
			free(canon);
			return err_set(e, ENOTSUP,
				       "pkglist= is not available in this version of iocage");
		} else if (streq(k, "template") && !streq(canon, "no")) {
			free(canon);
			return err_set(e, ENOTSUP,
				       "template=yes is not available in this version of iocage");
		} else {
			kvlist_set(&o->props, k, canon);
		}
		free(canon);
	}
	return 0;
}

int
cmd_create(struct ioc *ioc, const struct cmd *c, int argc, char **argv)
{
	struct create_opts o = {.type = JT_THICK, .count = 1};
	struct cmd_opts co = {0};
	struct kvlist kv = {0};
	struct ioc_err e;
	int ch, ntype = 0, r;

	while ((ch = cmd_getopt(c, argc, argv, "cbe", NULL, &co)) != -1) {
		switch (ch) {
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
	if (ntype > 1)
		return cmd_usage(c, "-c, -b and -e exclude each other");
	if (parse_assignments(argv + optind, argc - optind, &kv, &e) < 0) {
		r = cmd_usage(c, "%s", e.msg);
		goto out;
	}
	if (create_props(&kv, &o, &e) < 0) {
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
	return r;
}
