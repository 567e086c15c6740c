/* The parsers of zfs -H output (src/store/zfs_parse.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/zfs_parse.h"
#include "tap.h"

/* Parse a copy of text; returns the parse's result, records in *r. */
static int
parse(const char *text, enum zfs_cols cols, struct zfs_recs *r, char **buf, struct ioc_err *e)
{
	*buf = xstrdup(text);
	*r = (struct zfs_recs){0};
	return zfs_parse_get(*buf, cols, r, e);
}

static void
test_get_good(void)
{
	struct ioc_err e = {0};
	struct zfs_recs r;
	char *buf;
	int rc;

	rc = parse("tank/iocage\ttype\tfilesystem\t-\n"
		   "tank/iocage/jails/a\tiocage:tag\tweb1\tlocal\n"
		   "tank/iocage/jails/a\tmountpoint\t/tank/iocage/jails/a\tdefault\n",
		   ZFS_COLS_NPVS, &r, &buf, &e);
	ok(rc == 0 && r.n == 3, "three records with source");
	is_str(r.v[0].name, "tank/iocage", "first name");
	is_str(r.v[0].prop, "type", "first property");
	is_str(r.v[0].value, "filesystem", "first value");
	is_str(r.v[0].source, "-", "first source");
	is_str(r.v[1].prop, "iocage:tag", "user property name");
	is_str(r.v[1].source, "local", "local source");
	is_str(r.v[2].value, "/tank/iocage/jails/a", "last value");
	zfs_recs_free(&r);
	free(buf);

	rc = parse("tank/a\tused\t12345", ZFS_COLS_NPV, &r, &buf, &e);
	ok(rc == 0 && r.n == 1, "a last line without newline");
	is_str(r.v[0].value, "12345", "its value");
	ok(r.v[0].source == NULL, "no source column, NULL source");
	zfs_recs_free(&r);
	free(buf);

	rc = parse("tank\tyes\nother\tno\n", ZFS_COLS_NV, &r, &buf, &e);
	ok(rc == 0 && r.n == 2, "name,value layout");
	ok(r.v[1].prop == NULL, "no property column, NULL property");
	is_str(r.v[1].name, "other", "second name");
	is_str(r.v[1].value, "no", "second value");
	zfs_recs_free(&r);
	free(buf);
}

static void
test_get_values(void)
{
	struct ioc_err e = {0};
	struct zfs_recs r;
	char *buf;
	int rc;

	rc = parse("p/a\tiocage:notes\ta note with  spaces \tlocal\n", ZFS_COLS_NPVS, &r, &buf, &e);
	ok(rc == 0 && r.n == 1, "value with spaces");
	is_str(r.v[0].value, "a note with  spaces ", "spaces kept verbatim");
	zfs_recs_free(&r);
	free(buf);

	rc = parse("p/a\tiocage:x\ta\tb\tc\tlocal\n", ZFS_COLS_NPVS, &r, &buf, &e);
	ok(rc == 0 && r.n == 1, "value with tabs, source column");
	is_str(r.v[0].value, "a\tb\tc", "tabs belong to the value");
	is_str(r.v[0].source, "local", "source is the last field");
	zfs_recs_free(&r);
	free(buf);

	rc = parse("p/a\tiocage:x\ta\tb\n", ZFS_COLS_NPV, &r, &buf, &e);
	ok(rc == 0 && r.n == 1 && streq(r.v[0].value, "a\tb"), "value with a tab, no source");
	zfs_recs_free(&r);
	free(buf);

	rc = parse("p/a\tiocage:x\t\tlocal\n", ZFS_COLS_NPVS, &r, &buf, &e);
	ok(rc == 0 && r.n == 1 && streq(r.v[0].value, ""), "empty value");
	zfs_recs_free(&r);
	free(buf);

	rc = parse("p/a\tmountpoint\t/p/a\tinherited from p\n", ZFS_COLS_NPVS, &r, &buf, &e);
	ok(rc == 0 && streq(r.v[0].source, "inherited from p"), "source with spaces");
	zfs_recs_free(&r);
	free(buf);
}

static void
test_get_bad(void)
{
	struct ioc_err e = {0};
	struct zfs_recs r;
	char *buf;
	int rc;

	rc = parse("p/a\tused\t1\t-\np/a\tused\n", ZFS_COLS_NPVS, &r, &buf, &e);
	ok(rc < 0 && e.code == EBADMSG && r.n == 0, "missing field fails the whole parse");
	ok(strstr(e.msg, "line 2") != NULL, "the error names the line: %s", e.msg);
	free(buf);

	rc = parse("p/a\n", ZFS_COLS_NV, &r, &buf, &e);
	ok(rc < 0, "a bare name is not a name,value record");
	free(buf);

	/* A newline in a value splits the record: the tail must not parse as a record. */
	rc = parse("p/a\tiocage:x\tevil\n\tlocal\n", ZFS_COLS_NPVS, &r, &buf, &e);
	ok(rc < 0, "the tail of a value with a newline is rejected");
	free(buf);

	rc = parse("\tused\t1\t-\n", ZFS_COLS_NPVS, &r, &buf, &e);
	ok(rc < 0, "empty name rejected");
	free(buf);

	rc = parse("p/a\t\t1\t-\n", ZFS_COLS_NPVS, &r, &buf, &e);
	ok(rc < 0, "empty property rejected");
	free(buf);

	rc = parse("p/a\tused\t1\t\n", ZFS_COLS_NPVS, &r, &buf, &e);
	ok(rc < 0, "empty source rejected");
	free(buf);

	rc = parse("p/a\tused\t1\t-\n\np/b\tused\t2\t-\n", ZFS_COLS_NPVS, &r, &buf, &e);
	ok(rc < 0, "empty line in the middle rejected");
	free(buf);

	rc = parse("p\tx\n", (enum zfs_cols)5, &r, &buf, &e);
	ok(rc < 0 && e.code == EINVAL, "unknown column layout rejected");
	free(buf);
}

/* pre, then n times fill, then post. */
static char *
make_line(const char *pre, char fill, size_t n, const char *post)
{
	struct sbuf b = {0};

	sbuf_add(&b, pre);
	for (size_t i = 0; i < n; i++)
		sbuf_addc(&b, fill);
	sbuf_add(&b, post);
	return sbuf_take(&b);
}

static void
test_get_limits(void)
{
	static const char pre[] = "p/a\tiocage:x\t", post[] = "\tlocal";
	size_t fixed = strlen(pre) + strlen(post);
	struct ioc_err e = {0};
	struct zfs_recs r;
	char *buf, *line;
	int rc;

	line = make_line(pre, 'v', ZFS_LINE_MAX - fixed + 1, "\tlocal\n");
	rc = parse(line, ZFS_COLS_NPVS, &r, &buf, &e);
	ok(rc < 0 && e.code == EBADMSG, "a line one byte over the limit is rejected");
	free(buf);
	free(line);

	line = make_line(pre, 'v', ZFS_LINE_MAX - fixed, "\tlocal\n");
	rc = parse(line, ZFS_COLS_NPVS, &r, &buf, &e);
	ok(rc == 0 && r.n == 1 && strlen(r.v[0].value) == ZFS_LINE_MAX - fixed,
	   "a line of exactly the limit parses");
	zfs_recs_free(&r);
	free(buf);
	free(line);

	line = make_line("", 'n', ZFS_NAME_MAX + 1, "\tused\t1\t-\n");
	rc = parse(line, ZFS_COLS_NPVS, &r, &buf, &e);
	ok(rc < 0, "overlong dataset name rejected");
	free(buf);
	free(line);

	line = make_line("", 'n', ZFS_NAME_MAX, "\tused\t1\t-\n");
	rc = parse(line, ZFS_COLS_NPVS, &r, &buf, &e);
	ok(rc == 0 && r.n == 1, "a name of the maximum length parses");
	zfs_recs_free(&r);
	free(buf);
	free(line);
}

static void
test_get_empty(void)
{
	struct ioc_err e = {0};
	struct zfs_recs r;
	char *buf;

	ok(parse("", ZFS_COLS_NPVS, &r, &buf, &e) == 0 && r.n == 0, "empty output, no record");
	zfs_recs_free(&r);
	free(buf);
	ok(parse("\n", ZFS_COLS_NPVS, &r, &buf, &e) < 0, "a lone empty line is malformed");
	free(buf);
}

static void
test_names(void)
{
	struct ioc_err e = {0};
	struct strv sv = {0};
	char *big;

	ok(zfs_parse_names("tank/iocage\ntank/iocage/jails\n", &sv, &e) == 0 && sv.n == 2,
	   "two names");
	is_str(sv.v[0], "tank/iocage", "first name");
	is_str(sv.v[1], "tank/iocage/jails", "second name");
	ok(zfs_parse_names("tank/x", &sv, &e) == 0 && sv.n == 3, "appended, no final newline");
	is_str(sv.v[2], "tank/x", "appended name");
	ok(zfs_parse_names("", &sv, &e) == 0 && sv.n == 3, "empty output adds nothing");
	ok(zfs_parse_names("a\nb\tc\n", &sv, &e) < 0 && sv.n == 3 && sv.v[3] == NULL,
	   "a tab fails the parse and adds nothing");
	ok(zfs_parse_names("a\n\nb\n", &sv, &e) < 0 && sv.n == 3, "empty line rejected");
	ok(strstr(e.msg, "line 2") != NULL, "the error names the line: %s", e.msg);
	big = make_line("", 'n', ZFS_NAME_MAX + 1, "\n");
	ok(zfs_parse_names(big, &sv, &e) < 0, "overlong name rejected");
	big[ZFS_NAME_MAX] = '\0';
	ok(zfs_parse_names(big, &sv, &e) == 0 && sv.n == 4, "a name of the maximum length");
	free(big);
	strv_free(&sv);
}

int
main(void)
{
	test_get_good();
	test_get_values();
	test_get_bad();
	test_get_limits();
	test_get_empty();
	test_names();
	return tap_done();
}
