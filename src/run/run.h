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

/* A per-process limit: soft = hard = value (RLIM_INFINITY: none); lowered to the caller's own
 * hard limit when above it. */
struct run_rlimit {
	int resource;
	uint64_t value;
};

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
	const struct run_rlimit *rlimits; /* set on init before it runs (soft = hard) */
	size_t n_rlimits;
	const char *const *sysctls; /* "kernel.NAME=VALUE" of the new IPC namespace (run_sysctl) */
	unsigned wallclock_s;       /* init ends the jail after this long; 0: never */
	int cgroup_fd;              /* v2: the jail's cgroup directory (CLONE_INTO_CGROUP); -1 */
	const char *const *cgroup_procs; /* v1: cgroup.procs files; init joins them itself */
	int console_fd; /* init's stdout and stderr (the console log); -1: /dev/null */
	struct sec_policy sec;
	const struct sec_filter *filter; /* built from sec (sec_filter_build); NULL: built here */
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
/* Move the calling process, single-threaded, into the v1 cgroup whose cgroup.procs file is
 * procs: "0" into the tasks file beside it. The kernel moves one thread that is the caller
 * without its global threadgroup lock, whose first taking after a quiet moment waits for an
 * RCU grace period (5 to 30 ms here); cgroup.procs takes it always. */
int run_cgroup_v1_join(const char *procs, struct ioc_err *e);

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
int run_enter(const struct jail_proc *jp, const struct sec_policy *sec,
	      const struct sec_filter *filter, const struct enter_opts *o, int *status,
	      struct ioc_err *e);

/* The System V IPC sysctls of a jail's IPC namespace (the only ones run_sysctl writes):
 * kernel.msgmnb, msgmni, sem, shmmni, shmall, shmmax. */
#define RUN_IPC_N 6
struct run_ipc {
	char v[RUN_IPC_N][64]; /* in the order above; "" when unreadable */
};
const char *run_ipc_name(size_t i); /* "msgmnb"... */
/* Write "kernel.NAME=VALUE" entries into the IPC namespace of the running jail jp
 * ("default": the value of a new IPC namespace; kernel.sem fields "-" keep the default's),
 * from a child that enters that namespace only, and read them all back into *now (list may
 * be NULL: read only). Refused (EPERM) when the jail shares our IPC namespace. */
int run_sysctl(const struct jail_proc *jp, const char *const *list, struct run_ipc *now,
	       struct ioc_err *e);
/* Remount the running jail's devpts with max=N (0: the kernel's maximum), from a child in its
 * mount namespace; /dev/pts is resolved in the jail and must be a devpts. */
int run_devpts_max(const struct jail_proc *jp, unsigned max, struct ioc_err *e);
/* The jail's devpts max= now: -1 none, else N; -2 unknown. */
long long run_devpts_max_get(const struct jail_proc *jp);
/* The wallclock deadline the running init was started with (seconds; 0 none; -1 unknown). */
long long run_wallclock_get(const struct jail_proc *jp);
/* In a child in the new IPC namespace, before anything else runs there: the entries of list
 * ("default" ones skipped). */
int run_sysctl_here(const char *const *list, struct ioc_err *e);
/* The devpts options of a jail (spawn's mount table and run_devpts_max). */
#define RUN_DEVPTS_OPTS "ptmxmode=0666,mode=0620,gid=5"

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
