/* A jail's /etc/passwd and /etc/group (src/run/user.c), which the jail's root writes and
 * `exec -U`, `console` and exec_jail_user read from the host. The input's first line is the
 * user asked for; the rest, NUL bytes and all, is both the passwd and the group text.
 * fuzz-args: -max_len=16384
 *
 * Checked against a second, deliberately plain reading of the same rules (user.h): the same
 * entry or the same refusal (ENOENT for no such user, EINVAL for a malformed line of that very
 * user), uid and gid below 2^32-1, a home of at most USER_HOME_MAX bytes; the groups are the
 * primary one first, then each listed gid once, in file order; a refusal is printable when the
 * name asked is. */
#include <errno.h>

#include "fuzz.h"
#include "run/user.h"
#include "util/cleanup.h"

/* ---- the plain reading ---- */

struct line {
	const char *s;
	size_t len;
};

/* Field k (0-based) of a ':'-separated line and the number of fields. */
static size_t
fields(struct line l, struct line *f, size_t max)
{
	size_t n = 0;
	const char *s = l.s, *end = l.s + l.len;

	for (;;) {
		const char *c = memchr(s, ':', (size_t)(end - s));

		if (n < max)
			f[n] = (struct line){s, c ? (size_t)(c - s) : (size_t)(end - s)};
		n++;
		if (!c)
			return n;
		s = c + 1;
	}
}

static bool
number(struct line f, uint64_t *v)
{
	*v = 0;
	if (f.len == 0 || f.len > 10)
		return false;
	for (size_t i = 0; i < f.len; i++) {
		if (f.s[i] < '0' || f.s[i] > '9')
			return false;
		*v = *v * 10 + (uint64_t)(f.s[i] - '0');
	}
	return *v < UINT32_MAX;
}

static bool
skipped(struct line l, size_t max)
{
	return l.len == 0 || strchr("#+-", l.s[0]) || l.len > max || memchr(l.s, '\0', l.len);
}

/* Each line of text in turn: *l, false at the end. */
static bool
each_line(const char *text, size_t len, size_t *at, struct line *l)
{
	const char *nl;

	if (*at >= len)
		return false;
	nl = memchr(text + *at, '\n', len - *at);
	*l = (struct line){text + *at, nl ? (size_t)(nl - text - *at) : len - *at};
	*at += l->len + 1;
	return true;
}

/* 1 and the entry's fields, 0 none, -1 malformed (by name only). */
static int
find(const char *text, size_t len, const char *name, const uint64_t *uid, struct line f[7])
{
	size_t at = 0;
	struct line l;
	uint64_t u, g;

	while (each_line(text, len, &at, &l)) {
		size_t nf;
		bool good;

		if (skipped(l, PASSWD_LINE_MAX))
			continue;
		nf = fields(l, f, 7);
		good = nf == 7 && number(f[2], &u) && number(f[3], &g) && f[5].len <= USER_HOME_MAX;
		if (name && f[0].len == strlen(name) && memcmp(f[0].s, name, f[0].len) == 0)
			return good ? 1 : -1;
		if (!name && good && u == *uid)
			return 1;
	}
	return 0;
}

static bool
same(struct line f, const char *s)
{
	return s && f.len == strlen(s) && memcmp(f.s, s, f.len) == 0;
}

static void
check_passwd(const char *text, size_t len, const char *name)
{
	struct pw_ent pw = {0};
	struct ioc_err e = {0};
	struct line f[7];
	uint64_t uid, gid;
	int r = passwd_lookup(text, len, name, &pw, &e), want;

	if (!user_name_valid(name)) {
		FUZZ_CHECK(r < 0 && e.code == EINVAL, "the name '%s' is not valid", name);
		return;
	}
	want = find(text, len, name, NULL, f);
	if (want == 0 && number((struct line){name, strlen(name)}, &uid)) {
		want = find(text, len, NULL, &uid, f);
		if (want == 0) {
			FUZZ_CHECK(r == 0 && !pw.name && pw.uid == uid && pw.gid == uid &&
				       streq(pw.home, "/"),
				   "uid %s without an entry: got %d", name, r);
			pw_ent_free(&pw);
			return;
		}
	}
	if (want <= 0) {
		FUZZ_CHECK(r < 0 && e.code == (want == 0 ? ENOENT : EINVAL),
			   "'%s': want %s, got %d (%s)", name, want ? "EINVAL" : "ENOENT", r,
			   e.msg);
		if (fuzz_printable(name))
			FUZZ_CHECK_MSG(&e);
		return;
	}
	FUZZ_CHECK(r == 0, "'%s': want its entry, got %s", name, e.msg);
	number(f[2], &uid);
	number(f[3], &gid);
	FUZZ_CHECK(same(f[0], pw.name) && pw.uid == uid && pw.gid == gid &&
		       (f[5].len ? same(f[5], pw.home) : streq(pw.home, "/")),
		   "'%s': got %s %u %u %s", name, pw.name, pw.uid, pw.gid, pw.home);
	pw_ent_free(&pw);
}

static void
check_groups(const char *text, size_t len, const char *user, gid_t primary)
{
	cleanup_free gid_t *got = NULL;
	gid_t want[256];
	size_t n = 0, nwant = 1, at = 0;
	struct ioc_err e = {0};
	struct line l, f[4], m;
	uint64_t g;

	want[0] = primary;
	while (user && each_line(text, len, &at, &l)) {
		bool listed = false, dup = false;

		if (skipped(l, SIZE_MAX) || fields(l, f, 4) != 4 || !number(f[2], &g))
			continue;
		for (size_t i = 0, start = 0; i <= f[3].len && !listed; i++)
			if (i == f[3].len || f[3].s[i] == ',') {
				m = (struct line){f[3].s + start, i - start};
				listed = same(m, user);
				start = i + 1;
			}
		for (size_t i = 0; i < nwant; i++)
			dup = dup || want[i] == (gid_t)g;
		if (listed && !dup && nwant < ARRAY_SIZE(want))
			want[nwant++] = (gid_t)g;
	}
	FUZZ_CHECK(group_lookup(text, len, user, primary, &got, &n, &e) == 0, "groups: %s", e.msg);
	if (nwant == ARRAY_SIZE(want))
		return; /* more than the plain reading keeps */
	FUZZ_CHECK(n == nwant, "user %s: %zu groups, want %zu", user, n, nwant);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(got[i] == want[i], "user %s: group %zu is %u, want %u", user, i, got[i],
			   want[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t nlen = nl ? (size_t)(nl - data) : size;
	cleanup_free char *name = xstrndup((const char *)data, nlen);
	const char *text = nl ? (const char *)nl + 1 : "";
	size_t len = nl ? size - nlen - 1 : 0;

	check_passwd(text, len, name);
	check_groups(text, len, name, 1000);
	check_groups(text, len, NULL, 0);
	return 0;
}
