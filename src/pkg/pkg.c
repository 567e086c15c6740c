#include "pkg/pkg.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/syscalls.h"

/* ---- the drivers ---- */

#define NOASK "DEBIAN_FRONTEND=noninteractive"
/* Config files the user changed are kept; new ones they never touched are taken. */
#define APT_KEEP "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold"

static const char *const apt_marks[] = {"etc/debian_version", NULL};
static const char *const apt_env[] = {NOASK, "APT_LISTCHANGES_FRONTEND=none", NULL};
static const char *const apt_install[] = {"apt-get", "-y", "-q", APT_KEEP, "install", NULL};
static const char *const apt_refresh[] = {"apt-get", "-q", "update", NULL};
static const char *const apt_upgrade[] = {"apt-get", "-y", "-q", APT_KEEP, "dist-upgrade", NULL};
static const char *const apt_resume[] = {
    "dpkg", "--force-confdef", "--force-confold", "--configure", "-a", NULL};
static const char *const apt_state[] = {"var/lib/dpkg", NULL};

static const char *const apk_marks[] = {"etc/alpine-release", "etc/apk/world", NULL};
static const char *const apk_install[] = {"apk", "add", "--no-progress", NULL};
static const char *const apk_refresh[] = {"apk", "update", "--no-progress", NULL};
static const char *const apk_upgrade[] = {"apk", "upgrade", "--no-progress", NULL};
static const char *const apk_distup[] = {"apk", "upgrade", "--available", "--no-progress", NULL};
static const char *const apk_resume[] = {"apk", "fix", "--no-progress", NULL};

static const char *const dnf_marks[] = {"etc/os-release", "usr/lib/os-release", NULL};
static const char *const dnf_install[] = {"dnf", "-y", "install", NULL};
static const char *const dnf_refresh[] = {"dnf", "-y", "makecache", NULL};
static const char *const dnf_upgrade[] = {"dnf", "-y", "upgrade", "--refresh", NULL};
/* "@RELEASEVER@" is replaced by the new release's VERSION_ID. */
static const char *const dnf_distup[] = {"dnf", "-y", "--releasever=@RELEASEVER@", "distro-sync",
					 NULL};
static const char *const dnf_state[] = {"var/lib/rpm", "var/lib/dnf", NULL};

static const struct pkg_driver drivers[] = {
    {
	.name = "apt",
	.bin = "/usr/bin/apt-get",
	.marks = apt_marks,
	.env = apt_env,
	.ops = {apt_install, apt_refresh, apt_upgrade, apt_upgrade, apt_resume},
	.sources = "etc/apt/sources.list",
	.sources_dir = "etc/apt/sources.list.d",
	.state = apt_state,
    },
    {
	.name = "apk",
	.bin = "/sbin/apk",
	.marks = apk_marks,
	.ops = {apk_install, apk_refresh, apk_upgrade, apk_distup, apk_resume},
	.sources = "etc/apk/repositories",
    },
    {
	.name = "dnf",
	.bin = "/usr/bin/dnf",
	.marks = dnf_marks,
	.ops = {dnf_install, dnf_refresh, dnf_upgrade, dnf_distup, NULL},
	.state = dnf_state,
    },
};

int
root_open(int rootfd, const char *path, int flags)
{
	struct open_how how = {.flags = (unsigned)flags | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};

	if (flags & O_CREAT)
		how.mode = 0600;
	return sys_openat2(rootfd, path, &how, sizeof(how));
}

static bool
root_has(int rootfd, const char *path)
{
	int fd = root_open(rootfd, path, O_PATH);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

const struct pkg_driver *
pkg_detect(int rootfd)
{
	for (size_t i = 0; i < ARRAY_SIZE(drivers); i++) {
		const struct pkg_driver *d = &drivers[i];

		if (!root_has(rootfd, d->bin + 1))
			continue;
		for (const char *const *m = d->marks; *m; m++)
			if (root_has(rootfd, *m))
				return d;
	}
	return NULL;
}

const struct pkg_driver *
pkg_driver_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(drivers); i++)
		if (streq(drivers[i].name, name))
			return &drivers[i];
	return NULL;
}

const char *
pkg_op_name(enum pkg_op op)
{
	static const char *const names[] = {"install", "refresh", "upgrade", "distribution upgrade",
					    "resume"};

	return op < PKG_OP_N ? names[op] : "?";
}

int
pkg_argv(const struct pkg_driver *d, enum pkg_op op, const struct strv *pkgs,
	 const char *releasever, struct strv *out, struct ioc_err *e)
{
	const char *const *a = op < PKG_OP_N ? d->ops[op] : NULL;

	if (!a)
		return err_set(e, ENOTSUP, "%s has no %s step", d->name, pkg_op_name(op));
	for (; *a; a++) {
		if (strstr(*a, "@RELEASEVER@")) {
			cleanup_free char *v = NULL;
			size_t n = 0;

			if (!releasever)
				return err_set(e, EINVAL, "%s needs the new release's version",
					       d->name);
			v = pkg_suite_replace(*a, "RELEASEVER", releasever, &n);
			/* "@x@" around the word: drop the markers. */
			strv_push_take(out, pkg_suite_replace(v, "@", "", &n));
		} else {
			strv_push(out, *a);
		}
	}
	for (size_t i = 0; op == PKG_INSTALL && pkgs && i < pkgs->n; i++)
		strv_push(out, pkgs->v[i]);
	return 0;
}

/* ---- pkglist ---- */

static bool
pkg_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 200 || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(".+_:=~-", s[i]))
			return false;
	return true;
}

int
pkglist_parse(const char *text, size_t len, struct strv *out, struct ioc_err *e)
{
	struct strv v = {0};
	size_t lineno = 0;

	if (len > PKGLIST_MAX)
		return err_set(e, EFBIG, "a pkglist has at most %d bytes", PKGLIST_MAX);
	if (memchr(text, '\0', len))
		return err_set(e, EINVAL, "the pkglist is not a text file (it holds a NUL byte)");
	for (size_t at = 0; at < len;) {
		const char *l = text + at, *nl = memchr(l, '\n', len - at);
		size_t n = nl ? (size_t)(nl - l) : len - at, b = 0;

		at += n + 1;
		lineno++;
		for (size_t i = 0; i < n; i++)
			if (l[i] == '#')
				n = i;
		while (b < n && isspace((unsigned char)l[b]))
			b++;
		while (n > b && isspace((unsigned char)l[n - 1]))
			n--;
		if (n == b)
			continue;
		if (!pkg_name_ok(l + b, n - b)) {
			strv_free(&v);
			return err_set(e, EINVAL,
				       "line %zu of the pkglist is not a package name (one name "
				       "per line: letters, digits and . + _ : = ~ -)",
				       lineno);
		}
		strv_push_take(&v, xstrndup(l + b, n - b));
	}
	if (!v.n)
		return err_set(e, EINVAL, "the pkglist names no package");
	*out = v;
	return 0;
}

int
pkglist_read(const char *path, struct strv *out, struct ioc_err *e)
{
	cleanup_close int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	struct stat st;
	ssize_t n;
	size_t got = 0;

	if (fd < 0 && errno == ELOOP)
		return err_set(e, ELOOP, "pkglist %s is a symbolic link; give the file itself",
			       path);
	if (fd < 0)
		return err_sys(e, "pkglist %s", path);
	if (fstat(fd, &st) < 0)
		return err_sys(e, "pkglist %s", path);
	if (!S_ISREG(st.st_mode))
		return err_set(e, EINVAL, "pkglist %s is not a regular file", path);
	if (st.st_size > PKGLIST_MAX)
		return err_set(e, EFBIG, "pkglist %s is larger than %d bytes", path, PKGLIST_MAX);
	buf = xmalloc(PKGLIST_MAX + 1);
	while ((n = read(fd, buf + got, PKGLIST_MAX + 1 - got)) > 0)
		got += (size_t)n;
	if (n < 0)
		return err_sys(e, "read pkglist %s", path);
	if (pkglist_parse(buf, got, out, e) < 0)
		return err_wrap(e, "%s", path);
	return 0;
}

/* ---- what a root is ---- */

static void
osrel_value(const char *v, size_t n, struct sbuf *b)
{
	char q = 0;

	if (n && (v[0] == '"' || v[0] == '\'')) {
		q = v[0];
		v++;
		n--;
		if (n && v[n - 1] == q)
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		if (q == '"' && v[i] == '\\' && i + 1 < n)
			i++;
		sbuf_addc(b, v[i]);
	}
}

void
osrel_parse(const char *text, struct kvlist *out)
{
	for (const char *l = text; *l;) {
		size_t n = strcspn(l, "\n");
		const char *eq = memchr(l, '=', n);

		if (eq && eq > l && l[0] != '#') {
			cleanup_free char *k = xstrndup(l, (size_t)(eq - l));
			struct sbuf v = {0};

			osrel_value(eq + 1, n - (size_t)(eq + 1 - l), &v);
			kvlist_set(out, k, sbuf_str(&v));
			sbuf_free(&v);
		}
		l += n;
		if (*l)
			l++;
	}
}

/* A one-line file's first line ("12.5", "trixie/sid") into key, when key is missing. */
static void
first_line(int rootfd, const char *path, const char *key, struct kvlist *out)
{
	cleanup_free char *s = NULL;
	struct ioc_err e;
	size_t len;

	if (kvlist_get(out, key) || root_read(rootfd, path, 4096, &s, &len, &e) < 0)
		return;
	s[strcspn(s, "\r\n")] = '\0';
	if (*s && isdigit((unsigned char)*s))
		kvlist_set(out, key, s);
}

int
pkg_os_info(int rootfd, struct kvlist *out, struct ioc_err *e)
{
	cleanup_free char *s = NULL;
	size_t len;

	if (root_read(rootfd, "etc/os-release", 65536, &s, &len, e) < 0 &&
	    root_read(rootfd, "usr/lib/os-release", 65536, &s, &len, e) < 0 && e->code != ENOENT)
		return -1;
	if (s)
		osrel_parse(s, out);
	first_line(rootfd, "etc/debian_version", "VERSION_ID", out);
	first_line(rootfd, "etc/alpine-release", "VERSION_ID", out);
	return 0;
}

const char *
pkg_os_version(const struct kvlist *info)
{
	static const struct {
		const char *name, *version;
	} debian[] = {
	    {"buster", "10"}, {"bullseye", "11"}, {"bookworm", "12"}, {"trixie", "13"},
	    {"forky", "14"},  {"duke", "15"},     {"testing", "98"},  {"sid", "99"},
	};
	const char *v = kvlist_get(info, "VERSION_ID"), *c = kvlist_get(info, "VERSION_CODENAME");

	if (v && *v)
		return v;
	for (size_t i = 0; c && i < ARRAY_SIZE(debian); i++)
		if (streq(c, debian[i].name))
			return debian[i].version;
	return NULL;
}

int
pkg_version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			unsigned long long x = strtoull(a, (char **)&a, 10);
			unsigned long long y = strtoull(b, (char **)&b, 10);

			if (x != y)
				return x < y ? -1 : 1;
			continue;
		}
		if (*a != *b) {
			/* "12" before "12.1": a shorter version is the older one. */
			if (!*a || !*b)
				return !*a ? -1 : 1;
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		}
		a++;
		b++;
	}
	return 0;
}

static bool
word_char(char c)
{
	return isalnum((unsigned char)c);
}

char *
pkg_suite_replace(const char *text, const char *old, const char *new, size_t *count)
{
	struct sbuf b = {0};
	size_t ol = strlen(old);

	*count = 0;
	for (const char *p = text; *p;) {
		bool at_word = ol && strncmp(p, old, ol) == 0 && (p == text || !word_char(p[-1])) &&
			       !word_char(p[ol]);

		/* Markers like "@" are not words: replace them wherever they are. */
		if (ol && !word_char(old[0]) && strncmp(p, old, ol) == 0)
			at_word = true;
		if (at_word) {
			sbuf_add(&b, new);
			p += ol;
			(*count)++;
		} else {
			sbuf_addc(&b, *p++);
		}
	}
	return sbuf_take(&b);
}

/* ---- files inside a root ---- */

int
root_read(int rootfd, const char *path, size_t max, char **ret, size_t *len, struct ioc_err *e)
{
	cleanup_close int fd = root_open(rootfd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
	cleanup_free char *buf = NULL;
	struct stat st;
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		return err_sys(e, "open %s in the jail", path);
	if (fstat(fd, &st) < 0)
		return err_sys(e, "stat %s in the jail", path);
	if (!S_ISREG(st.st_mode))
		return err_set(e, EINVAL, "%s in the jail is not a regular file", path);
	if ((uint64_t)st.st_size > max)
		return err_set(e, EFBIG, "%s in the jail is larger than %zu bytes", path, max);
	buf = xmalloc(max + 1);
	while (got < max + 1 && (n = read(fd, buf + got, max + 1 - got)) > 0)
		got += (size_t)n;
	if (got > max)
		return err_set(e, EFBIG, "%s in the jail is larger than %zu bytes", path, max);
	buf[got] = '\0';
	*len = got;
	*ret = TAKE_PTR(buf);
	return 0;
}

static int
write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write a new file leaf in dirfd atomically: a temporary name beside it, then rename. */
static int
write_at(int dirfd, const char *leaf, const char *data, size_t len, mode_t mode, uid_t uid,
	 gid_t gid, struct ioc_err *e)
{
	cleanup_free char *tmp = xasprintf(".iocage-tmp.%ld.%s", (long)getpid(), leaf);
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return err_sys(e, "create %s", tmp);
	if (write_all(fd, data, len) < 0 || fchown(fd, uid, gid) < 0 ||
	    fchmod(fd, mode & 07777) < 0 || fsync(fd) < 0) {
		err_sys(e, "write %s", leaf);
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	close(fd);
	if (renameat(dirfd, tmp, dirfd, leaf) < 0) {
		err_sys(e, "rename %s", leaf);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return 0;
}

int
root_write(int rootfd, const char *path, const char *data, size_t len, mode_t mode, uid_t uid,
	   gid_t gid, struct ioc_err *e)
{
	const char *slash = strrchr(path, '/');
	cleanup_free char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	cleanup_close int dfd = root_open(rootfd, dir, O_RDONLY | O_DIRECTORY);

	if (dfd < 0)
		return err_sys(e, "open %s in the jail", dir);
	return write_at(dfd, slash ? slash + 1 : path, data, len, mode, uid, gid, e);
}

/* ---- basejail etc merge ---- */

#define MERGE_MAX (8 * 1024 * 1024)

struct merge {
	struct merge_report *r;
	struct sbuf path; /* relative to etc, for the report */
	struct ioc_err *e;
};

/* A regular file's contents under dirfd (NULL and *st zeroed when missing, not regular or too
 * big: such files are never merged). */
static char *
slurp_at(int dirfd, const char *name, size_t *len, struct stat *st)
{
	cleanup_close int fd = -1;
	char *buf;
	size_t got = 0;
	ssize_t n;

	memset(st, 0, sizeof(*st));
	if (dirfd < 0)
		return NULL;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || st->st_size > MERGE_MAX) {
		st->st_mode = 0;
		return NULL;
	}
	buf = xmalloc((size_t)st->st_size + 1);
	while (got < (size_t)st->st_size &&
	       (n = read(fd, buf + got, (size_t)st->st_size - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* lstat of name under dirfd: the type, or 0 when missing. */
static mode_t
type_at(int dirfd, const char *name)
{
	struct stat st;

	if (dirfd < 0 || fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return st.st_mode & S_IFMT;
}

static char *
link_at(int dirfd, const char *name)
{
	char buf[4096];
	ssize_t n;

	if (dirfd < 0 || (n = readlinkat(dirfd, name, buf, sizeof(buf) - 1)) < 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

static void
note_kept(struct merge *m, const char *name)
{
	m->r->kept++;
	strv_push_take(&m->r->kept_paths, xasprintf("%s%s", sbuf_str(&m->path), name));
}

static int
merge_file(struct merge *m, int oldfd, int newfd, int jailfd, const char *name)
{
	cleanup_free char *nv = NULL, *ov = NULL, *jv = NULL, *beside = NULL;
	size_t nl = 0, ol = 0, jl = 0;
	struct stat ns, os, js;
	mode_t jt = type_at(jailfd, name);

	if (!(nv = slurp_at(newfd, name, &nl, &ns)))
		return 0;
	ov = slurp_at(oldfd, name, &ol, &os);
	if (!jt) {
		if (type_at(oldfd, name))
			return 0; /* the user removed it: it stays removed */
		m->r->added++;
		return write_at(jailfd, name, nv, nl, ns.st_mode, ns.st_uid, ns.st_gid, m->e);
	}
	if (jt != S_IFREG || !(jv = slurp_at(jailfd, name, &jl, &js)))
		return 0; /* the user made it something else: theirs */
	if (jl == nl && memcmp(jv, nv, nl) == 0)
		return 0;
	if (ov && jl == ol && memcmp(jv, ov, ol) == 0) {
		m->r->updated++;
		return write_at(jailfd, name, nv, nl, ns.st_mode, ns.st_uid, ns.st_gid, m->e);
	}
	note_kept(m, name);
	beside = xasprintf("%s.iocage-new", name);
	if (type_at(jailfd, beside) && type_at(jailfd, beside) != S_IFREG)
		return 0;
	return write_at(jailfd, beside, nv, nl, ns.st_mode, ns.st_uid, ns.st_gid, m->e);
}

static int
merge_link(struct merge *m, int oldfd, int newfd, int jailfd, const char *name)
{
	cleanup_free char *nt = link_at(newfd, name), *ot = link_at(oldfd, name);
	cleanup_free char *jt = link_at(jailfd, name), *tmp = NULL;
	mode_t t = type_at(jailfd, name);

	if (!nt || (jt && streq(jt, nt)))
		return 0;
	if (!t && type_at(oldfd, name))
		return 0; /* removed by the user */
	if (t && !(jt && ot && streq(jt, ot))) {
		if (t)
			note_kept(m, name);
		return 0;
	}
	tmp = xasprintf(".iocage-tmp.%ld.%s", (long)getpid(), name);
	if (symlinkat(nt, jailfd, tmp) < 0)
		return err_sys(m->e, "symlink %s%s", sbuf_str(&m->path), name);
	if (renameat(jailfd, tmp, jailfd, name) < 0) {
		unlinkat(jailfd, tmp, 0);
		return err_sys(m->e, "rename %s%s", sbuf_str(&m->path), name);
	}
	if (t)
		m->r->updated++;
	else
		m->r->added++;
	return 0;
}

static int merge_dir(struct merge *m, int oldfd, int newfd, int jailfd);

static int
merge_subdir(struct merge *m, int oldfd, int newfd, int jailfd, const char *name)
{
	cleanup_close int o = -1, n = -1, j = -1;
	size_t keep = m->path.len;
	struct stat st;
	int r;

	if (type_at(jailfd, name) == 0) {
		if (type_at(oldfd, name))
			return 0; /* removed by the user */
		if (fstatat(newfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    mkdirat(jailfd, name, st.st_mode & 07777) < 0)
			return err_sys(m->e, "mkdir %s%s", sbuf_str(&m->path), name);
		j = openat(jailfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (j >= 0 && fchown(j, st.st_uid, st.st_gid) < 0)
			return err_sys(m->e, "chown %s%s", sbuf_str(&m->path), name);
		m->r->added++;
	} else {
		j = openat(jailfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (j < 0)
		return 0; /* not a directory in the jail (or a symlink): the user's */
	n = openat(newfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (oldfd >= 0)
		o = openat(oldfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (n < 0)
		return 0;
	sbuf_addf(&m->path, "%s/", name);
	r = merge_dir(m, o, n, j);
	m->path.len = keep;
	m->path.s[keep] = '\0';
	return r;
}

static int
merge_dir(struct merge *m, int oldfd, int newfd, int jailfd)
{
	int dfd = dup(newfd);
	cleanup_closedir DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;
	int r = 0;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return err_sys(m->e, "read the release's etc/%s", sbuf_str(&m->path));
	}
	while (r == 0 && (de = readdir(d))) {
		const char *name = de->d_name;

		if (streq(name, ".") || streq(name, ".."))
			continue;
		switch (type_at(newfd, name)) {
		case S_IFDIR:
			r = merge_subdir(m, oldfd, newfd, jailfd, name);
			break;
		case S_IFREG:
			r = merge_file(m, oldfd, newfd, jailfd, name);
			break;
		case S_IFLNK:
			r = merge_link(m, oldfd, newfd, jailfd, name);
			break;
		default:
			break;
		}
	}
	return r;
}

int
pkg_etc_merge(int oldfd, int newfd, int jailfd, struct merge_report *r, struct ioc_err *e)
{
	struct merge m = {.r = r, .e = e};
	int ret = merge_dir(&m, oldfd, newfd, jailfd);

	sbuf_free(&m.path);
	return ret;
}

void
merge_report_free(struct merge_report *r)
{
	strv_free(&r->kept_paths);
}
