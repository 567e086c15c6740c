/* The capability and seccomp fence around every process of a jail. There are no user
 * namespaces: root in a jail is uid 0 on the host, so what keeps it in is (1) the mount, PID
 * and other namespaces, (2) the capabilities below, (3) the seccomp filter below, which also
 * closes kernel interfaces that are not namespaced at all (modules, keyrings, the clock...). */
#include "run/security.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT           47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define BIT(c) (UINT64_C(1) << (c))

enum cap_rule {
	KEEP,
	IF_RAW,      /* allow_raw_sockets */
	IF_CHFLAGS,  /* allow_chflags */
	IF_NETADMIN, /* the jail has its own network namespace */
};

/* Every capability a jail keeps, and why; everything else (including capabilities newer
 * kernels add) is dropped from all sets. What is dropped, and why:
 *   DAC_READ_SEARCH   open_by_handle_at reaches any inode of a mounted file system, outside
 *                     the jail's root (the "shocker" escape)
 *   SYS_ADMIN         mount, swap, sethostname, quotas, namespaces... half the kernel
 *   SYS_MODULE        kernel code from the jail
 *   SYS_RAWIO         /dev/mem, port I/O, FIBMAP, SG_IO on devices
 *   SYS_PTRACE        tracing processes beyond the usual same-user rules (host helpers that
 *                     enter the jail)
 *   SYS_PACCT         acct(2) is host-wide
 *   SYS_BOOT          reboot, kexec
 *   SYS_NICE          real-time priorities starve the host's CPUs
 *   SYS_TIME          the clock is host-wide
 *   SYS_TTY_CONFIG    vhangup, console keymaps
 *   MKNOD             a device node is a way to the host's disks; /dev comes from iocage
 *   SYSLOG            the kernel log leaks host addresses and other jails' messages
 *   MAC_ADMIN/OVERRIDE, AUDIT_CONTROL/READ   host-wide security and audit configuration
 *   SYS_RESOURCE      raises hard rlimits past the jail's limits, lowers oom_score_adj to
 *                     shield the jail from a global OOM kill, overrides disk quotas
 *   BPF, PERFMON      kernel attack surface and host-wide observation
 *   CHECKPOINT_RESTORE, WAKE_ALARM, BLOCK_SUSPEND   host-wide or not needed
 *   NET_RAW, LINUX_IMMUTABLE, NET_ADMIN   only when the policy grants them */
static const struct {
	int cap;
	enum cap_rule rule;
} cap_table[] = {
    {CAP_CHOWN, KEEP},                 /* file ownership inside the jail (package managers) */
    {CAP_DAC_OVERRIDE, KEEP},          /* root reads and writes every file in its jail */
    {CAP_FOWNER, KEEP},                /* chmod/utime on any file of the jail */
    {CAP_FSETID, KEEP},                /* keep setuid bits on chown, set setgid dirs */
    {CAP_KILL, KEEP},                  /* signal any process: only the jail's are visible */
    {CAP_SETGID, KEEP},                /* login, su, daemons dropping privileges */
    {CAP_SETUID, KEEP},                /* ditto */
    {CAP_SETPCAP, KEEP},               /* drop capabilities further (services do) */
    {CAP_NET_BIND_SERVICE, KEEP},      /* ports below 1024 */
    {CAP_NET_BROADCAST, KEEP},         /* broadcast and multicast */
    {CAP_SYS_CHROOT, KEEP},            /* sshd, bind: chroot below a pivot_root'ed root */
    {CAP_AUDIT_WRITE, KEEP},           /* login, sshd, su write audit records */
    {CAP_SETFCAP, KEEP},               /* file capabilities (dpkg sets ping's); the bounding set
					  still caps what they give */
    {CAP_IPC_LOCK, KEEP},              /* mlock: memory is charged to the jail's cgroup */
    {CAP_IPC_OWNER, KEEP},             /* SysV IPC of the jail's own namespace (with sysv*=inherit
					  the host's: that is what inherit shares) */
    {CAP_LEASE, KEEP},                 /* file leases (samba, nfs servers) */
    {CAP_NET_RAW, IF_RAW},             /* ping, raw and packet sockets */
    {CAP_LINUX_IMMUTABLE, IF_CHFLAGS}, /* chattr +i/+a, the chflags of FreeBSD */
    {CAP_NET_ADMIN, IF_NETADMIN},      /* interfaces, routes, firewall of its own netns */
};

static int
cap_raw_capget(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};

	return (int)syscall(SYS_capget, &h, d);
}

static int
cap_raw_capset(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};

	return (int)syscall(SYS_capset, &h, d);
}

/* The capabilities in our own bounding set: a jail cannot keep what the host does not have
 * (containers often lack SYS_RESOURCE, for one). */
static uint64_t
bounding_now(void)
{
	uint64_t m = 0;

	for (int c = 0; c < 64; c++) {
		int r = prctl(PR_CAPBSET_READ, c, 0, 0, 0);

		if (r < 0)
			break; /* EINVAL: past the kernel's last capability */
		if (r == 1)
			m |= BIT(c);
	}
	return m;
}

static uint64_t
policy_caps(const struct sec_policy *p)
{
	uint64_t m = 0;

	for (size_t i = 0; i < sizeof(cap_table) / sizeof(cap_table[0]); i++) {
		bool keep = cap_table[i].rule == KEEP ||
			    (cap_table[i].rule == IF_RAW && p->raw_sockets) ||
			    (cap_table[i].rule == IF_CHFLAGS && p->chflags) ||
			    (cap_table[i].rule == IF_NETADMIN && p->net_admin);

		if (keep)
			m |= BIT(cap_table[i].cap);
	}
	return m;
}

uint64_t
sec_caps(const struct sec_policy *p)
{
	return policy_caps(p) & bounding_now();
}

/* ---- seccomp ---- */

/* ---- libseccomp, loaded when a filter is built (at start and chroot): every other command,
 * exec included, loads a built filter and does without it ---- */

#define SC_FUNCS(X)                                                                                \
	X(seccomp_init)                                                                            \
	X(seccomp_release)                                                                         \
	X(seccomp_attr_set)                                                                        \
	X(seccomp_syscall_resolve_name)                                                            \
	X(seccomp_rule_add_array)                                                                  \
	X(seccomp_export_bpf)

#define SC_DECLARE(f) static __typeof__(f) *sc_##f;
SC_FUNCS(SC_DECLARE)
#undef SC_DECLARE

static int
libseccomp_load(struct ioc_err *e)
{
	static void *h;

	if (h)
		return 0;
	h = dlopen("libseccomp.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return err_set(e, ENOENT, "cannot load libseccomp (install libseccomp2): %s",
			       dlerror());
#define SC_RESOLVE(f)                                                                              \
	if (!(sc_##f = (__typeof__(sc_##f))dlsym(h, #f))) {                                        \
		dlclose(h);                                                                        \
		h = NULL;                                                                          \
		return err_set(e, ENOSYS, "libseccomp lacks %s", #f);                              \
	}
	SC_FUNCS(SC_RESOLVE)
#undef SC_RESOLVE
	return 0;
}

/* Denied outright: the kernel-wide operations a jail must not reach even where a capability
 * would already stop it (two fences). Obsolete calls answer ENOSYS as on kernels without them.
 * A name this libseccomp does not know is skipped (the capability fence still holds). */
static const struct {
	const char *name;
	int err;
} deny_table[] = {
    /* kernel code */
    {"init_module", EPERM},
    {"finit_module", EPERM},
    {"delete_module", EPERM},
    {"create_module", ENOSYS},
    {"query_module", ENOSYS},
    {"get_kernel_syms", ENOSYS},
    {"kexec_load", EPERM},
    {"kexec_file_load", EPERM},
    {"reboot", EPERM},
    /* keyrings are not namespaced: keys of the host and of other jails */
    {"add_key", EPERM},
    {"request_key", EPERM},
    {"keyctl", EPERM},
    /* large kernel attack surface, host-wide observation */
    {"bpf", EPERM},
    {"perf_event_open", EPERM},
    {"lookup_dcookie", EPERM},
    /* userfaultfd stretches kernel race windows for exploits; nothing in a jail needs it */
    {"userfaultfd", EPERM},
    /* io_uring: a long run of kernel CVEs (disabled by Docker, ChromeOS, Android); ENOSYS
     * makes programs fall back to ordinary I/O */
    {"io_uring_setup", ENOSYS},
    {"io_uring_enter", ENOSYS},
    {"io_uring_register", ENOSYS},
    /* host-wide state */
    {"swapon", EPERM},
    {"swapoff", EPERM},
    {"acct", EPERM},
    {"syslog", EPERM},
    {"settimeofday", EPERM},
    {"clock_settime", EPERM},
    {"stime", EPERM},
    /* adjtimex/clock_adjtime stay: read-only queries (ntp_gettime) use them, and setting the
     * clock through them needs SYS_TIME, which is dropped */
    /* mounts: the jail's file system view is iocage's to make */
    {"mount", EPERM},
    {"umount", EPERM},
    {"umount2", EPERM},
    {"pivot_root", EPERM},
    {"move_mount", EPERM},
    {"open_tree", EPERM},
    {"fsopen", EPERM},
    {"fsconfig", EPERM},
    {"fsmount", EPERM},
    {"fspick", EPERM},
    {"mount_setattr", EPERM},
    /* any inode of a file system by handle: outside the jail's root */
    {"open_by_handle_at", EPERM},
    /* raw hardware access */
    {"iopl", EPERM},
    {"ioperm", EPERM},
    /* obsolete */
    {"uselib", ENOSYS},
    {"ustat", ENOSYS},
    {"sysfs", ENOSYS},
    {"_sysctl", ENOSYS},
    {"nfsservctl", ENOSYS},
    {"vm86", ENOSYS},
    {"vm86old", ENOSYS},
};

static const char *const quota_calls[] = {"quotactl", "quotactl_fd"};
/* sysv*=disable: ENOSYS, as FreeBSD answers in a jail without allow.sysvipc. */
static const char *const sysv_calls[] = {"msgget", "msgsnd", "msgrcv",     "msgctl",
					 "semget", "semop",  "semtimedop", "semctl",
					 "shmget", "shmat",  "shmdt",      "shmctl"};

/* One rule: action ERRNO(err) for syscall name when every comparison holds. */
static int
deny(scmp_filter_ctx ctx, const char *name, int err, unsigned n, const struct scmp_arg_cmp *cmp,
     struct ioc_err *e)
{
	int nr = sc_seccomp_syscall_resolve_name(name);
	int r;

	if (nr == __NR_SCMP_ERROR)
		return 0;
	r = sc_seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO((uint32_t)err), nr, n, cmp);
	if (r < 0) {
		errno = -r;
		return err_sys(e, "seccomp rule for %s", name);
	}
	return 0;
}

static int
deny_names(scmp_filter_ctx ctx, const char *const *names, size_t n, int err, struct ioc_err *e)
{
	for (size_t i = 0; i < n; i++)
		if (deny(ctx, names[i], err, 0, NULL, e) < 0)
			return -1;
	return 0;
}

/* Namespace creation (and setns) gives root a fresh view where its capabilities count again:
 * a new user namespace above all. clone's flags are argument 0 on every architecture we
 * build for except s390 (argument 1), which this filter does not support. */
static int
deny_namespaces(scmp_filter_ctx ctx, struct ioc_err *e)
{
	static const uint64_t flags[] = {CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWUTS,
					 CLONE_NEWIPC, CLONE_NEWUSER,   CLONE_NEWPID,
					 CLONE_NEWNET, CLONE_NEWTIME};

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_MASKED_EQ, flags[i], flags[i]);

		/* In clone's flags 0x80 is part of the exit signal, not CLONE_NEWTIME. */
		if (flags[i] != CLONE_NEWTIME && deny(ctx, "clone", EPERM, 1, &c, e) < 0)
			return -1;
		if (deny(ctx, "unshare", EPERM, 1, &c, e) < 0)
			return -1;
	}
	return deny(ctx, "setns", EPERM, 0, NULL, e);
}

/* personality: only PER_LINUX (0) and the query 0xffffffff. libseccomp allows one comparison
 * per argument in a rule, so "neither 0 nor 0xffffffff" is spelled as: a bit above 31 is
 * set, or somewhere in the 32 bits a 1 is followed (cyclically) by a 0, which holds for
 * every 32-bit value except all-zeros and all-ones. */
static int
deny_personality(scmp_filter_ctx ctx, struct ioc_err *e)
{
	struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_GT, 0xffffffffU);

	if (deny(ctx, "personality", EPERM, 1, &c, e) < 0)
		return -1;
	for (unsigned i = 0; i < 32; i++) {
		uint64_t one = UINT64_C(1) << i, next = UINT64_C(1) << ((i + 1) % 32);

		c = (struct scmp_arg_cmp)SCMP_A0(SCMP_CMP_MASKED_EQ, one | next, one);
		if (deny(ctx, "personality", EPERM, 1, &c, e) < 0)
			return -1;
	}
	return 0;
}

/* TIOCSTI pushes bytes into a terminal's input: into the host's shell when a jail process
 * holds a host terminal. TIOCLINUX can do the same on a virtual console. The request is an
 * unsigned int to the kernel: compare the low 32 bits only, or high garbage would slip by. */
static int
deny_ioctls(scmp_filter_ctx ctx, struct ioc_err *e)
{
	static const uint64_t reqs[] = {TIOCSTI, TIOCLINUX};

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		struct scmp_arg_cmp c = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffU, reqs[i]);

		if (deny(ctx, "ioctl", EPERM, 1, &c, e) < 0)
			return -1;
	}
	return 0;
}

/* Socket families beyond UNIX(1), INET(2), INET6(10), NETLINK(16) (and PACKET(17) with raw
 * sockets) answer EAFNOSUPPORT, as for a family the kernel lacks: the rarely used ones are
 * where the kernel's socket bugs have been. A value with high bits set is refused too. */
static int
deny_socket_families(scmp_filter_ctx ctx, bool packet, struct ioc_err *e)
{
	uint64_t last = packet ? AF_PACKET : AF_NETLINK;
	struct scmp_arg_cmp c;

	for (uint64_t af = 0; af < last; af++) {
		if (af == AF_UNIX || af == AF_INET || af == AF_INET6 || af == AF_NETLINK)
			continue;
		c = (struct scmp_arg_cmp)SCMP_A0(SCMP_CMP_EQ, af);
		if (deny(ctx, "socket", EAFNOSUPPORT, 1, &c, e) < 0)
			return -1;
	}
	c = (struct scmp_arg_cmp)SCMP_A0(SCMP_CMP_GT, last);
	return deny(ctx, "socket", EAFNOSUPPORT, 1, &c, e);
}

static int
build_rules(scmp_filter_ctx ctx, const struct sec_policy *p, struct ioc_err *e)
{
	for (size_t i = 0; i < sizeof(deny_table) / sizeof(deny_table[0]); i++)
		if (deny(ctx, deny_table[i].name, deny_table[i].err, 0, NULL, e) < 0)
			return -1;
	/* clone3 passes its flags in memory, where a filter cannot look: ENOSYS makes libc fall
	 * back to clone, whose flags it can. */
	if (deny(ctx, "clone3", ENOSYS, 0, NULL, e) < 0)
		return -1;
	if (!p->namespaces && deny_namespaces(ctx, e) < 0)
		return -1;
	if (deny_personality(ctx, e) < 0 || deny_ioctls(ctx, e) < 0)
		return -1;
	if (!p->any_socket && deny_socket_families(ctx, p->raw_sockets, e) < 0)
		return -1;
	if (!p->quotas && deny_names(ctx, quota_calls, 2, EPERM, e) < 0)
		return -1;
	if (p->sysvipc_deny &&
	    deny_names(ctx, sysv_calls, sizeof(sysv_calls) / sizeof(sysv_calls[0]), ENOSYS, e) < 0)
		return -1;
	return 0;
}

/* Whole instructions, at least one, at most SEC_FILTER_MAX. */
static bool
filter_size_ok(off_t bytes)
{
	return bytes > 0 && bytes % (off_t)sizeof(struct sock_filter) == 0 &&
	       bytes / (off_t)sizeof(struct sock_filter) <= SEC_FILTER_MAX;
}

/* The filter as classic BPF: libseccomp writes it to a memfd, which we read back. */
static int
export_bpf(scmp_filter_ctx ctx, struct sec_filter *f, struct ioc_err *e)
{
	cleanup_close int fd = memfd_create("iocage-seccomp", MFD_CLOEXEC);
	struct stat sb;
	ssize_t n;
	int r;

	if (fd < 0)
		return err_sys(e, "memfd_create for the seccomp filter");
	r = sc_seccomp_export_bpf(ctx, fd);
	if (r < 0) {
		errno = -r;
		return err_sys(e, "export the seccomp filter");
	}
	if (fstat(fd, &sb) < 0)
		return err_sys(e, "fstat the seccomp filter");
	if (!filter_size_ok(sb.st_size))
		return err_set(e, EINVAL, "the seccomp filter has a bad size (%lld bytes)",
			       (long long)sb.st_size);
	f->insn = xmalloc((size_t)sb.st_size);
	f->len = (size_t)sb.st_size / sizeof(struct sock_filter);
	n = pread(fd, f->insn, (size_t)sb.st_size, 0);
	if (n != sb.st_size) {
		sec_filter_free(f);
		return err_sys(e, "read the seccomp filter back");
	}
	return 0;
}

/* The native architecture only: a call through another ABI (i386 int 0x80 on x86_64) would
 * not be seen by these rules, so it kills the process instead. */
int
sec_filter_build(const struct sec_policy *p, struct sec_filter *f, struct ioc_err *e)
{
	scmp_filter_ctx ctx;
	int r;

	*f = (struct sec_filter){0};
	if (libseccomp_load(e) < 0)
		return -1;
	ctx = sc_seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return err_set(e, ENOMEM, "seccomp_init failed");
	/* No NO_NEW_PRIVS: a jail needs its setuid programs (su, login, ping). Without it the
	 * kernel wants CAP_SYS_ADMIN to load a filter, so sec_apply loads it before the capset. */
	r = sc_seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r == 0)
		r = sc_seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r < 0) {
		sc_seccomp_release(ctx);
		errno = -r;
		return err_sys(e, "seccomp attributes");
	}
	/* A binary tree of syscall numbers: a jail's every syscall walks this filter. */
	(void)sc_seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	r = build_rules(ctx, p, e) < 0 ? -1 : export_bpf(ctx, f, e);
	sc_seccomp_release(ctx);
	return r;
}

void
sec_filter_free(struct sec_filter *f)
{
	free(f->insn);
	*f = (struct sec_filter){0};
}

int
sec_filter_save(const struct sec_filter *f, const char *path, struct ioc_err *e)
{
	return write_file_atomic(path, (const char *)f->insn, f->len * sizeof(struct sock_filter),
				 0600, e);
}

int
sec_filter_read(const char *path, struct sec_filter *f, struct ioc_err *e)
{
	cleanup_close int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	struct stat sb;
	size_t len;

	*f = (struct sec_filter){0};
	if (fd < 0)
		return err_sys(e, "open %s", path);
	if (fstat(fd, &sb) < 0)
		return err_sys(e, "fstat %s", path);
	if (!S_ISREG(sb.st_mode) || !filter_size_ok(sb.st_size))
		return err_set(e, EINVAL, "%s: not a seccomp filter", path);
	len = (size_t)sb.st_size;
	f->insn = xmalloc(len);
	f->len = len / sizeof(struct sock_filter);
	if (pread(fd, f->insn, len, 0) != (ssize_t)len) {
		sec_filter_free(f);
		return err_set(e, EIO, "%s: short read", path);
	}
	return 0;
}

/* prctl rather than seccomp(2): the same load, and present since Linux 3.5. */
static int
load_filter(const struct sec_filter *f, struct ioc_err *e)
{
	struct sock_fprog prog;

	if (!f || !f->insn || !f->len || f->len > SEC_FILTER_MAX)
		return err_set(e, EINVAL, "no seccomp filter to load");
	prog = (struct sock_fprog){.len = (unsigned short)f->len, .filter = f->insn};
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return err_sys(e, "load the seccomp filter");
	return 0;
}

static int
drop_bounding(uint64_t keep, struct ioc_err *e)
{
	for (int c = 0; c < 64; c++) {
		if (keep & BIT(c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break; /* past the kernel's last capability */
			return err_sys(e, "drop capability %d from the bounding set", c);
		}
	}
	/* Ambient capabilities survive exec for non-root users: none. EINVAL before 4.3. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return err_sys(e, "clear the ambient capabilities");
	return 0;
}

/* Permitted and effective become keep (what we have of it); inheritable too, since for root
 * exec adds the inheritable set to the permitted one whatever the bounding set says. */
static int
drop_process_caps(uint64_t keep, struct ioc_err *e)
{
	struct __user_cap_data_struct d[2];

	if (cap_raw_capget(d) < 0)
		return err_sys(e, "capget");
	for (int i = 0; i < 2; i++) {
		uint32_t k = (uint32_t)(keep >> (32 * i));

		d[i].permitted &= k;
		d[i].effective = d[i].permitted;
		d[i].inheritable &= k;
	}
	if (cap_raw_capset(d) < 0)
		return err_sys(e, "capset");
	return 0;
}

int
sec_apply(const struct sec_policy *p, const struct sec_filter *f, struct ioc_err *e)
{
	uint64_t keep = policy_caps(p);

	if (drop_bounding(keep, e) < 0 || load_filter(f, e) < 0 || drop_process_caps(keep, e) < 0)
		return err_wrap(e, "jail security");
	return 0;
}
