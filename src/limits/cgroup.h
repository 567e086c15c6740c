/* A jail's cgroup, on cgroup v2, v1, or a hybrid host (v1 controllers with a v2 hierarchy
 * beside them), chosen from what the host mounts. Nothing is written outside iocage's own
 * subtree ("iocage/UUID" below each hierarchy's root). Linux-specific. */
#ifndef IOC_LIMITS_CGROUP_H
#define IOC_LIMITS_CGROUP_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/err.h"
#include "util/str.h"

/* The v1 controllers a jail gets a directory in, in this order (pids first: on a v1-only host
 * membership is read from the first hierarchy). */
enum cg_ctrl { CG_PIDS, CG_MEMORY, CG_CPU, CG_CPUACCT, CG_CPUSET, CG_NCTRL };
const char *cg_ctrl_name(enum cg_ctrl c);

/* The cgroup hierarchies a host mounts. */
struct cg_mounts {
	char *v2;           /* the cgroup2 mount point, or NULL */
	char *v1[CG_NCTRL]; /* the v1 mount point carrying each controller, or NULL; co-mounted
			     * controllers ("cpu,cpuacct") have equal strings */
};
/* Parse the text of /proc/self/mountinfo: the first cgroup2 mount, and for each controller the
 * first v1 mount whose superblock options name it; a later mount on or above a mount point
 * hides what was there. Pure (no file system access); garbage lines are skipped. out is
 * always filled (free it with cg_mounts_free). Returns the number of distinct hierarchies. */
int cg_parse_mountinfo(const char *text, struct cg_mounts *out);
void cg_mounts_free(struct cg_mounts *m);
/* This host's hierarchies: /proc/self/mountinfo parsed once, each mount point checked to be a
 * cgroup file system of its kind (statfs), cached. */
int cg_host_mounts(const struct cg_mounts **ret, struct ioc_err *e);
/* Use a copy of m instead of the host's hierarchies (tests: the v1-only and v2-only paths on
 * a hybrid host); NULL discovers them again. */
void cg_mounts_override(const struct cg_mounts *m);

struct cgroup {
	char *v2_path;        /* the jail's v2 cgroup directory, or NULL */
	int v2_fd;            /* O_DIRECTORY fd of v2_path (CLONE_INTO_CGROUP), or -1 */
	struct strv v1_paths; /* the jail's directory in each v1 hierarchy used */
	struct strv v1_procs; /* their cgroup.procs files */
	int v1_idx[CG_NCTRL]; /* each controller's index in v1_paths, -1 when not used */
};

/* Make (or reuse, after a crash) the jail's cgroup. */
int cg_create(const char *uuid, struct cgroup *out, struct ioc_err *e);
/* Open an existing one; ENOENT if there is none. */
int cg_open(const char *uuid, struct cgroup *out, struct ioc_err *e);
/* The pids in the cgroup (any hierarchy that has it; v2 preferred). */
/* Sub-cgroups the jail made are included; sorted, no duplicates; free(*ret). */
int cg_pids(const struct cgroup *cg, pid_t **ret, size_t *n, struct ioc_err *e);
/* Send sig to every process in it (SIGKILL: cgroup.kill on v2 where the kernel has it;
 * otherwise, and for other signals, each pid, repeated until no new pid appears). */
int cg_signal(const struct cgroup *cg, int sig, struct ioc_err *e);
/* Remove the jail's directories (waiting briefly for exiting processes to leave). Missing is
 * success. */
int cg_destroy(const struct cgroup *cg, struct ioc_err *e);
/* A zeroed struct cgroup is safe to free. */
void cg_free(struct cgroup *cg);
/* Move pid (0: the caller) into the cgroup in every hierarchy (v2 first: it is what
 * membership and cgroup.kill go by). */
int cg_attach(const struct cgroup *cg, pid_t pid, struct ioc_err *e);
/* The path to show (`iocage runtime`): the v2 directory, else the first v1 one; NULL when
 * the struct holds none. */
const char *cg_describe(const struct cgroup *cg);
/* The jail's directory in the v1 hierarchy of controller c, or NULL (limits, #5). */
const char *cg_v1_path(const struct cgroup *cg, enum cg_ctrl c);

#endif
