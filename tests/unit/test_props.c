/* The property registry: the table against the spec, every type and checker with good and
 * bad values, suggestions, and the messages `set` prints. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/props.h"
#include "tap.h"
#include "util/cleanup.h"
#include "util/str.h"

/* Every name in PROPERTIES.md, written out here rather than read from the table, so that a
 * property dropped from the table fails. */
/* clang-format off */
static const char *const spec_names[] = {
	"tag", "host_hostuuid", "type", "release", "template", "boot", "priority", "notes", "owner",
	"last_started", "hostid", "hostid_strict_check", "count", "pkglist", "host_hostname",
	"host_domainname", "exec_start", "exec_stop", "exec_prestart", "exec_poststart",
	"exec_prestop", "exec_poststop", "exec_clean", "exec_timeout", "stop_timeout",
	"exec_jail_user", "exec_system_jail_user", "exec_system_user", "login_flags", "mount_devfs",
	"devfs_ruleset", "mount_fdescfs", "mount_procfs", "mount_linprocfs", "exec_fib", "hack88",
	"enforce_statfs", "securelevel", "children_max", "allow_set_hostname", "allow_sysvipc",
	"sysvmsg", "sysvsem", "sysvshm", "allow_raw_sockets", "allow_chflags", "allow_mount",
	"allow_mount_devfs", "allow_mount_nullfs", "allow_mount_procfs", "allow_mount_tmpfs",
	"allow_mount_zfs", "allow_quotas", "allow_socket_af", "vnet", "interfaces", "ip4_addr",
	"ip6_addr", "ip4", "ip6", "ip4_saddrsel", "ip6_saddrsel", "ip4_autostart", "ip4_autoend",
	"ip4_autosubnet", "defaultrouter", "defaultrouter6", "resolver", "mac_prefix", "vnet0_mac",
	"vnet1_mac", "vnet2_mac", "vnet3_mac", "dhcp", "bpf", "rlimits", "cpuset", "pcpu",
	"memoryuse", "swapuse", "maxproc", "nthr", "memorylocked", "vmemoryuse", "datasize",
	"stacksize", "coredumpsize", "openfiles", "cputime", "pseudoterminals", "msgqqueued",
	"msgqsize", "nmsgq", "nsemop", "nshm", "shmsize", "wallclock", "compression", "dedup",
	"quota", "reservation", "origin", "mountpoint", "compressratio", "available", "used",
	"jail_zfs", "jail_zfs_dataset", "jail_zfs_mountpoint"
};

static const char *const freebsd_names[] = {
	"mount_linprocfs", "exec_fib", "hack88", "enforce_statfs", "securelevel", "devfs_ruleset",
	"ip4_saddrsel", "ip6_saddrsel"
};

static const char *const hook_names[] = {
	"exec_prestart", "exec_poststart", "exec_prestop", "exec_poststop"
};

static const char *const native_names[] = {
	"compression", "dedup", "quota", "reservation", "origin", "mountpoint", "compressratio",
	"available", "used"
};

static const char *const rctl_names[] = {
	"pcpu", "memoryuse", "swapuse", "maxproc", "nthr", "memorylocked", "vmemoryuse", "datasize",
	"stacksize", "coredumpsize", "openfiles", "cputime", "pseudoterminals", "msgqqueued",
	"msgqsize", "nmsgq", "nsemop", "nshm", "shmsize", "wallclock"
};
/* clang-format on */

static bool
in_list(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (streq(v[i], s))
			return true;
	return false;
}

/* Validate name=val; the canonical form (caller frees) or NULL with e filled. */
static char *
canon_of(const char *name, const char *val, struct ioc_err *e)
{
	const struct prop *p = prop_find(name);
	char *c = NULL;

	if (!p) {
		err_set(e, 0, "test: no property %s", name);
		return NULL;
	}
	if (prop_validate(p, val, &c, e) < 0)
		return NULL;
	return c;
}

static void
good(const char *name, const char *val, const char *want)
{
	struct ioc_err e = {0};
	char *c = canon_of(name, val, &e);

	is_str(c, want ? want : val, "%s=%s is accepted", name, val);
	if (!c)
		printf("#   %s\n", e.msg);
	free(c);
}

/* name=val must fail with a message that starts with the name and, when want is given,
 * holds want. */
static void
bad(const char *name, const char *val, const char *want)
{
	struct ioc_err e = {0};
	char *c = canon_of(name, val, &e);
	bool named = str_has_prefix(e.msg, name);

	ok(!c && named && (!want || strstr(e.msg, want)), "%s=%s is refused", name, val);
	if (c || !named || (want && !strstr(e.msg, want)))
		printf("#   canon '%s', message '%s'\n", c ? c : "(null)", e.msg);
	free(c);
}

static void
test_table(void)
{
	size_t n, i, j, bad_help = 0, dups = 0, bad_name = 0, missing = 0;
	const struct prop *t = prop_table(&n);
	const char *groups[] = {"iocage", "jail", "network", "rctl", "storage"};

	ok(n == ARRAY_SIZE(spec_names), "the table has the %zu properties of the spec (has %zu)",
	   ARRAY_SIZE(spec_names), n);
	for (i = 0; i < ARRAY_SIZE(spec_names); i++) {
		if (!prop_find(spec_names[i])) {
			printf("#   missing %s\n", spec_names[i]);
			missing++;
		}
	}
	ok(missing == 0, "every property of the spec is in the table");
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++)
			dups += streq(t[i].name, t[j].name);
		bad_name +=
		    strspn(t[i].name, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(t[i].name);
		if (!t[i].help || strlen(t[i].help) < 10 || strchr(t[i].help, '\n') ||
		    strlen(t[i].help) > 100) {
			printf("#   help of %s\n", t[i].name);
			bad_help++;
		}
		ok(prop_find(t[i].name) == &t[i], "prop_find(%s) finds its row", t[i].name);
		ok(in_list(groups, ARRAY_SIZE(groups), t[i].group), "%s has a known group",
		   t[i].name);
		ok(t[i].def && t[i].def[0], "%s has a default", t[i].name);
	}
	ok(dups == 0, "no name is in the table twice");
	ok(bad_name == 0, "names are lower case letters, digits and '_'");
	ok(bad_help == 0, "every property has a one-line help text");
	ok(prop_find("nosuch") == NULL, "prop_find of an unknown name is NULL");
	ok(prop_find("TAG") == NULL, "prop_find is exact");
}

static void
test_flags(void)
{
	size_t n;
	const struct prop *t = prop_table(&n);

	for (size_t i = 0; i < n; i++) {
		const struct prop *p = &t[i];
		bool ro = p->type == PT_RO;
		bool computed = p->def[0] == '<' || strchr(p->def, '<');

		ok(ro == (p->when == PW_NONE), "%s: read-only exactly when its when is none",
		   p->name);
		ok(!!(p->flags & PF_FREEBSD) ==
		       in_list(freebsd_names, ARRAY_SIZE(freebsd_names), p->name),
		   "%s: FreeBSD-only flag as the spec says", p->name);
		ok(!!(p->flags & PF_HOSTHOOK) ==
		       in_list(hook_names, ARRAY_SIZE(hook_names), p->name),
		   "%s: host hook flag as the spec says", p->name);
		ok(!!(p->flags & PF_NATIVE) ==
		       in_list(native_names, ARRAY_SIZE(native_names), p->name),
		   "%s: native ZFS flag as the spec says", p->name);
		ok((p->type == PT_RCTL) == in_list(rctl_names, ARRAY_SIZE(rctl_names), p->name),
		   "%s: rctl type as the spec says", p->name);
		ok(!!(p->flags & PF_COMPUTED) == computed,
		   "%s: computed exactly when def has <...>", p->name);
		if (p->type == PT_ENUM)
			ok(p->choices && p->choices[0], "%s: enum with choices", p->name);
		if (p->type == PT_INT)
			ok(p->min <= p->max, "%s: min <= max", p->name);
		if (p->type == PT_RCTL || p->type == PT_LIST)
			ok(p->check != NULL, "%s: has a checker", p->name);
	}
	ok(prop_find("count")->when == PW_CREATE && prop_find("pkglist")->when == PW_CREATE,
	   "count and pkglist are create-only");
	ok(prop_find("ip4_autostart")->flags & PF_DEFAULT_ONLY, "ip4_autostart is default-only");
}

/* The built-in default of every property must pass its own validation, and be its own
 * canonical form (a good self-check of both the table and the checkers). */
static void
test_defaults_validate(void)
{
	size_t n;
	const struct prop *t = prop_table(&n);

	for (size_t i = 0; i < n; i++) {
		struct ioc_err e = {0};
		char *c = NULL;
		int r;

		if (t[i].type == PT_RO || (t[i].flags & PF_COMPUTED))
			continue;
		r = prop_validate(&t[i], t[i].def, &c, &e);
		ok(r == 0, "default of %s (%s) is valid", t[i].name, t[i].def);
		if (r < 0)
			printf("#   %s\n", e.msg);
		is_str(c, t[i].def, "default of %s is canonical", t[i].name);
		free(c);
	}
}

/* Feed every property an empty value and a value with a control character: all must be
 * refused with a message that starts with the property's name. */
static void
test_sweep(void)
{
	static const char *const junk[] = {
	    "", "a\nb", "x\033[2J", "\x7f", "\xc2\x9b[1m", "\xff\xfe", "on;rm -rf /",
	};
	size_t n;
	const struct prop *t = prop_table(&n);

	for (size_t i = 0; i < n; i++) {
		size_t fails = 0, named = 0, total = ARRAY_SIZE(junk);

		for (size_t j = 0; j < total; j++) {
			struct ioc_err e = {0};
			char *c = NULL;

			if (j == total - 1 && (t[i].type == PT_STRING && !t[i].check))
				continue; /* free text may hold that */
			if (prop_validate(&t[i], junk[j], &c, &e) < 0) {
				fails++;
				named += str_has_prefix(e.msg, t[i].name);
			}
			free(c);
		}
		if (t[i].type == PT_STRING && !t[i].check)
			total--;
		ok(fails == total && named == total, "%s refuses junk values (%zu/%zu, named %zu)",
		   t[i].name, fails, total, named);
	}
}

static void
test_bool(void)
{
	good("template", "yes", "yes");
	good("template", "no", "no");
	good("template", "on", "yes");
	good("template", "off", "no");
	good("template", "YES", "yes");
	good("boot", "on", "on");
	good("boot", "off", "off");
	good("boot", "yes", "on");
	good("boot", "no", "off");
	good("hostid_strict_check", "No", "off");
	good("vnet", "On", "on");
	bad("template", "maybe", "yes or no");
	bad("boot", "maybe", "on or off");
	bad("boot", "1", NULL);
	bad("boot", "true", NULL);
	bad("boot", "", NULL);
	bad("boot", " on", NULL);
}

static void
test_01(void)
{
	good("exec_clean", "0", "0");
	good("exec_clean", "1", "1");
	good("allow_raw_sockets", "1", "1");
	bad("exec_clean", "2", "0 or 1");
	bad("exec_clean", "on", "0 or 1");
	bad("exec_clean", "01", NULL);
	bad("exec_clean", "", NULL);
}

static void
test_int(void)
{
	good("priority", "0", "0");
	good("priority", "99", "99");
	good("priority", "007", "7");
	good("exec_timeout", "0", "0");
	good("exec_timeout", "86400", "86400");
	good("stop_timeout", "5", "5");
	good("children_max", "3", "3");
	good("count", "1", "1");
	good("count", "1000", "1000");
	good("ip4_autostart", "none", "none");
	good("ip4_autostart", "100", "100");
	good("ip4_autoend", "200", "200");
	good("ip4_autosubnet", "24", "24");
	bad("priority", "100", "from 0 to 99");
	bad("priority", "-1", NULL);
	bad("priority", "abc", NULL);
	bad("priority", " 5", NULL);
	bad("priority", "5 ", NULL);
	bad("priority", "+5", NULL);
	bad("priority", "0x5", NULL);
	bad("priority", "none", NULL);
	bad("exec_timeout", "-1", "at least 0");
	bad("exec_timeout", "99999999999999999999999", NULL);
	bad("children_max", "-3", NULL);
	bad("count", "0", NULL);
	bad("count", "1001", NULL);
	bad("ip4_autostart", "255", "or none");
	bad("ip4_autosubnet", "33", NULL);
}

static void
test_size(void)
{
	good("quota", "none", "none");
	good("quota", "10G", "10G");
	good("quota", "512M", "512M");
	good("quota", "1073741824", "1073741824");
	good("reservation", "2T", "2T");
	bad("quota", "0", "above 0");
	bad("quota", "lots", "size");
	bad("quota", "-1G", NULL);
	bad("quota", "10X", NULL);
	bad("quota", "off", NULL);
	bad("reservation", "", NULL);
}

static void
test_enums(void)
{
	size_t n;
	const struct prop *t = prop_table(&n);

	for (size_t i = 0; i < n; i++) {
		if (t[i].type != PT_ENUM)
			continue;
		for (size_t j = 0; t[i].choices[j]; j++)
			good(t[i].name, t[i].choices[j], t[i].choices[j]);
		bad(t[i].name, "bogus", "is not one of");
	}
	good("compression", "LZ4", "lz4");
	good("compression", "gzip-9", "gzip-9");
	good("dedup", "sha256,verify", "sha256,verify");
	good("sysvshm", "Inherit", "inherit");
	bad("compression", "gzip-10", NULL);
	bad("compression", "zip", "lz4");
	bad("dedup", "sha512", NULL);
	bad("ip4", "", NULL);
}

static void
test_text(void)
{
	char *big = xmalloc(4098);

	good("notes", "a free line of text, with 'quotes' & $signs", NULL);
	good("notes", "Ünïcödé ✓ 日本", NULL);
	good("exec_start", "/bin/sh /etc/rc", NULL);
	good("exec_prestart", "logger started; echo hi", NULL);
	bad("notes", "", "none");
	bad("notes", "tab\there", "control character");
	bad("notes", "bell\a", "control character");
	bad("notes", "del\x7f", "control character");
	bad("notes", "csi\xc2\x9b", "control character");
	bad("notes", "bad\xc3\x28", "UTF-8");
	bad("notes", "overlong\xc0\xaf", "UTF-8");
	bad("notes", "surrogate\xed\xa0\x80", "UTF-8");
	bad("notes", "beyond\xf4\x90\x80\x80", "UTF-8");
	bad("notes", "cut\xe2\x9c", "UTF-8");
	memset(big, 'a', 4096);
	big[4096] = '\0';
	good("notes", big, NULL);
	big[4096] = 'a';
	big[4097] = '\0';
	bad("notes", big, "4096");
	free(big);
	good("owner", "ops team", NULL);
	good("login_flags", "-f root", NULL);
	good("pkglist", "/root/pkgs.json", NULL);
}

static void
test_identity(void)
{
	good("tag", "web1", NULL);
	good("tag", "db.prod-2_a", NULL);
	bad("tag", "a/b", "'/'");
	bad("tag", "..", "'.'");
	bad("tag", "a b", NULL);
	bad("tag", "-a", "'-'");
	bad("tag", "a@b", NULL);
	bad("tag", "ALL", "reserved");
	bad("tag", "Default", "reserved");
	bad("tag", "0f0e0d0c-0b0a-4908-8706-050403020100", "UUID");
	bad("tag", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "long");
	good("tag", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL);
	good("release", "13.2-RELEASE", NULL);
	good("release", "none", NULL);
	good("release", "EMPTY", NULL);
	bad("release", "../13.2", NULL);
	bad("release", "13.2/x", NULL);
	good("hostid", "4c4c4544004a4d10804ab4c04f563432", NULL);
	good("hostid", "0F0E0D0C-0B0A-4908-8706-050403020100", NULL);
	bad("hostid", "not-a-host", "machine-id");
	good("exec_jail_user", "www-data", NULL);
	good("exec_system_user", "root", NULL);
	bad("exec_jail_user", "-u", NULL);
	bad("exec_jail_user", "a:b", "user name");
	bad("exec_jail_user", "a b", NULL);
	bad("exec_jail_user", "../etc", NULL);
}

static void
test_hostname(void)
{
	char name[80];

	good("host_hostname", "web", NULL);
	good("host_hostname", "web-1.example.com", NULL);
	good("host_hostname", "1a", NULL);
	memset(name, 'a', 63);
	name[63] = '\0';
	good("host_hostname", name, NULL);
	memset(name, 'a', 64);
	name[64] = '\0';
	bad("host_hostname", name, "1-63"); /* a 64-byte label */
	memset(name, 'a', 70);
	name[30] = '.';
	name[70] = '\0';
	bad("host_hostname", name, "64 bytes");
	bad("host_hostname", "-web", NULL);
	bad("host_hostname", "web-", NULL);
	bad("host_hostname", "a..b", NULL);
	bad("host_hostname", "web.", NULL);
	bad("host_hostname", ".web", NULL);
	bad("host_hostname", "we_b", "hostname");
	bad("host_hostname", "a b", NULL);
	good("host_domainname", "example.com", NULL);
	good("host_domainname", "none", NULL);
	bad("host_domainname", "-x", NULL);
	bad("host_domainname", "a/b", NULL);
}

static void
test_interfaces(void)
{
	good("interfaces", "none", NULL);
	good("interfaces", "vnet0:bridge0", NULL);
	good("interfaces", "vnet0:bridge0,vnet1:bridge1,vnet2:br-lan,vnet3:virbr0", NULL);
	good("interfaces", "vnet3:abcdefghijklmno", NULL);             /* 15 characters */
	bad("interfaces", "vnet0:abcdefghijklmnop", "interface name"); /* 16 */
	bad("interfaces", "vnet0:br;x", "interface name");
	bad("interfaces", "vnet0:br x", "interface name");
	bad("interfaces", "vnet0:br/x", "interface name");
	bad("interfaces", "vnet0:br:x", "interface name");
	bad("interfaces", "vnet0:.", "interface name");
	bad("interfaces", "vnet0:..", "interface name");
	bad("interfaces", "vnet0:", "interface name");
	bad("interfaces", "vnet0:bridge0,vnet0:bridge1", "twice");
	bad("interfaces", "vnet4:bridge0", "vnetN:BRIDGE");
	bad("interfaces", "eth0:bridge0", "vnetN:BRIDGE");
	bad("interfaces", "vnet0bridge0", "vnetN:BRIDGE");
	bad("interfaces", "vnet0:bridge0,", "vnetN:BRIDGE");
	bad("interfaces", "vnet0:a,vnet1:b,vnet2:c,vnet3:d,vnet0:e", "more than 4");
}

static void
test_ip_addr(void)
{
	good("ip4_addr", "none", NULL);
	good("ip4_addr", "eth0|192.168.0.10/24", NULL);
	good("ip4_addr", "DEFAULT|10.0.0.2/8,vnet0|10.0.0.3/8", NULL);
	bad("ip4_addr", "vnet0|AUTOIP4", "not built yet");
	good("ip4_addr", "vnet0|10.1.2.3/32,vnet1|10.1.3.3/0", NULL);
	bad("ip4_addr", "eth0|192.168.0.10", "no mask");
	bad("ip4_addr", "eth0|192.168.0.10/33", "mask");
	bad("ip4_addr", "eth0|192.168.0.10/x", "mask");
	bad("ip4_addr", "eth0|192.168.0.10/", "mask");
	bad("ip4_addr", "eth0|192.168.0.10/-1", "mask");
	bad("ip4_addr", "eth0|fd00::1/64", "ip6_addr");
	bad("ip4_addr", "eth0|192.168.0/24", "IPv4");
	bad("ip4_addr", "eth0|192.168.0.256/24", "IPv4");
	bad("ip4_addr", "192.168.0.10/24", "no interface");
	bad("ip4_addr", "e;th0|192.168.0.10/24", "interface name");
	bad("ip4_addr", "eth 0|192.168.0.10/24", "interface name");
	bad("ip4_addr", "abcdefghijklmnopq|192.168.0.10/24", "interface name");
	bad("ip4_addr", "vnet0|AUTOIP4/24", "not built yet");
	bad("ip4_addr", "vnet0|10.0.0.2/24,", "no interface");
	good("ip6_addr", "vnet0|fd00::2/64", NULL);
	good("ip6_addr", "DEFAULT|2001:db8::1/128", NULL);
	bad("ip6_addr", "vnet0|fd00::2/129", "mask");
	bad("ip6_addr", "vnet0|fd00::2", "no mask");
	bad("ip6_addr", "vnet0|10.0.0.2/24", "ip4_addr");
	bad("ip6_addr", "vnet0|AUTOIP4", "IPv6");
	good("defaultrouter", "none", NULL);
	good("defaultrouter", "auto", NULL);
	good("defaultrouter", "192.168.0.1", NULL);
	bad("defaultrouter", "fd00::1", "IPv4");
	bad("defaultrouter", "192.168.0.1/24", NULL);
	bad("defaultrouter", "gateway", NULL);
	good("defaultrouter6", "fd00::1", NULL);
	good("defaultrouter6", "fe80::1%vnet0", NULL);
	good("defaultrouter6", "auto", NULL);
	bad("defaultrouter6", "192.168.0.1", "IPv6");
	bad("defaultrouter6", "fe80::1%a/b", NULL);
}

static void
test_resolver(void)
{
	good("resolver", "none", NULL);
	good("resolver", "nameserver 192.0.2.1", NULL);
	good("resolver", "search example.com;nameserver 192.0.2.1;nameserver 2001:db8::53", NULL);
	good("resolver", "nameserver 192.0.2.1;", NULL);
	good("resolver", "options ndots:2 timeout:1", NULL);
	bad("resolver", "nameserver 192.0.2.1\nnameserver 8.8.8.8", "control");
	bad("resolver", "nameserver dns.example.com", "address");
	bad("resolver", "nameserver", "nothing after");
	bad("resolver", "hello world", "resolv.conf");
	bad("resolver", ";;", "no lines");
}

static void
test_mac(void)
{
	good("mac_prefix", "02ff60", NULL);
	good("mac_prefix", "02FF60", NULL);
	bad("mac_prefix", "02ff6", "6 hex");
	bad("mac_prefix", "02ff600", NULL);
	bad("mac_prefix", "02ff6g", NULL);
	bad("mac_prefix", "01ff60", "unicast"); /* multicast bit */
	good("vnet0_mac", "none", NULL);
	good("vnet0_mac", "02ff60a1b2ca 02ff60a1b2cb", NULL);
	good("vnet3_mac", "02FF60A1B2CA 02ff60a1b2cb", NULL);
	bad("vnet0_mac", "02ff60a1b2ca", "two");
	bad("vnet0_mac", "02ff60a1b2ca,02ff60a1b2cb", NULL);
	bad("vnet0_mac", "02ff60a1b2ca  02ff60a1b2cb", NULL);
	bad("vnet0_mac", "02:ff:60:a1:b2:ca 02ff60a1b2cb", NULL);
	bad("vnet0_mac", "03ff60a1b2ca 02ff60a1b2cb", NULL);
	bad("vnet0_mac", "000000000000 02ff60a1b2cb", NULL);
	bad("vnet1_mac", "02ff60a1b2ca 02ff60a1b2ca", "same");
}

static void
test_cpuset(void)
{
	good("cpuset", "off", NULL);
	good("cpuset", "0", NULL);
	good("cpuset", "0-1,3", NULL);
	good("cpuset", "0,2,4-7", NULL);
	good("cpuset", "4095", NULL);
	good("cpuset", "2-2", NULL);
	bad("cpuset", "3-1", "goes down");
	bad("cpuset", "4096", "CPU list");
	bad("cpuset", "a", NULL);
	bad("cpuset", "0-", NULL);
	bad("cpuset", "-1", NULL);
	bad("cpuset", "1,,2", NULL);
	bad("cpuset", "0-1-2", NULL);
	bad("cpuset", "all", NULL);
	{
		/* cpuset.cpus is written whole: a list that would be cut is refused (fuzz_rctl). */
		struct sbuf b = {0};

		for (int i = 0; b.len < PROP_CPUSET_MAX - 4; i++)
			sbuf_addf(&b, "%s%d", i ? "," : "", i);
		good("cpuset", sbuf_str(&b), NULL);
		sbuf_add(&b, ",99,100");
		bad("cpuset", sbuf_str(&b), "longer than 127");
		sbuf_free(&b);
	}
}

static void
test_storage_strings(void)
{
	good("jail_zfs_dataset", "iocage/jails/web/data", NULL);
	good("jail_zfs_dataset", "tank/delegated", NULL);
	bad("jail_zfs_dataset", "/tank/x", "dataset name");
	bad("jail_zfs_dataset", "tank//x", NULL);
	bad("jail_zfs_dataset", "tank/../x", NULL);
	bad("jail_zfs_dataset", "tank/x@snap", NULL);
	bad("jail_zfs_dataset", "tank/x/", NULL);
	good("jail_zfs_mountpoint", "none", NULL);
	good("jail_zfs_mountpoint", "/data", NULL);
	good("jail_zfs_mountpoint", "/srv/..x", NULL);
	bad("jail_zfs_mountpoint", "data", "absolute");
	bad("jail_zfs_mountpoint", "/srv/../etc", "..");
	bad("jail_zfs_mountpoint", "/srv/..", "..");
}

static void
test_rctl(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	char v[64];

	if (ncpu < 1)
		ncpu = 1;
	good("memoryuse", "off", NULL);
	good("memoryuse", "8G:log", NULL);
	good("memoryuse", "512M:DENY", "512M:deny");
	good("memoryuse", "1G:devctl", NULL);
	good("memoryuse", "1G:throttle", NULL);
	good("memoryuse", "1G:sigterm", NULL);
	good("memoryuse", "1G:SIGKILL", "1G:sigkill");
	good("memoryuse", "1G:sigusr1", NULL);
	good("memoryuse", "1G:sighup", NULL);
	good("swapuse", "0:deny", NULL);
	good("coredumpsize", "0:deny", NULL);
	good("maxproc", "100:deny", NULL);
	good("openfiles", "1024:deny", NULL);
	good("cputime", "3600:sigxcpu", NULL);
	good("cputime", "90m:deny", NULL);
	good("wallclock", "2h:sigterm", NULL);
	good("wallclock", "30s:log", NULL);
	good("pcpu", "50:deny", NULL);
	(void)snprintf(v, sizeof(v), "%ld:deny", 100 * ncpu);
	good("pcpu", v, NULL);
	bad("memoryuse", "lots",
	    "memoryuse: 'lots' is not a size; use VALUE:ACTION such as 512M:deny, 2G:log, or off");
	bad("memoryuse", "1G:explode",
	    "memoryuse: unknown action 'explode' (deny, log, devctl, throttle, sigNAME)");
	bad("memoryuse", "1G", "no action");
	bad("memoryuse", "1G:", "unknown action");
	bad("memoryuse", "1G:sig", "unknown action");
	bad("memoryuse", "1G:sigfoo", "unknown action");
	bad("memoryuse", "1G:deny:log", "unknown action");
	bad("memoryuse", "0:deny", "above 0");
	bad("memoryuse", "-1G:deny", "not a size");
	bad("memoryuse", "none", NULL);
	bad("memoryuse", "OFF", NULL);
	bad("maxproc", "-1", "not a count");
	bad("maxproc", "-1:deny", "not a count");
	bad("maxproc", "0:deny", "above 0");
	bad("maxproc", "1K:deny", "not a count");
	bad("cputime", "1d:deny", "time");
	bad("wallclock", "h:deny", NULL);
	(void)snprintf(v, sizeof(v), "%ld:deny", 100 * ncpu + 50);
	bad("pcpu", v, "more than");
	if (ncpu == 2)
		bad("pcpu", "250:deny", "more than 200");
	bad("pcpu", "0:deny", NULL);
	bad("pcpu", "50%:deny", NULL);
}

static void
test_rctl_parse(void)
{
	struct ioc_err e = {0};
	struct rctl r;

	ok(rctl_parse(prop_find("memoryuse"), "512M:deny", &r, &e) == 0 && !r.off &&
	       r.amount == 512ULL << 20 && streq(r.action, "deny"),
	   "rctl_parse 512M:deny");
	ok(rctl_parse(prop_find("memoryuse"), "off", &r, &e) == 0 && r.off, "rctl_parse off");
	ok(rctl_parse(prop_find("cputime"), "2h:SIGXCPU", &r, &e) == 0 && r.amount == 7200 &&
	       streq(r.action, "sigxcpu"),
	   "rctl_parse 2h:SIGXCPU is 7200 s, sigxcpu");
	ok(rctl_parse(prop_find("wallclock"), "15m:log", &r, &e) == 0 && r.amount == 900,
	   "rctl_parse 15m is 900 s");
	ok(rctl_parse(prop_find("maxproc"), "64:log", &r, &e) == 0 && r.amount == 64 &&
	       streq(r.action, "log"),
	   "rctl_parse 64:log");
	ok(rctl_parse(prop_find("pcpu"), "50:deny", &r, &e) == 0 && r.amount == 50,
	   "rctl_parse pcpu 50");
	ok(rctl_parse(prop_find("memoryuse"), "lots", &r, &e) < 0, "rctl_parse refuses lots");
	ok(rctl_parse(prop_find("priority"), "1:deny", &r, &e) < 0 &&
	       strstr(e.msg, "not a resource limit"),
	   "rctl_parse refuses a property that is not a limit");
}

static void
test_suggest(void)
{
	is_str(prop_suggest("tga"), "tag", "tga -> tag");
	is_str(prop_suggest("TAG"), "tag", "TAG -> tag");
	is_str(prop_suggest("memoryus"), "memoryuse", "memoryus -> memoryuse");
	is_str(prop_suggest("host_hostnme"), "host_hostname", "host_hostnme -> host_hostname");
	is_str(prop_suggest("compresion"), "compression", "compresion -> compression");
	is_str(prop_suggest("interface"), "interfaces", "interface -> interfaces");
	is_str(prop_suggest("ip4addr"), "ip4_addr", "ip4addr -> ip4_addr");
	is_str(prop_suggest("zzzzzzzz"), NULL, "nothing close to zzzzzzzz");
	is_str(prop_suggest("qwertyuiopasdfghjkl"), NULL, "nothing close to a long word");
	is_str(prop_suggest(""), NULL, "nothing for the empty string");
}

static void
set_fails(const char *name, const char *val, bool creating, const char *want)
{
	struct ioc_err e = {0};
	char *c = NULL;
	int r = prop_check_set(name, val, creating, &c, &e);

	ok(r < 0 && c == NULL && e.code == EINVAL && streq(e.msg, want), "set %s=%s refused", name,
	   val);
	if (r == 0 || !streq(e.msg, want))
		printf("#   got '%s'\n#   want '%s'\n", e.msg, want);
	free(c);
}

static void
set_works(const char *name, const char *val, bool creating, const char *want)
{
	struct ioc_err e = {0};
	char *c = NULL;

	ok(prop_check_set(name, val, creating, &c, &e) == 0, "set %s=%s works", name, val);
	is_str(c, want, "set %s=%s stores %s", name, val, want);
	free(c);
}

static void
test_check_set(void)
{
	struct ioc_err e = {0};

	set_fails("tga", "web", false, "unknown property 'tga' (did you mean 'tag'?)");
	set_fails("qqqqqqq", "1", false, "unknown property 'qqqqqqq'");
	set_fails("x\033[2J", "1", false, "unknown property 'x\\x1b[2J'");
	set_fails("used", "1G", false, "used is read-only");
	set_fails("type", "thickjail", true, "type is read-only");
	set_fails("host_hostuuid", "x", false, "host_hostuuid is read-only");
	set_fails("count", "3", false, "count can only be given at create");
	set_fails("pkglist", "/tmp/p", false, "pkglist can only be given at create");
	set_works("count", "3", true, "3");
	set_fails("securelevel", "3", false,
		  "securelevel has no effect on Linux (only its default 2 is accepted)");
	set_fails("devfs_ruleset", "5", false,
		  "devfs_ruleset has no effect on Linux (only its default 4 is accepted)");
	set_fails("mount_linprocfs", "1", false,
		  "mount_linprocfs has no effect on Linux (only its default 0 is accepted)");
	set_fails("enforce_statfs", "1", false,
		  "enforce_statfs has no effect on Linux (only its default 2 is accepted)");
	set_fails("ip4_saddrsel", "0", false,
		  "ip4_saddrsel has no effect on Linux (only its default 1 is accepted)");
	set_works("securelevel", "2", false, "2");
	set_works("devfs_ruleset", "04", false, "4");
	set_works("hack88", "0", false, "0");
	set_works("boot", "yes", false, "on");
	set_works("template", "on", false, "yes");
	ok(prop_check_set("priority", "5", false, NULL, &e) == 0, "canon may be NULL");
	ok(prop_validate(prop_find("used"), "1", NULL, &e) < 0 && streq(e.msg, "used is read-only"),
	   "prop_validate refuses read-only properties");
}

static void
test_names(void)
{
	const char *types[] = {"bool", "01", "int", "size", "enum", "string", "list", "rctl", "ro"};
	const char *whens[] = {"-", "create", "start", "live"};

	for (int t = PT_BOOL; t <= PT_RO; t++)
		is_str(prop_type_name((enum prop_type)t), types[t], "type name %d", t);
	for (int w = PW_NONE; w <= PW_LIVE; w++)
		is_str(prop_when_name((enum prop_when)w), whens[w], "when name %d", w);
	is_str(prop_type_name((enum prop_type)99), "?", "unknown type name");
	is_str(prop_when_name((enum prop_when)99), "?", "unknown when name");
}

int
main(void)
{
	test_table();
	test_flags();
	test_defaults_validate();
	test_sweep();
	test_bool();
	test_01();
	test_int();
	test_size();
	test_enums();
	test_text();
	test_identity();
	test_hostname();
	test_interfaces();
	test_ip_addr();
	test_resolver();
	test_mac();
	test_cpuset();
	test_storage_strings();
	test_rctl();
	test_rctl_parse();
	test_suggest();
	test_check_set();
	test_names();
	return tap_done();
}
