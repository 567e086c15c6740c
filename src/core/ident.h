/* Identity: UUIDs, tags, release names, and how an operand names a jail (DESIGN.md section 4).
 * Pure code except uuid_new (getrandom). */
#ifndef IOC_CORE_IDENT_H
#define IOC_CORE_IDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util/err.h"
#include "util/str.h"

#define UUID_STRLEN 36
#define TAG_MAX     64

/* A random (v4) UUID, lowercase, into out[UUID_STRLEN + 1]. */
void uuid_new(char *out);
bool uuid_valid(const char *s);
/* 1-64 of [A-Za-z0-9._-], not starting with '-' or '.', not "ALL" or "default" (any case),
 * not a full UUID of another shape... e says what is wrong and what is allowed. */
int tag_validate(const char *tag, struct ioc_err *e);
/* The default tag for a creation time: YYYY-MM-DD_HH.MM.SS (local time). */
void tag_default(time_t t, char *buf, size_t len);
/* base if not in taken, else base_2, base_3, ... (caller frees). */
char *tag_unique(const char *base, const struct strv *taken);
/* Release names: 1-64 of [A-Za-z0-9._-], not starting with '-' or '.'. */
int release_name_validate(const char *name, struct ioc_err *e);
/* Snapshot names: 1-200 of [A-Za-z0-9._:-], not starting with '-' or '.'. */
int snap_name_validate(const char *name, struct ioc_err *e);

struct ident {
	const char *uuid;
	const char *tag;
};

/* Which of v[0..n) the operand names: an exact tag, else a full UUID, else a unique UUID
 * prefix. Returns the index; -1 with e set when nothing matches ("no jail 'x'"), or when the
 * operand is ambiguous: several jails share the prefix, or it is one jail's tag and another's
 * UUID prefix. The message lists every candidate as "UUID (TAG)". */
int ident_resolve(const struct ident *v, size_t n, const char *operand, struct ioc_err *e);

#endif
