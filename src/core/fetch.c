/* Releases: safe unpacking of rootfs archives, debootstrap, and the fetch flow that makes a
 * release appear completely or not at all (DESIGN.md section 8). */
#include "core/fetch.h"

#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "core/ident.h"
#include "core/lock.h"
#include "util/cleanup.h"
#include "util/run.h"
#include "util/str.h"

/* libarchive is loaded when an archive is unpacked, not when iocage starts: linking it made every
 * command (list, exec...) pay about 2 ms to map it and the dozen libraries it pulls in (ICU,
 * libxml2, nettle...). Each function is called through a pointer of its own declared type. */
#define LA_FUNCS(X)                                                                                \
	X(archive_entry_atime)                                                                     \
	X(archive_entry_atime_is_set)                                                              \
	X(archive_entry_atime_nsec)                                                                \
	X(archive_entry_filetype)                                                                  \
	X(archive_entry_gid)                                                                       \
	X(archive_entry_hardlink)                                                                  \
	X(archive_entry_mode)                                                                      \
	X(archive_entry_mtime)                                                                     \
	X(archive_entry_mtime_is_set)                                                              \
	X(archive_entry_mtime_nsec)                                                                \
	X(archive_entry_pathname)                                                                  \
	X(archive_entry_pathname_utf8)                                                             \
	X(archive_entry_rdev)                                                                      \
	X(archive_entry_size)                                                                      \
	X(archive_entry_size_is_set)                                                               \
	X(archive_entry_symlink)                                                                   \
	X(archive_entry_symlink_utf8)                                                              \
	X(archive_entry_uid)                                                                       \
	X(archive_entry_xattr_count)                                                               \
	X(archive_entry_xattr_next)                                                                \
	X(archive_entry_xattr_reset)                                                               \
	X(archive_errno)                                                                           \
	X(archive_error_string)                                                                    \
	X(archive_read_data_block)                                                                 \
	X(archive_read_free)                                                                       \
	X(archive_read_new)                                                                        \
	X(archive_read_next_header)                                                                \
	X(archive_read_open_filename)                                                              \
	X(archive_read_support_filter_all)                                                         \
	X(archive_read_support_format_all)

#define LA_DECLARE(f) static __typeof__(f) *la_##f;
LA_FUNCS(LA_DECLARE)

static int
la_load(struct ioc_err *e)
{
	static bool done;
	void *h;

	if (done)
		return 0;
	if (!(h = libarchive_open(e)))
		return -1;
#define LA_RESOLVE(f)                                                                              \
	if (!(la_##f = (__typeof__(la_##f))dlsym(h, #f)))                                          \
		return err_set(e, ENOSYS, "libarchive lacks %s", #f);
	LA_FUNCS(LA_RESOLVE)
#undef LA_RESOLVE
	done = true;
	return 0;
}

void *
libarchive_open(struct ioc_err *e)
{
	static void *h;

	if (!h && !(h = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL)))
		err_set(e, ENOENT, "cannot load libarchive (install libarchive13): %s", dlerror());
	return h;
}

/* ---- pure checks ---- */

/* Normalise path into out; `what` names it in errors ("archive entry", "hard link target"). */
static int
check_path(const char *what, const char *path, char *out, size_t outlen, struct ioc_err *e)
{
	const char *p = path;
	size_t n = 0;
	char show[128];

	str_shown(path, show, sizeof(show));
	if (!outlen)
		return err_set(e, ENAMETOOLONG, "%s '%s': name too long", what, show);
	out[0] = '\0';
	if (!*path)
		return err_set(e, EINVAL, "%s with an empty name", what);
	if (strlen(path) >= PATH_MAX)
		return err_set(e, ENAMETOOLONG, "%s '%s': name longer than %d bytes", what, show,
			       PATH_MAX - 1);
	if (path[0] == '/')
		return err_set(e, EPERM, "%s '%s': absolute paths are refused", what, show);
	while (*p) {
		size_t cl = strcspn(p, "/");

		if (cl == 2 && p[0] == '.' && p[1] == '.')
			return err_set(e, EPERM, "%s '%s': a '..' component is refused", what,
				       show);
		if (cl > NAME_MAX)
			return err_set(e, ENAMETOOLONG, "%s '%s': a component longer than %d bytes",
				       what, show, NAME_MAX);
		if (cl && !(cl == 1 && p[0] == '.')) {
			if (n + (n ? 1 : 0) + cl >= outlen)
				return err_set(e, ENAMETOOLONG, "%s '%s': name too long", what,
					       show);
			if (n)
				out[n++] = '/';
			memcpy(out + n, p, cl);
			n += cl;
		}
		p += cl;
		if (*p)
			p++;
	}
	out[n] = '\0';
	return 0;
}

int
archive_check_path(const char *path, char *out, size_t outlen, struct ioc_err *e)
{
	return check_path("archive entry", path, out, outlen, e);
}

int
archive_check_symlink(const char *path, const char *target, struct ioc_err *e)
{
	char norm[PATH_MAX], show[128], tshow[128];
	const char *p = target;
	long depth = 0;

	if (archive_check_path(path, norm, sizeof(norm), e) < 0)
		return -1;
	str_shown(path, show, sizeof(show));
	str_shown(target, tshow, sizeof(tshow));
	if (!*norm)
		return err_set(e, EPERM, "archive entry '%s': the root cannot be a symlink", show);
	if (!*target)
		return err_set(e, EINVAL, "archive entry '%s': empty symlink target", show);
	if (strlen(target) >= PATH_MAX)
		return err_set(e, ENAMETOOLONG, "archive entry '%s': symlink target too long",
			       show);
	/* Absolute targets resolve inside the jail's root when the jail runs; iocage itself
	 * never follows a link in a release on the host. */
	if (target[0] == '/')
		return 0;
	for (const char *s = norm; *s; s++)
		depth += *s == '/';
	while (*p) {
		size_t cl = strcspn(p, "/");

		if (cl == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return err_set(e, EPERM,
					       "archive entry '%s': symlink target '%s' leads out "
					       "of the root",
					       show, tshow);
		} else if (cl && !(cl == 1 && p[0] == '.')) {
			depth++;
		}
		p += cl;
		if (*p)
			p++;
	}
	return 0;
}

/* ---- unpacking ---- */

static int
sys_openat2(int dirfd, const char *path, struct open_how *how)
{
#ifdef SYS_openat2
	return (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
#else
	errno = ENOSYS;
	return -1;
#endif
}

/* A directory's owner, mode and times, applied after its contents are in. */
struct dirmeta {
	char *path; /* NULL once the directory was replaced */
	uid_t uid;
	gid_t gid;
	mode_t mode;
	struct timespec ts[2];
};

struct unpack {
	int rootfd; /* O_PATH of destdir */
	int pfd;    /* cached O_PATH of pdir, the parent of the last entry */
	char *pdir;
	bool openat2;     /* false: the kernel has none (or IOCAGE_NO_OPENAT2 is set, for tests) */
	const char *name; /* the entry being unpacked, as the archive spells it */
	struct dirmeta *dirs;
	size_t ndirs, capdirs;
	bool progress;
	unsigned long long files, bytes;
	struct timespec last;
};

static void
show_progress(struct unpack *u, bool final)
{
	struct timespec now;

	if (!u->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!final && (now.tv_sec - u->last.tv_sec) * 1000000000LL + now.tv_nsec - u->last.tv_nsec <
			  100000000LL)
		return;
	u->last = now;
	fprintf(stderr, "\r  unpacking: %llu files, %llu MiB%s", u->files, u->bytes >> 20,
		final ? "\n" : "");
}

/* Why a component `comp` (the prefix dir[0..plen) of the path) could not be opened. */
static int
walk_error(struct unpack *u, int cur, const char *comp, const char *what, const char *dir, int plen,
	   int saved, struct ioc_err *e)
{
	struct stat st;

	if ((saved == ENOTDIR || saved == ELOOP) &&
	    fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			return err_set(e, ELOOP,
				       "archive entry '%s'%s goes through the symlink '%.*s'",
				       u->name, what, plen, dir);
		return err_set(e, ENOTDIR, "archive entry '%s'%s: '%.*s' is not a directory",
			       u->name, what, plen, dir);
	}
	if (saved == ENOENT)
		return err_set(e, ENOENT, "archive entry '%s'%s: '%.*s' does not exist", u->name,
			       what, plen, dir);
	errno = saved;
	return err_sys(e, "archive entry '%s'%s: open '%.*s'", u->name, what, plen, dir);
}

/* Open dir (normalised, not "") one component at a time, never following a symlink; with
 * create, make missing components (0755, like tar). The last one is opened with oflags. Each
 * step is a single name that is neither "." nor "..", opened O_NOFOLLOW below an fd we hold,
 * so this is as safe as openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) on kernels without it. */
static int
walk_dir(struct unpack *u, const char *dir, int oflags, bool create, const char *what,
	 struct ioc_err *e)
{
	char comp[NAME_MAX + 1];
	const char *p = dir;
	int cur = u->rootfd, next;

	while (*p) {
		size_t n = strcspn(p, "/");
		int fl = p[n] ? O_PATH : oflags;

		memcpy(comp, p, n);
		comp[n] = '\0';
		next = openat(cur, comp, fl | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST)
				next = -1;
			else
				next = openat(cur, comp, fl | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0) {
			int r = walk_error(u, cur, comp, what, dir, (int)(p - dir + n), errno, e);

			if (cur != u->rootfd)
				close(cur);
			return r;
		}
		if (cur != u->rootfd)
			close(cur);
		cur = next;
		p += n;
		if (*p)
			p++;
	}
	return cur;
}

/* An fd (opened with oflags, O_PATH or O_RDONLY) of directory dir below the root, refusing any
 * symlink on the way: a link that is in the archive may point anywhere on the host. */
static int
resolve_dir(struct unpack *u, const char *dir, int oflags, bool create, const char *what,
	    struct ioc_err *e)
{
	struct open_how how = {
	    .flags = (unsigned)(oflags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC),
	    .resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	int fd;

	if (u->openat2) {
		fd = sys_openat2(u->rootfd, dir, &how);
		if (fd >= 0)
			return fd;
		if (errno == ENOSYS)
			u->openat2 = false;
	}
	/* Missing parents, errors that need naming, and old kernels. */
	return walk_dir(u, dir, oflags, create, what, e);
}

static void
forget_parent(struct unpack *u)
{
	if (u->pfd >= 0)
		close(u->pfd);
	u->pfd = -1;
	free(u->pdir);
	u->pdir = NULL;
}

/* The directory that holds entry rel (borrowed: the root or the cached parent), and the leaf. */
static int
parent_fd(struct unpack *u, const char *rel, const char **leaf, struct ioc_err *e)
{
	const char *slash = strrchr(rel, '/');
	size_t dl;
	int fd;

	*leaf = slash ? slash + 1 : rel;
	if (!slash)
		return u->rootfd;
	dl = (size_t)(slash - rel);
	if (u->pfd >= 0 && strlen(u->pdir) == dl && memcmp(u->pdir, rel, dl) == 0)
		return u->pfd;
	forget_parent(u);
	u->pdir = xstrndup(rel, dl);
	fd = resolve_dir(u, u->pdir, O_PATH, true, "", e);
	if (fd < 0) {
		forget_parent(u);
		return -1;
	}
	u->pfd = fd;
	return fd;
}

static void
dirs_forget(struct unpack *u, const char *rel)
{
	for (size_t i = 0; i < u->ndirs; i++) {
		if (u->dirs[i].path && streq(u->dirs[i].path, rel)) {
			free(u->dirs[i].path);
			u->dirs[i].path = NULL;
		}
	}
}

static void
entry_times(struct archive_entry *ae, struct timespec ts[2])
{
	ts[1].tv_sec = 0;
	ts[1].tv_nsec = UTIME_OMIT;
	if (la_archive_entry_mtime_is_set(ae)) {
		ts[1].tv_sec = la_archive_entry_mtime(ae);
		ts[1].tv_nsec = la_archive_entry_mtime_nsec(ae);
	}
	ts[0] = ts[1];
	if (la_archive_entry_atime_is_set(ae)) {
		ts[0].tv_sec = la_archive_entry_atime(ae);
		ts[0].tv_nsec = la_archive_entry_atime_nsec(ae);
	}
}

/* Remember (or, for a duplicate entry, update) a directory's metadata for the end. */
static void
dirs_record(struct unpack *u, const char *rel, struct archive_entry *ae)
{
	struct dirmeta *d = NULL;

	for (size_t i = u->ndirs; i-- > 0 && !d;)
		if (u->dirs[i].path && streq(u->dirs[i].path, rel))
			d = &u->dirs[i];
	if (!d) {
		if (u->ndirs == u->capdirs) {
			u->capdirs = u->capdirs ? 2 * u->capdirs : 64;
			u->dirs = xrealloc(u->dirs, u->capdirs * sizeof(*u->dirs));
		}
		d = &u->dirs[u->ndirs++];
		d->path = xstrdup(rel);
	}
	d->uid = (uid_t)la_archive_entry_uid(ae);
	d->gid = (gid_t)la_archive_entry_gid(ae);
	d->mode = la_archive_entry_mode(ae) & 07777;
	entry_times(ae, d->ts);
}

/* Make room for a new entry at leaf where something already is (a duplicate in the archive):
 * files, links and nodes are replaced, an empty directory too; a full one is an error. */
static int
remove_leaf(struct unpack *u, int pfd, const char *leaf, const char *rel, struct ioc_err *e)
{
	struct stat st;

	if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, "archive entry '%s'", u->name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(pfd, leaf, 0) < 0)
			return err_sys(e, "archive entry '%s': replace the existing file", u->name);
		return 0;
	}
	if (unlinkat(pfd, leaf, AT_REMOVEDIR) < 0)
		return err_sys(e, "archive entry '%s': replace the existing directory", u->name);
	dirs_forget(u, rel);
	return 0;
}

/* A creation failed with errno: if something is in the way (a duplicate entry), remove it so
 * that the caller tries once more (0); otherwise fail naming op. */
static int
make_room(struct unpack *u, int pfd, const char *leaf, const char *rel, const char *op,
	  struct ioc_err *e)
{
	if (errno != EEXIST)
		return err_sys(e, "archive entry '%s': %s", u->name, op);
	return remove_leaf(u, pfd, leaf, rel, e);
}

static int
set_xattrs(struct unpack *u, int fd, int pfd, const char *leaf, struct archive_entry *ae,
	   struct ioc_err *e)
{
	char path[PATH_MAX];
	const char *name;
	const void *val;
	size_t size;
	int r;

	if (la_archive_entry_xattr_reset(ae) == 0)
		return 0;
	/* Links and nodes cannot be opened for fsetxattr: name them through their directory's
	 * fd; lsetxattr does not follow the leaf. */
	if (fd < 0)
		snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", pfd, leaf);
	while (la_archive_entry_xattr_next(ae, &name, &val, &size) == ARCHIVE_OK) {
		/* Overlay metadata would steer the dir backend's overlayfs when the release is a
		 * lower layer; a rootfs archive has no business carrying it. */
		if (str_has_prefix(name, "trusted.overlay."))
			continue;
		r = fd >= 0 ? fsetxattr(fd, name, val, size, 0)
			    : lsetxattr(path, name, val, size, 0);
		if (r < 0 && errno != ENOTSUP)
			return err_sys(e, "archive entry '%s': set xattr %s", u->name, name);
	}
	return 0;
}

/* Owner, then mode (chown clears setuid bits), then xattrs (chown drops security.capability),
 * then times. */
static int
set_meta_fd(struct unpack *u, int fd, struct archive_entry *ae, struct ioc_err *e)
{
	struct timespec ts[2];

	if (fchown(fd, (uid_t)la_archive_entry_uid(ae), (gid_t)la_archive_entry_gid(ae)) < 0)
		return err_sys(e, "archive entry '%s': chown", u->name);
	if (fchmod(fd, la_archive_entry_mode(ae) & 07777) < 0)
		return err_sys(e, "archive entry '%s': chmod", u->name);
	if (la_archive_entry_xattr_count(ae) && set_xattrs(u, fd, -1, NULL, ae, e) < 0)
		return -1;
	entry_times(ae, ts);
	if (futimens(fd, ts) < 0)
		return err_sys(e, "archive entry '%s': set times", u->name);
	return 0;
}

/* The same for what cannot be opened (symlinks, nodes), named by pfd + leaf, never followed. */
static int
set_meta_at(struct unpack *u, int pfd, const char *leaf, struct archive_entry *ae, bool mode,
	    struct ioc_err *e)
{
	struct timespec ts[2];

	if (fchownat(pfd, leaf, (uid_t)la_archive_entry_uid(ae), (gid_t)la_archive_entry_gid(ae),
		     AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, "archive entry '%s': chown", u->name);
	/* Only for nodes we just made, so the leaf is no symlink to follow. */
	if (mode && fchmodat(pfd, leaf, la_archive_entry_mode(ae) & 07777, 0) < 0)
		return err_sys(e, "archive entry '%s': chmod", u->name);
	if (set_xattrs(u, -1, pfd, leaf, ae, e) < 0)
		return -1;
	entry_times(ae, ts);
	if (utimensat(pfd, leaf, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, "archive entry '%s': set times", u->name);
	return 0;
}

static int
write_data(struct unpack *u, struct archive *a, int fd, struct archive_entry *ae, struct ioc_err *e)
{
	const void *buf;
	size_t len;
	la_int64_t off, end = 0;
	int r;

	while ((r = la_archive_read_data_block(a, &buf, &len, &off)) != ARCHIVE_EOF) {
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return err_set(e, la_archive_errno(a) > 0 ? la_archive_errno(a) : EIO,
				       "archive entry '%s': %s", u->name,
				       la_archive_error_string(a));
		for (size_t done = 0; done < len;) {
			ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
					   (off_t)(off + (la_int64_t)done));

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return err_sys(e, "archive entry '%s': write", u->name);
			done += (size_t)n;
		}
		end = off + (la_int64_t)len;
		u->bytes += len;
		show_progress(u, false);
	}
	/* A sparse file may end in a hole. */
	if (la_archive_entry_size_is_set(ae) && la_archive_entry_size(ae) > end &&
	    ftruncate(fd, (off_t)la_archive_entry_size(ae)) < 0)
		return err_sys(e, "archive entry '%s': truncate", u->name);
	return 0;
}

static int
make_file(struct unpack *u, struct archive *a, int pfd, const char *leaf, const char *rel,
	  struct archive_entry *ae, struct ioc_err *e)
{
	const int fl = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	cleanup_close int fd = openat(pfd, leaf, fl, 0600);

	if (fd < 0 && errno == EEXIST) {
		if (remove_leaf(u, pfd, leaf, rel, e) < 0)
			return -1;
		fd = openat(pfd, leaf, fl, 0600);
	}
	if (fd < 0)
		return err_sys(e, "archive entry '%s': create", u->name);
	if (write_data(u, a, fd, ae, e) < 0)
		return -1;
	return set_meta_fd(u, fd, ae, e);
}

/* Made 0700 so that it can be filled whatever its mode; the real one comes at the end. */
static int
make_dir(struct unpack *u, int pfd, const char *leaf, const char *rel, struct archive_entry *ae,
	 struct ioc_err *e)
{
	struct stat st;

	if (mkdirat(pfd, leaf, 0700) < 0) {
		if (errno != EEXIST)
			return err_sys(e, "archive entry '%s': mkdir", u->name);
		if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return err_sys(e, "archive entry '%s'", u->name);
		if (!S_ISDIR(st.st_mode)) {
			if (remove_leaf(u, pfd, leaf, rel, e) < 0)
				return -1;
			if (mkdirat(pfd, leaf, 0700) < 0)
				return err_sys(e, "archive entry '%s': mkdir", u->name);
		}
	}
	if (la_archive_entry_xattr_count(ae)) {
		cleanup_close int fd =
		    openat(pfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0)
			return err_sys(e, "archive entry '%s': open", u->name);
		if (set_xattrs(u, fd, -1, NULL, ae, e) < 0)
			return -1;
	}
	dirs_record(u, rel, ae);
	return 0;
}

static int
make_symlink(struct unpack *u, int pfd, const char *leaf, const char *rel, struct archive_entry *ae,
	     struct ioc_err *e)
{
	const char *target = la_archive_entry_symlink(ae);

	if (!target)
		target = la_archive_entry_symlink_utf8(ae);
	if (!target)
		return err_set(e, EINVAL, "archive entry '%s': symlink without a target", u->name);
	if (archive_check_symlink(u->name, target, e) < 0)
		return -1;
	if (symlinkat(target, pfd, leaf) < 0) {
		if (make_room(u, pfd, leaf, rel, "symlink", e) < 0)
			return -1;
		if (symlinkat(target, pfd, leaf) < 0)
			return err_sys(e, "archive entry '%s': symlink", u->name);
	}
	return set_meta_at(u, pfd, leaf, ae, false, e);
}

static int
make_node(struct unpack *u, int pfd, const char *leaf, const char *rel, struct archive_entry *ae,
	  struct ioc_err *e)
{
	mode_t type = la_archive_entry_filetype(ae);
	dev_t dev = type == AE_IFIFO ? 0 : la_archive_entry_rdev(ae);

	if (mknodat(pfd, leaf, type | 0600, dev) < 0) {
		if (make_room(u, pfd, leaf, rel, "mknod", e) < 0)
			return -1;
		if (mknodat(pfd, leaf, type | 0600, dev) < 0)
			return err_sys(e, "archive entry '%s': mknod", u->name);
	}
	return set_meta_at(u, pfd, leaf, ae, true, e);
}

/* A hard link to an entry already unpacked; linkat without AT_SYMLINK_FOLLOW links a symlink
 * itself, never what it points to. */
static int
make_hardlink(struct unpack *u, struct archive *a, int pfd, const char *leaf, const char *rel,
	      struct archive_entry *ae, struct ioc_err *e)
{
	const char *target = la_archive_entry_hardlink(ae);
	char trel[PATH_MAX];
	cleanup_free char *tdir = NULL;
	cleanup_close int tfd = -1;
	const char *slash, *tleaf;
	int tdirfd;

	if (check_path("hard link target", target, trel, sizeof(trel), e) < 0)
		return err_wrap(e, "archive entry '%s'", u->name);
	if (!*trel)
		return err_set(e, EPERM, "archive entry '%s': a hard link to the root", u->name);
	slash = strrchr(trel, '/');
	tleaf = slash ? slash + 1 : trel;
	if (slash) {
		tdir = xstrndup(trel, (size_t)(slash - trel));
		if ((tfd = resolve_dir(u, tdir, O_PATH, false, ": hard link target", e)) < 0)
			return -1;
	}
	tdirfd = slash ? tfd : u->rootfd;
	if (linkat(tdirfd, tleaf, pfd, leaf, 0) < 0) {
		if (make_room(u, pfd, leaf, rel, "hard link", e) < 0)
			return err_wrap(e, "hard link to '%s'", target);
		if (linkat(tdirfd, tleaf, pfd, leaf, 0) < 0)
			return err_sys(e, "archive entry '%s': hard link to '%s'", u->name, target);
	}
	/* pax may give a hard link a body of its own. */
	if (la_archive_entry_size_is_set(ae) && la_archive_entry_size(ae) > 0) {
		cleanup_close int fd =
		    openat(pfd, leaf, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0)
			return err_sys(e, "archive entry '%s': open", u->name);
		return write_data(u, a, fd, ae, e);
	}
	return 0;
}

static int
unpack_entry(struct unpack *u, struct archive *a, struct archive_entry *ae, struct ioc_err *e)
{
	char rel[PATH_MAX];
	const char *leaf;
	int pfd;

	u->name = la_archive_entry_pathname(ae);
	if (!u->name)
		u->name = la_archive_entry_pathname_utf8(ae);
	if (!u->name)
		return err_set(e, EINVAL, "an archive entry has an unreadable name");
	if (archive_check_path(u->name, rel, sizeof(rel), e) < 0)
		return -1;
	if (!*rel) /* the root itself: destdir keeps its own owner and mode */
		return 0;
	if ((pfd = parent_fd(u, rel, &leaf, e)) < 0)
		return -1;
	if (la_archive_entry_hardlink(ae))
		return make_hardlink(u, a, pfd, leaf, rel, ae, e);
	switch (la_archive_entry_filetype(ae)) {
	case AE_IFREG:
		return make_file(u, a, pfd, leaf, rel, ae, e);
	case AE_IFDIR:
		return make_dir(u, pfd, leaf, rel, ae, e);
	case AE_IFLNK:
		return make_symlink(u, pfd, leaf, rel, ae, e);
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		return make_node(u, pfd, leaf, rel, ae, e);
	case AE_IFSOCK: /* a socket is only meaningful to the process that bound it */
		return 0;
	default:
		return err_set(e, EINVAL, "archive entry '%s': unsupported file type 0%o", u->name,
			       (unsigned)la_archive_entry_filetype(ae));
	}
}

/* Directories last, deepest (latest) first, so that a read-only one could be filled and its
 * time is not changed by what went in. */
static int
dirs_apply(struct unpack *u, struct ioc_err *e)
{
	for (size_t i = u->ndirs; i-- > 0;) {
		struct dirmeta *d = &u->dirs[i];
		cleanup_close int fd = -1;

		if (!d->path)
			continue;
		u->name = d->path;
		if ((fd = resolve_dir(u, d->path, O_RDONLY, false, "", e)) < 0)
			return -1;
		if (fchown(fd, d->uid, d->gid) < 0 || fchmod(fd, d->mode) < 0 ||
		    futimens(fd, d->ts) < 0)
			return err_sys(e, "archive entry '%s': set owner, mode and times", d->path);
	}
	return 0;
}

static void
unpack_free(struct unpack *u)
{
	forget_parent(u);
	for (size_t i = 0; i < u->ndirs; i++)
		free(u->dirs[i].path);
	free(u->dirs);
	if (u->rootfd >= 0)
		close(u->rootfd);
}

static int
unpack_all(struct unpack *u, struct archive *a, const char *path, struct ioc_err *e)
{
	struct archive_entry *ae;
	int r;

	if (la_archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK)
		return err_set(e, la_archive_errno(a) > 0 ? la_archive_errno(a) : EINVAL, "%s",
			       la_archive_error_string(a));
	while ((r = la_archive_read_next_header(a, &ae)) != ARCHIVE_EOF) {
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return err_set(e, la_archive_errno(a) > 0 ? la_archive_errno(a) : EINVAL,
				       "%s", la_archive_error_string(a));
		if (unpack_entry(u, a, ae, e) < 0)
			return -1;
		u->files++;
		show_progress(u, false);
	}
	if (!u->files)
		return err_set(e, EINVAL, "the archive holds no files");
	return dirs_apply(u, e);
}

int
archive_unpack(const char *path, const char *destdir, bool progress, struct ioc_err *e)
{
	struct unpack u = {.rootfd = -1, .pfd = -1, .progress = progress};
	struct archive *a;
	int r;

	if (la_load(e) < 0)
		return -1;
	/* Tests run the suite again with the fallback that old kernels get. */
	u.openat2 = !getenv("IOCAGE_NO_OPENAT2");
	u.rootfd = open(destdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (u.rootfd < 0)
		return err_sys(e, "unpack into %s", destdir);
	a = la_archive_read_new();
	if (!a) {
		unpack_free(&u);
		return err_set(e, ENOMEM, "unpack %s: out of memory", path);
	}
	la_archive_read_support_filter_all(a);
	la_archive_read_support_format_all(a);
	r = unpack_all(&u, a, path, e);
	show_progress(&u, true);
	la_archive_read_free(a);
	unpack_free(&u);
	return r < 0 ? err_wrap(e, "unpack %s", path) : 0;
}

/* ---- where debootstrap gets its packages ---- */

#define DEBOOTSTRAP_SCRIPTS "/usr/share/debootstrap/scripts"

/* Whether uri[0..len) is an http(s) URI of family's archive: its last path component is family
 * ("debian" in http://deb.debian.org/debian/, not in .../debian-security). */
static bool
uri_is_archive(const char *uri, size_t len, const char *family)
{
	size_t fl = strlen(family);

	if (strncmp(uri, "http://", 7) != 0 && strncmp(uri, "https://", 8) != 0)
		return false;
	while (len && uri[len - 1] == '/')
		len--;
	return len > fl && uri[len - fl - 1] == '/' && strncmp(uri + len - fl, family, fl) == 0;
}

/* The first word of list (space-separated) that is an http(s) URI of family's archive. */
static char *
pick_uri(const char *list, const char *family)
{
	const char *p = list;

	while (*p) {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, " \t\n");
		if (n && uri_is_archive(p, n, family)) {
			while (n && p[n - 1] == '/')
				n--;
			return xstrndup(p, n);
		}
		p += n;
	}
	return NULL;
}

/* One-line style: "deb [options] URI suite components". */
static char *
mirror_from_list(FILE *f, const char *family)
{
	cleanup_free char *line = NULL;
	size_t cap = 0;

	while (getline(&line, &cap, f) > 0) {
		char *p = line + strspn(line, " \t");

		if (strncmp(p, "deb", 3) != 0 || (p[3] != ' ' && p[3] != '\t'))
			continue;
		p += 3 + strspn(p + 3, " \t");
		if (*p == '[') {
			char *rb = strchr(p, ']');

			if (!rb)
				continue;
			p = rb + 1 + strspn(rb + 1, " \t");
		}
		p[strcspn(p, " \t\n")] = '\0';
		if (uri_is_archive(p, strlen(p), family))
			return pick_uri(p, family);
	}
	return NULL;
}

/* Whether a deb822 field line is "Name: value"; returns the value. */
static const char *
field(const char *line, const char *name)
{
	size_t n = strlen(name);

	if (strncasecmp(line, name, n) != 0 || line[n] != ':')
		return NULL;
	return line + n + 1;
}

/* deb822 style: stanzas of Types:, URIs:, Enabled:, separated by blank lines. */
static char *
mirror_from_sources(FILE *f, const char *family)
{
	cleanup_free char *line = NULL, *uris = NULL;
	bool deb = false, enabled = true, more = true;
	size_t cap = 0;
	const char *v;

	while (more) {
		more = getline(&line, &cap, f) > 0;
		if (more && line[0] == '#')
			continue;
		if (!more || line[strspn(line, " \t\r\n")] == '\0') {
			char *m = deb && enabled && uris ? pick_uri(uris, family) : NULL;

			if (m)
				return m;
			free(uris);
			uris = NULL;
			deb = false;
			enabled = true;
			continue;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if ((v = field(line, "Types"))) {
			for (const char *t = v; (t = strstr(t, "deb")); t += 3)
				deb |= (t == v || t[-1] == ' ' || t[-1] == '\t') &&
				       (t[3] == '\0' || t[3] == ' ' || t[3] == '\t');
		} else if ((v = field(line, "URIs"))) {
			free(uris);
			uris = xstrdup(v);
		} else if ((v = field(line, "Enabled"))) {
			enabled = strncasecmp(v + strspn(v, " \t"), "no", 2) != 0;
		}
	}
	return NULL;
}

/* The host's own mirror of family's archive: apt's sources in apt's order, or NULL. */
static char *
apt_mirror(const char *family)
{
	char *m = NULL;
	glob_t g = {0};
	FILE *f;

	if ((f = fopen("/etc/apt/sources.list", "re"))) {
		m = mirror_from_list(f, family);
		fclose(f);
	}
	if (!m && glob("/etc/apt/sources.list.d/*", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc && !m; i++) {
			bool list = str_has_suffix(g.gl_pathv[i], ".list");

			if (!list && !str_has_suffix(g.gl_pathv[i], ".sources"))
				continue;
			if (!(f = fopen(g.gl_pathv[i], "re")))
				continue;
			m = list ? mirror_from_list(f, family) : mirror_from_sources(f, family);
			fclose(f);
		}
	}
	globfree(&g);
	return m;
}

/* The archive a suite comes from ("debian", "ubuntu", "kali"), from its debootstrap script's
 * default mirror. Unknown suites fail here with a message that says what to do. */
static int
suite_family(const char *suite, char *fam, size_t len, struct ioc_err *e)
{
	cleanup_free char *path = xasprintf(DEBOOTSTRAP_SCRIPTS "/%s", suite);
	cleanup_free char *line = NULL;
	cleanup_fclose FILE *f = NULL;
	struct stat st;
	size_t cap = 0;

	snprintf(fam, len, "debian");
	if (stat(DEBOOTSTRAP_SCRIPTS, &st) < 0)
		return 0; /* a debootstrap elsewhere: let it judge the suite */
	if (!(f = fopen(path, "re")))
		return err_set(e, ENOENT,
			       "unknown release '%s': debootstrap knows no such Debian or Ubuntu "
			       "suite (e.g. bookworm, trixie, jammy); to use a rootfs archive "
			       "instead, give -F FILE|URL",
			       suite);
	while (getline(&line, &cap, f) > 0) {
		char *p = strstr(line, "default_mirror ");
		char *end;

		if (!p)
			continue;
		p += strlen("default_mirror ");
		p[strcspn(p, " \t\r\n")] = '\0';
		while ((end = strrchr(p, '/')) && end[1] == '\0')
			*end = '\0';
		if (end && end[1])
			snprintf(fam, len, "%s", end + 1);
		break;
	}
	return 0;
}

/* ---- the fetch flow ---- */

/* Everything release_fetch needs, checked before anything is created. */
struct fetch_ctx {
	const struct fetch_opts *o;
	char ds[128];   /* releases/NAME */
	char root[160]; /* releases/NAME/root */
	char lock[96];  /* release-NAME */
	bool url;
	char *mirror;   /* debootstrap only; NULL: debootstrap's own default */
	char *download; /* the downloaded archive, removed on failure */
};

static int
check_source(struct fetch_ctx *c, struct ioc_err *e)
{
	const char *src = c->o->source;
	struct stat st;

	if (str_has_prefix(src, "http://") || str_has_prefix(src, "https://")) {
		c->url = true;
		return 0;
	}
	if (strstr(src, "://"))
		return err_set(e, EINVAL, "%s: only http:// and https:// URLs can be fetched", src);
	if (stat(src, &st) < 0)
		return err_sys(e, "%s", src);
	if (!S_ISREG(st.st_mode))
		return err_set(e, EINVAL, "%s is not a regular file (give a rootfs archive)", src);
	return 0;
}

static int
check_debootstrap(struct fetch_ctx *c, struct ioc_err *e)
{
	const char *m = c->o->mirror;
	char fam[64];

	if (m) {
		if (!str_has_prefix(m, "http://") && !str_has_prefix(m, "https://") &&
		    !str_has_prefix(m, "file:/"))
			return err_set(
			    e, EINVAL,
			    "ftphost=%s: give a mirror URL (http://, https:// or file:/)", m);
		c->mirror = xstrdup(m);
		return 0;
	}
	if (suite_family(c->o->release, fam, sizeof(fam), e) < 0)
		return -1;
	c->mirror = apt_mirror(fam);
	if (!c->mirror && streq(fam, "debian"))
		c->mirror = xstrdup("http://deb.debian.org/debian");
	return 0;
}

/* debootstrap's own messages ("E: ...") go to its stdout, not stderr. */
static void
debootstrap_error(int fd, struct ioc_err *e)
{
	char buf[8192];
	off_t size = lseek(fd, 0, SEEK_END);
	off_t from = size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, from);
	char *last = NULL;

	if (n <= 0)
		return;
	buf[n] = '\0';
	for (char *p = buf; (p = strstr(p, "E: ")); p += 3)
		if (p == buf || p[-1] == '\n')
			last = p + 3;
	if (last) {
		last[strcspn(last, "\n")] = '\0';
		err_set(e, 0, "debootstrap: %s", last);
	}
}

/* In its own mount and pid namespaces, killed with iocage (setpriv --pdeathsig): the
 * /proc and /sys that debootstrap mounts in the target die with it, so an interrupted fetch
 * leaves no mount behind that would keep the release from being destroyed. A NULL mirror
 * ends argv early: debootstrap then takes its script's default. */
static int
run_debootstrap(struct fetch_ctx *c, const char *dir, struct ioc_err *e)
{
	const char *argv[] = {"setpriv",     "--pdeathsig",
			      "KILL",        "unshare",
			      "--mount",     "--pid",
			      "--fork",      "--kill-child=KILL",
			      "debootstrap", "--variant=minbase",
			      c->o->release, dir,
			      c->mirror,     NULL};
	struct run_opts ro = {.stdin_fd = -1, .stdout_fd = 1, .pass_stderr = true};
	cleanup_close int out = -1;

	if (!c->o->progress) {
		if ((out = memfd_create("debootstrap", MFD_CLOEXEC)) < 0)
			return err_sys(e, "memfd_create");
		ro.stdout_fd = out;
		ro.pass_stderr = false;
	}
	if (run_prog_opts(argv, &ro, NULL, e) == 0)
		return 0;
	if (out >= 0)
		debootstrap_error(out, e);
	return -1;
}

static const char *
url_ext(const char *url)
{
	static const char *const exts[] = {".tar.gz",  ".tgz",     ".tar.xz",  ".txz",
					   ".tar.zst", ".tzst",    ".tar.bz2", ".tbz2",
					   ".tbz",     ".tar.lz4", ".tar"};
	size_t n = strcspn(url, "?#");

	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		size_t l = strlen(exts[i]);

		if (n > l && strncasecmp(url + n - l, exts[i], l) == 0)
			return exts[i] + 1;
	}
	return "archive";
}

/* Into download/NAME.EXT by way of a temporary name, so that a download cut short never
 * looks like a whole one. */
static int
download(struct store *st, struct fetch_ctx *c, struct ioc_err *e)
{
	cleanup_free char *dir = st->ops->path(st, "download");
	cleanup_free char *tmp = NULL;
	const char *ext = url_ext(c->o->source);
	struct run_opts ro = {.stdin_fd = -1, .stdout_fd = -1, .pass_stderr = c->o->progress};
	const char *argv[] = {"curl",        "-fL", "--proto", "=http,https", "--proto-redir",
			      "=http,https", "-o",  NULL,      NULL,          NULL,
			      NULL};
	size_t i = 7;

	if (!dir)
		return err_set(e, ENOENT, "no download directory");
	tmp = xasprintf("%s/.%s.%s.part-%ld", dir, c->o->release, ext, (long)getpid());
	argv[i++] = tmp;
	argv[i++] = c->o->progress ? "--progress-bar" : "-sS";
	argv[i++] = c->o->source;
	if (run_prog_opts(argv, &ro, NULL, e) < 0) {
		unlink(tmp);
		return err_wrap(e, "download %s", c->o->source);
	}
	c->download = xasprintf("%s/%s.%s", dir, c->o->release, ext);
	if (rename(tmp, c->download) < 0) {
		err_sys(e, "rename %s to %s", tmp, c->download);
		unlink(tmp);
		free(c->download);
		c->download = NULL;
		return -1;
	}
	return 0;
}

static int
populate(struct store *st, struct fetch_ctx *c, struct ioc_err *e)
{
	cleanup_free char *dir = st->ops->path(st, c->root);

	if (!dir)
		return err_set(e, ENOENT, "%s has no directory", c->root);
	if (!c->o->source)
		return run_debootstrap(c, dir, e);
	if (c->url && download(st, c, e) < 0)
		return -1;
	return archive_unpack(c->url ? c->download : c->o->source, dir, c->o->progress, e);
}

static char *
snap_name(void)
{
	char buf[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "fetch-%Y%m%d-%H%M%S", &tm);
	return xstrdup(buf);
}

/* releases/NAME may exist: complete (refused) or left by a fetch that was killed (its lock,
 * which we hold now, is free: removed). */
static int
clear_leftover(struct store *st, struct fetch_ctx *c, struct ioc_err *e)
{
	struct ds d = {0};
	bool partial;
	int r = st->ops->exists(st, c->ds, e);

	if (r <= 0)
		return r;
	if (st->ops->get(st, c->ds, 0, &d, e) < 0)
		return -1;
	partial = kvlist_get(&d.user, PARTIAL_KEY) != NULL;
	ds_free(&d);
	if (!partial)
		return err_set(e, EEXIST, "release %s is already fetched", c->o->release);
	return st->ops->destroy(st, c->ds, e);
}

/* Build the release under the partial mark; remove all of it on any failure. */
static int
build(struct store *st, struct fetch_ctx *c, char **snap_out, struct ioc_err *e)
{
	struct kvlist props = {0}, none = {0};
	struct strv unset = {0};
	cleanup_free char *snap = snap_name();
	struct ioc_err e2;
	int r;

	kvlist_set(&props, PARTIAL_KEY, c->lock);
	r = st->ops->create(st, c->ds, &props, e);
	kvlist_free(&props);
	if (r < 0)
		return -1;
	strv_push(&unset, PARTIAL_KEY);
	r = st->ops->create(st, c->root, &none, e);
	if (r == 0)
		r = populate(st, c, e);
	if (r == 0)
		r = st->ops->snapshot(st, c->root, snap, e);
	if (r == 0)
		r = st->ops->set_user(st, c->ds, NULL, &unset, e);
	strv_free(&unset);
	if (r == 0) {
		*snap_out = TAKE_PTR(snap);
		return 0;
	}
	if (c->download)
		unlink(c->download);
	if (st->ops->destroy(st, c->ds, &e2) < 0) {
		size_t len = strlen(e->msg);

		snprintf(e->msg + len, sizeof(e->msg) - len,
			 " (and removing the partial release failed: %s; `iocage fetch` removes "
			 "it next time)",
			 e2.msg);
	}
	return -1;
}

static int
fetch_prepare(struct fetch_ctx *c, struct ioc_err *e)
{
	const char *name = c->o->release;

	snprintf(c->ds, sizeof(c->ds), "releases/%s", name);
	snprintf(c->root, sizeof(c->root), "releases/%s/root", name);
	snprintf(c->lock, sizeof(c->lock), "release-%s", name);
	if (c->o->source)
		return check_source(c, e);
	return check_debootstrap(c, e);
}

int
release_fetch(struct store *st, const struct fetch_opts *o, char **snap_out, struct ioc_err *e)
{
	struct fetch_ctx c = {.o = o};
	int lockfd, r = -1;

	if (!o->release)
		return err_set(e, EINVAL, "fetch: which release?");
	if (release_name_validate(o->release, e) < 0)
		return err_wrap(e, "fetch");
	if (fetch_prepare(&c, e) < 0)
		goto out;
	if ((lockfd = lock_take(st, c.lock, true, 600, e)) < 0)
		goto out;
	r = clear_leftover(st, &c, e);
	if (r == 0)
		r = build(st, &c, snap_out, e);
	lock_release(lockfd);
out:
	free(c.mirror);
	free(c.download);
	return r < 0 ? err_wrap(e, "fetch %s", o->release) : 0;
}

/* ---- queries ---- */

/* checked: whether the caller knows the release to be there and complete (release_list). */
static int
newest_snapshot(struct store *st, const char *name, bool checked, char **ret, struct ioc_err *e)
{
	char ds[128], root[160];
	struct snap_list l = {0};
	struct ds d = {0};
	const struct snap *best = NULL;
	int r;

	if (release_name_validate(name, e) < 0)
		return -1;
	snprintf(ds, sizeof(ds), "releases/%s", name);
	snprintf(root, sizeof(root), "releases/%s/root", name);
	if (checked)
		goto snaps;
	if ((r = st->ops->exists(st, ds, e)) <= 0)
		return r < 0 ? -1 : err_set(e, ENOENT, "release %s is not fetched", name);
	if (st->ops->get(st, ds, 0, &d, e) < 0)
		return -1;
	r = kvlist_get(&d.user, PARTIAL_KEY) != NULL;
	ds_free(&d);
	if (r)
		return err_set(e, ENOENT,
			       "release %s is not complete (being fetched, or a fetch was "
			       "interrupted: fetch it again)",
			       name);
snaps:
	if (st->ops->snap_list(st, root, &l, e) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++)
		if (!best || l.v[i].creation >= best->creation)
			best = &l.v[i];
	if (best)
		*ret = xstrdup(best->name);
	else
		err_set(e, ENOENT, "release %s has no snapshot: fetch it again", name);
	snap_list_free(&l);
	return best ? 0 : -1;
}

int
release_snapshot(struct store *st, const char *name, char **ret, struct ioc_err *e)
{
	return newest_snapshot(st, name, false, ret, e);
}

int
release_snapshot_listed(struct store *st, const char *name, char **ret, struct ioc_err *e)
{
	return newest_snapshot(st, name, true, ret, e);
}

int
release_list(struct store *st, struct ds_list *out, struct ioc_err *e)
{
	struct ds_list l = {0};
	size_t n = 0;

	if (st->ops->list(st, "releases", STORE_NATIVE, &l, e) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++) {
		if (kvlist_get(&l.v[i].user, PARTIAL_KEY))
			ds_free(&l.v[i]);
		else
			l.v[n++] = l.v[i];
	}
	l.n = n;
	*out = l;
	return 0;
}

/* One leftover: only when its lock is free (nobody is fetching it), checked again under it. */
static int
cleanup_one(struct store *st, const char *dsname, struct ioc_err *e)
{
	const char *name = dsname + strlen("releases/");
	char lock[96];
	struct ds d = {0};
	struct ioc_err busy;
	bool partial;
	int fd, r;

	if (release_name_validate(name, &busy) < 0)
		return 0; /* not ours to judge */
	snprintf(lock, sizeof(lock), "release-%s", name);
	if ((fd = lock_take(st, lock, false, 0, &busy)) < 0)
		return 0;
	r = st->ops->get(st, dsname, 0, &d, e);
	partial = r == 0 && kvlist_get(&d.user, PARTIAL_KEY);
	ds_free(&d);
	if (r == 0 && partial)
		r = st->ops->destroy(st, dsname, e) < 0 ? -1 : 1;
	lock_release(fd);
	return r;
}

int
release_cleanup(struct store *st, struct ioc_err *e)
{
	struct ds_list l = {0};
	int n = 0, r = 0;

	if (st->ops->list(st, "releases", 0, &l, e) < 0)
		return -1;
	for (size_t i = 0; i < l.n && r >= 0; i++) {
		if (!kvlist_get(&l.v[i].user, PARTIAL_KEY) ||
		    !str_has_prefix(l.v[i].name, "releases/"))
			continue;
		r = cleanup_one(st, l.v[i].name, e);
		if (r < 0)
			err_wrap(e, "remove the partial release %s", l.v[i].name);
		else
			n += r;
	}
	ds_list_free(&l);
	return r < 0 ? -1 : n;
}
