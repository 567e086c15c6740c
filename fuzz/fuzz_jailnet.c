/* The network properties as start reads them (src/core/jailnet.c, included here for its
 * static parsers) against what their validators accept (src/core/props.c): ip4_addr and
 * ip6_addr entries IFACE|ADDR/PREFIX, vnetN_mac pairs and mac_prefix. The first byte picks
 * the property, the rest is its value.
 *
 * Checked: every value the validator accepts, start can use: each address entry parses to
 * the interface, address and prefix it spells; each MAC pair gives two unicast, non-zero,
 * different MACs; a MAC prefix gives a unicast first byte. (An ip4_addr entry IFACE|AUTOIP4
 * is accepted by the validator but start does not assign addresses yet: it is left out here
 * and noted in bench/results/fuzz-2026-11-29.md.) */
#include "core/jailnet.c"

#include "fuzz.h"

static void
addresses(const struct prop *p, const char *val, int family)
{
	cleanup_free char *copy = xstrdup(val);
	char *rest = copy, *item;

	if (streq(val, "none"))
		return;
	while ((item = strsep(&rest, ",")) != NULL) {
		const char *bar = strchr(item, '|');
		struct ipent ip;
		struct ioc_err e = {0};
		unsigned char bin[16];
		char addr[64];
		size_t alen;

		if (bar && streq(bar + 1, "AUTOIP4"))
			continue;
		FUZZ_CHECK(parse_ipent(item, family, &ip, &e) == 0,
			   "%s: '%s' is accepted, start refuses '%s': %s", p->name, val, item,
			   e.msg);
		FUZZ_CHECK(bar && strlen(ip.iface) == (size_t)(bar - item) &&
			       memcmp(ip.iface, item, (size_t)(bar - item)) == 0,
			   "'%s': interface '%s'", item, ip.iface);
		alen = strcspn(bar + 1, "/");
		FUZZ_CHECK(alen < sizeof(addr), "'%s': address", item);
		memcpy(addr, bar + 1, alen);
		addr[alen] = '\0';
		FUZZ_CHECK(inet_pton(family, addr, bin) == 1 &&
			       memcmp(bin, ip.addr, family == AF_INET ? 4 : 16) == 0 &&
			       ip.prefix == strtoul(bar + 1 + alen + 1, NULL, 10),
			   "'%s' parsed to another address or prefix", item);
	}
}

static bool
unicast(const unsigned char *mac, int n)
{
	bool zero = true;

	for (int i = 0; i < n; i++)
		zero = zero && mac[i] == 0;
	return !(mac[0] & 1) && !zero;
}

static void
macs(const struct prop *p, const char *val)
{
	unsigned char host[6], jail[6];

	if (streq(p->name, "mac_prefix")) {
		FUZZ_CHECK(strlen(val) == 6 && mac_parse(val, host, 3) && !(host[0] & 1),
			   "mac_prefix '%s' is accepted, start refuses it", val);
		return;
	}
	if (streq(val, "none"))
		return;
	FUZZ_CHECK(strlen(val) == 25 && mac_parse(val, host, 6) && mac_parse(val + 13, jail, 6),
		   "%s '%s' is accepted, start makes new MACs instead", p->name, val);
	FUZZ_CHECK(unicast(host, 6) && unicast(jail, 6) && memcmp(host, jail, 6) != 0,
		   "%s '%s' gives MACs a link cannot have", p->name, val);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"ip4_addr", "ip6_addr", "vnet0_mac", "vnet3_mac",
					    "mac_prefix"};
	cleanup_free char *val = NULL, *canon = NULL;
	const struct prop *p;
	struct ioc_err e = {0};

	if (size < 1)
		return 0;
	p = prop_find(names[data[0] % ARRAY_SIZE(names)]);
	val = fuzz_cstr(data + 1, size - 1);
	if (prop_validate(p, val, &canon, &e) < 0)
		return 0;
	if (p->type == PT_LIST)
		addresses(p, canon, streq(p->name, "ip4_addr") ? AF_INET : AF_INET6);
	else
		macs(p, canon);
	return 0;
}
