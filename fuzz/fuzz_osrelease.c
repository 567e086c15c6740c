/* What a jail's root says it is (src/pkg/pkg.c): os-release(5) text, which the jail's root
 * writes and `pkg`, `update` and `upgrade` read from the host, and the version order that
 * decides what an upgrade is. The input is the os-release text, a NUL, then three versions
 * separated by NULs.
 * fuzz-args: -max_len=16384
 *
 * Checked: os-release keys are non-empty, hold no '=' or newline and do not start a comment;
 * values hold no newline; the version of a root is its VERSION_ID, or a known codename's
 * number, or none; pkg_version_cmp is an order: a version equals itself, swapping the two
 * sides swaps the sign, and a <= b <= c gives a <= c. */
#include "fuzz.h"
#include "pkg/pkg.h"

static int
sign(int v)
{
	return (v > 0) - (v < 0);
}

static void
order(const char *a, const char *b, const char *c)
{
	int ab = sign(pkg_version_cmp(a, b)), ba = sign(pkg_version_cmp(b, a));
	int bc = sign(pkg_version_cmp(b, c)), ac = sign(pkg_version_cmp(a, c));

	FUZZ_CHECK(pkg_version_cmp(a, a) == 0, "'%s' is not equal to itself", a);
	FUZZ_CHECK(ab == -ba, "'%s' vs '%s': %d, but the other way %d", a, b, ab, ba);
	if (ab <= 0 && bc <= 0)
		FUZZ_CHECK(ac <= 0, "'%s' <= '%s' <= '%s', yet the first is after the last", a, b,
			   c);
	if (ab == 0 && bc == 0)
		FUZZ_CHECK(ac == 0, "'%s' = '%s' = '%s', yet the ends differ", a, b, c);
}

static void
osrel(const char *text)
{
	struct kvlist kv = {0};
	const char *v, *id;

	osrel_parse(text, &kv);
	for (size_t i = 0; i < kv.n; i++) {
		FUZZ_CHECK(kv.v[i].key[0] && kv.v[i].key[0] != '#' &&
			       !strpbrk(kv.v[i].key, "=\n") && !strchr(kv.v[i].val, '\n'),
			   "key '%s', value '%s'", kv.v[i].key, kv.v[i].val);
		FUZZ_CHECK(strstr(text, kv.v[i].key), "key '%s' is not in the text", kv.v[i].key);
	}
	v = pkg_os_version(&kv);
	id = kvlist_get(&kv, "VERSION_ID");
	if (id && *id)
		FUZZ_CHECK(v == id, "VERSION_ID '%s' is not the version", id);
	else if (v)
		FUZZ_CHECK(kvlist_get(&kv, "VERSION_CODENAME") &&
			       strspn(v, "0123456789") == strlen(v),
			   "version '%s' from nowhere", v);
	kvlist_free(&kv);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *part[4];

	fuzz_split(data, size, part, 4);
	osrel(part[0]);
	order(part[1], part[2], part[3]);
	fuzz_free(part, 4);
	return 0;
}
