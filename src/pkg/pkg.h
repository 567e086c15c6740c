/* Package managers of jails (DESIGN.md section 8): apt (Debian, Ubuntu), apk (Alpine) and dnf
 * (Fedora-like), found in a jail's root, and what each runs to install a list, update within
 * a release and move to a new one. Also the pure pieces around them: pkglist files, os-release,
 * version order and the suite word in package sources. Paths inside a root are resolved with
 * openat2 RESOLVE_IN_ROOT: a symlink in a jail never leads outside it. */
#ifndef IOC_PKG_PKG_H
#define IOC_PKG_PKG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"
#include "util/str.h"

enum pkg_op {
	PKG_INSTALL, /* install the packages given */
	PKG_REFRESH, /* fetch the package index */
	PKG_UPGRADE, /* upgrade every package within the release */
	PKG_DISTUP,  /* upgrade to the release the sources now name (releasever for dnf) */
	PKG_RESUME,  /* finish what an interrupted run left half done */
	PKG_OP_N,
};

struct pkg_driver {
	const char *name;         /* "apt" */
	const char *bin;          /* the package manager in the jail: "/usr/bin/apt-get" */
	const char *const *marks; /* the driver is this one when bin and one of these exist */
	const char *const *env;   /* for non-interactive runs */
	const char *const *ops[PKG_OP_N]; /* argv of each step; NULL: no such step */
	const char *sources;              /* file whose suite words upgrade rewrites; NULL: none */
	const char *sources_dir;          /* directory of more such files; NULL: none */
	const char *const *state; /* the package database when a basejail keeps it in its own
				   * directories: taken from the new release by upgrade */
};

/* The driver for the root at rootfd (an O_PATH directory fd), or NULL. */
const struct pkg_driver *pkg_detect(int rootfd);
const struct pkg_driver *pkg_driver_by_name(const char *name);
/* The whole argv of op (pkgs for PKG_INSTALL, releasever for dnf's PKG_DISTUP) into out;
 * ENOTSUP when the driver has no such step. */
int pkg_argv(const struct pkg_driver *d, enum pkg_op op, const struct strv *pkgs,
	     const char *releasever, struct strv *out, struct ioc_err *e);
const char *pkg_op_name(enum pkg_op op);

/* A pkglist: one package per line, '#' comments, blank lines ignored; names are
 * [A-Za-z0-9][A-Za-z0-9.+_:=~-]* of at most 200 characters (a line is named by its number,
 * never shown: a file that is not a pkglist must not be printed). At most PKGLIST_MAX bytes. */
#define PKGLIST_MAX (1024 * 1024)
int pkglist_parse(const char *text, size_t len, struct strv *out, struct ioc_err *e);
/* Read and parse the pkglist at path: a regular file (not a symlink, a directory, a FIFO or a
 * device) of at most PKGLIST_MAX bytes, with at least one package. */
int pkglist_read(const char *path, struct strv *out, struct ioc_err *e);

/* KEY=VALUE lines of os-release(5), quotes and escapes removed. */
void osrel_parse(const char *text, struct kvlist *out);
/* What a root says it is: ID, VERSION_ID, VERSION_CODENAME (from etc/os-release or
 * usr/lib/os-release; Debian's etc/debian_version and Alpine's etc/alpine-release fill in a
 * missing VERSION_ID). Missing keys are absent. */
int pkg_os_info(int rootfd, struct kvlist *out, struct ioc_err *e);
/* A comparable version of a root: VERSION_ID, else the Debian codename's number (sid and
 * testing last). NULL when there is none. Points into info or a static string. */
const char *pkg_os_version(const struct kvlist *info);
/* Dotted numeric versions: <0, 0, >0 as a is older, the same, newer than b. Non-numeric parts
 * compare as strings. */
int pkg_version_cmp(const char *a, const char *b);

/* text with every whole-word old (bounded by anything but [A-Za-z0-9]) replaced by new;
 * *count is how many. Caller frees. */
char *pkg_suite_replace(const char *text, const char *old, const char *new, size_t *count);

/* Inside a root: read a regular file of at most max bytes (ENOENT when missing, EINVAL when not
 * a regular file); write a file atomically (a temporary in the same directory, then rename),
 * with mode and owner uid:gid. path is relative to the root. */
int root_read(int rootfd, const char *path, size_t max, char **ret, size_t *len, struct ioc_err *e);
int root_write(int rootfd, const char *path, const char *data, size_t len, mode_t mode, uid_t uid,
	       gid_t gid, struct ioc_err *e);
/* openat2(rootfd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS); -1 with errno. */
int root_open(int rootfd, const char *path, int flags);

/* Basejail upgrade: merge the release's new etc into the jail's own, given the etc
 * directories (O_RDONLY|O_DIRECTORY fds) of the old release, the new one and the jail.
 * A file the user never changed (the jail's copy equals the old release's) becomes the new
 * release's; one the user changed is kept and the new version written beside it as
 * NAME.iocage-new; a file new in the release is added; one the user removed stays removed.
 * Symlinks likewise by their targets. Nothing is followed out of the jail's etc. */
struct merge_report {
	unsigned added, updated, kept;
	struct strv kept_paths; /* the user's files kept, relative to etc */
};
int pkg_etc_merge(int oldfd, int newfd, int jailfd, struct merge_report *r, struct ioc_err *e);
void merge_report_free(struct merge_report *r);

#endif
