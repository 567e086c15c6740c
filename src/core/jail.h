/* The jail model: loading every jail in one store call, naming one, its effective
 * properties, and the operations of issue #2 (create, set, destroy). */
#ifndef IOC_CORE_JAIL_H
#define IOC_CORE_JAIL_H

#include <stdbool.h>

#include "core/ident.h"
#include "core/ioc.h"
#include "core/props.h"
#include "util/err.h"
#include "util/str.h"

enum jail_type {
	JT_THICK,
	JT_CLONE,
	JT_BASE,
	JT_EMPTY,
};

struct jail {
	char uuid[UUID_STRLEN + 1];
	char *ds;             /* "jails/UUID" */
	const char *tag;      /* in props */
	struct kvlist props;  /* the jail's own values */
	struct kvlist native; /* native dataset properties (JL_NATIVE) */
	bool template;        /* under templates/ (set template=yes) */
};

struct jails {
	struct jail *v;
	size_t n;
};

enum {
	JL_NATIVE = 1 << 0, /* also read used, available, quota... */
};

/* Every complete jail and template (one store call for both), sorted by tag. Leftovers of a killed
 * create (datasets marked "creating" whose lock is free) are removed on the way when we are root.
 */
int jails_load(struct ioc *ioc, unsigned flags, struct jails *out, struct ioc_err *e);
void jails_free(struct jails *l);
/* The jail an operand names (DESIGN.md section 4). */
struct jail *jails_find(const struct jails *l, const char *operand, struct ioc_err *e);

enum prop_source {
	SRC_JAIL,     /* set on the jail */
	SRC_DEFAULT,  /* the user's default (set P=V default) */
	SRC_BUILTIN,  /* the registry's default */
	SRC_COMPUTED, /* computed from the jail (uuid, type...) */
	SRC_NATIVE,   /* a native dataset property */
};
const char *prop_source_name(enum prop_source s);

/* The effective value of p for jail j, or for the `default` pseudo-jail when j is NULL.
 * Caller frees. */
char *jail_value(struct ioc *ioc, const struct jail *j, const struct prop *p,
		 enum prop_source *src);

struct create_opts {
	enum jail_type type;
	const char *release; /* NULL: the newest fetched */
	unsigned count;      /* >= 1 */
	struct kvlist props; /* validated, canonical, without count */
	struct strv pkgs;    /* pkglist=: installed while the jail is still being made */
};
/* Called once per jail made. */
typedef void (*create_cb)(const char *uuid, const char *tag, void *arg);
int jail_create(struct ioc *ioc, const struct create_opts *o, create_cb cb, void *arg,
		struct ioc_err *e);

/* New jails as clones of src (a jail or a template) at its snapshot snap, or at a fresh
 * snapshot named after each new jail (which goes when that jail goes) when snap is NULL. The
 * new jails get src's properties but for a new uuid, tag, hostname and MACs, boot=off, and
 * o->props on top. Each appears completely or not at all, also when iocage is killed. */
int jail_clone(struct ioc *ioc, const struct jail *src, const char *snap,
	       const struct create_opts *o, create_cb cb, void *arg, struct ioc_err *e);

/* Validate every NAME=VALUE, then apply them all or none. j NULL = the defaults. */
int jail_set(struct ioc *ioc, const struct jail *j, const struct kvlist *assign, struct ioc_err *e);

const char *jail_type_name(enum jail_type t);

#endif
