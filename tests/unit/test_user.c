/* The parsers of a jail's /etc/passwd and /etc/group (src/run/user.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "run/user.h"
#include "tap.h"
#include "util/str.h"

static const char passwd[] = "# a comment:x:5:5::/nowhere:/bin/sh\n"
			     "root:x:0:0:root:/root:/bin/bash\n"
			     "\n"
			     "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
			     "+nis:x:7:7::/nis:/bin/sh\n"
			     "web:x:1000:1001:Web User,,,:/home/web:/bin/sh\n"
			     "nohome:x:1002:1002:::/bin/sh\n"
			     "2000:x:3000:3000::/home/numeric:/bin/sh\n"
			     "web:x:9999:9999::/dup:/bin/sh\n"
			     "short:x:1003\n"
			     "bigid:x:4294967295:1:::/bin/sh\n"
			     "wrapid:x:4294967296:1:::/bin/sh\n"
			     "signed:x:-1:1:::/bin/sh\n"
			     "plus:x:+5:1:::/bin/sh\n"
			     "toomany:x:5:5::/h:/bin/sh:extra\n"
			     "last:x:1234:1234::/home/last:/bin/sh"; /* no final newline */

static int
lookup(const char *text, const char *name, struct pw_ent *p, struct ioc_err *e)
{
	*p = (struct pw_ent){0};
	return passwd_lookup(text, strlen(text), name, p, e);
}

static void
test_passwd_normal(void)
{
	struct ioc_err e = {0};
	struct pw_ent p;

	ok(lookup(passwd, "root", &p, &e) == 0 && p.uid == 0 && p.gid == 0, "root is 0:0");
	is_str(p.home, "/root", "root's home");
	is_str(p.name, "root", "root's name");
	pw_ent_free(&p);
	ok(lookup(passwd, "web", &p, &e) == 0 && p.uid == 1000 && p.gid == 1001,
	   "web is 1000:1001 (the first of two entries wins)");
	is_str(p.home, "/home/web", "web's home");
	pw_ent_free(&p);
	ok(lookup(passwd, "nohome", &p, &e) == 0 && p.uid == 1002, "an empty gecos and home");
	is_str(p.home, "/", "an empty home is /");
	pw_ent_free(&p);
	ok(lookup(passwd, "last", &p, &e) == 0 && p.uid == 1234, "a last line without newline");
	pw_ent_free(&p);
	ok(lookup("x:x:1:2:::", "x", &p, &e) == 0 && p.uid == 1 && p.gid == 2, "a minimal entry");
	pw_ent_free(&p);
	ok(lookup("a:x:1:1::/a:/bin/sh\r\nb:x:2:2::/b:/bin/sh\n", "b", &p, &e) == 0 && p.uid == 2,
	   "CRLF line ends do not break the next line");
	pw_ent_free(&p);
}

static void
test_passwd_missing(void)
{
	struct ioc_err e = {0};
	struct pw_ent p;

	ok(lookup(passwd, "nosuchuser", &p, &e) < 0 && e.code == ENOENT, "an unknown user: ENOENT");
	ok(strstr(e.msg, "nosuchuser") != NULL, "the message names the user: %s", e.msg);
	ok(lookup(passwd, "# a comment", &p, &e) < 0, "a comment line is not an entry");
	ok(lookup(passwd, "+nis", &p, &e) < 0 && e.code == EINVAL, "a +NIS name is refused");
	ok(lookup(passwd, "nis", &p, &e) < 0 && e.code == ENOENT, "a +NIS line is no entry");
	ok(lookup("", "root", &p, &e) < 0 && e.code == ENOENT, "an empty file");
	ok(lookup(passwd, "ro", &p, &e) < 0 && e.code == ENOENT, "a prefix of a name is not it");
	ok(lookup(passwd, "root:x", &p, &e) < 0 && e.code == EINVAL,
	   "a name with ':' is refused (it would match a field boundary)");
	ok(lookup(passwd, "", &p, &e) < 0 && e.code == EINVAL, "an empty name is refused");
	ok(lookup(passwd, "a,b", &p, &e) < 0 && e.code == EINVAL, "a name with ',' is refused");
	ok(lookup(passwd, "a\nroot", &p, &e) < 0 && e.code == EINVAL,
	   "a name with a newline is refused");
}

static void
test_passwd_malformed(void)
{
	struct ioc_err e = {0};
	struct pw_ent p;

	ok(lookup(passwd, "short", &p, &e) < 0 && e.code == EINVAL,
	   "a line with missing fields for the user asked: EINVAL");
	ok(strstr(e.msg, "line 10") != NULL, "the message has the line number: %s", e.msg);
	ok(lookup(passwd, "toomany", &p, &e) < 0 && e.code == EINVAL, "a line with 8 fields");
	ok(lookup(passwd, "bigid", &p, &e) < 0 && e.code == EINVAL,
	   "uid 4294967295 ((uid_t)-1) is refused");
	ok(lookup(passwd, "wrapid", &p, &e) < 0 && e.code == EINVAL,
	   "uid 2^32 is refused, not wrapped to 0");
	ok(lookup(passwd, "signed", &p, &e) < 0 && e.code == EINVAL, "a negative uid");
	ok(lookup(passwd, "plus", &p, &e) < 0 && e.code == EINVAL, "a uid with a sign");
	ok(lookup("u:x:99999999999999999999:1:::\n", "u", &p, &e) < 0 && e.code == EINVAL,
	   "a 20-digit uid");
	ok(lookup("u:x::1:::\n", "u", &p, &e) < 0 && e.code == EINVAL, "an empty uid");
	ok(lookup("u:x:1:1:::\nu:x:2:2:::\n", "u", &p, &e) == 0 && p.uid == 1,
	   "a good first entry wins over a later one");
	pw_ent_free(&p);

	{
		const char bin[] = "u:x:1:1\0:::\nv:x:2:2:::\n";

		p = (struct pw_ent){0};
		ok(passwd_lookup(bin, sizeof(bin) - 1, "u", &p, &e) < 0 && e.code == ENOENT,
		   "a line with a NUL byte is skipped");
		ok(passwd_lookup(bin, sizeof(bin) - 1, "v", &p, &e) == 0 && p.uid == 2,
		   "the line after it still counts");
		pw_ent_free(&p);
	}
}

static void
test_passwd_overlong(void)
{
	struct ioc_err e = {0};
	struct sbuf b = {0};
	struct pw_ent p;
	char *gecos = xmalloc(PASSWD_LINE_MAX + 1);

	memset(gecos, 'g', PASSWD_LINE_MAX);
	gecos[PASSWD_LINE_MAX] = '\0';
	sbuf_addf(&b, "long:x:5:5:%s:/home/long:/bin/sh\nafter:x:6:6::/a:/bin/sh\n", gecos);
	ok(lookup(b.s, "long", &p, &e) < 0 && e.code == ENOENT,
	   "a line longer than %d bytes is ignored", PASSWD_LINE_MAX);
	ok(lookup(b.s, "after", &p, &e) == 0 && p.uid == 6, "the next line is read");
	pw_ent_free(&p);
	sbuf_free(&b);

	/* A home directory longer than PATH_MAX, within a line of allowed length. */
	gecos[USER_HOME_MAX + 1] = '\0';
	sbuf_addf(&b, "h:x:5:5::/%s:/bin/sh\n", gecos);
	ok(lookup(b.s, "h", &p, &e) < 0 && e.code == EINVAL, "a home past %d bytes", USER_HOME_MAX);
	sbuf_free(&b);
	free(gecos);

	{
		char name[USER_NAME_MAX + 2];

		memset(name, 'n', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		ok(lookup(passwd, name, &p, &e) < 0 && e.code == EINVAL, "a name past %d bytes",
		   USER_NAME_MAX);
	}
}

static void
test_passwd_numeric(void)
{
	struct ioc_err e = {0};
	struct pw_ent p;

	ok(lookup(passwd, "2000", &p, &e) == 0 && p.uid == 3000,
	   "a numeric name is a name first (2000 is uid 3000)");
	is_str(p.home, "/home/numeric", "its home");
	pw_ent_free(&p);
	ok(lookup(passwd, "1000", &p, &e) == 0 && p.uid == 1000 && p.gid == 1001,
	   "a number that is no name: the entry of that uid");
	is_str(p.name, "web", "whose name is found (for its groups)");
	is_str(p.home, "/home/web", "and its home");
	pw_ent_free(&p);
	ok(lookup(passwd, "4242", &p, &e) == 0 && p.uid == 4242 && p.gid == 4242,
	   "a number without entry: that uid, gid the same");
	ok(p.name == NULL, "no name");
	is_str(p.home, "/", "home /");
	pw_ent_free(&p);
	ok(lookup(passwd, "0", &p, &e) == 0 && p.uid == 0, "0 is root's entry");
	is_str(p.name, "root", "by uid");
	pw_ent_free(&p);
	ok(lookup(passwd, "4294967295", &p, &e) < 0 && e.code == ENOENT,
	   "(uid_t)-1 as a number is no uid");
	ok(lookup(passwd, "99999999999", &p, &e) < 0 && e.code == ENOENT,
	   "an overflowing number is no uid");
	ok(lookup("", "77", &p, &e) == 0 && p.uid == 77, "a bare uid with no passwd text");
	pw_ent_free(&p);
}

static const char group[] = "root:x:0:\n"
			    "# wheel:x:10:web\n"
			    "adm:x:4:syslog,web\n"
			    "web:x:1001:\n"
			    "www-data:x:33:web\n"
			    "webby:x:50:webber,xweb,web2\n"
			    "broken:x:60\n"
			    "badgid:x:-1:web\n"
			    "again:x:4:web\n"
			    "last:x:70:a,web";

static void
test_group(void)
{
	struct ioc_err e = {0};
	gid_t *g = NULL;
	size_t n = 0;

	ok(group_lookup(group, strlen(group), "web", 1001, &g, &n, &e) == 0, "groups of web");
	ok(n == 4 && g[0] == 1001 && g[1] == 4 && g[2] == 33 && g[3] == 70,
	   "primary first, then adm, www-data, last; a gid once; no prefix matches (n=%zu)", n);
	free(g);
	ok(group_lookup(group, strlen(group), NULL, 5, &g, &n, &e) == 0 && n == 1 && g[0] == 5,
	   "no user name: the primary group only");
	free(g);
	ok(group_lookup("", 0, "web", 7, &g, &n, &e) == 0 && n == 1 && g[0] == 7,
	   "an empty group file");
	free(g);
	ok(group_lookup(group, strlen(group), "syslog", 104, &g, &n, &e) == 0 && n == 2 &&
	       g[1] == 4,
	   "the first member of a list");
	free(g);
}

static void
test_group_large(void)
{
	struct ioc_err e = {0};
	struct sbuf b = {0};
	gid_t *g = NULL;
	size_t n = 0;

	/* A group line of a megabyte (thousands of members): read, not cut. */
	sbuf_add(&b, "big:x:500:");
	for (int i = 0; i < 100000; i++)
		sbuf_addf(&b, "member%d,", i);
	sbuf_add(&b, "web\n");
	ok(b.len > 1000000, "a group line of %zu bytes", b.len);
	ok(group_lookup(b.s, b.len, "web", 1, &g, &n, &e) == 0 && n == 2 && g[1] == 500,
	   "its last member is found");
	free(g);
	sbuf_free(&b);

	for (int i = 0; i < USER_GROUPS_MAX + 1; i++)
		sbuf_addf(&b, "g%d:x:%d:u\n", i, i + 1);
	ok(group_lookup(b.s, b.len, "u", 0, &g, &n, &e) < 0 && e.code == E2BIG,
	   "more than %d groups: E2BIG", USER_GROUPS_MAX);
	sbuf_free(&b);
}

int
main(void)
{
	test_passwd_normal();
	test_passwd_missing();
	test_passwd_malformed();
	test_passwd_overlong();
	test_passwd_numeric();
	test_group();
	test_group_large();
	return tap_done();
}
