/* The suite words of a jail's package sources (src/pkg/pkg.c, pkg_suite_replace), which
 * `upgrade` rewrites in the jail's sources.list ("bookworm" -> "trixie", and "bookworm-security"
 * with it, but not "bookworms"). The input is the file, a NUL, the old word, a NUL, the new one.
 * fuzz-args: -max_len=16384
 *
 * Checked: nothing but the replaced words changes: the length grows by count times the
 * difference of the words' lengths; no replacement leaves the text as it was; an empty old
 * word replaces nothing; and replacing a word by itself changes nothing. */
#include "fuzz.h"
#include "pkg/pkg.h"
#include "util/cleanup.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *part[3];
	cleanup_free char *out = NULL, *same = NULL;
	size_t count = 0, count2 = 0, tl, ol, nl;

	fuzz_split(data, size, part, 3);
	tl = strlen(part[0]);
	ol = strlen(part[1]);
	nl = strlen(part[2]);
	out = pkg_suite_replace(part[0], part[1], part[2], &count);
	FUZZ_CHECK(strlen(out) == tl - count * ol + count * nl,
		   "%zu replacements of '%s' by '%s' made %zu bytes of %zu", count, part[1],
		   part[2], strlen(out), tl);
	FUZZ_CHECK(count || streq(out, part[0]), "nothing replaced, yet the text changed");
	FUZZ_CHECK(ol || count == 0, "an empty word was replaced");
	same = pkg_suite_replace(part[0], part[1], part[1], &count2);
	FUZZ_CHECK(streq(same, part[0]) && count2 == count, "replacing '%s' by itself", part[1]);
	fuzz_free(part, 3);
	return 0;
}
