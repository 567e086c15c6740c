/* The parsers behind jail_user_lookup (src/run/user.c): a jail's /etc/passwd and /etc/group
 * text, which the jail's root controls and may have written to hurt us. Pure functions (no
 * file system), unit-tested in tests/unit/test_user.c. */
#ifndef IOC_RUN_USER_H
#define IOC_RUN_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

/* Limits: a user or group name, a passwd line (longer lines are ignored, as if absent), a
 * home directory, and how many groups a user may have (the kernel's NGROUPS_MAX). */
#define USER_NAME_MAX   256
#define PASSWD_LINE_MAX 65536
#define USER_HOME_MAX   4095
#define USER_GROUPS_MAX 65536

/* A name we look up: not empty, at most USER_NAME_MAX bytes, none of ':' ',' '\n' and not
 * starting with '+' or '-' (NIS compat entries). */
bool user_name_valid(const char *name);

struct pw_ent {
	char *name; /* the entry's name; NULL for a bare uid that has no entry */
	uid_t uid;
	gid_t gid;
	char *home; /* never NULL; "/" when the entry has none */
};

/* Find name in passwd text (len bytes; a NUL byte ends nothing, it makes its line invalid).
 * The first entry with that name wins. If there is none and name is a plain decimal number,
 * it is a uid: its first entry if it has one, else uid and gid both that number, home "/".
 * Comment lines (#), empty lines, over-long lines and lines that are not 7 fields are
 * skipped; but a malformed line for the very name asked is an error (EINVAL), not a silent
 * fall-through to another entry. ENOENT when the user does not exist. */
int passwd_lookup(const char *text, size_t len, const char *name, struct pw_ent *ret,
		  struct ioc_err *e);
void pw_ent_free(struct pw_ent *p);

/* The groups of a user: primary first, then every group of group text (len bytes) that
 * lists user (which may be NULL: only the primary group) among its members, each gid once.
 * *ret is allocated (free it). E2BIG past USER_GROUPS_MAX. */
int group_lookup(const char *text, size_t len, const char *user, gid_t primary, gid_t **ret,
		 size_t *n, struct ioc_err *e);

#endif
