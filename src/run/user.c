/* Users of a jail, from the jail's own /etc/passwd and /etc/group. The files are the jail
 * root's to write: they are opened through the jail's root without leaving it, must be
 * regular and small, and are parsed with a length limit on everything. */
#include "run/user.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run/run.h"
#include "util/cleanup.h"
#include "util/str.h"
#include "util/syscalls.h"

#define JAIL_FILE_MAX (4U << 20)

/* A line of text and its fields, by pointer and length: the text is not ours to modify. */
struct span {
	const char *s;
	size_t len;
};

bool
user_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > USER_NAME_MAX || name[0] == '+' || name[0] == '-')
		return false;
	return strpbrk(name, ":,\n") == NULL;
}

static bool
span_eq(struct span a, const char *s)
{
	return a.len == strlen(s) && memcmp(a.s, s, a.len) == 0;
}

/* A uid or gid: decimal digits only, no sign, at most 4294967294 ((uid_t)-1 means "no
 * change" to setuid and is never a real id). */
static int
parse_id(struct span f, uint32_t *ret)
{
	uint64_t v = 0;

	if (f.len == 0 || f.len > 10)
		return -1;
	for (size_t i = 0; i < f.len; i++) {
		if (f.s[i] < '0' || f.s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(f.s[i] - '0');
	}
	if (v >= UINT32_MAX)
		return -1;
	*ret = (uint32_t)v;
	return 0;
}

/* The next line of text at *pos (without its newline); false at the end. */
static bool
next_line(const char *text, size_t len, size_t *pos, struct span *line)
{
	const char *nl;

	if (*pos >= len)
		return false;
	line->s = text + *pos;
	nl = memchr(line->s, '\n', len - *pos);
	line->len = nl ? (size_t)(nl - line->s) : len - *pos;
	*pos += line->len + 1;
	return true;
}

/* Split line on ':' into exactly n fields; -1 if it has another count. */
static int
split_fields(struct span line, struct span *f, size_t n)
{
	size_t k = 0, start = 0;

	for (size_t i = 0; i <= line.len; i++) {
		if (i < line.len && line.s[i] != ':')
			continue;
		if (k == n)
			return -1;
		f[k++] = (struct span){line.s + start, i - start};
		start = i + 1;
	}
	return k == n ? 0 : -1;
}

/* Lines not worth looking at: empty, comments, NIS compat (+/-), too long, binary. */
static bool
line_skipped(struct span l, size_t max)
{
	return l.len == 0 || l.s[0] == '#' || l.s[0] == '+' || l.s[0] == '-' || l.len > max ||
	       memchr(l.s, '\0', l.len) != NULL;
}

enum { PW_NAME, PW_PASSWD, PW_UID, PW_GID, PW_GECOS, PW_HOME, PW_SHELL, PW_NFIELDS };

/* The passwd entry named name, or (name NULL) the first of uid; its fields in f. 1 found, 0
 * not, -1 when the line of that name is malformed. */
static int
passwd_find(const char *text, size_t len, const char *name, uint32_t uid, struct span *f,
	    size_t *lineno)
{
	struct span line;
	size_t pos = 0;

	*lineno = 0;
	while (next_line(text, len, &pos, &line)) {
		uint32_t id;
		int ok;

		++*lineno;
		if (line_skipped(line, PASSWD_LINE_MAX))
			continue;
		ok = split_fields(line, f, PW_NFIELDS) == 0 && parse_id(f[PW_UID], &id) == 0 &&
		     parse_id(f[PW_GID], &(uint32_t){0}) == 0 && f[PW_HOME].len <= USER_HOME_MAX;
		if (name) {
			/* The name is the text before the first ':', whatever else is wrong. */
			const char *c = memchr(line.s, ':', line.len);
			struct span n = {line.s, c ? (size_t)(c - line.s) : line.len};

			if (span_eq(n, name))
				return ok ? 1 : -1;
		} else if (ok && id == uid) {
			return 1;
		}
	}
	return 0;
}

static int
pw_from_fields(const struct span *f, struct pw_ent *ret)
{
	uint32_t uid, gid;

	if (parse_id(f[PW_UID], &uid) < 0 || parse_id(f[PW_GID], &gid) < 0)
		return -1;
	ret->name = xstrndup(f[PW_NAME].s, f[PW_NAME].len);
	ret->uid = uid;
	ret->gid = gid;
	ret->home = f[PW_HOME].len ? xstrndup(f[PW_HOME].s, f[PW_HOME].len) : xstrdup("/");
	return 0;
}

int
passwd_lookup(const char *text, size_t len, const char *name, struct pw_ent *ret, struct ioc_err *e)
{
	struct span f[PW_NFIELDS] = {{0}};
	size_t lineno = 0;
	uint32_t uid = 0;
	int r;

	if (!user_name_valid(name))
		return err_set(e, EINVAL, "invalid user name '%.64s'", name);
	r = passwd_find(text, len, name, 0, f, &lineno);
	if (r < 0)
		return err_set(e, EINVAL, "line %zu: malformed entry for user %s", lineno, name);
	if (r == 0 && parse_id((struct span){name, strlen(name)}, &uid) == 0) {
		r = passwd_find(text, len, NULL, uid, f, &lineno);
		if (r == 0) {
			*ret = (struct pw_ent){NULL, uid, uid, xstrdup("/")};
			return 0;
		}
	}
	if (r == 0)
		return err_set(e, ENOENT, "no user %s", name);
	if (pw_from_fields(f, ret) < 0)
		return err_set(e, EINVAL, "line %zu: malformed entry for user %s", lineno, name);
	return 0;
}

void
pw_ent_free(struct pw_ent *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->home);
	p->name = p->home = NULL;
}

/* Is user one of the comma-separated members? */
static bool
has_member(struct span members, const char *user)
{
	size_t start = 0;

	for (size_t i = 0; i <= members.len; i++) {
		if (i < members.len && members.s[i] != ',')
			continue;
		if (span_eq((struct span){members.s + start, i - start}, user))
			return true;
		start = i + 1;
	}
	return false;
}

static bool
gid_listed(const gid_t *v, size_t n, gid_t g)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == g)
			return true;
	return false;
}

int
group_lookup(const char *text, size_t len, const char *user, gid_t primary, gid_t **ret, size_t *n,
	     struct ioc_err *e)
{
	cleanup_free gid_t *v = xmalloc(sizeof(*v));
	size_t cnt = 1, cap = 1, pos = 0;
	struct span line, f[4];

	v[0] = primary;
	while (user && next_line(text, len, &pos, &line)) {
		uint32_t gid;

		/* Group lines may list thousands of members: only the file's size bounds them. */
		if (line_skipped(line, SIZE_MAX) || split_fields(line, f, 4) < 0 ||
		    parse_id(f[2], &gid) < 0 || !has_member(f[3], user) || gid_listed(v, cnt, gid))
			continue;
		if (cnt == USER_GROUPS_MAX)
			return err_set(e, E2BIG, "user %s is in more than %d groups", user,
				       USER_GROUPS_MAX);
		if (cnt == cap) {
			cap *= 2;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[cnt++] = gid;
	}
	*ret = TAKE_PTR(v);
	*n = cnt;
	return 0;
}

/* ---- the files ---- */

/* Before openat2 (5.6): our paths are two fixed components; neither may be a symlink. */
static int
open_nofollow2(int rootfd, const char *path, int flags)
{
	const char *slash = strchr(path, '/');
	cleanup_close int dfd = -1;
	char dir[64];

	if (!slash || (size_t)(slash - path) >= sizeof(dir) || strchr(slash + 1, '/')) {
		errno = EINVAL;
		return -1;
	}
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	dfd = openat(rootfd, dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	return openat(dfd, slash + 1, flags | O_NOFOLLOW);
}

static int
openat2_in_root(int rootfd, const char *path, int flags)
{
	static int no_openat2;
	struct open_how how = {
	    .flags = (uint64_t)flags,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = -1;

	if (no_openat2)
		return open_nofollow2(rootfd, path, flags);
	/* EAGAIN: a rename raced the walk; the kernel asks us to try again. */
	for (int i = 0; i < 16; i++) {
		fd = sys_openat2(rootfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	if (fd < 0 && errno == ENOSYS) {
		no_openat2 = 1;
		return open_nofollow2(rootfd, path, flags);
	}
	return fd;
}

/* Open a regular file of the jail for reading. It is found and checked through an O_PATH
 * descriptor first, and only then opened, through that descriptor's /proc/self/fd link
 * (the very file checked, even if the name was replaced since): opening is not harmless
 * for what else the name could be. A FIFO's open wakes a writer that waits on it; a device
 * may act on open (a watchdog starts its timer, a tape rewinds). */
static int
open_jail_file(int rootfd, const char *path, struct stat *st, struct ioc_err *e)
{
	cleanup_close int pfd = -1, fd = -1;
	char link[32];
	struct stat st2;

	pfd = openat2_in_root(rootfd, path, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return err_sys(e, "open %s in the jail", path);
	if (fstat(pfd, st) < 0)
		return err_sys(e, "stat %s in the jail", path);
	if (!S_ISREG(st->st_mode))
		return err_set(e, EINVAL, "%s in the jail is not a regular file", path);
	if (st->st_size > (off_t)JAIL_FILE_MAX)
		return err_set(e, EFBIG, "%s in the jail is larger than %u bytes", path,
			       JAIL_FILE_MAX);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", pfd);
	fd = open(link, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open %s in the jail", path);
	if (fstat(fd, &st2) < 0 || st2.st_dev != st->st_dev || st2.st_ino != st->st_ino)
		return err_set(e, EAGAIN, "%s in the jail changed while it was opened", path);
	return TAKE_FD(fd);
}

/* Read a small regular file of the jail: a FIFO, a device or a huge file is refused. */
static int
read_jail_file(int rootfd, const char *path, char **ret, size_t *ret_len, struct ioc_err *e)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	size_t len = 0, cap;
	struct stat st;

	if ((fd = open_jail_file(rootfd, path, &st, e)) < 0)
		return -1;
	/* One byte more than the limit, to see a file that grows while we read it. */
	cap = (size_t)st.st_size + 4096;
	cap = cap > JAIL_FILE_MAX + 1 ? JAIL_FILE_MAX + 1 : cap;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (len == cap) {
			cap = cap * 2 > JAIL_FILE_MAX + 1 ? JAIL_FILE_MAX + 1 : cap * 2;
			buf = xrealloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, "read %s in the jail", path);
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > JAIL_FILE_MAX) /* it grew while we read */
			return err_set(e, EFBIG, "%s in the jail is larger than %u bytes", path,
				       JAIL_FILE_MAX);
	}
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static bool
is_number(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

int
jail_user_lookup(int rootfd, const char *name, struct enter_user *ret, char **home_buf,
		 struct ioc_err *e)
{
	cleanup_free char *pw = NULL, *gr = NULL;
	size_t pwlen = 0, grlen = 0, ngroups;
	struct pw_ent ent = {0};
	gid_t *groups = NULL;

	if (!user_name_valid(name))
		return err_set(e, EINVAL, "invalid user name '%.64s'", name);
	/* Without a passwd file only a bare uid can be run as. */
	if (read_jail_file(rootfd, "etc/passwd", &pw, &pwlen, e) < 0 &&
	    !(e->code == ENOENT && is_number(name)))
		return err_wrap(e, "user %s", name);
	if (passwd_lookup(pw ? pw : "", pwlen, name, &ent, e) < 0) {
		if (e->code == ENOENT)
			return err_set(e, ENOENT, "no user %s in the jail's etc/passwd", name);
		return err_wrap(e, "etc/passwd in the jail");
	}
	if (read_jail_file(rootfd, "etc/group", &gr, &grlen, e) < 0 && e->code != ENOENT) {
		pw_ent_free(&ent);
		return err_wrap(e, "user %s", name);
	}
	if (group_lookup(gr ? gr : "", grlen, ent.name, ent.gid, &groups, &ngroups, e) < 0) {
		pw_ent_free(&ent);
		return err_wrap(e, "etc/group in the jail");
	}
	free(ent.name);
	*home_buf = ent.home;
	*ret = (struct enter_user){ent.uid, ent.gid, groups, ngroups, ent.home};
	return 0;
}

void
enter_user_free(struct enter_user *u)
{
	if (!u)
		return;
	free(u->groups);
	u->groups = NULL;
	u->ngroups = 0;
}
