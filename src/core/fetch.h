/* Releases: fetching a root filesystem into releases/NAME/root (DESIGN.md section 8). */
#ifndef IOC_CORE_FETCH_H
#define IOC_CORE_FETCH_H

#include <stdbool.h>

#include "store/store.h"
#include "util/err.h"

struct fetch_opts {
	const char *release; /* NAME (validated by release_name_validate) */
	const char *source;  /* -F: a file path or an http(s):// URL; NULL: debootstrap */
	const char *mirror;  /* ftphost=: debootstrap's mirror; NULL: the host's apt mirror */
	bool progress;       /* show progress (stdout is a terminal and not -q) */
};

/* Build release NAME: an archive (tar, gz, xz, zst; absolute paths, "..", links that lead out
 * and hard links to outside are refused) or debootstrap --variant=minbase SUITE. The release
 * appears completely or not at all: it is built under releases/NAME with the PARTIAL_KEY user
 * property and the lock held, snapshotted (releases/NAME/root@SNAP), and only then marked complete.
 * On failure everything is removed. An existing complete release is refused (EEXIST). On success
 * *snap_out (caller frees) names the snapshot. */
int release_fetch(struct store *st, const struct fetch_opts *o, char **snap_out, struct ioc_err *e);

/* The newest snapshot of releases/NAME/root (caller frees), or ENOENT. */
int release_snapshot(struct store *st, const char *name, char **ret, struct ioc_err *e);
/* The same for a release that release_list has just listed (there, and complete). */
int release_snapshot_listed(struct store *st, const char *name, char **ret, struct ioc_err *e);

/* The complete releases (those still carrying PARTIAL_KEY are left out), as the store lists the
 * children of "releases" with STORE_NATIVE: names are "releases/NAME", sorted by name. */
int release_list(struct store *st, struct ds_list *out, struct ioc_err *e);

/* Destroy the partial releases left by fetches that were killed (their lock is free; those
 * being fetched now are left alone). Returns how many were removed. */
int release_cleanup(struct store *st, struct ioc_err *e);

/* The libarchive handle, dlopen'd once (only the commands that read or write archives need
 * it); NULL with e set, naming the package to install, when it cannot be loaded. */
void *libarchive_open(struct ioc_err *e);

/* Unpack the archive at path into destdir (an existing empty directory), never writing
 * outside it. Exposed for tests. */
int archive_unpack(const char *path, const char *destdir, bool progress, struct ioc_err *e);

/* Pure checks on one archive entry (unit-tested): the entry's path, normalised into out
 * (no leading "./" or "/", no empty or "." components), refused when absolute or with a ".."
 * component. */
int archive_check_path(const char *path, char *out, size_t outlen, struct ioc_err *e);
/* A symlink at entry path `path` with target `target`: refused when the target, resolved
 * lexically from the link's directory, leaves the root (absolute targets are taken as
 * inside the root, as they resolve in the jail, and are allowed). A hard link target is
 * checked as a path. */
int archive_check_symlink(const char *path, const char *target, struct ioc_err *e);

#endif
