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
/* 1 if path is a mount point, 0 if not (/proc/self/mountinfo, not stat: bind mounts of a
 * directory onto itself count). */
int is_mountpoint(const char *path, struct ioc_err *e);
/* Bytes used by a tree (st_blocks * 512, hard links once), for the dir backend's `used`. */
int tree_usage(const char *path, uint64_t *ret, struct ioc_err *e);
/* Read / write a small whole file. */
int read_file(const char *path, char **ret, size_t max, struct ioc_err *e);
int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
		      struct ioc_err *e);

#endif
