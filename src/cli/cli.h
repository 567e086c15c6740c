/* The command line: one table of commands (main.c), one file per command family. Commands
 * parse their flags and operands, call core, and print; only they and main write to stdout
 * or stderr. */
#ifndef IOC_CLI_CLI_H
#define IOC_CLI_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "core/ioc.h"
#include "core/jail.h"
#include "util/err.h"

enum {
	CMD_ROOT = 1 << 0,    /* needs root */
	CMD_MUTATES = 1 << 1, /* changes state (the store's layout is made if missing) */
};

struct cmd;
typedef int (*cmd_fn)(struct ioc *ioc, const struct cmd *c, int argc, char **argv);

struct cmd {
	const char *name;
	cmd_fn fn;
	const char *usage;   /* after "iocage " */
	const char *summary; /* one line */
	const char *help;    /* the options and operands, one per line, for `help CMD` */
	unsigned flags;
};

const struct cmd *cmd_table(size_t *n);
const struct cmd *cmd_find(const char *name);

/* Exit codes. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* "iocage: NAME: message" on stderr, every byte of message that is not printable ASCII as
 * \xNN. Every message of iocage goes out through it. */
void cmd_say(const char *name, const char *msg);
/* "iocage: CMD: message" on stderr; returns EXIT_FAIL. */
int cmd_fail(const struct cmd *c, const struct ioc_err *e);
/* "iocage: CMD: message" and the usage line on stderr; returns EXIT_USAGE. */
int cmd_usage(const struct cmd *c, const char *fmt, ...) IOC_PRINTF(2, 3);
/* The full help of a command on stdout. */
void cmd_print_help(const struct cmd *c);

/* Parse the command's options. Handles -h/--help itself (prints help, *done = 1). Returns the
 * option character like getopt_long, -1 at the end, '?' on a bad option (already reported:
 * return EXIT_USAGE). Options -h/--help, -H and --json are common: set `common` flags. */
struct cmd_opts {
	bool help;
	bool tabs; /* -H */
	bool json; /* --json */
};
int cmd_getopt(const struct cmd *c, int argc, char **argv, const char *shortopts,
	       const struct option *longopts, struct cmd_opts *co);
/* For commands whose only options are the common ones (and flags in shorts that need no
 * handling beyond -H): -1 to go on with optind at the operands, else the exit code. */
int cmd_simple_opts(const struct cmd *c, int argc, char **argv, const char *shorts,
		    struct cmd_opts *co);
enum out_mode cmd_out_mode(const struct cmd_opts *co);

/* Open the store and load every jail (flags: JL_*). */
int cmd_jails(struct ioc *ioc, const struct cmd *c, unsigned flags, struct jails *l,
	      struct ioc_err *e);

/* Split "NAME=VALUE" operands into a list; returns -1 with e set on an operand without '='. */
int parse_assignments(char **argv, int argc, struct kvlist *out, struct ioc_err *e);

/* Commands. */
int cmd_help(struct ioc *, const struct cmd *, int, char **);
int cmd_version(struct ioc *, const struct cmd *, int, char **);
int cmd_fetch(struct ioc *, const struct cmd *, int, char **);
int cmd_create(struct ioc *, const struct cmd *, int, char **);
int cmd_list(struct ioc *, const struct cmd *, int, char **);
int cmd_df(struct ioc *, const struct cmd *, int, char **);
int cmd_get(struct ioc *, const struct cmd *, int, char **);
int cmd_set(struct ioc *, const struct cmd *, int, char **);
int cmd_defaults(struct ioc *, const struct cmd *, int, char **);
int cmd_destroy(struct ioc *, const struct cmd *, int, char **);
int cmd_activate(struct ioc *, const struct cmd *, int, char **);
int cmd_start(struct ioc *, const struct cmd *, int, char **);
int cmd_stop(struct ioc *, const struct cmd *, int, char **);
int cmd_restart(struct ioc *, const struct cmd *, int, char **);
int cmd_rcboot(struct ioc *, const struct cmd *, int, char **);
int cmd_rcshutdown(struct ioc *, const struct cmd *, int, char **);
int cmd_exec(struct ioc *, const struct cmd *, int, char **);
int cmd_console(struct ioc *, const struct cmd *, int, char **);
int cmd_chroot(struct ioc *, const struct cmd *, int, char **);
int cmd_runtime(struct ioc *, const struct cmd *, int, char **);
int cmd_cap(struct ioc *, const struct cmd *, int, char **);
int cmd_uncap(struct ioc *, const struct cmd *, int, char **);
int cmd_limits(struct ioc *, const struct cmd *, int, char **);
int cmd_inuse(struct ioc *, const struct cmd *, int, char **);
int cmd_top(struct ioc *, const struct cmd *, int, char **);
int cmd_doctor(struct ioc *, const struct cmd *, int, char **);
int cmd_snapshot(struct ioc *, const struct cmd *, int, char **);
int cmd_snaplist(struct ioc *, const struct cmd *, int, char **);
int cmd_snapremove(struct ioc *, const struct cmd *, int, char **);
int cmd_rollback(struct ioc *, const struct cmd *, int, char **);
int cmd_clone(struct ioc *, const struct cmd *, int, char **);
int cmd_promote(struct ioc *, const struct cmd *, int, char **);
int cmd_export(struct ioc *, const struct cmd *, int, char **);
int cmd_import(struct ioc *, const struct cmd *, int, char **);
int cmd_record(struct ioc *, const struct cmd *, int, char **);
int cmd_package(struct ioc *, const struct cmd *, int, char **);
int cmd_pkg(struct ioc *, const struct cmd *, int, char **);
int cmd_update(struct ioc *, const struct cmd *, int, char **);
int cmd_upgrade(struct ioc *, const struct cmd *, int, char **);

/* create's PROP=VALUE checks (count, create-only properties), shared with clone. */
int cli_create_props(const struct kvlist *kv, struct create_opts *o, struct ioc_err *e);
/* clone OPERAND[@SNAP] PROP=VALUE..., shared with create -t. */
int cli_clone(struct ioc *ioc, const struct cmd *c, const char *operand, char **assign,
	      int nassign);

/* "  + STEP OK|FAILED" lines of start and stop. */
void cli_print_step(const char *step, bool ok, void *arg);
int cmd_deactivate(struct ioc *, const struct cmd *, int, char **);

#endif
