/* Tags, release and snapshot names, UUIDs and how an operand names a jail
 * (src/core/ident.c). The input is lines: the first is the operand, each other line a jail
 * as "UUID TAG" (TAG may be absent; a UUID already given is skipped, as the store has no two).
 *
 * Checked: the name validators refuse with a printable message and accept only what their
 * rules allow; tag_unique gives a valid-length tag not taken; ident_resolve returns a jail the
 * operand really names (its tag, its UUID or a prefix of it), refuses when the operand names
 * none (ENOENT) and never picks one when a second jail matches as well. */
#include <errno.h>

#include "core/ident.h"
#include "fuzz.h"
#include "util/cleanup.h"

#define JAILS_MAX 64

static bool
name_chars(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return false;
	return true;
}

static void
validators(const char *s)
{
	struct ioc_err e = {0};
	size_t len = strlen(s);
	bool plain = len > 0 && s[0] != '-' && s[0] != '.';

	if (tag_validate(s, &e) == 0)
		FUZZ_CHECK(plain && len <= TAG_MAX && name_chars(s, "._-") && !uuid_valid(s),
			   "tag_validate took '%s'", s);
	else
		FUZZ_CHECK_MSG(&e);
	if (release_name_validate(s, &e) == 0)
		FUZZ_CHECK(plain && len <= 64 && name_chars(s, "._-"), "release took '%s'", s);
	else
		FUZZ_CHECK_MSG(&e);
	if (snap_name_validate(s, &e) == 0)
		FUZZ_CHECK(plain && len <= 200 && name_chars(s, "._:-"), "snapshot took '%s'", s);
	else
		FUZZ_CHECK_MSG(&e);
	if (uuid_valid(s))
		FUZZ_CHECK(len == UUID_STRLEN && name_chars(s, "-"), "uuid_valid took '%s'", s);
}

static bool
names(const struct ident *id, const char *op)
{
	return (id->tag && streq(id->tag, op)) || str_has_prefix(id->uuid, op);
}

static void
resolve(const struct ident *v, size_t n, const char *op)
{
	struct ioc_err e = {0};
	size_t matching = 0;
	int r = ident_resolve(v, n, op, &e);

	for (size_t i = 0; i < n; i++)
		matching += names(&v[i], op);
	if (r < 0) {
		FUZZ_CHECK_MSG(&e);
		FUZZ_CHECK((e.code == ENOENT) == (*op && matching == 0),
			   "'%s' names %zu jails, yet: %s", op, matching, e.msg);
		return;
	}
	FUZZ_CHECK((size_t)r < n && *op && names(&v[r], op), "'%s' resolved to jail %d", op, r);
	/* Another jail the operand names as well is ambiguous, except one whose UUID merely
	 * starts with the operand when the operand is this jail's whole UUID. */
	for (size_t i = 0; i < n; i++)
		if ((int)i != r && names(&v[i], op))
			FUZZ_CHECK(streq(v[r].uuid, op) && !(v[i].tag && streq(v[i].tag, op)) &&
				       !streq(v[i].uuid, op),
				   "'%s' picked jail %d while jail %zu matches too", op, r, i);
}

static void
unique(const struct ident *v, size_t n, const char *base)
{
	struct strv taken = {0};
	cleanup_free char *t = NULL;

	for (size_t i = 0; i < n; i++)
		if (v[i].tag)
			strv_push(&taken, v[i].tag);
	t = tag_unique(base, &taken);
	FUZZ_CHECK(strlen(t) <= TAG_MAX && !strv_contains(&taken, t), "tag_unique gave '%s'", t);
	strv_free(&taken);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_free char *text = fuzz_cstr(data, size);
	struct ident v[JAILS_MAX];
	char *rest = text, *line, *op, *sp;
	size_t n = 0;

	op = strsep(&rest, "\n");
	while (n < JAILS_MAX && (line = strsep(&rest, "\n")) != NULL) {
		bool dup = false;

		sp = strchr(line, ' ');
		if (sp)
			*sp = '\0';
		/* A UUID names one dataset: two jails never share one. */
		for (size_t i = 0; i < n; i++)
			dup = dup || streq(v[i].uuid, line);
		if (dup)
			continue;
		v[n].uuid = line;
		v[n].tag = sp ? sp + 1 : NULL;
		n++;
	}
	validators(op);
	resolve(v, n, op);
	if (strlen(op) <= 4 * TAG_MAX)
		unique(v, n, op);
	return 0;
}
