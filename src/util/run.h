/* Running other programs (zfs, zpool, debootstrap, ...): always by argv with a fixed
 * environment, never through a shell. */
#ifndef IOC_UTIL_RUN_H
#define IOC_UTIL_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct run_opts {
	int stdin_fd;           /* -1: /dev/null */
	int stdout_fd;          /* -1: captured (when out is given) or /dev/null */
	bool pass_stderr;       /* true: the child's stderr is ours (progress on a terminal) */
	const char *const *env; /* NULL: the fixed default environment */
};

/* Run argv[0] (looked up in a fixed PATH) and wait. With out != NULL, stdout is collected
 * into *out (NUL-terminated, caller frees). Returns 0 when the program exits 0; otherwise -1
 * with e set to "PROGRAM: its last stderr line" (or how it died). */
int run_prog(const char *const argv[], char **out, struct ioc_err *e);
int run_prog_opts(const char *const argv[], const struct run_opts *o, char **out,
		  struct ioc_err *e);

/* a | b, both waited for; fails if either fails. */
int run_pipe(const char *const a[], const char *const b[], struct ioc_err *e);

/* How many programs this process has started (benchmarks and tests read it through
 * IOCAGE_TRACE_EXEC=FILE, which also logs each argv there, one line per program). */
unsigned run_count(void);

#endif
