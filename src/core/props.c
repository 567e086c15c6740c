#include "core/props.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <unistd.h>

#include "core/ident.h"
#include "util/cleanup.h"
#include "util/str.h"

/* Values are stored as ZFS user properties (8 KiB at most) or xattrs: keep well below. */
#define PROP_VALUE_MAX 4096
#define IFNAME_MAX     15 /* IFNAMSIZ - 1 */
#define HOSTNAME_MAX   64 /* the UTS namespace's limit, tighter than RFC 1123's 253 */
#define VNET_MAX       4
#define CPU_MAX        4096

static int check_tag(const struct prop *p, const char *val, struct ioc_err *e);
static int check_release(const struct prop *p, const char *val, struct ioc_err *e);
static int check_hostid(const struct prop *p, const char *val, struct ioc_err *e);
static int check_hostname(const struct prop *p, const char *val, struct ioc_err *e);
static int check_domainname(const struct prop *p, const char *val, struct ioc_err *e);
static int check_user(const struct prop *p, const char *val, struct ioc_err *e);
static int check_interfaces(const struct prop *p, const char *val, struct ioc_err *e);
static int check_ip4_addr(const struct prop *p, const char *val, struct ioc_err *e);
static int check_ip6_addr(const struct prop *p, const char *val, struct ioc_err *e);
static int check_router4(const struct prop *p, const char *val, struct ioc_err *e);
static int check_router6(const struct prop *p, const char *val, struct ioc_err *e);
static int check_resolver(const struct prop *p, const char *val, struct ioc_err *e);
static int check_mac_prefix(const struct prop *p, const char *val, struct ioc_err *e);
static int check_mac_pair(const struct prop *p, const char *val, struct ioc_err *e);
static int check_cpuset(const struct prop *p, const char *val, struct ioc_err *e);
static int check_dataset(const struct prop *p, const char *val, struct ioc_err *e);
static int check_jail_path(const struct prop *p, const char *val, struct ioc_err *e);
static int check_rctl_size(const struct prop *p, const char *val, struct ioc_err *e);
static int check_rctl_size0(const struct prop *p, const char *val, struct ioc_err *e);
static int check_rctl_count(const struct prop *p, const char *val, struct ioc_err *e);
static int check_rctl_time(const struct prop *p, const char *val, struct ioc_err *e);
static int check_rctl_pcpu(const struct prop *p, const char *val, struct ioc_err *e);

static const char *const ipc_choices[] = {"new", "inherit", "disable", NULL};
static const char *const compression_choices[] = {
    "on",      "off",     "lzjb",    "gzip",    "gzip-1",  "gzip-2",  "gzip-3",  "gzip-4",
    "gzip-5",  "gzip-6",  "gzip-7",  "gzip-8",  "gzip-9",  "zle",     "lz4",     "zstd",
    "zstd-1",  "zstd-2",  "zstd-3",  "zstd-4",  "zstd-5",  "zstd-6",  "zstd-7",  "zstd-8",
    "zstd-9",  "zstd-10", "zstd-11", "zstd-12", "zstd-13", "zstd-14", "zstd-15", "zstd-16",
    "zstd-17", "zstd-18", "zstd-19", NULL,
};
static const char *const dedup_choices[] = {"on", "off", "verify", "sha256", "sha256,verify", NULL};

#define G_IOC  "iocage"
#define G_JAIL "jail"
#define G_NET  "network"
#define G_RCTL "rctl"
#define G_STOR "storage"

/* Rows of the table. S: string, L: list, B: bool, Z: 0|1, I: int, E: enum, Q: size,
 * R: rctl, RO: read-only. */
#define S(n, d, w, f, g, c, h)                                                                     \
	{                                                                                          \
		.name = (n), .type = PT_STRING, .def = (d), .when = (w), .flags = (f),             \
		.group = (g), .check = (c), .help = (h)                                            \
	}
#define L(n, d, w, g, c, h)                                                                        \
	{                                                                                          \
		.name = (n), .type = PT_LIST, .def = (d), .when = (w), .group = (g), .check = (c), \
		.help = (h)                                                                        \
	}
#define B(n, d, w, g, h)                                                                           \
	{                                                                                          \
		.name = (n), .type = PT_BOOL, .def = (d), .when = (w), .group = (g), .help = (h)   \
	}
#define Z(n, d, w, f, g, h)                                                                        \
	{                                                                                          \
		.name = (n), .type = PT_01, .def = (d), .when = (w), .flags = (f), .group = (g),   \
		.help = (h)                                                                        \
	}
#define I(n, d, lo, hi, w, f, g, h)                                                                \
	{                                                                                          \
		.name = (n), .type = PT_INT, .def = (d), .min = (lo), .max = (hi), .when = (w),    \
		.flags = (f), .group = (g), .help = (h)                                            \
	}
#define E(n, d, ch, w, f, g, h)                                                                    \
	{                                                                                          \
		.name = (n), .type = PT_ENUM, .def = (d), .choices = (ch), .when = (w),            \
		.flags = (f), .group = (g), .help = (h)                                            \
	}
#define Q(n, h)                                                                                    \
	{                                                                                          \
		.name = (n), .type = PT_SIZE, .def = "none", .when = PW_LIVE, .flags = PF_NATIVE,  \
		.group = G_STOR, .help = (h)                                                       \
	}
#define R(n, d, c, h)                                                                              \
	{                                                                                          \
		.name = (n), .type = PT_RCTL, .def = (d), .when = PW_START, .group = G_RCTL,       \
		.check = (c), .help = (h)                                                          \
	}
#define RO(n, d, f, g, h)                                                                          \
	{                                                                                          \
		.name = (n), .type = PT_RO, .def = (d), .when = PW_NONE, .flags = (f),             \
		.group = (g), .help = (h)                                                          \
	}

#define INT_BIG INT32_MAX

/* clang-format off */
static const struct prop props[] = {
	/* Identity and iocage's own. */
	S("tag", "<creation time>", PW_LIVE, PF_COMPUTED, G_IOC, check_tag,
	  "Unique name usable wherever the UUID is: 1-64 letters, digits, '.', '_' or '-'."),
	RO("host_hostuuid", "<uuid>", PF_COMPUTED, G_IOC,
	   "The jail's UUID, chosen at random when it is created."),
	RO("type", "<jail type>", PF_COMPUTED, G_IOC,
	   "How the jail was made: thickjail, clonejail, basejail, emptyjail or template."),
	S("release", "<newest fetched>", PW_START, PF_COMPUTED, G_IOC, check_release,
	  "The fetched release the jail's files come from; none or EMPTY for an empty jail."),
	B("template", "no", PW_LIVE, G_IOC,
	  "yes makes the stopped jail a template (shown by list -t) that new jails clone."),
	B("boot", "off", PW_LIVE, G_IOC, "on: rcboot starts the jail when the host boots."),
	I("priority", "99", 0, 99, PW_LIVE, 0, G_IOC,
	  "Order for rcboot (lowest first) and rcshutdown (highest first)."),
	S("notes", "none", PW_LIVE, 0, G_IOC, NULL, "Free text for your own notes."),
	S("owner", "root", PW_LIVE, 0, G_IOC, NULL, "Free text saying who looks after the jail."),
	RO("last_started", "none", 0, G_IOC, "When the jail was last started; start records it."),
	S("hostid", "<host machine-id>", PW_START, PF_COMPUTED, G_IOC, check_hostid,
	  "machine-id of the host the jail belongs to; start checks it (hostid_strict_check)."),
	B("hostid_strict_check", "on", PW_START, G_IOC,
	  "on: start refuses to run the jail on a host whose machine-id is not hostid."),
	I("count", "1", 1, 1000, PW_CREATE, 0, G_IOC,
	  "At create: make this many jails, tagged TAG_1 to TAG_N."),
	S("pkglist", "none", PW_CREATE, 0, G_IOC, NULL,
	  "At create: a file naming packages to install in the new jail."),

	/* Jail parameters, under jail(8)'s names. */
	S("host_hostname", "<uuid>", PW_START, PF_COMPUTED, G_JAIL, check_hostname,
	  "Hostname in the jail's UTS namespace (RFC 1123, at most 64 bytes)."),
	S("host_domainname", "none", PW_START, 0, G_JAIL, check_domainname,
	  "NIS domain name in the jail's UTS namespace; none leaves it empty."),
	S("exec_start", "/bin/sh /etc/rc", PW_START, 0, G_JAIL, NULL,
	  "Run by the jail's shell once it is up; with no /etc/rc the jail just idles under init."),
	S("exec_stop", "/bin/sh /etc/rc.shutdown", PW_START, 0, G_JAIL, NULL,
	  "Run by the jail's shell before it stops; skipped when the script is missing."),
	S("exec_prestart", "none", PW_START, PF_HOSTHOOK, G_JAIL, NULL,
	  "Host command (/bin/sh, as root) run before the jail starts; local root only."),
	S("exec_poststart", "none", PW_START, PF_HOSTHOOK, G_JAIL, NULL,
	  "Host command (/bin/sh, as root) run after the jail has started; local root only."),
	S("exec_prestop", "none", PW_START, PF_HOSTHOOK, G_JAIL, NULL,
	  "Host command (/bin/sh, as root) run before the jail stops; local root only."),
	S("exec_poststop", "none", PW_START, PF_HOSTHOOK, G_JAIL, NULL,
	  "Host command (/bin/sh, as root) run after the jail has stopped; local root only."),
	Z("exec_clean", "1", PW_LIVE, 0, G_JAIL,
	  "1: commands run in the jail start from a clean environment, not the caller's."),
	I("exec_timeout", "60", 0, INT_BIG, PW_START, 0, G_JAIL,
	  "Seconds exec_start and exec_stop may run before start or stop gives up on them."),
	I("stop_timeout", "30", 0, INT_BIG, PW_LIVE, 0, G_JAIL,
	  "Seconds stop waits after SIGTERM before it sends SIGKILL."),
	S("exec_jail_user", "root", PW_START, 0, G_JAIL, check_user,
	  "User, from the jail's passwd, that runs exec_start and exec_stop."),
	Z("exec_system_jail_user", "0", PW_START, 0, G_JAIL,
	  "1: look exec_jail_user up in the host's passwd instead of the jail's."),
	S("exec_system_user", "root", PW_START, 0, G_JAIL, check_user,
	  "Host user that runs the host-side hooks (exec_prestart and the others)."),
	S("login_flags", "-f root", PW_LIVE, 0, G_JAIL, NULL,
	  "Arguments for login(1) when console enters the jail."),
	Z("mount_devfs", "1", PW_START, 0, G_JAIL,
	  "1: the jail gets a tmpfs /dev holding only the safe set of device nodes."),
	I("devfs_ruleset", "4", 0, 65535, PW_START, PF_FREEBSD, G_JAIL,
	  "Device set of the jail's /dev; Linux has only 4: null, zero, full, random, ttys, fd."),
	Z("mount_fdescfs", "1", PW_START, 0, G_JAIL,
	  "1: /dev/fd in the jail links to /proc/self/fd."),
	Z("mount_procfs", "1", PW_START, 0, G_JAIL,
	  "1: mount /proc in the jail (on by default: Linux programs need it)."),
	Z("mount_linprocfs", "0", PW_START, PF_FREEBSD, G_JAIL,
	  "FreeBSD's Linux-style procfs; on Linux /proc already is one (mount_procfs)."),
	I("exec_fib", "0", 0, 65535, PW_START, PF_FREEBSD, G_JAIL,
	  "FreeBSD routing table for the jail's commands; no Linux equivalent."),
	Z("hack88", "0", PW_START, PF_FREEBSD, G_JAIL,
	  "Old FreeBSD 8 networking workaround; no Linux equivalent."),
	I("enforce_statfs", "2", 0, 2, PW_START, PF_FREEBSD, G_JAIL,
	  "Which mounts the jail sees; a Linux mount namespace always behaves as 2."),
	I("securelevel", "2", -1, 3, PW_START, PF_FREEBSD, G_JAIL,
	  "FreeBSD kernel securelevel inside the jail; no Linux equivalent."),
	I("children_max", "0", 0, INT_BIG, PW_START, 0, G_JAIL,
	  "0: the jail may not make namespaces of its own; above 0 it may (nested containers)."),
	Z("allow_set_hostname", "1", PW_START, 0, G_JAIL,
	  "1: the jail may change its hostname; honoured only with its own user namespace."),
	Z("allow_sysvipc", "0", PW_START, 0, G_JAIL,
	  "1: share the host's System V IPC, as sysvmsg, sysvsem and sysvshm=inherit do."),
	E("sysvmsg", "new", ipc_choices, PW_START, 0, G_JAIL,
	  "System V message queues: new (own IPC namespace), inherit (host's), disable."),
	E("sysvsem", "new", ipc_choices, PW_START, 0, G_JAIL,
	  "System V semaphores: new (own IPC namespace), inherit (host's), disable."),
	E("sysvshm", "new", ipc_choices, PW_START, 0, G_JAIL,
	  "System V shared memory: new (own IPC namespace), inherit (host's), disable."),
	Z("allow_raw_sockets", "0", PW_START, 0, G_JAIL,
	  "1: the jail gets CAP_NET_RAW (ping, packet capture)."),
	Z("allow_chflags", "0", PW_START, 0, G_JAIL,
	  "1: the jail gets CAP_LINUX_IMMUTABLE (chattr +i and +a)."),
	Z("allow_mount", "0", PW_START, 0, G_JAIL,
	  "1: the jail may mount filesystems; needs a user namespace, refused without one."),
	Z("allow_mount_devfs", "0", PW_START, 0, G_JAIL,
	  "1: the jail may mount a /dev tmpfs; needs a user namespace, refused without one."),
	Z("allow_mount_nullfs", "0", PW_START, 0, G_JAIL,
	  "1: the jail may bind-mount; needs a user namespace, refused without one."),
	Z("allow_mount_procfs", "0", PW_START, 0, G_JAIL,
	  "1: the jail may mount proc; needs a user namespace, refused without one."),
	Z("allow_mount_tmpfs", "0", PW_START, 0, G_JAIL,
	  "1: the jail may mount tmpfs; needs a user namespace, refused without one."),
	Z("allow_mount_zfs", "0", PW_START, 0, G_JAIL,
	  "1: the jail may mount ZFS datasets; needs a user namespace, refused without one."),
	Z("allow_quotas", "0", PW_START, 0, G_JAIL, "1: the jail may call quotactl(2)."),
	Z("allow_socket_af", "0", PW_START, 0, G_JAIL,
	  "0: only UNIX, IPv4, IPv6 and route netlink sockets; 1: any address family."),

	/* Network. */
	B("vnet", "off", PW_START, G_NET,
	  "on: own network stack joined to bridges by veth pairs; off leaves the host alone."),
	L("interfaces", "vnet0:bridge0,vnet1:bridge1", PW_START, G_NET, check_interfaces,
	  "With vnet: up to 4 vnetN:BRIDGE, each a veth whose host end joins BRIDGE; or none."),
	L("ip4_addr", "none", PW_START, G_NET, check_ip4_addr,
	  "IFACE|ADDR/MASK,...; DEFAULT as IFACE: the default-route one (AUTOIP4: not built yet)."),
	L("ip6_addr", "none", PW_START, G_NET, check_ip6_addr,
	  "IFACE|ADDR/PREFIXLEN,...; IFACE DEFAULT is the host's default-route interface."),
	E("ip4", "new", ipc_choices, PW_START, 0, G_NET,
	  "Without vnet: new = ipvlan addresses from ip4_addr, inherit = host's stack, disable."),
	E("ip6", "new", ipc_choices, PW_START, 0, G_NET,
	  "Without vnet: new = ipvlan addresses from ip6_addr, inherit = host's stack, disable."),
	Z("ip4_saddrsel", "1", PW_START, PF_FREEBSD, G_NET,
	  "FreeBSD IPv4 source address selection for jails; no Linux equivalent."),
	Z("ip6_saddrsel", "1", PW_START, PF_FREEBSD, G_NET,
	  "FreeBSD IPv6 source address selection for jails; no Linux equivalent."),
	I("ip4_autostart", "none", 1, 254, PW_START, PF_DEFAULT_ONLY, G_NET,
	  "Set on default: where AUTOIP4's range starts (AUTOIP4 is not built yet), or none."),
	I("ip4_autoend", "none", 1, 254, PW_START, PF_DEFAULT_ONLY, G_NET,
	  "Set on default: the host number where AUTOIP4's range ends, or none."),
	I("ip4_autosubnet", "none", 1, 32, PW_START, PF_DEFAULT_ONLY, G_NET,
	  "Set on default: the prefix length AUTOIP4 addresses get, or none."),
	S("defaultrouter", "none", PW_START, 0, G_NET, check_router4,
	  "The IPv4 default gateway; auto: the host's address on the jail's bridge (vnet)."),
	S("defaultrouter6", "none", PW_START, 0, G_NET, check_router6,
	  "The IPv6 default gateway; auto: the host's address on the jail's bridge (vnet)."),
	S("resolver", "none", PW_START, 0, G_NET, check_resolver,
	  "none copies the host's resolv.conf; else the jail's resolv.conf, ';' between lines."),
	S("mac_prefix", "02ff60", PW_START, 0, G_NET, check_mac_prefix,
	  "First 3 bytes, as 6 hex digits, of the MAC addresses made for vnet interfaces."),
	S("vnet0_mac", "none", PW_START, 0, G_NET, check_mac_pair,
	  "MACs of vnet0, host end then jail end; made at first start, then kept."),
	S("vnet1_mac", "none", PW_START, 0, G_NET, check_mac_pair,
	  "MACs of vnet1, host end then jail end; made at first start, then kept."),
	S("vnet2_mac", "none", PW_START, 0, G_NET, check_mac_pair,
	  "MACs of vnet2, host end then jail end; made at first start, then kept."),
	S("vnet3_mac", "none", PW_START, 0, G_NET, check_mac_pair,
	  "MACs of vnet3, host end then jail end; made at first start, then kept."),
	B("dhcp", "off", PW_START, G_NET,
	  "With vnet and bpf: start runs the jail's DHCP client on vnet0 for a lease."),
	B("bpf", "off", PW_START, G_NET,
	  "on: CAP_NET_RAW for the jail (packet sockets); dhcp=on needs it."),

	/* Resource limits: cgroup controllers, rlimits and IPC-namespace sysctls. */
	B("rlimits", "off", PW_START, G_RCTL, "on: apply the resource limits below at start."),
	L("cpuset", "off", PW_START, G_RCTL, check_cpuset,
	  "CPUs the jail may run on (cpuset.cpus), such as 0-1 or 0,2; off for all."),
	R("pcpu", "off", check_rctl_pcpu,
	  "CPU time in percent of one CPU (cpu.max); 200 is two whole CPUs."),
	R("memoryuse", "8G:log", check_rctl_size,
	  "Memory of the whole jail: with deny the cgroup's memory.max, else only reported."),
	R("swapuse", "off", check_rctl_size0, "Swap of the whole jail (memory.swap.max)."),
	R("maxproc", "off", check_rctl_count,
	  "Processes in the jail (pids.max, the lower of maxproc and nthr)."),
	R("nthr", "off", check_rctl_count,
	  "Threads in the jail (pids.max, the lower of maxproc and nthr)."),
	R("memorylocked", "off", check_rctl_size0,
	  "Locked memory of each process (RLIMIT_MEMLOCK)."),
	R("vmemoryuse", "off", check_rctl_size, "Address space of each process (RLIMIT_AS)."),
	R("datasize", "off", check_rctl_size, "Data segment of each process (RLIMIT_DATA)."),
	R("stacksize", "off", check_rctl_size, "Stack of each process (RLIMIT_STACK)."),
	R("coredumpsize", "off", check_rctl_size0, "Core dump size of each process (RLIMIT_CORE)."),
	R("openfiles", "off", check_rctl_count, "Open files of each process (RLIMIT_NOFILE)."),
	R("cputime", "off", check_rctl_time,
	  "CPU seconds of each process (RLIMIT_CPU); s, m and h suffixes work."),
	R("pseudoterminals", "off", check_rctl_count,
	  "Pseudo-terminals in the jail (its devpts max=)."),
	R("msgqqueued", "off", check_rctl_count,
	  "System V messages queued, through the jail's IPC-namespace sysctls."),
	R("msgqsize", "off", check_rctl_size,
	  "Bytes in each System V message queue (msgmnb in the jail's IPC namespace)."),
	R("nmsgq", "off", check_rctl_count,
	  "System V message queues (msgmni in the jail's IPC namespace)."),
	R("nsemop", "off", check_rctl_count,
	  "Operations per semop(2) call (semopm in the jail's IPC namespace)."),
	R("nshm", "off", check_rctl_count,
	  "System V shared memory segments (shmmni in the jail's IPC namespace)."),
	R("shmsize", "off", check_rctl_size,
	  "System V shared memory in all (shmall in the jail's IPC namespace)."),
	R("wallclock", "off", check_rctl_time,
	  "The jail is stopped after running this long; seconds, or s, m and h suffixes."),

	/* Storage: native properties of the jail's dataset, and ZFS delegation. */
	E("compression", "lz4", compression_choices, PW_LIVE, PF_NATIVE, G_STOR,
	  "ZFS compression; jails inherit it from POOL/iocage/jails (lz4, or on where lz4 is "
	  "missing)."),
	E("dedup", "off", dedup_choices, PW_LIVE, PF_NATIVE, G_STOR,
	  "ZFS deduplication of the jail's data."),
	Q("quota", "Most space the jail's dataset and its children may use; none for no limit."),
	Q("reservation", "Space kept free for the jail's dataset; none for no reservation."),
	RO("origin", "<from ZFS>", PF_NATIVE | PF_COMPUTED, G_STOR,
	   "The snapshot a cloned jail was made from."),
	RO("mountpoint", "<from ZFS>", PF_NATIVE | PF_COMPUTED, G_STOR,
	   "Where the jail's dataset is mounted on the host."),
	RO("compressratio", "<from ZFS>", PF_NATIVE | PF_COMPUTED, G_STOR,
	   "How well the jail's data compresses."),
	RO("available", "<from ZFS>", PF_NATIVE | PF_COMPUTED, G_STOR,
	   "Space the jail's dataset can still use."),
	RO("used", "<from ZFS>", PF_NATIVE | PF_COMPUTED, G_STOR,
	   "Space the jail's dataset and its snapshots and children use."),
	B("jail_zfs", "off", PW_START, G_STOR,
	  "on: hand jail_zfs_dataset to the jail (OpenZFS 2.2 zfs zone and a user namespace)."),
	S("jail_zfs_dataset", "iocage/jails/<uuid>/data", PW_START, PF_COMPUTED, G_STOR,
	  check_dataset, "Dataset, relative to the pool, that jail_zfs hands to the jail."),
	S("jail_zfs_mountpoint", "none", PW_START, 0, G_STOR, check_jail_path,
	  "Where the handed-over dataset is mounted in the jail; none keeps its own."),
};
/* clang-format on */

const struct prop *
prop_table(size_t *n)
{
	if (n)
		*n = ARRAY_SIZE(props);
	return props;
}

const struct prop *
prop_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(props); i++)
		if (streq(props[i].name, name))
			return &props[i];
	return NULL;
}

const char *
prop_suggest(const char *name)
{
	size_t limit = strlen(name) / 3, best = SIZE_MAX, d;
	const char *found = NULL;

	if (limit < 2)
		limit = 2;
	for (size_t i = 0; i < ARRAY_SIZE(props); i++) {
		d = str_distance(name, props[i].name);
		if (d < best) {
			best = d;
			found = props[i].name;
		}
	}
	return best <= limit ? found : NULL;
}

static int bad_value(struct ioc_err *e, const struct prop *p, const char *val, const char *fmt, ...)
    IOC_PRINTF(4, 5);

/* A message about a value: "PROP: 'VALUE' " + the rest, with the value made safe to print. */
static int
bad_value(struct ioc_err *e, const struct prop *p, const char *val, const char *fmt, ...)
{
	char show[128], rest[768];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(rest, sizeof(rest), fmt, ap);
	va_end(ap);
	return err_set(e, EINVAL, "%s: '%s' %s", p->name, str_shown(val, show, sizeof(show)), rest);
}

/* What every value must be: at most PROP_VALUE_MAX bytes of UTF-8 with no control
 * characters (C0, DEL, and C1, which terminals obey as well). */
static int
check_text(const struct prop *p, const char *val, struct ioc_err *e)
{
	const unsigned char *s = (const unsigned char *)val;
	size_t len = strnlen(val, PROP_VALUE_MAX + 1), i, n;
	uint32_t cp;

	if (len > PROP_VALUE_MAX)
		return err_set(e, EINVAL, "%s: the value is longer than %d bytes", p->name,
			       PROP_VALUE_MAX);
	for (i = 0; i < len; i += n) {
		n = str_utf8_next(s + i, &cp);
		if (n == 0)
			return bad_value(e, p, val, "is not valid UTF-8 (at byte %zu)", i + 1);
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return bad_value(e, p, val,
					 "has a control character (at byte %zu); values are one "
					 "line of text",
					 i + 1);
	}
	return 0;
}

/* Bool: the spelling family of the default (yes/no or on/off) is the canonical one. */
static int
type_bool(const struct prop *p, const char *val, char **canon, struct ioc_err *e)
{
	bool yesno = streq(p->def, "yes") || streq(p->def, "no");
	int v;

	if (strcasecmp(val, "on") == 0 || strcasecmp(val, "yes") == 0)
		v = 1;
	else if (strcasecmp(val, "off") == 0 || strcasecmp(val, "no") == 0)
		v = 0;
	else
		return bad_value(e, p, val, "is not %s (%s are accepted too)",
				 yesno ? "yes or no" : "on or off",
				 yesno ? "on and off" : "yes and no");
	*canon = xstrdup(yesno ? (v ? "yes" : "no") : (v ? "on" : "off"));
	return 0;
}

static int
type_01(const struct prop *p, const char *val, char **canon, struct ioc_err *e)
{
	if (!streq(val, "0") && !streq(val, "1"))
		return bad_value(e, p, val, "is not 0 or 1");
	*canon = xstrdup(val);
	return 0;
}

/* "-12" or "12": digits only, so that " 5", "+5", "5k" and "0x5" are all refused. */
static bool
parse_i64(const char *s, int64_t *ret)
{
	const char *d = s[0] == '-' ? s + 1 : s;
	long long v;
	char *end;

	if (!isdigit((unsigned char)d[0]))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE || *end != '\0')
		return false;
	*ret = v;
	return true;
}

static int
type_int(const struct prop *p, const char *val, char **canon, struct ioc_err *e)
{
	bool none_ok = streq(p->def, "none");
	char range[96];
	int64_t v;

	if (none_ok && streq(val, "none")) {
		*canon = xstrdup("none");
		return 0;
	}
	if (p->max >= INT_BIG)
		(void)snprintf(range, sizeof(range), "an integer of at least %" PRId64, p->min);
	else
		(void)snprintf(range, sizeof(range), "an integer from %" PRId64 " to %" PRId64,
			       p->min, p->max);
	if (!parse_i64(val, &v) || v < p->min || v > p->max)
		return bad_value(e, p, val, "is not %s%s", range, none_ok ? ", or none" : "");
	*canon = xasprintf("%" PRId64, v);
	return 0;
}

static int
type_size(const struct prop *p, const char *val, char **canon, struct ioc_err *e)
{
	uint64_t v;

	if (!streq(val, "none") && (parse_size(val, &v) < 0 || v == 0))
		return bad_value(e, p, val, "is not a size above 0 (such as 20G or 512M) or none");
	*canon = xstrdup(val);
	return 0;
}

static int
type_enum(const struct prop *p, const char *val, char **canon, struct ioc_err *e)
{
	struct sbuf b = {0};

	for (size_t i = 0; p->choices[i]; i++) {
		if (strcasecmp(val, p->choices[i]) == 0) {
			*canon = xstrdup(p->choices[i]);
			return 0;
		}
	}
	for (size_t i = 0; p->choices[i]; i++)
		sbuf_addf(&b, "%s%s", i ? ", " : "", p->choices[i]);
	bad_value(e, p, val, "is not one of %s", sbuf_str(&b));
	sbuf_free(&b);
	return -1;
}

/* Free text and lists keep the user's spelling; the property's checker does the rest. */
static int
type_text(const struct prop *p, const char *val, char **canon, struct ioc_err *e)
{
	if (val[0] == '\0')
		return err_set(e, EINVAL, "%s: the value is empty%s", p->name,
			       streq(p->def, "none") ? "; use none for no value" : "");
	*canon = xstrdup(val);
	return 0;
}

/* The amount is kept as written; the action is folded to lower case. */
static int
type_rctl(const struct prop *p, const char *val, char **canon, struct ioc_err *e)
{
	const char *colon = strchr(val, ':');
	char *c;

	(void)p;
	(void)e;
	c = xstrdup(val);
	if (colon)
		for (char *s = c + (colon - val); *s; s++)
			*s = (char)tolower((unsigned char)*s);
	*canon = c;
	return 0;
}

static int (*const type_checks[])(const struct prop *, const char *, char **, struct ioc_err *) = {
    [PT_BOOL] = type_bool, [PT_01] = type_01,       [PT_INT] = type_int,   [PT_SIZE] = type_size,
    [PT_ENUM] = type_enum, [PT_STRING] = type_text, [PT_LIST] = type_text, [PT_RCTL] = type_rctl,
};

int
prop_validate(const struct prop *p, const char *val, char **canon, struct ioc_err *e)
{
	cleanup_free char *c = NULL;

	if (p->type == PT_RO)
		return err_set(e, EINVAL, "%s is read-only", p->name);
	if ((size_t)p->type >= ARRAY_SIZE(type_checks) || !type_checks[p->type])
		return err_set(e, EINVAL, "%s: unknown property type", p->name);
	if (check_text(p, val, e) < 0 || type_checks[p->type](p, val, &c, e) < 0)
		return -1;
	if (p->check && p->check(p, c, e) < 0)
		return -1;
	if ((p->flags & PF_FREEBSD) && !streq(c, p->def))
		return err_set(e, EINVAL,
			       "%s has no effect on Linux (only its default %s is accepted)",
			       p->name, p->def);
	if (canon)
		*canon = TAKE_PTR(c);
	return 0;
}

int
prop_check_set(const char *name, const char *val, bool creating, char **canon, struct ioc_err *e)
{
	const struct prop *p = prop_find(name);
	const char *near;
	char show[96];

	if (!p) {
		near = prop_suggest(name);
		str_shown(name, show, sizeof(show));
		if (near)
			return err_set(e, EINVAL, "unknown property '%s' (did you mean '%s'?)",
				       show, near);
		return err_set(e, EINVAL, "unknown property '%s'", show);
	}
	if (p->type == PT_RO)
		return err_set(e, EINVAL, "%s is read-only", p->name);
	if (p->when == PW_CREATE && !creating)
		return err_set(e, EINVAL, "%s can only be given at create", p->name);
	return prop_validate(p, val, canon, e);
}

const char *
prop_type_name(enum prop_type t)
{
	static const char *const names[] = {
	    [PT_BOOL] = "bool", [PT_01] = "01",     [PT_INT] = "int",
	    [PT_SIZE] = "size", [PT_ENUM] = "enum", [PT_STRING] = "string",
	    [PT_LIST] = "list", [PT_RCTL] = "rctl", [PT_RO] = "ro",
	};

	if ((size_t)t >= ARRAY_SIZE(names) || !names[t])
		return "?";
	return names[t];
}

const char *
prop_when_name(enum prop_when w)
{
	static const char *const names[] = {
	    [PW_NONE] = "-",
	    [PW_CREATE] = "create",
	    [PW_START] = "start",
	    [PW_LIVE] = "live",
	};

	if ((size_t)w >= ARRAY_SIZE(names) || !names[w])
		return "?";
	return names[w];
}

/* Property checkers: each gets the value after the type's own checks. */

static int
check_tag(const struct prop *p, const char *val, struct ioc_err *e)
{
	(void)p;
	return tag_validate(val, e);
}

static int
check_release(const struct prop *p, const char *val, struct ioc_err *e)
{
	(void)p;
	if (streq(val, "none") || streq(val, "EMPTY"))
		return 0;
	return release_name_validate(val, e);
}

/* A machine-id (32 hex digits) or, from an iocage import, a FreeBSD hostuuid. */
static int
check_hostid(const struct prop *p, const char *val, struct ioc_err *e)
{
	size_t len = strlen(val);

	if (len == 0 || len > 64 || strspn(val, "0123456789abcdefABCDEF-") != len)
		return bad_value(e, p, val,
				 "is not a host id: the 32 hex digits of /etc/machine-id, or a "
				 "UUID");
	return 0;
}

static bool
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* One RFC 1123 label: 1-63 letters, digits and '-', not starting or ending with '-'. */
static bool
label_valid(const char *s, size_t len)
{
	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

static int
check_hostname(const struct prop *p, const char *val, struct ioc_err *e)
{
	const char *s = val, *dot;
	size_t len;

	if (strlen(val) > HOSTNAME_MAX)
		return bad_value(e, p, val, "is longer than %d bytes, the most Linux allows",
				 HOSTNAME_MAX);
	for (;;) {
		dot = strchr(s, '.');
		len = dot ? (size_t)(dot - s) : strlen(s);
		if (!label_valid(s, len))
			return bad_value(e, p, val,
					 "is not a hostname: use labels of 1-63 letters, digits "
					 "and '-' (not at either end) joined by '.'");
		if (!dot)
			return 0;
		s = dot + 1;
	}
}

static int
check_domainname(const struct prop *p, const char *val, struct ioc_err *e)
{
	size_t len = strlen(val);

	if (len > HOSTNAME_MAX || !is_alnum(val[0]) ||
	    strspn(val, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != len)
		return bad_value(e, p, val,
				 "is not a domain name: 1-%d letters, digits, '.', '_' and '-', "
				 "or none",
				 HOSTNAME_MAX);
	return 0;
}

/* A user name as passwd files hold them: no ':' (the field separator), no '/', no
 * whitespace, not starting with '-' (an option to whatever looks it up). */
static int
check_user(const struct prop *p, const char *val, struct ioc_err *e)
{
	size_t len = strlen(val), ok;

	ok = strspn(val, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
	if (ok + 1 == len && val[ok] == '$' && ok > 0)
		ok++;
	if (len > 32 || val[0] == '-' || ok != len)
		return bad_value(e, p, val,
				 "is not a user name: 1-32 letters, digits, '.', '_' or '-', not "
				 "starting with '-'");
	return 0;
}

/* What Linux takes as an interface name (dev_valid_name), minus the characters our own
 * lists use as separators and ';', which has no business in a name. */
static bool
ifname_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > IFNAME_MAX || streq(s, ".") || streq(s, ".."))
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f || strchr("/:;,|%", s[i]))
			return false;
	return true;
}

static int
bad_ifname(const struct prop *p, const char *name, struct ioc_err *e)
{
	char show[64];

	return err_set(e, EINVAL,
		       "%s: '%s' is not an interface name (1-15 characters without spaces, "
		       "'/', ':', ';', ',', '|' or '%%', and not '.' or '..')",
		       p->name, str_shown(name, show, sizeof(show)));
}

static int
interface_item(const struct prop *p, const char *item, bool seen[VNET_MAX], struct ioc_err *e)
{
	char show[96];
	int n;

	if (!str_has_prefix(item, "vnet") || item[4] < '0' || item[4] >= '0' + VNET_MAX ||
	    item[5] != ':')
		return err_set(e, EINVAL,
			       "%s: '%s' is not vnetN:BRIDGE with N from 0 to 3; e.g. "
			       "vnet0:bridge0,vnet1:bridge1, or none",
			       p->name, str_shown(item, show, sizeof(show)));
	n = item[4] - '0';
	if (seen[n])
		return err_set(e, EINVAL, "%s: vnet%d is given twice", p->name, n);
	seen[n] = true;
	if (!ifname_valid(item + 6))
		return bad_ifname(p, item + 6, e);
	return 0;
}

static int
check_interfaces(const struct prop *p, const char *val, struct ioc_err *e)
{
	cleanup_free char *copy = NULL;
	bool seen[VNET_MAX] = {false};
	char *rest, *item;
	int count = 0;

	if (streq(val, "none"))
		return 0;
	copy = xstrdup(val);
	rest = copy;
	while ((item = strsep(&rest, ",")) != NULL) {
		if (++count > VNET_MAX)
			return bad_value(e, p, val, "has more than %d entries (vnet0 to vnet3)",
					 VNET_MAX);
		if (interface_item(p, item, seen, e) < 0)
			return -1;
	}
	return 0;
}

/* "ADDR/MASK" (or AUTOIP4 alone) of an ip4_addr/ip6_addr entry. */
static int
ip_item_addr(const struct prop *p, const char *item, const char *addr, int af, struct ioc_err *e)
{
	unsigned char bin[sizeof(struct in6_addr)];
	const char *slash = strchr(addr, '/');
	unsigned maxmask = af == AF_INET ? 32 : 128;
	char ip[64], show[96];
	uint64_t mask;
	size_t len;

	str_shown(item, show, sizeof(show));
	/* Refused until start can hand out addresses from the ip4_auto* range. */
	if (af == AF_INET && str_has_prefix(addr, "AUTOIP4"))
		return err_set(e, EINVAL,
			       "%s: '%s': AUTOIP4 (a free address picked at start) is not built "
			       "yet; give the address, e.g. vnet0|192.0.2.10/24",
			       p->name, show);
	len = slash ? (size_t)(slash - addr) : strlen(addr);
	if (len == 0 || len >= sizeof(ip))
		return err_set(e, EINVAL, "%s: '%s' has no address; use IFACE|ADDR/MASK", p->name,
			       show);
	memcpy(ip, addr, len);
	ip[len] = '\0';
	if (inet_pton(af, ip, bin) != 1)
		return err_set(
		    e, EINVAL, "%s: '%s' is not an IPv%d address%s", p->name,
		    str_shown(ip, show, sizeof(show)), af == AF_INET ? 4 : 6,
		    inet_pton(af == AF_INET ? AF_INET6 : AF_INET, ip, bin) == 1
			? (af == AF_INET ? " (IPv6 goes in ip6_addr)" : " (IPv4 goes in ip4_addr)")
			: "");
	if (!slash)
		return err_set(e, EINVAL, "%s: '%s' has no mask; use ADDR/MASK such as %s/%s",
			       p->name, show, ip, af == AF_INET ? "24" : "64");
	if (parse_u64(slash + 1, &mask) < 0 || mask > maxmask)
		return err_set(e, EINVAL, "%s: '%s' has a bad mask: use a number from 0 to %u",
			       p->name, show, maxmask);
	return 0;
}

static int
ip_item(const struct prop *p, const char *item, int af, struct ioc_err *e)
{
	const char *bar = strchr(item, '|');
	char iface[IFNAME_MAX + 2], show[96];
	size_t len;

	if (!bar)
		return err_set(e, EINVAL,
			       "%s: '%s' has no interface; use IFACE|ADDR/MASK such as %s, "
			       "with DEFAULT as IFACE for the host's default-route interface, "
			       "or none",
			       p->name, str_shown(item, show, sizeof(show)),
			       af == AF_INET ? "vnet0|192.168.1.10/24" : "vnet0|fd00::10/64");
	len = (size_t)(bar - item);
	if (len >= sizeof(iface))
		len = sizeof(iface) - 1; /* ifname_valid refuses it: too long */
	memcpy(iface, item, len);
	iface[len] = '\0';
	if (!streq(iface, "DEFAULT") && !ifname_valid(iface))
		return bad_ifname(p, iface, e);
	return ip_item_addr(p, item, bar + 1, af, e);
}

static int
check_ip_list(const struct prop *p, const char *val, int af, struct ioc_err *e)
{
	cleanup_free char *copy = NULL;
	char *rest, *item;

	if (streq(val, "none"))
		return 0;
	copy = xstrdup(val);
	rest = copy;
	while ((item = strsep(&rest, ",")) != NULL)
		if (ip_item(p, item, af, e) < 0)
			return -1;
	return 0;
}

static int
check_ip4_addr(const struct prop *p, const char *val, struct ioc_err *e)
{
	return check_ip_list(p, val, AF_INET, e);
}

static int
check_ip6_addr(const struct prop *p, const char *val, struct ioc_err *e)
{
	return check_ip_list(p, val, AF_INET6, e);
}

/* "none", "auto" or an address; an IPv6 router may carry %IFACE (link-local routers). */
static int
check_router(const struct prop *p, const char *val, int af, struct ioc_err *e)
{
	unsigned char bin[sizeof(struct in6_addr)];
	const char *zone = af == AF_INET6 ? strchr(val, '%') : NULL;
	char ip[64];
	size_t len = zone ? (size_t)(zone - val) : strlen(val);

	if (streq(val, "none") || streq(val, "auto"))
		return 0;
	if (len < sizeof(ip)) {
		memcpy(ip, val, len);
		ip[len] = '\0';
		if (inet_pton(af, ip, bin) == 1 && (!zone || ifname_valid(zone + 1)))
			return 0;
	}
	return bad_value(e, p, val, "is not an IPv%d address, auto or none", af == AF_INET ? 4 : 6);
}

static int
check_router4(const struct prop *p, const char *val, struct ioc_err *e)
{
	return check_router(p, val, AF_INET, e);
}

static int
check_router6(const struct prop *p, const char *val, struct ioc_err *e)
{
	return check_router(p, val, AF_INET6, e);
}

/* One resolv.conf line: a known keyword with arguments; a nameserver must be an address. */
static int
resolver_line(const struct prop *p, const char *line, struct ioc_err *e)
{
	static const char *const words[] = {"nameserver", "domain", "search", "sortlist",
					    "options"};
	unsigned char bin[sizeof(struct in6_addr)];
	const char *arg = strchr(line, ' ');
	size_t wlen = arg ? (size_t)(arg - line) : strlen(line);
	char show[96];

	while (arg && *arg == ' ')
		arg++;
	str_shown(line, show, sizeof(show));
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		if (strlen(words[i]) != wlen || strncmp(line, words[i], wlen) != 0)
			continue;
		if (!arg || !*arg)
			return err_set(e, EINVAL, "%s: line '%s' has nothing after %s", p->name,
				       show, words[i]);
		if (i == 0 && inet_pton(AF_INET, arg, bin) != 1 &&
		    inet_pton(AF_INET6, arg, bin) != 1)
			return err_set(e, EINVAL,
				       "%s: line '%s': a nameserver is one IPv4 or IPv6 address",
				       p->name, show);
		return 0;
	}
	return err_set(e, EINVAL,
		       "%s: line '%s' is not a resolv.conf line (nameserver, domain, search, "
		       "sortlist, options); separate lines with ';'",
		       p->name, show);
}

static int
check_resolver(const struct prop *p, const char *val, struct ioc_err *e)
{
	cleanup_free char *copy = NULL;
	char *rest, *line;
	int lines = 0;

	if (streq(val, "none"))
		return 0;
	copy = xstrdup(val);
	rest = copy;
	while ((line = strsep(&rest, ";")) != NULL) {
		line += strspn(line, " ");
		if (*line == '\0') /* "a;;b" and a trailing ';' are harmless */
			continue;
		for (char *end = line + strlen(line); end > line && end[-1] == ' '; end--)
			end[-1] = '\0';
		if (resolver_line(p, line, e) < 0)
			return -1;
		lines++;
	}
	if (lines == 0)
		return bad_value(e, p, val,
				 "has no lines; use e.g. 'nameserver 192.0.2.1', or none");
	return 0;
}

/* n hex digits at s, and the first byte a unicast one (multicast addresses cannot be given
 * to an interface). */
static bool
mac_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return n >= 2 && !(strtoul((char[]){s[0], s[1], '\0'}, NULL, 16) & 1);
}

static int
check_mac_prefix(const struct prop *p, const char *val, struct ioc_err *e)
{
	if (strlen(val) != 6 || !mac_hex(val, 6))
		return bad_value(e, p, val,
				 "is not 6 hex digits of a unicast MAC prefix, such as 02ff60");
	return 0;
}

static int
check_mac_pair(const struct prop *p, const char *val, struct ioc_err *e)
{
	if (streq(val, "none"))
		return 0;
	if (strlen(val) != 25 || val[12] != ' ' || !mac_hex(val, 12) || !mac_hex(val + 13, 12) ||
	    strspn(val, "0") == 12 || strspn(val + 13, "0") == 12)
		return bad_value(e, p, val,
				 "is not two unicast MACs of 12 hex digits, host end then jail "
				 "end, such as '02ff60a1b2ca 02ff60a1b2cb', or none");
	if (strncasecmp(val, val + 13, 12) == 0)
		return bad_value(e, p, val, "gives both ends the same MAC");
	return 0;
}

static bool
parse_cpu(const char *s, size_t len, uint64_t *ret)
{
	char buf[8];

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return parse_u64(buf, ret) == 0 && *ret < CPU_MAX;
}

static int
check_cpuset(const struct prop *p, const char *val, struct ioc_err *e)
{
	cleanup_free char *copy = NULL;
	char *rest, *item, *dash;
	uint64_t lo, hi;

	if (streq(val, "off"))
		return 0;
	if (strlen(val) > PROP_CPUSET_MAX)
		return bad_value(e, p, val,
				 "is longer than %d characters; write ranges such as 0-63,128-191",
				 PROP_CPUSET_MAX);
	copy = xstrdup(val);
	rest = copy;
	while ((item = strsep(&rest, ",")) != NULL) {
		dash = strchr(item, '-');
		if (!parse_cpu(item, dash ? (size_t)(dash - item) : strlen(item), &lo) ||
		    (dash && !parse_cpu(dash + 1, strlen(dash + 1), &hi)))
			return bad_value(e, p, val,
					 "is not a CPU list such as 0-1 or 0,2 (CPUs 0 to %d), "
					 "or off",
					 CPU_MAX - 1);
		if (dash && hi < lo)
			return bad_value(e, p, val, "has a range that goes down; write LOW-HIGH");
	}
	return 0;
}

/* A dataset name relative to the pool: components of ZFS's name characters, no '@' or '#'
 * (snapshots, bookmarks), no empty, "." or ".." component. */
static int
check_dataset(const struct prop *p, const char *val, struct ioc_err *e)
{
	const char *s = val;
	size_t len;

	if (strlen(val) > 200)
		return bad_value(e, p, val, "is too long for a dataset name");
	for (;;) {
		len = strcspn(s, "/");
		if (len == 0 || (len == 1 && s[0] == '.') || (len == 2 && !strncmp(s, "..", 2)) ||
		    strspn(s,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-") <
			len)
			return bad_value(e, p, val,
					 "is not a dataset name: components of letters, digits, "
					 "'_', '.', ':' and '-' joined by '/', such as "
					 "iocage/jails/web/data");
		if (s[len] == '\0')
			return 0;
		s += len + 1;
	}
}

/* A path inside the jail: absolute and without ".." (it is resolved in the jail's root,
 * but a clean path says what it means). */
static int
check_jail_path(const struct prop *p, const char *val, struct ioc_err *e)
{
	const char *s;

	if (streq(val, "none"))
		return 0;
	if (val[0] != '/')
		return bad_value(e, p, val, "is not an absolute path (or none)");
	for (s = val; (s = strstr(s, "..")) != NULL; s += 2)
		if (s[-1] == '/' && (s[2] == '/' || s[2] == '\0'))
			return bad_value(e, p, val, "has a '..' component");
	return 0;
}

/* Resource limits. The checker a property has in the table says what its amount is. */
enum rctl_kind {
	RK_SIZE,  /* bytes, above 0 */
	RK_SIZE0, /* bytes, 0 allowed (no swap, no locked memory, no core dumps) */
	RK_COUNT, /* a count, at least 1 */
	RK_TIME,  /* seconds, with an optional s, m or h */
	RK_PCPU,  /* percent of one CPU, up to 100 per CPU */
};

static const struct {
	int (*check)(const struct prop *, const char *, struct ioc_err *);
	const char *what;
	const char *examples;
} rctl_kinds[] = {
    [RK_SIZE] = {check_rctl_size, "a size", "512M:deny, 2G:log"},
    [RK_SIZE0] = {check_rctl_size0, "a size", "512M:deny, 2G:log"},
    [RK_COUNT] = {check_rctl_count, "a count", "100:deny, 500:log"},
    [RK_TIME] = {check_rctl_time, "a time", "3600:deny, 90m:sigterm"},
    [RK_PCPU] = {check_rctl_pcpu, "a percent of one CPU", "50:deny, 200:log"},
};

static const char *const rctl_signals[] = {
    "hup",  "int",  "quit", "ill",    "trap", "abrt",  "bus",  "fpe",  "kill", "usr1",
    "segv", "usr2", "pipe", "alrm",   "term", "stop",  "tstp", "cont", "ttin", "ttou",
    "urg",  "xcpu", "xfsz", "vtalrm", "prof", "winch", "io",   "pwr",  "sys",  NULL,
};

static long
cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	return n < 1 ? 1 : n;
}

static int
rctl_bad(const struct prop *p, const char *amount, enum rctl_kind k, const char *why,
	 struct ioc_err *e)
{
	char show[96];

	return err_set(e, EINVAL, "%s: '%s' %s; use VALUE:ACTION such as %s, or off", p->name,
		       str_shown(amount, show, sizeof(show)), why, rctl_kinds[k].examples);
}

/* "90", "90s", "15m", "2h" -> seconds. */
static bool
parse_seconds(const char *s, uint64_t *ret)
{
	char buf[32];
	size_t len = strlen(s);
	uint64_t mult = 1, v;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len + 1);
	if (buf[len - 1] == 's' || buf[len - 1] == 'm' || buf[len - 1] == 'h') {
		mult = buf[len - 1] == 's' ? 1 : buf[len - 1] == 'm' ? 60 : 3600;
		buf[len - 1] = '\0';
	}
	if (parse_u64(buf, &v) < 0 || v > UINT64_MAX / mult)
		return false;
	*ret = v * mult;
	return true;
}

static int
rctl_amount(const struct prop *p, const char *s, enum rctl_kind k, uint64_t *ret, struct ioc_err *e)
{
	char why[96];
	bool parsed;

	if (k == RK_SIZE || k == RK_SIZE0)
		parsed = parse_size(s, ret) == 0;
	else if (k == RK_TIME)
		parsed = parse_seconds(s, ret);
	else
		parsed = parse_u64(s, ret) == 0;
	if (!parsed) {
		(void)snprintf(why, sizeof(why), "is not %s%s", rctl_kinds[k].what,
			       k == RK_TIME ? " in seconds (or with s, m or h)" : "");
		return rctl_bad(p, s, k, why, e);
	}
	if (*ret == 0 && k != RK_SIZE0)
		return rctl_bad(p, s, k, "leaves the jail nothing: the amount must be above 0", e);
	if (k == RK_PCPU && *ret > 100 * (uint64_t)cpu_count()) {
		(void)snprintf(why, sizeof(why), "is more than %ld, 100 for each of the %ld CPUs",
			       100 * cpu_count(), cpu_count());
		return rctl_bad(p, s, k, why, e);
	}
	return 0;
}

static int
rctl_action(const struct prop *p, const char *s, char out[16], struct ioc_err *e)
{
	static const char *const plain[] = {"deny", "log", "devctl", "throttle"};
	size_t len = strlen(s);
	char show[96];

	if (len > 0 && len < 16) {
		for (size_t i = 0; i <= len; i++)
			out[i] = (char)tolower((unsigned char)s[i]);
		for (size_t i = 0; i < ARRAY_SIZE(plain); i++)
			if (streq(out, plain[i]))
				return 0;
		for (size_t i = 0; str_has_prefix(out, "sig") && rctl_signals[i]; i++)
			if (streq(out + 3, rctl_signals[i]))
				return 0;
	}
	out[0] = '\0';
	return err_set(e, EINVAL, "%s: unknown action '%s' (deny, log, devctl, throttle, sigNAME)",
		       p->name, str_shown(s, show, sizeof(show)));
}

static int
rctl_kind_parse(const struct prop *p, const char *val, enum rctl_kind k, struct rctl *out,
		struct ioc_err *e)
{
	const char *colon = strchr(val, ':');
	cleanup_free char *amount = NULL;
	struct rctl r = {0};

	if (streq(val, "off")) {
		r.off = true;
		*out = r;
		return 0;
	}
	amount = colon ? xstrndup(val, (size_t)(colon - val)) : xstrdup(val);
	if (rctl_amount(p, amount, k, &r.amount, e) < 0)
		return -1;
	if (!colon)
		return rctl_bad(p, val, k, "has no action", e);
	if (rctl_action(p, colon + 1, r.action, e) < 0)
		return -1;
	*out = r;
	return 0;
}

static int
check_rctl_size(const struct prop *p, const char *val, struct ioc_err *e)
{
	struct rctl r;

	return rctl_kind_parse(p, val, RK_SIZE, &r, e);
}

static int
check_rctl_size0(const struct prop *p, const char *val, struct ioc_err *e)
{
	struct rctl r;

	return rctl_kind_parse(p, val, RK_SIZE0, &r, e);
}

static int
check_rctl_count(const struct prop *p, const char *val, struct ioc_err *e)
{
	struct rctl r;

	return rctl_kind_parse(p, val, RK_COUNT, &r, e);
}

static int
check_rctl_time(const struct prop *p, const char *val, struct ioc_err *e)
{
	struct rctl r;

	return rctl_kind_parse(p, val, RK_TIME, &r, e);
}

static int
check_rctl_pcpu(const struct prop *p, const char *val, struct ioc_err *e)
{
	struct rctl r;

	return rctl_kind_parse(p, val, RK_PCPU, &r, e);
}

int
rctl_parse(const struct prop *p, const char *val, struct rctl *out, struct ioc_err *e)
{
	for (size_t k = 0; p->type == PT_RCTL && k < ARRAY_SIZE(rctl_kinds); k++)
		if (p->check == rctl_kinds[k].check)
			return rctl_kind_parse(p, val, (enum rctl_kind)k, out, e);
	return err_set(e, EINVAL, "%s is not a resource limit", p->name);
}
