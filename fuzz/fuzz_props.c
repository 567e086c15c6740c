/* Property values of every type (src/core/props.c): prop_validate for the property the first
 * byte picks, or prop_check_set on "NAME=VALUE" (what `set`, `create` and an imported
 * manifest's prop.NAME lines go through).
 *
 * Checked: a refusal says why in printable text; an accepted value is one line of text; its
 * canonical form is accepted again and is its own canonical form; the canonical form has the
 * shape of the type (on/off, 0/1, an integer in range, one of the choices, a FreeBSD-only
 * property's default); an rctl value the validator takes is one rctl_parse reads, to the same
 * amount and action before and after canonicalisation. */
#include <errno.h>
#include <inttypes.h>

#include "core/props.h"
#include "fuzz.h"
#include "util/cleanup.h"

static void
check_shape(const struct prop *p, const char *val, const char *canon)
{
	int64_t v;
	char *end;
	bool found = false;

	for (const char *s = canon; *s; s++)
		FUZZ_CHECK((unsigned char)*s >= 0x20 && *s != 0x7f,
			   "%s: accepted '%s' with a control character", p->name, val);
	switch (p->type) {
	case PT_BOOL:
		FUZZ_CHECK(streq(canon, "on") || streq(canon, "off") || streq(canon, "yes") ||
			       streq(canon, "no"),
			   "%s: bool '%s' became '%s'", p->name, val, canon);
		FUZZ_CHECK((streq(p->def, "yes") || streq(p->def, "no")) ==
			       (streq(canon, "yes") || streq(canon, "no")),
			   "%s: '%s' is not in the spelling of its default %s", p->name, canon,
			   p->def);
		break;
	case PT_01:
		FUZZ_CHECK(streq(canon, "0") || streq(canon, "1"), "%s: '%s'", p->name, canon);
		break;
	case PT_INT:
		if (streq(canon, "none")) {
			FUZZ_CHECK(streq(p->def, "none"), "%s: none without a none default",
				   p->name);
			break;
		}
		errno = 0;
		v = strtoll(canon, &end, 10);
		FUZZ_CHECK(errno == 0 && *end == '\0' && v >= p->min && v <= p->max,
			   "%s: '%s' became '%s', not an integer in [%" PRId64 ", %" PRId64 "]",
			   p->name, val, canon, p->min, p->max);
		break;
	case PT_ENUM:
		for (size_t i = 0; p->choices[i]; i++)
			found = found || streq(canon, p->choices[i]);
		FUZZ_CHECK(found, "%s: '%s' is not one of the choices", p->name, canon);
		break;
	case PT_STRING:
	case PT_LIST:
		FUZZ_CHECK(streq(canon, val), "%s: text '%s' was changed to '%s'", p->name, val,
			   canon);
		break;
	default:
		break;
	}
	if (p->flags & PF_FREEBSD)
		FUZZ_CHECK(streq(canon, p->def), "%s: FreeBSD-only took '%s'", p->name, canon);
}

static void
check_rctl(const struct prop *p, const char *val, const char *canon)
{
	struct rctl a, b;
	struct ioc_err e = {0};

	FUZZ_CHECK(rctl_parse(p, canon, &a, &e) == 0,
		   "%s: the validator took '%s' but rctl_parse refuses '%s': %s", p->name, val,
		   canon, e.msg);
	FUZZ_CHECK(rctl_parse(p, val, &b, &e) == 0, "%s: rctl_parse refuses '%s': %s", p->name, val,
		   e.msg);
	FUZZ_CHECK(a.off == b.off && a.amount == b.amount && streq(a.action, b.action),
		   "%s: '%s' and its canonical '%s' differ", p->name, val, canon);
	if (!a.off)
		FUZZ_CHECK(a.action[0] != '\0', "%s: '%s' has no action", p->name, canon);
}

static void
one_prop(const struct prop *p, const char *val)
{
	cleanup_free char *canon = NULL, *again = NULL;
	struct ioc_err e = {0};

	if (prop_validate(p, val, &canon, &e) < 0) {
		FUZZ_CHECK(e.code == EINVAL, "%s: code %d", p->name, e.code);
		FUZZ_CHECK_MSG(&e);
		return;
	}
	FUZZ_CHECK(canon != NULL, "%s: accepted without a canonical form", p->name);
	FUZZ_CHECK(prop_validate(p, canon, &again, &e) == 0,
		   "%s: '%s' was accepted, its canonical '%s' is not: %s", p->name, val, canon,
		   e.msg);
	FUZZ_CHECK(streq(canon, again), "%s: canonical '%s' became '%s'", p->name, canon, again);
	check_shape(p, val, canon);
	if (p->type == PT_RCTL)
		check_rctl(p, val, canon);
}

/* "NAME=VALUE" as set and import give it. */
static void
name_value(const char *s, bool creating)
{
	cleanup_free char *name = xstrdup(s), *canon = NULL, *direct = NULL;
	char *eq = strchr(name, '=');
	const struct prop *p;
	struct ioc_err e = {0};

	if (!eq)
		return;
	*eq = '\0';
	if (prop_check_set(name, eq + 1, creating, &canon, &e) < 0) {
		FUZZ_CHECK_MSG(&e);
		return;
	}
	p = prop_find(name);
	FUZZ_CHECK(p && p->type != PT_RO && (creating || p->when != PW_CREATE), "set took '%s'",
		   name);
	FUZZ_CHECK(prop_validate(p, eq + 1, &direct, &e) == 0 && streq(direct, canon),
		   "prop_check_set and prop_validate disagree on %s=%s", name, eq + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n;
	const struct prop *t = prop_table(&n);
	cleanup_free char *val = NULL;
	size_t pick;

	if (size < 1)
		return 0;
	pick = data[0] % (n + 2);
	val = fuzz_cstr(data + 1, size - 1);
	if (pick < n)
		one_prop(&t[pick], val);
	else
		name_value(val, pick == n);
	return 0;
}
