/* The package drivers' pure parts: pkglist parsing and its refusals, the argv of each driver's
 * steps, os-release and version order, the suite word in sources, driver detection inside a
 * root (a symlink out of it never counts), and the basejail etc merge on real directories. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/pkg.h"
#include "tap.h"
#include "util/fs.h"

static int
parse(const char *text, struct strv *out, struct ioc_err *e)
{
	*out = (struct strv){0};
	return pkglist_parse(text, strlen(text), out, e);
}

static void
test_pkglist(void)
{
	struct strv v;
	struct ioc_err e;

	ok(parse("# c\ncurl\n\n  jq  # why\r\nlibc6:amd64\ncurl=7.88.1-10\n", &v, &e) == 0 &&
	       v.n == 4,
	   "pkglist: comments, blanks, CRLF and trailing comments");
	is_str(v.n == 4 ? v.v[1] : NULL, "jq", "pkglist: a name trimmed of spaces and its comment");
	is_str(v.n == 4 ? v.v[3] : NULL, "curl=7.88.1-10", "pkglist: a version pin is a name");
	strv_free(&v);
	ok(parse("curl\nroot:$6$x$y:1:0:::\n", &v, &e) < 0 && strstr(e.msg, "line 2") &&
	       !strstr(e.msg, "root"),
	   "pkglist: a bad line is named by number, never shown");
	ok(parse("curl; rm -rf /\n", &v, &e) < 0, "pkglist: shell characters are refused");
	ok(parse("-o APT::x=y\n", &v, &e) < 0, "pkglist: a name cannot be an option");
	ok(parse("\n# only\n\n", &v, &e) < 0 && strstr(e.msg, "no package"),
	   "pkglist: a list naming nothing is refused");
	ok(pkglist_parse("a\0b\n", 4, &v, &e) < 0, "pkglist: a NUL byte is refused");
	{
		char *big = malloc(PKGLIST_MAX + 2);

		memset(big, 'a', PKGLIST_MAX + 1);
		big[PKGLIST_MAX + 1] = '\0';
		ok(pkglist_parse(big, PKGLIST_MAX + 1, &v, &e) < 0 && e.code == EFBIG,
		   "pkglist: past %d bytes is refused", PKGLIST_MAX);
		free(big);
	}
	ok(pkglist_read("/", &v, &e) < 0 && strstr(e.msg, "not a regular file"),
	   "pkglist_read: a directory is refused");
	ok(pkglist_read("/dev/zero", &v, &e) < 0 && strstr(e.msg, "not a regular file"),
	   "pkglist_read: a device is refused");
}

static char *
joined(const struct strv *v)
{
	struct sbuf b = {0};

	for (size_t i = 0; i < v->n; i++) {
		sbuf_add(&b, i ? " " : "");
		sbuf_add(&b, v->v[i]);
	}
	return sbuf_take(&b);
}

static void
test_argv(void)
{
	const struct pkg_driver *apt = pkg_driver_by_name("apt"), *dnf = pkg_driver_by_name("dnf");
	struct strv pk = {0}, out = {0};
	struct ioc_err e;
	char *s;

	strv_push(&pk, "curl");
	strv_push(&pk, "jq");
	ok(pkg_argv(apt, PKG_INSTALL, &pk, NULL, &out, &e) == 0, "apt install argv");
	s = joined(&out);
	is_str(s,
	       "apt-get -y -q -o Dpkg::Options::=--force-confdef -o "
	       "Dpkg::Options::=--force-confold install curl jq",
	       "apt install: non-interactive, config files kept, the packages last");
	free(s);
	strv_free(&out);
	ok(pkg_argv(dnf, PKG_DISTUP, NULL, "40", &out, &e) == 0, "dnf distro-sync argv");
	s = joined(&out);
	is_str(s, "dnf -y --releasever=40 distro-sync", "dnf: the new release's version is given");
	free(s);
	strv_free(&out);
	ok(pkg_argv(dnf, PKG_DISTUP, NULL, NULL, &out, &e) < 0, "dnf distro-sync needs a version");
	strv_free(&out);
	ok(pkg_argv(dnf, PKG_RESUME, NULL, NULL, &out, &e) < 0 && e.code == ENOTSUP,
	   "a step a driver lacks is ENOTSUP");
	strv_free(&out);
	strv_free(&pk);
}

static void
test_versions(void)
{
	struct kvlist k = {0};

	osrel_parse("# x\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"
		    "PRETTY_NAME='Debian \\\"x'\n",
		    &k);
	is_str(kvlist_get(&k, "VERSION_ID"), "12", "os-release: quotes removed");
	is_str(kvlist_get(&k, "ID"), "debian", "os-release: a bare value");
	is_str(pkg_os_version(&k), "12", "version: VERSION_ID");
	kvlist_free(&k);
	osrel_parse("VERSION_CODENAME=trixie\n", &k);
	is_str(pkg_os_version(&k), "13", "version: a Debian codename without VERSION_ID");
	kvlist_free(&k);
	osrel_parse("VERSION_CODENAME=sid\n", &k);
	is_str(pkg_os_version(&k), "99", "version: sid is the newest");
	kvlist_free(&k);
	osrel_parse("ID=x\n", &k);
	ok(pkg_os_version(&k) == NULL, "version: none known");
	kvlist_free(&k);
	ok(pkg_version_cmp("12", "13") < 0, "12 < 13");
	ok(pkg_version_cmp("3.9", "3.19") < 0, "3.9 < 3.19 (numbers, not text)");
	ok(pkg_version_cmp("12", "12.1") < 0, "12 < 12.1");
	ok(pkg_version_cmp("24.04", "24.04") == 0, "24.04 == 24.04");
	ok(pkg_version_cmp("0.5", "1") < 0, "0.5 < 1");
}

static void
test_suite(void)
{
	size_t n;
	char *s = pkg_suite_replace("deb http://m/debian bookworm main\n"
				    "deb http://m/debian bookworm-updates main\n"
				    "deb http://m/sec bookworm-security main\n"
				    "deb http://m/x notbookworm bookwormish main\n",
				    "bookworm", "trixie", &n);

	is_str(
	    s,
	    "deb http://m/debian trixie main\ndeb http://m/debian trixie-updates main\n"
	    "deb http://m/sec trixie-security main\ndeb http://m/x notbookworm bookwormish main\n",
	    "suite: whole words only, -updates and -security too");
	ok(n == 3, "suite: three replaced");
	free(s);
}

static char tmpl[] = "/tmp/ioc-test-pkg.XXXXXX";

static void
put(const char *rel, const char *text)
{
	char *p = xasprintf("%s/%s", tmpl, rel), *d = strdup(p);
	struct ioc_err e;
	FILE *f;

	*strrchr(d, '/') = '\0';
	mkdir_p(d, 0755, &e);
	f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(d);
	free(p);
}

static char *
get(const char *rel)
{
	char *p = xasprintf("%s/%s", tmpl, rel), *s = NULL;
	struct ioc_err e;

	if (read_file(p, &s, 4096, &e) < 0)
		s = NULL;
	free(p);
	return s;
}

static int
dirfd_of(const char *rel, int flags)
{
	char *p = xasprintf("%s/%s", tmpl, rel);
	int fd = open(p, flags | O_DIRECTORY | O_CLOEXEC);

	free(p);
	return fd;
}

static void
test_detect(void)
{
	char *out = xasprintf("%s/outside", tmpl), *lnk = xasprintf("%s/j/etc", tmpl);
	int fd;

	put("outside/debian_version", "12\n");
	put("j/usr/bin/apt-get", "");
	fd = dirfd_of("j", O_PATH);
	ok(pkg_detect(fd) == NULL, "detect: apt-get alone is not enough");
	ok(symlink(out, lnk) == 0, "a jail whose /etc is a symlink to a host directory");
	ok(pkg_detect(fd) == NULL, "detect: a symlink out of the root resolves inside it");
	unlink(lnk);
	put("j/etc/debian_version", "12\n");
	ok(pkg_detect(fd) && streq(pkg_detect(fd)->name, "apt"), "detect: apt");
	close(fd);
	free(out);
	free(lnk);
}

static void
check(const char *rel, const char *want, const char *name)
{
	char *s = get(rel);

	is_str(s, want, "%s", name);
	free(s);
}

static void
test_merge(void)
{
	struct merge_report r = {0};
	struct ioc_err e;
	int o, n, j;
	char *s;

	put("old/etc/same", "1\n");
	put("old/etc/mine", "1\n");
	put("old/etc/gone", "1\n");
	put("old/etc/sub/x", "1\n");
	put("new/etc/same", "2\n");
	put("new/etc/mine", "2\n");
	put("new/etc/gone", "2\n");
	put("new/etc/added", "2\n");
	put("new/etc/sub/x", "2\n");
	put("new/etc/newdir/y", "2\n");
	put("jail/etc/same", "1\n");
	put("jail/etc/mine", "edited\n");
	put("jail/etc/sub/x", "1\n");
	o = dirfd_of("old/etc", O_RDONLY);
	n = dirfd_of("new/etc", O_RDONLY);
	j = dirfd_of("jail/etc", O_RDONLY);
	ok(pkg_etc_merge(o, n, j, &r, &e) == 0, "merge runs");
	check("jail/etc/same", "2\n", "merge: an unchanged file is the new one");
	check("jail/etc/sub/x", "2\n", "merge: in subdirectories too");
	check("jail/etc/mine", "edited\n", "merge: the user's change is kept");
	check("jail/etc/mine.iocage-new", "2\n", "merge: the new one beside it");
	ok((s = get("jail/etc/gone")) == NULL, "merge: a file the user removed stays removed");
	free(s);
	check("jail/etc/added", "2\n", "merge: a new file is added");
	check("jail/etc/newdir/y", "2\n", "merge: a new directory is added");
	ok(r.kept == 1 && r.kept_paths.n == 1 && streq(r.kept_paths.v[0], "mine"),
	   "merge: the report names the kept file");
	merge_report_free(&r);
	close(o);
	close(n);
	close(j);
}

int
main(void)
{
	struct ioc_err e;

	test_pkglist();
	test_argv();
	test_versions();
	test_suite();
	if (!mkdtemp(tmpl)) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	test_detect();
	test_merge();
	rm_rf(tmpl, &e);
	return tap_done();
}
