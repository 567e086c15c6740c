#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/str.h"

/* From <linux/fs.h>, which clashes with <sys/mount.h> on older glibc. */
#ifndef FICLONE
#define FICLONE _IOW(0x94, 9, int)
#endif

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

int
mkdir_p(const char *path, mode_t mode, struct ioc_err *e)
{
	cleanup_free char *p = xstrdup(path);
	struct stat st;
	char *c, saved;

	if (!*p)
		return err_set(e, EINVAL, "mkdir: empty path");
	if (streq(p, "/"))
		return 0;
	for (c = p + 1;; c++) {
		if (*c != '/' && *c != '\0')
			continue;
		saved = *c;
		*c = '\0';
		if (mkdir(p, mode) < 0) {
			if (errno != EEXIST)
				return err_sys(e, "mkdir %s", p);
			if (stat(p, &st) < 0)
				return err_sys(e, "stat %s", p);
			if (!S_ISDIR(st.st_mode))
				return err_set(e, ENOTDIR,
					       "mkdir %s: it exists and is not a directory", p);
		}
		if (!saved)
			return 0;
		*c = saved;
	}
}

/* ---- /proc/self/mountinfo ---- */

/* The kernel writes space, tab, newline and backslash in mountinfo as \ooo. */
void
mountinfo_unescape(char *s)
{
	char *w = s, *r = s;

	while (*r) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

char *
mountinfo_field(char **p)
{
	char *s = *p, *sp;

	if (!s)
		return NULL;
	sp = strchr(s, ' ');
	if (sp) {
		*sp = '\0';
		*p = sp + 1;
	} else {
		*p = NULL;
	}
	return s;
}

/* "ID PARENT MAJ:MIN ROOT TARGET OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS", split in
 * place. False when the line does not have that shape. */
static bool
parse_mountinfo(char *line, struct mount_ent *m)
{
	char *p = line, *f;
	int i;

	for (i = 0; i < 5; i++)
		if (!(f = mountinfo_field(&p)))
			return false;
	m->target = f;
	do {
		f = mountinfo_field(&p);
	} while (f && !streq(f, "-"));
	m->fstype = mountinfo_field(&p);
	m->source = mountinfo_field(&p);
	m->options = mountinfo_field(&p);
	if (!m->fstype || !m->source || !m->options)
		return false;
	mountinfo_unescape(m->target);
	mountinfo_unescape(m->fstype);
	mountinfo_unescape(m->source);
	mountinfo_unescape(m->options);
	return true;
}

static bool
mount_matches(const char *target, const char *canon, unsigned which)
{
	size_t len = strlen(canon);

	if (streq(target, canon))
		return which & MOUNTS_AT;
	if (!(which & MOUNTS_BELOW))
		return false;
	if (streq(canon, "/"))
		return target[0] == '/';
	return strncmp(target, canon, len) == 0 && target[len] == '/';
}

static void
mount_list_push(struct mount_list *l, const struct mount_ent *m)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n].target = xstrdup(m->target);
	l->v[l->n].fstype = xstrdup(m->fstype);
	l->v[l->n].source = xstrdup(m->source);
	l->v[l->n].options = xstrdup(m->options);
	l->n++;
}

void
mount_list_free(struct mount_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].target);
		free(l->v[i].fstype);
		free(l->v[i].source);
		free(l->v[i].options);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

int
mounts_find(const char *path, unsigned which, struct mount_list *out, struct ioc_err *e)
{
	cleanup_free char *canon = realpath(path, NULL);
	cleanup_fclose FILE *f = NULL;
	cleanup_free char *line = NULL;
	struct mount_ent m;
	size_t cap = 0;
	ssize_t n;

	if (!canon) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, "resolve %s", path);
	}
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return err_sys(e, "open /proc/self/mountinfo");
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (parse_mountinfo(line, &m) && mount_matches(m.target, canon, which))
			mount_list_push(out, &m);
	}
	if (ferror(f))
		return err_sys(e, "read /proc/self/mountinfo");
	return 0;
}

int
is_mountpoint(const char *path, struct ioc_err *e)
{
	struct mount_list l = {0};
	int r;

	if (mounts_find(path, MOUNTS_AT, &l, e) < 0)
		return -1;
	r = l.n > 0;
	mount_list_free(&l);
	return r;
}

/* ---- a set of inodes, for hard links ---- */

struct ino_ent {
	dev_t dev;
	ino_t ino;
	char *path; /* NULL: free slot */
};

struct inomap {
	struct ino_ent *v;
	size_t n, cap; /* cap is 0 or a power of two */
};

static size_t
ino_hash(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9E3779B97F4A7C15ULL ^ (uint64_t)dev * 0xC2B2AE3D27D4EB4FULL;

	return (size_t)(h ^ (h >> 29));
}

static struct ino_ent *
inomap_slot(struct inomap *m, dev_t dev, ino_t ino)
{
	size_t i = ino_hash(dev, ino) & (m->cap - 1);

	while (m->v[i].path && !(m->v[i].dev == dev && m->v[i].ino == ino))
		i = (i + 1) & (m->cap - 1);
	return &m->v[i];
}

static void
inomap_grow(struct inomap *m)
{
	struct inomap bigger = {.cap = m->cap ? m->cap * 2 : 256};

	bigger.v = xcalloc(bigger.cap, sizeof(*bigger.v));
	for (size_t i = 0; i < m->cap; i++)
		if (m->v[i].path)
			*inomap_slot(&bigger, m->v[i].dev, m->v[i].ino) = m->v[i];
	bigger.n = m->n;
	free(m->v);
	*m = bigger;
}

/* The path stored for (dev, ino), or NULL after storing path for it. */
static const char *
inomap_get_or_add(struct inomap *m, dev_t dev, ino_t ino, const char *path)
{
	struct ino_ent *s;

	if ((m->n + 1) * 2 > m->cap)
		inomap_grow(m);
	s = inomap_slot(m, dev, ino);
	if (s->path)
		return s->path;
	s->dev = dev;
	s->ino = ino;
	s->path = xstrdup(path);
	m->n++;
	return NULL;
}

static void
inomap_free(struct inomap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->v[i].path);
	free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
}

static void
path_push(struct sbuf *b, const char *name)
{
	if (b->len)
		sbuf_addc(b, '/');
	sbuf_add(b, name);
}

static void
path_pop(struct sbuf *b, size_t mark)
{
	b->len = mark;
	if (b->s)
		b->s[mark] = '\0';
}

static bool
is_dot(const char *name)
{
	return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/* Open path's parent directory and return its last component in *ret_base. */
static int
open_parent(const char *path, char **ret_base, struct ioc_err *e)
{
	cleanup_free char *p = xstrdup(path);
	size_t len = strlen(p);
	const char *dir = ".", *base = p;
	char *slash;
	int fd;

	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	slash = strrchr(p, '/');
	if (slash) {
		*slash = '\0';
		dir = slash == p ? "/" : p;
		base = slash + 1;
	}
	if (!*base || is_dot(base)) {
		err_set(e, EINVAL, "%s: not a path to a directory entry", path);
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err_sys(e, "open %s", dir);
		return -1;
	}
	*ret_base = xstrdup(base);
	return fd;
}

/* ---- rm_rf ---- */

/* A directory this deep is moved up to the top of the tree and removed from there on a later
 * pass: anyone who can write into a jail can nest directories deeper than our file-descriptor
 * limit, and that must not make destroy fail. */
#define RM_MAX_DEPTH  128
#define RM_MAX_PASSES 64

struct rm_ctx {
	int topfd;
	dev_t dev;
	unsigned seq;
	struct sbuf path; /* for messages */
	struct ioc_err *e;
};

static int rm_entry(struct rm_ctx *c, int dfd, const char *name, unsigned char type,
		    unsigned depth);

static int
rm_move_up(struct rm_ctx *c, int dfd, const char *name)
{
	char tmp[64];

	for (int tries = 0; tries < 1000; tries++) {
		snprintf(tmp, sizeof(tmp), ".rm_rf-deep-%u", c->seq++);
		if (renameat2(dfd, name, c->topfd, tmp, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno == EINVAL && renameat(dfd, name, c->topfd, tmp) == 0)
			return 0;
		if (errno != EEXIST && errno != ENOTEMPTY && errno != ENOTDIR)
			return err_sys(c->e, "move %s up to remove it", c->path.s);
	}
	return err_set(c->e, EEXIST, "move %s up to remove it: no free name", c->path.s);
}

/* One pass over a directory's entries; the caller retries while rmdir says ENOTEMPTY. */
static int
rm_contents(struct rm_ctx *c, int fd, unsigned depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		close(fd);
		return err_sys(c->e, "read %s", c->path.s);
	}
	for (errno = 0; (de = readdir(d)); errno = 0) {
		if (is_dot(de->d_name))
			continue;
		if ((r = rm_entry(c, dirfd(d), de->d_name, de->d_type, depth)) < 0)
			break;
	}
	if (r == 0 && errno)
		r = err_sys(c->e, "read %s", c->path.s);
	closedir(d);
	return r;
}

/* Empty the directory and remove it, passing over it again while rmdir finds it not empty:
 * readdir need not return entries made during the pass (directories moved up from below). */
static int
rm_dir(struct rm_ctx *c, int dfd, const char *name, unsigned depth)
{
	struct stat st;
	unsigned seq;
	int fd, stuck = 0;

	while (stuck < RM_MAX_PASSES) {
		fd = openat(dfd, name, DIR_FLAGS);
		if (fd < 0)
			return errno == ENOENT ? 0 : err_sys(c->e, "open %s", c->path.s);
		if (fstat(fd, &st) < 0) {
			close(fd);
			return err_sys(c->e, "stat %s", c->path.s);
		}
		if (st.st_dev != c->dev) {
			close(fd);
			return err_set(c->e, EBUSY, "%s is a mount point: not removing it",
				       c->path.s);
		}
		if (depth == 0)
			c->topfd = fd;
		seq = c->seq;
		if (rm_contents(c, fd, depth + 1) < 0)
			return -1;
		if (unlinkat(dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno != ENOTEMPTY && errno != EEXIST)
			return err_sys(c->e, "remove %s", c->path.s);
		if (seq == c->seq)
			stuck++;
	}
	return err_set(c->e, EBUSY, "remove %s: entries keep appearing in it", c->path.s);
}

static int
rm_entry(struct rm_ctx *c, int dfd, const char *name, unsigned char type, unsigned depth)
{
	size_t mark = c->path.len;
	struct stat st;
	int r = 0;

	path_push(&c->path, name);
	if (type == DT_UNKNOWN) {
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = errno == ENOENT ? 0 : err_sys(c->e, "stat %s", c->path.s);
			goto out;
		}
		type = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
	}
	if (type != DT_DIR) {
		if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
			goto out;
		if (errno != EISDIR) {
			r = err_sys(c->e, "remove %s", c->path.s);
			goto out;
		}
	}
	if (depth >= RM_MAX_DEPTH)
		r = rm_move_up(c, dfd, name);
	else
		r = rm_dir(c, dfd, name, depth);
out:
	path_pop(&c->path, mark);
	return r;
}

int
rm_rf(const char *path, struct ioc_err *e)
{
	struct rm_ctx c = {.topfd = -1, .e = e};
	struct mount_list ml = {0};
	cleanup_free char *base = NULL;
	cleanup_close int pfd = -1;
	struct stat st;
	int r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : err_sys(e, "stat %s", path);
	if ((pfd = open_parent(path, &base, e)) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(pfd, base, 0) < 0 && errno != ENOENT)
			return err_sys(e, "remove %s", path);
		return 0;
	}
	/* The st_dev check below misses bind mounts from the same filesystem: ask the kernel,
	 * and refuse before removing anything. */
	if (mounts_find(path, MOUNTS_AT | MOUNTS_BELOW, &ml, e) < 0)
		return -1;
	if (ml.n) {
		r = err_set(e, EBUSY, "not removing %s: %s is mounted there", path,
			    ml.v[ml.n - 1].target);
		mount_list_free(&ml);
		return r;
	}
	c.dev = st.st_dev;
	sbuf_add(&c.path, path);
	r = rm_dir(&c, pfd, base, 0);
	sbuf_free(&c.path);
	return r;
}

/* ---- copy_tree ---- */

struct cp_ctx {
	const char *src; /* for messages */
	int dstroot;
	dev_t dev;
	struct strv skip; /* mount points below src, relative to it */
	struct inomap links;
	struct sbuf rel; /* the current entry, relative to src and dst */
	copy_keep_fn keep;
	void *arg;
	bool no_clone;
	char *names, *val; /* XATTR_LIST_MAX and XATTR_SIZE_MAX bytes */
	struct ioc_err *e;
};

static int cp_contents(struct cp_ctx *c, int sfd, int dfd, unsigned depth);

static int
cp_fail(struct cp_ctx *c, const char *what)
{
	return err_sys(c->e, "copy %s%s%s: %s", c->src, c->rel.len ? "/" : "", sbuf_str(&c->rel),
		       what);
}

/* Labels from another policy mean nothing here, and a filesystem without a namespace cannot
 * hold it; trusted.* (overlay whiteouts, our own properties) must never be lost. */
static bool
xattr_skippable(const char *name, int err)
{
	if (str_has_prefix(name, "security.selinux"))
		return true;
	return (err == ENOTSUP || err == EOPNOTSUPP) && !str_has_prefix(name, "trusted.");
}

/* Extended attributes from sfd (or spath, not followed) to dfd (or dpath). */
static int
cp_xattrs(struct cp_ctx *c, int sfd, const char *spath, int dfd, const char *dpath)
{
	ssize_t n, v;
	char msg[300];
	int r;

	n = sfd >= 0 ? flistxattr(sfd, c->names, XATTR_LIST_MAX)
		     : llistxattr(spath, c->names, XATTR_LIST_MAX);
	if (n < 0)
		return errno == ENOTSUP ? 0 : cp_fail(c, "list extended attributes");
	for (char *p = c->names; p < c->names + n; p += strlen(p) + 1) {
		v = sfd >= 0 ? fgetxattr(sfd, p, c->val, XATTR_SIZE_MAX)
			     : lgetxattr(spath, p, c->val, XATTR_SIZE_MAX);
		if (v < 0) {
			if (errno == ENODATA)
				continue;
			snprintf(msg, sizeof(msg), "read extended attribute %s", p);
			return cp_fail(c, msg);
		}
		r = dfd >= 0 ? fsetxattr(dfd, p, c->val, (size_t)v, 0)
			     : lsetxattr(dpath, p, c->val, (size_t)v, 0);
		if (r < 0 && !xattr_skippable(p, errno)) {
			snprintf(msg, sizeof(msg), "set extended attribute %s", p);
			return cp_fail(c, msg);
		}
	}
	return 0;
}

/* Owner before mode (chown clears set-id bits), mode before xattrs (an ACL rewrites the group
 * bits, and chown drops security.capability), times last. */
static int
cp_meta_fd(struct cp_ctx *c, int sfd, int dfd, const struct stat *st)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};

	if (fchown(dfd, st->st_uid, st->st_gid) < 0)
		return cp_fail(c, "chown");
	if (fchmod(dfd, st->st_mode & 07777) < 0)
		return cp_fail(c, "chmod");
	if (cp_xattrs(c, sfd, NULL, dfd, NULL) < 0)
		return -1;
	if (futimens(dfd, ts) < 0)
		return cp_fail(c, "set times");
	return 0;
}

/* The same for entries that cannot be opened (symlinks, devices, fifos, sockets): by name in
 * our own new directory, never following the entry. */
static int
cp_meta_at(struct cp_ctx *c, int sdir, int ddir, const char *name, const struct stat *st)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	char sp[64 + NAME_MAX], dp[64 + NAME_MAX];

	if (fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return cp_fail(c, "chown");
	if (!S_ISLNK(st->st_mode) && fchmodat(ddir, name, st->st_mode & 07777, 0) < 0)
		return cp_fail(c, "chmod");
	snprintf(sp, sizeof(sp), "/proc/self/fd/%d/%s", sdir, name);
	snprintf(dp, sizeof(dp), "/proc/self/fd/%d/%s", ddir, name);
	if (cp_xattrs(c, -1, sp, -1, dp) < 0)
		return -1;
	if (utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return cp_fail(c, "set times");
	return 0;
}

/* [off, off + len) from in to out at the same offsets. */
static int
cp_range(int in, int out, off_t off, off_t len)
{
	static char buf[128 * 1024];
	bool plain = false;
	ssize_t n, w;

	while (len > 0) {
		size_t chunk = len > (1 << 30) ? (1 << 30) : (size_t)len;

		if (!plain) {
			loff_t io = off, oo = off;

			n = copy_file_range(in, &io, out, &oo, chunk, 0);
			if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
				      errno == EOPNOTSUPP || errno == EBADF)) {
				plain = true;
				continue;
			}
		} else {
			n = pread(in, buf, chunk < sizeof(buf) ? chunk : sizeof(buf), off);
			for (w = 0; n > 0 && w < n;) {
				ssize_t k = pwrite(out, buf + w, (size_t)(n - w), off + w);

				if (k < 0 && errno != EINTR)
					return -1;
				w += k > 0 ? k : 0;
			}
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) /* the file shrank while we copied it */
			break;
		off += n;
		len -= n;
	}
	return 0;
}

/* Reflink when the filesystem can; else the data segments only, so that sparse files
 * (lastlog, disk images) stay sparse. */
static int
cp_data(struct cp_ctx *c, int in, int out, off_t size)
{
	off_t off = 0, data, hole;

	if (!c->no_clone) {
		if (ioctl(out, FICLONE, in) == 0)
			return 0;
		if (errno == EOPNOTSUPP || errno == ENOTTY || errno == EXDEV || errno == ENOSYS)
			c->no_clone = true;
	}
	while (off < size) {
		data = lseek(in, off, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break;
		if (data < 0) {
			data = off;
			hole = size;
		} else {
			hole = lseek(in, data, SEEK_HOLE);
			if (hole < 0 || hole > size)
				hole = size;
		}
		if (data >= size)
			break;
		if (cp_range(in, out, data, hole - data) < 0)
			return -1;
		off = hole;
	}
	return ftruncate(out, size);
}

/* Opened by O_PATH and checked before the real open: in a running jail the entry may have been
 * swapped since we looked, and opening a device node can have effects of its own. */
static int
cp_open_reg(struct cp_ctx *c, int sdir, const char *name, struct stat *st)
{
	cleanup_close int p = openat(sdir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	char proc[64];
	int fd;

	if (p < 0)
		return errno == ENOENT ? -2 : cp_fail(c, "open");
	if (fstat(p, st) < 0)
		return cp_fail(c, "stat");
	if (!S_ISREG(st->st_mode)) {
		err_set(c->e, EAGAIN, "copy %s/%s: it changed while being copied", c->src,
			c->rel.s);
		return -1;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", p);
	fd = open(proc, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return cp_fail(c, "open");
	return fd;
}

static int
cp_reg(struct cp_ctx *c, int sdir, int ddir, const char *name)
{
	cleanup_close int in = -1, out = -1;
	struct stat st;

	in = cp_open_reg(c, sdir, name, &st);
	if (in < 0)
		return in == -2 ? 0 : -1; /* -2: gone since we looked */
	out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return cp_fail(c, "create");
	if (cp_data(c, in, out, st.st_size) < 0)
		return cp_fail(c, "copy data");
	if (cp_meta_fd(c, in, out, &st) < 0)
		return -1;
	if (close(TAKE_FD(out)) < 0)
		return cp_fail(c, "close");
	return 0;
}

static int
cp_symlink(struct cp_ctx *c, int sdir, int ddir, const char *name, const struct stat *st)
{
	char target[PATH_MAX];
	ssize_t n;

	n = readlinkat(sdir, name, target, sizeof(target));
	if (n < 0)
		return errno == ENOENT ? 0 : cp_fail(c, "read link");
	if ((size_t)n >= sizeof(target)) {
		errno = ENAMETOOLONG;
		return cp_fail(c, "read link");
	}
	target[n] = '\0';
	if (symlinkat(target, ddir, name) < 0)
		return cp_fail(c, "create link");
	return cp_meta_at(c, sdir, ddir, name, st);
}

static int
cp_node(struct cp_ctx *c, int sdir, int ddir, const char *name, const struct stat *st)
{
	if (mknodat(ddir, name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0)
		return cp_fail(c, "create node");
	return cp_meta_at(c, sdir, ddir, name, st);
}

static int
cp_dir(struct cp_ctx *c, int sdir, int ddir, const char *name, unsigned depth)
{
	cleanup_close int s = -1, d = -1;
	struct stat st;

	s = openat(sdir, name, DIR_FLAGS);
	if (s < 0)
		return errno == ENOENT ? 0 : cp_fail(c, "open");
	if (fstat(s, &st) < 0)
		return cp_fail(c, "stat");
	if (mkdirat(ddir, name, 0700) < 0)
		return cp_fail(c, "mkdir");
	d = openat(ddir, name, DIR_FLAGS);
	if (d < 0)
		return cp_fail(c, "open the copy");
	/* Another filesystem mounted here: its mount point comes along empty. */
	if (st.st_dev == c->dev && !strv_contains(&c->skip, c->rel.s))
		if (cp_contents(c, s, d, depth + 1) < 0)
			return -1;
	return cp_meta_fd(c, s, d, &st);
}

/* 1 when name was made a hard link to an earlier copy of the same inode. */
static int
cp_hardlink(struct cp_ctx *c, const struct stat *st, int ddir, const char *name)
{
	const char *first = inomap_get_or_add(&c->links, st->st_dev, st->st_ino, c->rel.s);

	if (!first)
		return 0;
	if (linkat(c->dstroot, first, ddir, name, 0) < 0)
		return cp_fail(c, "hard link");
	return 1;
}

static int
cp_entry(struct cp_ctx *c, int sdir, int ddir, const char *name, unsigned depth)
{
	size_t mark = c->rel.len;
	struct stat st;
	int r;

	path_push(&c->rel, name);
	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		r = errno == ENOENT ? 0 : cp_fail(c, "stat");
		goto out;
	}
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 && (r = cp_hardlink(c, &st, ddir, name)))
		goto out;
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		r = cp_dir(c, sdir, ddir, name, depth);
		break;
	case S_IFREG:
		r = cp_reg(c, sdir, ddir, name);
		break;
	case S_IFLNK:
		r = cp_symlink(c, sdir, ddir, name, &st);
		break;
	default:
		r = cp_node(c, sdir, ddir, name, &st);
	}
out:
	if (r > 0)
		r = 0;
	path_pop(&c->rel, mark);
	return r;
}

static int
cp_contents(struct cp_ctx *c, int sfd, int dfd, unsigned depth)
{
	int fd = fcntl(sfd, F_DUPFD_CLOEXEC, 3);
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return cp_fail(c, errno == EMFILE ? "open (directory tree too deep?)" : "open");
	}
	for (errno = 0; (de = readdir(d)); errno = 0) {
		if (is_dot(de->d_name))
			continue;
		if (depth == 0 && c->keep && !c->keep(sfd, de->d_name, c->arg))
			continue;
		if ((r = cp_entry(c, sfd, dfd, de->d_name, depth)) < 0)
			break;
	}
	if (r == 0 && errno)
		r = cp_fail(c, "read directory");
	closedir(d);
	return r;
}

/* Mount points below src, relative to it, to be copied as empty directories (the st_dev check
 * alone would miss bind mounts from the same filesystem). */
static int
cp_find_mounts(struct cp_ctx *c, const char *src)
{
	cleanup_free char *canon = realpath(src, NULL);
	struct mount_list ml = {0};
	size_t len;

	if (!canon)
		return err_sys(c->e, "resolve %s", src);
	if (mounts_find(canon, MOUNTS_BELOW, &ml, c->e) < 0)
		return -1;
	len = streq(canon, "/") ? 0 : strlen(canon);
	for (size_t i = 0; i < ml.n; i++)
		strv_push(&c->skip, ml.v[i].target + len + 1);
	mount_list_free(&ml);
	return 0;
}

static int
cp_root(struct cp_ctx *c, int s, const char *dst)
{
	cleanup_free char *base = NULL;
	cleanup_close int pfd = -1;
	struct stat st;

	if (fstat(s, &st) < 0)
		return err_sys(c->e, "stat %s", c->src);
	c->dev = st.st_dev;
	if ((pfd = open_parent(dst, &base, c->e)) < 0)
		return -1;
	if (mkdirat(pfd, base, 0700) < 0)
		return err_sys(c->e, "copy %s to %s", c->src, dst);
	c->dstroot = openat(pfd, base, DIR_FLAGS);
	if (c->dstroot < 0)
		return err_sys(c->e, "open %s", dst);
	if (cp_contents(c, s, c->dstroot, 0) < 0)
		return -1;
	return cp_meta_fd(c, s, c->dstroot, &st);
}

int
copy_tree_filter(const char *src, const char *dst, copy_keep_fn keep, void *arg, struct ioc_err *e)
{
	struct cp_ctx c = {.src = src, .dstroot = -1, .keep = keep, .arg = arg, .e = e};
	cleanup_close int s = -1;
	struct ioc_err e2;
	int r;

	s = open(src, DIR_FLAGS);
	if (s < 0)
		return err_sys(e, "copy %s", src);
	if (cp_find_mounts(&c, src) < 0) {
		strv_free(&c.skip);
		return -1;
	}
	c.names = xmalloc(XATTR_LIST_MAX);
	c.val = xmalloc(XATTR_SIZE_MAX);
	r = cp_root(&c, s, dst);
	if (r < 0 && c.dstroot >= 0)
		rm_rf(dst, &e2); /* we made it: leave nothing half-copied */
	if (c.dstroot >= 0)
		close(c.dstroot);
	free(c.names);
	free(c.val);
	sbuf_free(&c.rel);
	strv_free(&c.skip);
	inomap_free(&c.links);
	return r;
}

int
copy_tree(const char *src, const char *dst, struct ioc_err *e)
{
	return copy_tree_filter(src, dst, NULL, NULL, e);
}

/* ---- tree_usage ---- */

struct du_ctx {
	dev_t dev;
	struct inomap seen;
	uint64_t total;
	const char *top;
	struct ioc_err *e;
};

static int
du_dir(struct du_ctx *c, int fd)
{
	struct dirent *de;
	struct stat st;
	DIR *d = fdopendir(fd);
	int r = 0, sub;

	if (!d) {
		close(fd);
		return err_sys(c->e, "usage of %s", c->top);
	}
	for (errno = 0; r == 0 && (de = readdir(d)); errno = 0) {
		if (is_dot(de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				r = err_sys(c->e, "usage of %s: stat %s", c->top, de->d_name);
			continue;
		}
		if (S_ISDIR(st.st_mode) && st.st_dev != c->dev)
			continue; /* a mount: not ours to count */
		if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 &&
		    inomap_get_or_add(&c->seen, st.st_dev, st.st_ino, ""))
			continue;
		c->total += (uint64_t)st.st_blocks * 512;
		if (!S_ISDIR(st.st_mode))
			continue;
		sub = openat(dirfd(d), de->d_name, DIR_FLAGS);
		if (sub < 0) {
			if (errno != ENOENT)
				r = err_sys(c->e, "usage of %s: open %s", c->top, de->d_name);
			continue;
		}
		r = du_dir(c, sub);
	}
	if (r == 0 && errno)
		r = err_sys(c->e, "usage of %s", c->top);
	closedir(d);
	return r;
}

int
tree_usage(const char *path, uint64_t *ret, struct ioc_err *e)
{
	struct du_ctx c = {.top = path, .e = e};
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0)
		return err_sys(e, "usage of %s", path);
	c.total = (uint64_t)st.st_blocks * 512;
	if (S_ISDIR(st.st_mode)) {
		c.dev = st.st_dev;
		fd = open(path, DIR_FLAGS);
		if (fd < 0)
			return err_sys(e, "usage of %s", path);
		r = du_dir(&c, fd);
		inomap_free(&c.seen);
		if (r < 0)
			return -1;
	}
	*ret = c.total;
	return 0;
}

/* ---- whole files ---- */

int
read_file(const char *path, char **ret, size_t max, struct ioc_err *e)
{
	cleanup_close int fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	struct sbuf b = {0};
	char buf[8192];
	ssize_t n;

	if (fd < 0)
		return err_sys(e, "open %s", path);
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sbuf_free(&b);
			return err_sys(e, "read %s", path);
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max) {
			sbuf_free(&b);
			return err_set(e, EFBIG, "%s: larger than %zu bytes", path, max);
		}
		sbuf_addn(&b, buf, (size_t)n);
	}
	*ret = sbuf_take(&b);
	return 0;
}

static int
write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A reader sees the old file or the new one, never a part; after a crash, one of the two. */
int
write_file_atomic(const char *path, const char *data, size_t len, mode_t mode, struct ioc_err *e)
{
	cleanup_free char *dir = xstrdup(path), *tmp = NULL;
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : dir;
	cleanup_close int fd = -1, dfd = -1;

	if (!*base)
		return err_set(e, EINVAL, "write %s: not a file name", path);
	if (slash)
		*slash = '\0';
	tmp = xasprintf("%s/.%s.XXXXXX", slash ? dir : ".", base);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "write %s: create a temporary file", path);
	if (write_all(fd, data, len) < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0 ||
	    close(TAKE_FD(fd)) < 0 || rename(tmp, path) < 0) {
		err_sys(e, "write %s", path);
		unlink(tmp);
		return -1;
	}
	/* Make the rename itself durable; best effort. */
	dfd = open(!slash ? "." : slash == dir ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
	return 0;
}
