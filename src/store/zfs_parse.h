/* Parsers of zfs(8) script output: `zfs get -H -p -o name,[property,]value[,source]` and
 * `zfs list -H -o name`. Pure functions: no I/O, so they can be unit-tested and fuzzed.
 *
 * -H prints one record per line, fields separated by a single tab. Dataset names, property
 * names and sources ("local", "default", "-", "inherited from NAME") never hold a tab, but a
 * user property's value may hold anything zfs accepts, tabs included: the value is therefore
 * whatever lies between the fields before it and the fields after it. A line with fewer
 * fields than asked for, an empty name or property, or more than ZFS_LINE_MAX bytes fails the
 * whole parse: a half-understood listing must never configure a jail. */
#ifndef IOC_STORE_ZFS_PARSE_H
#define IOC_STORE_ZFS_PARSE_H

#include <stddef.h>

#include "util/err.h"
#include "util/str.h"

/* Longer than any legitimate record: a dataset name (< 256), a property name (< 256), a
 * user property value (8 KiB in ZFS, more in newer OpenZFS) and a source. */
#define ZFS_LINE_MAX 65536
/* ZFS_MAX_DATASET_NAME_LEN, the terminating NUL excluded. */
#define ZFS_NAME_MAX 255

/* Which columns were asked for with -o, in this order. */
enum zfs_cols {
	ZFS_COLS_NV = 2,   /* name,value */
	ZFS_COLS_NPV = 3,  /* name,property,value */
	ZFS_COLS_NPVS = 4, /* name,property,value,source */
};

/* One record; the pointers point into the parsed text. prop and source are NULL when the
 * layout does not have them. */
struct zfs_rec {
	const char *name, *prop, *value, *source;
};

struct zfs_recs {
	struct zfs_rec *v;
	size_t n, cap;
};

/* Split the output of `zfs get -H` in place (tabs and newlines become NULs) into records.
 * Empty text gives no record. On failure out is left empty and e names the line. */
int zfs_parse_get(char *text, enum zfs_cols cols, struct zfs_recs *out, struct ioc_err *e);
void zfs_recs_free(struct zfs_recs *r);

/* The names printed by `zfs list -H -o name`, appended to out (copies; text is not changed).
 * A line with a tab, an empty line or a name longer than ZFS_NAME_MAX fails the parse. */
int zfs_parse_names(const char *text, struct strv *out, struct ioc_err *e);

#endif
