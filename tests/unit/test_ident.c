/* Identity: UUIDs, tags, release and snapshot names, and how an operand names a jail. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ident.h"
#include "tap.h"
#include "util/cleanup.h"
#include "util/str.h"

static void
test_uuid_new(void)
{
	char u[UUID_STRLEN + 1], prev[UUID_STRLEN + 1] = "";
	struct strv seen = {0};
	int valid = 0, v4 = 0, variant = 0, dups = 0;

	for (int i = 0; i < 200; i++) {
		memset(u, 'X', sizeof(u));
		uuid_new(u);
		valid += uuid_valid(u) && strlen(u) == UUID_STRLEN;
		v4 += u[14] == '4';
		variant += strchr("89ab", u[19]) != NULL;
		dups += strv_contains(&seen, u);
		strv_push(&seen, u);
		memcpy(prev, u, sizeof(u));
	}
	ok(valid == 200, "uuid_new gives valid lowercase UUIDs (%d/200)", valid);
	ok(v4 == 200, "uuid_new sets version 4");
	ok(variant == 200, "uuid_new sets the RFC 4122 variant");
	ok(dups == 0, "200 UUIDs are all different");
	ok(strcmp(prev, seen.v[0]) != 0, "the last differs from the first");
	strv_free(&seen);
}

static void
test_uuid_valid(void)
{
	ok(uuid_valid("0f0e0d0c-0b0a-4908-8706-050403020100"), "a lowercase UUID is valid");
	ok(uuid_valid("00000000-0000-0000-0000-000000000000"), "the nil UUID has the shape");
	ok(!uuid_valid("0F0E0D0C-0B0A-4908-8706-050403020100"), "upper case is not");
	ok(!uuid_valid("0f0e0d0c-0b0a-4908-8706-05040302010"), "35 characters is not");
	ok(!uuid_valid("0f0e0d0c-0b0a-4908-8706-0504030201000"), "37 characters is not");
	ok(!uuid_valid("0f0e0d0c0b0a-4908-8706-0504030201000"), "a missing dash is not");
	ok(!uuid_valid("0f0e0d0c-0b0a-4908-8706_050403020100"), "a wrong separator is not");
	ok(!uuid_valid("0f0e0d0g-0b0a-4908-8706-050403020100"), "a non-hex digit is not");
	ok(!uuid_valid("0f0e0d0c-0b0a-4908-8706-05040302010-"), "a dash in a hex place is not");
	ok(!uuid_valid(""), "the empty string is not");
}

static void
tag_bad(const char *tag, const char *want)
{
	struct ioc_err e = {0};
	int r = tag_validate(tag, &e);

	ok(r < 0 && e.code == EINVAL && str_has_prefix(e.msg, "tag") && strstr(e.msg, want),
	   "tag '%s' is refused", tag);
	if (r == 0 || !strstr(e.msg, want))
		printf("#   got '%s', want it to hold '%s'\n", e.msg, want);
}

static void
tag_good(const char *tag)
{
	struct ioc_err e = {0};
	int r = tag_validate(tag, &e);

	ok(r == 0, "tag '%s' is accepted", tag);
	if (r < 0)
		printf("#   %s\n", e.msg);
}

static void
test_tag_validate(void)
{
	char t[80];

	tag_good("web1");
	tag_good("a");
	tag_good("Web_1.prod-2");
	tag_good("2024-01-02_03.04.05");
	tag_good("0f0e0d0c"); /* hex, but a tag: resolution sorts out clashes */
	tag_good("ALLx");
	tag_good("defaults");
	tag_good("x.."); /* no '.' at the start */
	memset(t, 'a', 64);
	t[64] = '\0';
	tag_good(t);
	t[64] = 'a';
	t[65] = '\0';
	tag_bad(t, "too long");
	tag_bad("", "empty");
	tag_bad("a/b", "'/'");
	tag_bad("..", "starts with '.'");
	tag_bad(".hidden", "starts with '.'");
	tag_bad("-rf", "starts with '-'");
	tag_bad("a b", "' '");
	tag_bad("a@snap", "'@'");
	tag_bad("a:b", "':'");
	tag_bad("a\nb", "\\x0a");
	tag_bad("caf\xc3\xa9", "\\xc3");
	tag_bad("ALL", "reserved");
	tag_bad("all", "reserved");
	tag_bad("All", "reserved");
	tag_bad("NONE", "reserved");
	tag_bad("default", "reserved");
	tag_bad("DEFAULT", "reserved");
	tag_bad("none", "reserved");
	tag_bad("0f0e0d0c-0b0a-4908-8706-050403020100", "UUID");
	tag_bad("0F0E0D0C-0B0A-4908-8706-050403020100", "UUID");
	tag_bad("a/b", "1-64 letters, digits");
}

static void
test_tag_default(void)
{
	char buf[64];

	setenv("TZ", "UTC", 1);
	tzset();
	tag_default(1700000000, buf, sizeof(buf));
	is_str(buf, "2023-11-14_22.13.20", "tag_default formats local time");
	tag_default(0, buf, sizeof(buf));
	is_str(buf, "1970-01-01_00.00.00", "tag_default at the epoch");
	ok(tag_validate(buf, &(struct ioc_err){0}) == 0, "the default tag is a valid tag");
	setenv("TZ", "UTC-2", 1);
	tzset();
	tag_default(1700000000, buf, sizeof(buf));
	is_str(buf, "2023-11-15_00.13.20", "tag_default follows TZ");
	unsetenv("TZ");
	tzset();
}

static void
test_tag_unique(void)
{
	struct strv taken = {0};
	char base[80];
	char *t;

	t = tag_unique("web", &taken);
	is_str(t, "web", "a free tag is kept");
	free(t);
	t = tag_unique("web", NULL);
	is_str(t, "web", "no taken list");
	free(t);
	strv_push(&taken, "web");
	t = tag_unique("web", &taken);
	is_str(t, "web_2", "a taken tag gets _2");
	free(t);
	strv_push(&taken, "web_2");
	strv_push(&taken, "web_3");
	t = tag_unique("web", &taken);
	is_str(t, "web_4", "then _4 after _2 and _3");
	free(t);
	for (int i = 4; i <= 12; i++) {
		char name[16];

		(void)snprintf(name, sizeof(name), "web_%d", i);
		strv_push(&taken, name);
	}
	t = tag_unique("web", &taken);
	is_str(t, "web_13", "two-digit suffixes");
	free(t);

	memset(base, 'b', 64);
	base[64] = '\0';
	strv_push(&taken, base);
	t = tag_unique(base, &taken);
	ok(strlen(t) == TAG_MAX && str_has_suffix(t, "_2") && strncmp(t, base, 62) == 0,
	   "a 64-character base is cut to fit _2 (%s)", t);
	ok(tag_validate(t, &(struct ioc_err){0}) == 0, "and the result is a valid tag");
	strv_push(&taken, t);
	free(t);
	for (int i = 3; i <= 10; i++) {
		char name[80];

		(void)snprintf(name, sizeof(name), "%.*s_%d", 64 - (i < 10 ? 2 : 3), base, i);
		strv_push(&taken, name);
	}
	t = tag_unique(base, &taken);
	ok(strlen(t) == TAG_MAX && str_has_suffix(t, "_11"), "and cut further for _11 (%s)", t);
	free(t);

	memset(base, 'c', 70);
	base[70] = '\0';
	t = tag_unique(base, &taken);
	ok(strlen(t) == TAG_MAX, "a base longer than a tag is cut to 64");
	free(t);
	strv_free(&taken);
}

static void
name_check(int (*fn)(const char *, struct ioc_err *), const char *what, const char *name,
	   bool want_ok)
{
	struct ioc_err e = {0};
	int r = fn(name, &e);

	if (want_ok) {
		ok(r == 0, "%s '%s' is accepted", what, name);
		if (r < 0)
			printf("#   %s\n", e.msg);
	} else {
		ok(r < 0 && str_has_prefix(e.msg, what), "%s '%s' is refused", what, name);
		if (r == 0 || !str_has_prefix(e.msg, what))
			printf("#   got '%s'\n", e.msg);
	}
}

static void
test_release_snap(void)
{
	char n[220];

	name_check(release_name_validate, "release", "13.2-RELEASE", true);
	name_check(release_name_validate, "release", "bookworm", true);
	name_check(release_name_validate, "release", "debian_12", true);
	name_check(release_name_validate, "release", "", false);
	name_check(release_name_validate, "release", "../13.2", false);
	name_check(release_name_validate, "release", "13.2/RELEASE", false);
	name_check(release_name_validate, "release", "-13.2", false);
	name_check(release_name_validate, "release", ".13", false);
	name_check(release_name_validate, "release", "13.2 RELEASE", false);
	name_check(release_name_validate, "release", "13.2:x", false);
	memset(n, 'r', 64);
	n[64] = '\0';
	name_check(release_name_validate, "release", n, true);
	n[64] = 'r';
	n[65] = '\0';
	name_check(release_name_validate, "release", n, false);

	name_check(snap_name_validate, "snapshot", "ioc_update_13.2", true);
	name_check(snap_name_validate, "snapshot", "2024-01-02:03:04", true);
	name_check(snap_name_validate, "snapshot", "", false);
	name_check(snap_name_validate, "snapshot", "a@b", false);
	name_check(snap_name_validate, "snapshot", "a/b", false);
	name_check(snap_name_validate, "snapshot", "a#b", false);
	name_check(snap_name_validate, "snapshot", "-a", false);
	name_check(snap_name_validate, "snapshot", ".a", false);
	memset(n, 's', 200);
	n[200] = '\0';
	name_check(snap_name_validate, "snapshot", n, true);
	n[200] = 's';
	n[201] = '\0';
	name_check(snap_name_validate, "snapshot", n, false);
}

static const struct ident jails[] = {
    {"0a1b2c3d-0000-4000-8000-000000000001", "web"},
    {"0a1b2c3d-0000-4000-8000-000000000002", "db"},
    {"7f000000-0000-4000-8000-000000000003", "cafe"},
    {"cafe0000-0000-4000-8000-000000000004", "mail"},
    {"beef0000-0000-4000-8000-000000000005", "beef"}, /* a tag that is its own prefix */
    {"d0000000-0000-4000-8000-000000000006", NULL},
};

static void
resolves(const char *operand, int want, const char *what)
{
	struct ioc_err e = {0};
	int r = ident_resolve(jails, ARRAY_SIZE(jails), operand, &e);

	ok(r == want, "%s: '%s' names jail %d", what, operand, want);
	if (r != want)
		printf("#   got %d: %s\n", r, r < 0 ? e.msg : "");
}

static void
refused(const char *operand, int code, const char *want, const char *what)
{
	struct ioc_err e = {0};
	int r = ident_resolve(jails, ARRAY_SIZE(jails), operand, &e);

	ok(r == -1 && e.code == code && strstr(e.msg, want), "%s: '%s' is refused", what, operand);
	if (r != -1 || !strstr(e.msg, want))
		printf("#   got %d: '%s', want it to hold '%s'\n", r, e.msg, want);
}

static void
test_resolve(void)
{
	resolves("web", 0, "exact tag");
	resolves("db", 1, "exact tag");
	resolves("mail", 3, "exact tag");
	resolves("0a1b2c3d-0000-4000-8000-000000000002", 1, "full UUID");
	resolves("cafe0000-0000-4000-8000-000000000004", 3, "full UUID");
	resolves("7", 2, "one-character prefix");
	resolves("7f00", 2, "unique prefix");
	resolves("0a1b2c3d-0000-4000-8000-000000000001", 0, "full UUID of a look-alike");
	resolves("beef", 4, "tag that is a prefix of its own UUID");
	resolves("d", 5, "prefix of a jail without a tag");
	resolves("cafe0", 3, "prefix longer than the clashing tag");

	refused("0a1b", EINVAL,
		"'0a1b' is ambiguous: it matches 0a1b2c3d-0000-4000-8000-000000000001 (web), "
		"0a1b2c3d-0000-4000-8000-000000000002 (db); give more of the UUID or the tag",
		"ambiguous prefix");
	refused("cafe", EINVAL, "7f000000-0000-4000-8000-000000000003 (cafe)",
		"tag of one jail, prefix of another");
	refused("cafe", EINVAL, "cafe0000-0000-4000-8000-000000000004 (mail)",
		"tag of one jail, prefix of another");
	refused("0a1b2c3d-0000-4000-8000-0000000000", EINVAL, "ambiguous", "shared long prefix");
	refused("nosuch", ENOENT, "no jail named 'nosuch'", "no match");
	refused("WEB", ENOENT, "no jail named 'WEB'", "tags are exact");
	refused("we", ENOENT, "no jail named 'we'", "tags never match by prefix");
	refused("0A1B", ENOENT, "no jail named", "UUIDs are lower case");
	refused("", EINVAL, "empty", "empty operand");
	refused("x\033[2J", ENOENT, "'x\\x1b[2J'", "control characters are escaped");
}

static void
test_resolve_many(void)
{
	struct ident v[30];
	char uuids[30][UUID_STRLEN + 1], tags[30][70];
	struct ioc_err e = {0};
	int r;

	for (int i = 0; i < 30; i++) {
		(void)snprintf(uuids[i], sizeof(uuids[i]), "abcdef%02d-0000-4000-8000-000000000000",
			       i);
		memset(tags[i], 't', 64);
		(void)snprintf(tags[i] + 60, sizeof(tags[i]) - 60, "%04d", i);
		v[i].uuid = uuids[i];
		v[i].tag = tags[i];
	}
	r = ident_resolve(v, 30, "abc", &e);
	ok(r == -1 && strstr(e.msg, "ambiguous"), "30 jails sharing a prefix: ambiguous");
	ok(strstr(e.msg, "more; give more of the UUID or the tag") != NULL,
	   "the list is capped, the rest counted, and the hint still fits: %s", e.msg);
	ok(strstr(e.msg, uuids[0]) && !strstr(e.msg, uuids[10]), "at most 10 names are listed");
	ok(strlen(e.msg) < sizeof(e.msg) - 1, "the message is not cut off");
	for (int i = 0; i < 30; i++)
		v[i].tag = "s";
	r = ident_resolve(v, 30, "abc", &e);
	ok(r == -1 && strstr(e.msg, "and 20 more;"), "with short tags: 10 listed and 20 more");
	r = ident_resolve(v, 2, "abc", &e);
	ok(r == -1 && !strstr(e.msg, "more;"), "two candidates: no count");
	r = ident_resolve(v, 30, "abcdef29", &e);
	ok(r == 29, "a longer prefix picks one of 30");
	v[3].tag = "dup";
	v[7].tag = "dup";
	r = ident_resolve(v, 30, "dup", &e);
	ok(r == -1 && strstr(e.msg, uuids[3]) && strstr(e.msg, uuids[7]),
	   "a duplicate tag is ambiguous and lists both jails");
	r = ident_resolve(v, 0, "abc", &e);
	ok(r == -1 && e.code == ENOENT, "no jails: no match");
}

int
main(void)
{
	test_uuid_new();
	test_uuid_valid();
	test_tag_validate();
	test_tag_default();
	test_tag_unique();
	test_release_snap();
	test_resolve();
	test_resolve_many();
	return tap_done();
}
