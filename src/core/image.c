/* Export, import, record and package (issue #8): see image.h for the format. Unpacking goes
 * through fetch's archive_unpack (no absolute paths, no "..", no symlink followed, nothing
 * written outside the directory given), after a scan of the verified archive that checks what
 * unpacking cannot know: that the manifest comes first and is ours, that every entry is under
 * root/, and that device nodes and set-uid files are exactly those the manifest names. */
#include "core/image.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "core/fetch.h"
#include "core/jailrun.h"
#include "core/jailsnap.h"
#include "core/lock.h"
#include "util/cleanup.h"
#include "util/fault.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/syscalls.h"

/* ---- libarchive, loaded when needed (as fetch does) ---- */

#define IMG_LA_FUNCS(X)                                                                            \
	X(archive_entry_clear)                                                                     \
	X(archive_entry_filetype)                                                                  \
	X(archive_entry_free)                                                                      \
	X(archive_entry_hardlink)                                                                  \
	X(archive_entry_mode)                                                                      \
	X(archive_entry_new)                                                                       \
	X(archive_entry_pathname)                                                                  \
	X(archive_entry_rdevmajor)                                                                 \
	X(archive_entry_rdevminor)                                                                 \
	X(archive_entry_set_gid)                                                                   \
	X(archive_entry_set_hardlink)                                                              \
	X(archive_entry_set_mode)                                                                  \
	X(archive_entry_set_mtime)                                                                 \
	X(archive_entry_set_pathname)                                                              \
	X(archive_entry_set_rdevmajor)                                                             \
	X(archive_entry_set_rdevminor)                                                             \
	X(archive_entry_set_size)                                                                  \
	X(archive_entry_set_symlink)                                                               \
	X(archive_entry_set_uid)                                                                   \
	X(archive_entry_size)                                                                      \
	X(archive_entry_symlink)                                                                   \
	X(archive_entry_xattr_add_entry)                                                           \
	X(archive_entry_xattr_next)                                                                \
	X(archive_entry_xattr_reset)                                                               \
	X(archive_error_string)                                                                    \
	X(archive_read_data)                                                                       \
	X(archive_read_free)                                                                       \
	X(archive_read_new)                                                                        \
	X(archive_read_next_header)                                                                \
	X(archive_read_open_filename)                                                              \
	X(archive_read_support_filter_all)                                                         \
	X(archive_read_support_format_all)                                                         \
	X(archive_write_add_filter_zstd)                                                           \
	X(archive_write_close)                                                                     \
	X(archive_write_data)                                                                      \
	X(archive_write_free)                                                                      \
	X(archive_write_header)                                                                    \
	X(archive_write_new)                                                                       \
	X(archive_write_open)                                                                      \
	X(archive_write_set_bytes_in_last_block)                                                   \
	X(archive_write_set_filter_option)                                                         \
	X(archive_write_set_format_pax_restricted)

#define IMG_LA_DECLARE(f) static __typeof__(f) *la_##f;
IMG_LA_FUNCS(IMG_LA_DECLARE)

static int
la_load(struct ioc_err *e)
{
	static bool done;
	void *h;

	if (done)
		return 0;
	if (!(h = libarchive_open(e)))
		return -1;
#define IMG_LA_RESOLVE(f)                                                                          \
	if (!(la_##f = (__typeof__(la_##f))dlsym(h, #f)))                                          \
		return err_set(e, ENOSYS, "libarchive lacks %s", #f);
	IMG_LA_FUNCS(IMG_LA_RESOLVE)
#undef IMG_LA_RESOLVE
	done = true;
	return 0;
}

/* ---- the manifest ---- */

void
manifest_free(struct manifest *m)
{
	free(m->kind);
	free(m->uuid);
	free(m->type);
	free(m->release);
	free(m->origin);
	free(m->base);
	kvlist_free(&m->props);
	strv_free(&m->special);
	strv_free(&m->whiteout);
	strv_free(&m->opaque);
	*m = (struct manifest){0};
}

static void
add_escaped(struct sbuf *b, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			sbuf_add(b, "\\\\");
		else if (*v == '\n')
			sbuf_add(b, "\\n");
		else
			sbuf_addc(b, *v);
	}
}

static void
add_line(struct sbuf *b, const char *key, const char *val)
{
	sbuf_add(b, key);
	sbuf_addc(b, '=');
	add_escaped(b, val ? val : "none");
	sbuf_addc(b, '\n');
}

static void
add_list(struct sbuf *b, const char *key, const struct strv *l)
{
	for (size_t i = 0; i < l->n; i++)
		add_line(b, key, l->v[i]);
}

char *
manifest_format(const struct manifest *m)
{
	struct sbuf b = {0};
	char n[32];

	sbuf_addf(&b, "iocage-image %u\n", m->version ? m->version : IMAGE_VERSION);
	add_line(&b, "kind", m->kind);
	add_line(&b, "uuid", m->uuid);
	add_line(&b, "type", m->type);
	add_line(&b, "release", m->release);
	add_line(&b, "origin", m->origin);
	if (m->base)
		add_line(&b, "base", m->base);
	snprintf(n, sizeof(n), "%lld", m->created);
	add_line(&b, "created", n);
	snprintf(n, sizeof(n), "%lld", m->exported);
	add_line(&b, "exported", n);
	for (size_t i = 0; i < m->props.n; i++) {
		cleanup_free char *k = xasprintf("prop.%s", m->props.v[i].key);

		add_line(&b, k, m->props.v[i].val);
	}
	add_list(&b, "special", &m->special);
	add_list(&b, "whiteout", &m->whiteout);
	add_list(&b, "opaque", &m->opaque);
	return sbuf_take(&b);
}

static int
unescape(char *v, struct ioc_err *e)
{
	char *w = v, show[8];

	for (char *r = v; *r; r++) {
		if (*r != '\\') {
			*w++ = *r;
			continue;
		}
		r++;
		if (*r == '\\')
			*w++ = '\\';
		else if (*r == 'n')
			*w++ = '\n';
		else
			return err_set(
			    e, EINVAL, "a bad escape '\\%s'",
			    str_shown((char[]){*r ? *r : ' ', '\0'}, show, sizeof(show)));
	}
	*w = '\0';
	return 0;
}

static int
check_rel(const char *what, const char *path, struct ioc_err *e)
{
	char norm[PATH_MAX], show[96];

	if (archive_check_path(path, norm, sizeof(norm), e) < 0)
		return err_wrap(e, "%s", what);
	if (!*norm || !streq(norm, path))
		return err_set(e, EINVAL, "%s '%s' is not a plain relative path", what,
			       str_shown(path, show, sizeof(show)));
	return 0;
}

/* "T MODE MAJOR MINOR PATH" */
static int
parse_special(const char *v, char *type, unsigned *mode, unsigned *maj, unsigned *min,
	      const char **path)
{
	int n = 0;

	if (sscanf(v, "%c %o %u %u %n", type, mode, maj, min, &n) != 4 || n == 0)
		return -1;
	if (*type != 'c' && *type != 'b' && *type != 'f')
		return -1;
	*path = v + n;
	return 0;
}

static int
manifest_key(struct manifest *m, const char *k, const char *v, struct ioc_err *e)
{
	char *const *str[] = {&m->kind, &m->uuid, &m->type, &m->release, &m->origin, &m->base};
	static const char *const names[] = {"kind", "uuid", "type", "release", "origin", "base"};
	unsigned mode, maj, min;
	const char *path;
	char t, show[96];

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (streq(k, names[i])) {
			free(*(char **)str[i]);
			*(char **)str[i] = xstrdup(v);
			return 0;
		}
	}
	if (streq(k, "created") || streq(k, "exported")) {
		uint64_t n;

		if (parse_u64(v, &n) < 0 || n > INT64_MAX)
			return err_set(e, EINVAL, "%s: '%s' is not a time", k,
				       str_shown(v, show, sizeof(show)));
		*(streq(k, "created") ? &m->created : &m->exported) = (long long)n;
		return 0;
	}
	if (str_has_prefix(k, "prop.") && k[5]) {
		kvlist_set(&m->props, k + 5, v);
		return 0;
	}
	if (streq(k, "special")) {
		if (parse_special(v, &t, &mode, &maj, &min, &path) < 0)
			return err_set(e, EINVAL,
				       "special '%s' is not 'TYPE MODE MAJOR MINOR PATH'",
				       str_shown(v, show, sizeof(show)));
		if (check_rel("special", path, e) < 0)
			return -1;
		strv_push(&m->special, v);
		return 0;
	}
	if (streq(k, "whiteout") || streq(k, "opaque")) {
		if (check_rel(k, v, e) < 0)
			return -1;
		strv_push(streq(k, "whiteout") ? &m->whiteout : &m->opaque, v);
		return 0;
	}
	return err_set(e, EINVAL, "unknown key '%s'", str_shown(k, show, sizeof(show)));
}

static int
manifest_line(struct manifest *m, char *line, struct ioc_err *e)
{
	char *eq = strchr(line, '='), show[72];

	if (!*line)
		return 0;
	if (!eq || eq == line)
		return err_set(e, EINVAL, "'%s' is not KEY=VALUE",
			       str_shown(line, show, sizeof(show)));
	*eq = '\0';
	if (unescape(eq + 1, e) < 0)
		return -1;
	return manifest_key(m, line, eq + 1, e);
}

static int
manifest_header(const char *line, unsigned *version, struct ioc_err *e)
{
	uint64_t v;
	char show[32];

	if (!str_has_prefix(line, "iocage-image "))
		return err_set(e, EINVAL, "not an iocage image manifest");
	if (parse_u64(line + 13, &v) < 0)
		return err_set(e, EINVAL, "a bad format version '%s'",
			       str_shown(line + 13, show, sizeof(show)));
	if (v != IMAGE_VERSION)
		return err_set(
		    e, ENOTSUP,
		    "format version %llu is not supported (this iocage reads version %d)",
		    (unsigned long long)v, IMAGE_VERSION);
	*version = (unsigned)v;
	return 0;
}

int
manifest_parse(const char *text, size_t len, struct manifest *m, struct ioc_err *e)
{
	cleanup_free char *copy = NULL;
	char *p, *nl, *next;
	unsigned line = 1;

	*m = (struct manifest){0};
	if (len > IMAGE_MANIFEST_MAX || memchr(text, '\0', len))
		return err_set(e, EINVAL, "manifest: too long or not text");
	copy = xstrndup(text, len);
	nl = strchr(copy, '\n');
	if (!nl)
		return err_set(e, EINVAL, "manifest: no header line");
	*nl = '\0';
	if (manifest_header(copy, &m->version, e) < 0)
		return err_wrap(e, "manifest");
	/* The last line may lack its newline: then it ends at the copy's own NUL, and so does
	 * the loop (never a byte past it). */
	for (p = nl + 1; *p; p = next) {
		line++;
		nl = strchrnul(p, '\n');
		next = *nl ? nl + 1 : nl;
		*nl = '\0';
		if (manifest_line(m, p, e) < 0) {
			manifest_free(m);
			return err_wrap(e, "manifest line %u", line);
		}
	}
	if (!m->kind || (!streq(m->kind, "jail") && !streq(m->kind, "package")) || !m->uuid ||
	    !uuid_valid(m->uuid) || !m->type) {
		manifest_free(m);
		return err_set(e, EINVAL, "manifest: kind, uuid or type missing or wrong");
	}
	if (streq(m->kind, "package") && !m->base) {
		manifest_free(m);
		return err_set(e, EINVAL, "manifest: a package without a base");
	}
	return 0;
}

bool
manifest_allows(const struct manifest *m, char type, unsigned mode, unsigned major, unsigned minor,
		const char *path)
{
	for (size_t i = 0; i < m->special.n; i++) {
		unsigned mo, ma, mi;
		const char *p;
		char t;

		if (parse_special(m->special.v[i], &t, &mo, &ma, &mi, &p) == 0 && t == type &&
		    mo == (mode & 07777) && ma == major && mi == minor && streq(p, path))
			return true;
	}
	return false;
}

/* ---- the checksum trailer ---- */

static const unsigned char trailer_magic[4] = {0x5e, 0x2a, 0x4d, 0x18};

void
image_trailer(const char hex[65], unsigned char out[IMAGE_TRAILER_LEN])
{
	uint32_t n = IMAGE_TRAILER_LEN - 8;

	memcpy(out, trailer_magic, 4);
	for (int i = 0; i < 4; i++)
		out[4 + i] = (unsigned char)(n >> (8 * i));
	memcpy(out + 8, "sha256=", 7);
	memcpy(out + 15, hex, 64);
	out[IMAGE_TRAILER_LEN - 1] = '\n';
}

int
image_trailer_parse(const unsigned char *buf, size_t len, char hex[65])
{
	unsigned char want[IMAGE_TRAILER_LEN];

	if (len != IMAGE_TRAILER_LEN)
		return -1;
	image_trailer("0000000000000000000000000000000000000000000000000000000000000000", want);
	if (memcmp(buf, want, 15) != 0 || buf[IMAGE_TRAILER_LEN - 1] != '\n')
		return -1;
	for (int i = 0; i < 64; i++) {
		unsigned char c = buf[15 + i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		hex[i] = (char)c;
	}
	hex[64] = '\0';
	return 0;
}

/* ---- small helpers ---- */

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* dir below rootfd (normalised), never through a symlink: an fd, or -1 with errno. */
static int
open_beneath(int rootfd, const char *dir, int flags)
{
	struct open_how how = {
	    .flags = (unsigned)(flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC),
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};

	if (!*dir)
		return openat(rootfd, ".", flags | O_DIRECTORY | O_CLOEXEC);
	return (int)sys_openat2(rootfd, dir, &how, sizeof(how));
}

/* lstat of rel inside the root; -1 with errno when it is not there (or only through a
 * symlink, which is not followed). */
static int
stat_beneath(int rootfd, const char *rel, struct stat *st)
{
	const char *slash = strrchr(rel, '/');
	cleanup_free char *dir = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
	cleanup_close int fd = open_beneath(rootfd, dir, O_PATH);

	if (fd < 0)
		return -1;
	return fstatat(fd, slash ? slash + 1 : rel, st, AT_SYMLINK_NOFOLLOW);
}

/* Remove rel (and what is under it) inside the root; missing is success. */
static int
remove_beneath(int rootfd, const char *rel, struct ioc_err *e)
{
	const char *slash = strrchr(rel, '/');
	cleanup_free char *dir = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
	cleanup_close int fd = open_beneath(rootfd, dir, O_PATH);
	cleanup_free char *path = NULL;
	struct stat st;

	if (fd < 0) /* no such directory, or one reached through a symlink: nothing of ours */
		return errno == ENOENT || errno == ELOOP || errno == ENOTDIR || errno == EXDEV
			   ? 0
			   : err_sys(e, "remove '%s'", rel);
	if (fstatat(fd, slash ? slash + 1 : rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : err_sys(e, "remove '%s'", rel);
	path = xasprintf("/proc/self/fd/%d/%s", fd, slash ? slash + 1 : rel);
	return rm_rf(path, e) < 0 ? err_wrap(e, "remove '%s'", rel) : 0;
}

/* An unnamed file in dir (gone with us, however we end). Where the filesystem has no
 * O_TMPFILE (zfs-fuse) it is made in /var/tmp: an unlinked file there could not be opened
 * again through /proc/self/fd, which the unpacking needs. */
static int
tmpfile_in(const char *dir, struct ioc_err *e)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR))
		fd = open("/var/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	return fd < 0 ? err_sys(e, "a temporary file in %s", dir) : fd;
}

static char *
ds_child(const char *ds, const char *child)
{
	return xasprintf("%s/%s", ds, child);
}

/* ---- walking a tree into an archive ---- */

/* What a package leaves out (documented in iocage(8), RECORD AND PACKAGE): logs, caches,
 * temporary files and shell histories a jail makes just by running. */
static const char *const noise_dirs[] = {"var/log/", "var/cache/", "var/tmp/",          "tmp/",
					 "run/",     "var/run/",   "var/lib/apt/lists/"};
static const char *const noise_files[] = {"root/.ash_history", "root/.bash_history",
					  "root/.sh_history", "root/.python_history"};

static bool
is_noise(const char *rel)
{
	for (size_t i = 0; i < ARRAY_SIZE(noise_dirs); i++)
		if (str_has_prefix(rel, noise_dirs[i]))
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(noise_files); i++)
		if (streq(rel, noise_files[i]))
			return true;
	return false;
}

struct hardlink {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct walker {
	struct archive *a; /* NULL: the scan pass */
	struct archive_entry *ae;
	struct manifest *m;
	bool package; /* the tree is an overlay upper directory */
	bool prune;   /* leave out noise (packages) */
	int lowerfd;  /* package: the root it was recorded over */
	dev_t dev;
	struct strv skip; /* directories found to be noise in the scan pass */
	struct hardlink *hl;
	size_t nhl, caphl;
	struct sbuf rel;
	char *buf;
	bool progress;
	unsigned long long files, bytes;
	struct timespec last;
	struct ioc_err *e;
	int out_fd;
	struct sha256 sum; /* of what went to out_fd */
	int werr;          /* errno of a failed write of the archive */
};

static void
walk_progress(struct walker *w, bool final)
{
	struct timespec now;

	if (!w->progress || !w->a)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!final && (now.tv_sec - w->last.tv_sec) * 1000000000LL + now.tv_nsec - w->last.tv_nsec <
			  100000000LL)
		return;
	w->last = now;
	fprintf(stderr, "\r  archiving: %llu files, %llu MiB%s", w->files, w->bytes >> 20,
		final ? "\n" : "");
}

static int
la_fail(struct walker *w, const char *what)
{
	if (w->werr) {
		errno = w->werr;
		return err_sys(w->e, "write the archive");
	}
	return err_set(w->e, EIO, "%s '%s': %s", what, w->rel.len ? w->rel.s : "/",
		       la_archive_error_string(w->a));
}

static int
add_xattrs(struct walker *w, int fd, int dfd, const char *name)
{
	char list[65536], val[65536];
	cleanup_free char *path = fd < 0 ? xasprintf("/proc/self/fd/%d/%s", dfd, name) : NULL;
	ssize_t n =
	    fd >= 0 ? flistxattr(fd, list, sizeof(list)) : llistxattr(path, list, sizeof(list));

	if (n < 0)
		return errno == ENOTSUP ? 0 : err_sys(w->e, "list xattrs of '%s'", w->rel.s);
	for (char *k = list; k < list + n; k += strlen(k) + 1) {
		ssize_t v;

		if (str_has_prefix(k, "trusted.overlay.") || str_has_prefix(k, "trusted.iocage"))
			continue; /* the overlay's and the dir backend's own bookkeeping */
		v = fd >= 0 ? fgetxattr(fd, k, val, sizeof(val))
			    : lgetxattr(path, k, val, sizeof(val));
		if (v < 0)
			return err_sys(w->e, "read xattr %s of '%s'", k, w->rel.s);
		la_archive_entry_xattr_add_entry(w->ae, k, val, (size_t)v);
	}
	return 0;
}

static const char *
hardlink_of(struct walker *w, const struct stat *st)
{
	if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return NULL;
	for (size_t i = 0; i < w->nhl; i++)
		if (w->hl[i].dev == st->st_dev && w->hl[i].ino == st->st_ino)
			return w->hl[i].path;
	if (w->nhl == w->caphl) {
		w->caphl = w->caphl ? 2 * w->caphl : 64;
		w->hl = xrealloc(w->hl, w->caphl * sizeof(*w->hl));
	}
	w->hl[w->nhl++] = (struct hardlink){st->st_dev, st->st_ino, xstrdup(w->rel.s)};
	return NULL;
}

static int
copy_data(struct walker *w, int fd)
{
	ssize_t n;

	while ((n = read(fd, w->buf, 1 << 18)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(w->e, "read '%s'", w->rel.s);
		if (la_archive_write_data(w->a, w->buf, (size_t)n) != n)
			return la_fail(w, "write");
		w->bytes += (uint64_t)n;
		walk_progress(w, false);
	}
	return 0;
}

/* The header of the entry at rel (st of it), with its xattrs; fd is open for files and
 * directories. */
static int
write_header(struct walker *w, int dfd, const char *name, int fd, const struct stat *st)
{
	cleanup_free char *p =
	    xasprintf("root%s%s", w->rel.len ? "/" : "", w->rel.s ? w->rel.s : "");
	const char *link = hardlink_of(w, st);
	char target[PATH_MAX];

	la_archive_entry_clear(w->ae);
	la_archive_entry_set_pathname(w->ae, p);
	la_archive_entry_set_mode(w->ae, st->st_mode);
	la_archive_entry_set_uid(w->ae, st->st_uid);
	la_archive_entry_set_gid(w->ae, st->st_gid);
	la_archive_entry_set_mtime(w->ae, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	if (link) {
		cleanup_free char *lp = xasprintf("root/%s", link);

		la_archive_entry_set_hardlink(w->ae, lp);
		la_archive_entry_set_size(w->ae, 0);
	} else if (S_ISREG(st->st_mode)) {
		la_archive_entry_set_size(w->ae, st->st_size);
	} else if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);

		if (n < 0)
			return err_sys(w->e, "readlink '%s'", w->rel.s);
		target[n] = '\0';
		la_archive_entry_set_symlink(w->ae, target);
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		la_archive_entry_set_rdevmajor(w->ae, major(st->st_rdev));
		la_archive_entry_set_rdevminor(w->ae, minor(st->st_rdev));
	}
	if (!link && add_xattrs(w, fd, dfd, name) < 0)
		return -1;
	if (la_archive_write_header(w->a, w->ae) != ARCHIVE_OK)
		return la_fail(w, "archive");
	if (!link && S_ISREG(st->st_mode) && copy_data(w, fd) < 0)
		return -1;
	w->files++;
	walk_progress(w, false);
	return 0;
}

static void
note_special(struct walker *w, const struct stat *st)
{
	char t = S_ISCHR(st->st_mode) ? 'c' : S_ISBLK(st->st_mode) ? 'b' : 'f';
	unsigned maj = t == 'f' ? 0 : major(st->st_rdev), min = t == 'f' ? 0 : minor(st->st_rdev);

	if (w->a || !w->m)
		return;
	if (t == 'f' && !(S_ISREG(st->st_mode) && (st->st_mode & 06000)))
		return;
	strv_push_take(
	    &w->m->special,
	    xasprintf("%c %04o %u %u %s", t, (unsigned)(st->st_mode & 07777), maj, min, w->rel.s));
}

static int walk_dir(struct walker *w, int dfd, unsigned depth, size_t *kept);

/* A directory of an upper layer that holds nothing kept and is in the lower one alike: only
 * the overlay copied it up. */
static bool
dir_is_noise(struct walker *w, const struct stat *st, size_t kept, bool opaque)
{
	struct stat lo;

	if (!w->prune || kept || opaque || !w->rel.len)
		return false;
	if (stat_beneath(w->lowerfd, w->rel.s, &lo) < 0 || !S_ISDIR(lo.st_mode))
		return false;
	return lo.st_uid == st->st_uid && lo.st_gid == st->st_gid &&
	       (lo.st_mode & 07777) == (st->st_mode & 07777);
}

static int
walk_subdir(struct walker *w, int dfd, const char *name, const struct stat *st, unsigned depth,
	    size_t *kept)
{
	cleanup_close int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	size_t sub = 0;
	bool opaque = false;
	char v[8];

	if (fd < 0)
		return err_sys(w->e, "open '%s'", w->rel.s);
	if (w->package && w->rel.len)
		opaque = fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y';
	if (w->a) {
		if (strv_contains(&w->skip, w->rel.s))
			return 0;
		if (write_header(w, dfd, name, fd, st) < 0)
			return -1;
		return walk_dir(w, fd, depth + 1, &sub);
	}
	if (walk_dir(w, fd, depth + 1, &sub) < 0)
		return -1;
	if (dir_is_noise(w, st, sub, opaque)) {
		strv_push(&w->skip, w->rel.s);
		return 0;
	}
	if (opaque)
		strv_push(&w->m->opaque, w->rel.s);
	(*kept)++;
	return 0;
}

static int
walk_one(struct walker *w, int dfd, const char *name, unsigned depth, size_t *kept)
{
	struct stat st;
	cleanup_close int fd = -1;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(w->e, "stat '%s'", w->rel.s);
	if (w->prune && is_noise(w->rel.s))
		return 0;
	if (w->package && S_ISCHR(st.st_mode) && st.st_rdev == 0) {
		/* An overlay whiteout: the file was deleted. */
		if (!w->a)
			strv_push(&w->m->whiteout, w->rel.s);
		(*kept) += !w->a;
		return 0;
	}
	if (S_ISSOCK(st.st_mode))
		return 0; /* meaningful only to the process that bound it */
	if (S_ISDIR(st.st_mode))
		return st.st_dev != w->dev ? 0 /* a mount below: not the jail's */
					   : walk_subdir(w, dfd, name, &st, depth, kept);
	(*kept)++;
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISREG(st.st_mode))
		note_special(w, &st);
	if (!w->a)
		return 0;
	if (S_ISREG(st.st_mode)) {
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOATIME | O_CLOEXEC);
		if (fd < 0 && errno == EPERM)
			fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			return err_sys(w->e, "open '%s'", w->rel.s);
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			return err_set(w->e, EAGAIN, "'%s' changed while it was archived",
				       w->rel.s);
	}
	return write_header(w, dfd, name, fd, &st);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of a directory, sorted: the same tree gives the same archive. */
static int
read_names(struct walker *w, int dfd, struct strv *out)
{
	int fd = dup(dfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return err_sys(w->e, "read '%s'", w->rel.len ? w->rel.s : "/");
	}
	rewinddir(d);
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			strv_push(out, de->d_name);
	closedir(d);
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return 0;
}

static int
walk_dir(struct walker *w, int dfd, unsigned depth, size_t *kept)
{
	struct strv names = {0};
	size_t len = w->rel.len;
	int r = 0;

	if (depth > 256)
		return err_set(w->e, ELOOP, "'%s': directories nested too deep", w->rel.s);
	if (read_names(w, dfd, &names) < 0)
		return -1;
	for (size_t i = 0; i < names.n && r == 0; i++) {
		if (len)
			sbuf_addc(&w->rel, '/');
		sbuf_add(&w->rel, names.v[i]);
		r = walk_one(w, dfd, names.v[i], depth, kept);
		w->rel.len = len;
		if (w->rel.s)
			w->rel.s[len] = '\0';
	}
	strv_free(&names);
	return r;
}

/* Scan (a == NULL) or write the tree at rootfd. */
static int
walk_tree(struct walker *w, int rootfd)
{
	struct stat st;
	size_t kept = 0;

	if (fstat(rootfd, &st) < 0)
		return err_sys(w->e, "stat the root");
	w->dev = st.st_dev;
	sbuf_add(&w->rel, "");
	if (w->a && write_header(w, rootfd, ".", rootfd, &st) < 0)
		return -1;
	if (walk_dir(w, rootfd, 0, &kept) < 0)
		return -1;
	walk_progress(w, true);
	return 0;
}

static void
walker_free(struct walker *w)
{
	for (size_t i = 0; i < w->nhl; i++)
		free(w->hl[i].path);
	free(w->hl);
	w->hl = NULL;
	w->nhl = w->caphl = 0;
	strv_free(&w->skip);
	sbuf_free(&w->rel);
	free(w->buf);
	w->buf = NULL;
}

/* ---- writing an archive ---- */

static la_ssize_t
sink_write(struct archive *a, void *arg, const void *buf, size_t len)
{
	struct walker *w = arg;

	(void)a;
	sha256_update(&w->sum, buf, len);
	if (write_all(w->out_fd, buf, len) < 0) {
		w->werr = errno;
		return -1;
	}
	return (la_ssize_t)len;
}

static int
write_manifest(struct walker *w, const struct manifest *m)
{
	cleanup_free char *text = manifest_format(m);
	size_t len = strlen(text);

	la_archive_entry_clear(w->ae);
	la_archive_entry_set_pathname(w->ae, "MANIFEST");
	la_archive_entry_set_mode(w->ae, S_IFREG | 0644);
	la_archive_entry_set_size(w->ae, (la_int64_t)len);
	la_archive_entry_set_mtime(w->ae, (time_t)m->exported, 0);
	if (la_archive_write_header(w->a, w->ae) != ARCHIVE_OK ||
	    la_archive_write_data(w->a, text, len) != (la_ssize_t)len)
		return la_fail(w, "write MANIFEST");
	return 0;
}

static int
open_writer(struct walker *w)
{
	w->a = la_archive_write_new();
	w->ae = la_archive_entry_new();
	if (!w->a || !w->ae)
		return err_set(w->e, ENOMEM, "out of memory");
	la_archive_write_set_format_pax_restricted(w->a);
	/* No zero padding after the compressed stream: the trailer must follow it directly. */
	la_archive_write_set_bytes_in_last_block(w->a, 1);
	if (la_archive_write_add_filter_zstd(w->a) != ARCHIVE_OK)
		return la_fail(w, "zstd");
	/* Threads where this libarchive and libzstd have them; one otherwise. */
	la_archive_write_set_filter_option(w->a, "zstd", "threads", "2");
	if (la_archive_write_open(w->a, w, NULL, sink_write, NULL) != ARCHIVE_OK)
		return la_fail(w, "open");
	return 0;
}

/* The digest of what was written, the trailer after it, and (hex) the digest of the whole. */
static int
finish_archive(struct walker *w, char hex[SHA256_HEX_LEN + 1])
{
	unsigned char tr[IMAGE_TRAILER_LEN];
	char body[SHA256_HEX_LEN + 1];
	struct sha256 whole;

	if (la_archive_write_close(w->a) != ARCHIVE_OK)
		return la_fail(w, "finish");
	whole = w->sum;
	sha256_hex(&w->sum, body);
	image_trailer(body, tr);
	if (write_all(w->out_fd, tr, sizeof(tr)) < 0)
		return err_sys(w->e, "write the archive");
	sha256_update(&whole, tr, sizeof(tr));
	sha256_hex(&whole, hex);
	return 0;
}

/* The archive of the tree at rootfd onto fd, then the trailer; hex gets the digest of the
 * whole (for the .sha256 file). The scan pass completes m first: it is the first entry. */
static int
write_archive(struct walker *w, int rootfd, struct manifest *m, int fd, char hex[65])
{
	int r = -1;

	sha256_init(&w->sum);
	w->out_fd = fd;
	w->m = m;
	if (walk_tree(w, rootfd) < 0)
		return -1;
	for (size_t i = 0; i < w->nhl; i++)
		free(w->hl[i].path);
	w->nhl = 0;
	w->buf = xmalloc(1 << 18);
	if (open_writer(w) == 0 && write_manifest(w, m) == 0 && walk_tree(w, rootfd) == 0 &&
	    finish_archive(w, hex) == 0)
		r = 0;
	if (w->a)
		la_archive_write_free(w->a);
	if (w->ae)
		la_archive_entry_free(w->ae);
	w->a = NULL;
	w->ae = NULL;
	return r;
}

/* ---- where archives go ---- */

/* The parts "PATH.part-PID" that a writer killed before it published left (its PID is gone). */
static void
drop_dead_parts(const char *path)
{
	const char *slash = strrchr(path, '/');
	cleanup_free char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	cleanup_free char *prefix = xasprintf("%s.part-", slash ? slash + 1 : path);
	cleanup_closedir DIR *d = opendir(*dir ? dir : "/");
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char *end;
		long pid;

		if (!str_has_prefix(de->d_name, prefix))
			continue;
		errno = 0;
		pid = strtol(de->d_name + strlen(prefix), &end, 10);
		if (errno || *end || pid <= 0 || pid == (long)getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			fault_point("export: dead part removed");
	}
}

/* A new file beside path, renamed onto it by publish: a reader never sees a part. */
static int
open_part(const char *path, char **ret_tmp, struct ioc_err *e)
{
	char *tmp = xasprintf("%s.part-%ld", path, (long)getpid());
	int fd;

	drop_dead_parts(path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		err_sys(e, "create %s", tmp);
		free(tmp);
		return -1;
	}
	*ret_tmp = tmp;
	return fd;
}

static int
publish(int fd, const char *tmp, const char *path, const char *hex, struct ioc_err *e)
{
	const char *base = strrchr(path, '/');
	cleanup_free char *sum = xasprintf("%s.sha256", path);
	cleanup_free char *line = xasprintf("%s  %s\n", hex, base ? base + 1 : path);

	if (fsync(fd) < 0)
		return err_sys(e, "write %s", tmp);
	fault_point("export: written");
	/* The old checksum goes first: killed anywhere, no image has another's beside it. */
	if (unlink(sum) < 0 && errno != ENOENT)
		return err_sys(e, "remove %s", sum);
	fault_point("export: old checksum removed");
	if (rename(tmp, path) < 0)
		return err_sys(e, "rename %s to %s", tmp, path);
	fault_point("export: published");
	if (write_file_atomic(sum, line, strlen(line), 0644, e) < 0)
		return -1;
	fault_point("export: checksum written");
	return 0;
}

/* ---- export ---- */

static char *
origin_of(struct ioc *ioc, const struct jail *j)
{
	cleanup_free char *root = ds_child(j->ds, "root");
	struct ds d = {0};
	struct ioc_err e;
	const char *o;
	char *r = NULL;

	if (ioc->st->ops->get(ioc->st, root, STORE_NATIVE, &d, &e) == 0 &&
	    (o = kvlist_get(&d.native, "origin")) && *o && !streq(o, "-")) {
		if (str_has_prefix(o, "templates/") && strlen(o) > 10 + UUID_STRLEN)
			r = xasprintf("template %.*s", UUID_STRLEN, o + 10);
		else if (str_has_prefix(o, "releases/") && strchr(o + 9, '/'))
			r = xasprintf("release %.*s", (int)(strchr(o + 9, '/') - (o + 9)), o + 9);
	}
	ds_free(&d);
	if (!r) {
		const char *rl = kvlist_get(&j->props, "release");

		r = rl && !streq(rl, "none") ? xasprintf("release %s", rl) : xstrdup("none");
	}
	return r;
}

static long long
creation_of(struct ioc *ioc, const struct jail *j)
{
	struct ds d = {0};
	struct ioc_err e;
	uint64_t n = 0;
	const char *c;

	if (ioc->st->ops->get(ioc->st, j->ds, STORE_NATIVE, &d, &e) == 0 &&
	    (c = kvlist_get(&d.native, "creation")))
		parse_u64(c, &n);
	ds_free(&d);
	return (long long)n;
}

static void
manifest_of(struct ioc *ioc, const struct jail *j, const char *kind, struct manifest *m)
{
	const char *rl = kvlist_get(&j->props, "release");
	const char *ty = kvlist_get(&j->props, "type");

	m->version = IMAGE_VERSION;
	m->kind = xstrdup(kind);
	m->uuid = xstrdup(j->uuid);
	m->type = xstrdup(ty ? ty : "thickjail");
	m->release = xstrdup(rl ? rl : "none");
	m->origin = origin_of(ioc, j);
	m->created = creation_of(ioc, j);
	m->exported = (long long)time(NULL);
	for (size_t i = 0; i < j->props.n; i++) {
		const char *k = j->props.v[i].key;

		if (!streq(k, PARTIAL_KEY) && !streq(k, "template"))
			kvlist_set(&m->props, k, j->props.v[i].val);
	}
}

/* The jail's root, mounted, opened for reading. */
static int
open_root(struct ioc *ioc, const struct jail *j, struct ioc_err *e)
{
	cleanup_free char *root = ds_child(j->ds, "root"), *path = NULL;
	int fd;

	if (ioc->st->ops->mount(ioc->st, root, e) < 0)
		return -1;
	if (!(path = ioc->st->ops->path(ioc->st, root)))
		return err_set(e, ENOENT, "%s has no mountpoint", root);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? err_sys(e, "open %s", path) : fd;
}

static int
lock_stopped(struct ioc *ioc, const struct jail *j, const char *what, struct ioc_err *e)
{
	char name[64];
	struct jail_proc jp;
	int fd;

	snprintf(name, sizeof(name), "jail-%s", j->uuid);
	if ((fd = lock_take(ioc->st, name, true, 60, e)) < 0)
		return -1;
	if (jail_running(j, &jp)) {
		lock_release(fd);
		return err_set(e, EBUSY, "%s (%s) is running; stop it before %s (`iocage stop %s`)",
			       j->uuid, j->tag, what, j->tag);
	}
	return fd;
}

static int
export_to(struct ioc *ioc, const struct jail *j, const struct export_opts *o, const char *path,
	  struct ioc_err *e)
{
	struct walker w = {.e = e, .progress = o->progress, .lowerfd = -1};
	struct manifest m = {0};
	cleanup_free char *tmp = NULL;
	cleanup_close int rootfd = -1, fd = -1;
	char hex[SHA256_HEX_LEN + 1];
	int r = -1;

	if ((rootfd = open_root(ioc, j, e)) < 0)
		return -1;
	if (streq(path, "-")) {
		if (isatty(STDOUT_FILENO))
			return err_set(e, EINVAL, "standard output is a terminal; give -o FILE");
	} else if ((fd = open_part(path, &tmp, e)) < 0) {
		return -1;
	}
	manifest_of(ioc, j, "jail", &m);
	if (write_archive(&w, rootfd, &m, fd >= 0 ? fd : STDOUT_FILENO, hex) == 0 &&
	    (fd < 0 || publish(fd, tmp, path, hex, e) == 0))
		r = 0;
	if (r < 0 && tmp)
		unlink(tmp);
	walker_free(&w);
	manifest_free(&m);
	return r;
}

int
image_export(struct ioc *ioc, const struct jail *j, const struct export_opts *o, char **ret_path,
	     struct ioc_err *e)
{
	cleanup_free char *path = NULL;
	int lockfd, r;

	if (la_load(e) < 0)
		return -1;
	if (o->out) {
		path = xstrdup(o->out);
	} else {
		cleanup_free char *dir = ioc->st->ops->path(ioc->st, "images");

		if (!dir)
			return err_set(e, ENOENT, "the store has no images directory");
		path = xasprintf("%s/%s.tar.zst", dir, j->uuid);
	}
	if ((lockfd = lock_stopped(ioc, j, "exporting it", e)) < 0)
		return -1;
	r = export_to(ioc, j, o, path, e);
	lock_release(lockfd);
	if (r < 0)
		return err_wrap(e, "export %s (%s)", j->uuid, j->tag);
	*ret_path = TAKE_PTR(path);
	return 0;
}

/* ---- reading and checking an archive ---- */

/* Files in images/ and packages/ whose name starts with prefix and ends in .tar.zst. */
static void
find_prefix(struct ioc *ioc, const char *sub, const char *prefix, struct strv *out)
{
	cleanup_free char *dir = ioc->st->ops->path(ioc->st, sub);
	cleanup_closedir DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && str_has_prefix(de->d_name, prefix) &&
		    str_has_suffix(de->d_name, ".tar.zst"))
			strv_push_take(out, xasprintf("%s/%s", dir, de->d_name));
}

static int
resolve_source(struct ioc *ioc, const char *src, char **ret, struct ioc_err *e)
{
	struct strv found = {0};
	struct stat st;
	int r = 0;

	if (strchr(src, '/') || stat(src, &st) == 0) {
		*ret = xstrdup(src);
		return 0;
	}
	find_prefix(ioc, "images", src, &found);
	find_prefix(ioc, "packages", src, &found);
	if (found.n == 1) {
		*ret = xstrdup(found.v[0]);
	} else if (!found.n) {
		r = err_set(e, ENOENT,
			    "no file '%s' and no image or package named %s... in the store", src,
			    src);
	} else {
		struct sbuf b = {0};

		for (size_t i = 0; i < found.n; i++)
			sbuf_addf(&b, "%s%s", i ? ", " : "", strrchr(found.v[i], '/') + 1);
		r = err_set(e, EINVAL, "'%s' names several: %s", src, sbuf_str(&b));
		sbuf_free(&b);
	}
	strv_free(&found);
	return r;
}

/* Standard input into an unnamed file in images/ (gone with us, however we end). */
static int
spool_stdin(struct ioc *ioc, struct ioc_err *e)
{
	cleanup_free char *dir = ioc->st->ops->path(ioc->st, "images");
	cleanup_free char *buf = xmalloc(1 << 18);
	int fd;
	ssize_t n;

	if (isatty(STDIN_FILENO))
		return err_set(e, EINVAL, "standard input is a terminal; pipe an image into it");
	if (!dir)
		return err_set(e, ENOENT, "the store has no images directory");
	if ((fd = tmpfile_in(dir, e)) < 0)
		return -1;
	while ((n = read(STDIN_FILENO, buf, 1 << 18)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write_all(fd, buf, (size_t)n) < 0) {
			err_sys(e, n < 0 ? "read standard input" : "write %s", dir);
			close(fd);
			return -1;
		}
	}
	return fd;
}

static int
copy_fd(int in, int out, struct ioc_err *e)
{
	char buf[1 << 16];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write_all(out, buf, (size_t)n) < 0)
			return err_sys(e, "copy");
	}
	return 0;
}

/* A file that someone but root could change after it is verified is read from a copy of
 * ours: what is checked must be what is unpacked. */
static int
private_copy(struct ioc *ioc, int *fd, struct ioc_err *e)
{
	cleanup_free char *dir = ioc->st->ops->path(ioc->st, "images");
	struct stat st;
	int tmp;

	if (fstat(*fd, &st) < 0)
		return err_sys(e, "stat");
	if (!S_ISREG(st.st_mode))
		return err_set(e, EINVAL, "not a regular file");
	if (st.st_uid == 0 && !(st.st_mode & 022))
		return 0;
	if (!dir)
		return err_set(e, ENOENT, "the store has no images directory");
	if ((tmp = tmpfile_in(dir, e)) < 0)
		return -1;
	if (copy_fd(*fd, tmp, e) < 0) {
		close(tmp);
		return -1;
	}
	close(*fd);
	*fd = tmp;
	return 0;
}

/* hex of the .sha256 beside path, when there is one. */
static int
sidecar(const char *path, char hex[65])
{
	cleanup_free char *p = xasprintf("%s.sha256", path), *s = NULL;
	struct ioc_err e;

	if (read_file(p, &s, 4096, &e) < 0 || strlen(s) < 64)
		return 0;
	memcpy(hex, s, 64);
	hex[64] = '\0';
	return 1;
}

/* Before anything else: the trailer's digest must be that of every byte before it, and the
 * .sha256 beside a file (if any) that of the whole. */
static int
verify(int fd, const char *path, struct ioc_err *e)
{
	unsigned char tr[IMAGE_TRAILER_LEN];
	char want[65], side[65], got[65], whole[65];
	cleanup_free char *buf = xmalloc(1 << 18);
	struct sha256 s, w;
	struct stat st;
	off_t left, off = 0;
	bool has_side = path && sidecar(path, side);

	if (fstat(fd, &st) < 0)
		return err_sys(e, "stat");
	if (st.st_size < (off_t)sizeof(tr) ||
	    pread(fd, tr, sizeof(tr), st.st_size - (off_t)sizeof(tr)) != (ssize_t)sizeof(tr) ||
	    image_trailer_parse(tr, sizeof(tr), want) < 0)
		return err_set(e, EINVAL,
			       "truncated or not an iocage image: no checksum at its end");
	sha256_init(&s);
	for (left = st.st_size - (off_t)sizeof(tr); left > 0;) {
		ssize_t n = pread(fd, buf, left < (1 << 18) ? (size_t)left : (1 << 18), off);

		if (n <= 0)
			return n < 0 ? err_sys(e, "read") : err_set(e, EIO, "short read");
		sha256_update(&s, buf, (size_t)n);
		off += n;
		left -= n;
	}
	w = s;
	sha256_update(&w, tr, sizeof(tr));
	sha256_hex(&w, whole);
	sha256_hex(&s, got);
	if (has_side && !streq(side, whole))
		return err_set(e, EINVAL,
			       "checksum mismatch: %s.sha256 says %.16s..., the file is "
			       "%.16s...; nothing was imported",
			       path, side, whole);
	if (!streq(got, want))
		return err_set(e, EINVAL,
			       "checksum mismatch: the archive says %.16s..., its contents are "
			       "%.16s...; nothing was imported",
			       want, got);
	return 0;
}

/* What the scan of a verified archive found. */
struct scan {
	struct manifest m;
	struct strv files; /* package: every non-directory entry (relative to root/) */
	unsigned long long entries;
};

static int
read_manifest(struct archive *a, struct archive_entry *ae, struct manifest *m, struct ioc_err *e)
{
	la_int64_t size = la_archive_entry_size(ae);
	cleanup_free char *text = NULL;
	la_ssize_t n;

	if (!streq(la_archive_entry_pathname(ae), "MANIFEST") ||
	    la_archive_entry_filetype(ae) != AE_IFREG)
		return err_set(e, EINVAL, "not an iocage image: its first entry is not MANIFEST");
	if (size <= 0 || size > (la_int64_t)IMAGE_MANIFEST_MAX)
		return err_set(e, EINVAL, "MANIFEST: a bad size");
	text = xmalloc((size_t)size);
	n = la_archive_read_data(a, text, (size_t)size);
	if (n != (la_ssize_t)size)
		return err_set(e, EIO, "MANIFEST: %s",
			       n < 0 ? la_archive_error_string(a) : "short");
	return manifest_parse(text, (size_t)size, m, e);
}

/* An entry's name below root/ ("" for root itself) in out; refused elsewhere. */
static int
under_root(const char *what, const char *name, char *out, size_t len, struct ioc_err *e)
{
	char norm[PATH_MAX];

	if (archive_check_path(name, norm, sizeof(norm), e) < 0)
		return -1;
	if (streq(norm, "root")) {
		out[0] = '\0';
		return 0;
	}
	if (!str_has_prefix(norm, "root/"))
		return err_set(e, EPERM, "%s '%s' is outside root/", what, name);
	snprintf(out, len, "%s", norm + 5);
	return 0;
}

/* trusted.iocage* xattrs are the dir backend's properties: a jail's root is a dataset there. */
static int
scan_xattrs(struct archive_entry *ae, const char *name, struct ioc_err *e)
{
	const char *k;
	const void *v;
	size_t n;

	la_archive_entry_xattr_reset(ae);
	while (la_archive_entry_xattr_next(ae, &k, &v, &n) == ARCHIVE_OK)
		if (str_has_prefix(k, "trusted.iocage") || str_has_prefix(k, "trusted.overlay."))
			return err_set(e, EPERM, "archive entry '%s': the xattr %s is refused",
				       name, k);
	return 0;
}

static int
scan_entry(struct scan *sc, struct archive_entry *ae, struct ioc_err *e)
{
	const char *name = la_archive_entry_pathname(ae);
	const char *link = la_archive_entry_hardlink(ae);
	unsigned type = la_archive_entry_filetype(ae), mode = la_archive_entry_mode(ae);
	char rel[PATH_MAX], lrel[PATH_MAX];

	if (!name)
		return err_set(e, EINVAL, "an entry has an unreadable name");
	if (under_root("archive entry", name, rel, sizeof(rel), e) < 0 ||
	    scan_xattrs(ae, name, e) < 0)
		return -1;
	if (link)
		return under_root("hard link target", link, lrel, sizeof(lrel), e) < 0 ? -1 : 0;
	if (type == AE_IFLNK) {
		const char *t = la_archive_entry_symlink(ae);

		if (!*rel)
			return err_set(e, EPERM, "archive entry '%s': the root cannot be a symlink",
				       name);
		if (archive_check_symlink(rel, t ? t : "", e) < 0)
			return -1;
	}
	if ((type == AE_IFCHR || type == AE_IFBLK) &&
	    !manifest_allows(&sc->m, type == AE_IFCHR ? 'c' : 'b', mode,
			     la_archive_entry_rdevmajor(ae), la_archive_entry_rdevminor(ae), rel))
		return err_set(
		    e, EPERM, "archive entry '%s': a device node the manifest does not list", name);
	if (type == AE_IFREG && (mode & 06000) && !manifest_allows(&sc->m, 'f', mode, 0, 0, rel))
		return err_set(
		    e, EPERM,
		    "archive entry '%s': a set-uid/set-gid file the manifest does not list", name);
	if (type != AE_IFDIR && *rel && streq(sc->m.kind, "package"))
		strv_push(&sc->files, rel);
	return 0;
}

static int
scan_archive(const char *path, struct scan *sc, struct ioc_err *e)
{
	struct archive *a = la_archive_read_new();
	struct archive_entry *ae;
	int r = 0, h;

	if (!a)
		return err_set(e, ENOMEM, "out of memory");
	la_archive_read_support_filter_all(a);
	la_archive_read_support_format_all(a);
	if (la_archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK ||
	    la_archive_read_next_header(a, &ae) != ARCHIVE_OK)
		r = err_set(e, EINVAL, "not an iocage image: %s", la_archive_error_string(a));
	if (r == 0)
		r = read_manifest(a, ae, &sc->m, e);
	while (r == 0 && (h = la_archive_read_next_header(a, &ae)) != ARCHIVE_EOF) {
		if (h != ARCHIVE_OK && h != ARCHIVE_WARN)
			r = err_set(e, EINVAL, "a damaged archive: %s", la_archive_error_string(a));
		else
			r = scan_entry(sc, ae, e);
		sc->entries++;
	}
	if (r == 0 && !sc->entries)
		r = err_set(e, EINVAL, "the archive holds no root");
	la_archive_read_free(a);
	return r;
}

static void
scan_free(struct scan *sc)
{
	manifest_free(&sc->m);
	strv_free(&sc->files);
}

/* ---- import ---- */

/* Directories a basejail owns (as create makes them). */
static const char *const base_own_dirs[] = {"etc", "var", "root", "home", "tmp", NULL};

struct import_ctx {
	struct ioc *ioc;
	const struct import_opts *o;
	struct scan sc;
	const char *file; /* the verified archive */
	bool package;
	char uuid[UUID_STRLEN + 1];
	char ds[64], root[80], lock[64];
	struct kvlist props, natives;
	enum jail_type type;
	char *base_src, *base_snap; /* package: where the root comes from */
	bool snap_made;             /* base_snap was made for this jail (a template's) */
	struct jails all;
};

static void
host_id(char *buf, size_t len)
{
	cleanup_free char *s = NULL;
	struct ioc_err e;

	if (read_file("/etc/machine-id", &s, 4096, &e) < 0 || !s[0]) {
		snprintf(buf, len, "none");
		return;
	}
	s[strcspn(s, "\n")] = '\0';
	snprintf(buf, len, "%s", s);
}

static void
note(struct import_ctx *x, const char *fmt, const char *arg)
{
	char buf[256];

	snprintf(buf, sizeof(buf), fmt, arg);
	if (x->o->note)
		x->o->note(buf, x->o->arg);
}

/* Whether an imported property is dropped: what is particular to the jail on its old host
 * (and, for a new jail, to the old jail). */
static bool
drop_prop(struct import_ctx *x, const char *k)
{
	static const char *const always[] = {PARTIAL_KEY, "template", "last_started", "type",
					     "release",   "hostid",   "host_hostuuid"};
	bool fresh = x->package || x->o->new_uuid;

	for (size_t i = 0; i < ARRAY_SIZE(always); i++)
		if (streq(k, always[i]))
			return true;
	return fresh && (streq(k, "tag") || streq(k, "host_hostname") ||
			 (str_has_prefix(k, "vnet") && str_has_suffix(k, "_mac")));
}

/* One value, checked as `set` checks it (create-only properties allowed). */
static int
take_prop(struct import_ctx *x, const char *k, const char *v, bool given, struct ioc_err *e)
{
	cleanup_free char *canon = NULL;
	const struct prop *p = prop_find(k);

	if (!given && p && (p->flags & PF_HOSTHOOK)) {
		if (!streq(v, "none"))
			note(x, "%s is not imported: it runs on the host", k);
		return 0;
	}
	if (prop_check_set(k, v, true, &canon, e) < 0)
		return err_wrap(e, "%s property", given ? "given" : "imported");
	if (p->flags & PF_NATIVE) {
		if (given)
			kvlist_set(&x->natives, p->name, canon);
		return 0;
	}
	kvlist_set(&x->props, p->name, canon);
	return 0;
}

static int
import_props(struct import_ctx *x, struct ioc_err *e)
{
	const struct manifest *m = &x->sc.m;
	const char *rl;
	char hid[128];

	for (size_t i = 0; i < m->props.n; i++)
		if (!drop_prop(x, m->props.v[i].key) &&
		    take_prop(x, m->props.v[i].key, m->props.v[i].val, false, e) < 0)
			return -1;
	for (size_t i = 0; i < x->o->props.n; i++)
		if (take_prop(x, x->o->props.v[i].key, x->o->props.v[i].val, true, e) < 0)
			return -1;
	rl = kvlist_get(&x->props, "release");
	if (!rl)
		kvlist_set(&x->props, "release", m->release);
	kvlist_set(&x->props, "type", jail_type_name(x->type));
	host_id(hid, sizeof(hid));
	kvlist_set(&x->props, "hostid", hid);
	if (!kvlist_get(&x->props, "tag")) {
		char tag[TAG_MAX + 1];

		tag_default(time(NULL), tag, sizeof(tag));
		kvlist_set(&x->props, "tag", tag);
	}
	return 0;
}

static int
need_release(struct import_ctx *x, const char *name, const char *what, struct ioc_err *e)
{
	cleanup_free char *snap = NULL;

	if (release_snapshot(x->ioc->st, name, &snap, e) < 0)
		return err_set(e, ENOENT,
			       "%s needs release %s, which is not fetched here; fetch it with "
			       "`iocage fetch release=%s` (or `iocage fetch -F FILE release=%s`)",
			       what, name, name, name);
	if (x->package) {
		x->base_src = xasprintf("releases/%s/root", name);
		x->base_snap = TAKE_PTR(snap);
	}
	return 0;
}

static int
package_base(struct import_ctx *x, struct ioc_err *e)
{
	const char *base = x->sc.m.base, *want = kvlist_get(&x->o->props, "release");
	char what[128];

	if (str_has_prefix(base, "release ")) {
		if (want && !streq(want, base + 8))
			return err_set(e, EINVAL,
				       "this package applies to release %s, not release %s; "
				       "import it without release=, on a host that has %s",
				       base + 8, want, base + 8);
		snprintf(what, sizeof(what), "the package (base: release %s)", base + 8);
		if (need_release(x, base + 8, what, e) < 0)
			return -1;
		x->type = streq(x->sc.m.type, "basejail")    ? JT_BASE
			  : streq(x->sc.m.type, "clonejail") ? JT_CLONE
							     : JT_THICK;
		return 0;
	}
	if (str_has_prefix(base, "template ")) {
		for (size_t i = 0; i < x->all.n; i++)
			if (x->all.v[i].template && streq(x->all.v[i].uuid, base + 9)) {
				x->base_src = xasprintf("%s/root", x->all.v[i].ds);
				x->type = JT_CLONE;
				return 0;
			}
		return err_set(e, ENOENT,
			       "this package applies to template %s, which is not here (`iocage "
			       "list -t`)",
			       base + 9);
	}
	if (streq(base, "none")) {
		x->type = JT_EMPTY;
		return 0;
	}
	return err_set(e, EINVAL, "this package applies to '%s', which iocage does not know", base);
}

/* What the manifest asks of this host, checked before anything is made. */
static int
check_base(struct import_ctx *x, struct ioc_err *e)
{
	const struct manifest *m = &x->sc.m;
	char what[128];

	if (x->package)
		return package_base(x, e);
	if (streq(m->type, "basejail")) {
		const char *rl = kvlist_get(&x->o->props, "release");

		snprintf(what, sizeof(what), "this basejail");
		x->type = JT_BASE;
		return need_release(x, rl ? rl : m->release, what, e);
	}
	x->type = streq(m->type, "emptyjail") ? JT_EMPTY : JT_THICK;
	return 0;
}

/* The UUID and the tag must be free (the caller holds the tags lock). */
static int
check_free(struct import_ctx *x, struct ioc_err *e)
{
	const char *tag = kvlist_get(&x->props, "tag");
	int r;

	for (size_t i = 0; i < x->all.n; i++) {
		if (streq(x->all.v[i].uuid, x->uuid))
			return err_set(
			    e, EEXIST,
			    "UUID %s is already taken here (%s); import with -n for a new "
			    "UUID",
			    x->uuid, x->all.v[i].tag);
		if (streq(x->all.v[i].tag, tag))
			return err_set(e, EEXIST,
				       "tag '%s' is already used by %s; give another with tag=NAME",
				       tag, x->all.v[i].uuid);
	}
	if ((r = x->ioc->st->ops->exists(x->ioc->st, x->ds, e)) != 0)
		return r < 0 ? -1 : err_set(e, EEXIST, "%s exists already", x->ds);
	return 0;
}

static int
make_root(struct import_ctx *x, struct ioc_err *e)
{
	struct store *st = x->ioc->st;
	cleanup_free char *path = NULL, *local = NULL;

	if (!x->package || x->type == JT_EMPTY)
		return st->ops->create(st, x->root, NULL, e);
	if (str_has_prefix(x->base_src, "templates/")) {
		x->base_snap = xstrdup(x->uuid);
		if (st->ops->snapshot(st, x->base_src, x->base_snap, e) < 0)
			return -1;
		x->snap_made = true;
	}
	if (x->type == JT_CLONE)
		return st->ops->clone(st, x->base_src, x->base_snap, x->root, e);
	if (x->type == JT_THICK)
		return st->ops->copy(st, x->base_src, x->base_snap, x->root, NULL, e);
	if (st->ops->copy(st, x->base_src, x->base_snap, x->root, base_own_dirs, e) < 0)
		return -1;
	if (!(path = st->ops->path(st, x->root)))
		return err_set(e, ENOENT, "%s has no mountpoint", x->root);
	local = xasprintf("%s/usr/local", path);
	return mkdir_p(local, 0755, e);
}

/* A package's deletions, before its files go in: whiteouts, directories replaced whole, and
 * directories where the package has something else. */
static int
apply_deletions(const struct scan *sc, int rootfd, struct ioc_err *e)
{
	const struct strv *lists[] = {&sc->m.whiteout, &sc->m.opaque};
	struct stat st;

	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (size_t i = 0; i < lists[l]->n; i++)
			if (remove_beneath(rootfd, lists[l]->v[i], e) < 0)
				return -1;
	for (size_t i = 0; i < sc->files.n; i++)
		if (stat_beneath(rootfd, sc->files.v[i], &st) == 0 && S_ISDIR(st.st_mode) &&
		    remove_beneath(rootfd, sc->files.v[i], e) < 0)
			return -1;
	return 0;
}

/* Unpack the verified, scanned archive over dataset ds (its root/ into ds/root). */
static int
apply_archive(struct ioc *ioc, const char *ds, const struct scan *sc, const char *file,
	      bool progress, struct ioc_err *e)
{
	cleanup_free char *root = ds_child(ds, "root");
	cleanup_free char *dir = ioc->st->ops->path(ioc->st, ds), *rpath = NULL;
	cleanup_close int rootfd = -1, dfd = -1;

	if (!dir || ioc->st->ops->mount(ioc->st, root, e) < 0 ||
	    !(rpath = ioc->st->ops->path(ioc->st, root)))
		return dir ? -1 : err_set(e, ENOENT, "%s has no directory", ds);
	if ((rootfd = open(rpath, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return err_sys(e, "open %s", rpath);
	if (apply_deletions(sc, rootfd, e) < 0)
		return -1;
	fault_point("import: deletions");
	if (archive_unpack(file, dir, progress, e) < 0)
		return -1;
	fault_point("import: unpacked");
	/* The manifest came out beside root/: it is no part of the jail. */
	if ((dfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    (unlinkat(dfd, "MANIFEST", 0) < 0 && errno != ENOENT))
		return err_sys(e, "remove %s/MANIFEST", dir);
	fault_point("import: manifest removed");
	return 0;
}

static int
set_natives(struct import_ctx *x, struct ioc_err *e)
{
	for (size_t i = 0; i < x->natives.n; i++)
		if (x->ioc->st->ops->set_native(x->ioc->st, x->ds, x->natives.v[i].key,
						x->natives.v[i].val, e) < 0)
			return -1;
	return 0;
}

/* Under the "creating" mark and the jail's lock: killed anywhere, the next command removes
 * what was made (jails_load's leftover cleaning, which also drops a template's snapshot
 * named after the jail). */
static int
build(struct import_ctx *x, struct ioc_err *e)
{
	struct store *st = x->ioc->st;
	struct strv unset = {0};
	struct ioc_err e2;
	int r = -1;

	kvlist_set(&x->props, PARTIAL_KEY, x->lock);
	if (st->ops->create(st, x->ds, &x->props, e) < 0)
		return -1;
	strv_push(&unset, PARTIAL_KEY);
	if (make_root(x, e) == 0 &&
	    apply_archive(x->ioc, x->ds, &x->sc, x->file, x->o->progress, e) == 0 &&
	    set_natives(x, e) == 0 && st->ops->set_user(st, x->ds, NULL, &unset, e) == 0)
		r = 0;
	strv_free(&unset);
	if (r == 0)
		return 0;
	if (st->ops->destroy(st, x->ds, &e2) < 0 ||
	    (x->snap_made && st->ops->snap_destroy(st, x->base_src, x->base_snap, &e2) < 0))
		err_wrap(e, "(and removing the half-made %s failed: %s)", x->ds, e2.msg);
	return -1;
}

static int
import_locked(struct import_ctx *x, struct ioc_err *e)
{
	int fd, tfd = -1, r = -1;

	if ((fd = lock_take(x->ioc->st, x->lock, false, 0, e)) < 0)
		return -1;
	if ((tfd = lock_take(x->ioc->st, "tags", true, 600, e)) < 0 ||
	    jails_load(x->ioc, 0, &x->all, e) < 0)
		goto out;
	if (check_base(x, e) < 0 || import_props(x, e) < 0 || check_free(x, e) < 0)
		goto out;
	r = build(x, e);
out:
	if (r < 0)
		lock_remove(x->ioc->st, x->lock);
	lock_release(tfd);
	lock_release(fd);
	return r;
}

static int
import_verified(struct import_ctx *x, char *ret_uuid, char **ret_tag, struct ioc_err *e)
{
	if (scan_archive(x->file, &x->sc, e) < 0)
		return -1;
	x->package = streq(x->sc.m.kind, "package");
	if (x->package || x->o->new_uuid)
		uuid_new(x->uuid);
	else
		snprintf(x->uuid, sizeof(x->uuid), "%s", x->sc.m.uuid);
	snprintf(x->ds, sizeof(x->ds), "jails/%s", x->uuid);
	snprintf(x->root, sizeof(x->root), "jails/%s/root", x->uuid);
	snprintf(x->lock, sizeof(x->lock), "jail-%s", x->uuid);
	if (import_locked(x, e) < 0)
		return -1;
	memcpy(ret_uuid, x->uuid, UUID_STRLEN + 1);
	*ret_tag = xstrdup(kvlist_get(&x->props, "tag"));
	return 0;
}

int
image_import(struct ioc *ioc, const struct import_opts *o, char *ret_uuid, char **ret_tag,
	     struct ioc_err *e)
{
	struct import_ctx x = {.ioc = ioc, .o = o};
	cleanup_free char *path = NULL, *fdpath = NULL;
	cleanup_close int fd = -1;
	int r = -1;

	if (la_load(e) < 0)
		return -1;
	if (streq(o->source, "-")) {
		if ((fd = spool_stdin(ioc, e)) < 0)
			return err_wrap(e, "import");
	} else {
		if (resolve_source(ioc, o->source, &path, e) < 0)
			return err_wrap(e, "import");
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return err_sys(e, "import: open %s", path);
		if (private_copy(ioc, &fd, e) < 0)
			return err_wrap(e, "import %s", path);
	}
	/* Read back through our own fd: what was verified is what is unpacked. */
	fdpath = xasprintf("/proc/self/fd/%d", fd);
	x.file = fdpath;
	if (verify(fd, path, e) == 0)
		r = import_verified(&x, ret_uuid, ret_tag, e);
	scan_free(&x.sc);
	kvlist_free(&x.props);
	kvlist_free(&x.natives);
	jails_free(&x.all);
	free(x.base_src);
	free(x.base_snap);
	return r < 0 ? err_wrap(e, "import %s", path ? path : "from standard input") : 0;
}

/* ---- record ---- */

/* Where a jail's recording lives: upper/ and work/ of the overlay (present while recording),
 * merged/ where it is mounted while the jail runs, and recording.tar.zst once stopped. On
 * the dir backend it is in the jail's dataset directory; a zfs-fuse dataset cannot be an
 * overlay's upper layer, so on ZFS it is on the host. */
#define RECORD_HOST_DIR "/var/lib/iocage-record"

static char *
record_dir(struct ioc *ioc, const struct jail *j)
{
	cleanup_free char *dir = NULL;

	if (ioc->st->pool)
		return xasprintf(RECORD_HOST_DIR "/%s/%s", ioc->st->pool, j->uuid);
	dir = ioc->st->ops->path(ioc->st, j->ds);
	return dir ? xasprintf("%s/record", dir) : NULL;
}

static char *
record_path(struct ioc *ioc, const struct jail *j, const char *what)
{
	cleanup_free char *dir = record_dir(ioc, j);

	return dir ? xasprintf("%s/%s", dir, what) : NULL;
}

bool
jail_recording(struct ioc *ioc, const struct jail *j)
{
	cleanup_free char *up = record_path(ioc, j, "upper");
	struct stat st;

	return up && lstat(up, &st) == 0 && S_ISDIR(st.st_mode);
}

/* upper/ gets the root's owner and mode, so that applying it leaves them as they were. */
static int
make_upper(const char *dir, const char *up, const char *wk, int rootfd, struct ioc_err *e)
{
	struct stat st;

	if (fstat(rootfd, &st) < 0)
		return err_sys(e, "stat the jail's root");
	if (mkdir_p(dir, 0700, e) < 0)
		return -1;
	if (mkdir(up, 0700) < 0 || mkdir(wk, 0700) < 0)
		return err_sys(e, "make %s", up);
	if (chown(up, st.st_uid, st.st_gid) < 0 || chmod(up, st.st_mode & 07777) < 0)
		return err_sys(e, "set the owner and mode of %s", up);
	return 0;
}

int
jail_record_start(struct ioc *ioc, const struct jail *j, struct ioc_err *e)
{
	cleanup_free char *dir = record_dir(ioc, j), *up = NULL, *wk = NULL;
	cleanup_close int rootfd = -1;
	int fd, r = -1;

	if (!dir)
		return err_set(e, ENOENT, "%s has no directory", j->ds);
	if ((fd = lock_stopped(ioc, j, "recording starts", e)) < 0)
		return -1;
	up = xasprintf("%s/upper", dir);
	wk = xasprintf("%s/work", dir);
	if (jail_recording(ioc, j))
		err_set(e, EEXIST, "%s (%s) is already recording", j->uuid, j->tag);
	else if ((rootfd = open_root(ioc, j, e)) >= 0 && rm_rf(wk, e) == 0)
		r = make_upper(dir, up, wk, rootfd, e);
	if (r < 0 && e->code != EEXIST) {
		struct ioc_err e2;

		rm_rf(up, &e2);
		rm_rf(wk, &e2);
	}
	lock_release(fd);
	return r;
}

/* ',' ':' and '\' separate overlayfs options and layers. */
static bool
ovl_safe(const char *p)
{
	return !strpbrk(p, ",:\\");
}

int
jail_record_mount(struct ioc *ioc, const struct jail *j, char **root, struct ioc_err *e)
{
	cleanup_free char *up = record_path(ioc, j, "upper"), *wk = record_path(ioc, j, "work");
	cleanup_free char *mp = record_path(ioc, j, "merged"), *opts = NULL;

	if (!jail_recording(ioc, j))
		return 0;
	if (!ovl_safe(*root) || !ovl_safe(up) || !ovl_safe(wk))
		return err_set(e, EINVAL, "recording: a path holds ',', ':' or '\\'");
	jail_record_umount(ioc, j);
	if (mkdir(mp, 0700) < 0 && errno != EEXIST)
		return err_sys(e, "recording: make %s", mp);
	opts = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s,redirect_dir=off,index=off,"
			 "metacopy=off",
			 *root, up, wk);
	if (mount("iocage-record", mp, "overlay", MS_NOSUID | MS_NODEV, opts) < 0)
		return err_sys(e, "recording: mount the overlay on %s", mp);
	fault_point("recording: mount");
	free(*root);
	*root = TAKE_PTR(mp);
	return 1;
}

void
jail_record_umount(struct ioc *ioc, const struct jail *j)
{
	cleanup_free char *mp = record_path(ioc, j, "merged");
	struct ioc_err e;

	while (mp && is_mountpoint(mp, &e) == 1 && umount2(mp, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
		;
}

void
jail_record_forget(struct ioc *ioc, const struct jail *j)
{
	cleanup_free char *dir = NULL;
	struct ioc_err e;

	jail_record_umount(ioc, j);
	/* On the dir backend the recording is inside the jail's directory, destroyed with it. */
	if (ioc->st->pool && (dir = record_dir(ioc, j)) != NULL)
		rm_rf(dir, &e);
}

/* The base a recording applies to: what the jail was made from. */
static char *
base_of(struct ioc *ioc, const struct jail *j)
{
	const char *ty = kvlist_get(&j->props, "type");

	if (ty && streq(ty, "emptyjail"))
		return xstrdup("none");
	return origin_of(ioc, j);
}

/* The upper layer as an archive (pruned: a package) onto fd. */
static int
archive_upper(struct ioc *ioc, const struct jail *j, int upfd, int rootfd, bool prune, int fd,
	      char hex[65], struct ioc_err *e)
{
	struct walker w = {.e = e, .package = true, .prune = prune, .lowerfd = rootfd};
	struct manifest m = {0};
	int r;

	manifest_of(ioc, j, "package", &m);
	m.base = base_of(ioc, j);
	r = write_archive(&w, upfd, &m, fd, hex);
	walker_free(&w);
	manifest_free(&m);
	return r;
}

/* The whole recording applied to the jail's own root, so that it keeps its changes. */
static int
fold_upper(struct ioc *ioc, const struct jail *j, const char *dir, int upfd, int rootfd,
	   struct ioc_err *e)
{
	cleanup_close int fd = tmpfile_in(dir, e);
	cleanup_free char *file = NULL;
	struct scan sc = {0};
	char hex[65];
	int r = -1;

	if (fd < 0)
		return -1;
	file = xasprintf("/proc/self/fd/%d", fd);
	if (archive_upper(ioc, j, upfd, rootfd, false, fd, hex, e) == 0 &&
	    scan_archive(file, &sc, e) == 0 && apply_archive(ioc, j->ds, &sc, file, false, e) == 0)
		r = 0;
	scan_free(&sc);
	return r;
}

static int
record_stop_locked(struct ioc *ioc, const struct jail *j, struct ioc_err *e)
{
	cleanup_free char *dir = record_dir(ioc, j), *up = NULL, *pkg = NULL, *tmp = NULL;
	cleanup_close int upfd = -1, rootfd = -1, fd = -1;
	char hex[65];
	struct ioc_err e2;

	if (!jail_recording(ioc, j))
		return err_set(e, ENOENT, "%s (%s) is not recording (`iocage record start %s`)",
			       j->uuid, j->tag, j->tag);
	jail_record_umount(ioc, j);
	up = xasprintf("%s/upper", dir);
	pkg = xasprintf("%s/recording.tar.zst", dir);
	if ((upfd = open(up, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return err_sys(e, "open %s", up);
	if ((rootfd = open_root(ioc, j, e)) < 0 || (fd = open_part(pkg, &tmp, e)) < 0)
		return -1;
	if (archive_upper(ioc, j, upfd, rootfd, true, fd, hex, e) < 0 ||
	    publish(fd, tmp, pkg, hex, e) < 0) {
		unlink(tmp);
		return -1;
	}
	if (fold_upper(ioc, j, dir, upfd, rootfd, e) < 0)
		return err_wrap(e, "apply the recording to the jail's root (it is kept in %s)", up);
	if (rm_rf(up, e) < 0)
		return -1;
	free(up);
	up = xasprintf("%s/work", dir);
	rm_rf(up, &e2);
	free(up);
	up = xasprintf("%s/merged", dir);
	rmdir(up);
	return 0;
}

int
jail_record_stop(struct ioc *ioc, const struct jail *j, bool progress, struct ioc_err *e)
{
	int fd, r;

	(void)progress;
	if (la_load(e) < 0)
		return -1;
	if ((fd = lock_stopped(ioc, j, "recording stops", e)) < 0)
		return -1;
	r = record_stop_locked(ioc, j, e);
	lock_release(fd);
	return r;
}

/* ---- package ---- */

int
jail_package(struct ioc *ioc, const struct jail *j, char **ret_path, struct ioc_err *e)
{
	cleanup_free char *rec = record_path(ioc, j, "recording.tar.zst");
	cleanup_free char *dir = ioc->st->ops->path(ioc->st, "packages");
	cleanup_free char *path = NULL, *tmp = NULL;
	cleanup_close int in = -1, out = -1;
	char stamp[32], hex[65];
	time_t now = time(NULL);
	struct tm tm;

	if (!rec || !dir)
		return err_set(e, ENOENT, "the store has no packages directory");
	if (jail_recording(ioc, j))
		return err_set(e, EBUSY,
			       "%s (%s) is still recording; `iocage record stop %s` first", j->uuid,
			       j->tag, j->tag);
	if ((in = open(rec, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? err_set(e, ENOENT,
						 "%s (%s) has no recording: `iocage record start "
						 "%s`, run it, `iocage record stop %s`",
						 j->uuid, j->tag, j->tag, j->tag)
				       : err_sys(e, "open %s", rec);
	if (verify(in, rec, e) < 0)
		return -1;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	path = xasprintf("%s/%s-%s.tar.zst", dir, j->uuid, stamp);
	if ((out = open_part(path, &tmp, e)) < 0)
		return -1;
	if (!sidecar(rec, hex))
		err_set(e, EIO, "%s.sha256 is missing", rec);
	if (!sidecar(rec, hex) || copy_fd(in, out, e) < 0 || publish(out, tmp, path, hex, e) < 0) {
		unlink(tmp);
		return -1;
	}
	*ret_path = TAKE_PTR(path);
	return 0;
}
