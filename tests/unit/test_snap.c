/* Snapshot names, and destroy planning over a fake store's dependents: what depends on what,
 * the order -r destroys in, and the refusal that names the dependents. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/jailsnap.h"
#include "tap.h"

static struct kvlist fake_deps;

static int
fake_deps_op(struct store *s, struct kvlist *out, struct ioc_err *e)
{
	(void)s;
	(void)e;
	for (size_t i = 0; i < fake_deps.n; i++)
		kvlist_set(out, fake_deps.v[i].key, fake_deps.v[i].val);
	return 0;
}

static const struct store_ops fake_ops = {.name = "fake", .deps = fake_deps_op};

#define U(c) c c c c c c c c "-" c c c c "-4" c c c "-8" c c c "-" c c c c c c c c c c c c

static void
add_jail(struct jails *l, const char *uuid, const char *tag, bool tpl, const char *type)
{
	struct jail *j;

	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	j = &l->v[l->n++];
	memset(j, 0, sizeof(*j));
	memcpy(j->uuid, uuid, UUID_STRLEN + 1);
	j->ds = xasprintf("%s/%s", tpl ? "templates" : "jails", uuid);
	j->template = tpl;
	kvlist_set(&j->props, "tag", tag);
	kvlist_set(&j->props, "type", type);
	kvlist_set(&j->props, "release", "R");
	j->tag = kvlist_get(&j->props, "tag");
}

static void
names(const struct destroy_plan *p, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < p->n; i++) {
		strncat(buf, p->v[i] ? p->v[i]->tag : "R", len - strlen(buf) - 2);
		strncat(buf, " ", len - strlen(buf) - 1);
	}
}

static void
test_names(void)
{
	struct ioc_err e;
	char big[301], buf[64];

	memset(big, 'x', 300);
	big[300] = '\0';
	ok(snap_name_check("before-upgrade_1.2:3", &e) == 0, "a plain name is accepted");
	ok(snap_name_check("a@b", &e) < 0, "'@' is refused");
	ok(snap_name_check("a/b", &e) < 0, "'/' is refused");
	ok(snap_name_check("a b", &e) < 0, "a space is refused");
	ok(snap_name_check(big, &e) < 0, "300 characters are refused");
	ok(snap_name_check(big + 200, &e) == 0, "100 characters are accepted");
	ok(snap_name_check("", &e) < 0, "an empty name is refused");
	ok(snap_name_check(".x", &e) < 0 && snap_name_check("-x", &e) < 0,
	   "a leading '.' or '-' is refused");
	ok(snap_name_check("ALL", &e) < 0, "ALL is reserved");
	ok(snap_name_check(U("a"), &e) < 0, "a UUID is reserved for iocage's own snapshots");
	snap_name_default(0, buf, sizeof(buf));
	ok(strlen(buf) == 19 && buf[10] == '_' && snap_name_check(buf, &e) == 0,
	   "the default name (%s) is a valid name", buf);
}

static void
test_plan(void)
{
	struct store st = {.ops = &fake_ops};
	struct ioc ioc = {.st = &st};
	struct destroy_plan p = {0};
	struct jails l = {0};
	struct ioc_err e;
	char buf[256];

	/* R -> J (thin) -> J@s -> K (template) -> M; B a basejail of R; T a thick copy. */
	add_jail(&l, U("a"), "J", false, "clonejail");
	add_jail(&l, U("b"), "K", true, "clonejail");
	add_jail(&l, U("c"), "M", false, "clonejail");
	add_jail(&l, U("d"), "B", false, "basejail");
	add_jail(&l, U("e"), "T", false, "thickjail");
	kvlist_set(&fake_deps, "releases/R/root", "");
	kvlist_set(&fake_deps, "releases/R/root@f", "");
	kvlist_set(&fake_deps, "jails/" U("a") "/root", "releases/R/root@f");
	kvlist_set(&fake_deps, "jails/" U("a") "/root@s", "");
	kvlist_set(&fake_deps, "templates/" U("b") "/root", "jails/" U("a") "/root@s");
	kvlist_set(&fake_deps, "templates/" U("b") "/root@" U("c"), "");
	kvlist_set(&fake_deps, "jails/" U("c") "/root", "templates/" U("b") "/root@" U("c"));
	kvlist_set(&fake_deps, "jails/" U("e") "/root", "");

	ok(destroy_plan(&ioc, &l, &l.v[2], NULL, false, &p, &e) == 0 && p.n == 1,
	   "a leaf has nothing but itself to destroy");
	destroy_plan_free(&p);
	ok(destroy_plan(&ioc, &l, &l.v[0], NULL, false, &p, &e) < 0 && e.code == EBUSY,
	   "J with a template on it is refused without -r");
	ok(strstr(e.msg, U("b")) && strstr(e.msg, "template"), "the refusal names the template: %s",
	   e.msg);
	ok(!strstr(e.msg, U("c")), "and only direct dependents");
	ok(destroy_plan(&ioc, &l, &l.v[0], NULL, true, &p, &e) == 0, "J with -r is planned");
	names(&p, buf, sizeof(buf));
	is_str(buf, "M K J ", "-r destroys each dependent before what it depends on");
	destroy_plan_free(&p);
	ok(destroy_plan(&ioc, &l, NULL, "R", false, &p, &e) < 0 && strstr(e.msg, "(J)") &&
	       strstr(e.msg, "(B)") && !strstr(e.msg, "(T)"),
	   "release R: the thin jail and the basejail depend on it, the thick copy not: %s", e.msg);
	ok(destroy_plan(&ioc, &l, NULL, "R", true, &p, &e) == 0, "release R with -r is planned");
	names(&p, buf, sizeof(buf));
	is_str(buf, "M K J B R ", "the release goes last");
	destroy_plan_free(&p);
	kvlist_set(&fake_deps, "jails/stray/root", "jails/" U("e") "/root@x");
	ok(destroy_plan(&ioc, &l, &l.v[4], NULL, true, &p, &e) < 0 && strstr(e.msg, "stray"),
	   "a dataset that is no jail's is named and never destroyed: %s", e.msg);
	jails_free(&l);
	kvlist_free(&fake_deps);
}

int
main(void)
{
	test_names();
	test_plan();
	return tap_done();
}
