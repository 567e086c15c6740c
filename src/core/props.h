/* The property registry: every property of iocage (../shared/PROPERTIES.md), one table that
 * `defaults`, `get`, `set`, validation, help and the manual page all come from. Pure code:
 * no I/O, so that it can be unit-tested and fuzzed. */
#ifndef IOC_CORE_PROPS_H
#define IOC_CORE_PROPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum prop_type {
	PT_BOOL,   /* on|off; yes|no accepted too and stored in the property's own spelling */
	PT_01,     /* 0|1 */
	PT_INT,    /* integer within [min, max] */
	PT_SIZE,   /* bytes with K/M/G/T, or "none" */
	PT_ENUM,   /* one of choices */
	PT_STRING, /* free text (UTF-8, no control characters, < 4 KiB) */
	PT_LIST,   /* comma-separated items, checked by the property's own checker */
	PT_RCTL,   /* "off" or VALUE:ACTION */
	PT_RO,     /* read-only, computed or set by iocage itself */
};

enum prop_when {
	PW_NONE,   /* read-only */
	PW_CREATE, /* only at creation */
	PW_START,  /* takes effect at the next start */
	PW_LIVE,   /* takes effect at once */
};

enum prop_flag {
	PF_NATIVE = 1 << 0,       /* a native ZFS property of the jail's dataset, not iocage:NAME */
	PF_FREEBSD = 1 << 1,      /* no Linux analog: only its default is accepted */
	PF_HOSTHOOK = 1 << 2,     /* runs on the host: only local root sets it; never imported */
	PF_COMPUTED = 1 << 3,     /* default computed per jail (def says how, for people) */
	PF_DEFAULT_ONLY = 1 << 4, /* may only be set on `default` (ip4_autostart...) */
};

struct prop {
	const char *name;
	enum prop_type type;
	const char *def;            /* the built-in default as text; for PF_COMPUTED a word
				     * in angle brackets for people, e.g. "<uuid>" */
	const char *const *choices; /* PT_ENUM: NULL-terminated */
	int64_t min, max;           /* PT_INT */
	unsigned flags;
	enum prop_when when;
	const char *group; /* "iocage", "jail", "network", "rctl", "storage" */
	const char *help;  /* one line: what it means on Linux */
	/* Extra syntax checks beyond the type (PT_LIST, PT_STRING with a format, PT_RCTL). */
	int (*check)(const struct prop *p, const char *val, struct ioc_err *e);
};

/* The whole table, in display order. */
const struct prop *prop_table(size_t *n);
const struct prop *prop_find(const char *name);
/* The known name closest to an unknown one (edit distance), or NULL if none is close. */
const char *prop_suggest(const char *name);
/* Check val for p. On success returns 0 and, when canon is not NULL, stores the value in
 * canonical form there (a malloc'd string: "yes" for a bool whose default is on/off becomes
 * "on", sizes keep the user's spelling). On failure e says what was wrong and which forms
 * are valid ("memoryuse: 'lots' is not VALUE:ACTION; e.g. 512M:deny, 2G:log or off"). */
int prop_validate(const struct prop *p, const char *val, char **canon, struct ioc_err *e);
/* Validate NAME=VALUE for `set`: unknown names (with a suggestion), read-only ones,
 * FreeBSD-only values, create-only properties (when !creating). */
int prop_check_set(const char *name, const char *val, bool creating, char **canon,
		   struct ioc_err *e);
const char *prop_type_name(enum prop_type t);
/* The longest cpuset value (a CPU list is written whole to cpuset.cpus: ranges keep it short). */
#define PROP_CPUSET_MAX 127
const char *prop_when_name(enum prop_when w);

/* An rctl value split into its parts: "512M:deny" -> amount 512M (bytes or count or
 * percent, as the property means) and action "deny". "off" gives off = true. */
struct rctl {
	bool off;
	uint64_t amount;
	char action[16];
};
int rctl_parse(const struct prop *p, const char *val, struct rctl *out, struct ioc_err *e);

#endif
