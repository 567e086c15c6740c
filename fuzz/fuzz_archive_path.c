/* The checks on one archive entry (src/core/fetch.c) that fetch -F and import make before
 * anything is written: the entry's path, and a symlink's target. The input is PATH, a NUL,
 * then TARGET.
 * fuzz-args: -max_len=8192
 *
 * Checked against a plain reading of the rules: a path is refused exactly when it is empty,
 * absolute, PATH_MAX long or more, has a '..' component or one longer than NAME_MAX;
 * otherwise its normal form (no "", "." components, no leading "./" or "/") is what a second
 * normalisation leaves unchanged. A relative symlink target is accepted exactly when, resolved
 * component by component from the link's directory, it never climbs above the root. */
#include <limits.h>

#include "core/fetch.h"
#include "fuzz.h"

/* The components of s that count (not empty, not "."), joined by '/'; -1 when the rules
 * refuse s. */
static int
plain_normal(const char *s, struct sbuf *out)
{
	const char *p = s;

	if (!*s || *s == '/' || strlen(s) >= PATH_MAX)
		return -1;
	while (*p) {
		size_t n = strcspn(p, "/");

		if ((n == 2 && p[0] == '.' && p[1] == '.') || n > NAME_MAX)
			return -1;
		if (n && !(n == 1 && *p == '.')) {
			if (out->len)
				sbuf_addc(out, '/');
			sbuf_addn(out, p, n);
		}
		p += n + (p[n] == '/');
	}
	return 0;
}

/* Whether target, followed from the directory of the entry norm, stays below the root. */
static bool
plain_inside(const char *norm, const char *target)
{
	long depth = 0;
	const char *p = target;

	for (const char *s = strchr(norm, '/'); s; s = strchr(s + 1, '/'))
		depth++; /* the link's directory: every component of norm but the last */
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			depth--;
		else if (n && !(n == 1 && *p == '.'))
			depth++;
		if (depth < 0)
			return false;
		p += n + (p[n] == '/');
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *part[2], *path, *target;
	char norm[PATH_MAX], again[PATH_MAX];
	struct sbuf want = {0};
	struct ioc_err e = {0};
	int r, plain;

	fuzz_split(data, size, part, 2);
	path = part[0];
	target = part[1];
	r = archive_check_path(path, norm, sizeof(norm), &e);
	plain = plain_normal(path, &want);
	FUZZ_CHECK((r == 0) == (plain == 0), "'%s': check_path %d, the rules say %d (%s)", path, r,
		   plain, e.msg);
	if (r < 0) {
		FUZZ_CHECK_MSG(&e);
	} else {
		FUZZ_CHECK(streq(norm, sbuf_str(&want)), "'%s' became '%s', want '%s'", path, norm,
			   sbuf_str(&want));
		FUZZ_CHECK(!*norm || (archive_check_path(norm, again, sizeof(again), &e) == 0 &&
				      streq(norm, again)),
			   "the normal form '%s' is not normal", norm);
	}
	sbuf_free(&want);

	r = archive_check_symlink(path, target, &e);
	if (r < 0) {
		FUZZ_CHECK_MSG(&e);
		FUZZ_CHECK(plain < 0 || !*norm || !*target || strlen(target) >= PATH_MAX ||
			       (*target != '/' && !plain_inside(norm, target)),
			   "the link '%s' -> '%s' was refused: %s", path, target, e.msg);
	} else {
		FUZZ_CHECK(plain == 0 && *norm && *target &&
			       (*target == '/' || plain_inside(norm, target)),
			   "the link '%s' -> '%s' leads out, yet was accepted", path, target);
	}
	fuzz_free(part, 2);
	return 0;
}
