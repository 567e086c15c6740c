/* File-system helpers that the storage backends and releases share. Every fd is O_CLOEXEC;
 * nothing here follows a symlink out of the tree it was given. */
#ifndef IOC_UTIL_FS_H
#define IOC_UTIL_FS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

/* mkdir -p with mode for the missing components. */
int mkdir_p(const char *path, mode_t mode, struct ioc_err *e);
/* Remove path and everything under it. Never crosses into another mount (a mount below it
 * is an error: EBUSY naming it) and never follows symlinks. Missing is success. */
int rm_rf(const char *path, struct ioc_err *e);
/* Copy the tree src into dst (dst must not exist, its parent must): regular files by reflink
 * (FICLONE) where the filesystem can, else copy_file_range; owners, modes, times, xattrs
 * (trusted.overlay.* included), hard links, symlinks, device nodes, fifos and sockets kept.
 * Does not cross mounts below src. */
int copy_tree(const char *src, const char *dst, struct ioc_err *e);
/* copy_tree choosing which entries directly under src are copied: keep(dirfd, name, arg) gets
 * src's directory fd and the entry's name and returns false to leave it out. */
typedef bool (*copy_keep_fn)(int dirfd, const char *name, void *arg);
int copy_tree_filter(const char *src, const char *dst, copy_keep_fn keep, void *arg,
		     struct ioc_err *e);
/* 1 if path is a mount point, 0 if not (/proc/self/mountinfo, not stat: bind mounts of a
 * directory onto itself count). */
int is_mountpoint(const char *path, struct ioc_err *e);
/* The mounts at path (MOUNTS_AT) and/or below it (MOUNTS_BELOW), in /proc/self/mountinfo
 * order (a mount comes after the one it sits on). Fields are unescaped; options are the
 * superblock options ("lowerdir=...,upperdir=..." for overlayfs). A missing path has none. */
struct mount_ent {
	char *target, *fstype, *source, *options;
};
struct mount_list {
	struct mount_ent *v;
	size_t n, cap;
};
enum {
	MOUNTS_AT = 1 << 0,
	MOUNTS_BELOW = 1 << 1,
};
int mounts_find(const char *path, unsigned which, struct mount_list *out, struct ioc_err *e);
void mount_list_free(struct mount_list *l);
/* Bytes used by a tree (st_blocks * 512, hard links once, mounts below not entered), for the
 * dir backend's `used`. */
int tree_usage(const char *path, uint64_t *ret, struct ioc_err *e);
/* Read / write a small whole file: read_file fails with EFBIG past max bytes and follows
 * symlinks (not for paths inside a jail); write_file_atomic replaces path by rename, so a
 * reader sees the old or the new contents, never a part. */
int read_file(const char *path, char **ret, size_t max, struct ioc_err *e);
int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
		      struct ioc_err *e);

/* /proc/self/mountinfo parsing: the next space-separated field of *p (NULL at the end), and
 * the kernel's \ooo escapes (space, tab, newline, backslash) decoded in place. */
char *mountinfo_field(char **p);
void mountinfo_unescape(char *s);

#endif
