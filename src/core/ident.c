#include "core/ident.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

/* Candidates named in an "ambiguous" message; the rest are counted. */
#define RESOLVE_SHOW_MAX 10

static void
random_bytes(unsigned char *buf, size_t len)
{
	static const char msg[] = "iocage: no random numbers from the kernel\n";
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = getrandom(buf + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got == len)
		return;
	/* A UUID made of predictable bytes could collide with another jail's: better to stop. */
	(void)!write(2, msg, sizeof(msg) - 1);
	abort();
}

void
uuid_new(char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	size_t o = 0;

	random_bytes(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	for (size_t i = 0; i < sizeof(b); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 0xf];
	}
	out[o] = '\0';
}

static bool
is_dash_pos(size_t i)
{
	return i == 8 || i == 13 || i == 18 || i == 23;
}

/* The 8-4-4-4-12 shape; lower: lowercase hex only, else either case. */
static bool
uuid_shaped(const char *s, bool lower)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (i >= UUID_STRLEN)
			return false;
		if (is_dash_pos(i)) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (!lower && c >= 'A' && c <= 'F'))) {
			return false;
		}
	}
	return i == UUID_STRLEN;
}

bool
uuid_valid(const char *s)
{
	return uuid_shaped(s, true);
}

static bool
is_name_char(char c, const char *extra)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr(extra, c) != NULL);
}

/* The rules tags, releases and snapshots share: 1-max of letters, digits and extra, not
 * starting with '-' or '.' (an option, a hidden or relative path). what names the thing in
 * the message and allowed says in words what may be used. */
static int
name_validate(const char *what, const char *name, size_t max, const char *extra,
	      const char *allowed, struct ioc_err *e)
{
	char show[96], c[8];
	size_t len = strnlen(name, max + 1);

	str_shown(name, show, sizeof(show));
	if (len == 0)
		return err_set(e, EINVAL, "%s: the name is empty; use %s", what, allowed);
	if (len > max)
		return err_set(e, EINVAL, "%s '%s' is too long; use %s", what, show, allowed);
	if (name[0] == '-' || name[0] == '.')
		return err_set(e, EINVAL, "%s '%s' starts with '%c'; use %s", what, show, name[0],
			       allowed);
	for (size_t i = 0; i < len; i++) {
		if (is_name_char(name[i], extra))
			continue;
		str_shown((char[]){name[i], '\0'}, c, sizeof(c));
		return err_set(e, EINVAL, "%s '%s' has '%s', which is not allowed; use %s", what,
			       show, c, allowed);
	}
	return 0;
}

int
tag_validate(const char *tag, struct ioc_err *e)
{
	static const char allowed[] = "1-64 letters, digits, '.', '_' or '-', not starting with "
				      "'-' or '.'";
	static const char *const reserved[] = {"ALL", "default", "none"};

	if (name_validate("tag", tag, TAG_MAX, "._-", allowed, e) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcasecmp(tag, reserved[i]) == 0)
			return err_set(e, EINVAL,
				       "tag '%s' is a reserved word (ALL, default and none name no "
				       "single jail); choose another tag",
				       tag);
	/* A UUID-shaped tag would make "iocage start X" mean two different jails. */
	if (uuid_shaped(tag, false))
		return err_set(
		    e, EINVAL,
		    "tag '%s' looks like a UUID, which would make it ambiguous; choose a "
		    "tag of another shape",
		    tag);
	return 0;
}

void
tag_default(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (len == 0)
		return;
	if (!localtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%d_%H.%M.%S", &tm) == 0)
		(void)snprintf(buf, len, "%lld", (long long)t);
}

char *
tag_unique(const char *base, const struct strv *taken)
{
	char suffix[24];
	size_t keep;
	char *cand;

	for (unsigned long n = 1;; n++) {
		suffix[0] = '\0';
		if (n > 1)
			(void)snprintf(suffix, sizeof(suffix), "_%lu", n);
		keep = strnlen(base, TAG_MAX);
		if (keep > TAG_MAX - strlen(suffix))
			keep = TAG_MAX - strlen(suffix);
		cand = xasprintf("%.*s%s", (int)keep, base, suffix);
		if (!taken || !strv_contains(taken, cand))
			return cand;
		free(cand);
	}
}

int
release_name_validate(const char *name, struct ioc_err *e)
{
	return name_validate("release", name, 64, "._-",
			     "1-64 letters, digits, '.', '_' or '-', not starting with '-' or "
			     "'.' (such as 13.2-RELEASE)",
			     e);
}

int
snap_name_validate(const char *name, struct ioc_err *e)
{
	return name_validate("snapshot", name, 200, "._:-",
			     "1-200 letters, digits, '.', '_', ':' or '-', not starting with '-' "
			     "or '.'",
			     e);
}

/* Collects the indices an operand matches, in jail order. */
struct matches {
	size_t *v;
	size_t n;
};

static void
match_add(struct matches *m, size_t i)
{
	for (size_t k = 0; k < m->n; k++)
		if (m->v[k] == i)
			return;
	m->v[m->n++] = i;
}

static int
ambiguous(const struct ident *v, const struct matches *m, const char *operand, struct ioc_err *e)
{
	/* Keep the list short enough that the hint at the end always fits in e->msg. */
	const size_t budget = sizeof(e->msg) - 200;
	struct sbuf b = {0};
	char show[96], tag[96];
	size_t i;

	for (i = 0; i < m->n && i < RESOLVE_SHOW_MAX; i++) {
		const struct ident *id = &v[m->v[i]];
		size_t before = b.len;

		sbuf_addf(&b, "%s%s (%s)", i ? ", " : "", str_shown(id->uuid, show, sizeof(show)),
			  id->tag ? str_shown(id->tag, tag, sizeof(tag)) : "no tag");
		if (b.len > budget) {
			b.len = before;
			b.s[before] = '\0';
			break;
		}
	}
	if (i < m->n)
		sbuf_addf(&b, " and %zu more", m->n - i);
	err_set(e, EINVAL, "'%s' is ambiguous: it matches %s; give more of the UUID or the tag",
		str_shown(operand, show, sizeof(show)), sbuf_str(&b));
	sbuf_free(&b);
	return -1;
}

static int
resolve_found(const struct ident *v, struct matches *m, const char *operand, struct ioc_err *e)
{
	char show[96];

	if (m->n == 1)
		return (int)m->v[0];
	if (m->n > 1)
		return ambiguous(v, m, operand, e);
	return err_set(e, ENOENT, "no jail named '%s'", str_shown(operand, show, sizeof(show)));
}

int
ident_resolve(const struct ident *v, size_t n, const char *operand, struct ioc_err *e)
{
	size_t len = strlen(operand);
	struct matches m = {0};
	int ret;

	if (len == 0)
		return err_set(e, EINVAL, "an empty name names no jail; give a UUID or a tag");
	if (n > INT32_MAX)
		return err_set(e, EOVERFLOW, "too many jails");
	m.v = xcalloc(n, sizeof(*m.v));
	for (size_t i = 0; i < n; i++)
		if (v[i].tag && streq(v[i].tag, operand))
			match_add(&m, i);
	if (m.n == 0) {
		for (size_t i = 0; i < n; i++)
			if (streq(v[i].uuid, operand))
				match_add(&m, i);
	}
	/* A tag that is also the start of another jail's UUID names two jails: refuse rather
	 * than guess. A full UUID is unique by itself, so prefixes are only looked at when the
	 * operand is not one. */
	if (m.n <= 1 && !(m.n == 1 && streq(v[m.v[0]].uuid, operand))) {
		for (size_t i = 0; i < n; i++)
			if (strncmp(v[i].uuid, operand, len) == 0)
				match_add(&m, i);
	}
	ret = resolve_found(v, &m, operand, e);
	free(m.v);
	return ret;
}
