/* The Linux runtime: a jail's init in new namespaces, and entering a running jail.
 * The layer never prints and never exits in the caller; children report failures to the
 * parent as {errno, message} over a close-on-exec pipe. */
#ifndef IOC_RUN_RUN_H
#define IOC_RUN_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "run/security.h"
#include "util/err.h"

struct jail_spec {
	const char *uuid;
	const char *root;             /* host path of the jail's root directory (mounted) */
	const char *base_root;        /* basejail: host path of the release's root to bind from */
	const char *const *base_dirs; /* basejail: top-level dirs bound read-only (bin, lib, ...) */
	const char *hostname;         /* UTS hostname */
	const char *domainname;       /* NULL or "none": leave empty */
	const char *resolv_conf;      /* written to /etc/resolv.conf in the jail; NULL: untouched */
	bool net_inherit;             /* share the host's network namespace (ip4=inherit) */
	bool ipc_inherit;             /* share the host's IPC namespace (sysv*=inherit) */
	bool mount_procfs;            /* mount /proc (masked and read-only parts below) */
	bool mount_devfs;             /* tmpfs /dev with the safe nodes */
	bool mount_fdescfs;           /* /dev/fd, /dev/stdin... symlinks to /proc/self/fd */
	unsigned devpts_max;          /* pseudoterminals: devpts max= (0: the kernel's default) */
	int cgroup_fd;                /* v2: the jail's cgroup directory (CLONE_INTO_CGROUP); -1 */
	const char *const *cgroup_procs; /* v1: cgroup.procs files to write init's pid to */
	int console_fd; /* init's stdout and stderr (the console log); -1: /dev/null */
	struct sec_policy sec;
};

/* A running jail is its init: pid, the start time from /proc/PID/stat (field 22, clock
 * ticks since boot) so that a recycled pid is never mistaken for it. */
struct jail_proc {
	pid_t pid;
	uint64_t starttime;
};

/* Start the jail's init: clone into new mount, PID, UTS, IPC (unless ipc_inherit), cgroup and
 * net (unless net_inherit) namespaces; in the child: the mounts (root made private, the jail
 * root bound onto itself, basejail binds read-only, /proc with /proc/sys, sysrq-trigger,
 * kcore... read-only or masked, /sys read-only, /dev tmpfs with null zero full random urandom
 * tty console ptmx, devpts newinstance, /dev/shm, /dev/fd links), pivot_root, hostname,
 * domainname, resolv.conf (written through openat2 RESOLVE_IN_ROOT: a symlink in the jail
 * never leads outside), every fd but 0-2 closed, sec_apply, then the init program from a
 * sealed memfd. Returns when init runs, or with the child's own error message. Loopback is
 * brought up in a new network namespace. */
int run_start(const struct jail_spec *s, struct jail_proc *out, struct ioc_err *e);

/* 1 if jp is still the same live process, 0 if not. */
int run_alive(const struct jail_proc *jp);
/* The start time of pid (field 22 of /proc/PID/stat), for jail_proc. */
int proc_starttime(pid_t pid, uint64_t *ret, struct ioc_err *e);

/* Who runs a command in a jail. */
struct enter_user {
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t ngroups;
	const char *home; /* working directory, in the jail */
};

struct enter_opts {
	char *const *argv; /* the command */
	char *const *envp; /* its environment */
	const struct enter_user *user;
	bool pty;      /* console: a new pty in the jail's devpts, relayed to ours */
	int cgroup_fd; /* v2: join this cgroup; -1 */
	const char *const *cgroup_procs; /* v1: cgroup.procs files to join */
	int out_fd;         /* -1: inherit stdout/stderr; else both go here (exec_start) */
	unsigned timeout_s; /* 0: none; else kill the command after this long (ETIMEDOUT) */
};

/* Run a command inside the running jail jp: setns into all its namespaces (through a pidfd
 * where the kernel can), join its cgroup, apply the same sec policy, switch user, setsid,
 * a clean environment, then the command through the sealed init program in "exec" mode (no
 * host binary is ever executed inside a jail). Waits and stores the command's exit status
 * (128+N for a signal) in *status. */
int run_enter(const struct jail_proc *jp, const struct sec_policy *sec, const struct enter_opts *o,
	      int *status, struct ioc_err *e);

/* chroot: the jail's root without starting it, still fenced: the same namespaces, mounts and
 * sec policy as run_start, but o->argv runs as the namespace's first process instead of
 * init, and everything ends with it. Waits; *status as run_enter. */
int run_oneshot(const struct jail_spec *s, const struct enter_opts *o, int *status,
		struct ioc_err *e);

/* Look up a user in the jail's own /etc/passwd and /etc/group (opened through the jail root
 * with openat2 RESOLVE_IN_ROOT; regular files of at most 4 MiB only: a FIFO or /dev/zero is
 * refused). rootfd is an O_PATH descriptor of the jail's root. */
int jail_user_lookup(int rootfd, const char *name, struct enter_user *ret, char **home_buf,
		     struct ioc_err *e);
void enter_user_free(struct enter_user *u);

#endif
