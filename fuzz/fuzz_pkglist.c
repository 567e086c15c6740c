/* pkglist files (src/pkg/pkg.c): one package per line, '#' comments, blank lines; given to
 * `create pkglist=FILE` and `pkg`. The input is the file, NUL bytes and all.
 * fuzz-args: -max_len=65536
 *
 * Checked: a refusal says why in printable text (never the file's own bytes: a file that is
 * not a pkglist must not be printed); an accepted list has at least one name, each 1-200
 * characters of [A-Za-z0-9.+_:=~-] starting with a letter or digit, in the order of the file;
 * the names one per line parse back to the same list. */
#include <ctype.h>

#include "fuzz.h"
#include "pkg/pkg.h"
#include "util/cleanup.h"

static bool
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 200 || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(".+_:=~-", s[i]))
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strv v = {0}, back = {0};
	struct sbuf b = {0};
	struct ioc_err e = {0};

	if (pkglist_parse((const char *)data, size, &v, &e) < 0) {
		FUZZ_CHECK_MSG(&e);
		FUZZ_CHECK(v.n == 0 && !v.v, "a refused list left names behind");
		return 0;
	}
	FUZZ_CHECK(v.n > 0, "an accepted list names no package");
	for (size_t i = 0; i < v.n; i++) {
		FUZZ_CHECK(name_ok(v.v[i]), "'%s' is not a package name", v.v[i]);
		FUZZ_CHECK(memmem(data, size, v.v[i], strlen(v.v[i])), "'%s' is not in the file",
			   v.v[i]);
		sbuf_addf(&b, "%s\n", v.v[i]);
	}
	FUZZ_CHECK(pkglist_parse(sbuf_str(&b), b.len, &back, &e) == 0 && back.n == v.n,
		   "the names one per line do not parse back: %s", e.msg);
	for (size_t i = 0; i < v.n; i++)
		FUZZ_CHECK(streq(v.v[i], back.v[i]), "name %zu changed", i);
	sbuf_free(&b);
	strv_free(&v);
	strv_free(&back);
	return 0;
}
