/* What a jail's processes may do: the capability bounding set and the seccomp filter that
 * every process in a jail runs under (init, exec, console, chroot). Linux-specific. */
#ifndef IOC_RUN_SECURITY_H
#define IOC_RUN_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct sec_policy {
	bool raw_sockets;  /* allow_raw_sockets: keep CAP_NET_RAW */
	bool chflags;      /* allow_chflags: keep CAP_LINUX_IMMUTABLE */
	bool net_admin;    /* keep CAP_NET_ADMIN (only when the jail has its own netns) */
	bool quotas;       /* allow_quotas: quotactl allowed */
	bool any_socket;   /* allow_socket_af: any address family */
	bool namespaces;   /* children_max > 0: unshare/setns/clone with CLONE_NEW* allowed */
	bool sysvipc_deny; /* sysvmsg/sysvsem/sysvshm=disable: their syscalls fail */
};

/* A built seccomp filter: classic BPF, as the kernel loads it. Built once when a jail starts
 * (with libseccomp, loaded then), kept beside the jail's run record, and loaded as it is by
 * every process that enters the jail later: exec runs under exactly the filter the jail
 * started with. */
struct sock_filter;
struct sec_filter {
	struct sock_filter *insn;
	size_t len; /* instructions */
};
#define SEC_FILTER_MAX 4096 /* BPF_MAXINSNS */

int sec_filter_build(const struct sec_policy *p, struct sec_filter *f, struct ioc_err *e);
/* Save to / read from a root-only file (a symlink is refused; the size must be whole
 * instructions, at most SEC_FILTER_MAX). */
int sec_filter_save(const struct sec_filter *f, const char *path, struct ioc_err *e);
int sec_filter_read(const char *path, struct sec_filter *f, struct ioc_err *e);
void sec_filter_free(struct sec_filter *f);

/* Drop every capability not in the policy from the bounding, permitted, effective and
 * inheritable sets and the ambient set (root in the jail keeps the rest), then install the
 * seccomp filter (EPERM for what a jail must not do: modules, kexec, keyrings, bpf,
 * perf_event_open, swap, clock and time changes, mount and friends, open_by_handle_at,
 * userfaultfd, acct, syslog, TIOCSTI/TIOCLINUX ioctls, namespace creation unless allowed,
 * socket families unless allowed; clone3 answers ENOSYS so that libc falls back to clone,
 * whose flags the filter can see). Must be called as root, after every mount and before the
 * exec of the jail's first program. */
int sec_apply(const struct sec_policy *p, const struct sec_filter *f, struct ioc_err *e);

/* The capabilities a jail keeps, as a mask of CAP_* bits (for `runtime` and tests). */
uint64_t sec_caps(const struct sec_policy *p);

#endif
