/* Thin wrappers for system calls that glibc does not wrap (or wraps only in newer releases).
 * Each returns -1 with errno set on failure, ENOSYS when this build has no number for the
 * call. The caller decides the fallback and caches "unsupported"; nothing here tests kernel
 * versions. Structures are our own copies, so no <linux/mount.h> or <linux/sched.h> clash with
 * glibc's headers. */
#ifndef IOC_UTIL_SYSCALLS_H
#define IOC_UTIL_SYSCALLS_H

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <linux/openat2.h> /* struct open_how, RESOLVE_*: no clash with glibc */

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#endif
#ifndef MOUNT_ATTR_NOSUID
#define MOUNT_ATTR_NOSUID 0x00000002
#endif
#ifndef MOUNT_ATTR_NODEV
#define MOUNT_ATTR_NODEV 0x00000004
#endif
#ifndef MOUNT_ATTR_NOEXEC
#define MOUNT_ATTR_NOEXEC 0x00000008
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

/* struct clone_args, CLONE_ARGS_SIZE_VER2 (88 bytes: up to the cgroup field, Linux 5.7). */
struct ioc_clone_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
	uint64_t set_tid;
	uint64_t set_tid_size;
	uint64_t cgroup;
};

/* struct mount_attr, MOUNT_ATTR_SIZE_VER0. */
struct ioc_mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};

#define IOC_NOSYS()                                                                                \
	do {                                                                                       \
		errno = ENOSYS;                                                                    \
		return -1;                                                                         \
	} while (0)

/* Without CLONE_VM and with a zero stack this returns twice, like fork (0 in the child). The
 * raw call skips glibc's fork handlers: the caller must be single-threaded. */
static inline pid_t
sys_clone3(struct ioc_clone_args *args, size_t size)
{
#ifdef SYS_clone3
	return (pid_t)syscall(SYS_clone3, args, size);
#else
	(void)args;
	(void)size;
	IOC_NOSYS();
#endif
}

static inline int
sys_openat2(int dirfd, const char *path, struct open_how *how, size_t size)
{
#ifdef SYS_openat2
	return (int)syscall(SYS_openat2, dirfd, path, how, size);
#else
	(void)dirfd;
	(void)path;
	(void)how;
	(void)size;
	IOC_NOSYS();
#endif
}

static inline int
sys_pidfd_open(pid_t pid, unsigned int flags)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, flags);
#else
	(void)pid;
	(void)flags;
	IOC_NOSYS();
#endif
}

static inline int
sys_pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned int flags)
{
#ifdef SYS_pidfd_send_signal
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags);
#else
	(void)pidfd;
	(void)sig;
	(void)info;
	(void)flags;
	IOC_NOSYS();
#endif
}

static inline int
sys_pivot_root(const char *new_root, const char *put_old)
{
#ifdef SYS_pivot_root
	return (int)syscall(SYS_pivot_root, new_root, put_old);
#else
	(void)new_root;
	(void)put_old;
	IOC_NOSYS();
#endif
}

/* Older kernels answer EINVAL (not ENOSYS) for flags they do not know, e.g. CLOEXEC < 5.11. */
static inline int
sys_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
#ifdef SYS_close_range
	return (int)syscall(SYS_close_range, first, last, flags);
#else
	(void)first;
	(void)last;
	(void)flags;
	IOC_NOSYS();
#endif
}

static inline int
sys_mount_setattr(int dirfd, const char *path, unsigned int flags, struct ioc_mount_attr *attr,
		  size_t size)
{
#ifdef SYS_mount_setattr
	return (int)syscall(SYS_mount_setattr, dirfd, path, flags, attr, size);
#else
	(void)dirfd;
	(void)path;
	(void)flags;
	(void)attr;
	(void)size;
	IOC_NOSYS();
#endif
}

static inline int
sys_execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
#ifdef SYS_execveat
	return (int)syscall(SYS_execveat, dirfd, path, argv, envp, flags);
#else
	(void)dirfd;
	(void)path;
	(void)argv;
	(void)envp;
	(void)flags;
	IOC_NOSYS();
#endif
}

#endif
