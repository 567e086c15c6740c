#include "core/jailnet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/jailrun.h"
#include "core/lock.h"
#include "net/net.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/run.h"

#define VNETS 4

/* ---- the jail's network properties ---- */

static char *
nval(struct ioc *ioc, const struct jail *j, const char *name)
{
	return jail_value(ioc, j, prop_find(name), NULL);
}

static bool
nval_is(struct ioc *ioc, const struct jail *j, const char *name, const char *want)
{
	cleanup_free char *v = nval(ioc, j, name);

	return streq(v, want);
}

/* One ip4_addr / ip6_addr entry: IFACE|ADDR/PREFIX. */
struct ipent {
	char iface[NL_IFNAMSIZ];
	int family;
	unsigned char addr[16];
	unsigned prefix;
	char text[INET6_ADDRSTRLEN]; /* the address alone, canonical */
};

struct netcfg {
	bool vnet;
	char bridge[VNETS][NL_IFNAMSIZ]; /* "" = vnetN unused */
	struct ipent ip[32];
	size_t nip;
};

static int
parse_ipent(const char *item, int family, struct ipent *out, struct ioc_err *e)
{
	const char *bar = strchr(item, '|'), *slash;
	char addr[INET6_ADDRSTRLEN];
	size_t len;

	memset(out, 0, sizeof(*out));
	out->family = family;
	if (!bar || (size_t)(bar - item) >= sizeof(out->iface) || !(slash = strchr(bar, '/')))
		return err_set(e, EINVAL, "'%s' is not IFACE|ADDR/PREFIX", item);
	memcpy(out->iface, item, (size_t)(bar - item));
	len = (size_t)(slash - bar - 1);
	if (len >= sizeof(addr))
		return err_set(e, EINVAL, "'%s' is not IFACE|ADDR/PREFIX", item);
	memcpy(addr, bar + 1, len);
	addr[len] = '\0';
	out->prefix = (unsigned)strtoul(slash + 1, NULL, 10);
	if (inet_pton(family, addr, out->addr) != 1 || out->prefix > (family == AF_INET ? 32 : 128))
		return err_set(e, EINVAL, "'%s' is not IFACE|ADDR/PREFIX", item);
	inet_ntop(family, out->addr, out->text, sizeof(out->text));
	return 0;
}

static int
parse_iplist(struct ioc *ioc, const struct jail *j, const char *prop, int family, struct netcfg *c,
	     struct ioc_err *e)
{
	cleanup_free char *v = nval(ioc, j, prop);
	char *rest = v, *item;

	if (streq(v, "none"))
		return 0;
	while ((item = strsep(&rest, ",")) != NULL) {
		if (c->nip == ARRAY_SIZE(c->ip))
			return err_set(e, E2BIG, "%s: more than %zu addresses", prop,
				       ARRAY_SIZE(c->ip));
		if (str_has_prefix(item, "DEFAULT|") && c->vnet)
			return err_set(e, EINVAL,
				       "%s: DEFAULT is for shared-IP jails (vnet=off); name the "
				       "jail's vnetN interface",
				       prop);
		if (parse_ipent(item, family, &c->ip[c->nip], e) < 0)
			return err_wrap(e, "%s", prop);
		c->nip++;
	}
	return 0;
}

static int
netcfg_load(struct ioc *ioc, const struct jail *j, struct netcfg *c, struct ioc_err *e)
{
	cleanup_free char *ifs = nval(ioc, j, "interfaces");
	char *rest = ifs, *item;

	memset(c, 0, sizeof(*c));
	c->vnet = nval_is(ioc, j, "vnet", "on");
	if (c->vnet && !streq(ifs, "none"))
		while ((item = strsep(&rest, ",")) != NULL) {
			/* vnetN:BRIDGE, checked by the property's validator */
			if (strlen(item) < 7 || item[4] < '0' || item[4] >= '0' + VNETS ||
			    strlen(item + 6) >= NL_IFNAMSIZ)
				return err_set(e, EINVAL, "interfaces: bad entry '%s'", item);
			snprintf(c->bridge[item[4] - '0'], NL_IFNAMSIZ, "%s", item + 6);
		}
	if (!nval_is(ioc, j, "ip4", "disable") &&
	    parse_iplist(ioc, j, "ip4_addr", AF_INET, c, e) < 0)
		return -1;
	if (!nval_is(ioc, j, "ip6", "disable") &&
	    parse_iplist(ioc, j, "ip6_addr", AF_INET6, c, e) < 0)
		return -1;
	return 0;
}

/* The link an address sits on, as far as sharing goes: vnetN's bridge, or the shared-IP
 * parent. */
static const char *
segment_of(const struct netcfg *c, const struct ipent *ip)
{
	if (c->vnet && str_has_prefix(ip->iface, "vnet") && ip->iface[4] >= '0' &&
	    ip->iface[4] < '0' + VNETS && ip->iface[5] == '\0')
		return c->bridge[ip->iface[4] - '0'];
	return ip->iface;
}

/* Refuse an address that a running jail already has on the same bridge (or parent). The
 * caller holds the network lock, so two starts cannot both pass. */
static int
check_conflicts(struct ioc *ioc, const struct jail *j, const struct netcfg *mine, struct ioc_err *e)
{
	struct jails l = {0};
	int r = 0;

	if (!mine->nip)
		return 0;
	if (jails_load(ioc, 0, &l, e) < 0)
		return err_wrap(e, "list the jails to compare addresses");
	for (size_t i = 0; i < l.n && r == 0; i++) {
		const struct jail *o = &l.v[i];
		struct jail_proc jp;
		struct netcfg theirs;
		struct ioc_err e2;

		if (streq(o->uuid, j->uuid) || !jail_running(o, &jp) ||
		    nval_is(ioc, o, "ip4", "inherit") || netcfg_load(ioc, o, &theirs, &e2) < 0)
			continue;
		for (size_t a = 0; a < mine->nip && r == 0; a++)
			for (size_t b = 0; b < theirs.nip && r == 0; b++)
				if (mine->ip[a].family == theirs.ip[b].family &&
				    memcmp(mine->ip[a].addr, theirs.ip[b].addr, 16) == 0 &&
				    streq(segment_of(mine, &mine->ip[a]),
					  segment_of(&theirs, &theirs.ip[b])))
					r = err_set(e, EADDRINUSE,
						    "address %s on %s is already used by running "
						    "jail %s (%s)",
						    mine->ip[a].text,
						    segment_of(mine, &mine->ip[a]), o->uuid,
						    o->tag);
	}
	jails_free(&l);
	return r;
}

/* ---- MACs: vnetN_mac is "HOSTMAC JAILMAC", made at first start and stored ---- */

static int
hexbyte(const char *s)
{
	char b[3], *end;
	long v;

	if (!s[0] || !s[1] || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return -1;
	b[0] = s[0];
	b[1] = s[1];
	b[2] = '\0';
	v = strtol(b, &end, 16);
	return *end ? -1 : (int)v;
}

/* n bytes as 2n hex digits. */
static bool
mac_parse(const char *s, unsigned char *mac, int n)
{
	for (int i = 0; i < n; i++) {
		int v = hexbyte(s + 2 * i);

		if (v < 0)
			return false;
		mac[i] = (unsigned char)v;
	}
	return true;
}

static int
jail_macs(struct ioc *ioc, const struct jail *j, int n, unsigned char host[6],
	  unsigned char jailmac[6], struct ioc_err *e)
{
	char name[16], pair[32];
	cleanup_free char *v = NULL, *prefix = nval(ioc, j, "mac_prefix");
	struct kvlist kv = {0};
	int r;

	snprintf(name, sizeof(name), "vnet%d_mac", n);
	v = nval(ioc, j, name);
	if (strlen(v) == 25 && mac_parse(v, host, 6) && mac_parse(v + 13, jailmac, 6))
		return 0;
	/* mac_prefix, then 20 bits of the uuid and 3 bits for N and the end: unique per jail
	 * as far as its uuid's first five hex digits are. */
	if (strlen(prefix) != 6 || !mac_parse(prefix, host, 3) || hexbyte(j->uuid) < 0 ||
	    hexbyte(j->uuid + 2) < 0 || hexbyte(j->uuid + 4) < 0)
		return err_set(e, EINVAL, "mac_prefix '%s' is not 6 hex digits", prefix);
	host[3] = (unsigned char)hexbyte(j->uuid);
	host[4] = (unsigned char)hexbyte(j->uuid + 2);
	host[5] = (unsigned char)((hexbyte(j->uuid + 4) & 0xf0) | (2 * n));
	memcpy(jailmac, host, 6);
	jailmac[5] |= 1;
	snprintf(pair, sizeof(pair), "%02x%02x%02x%02x%02x%02x %02x%02x%02x%02x%02x%02x", host[0],
		 host[1], host[2], host[3], host[4], host[5], jailmac[0], jailmac[1], jailmac[2],
		 jailmac[3], jailmac[4], jailmac[5]);
	kvlist_set(&kv, name, pair);
	r = ioc->st->ops->set_user(ioc->st, j->ds, &kv, NULL, e);
	kvlist_free(&kv);
	return r < 0 ? err_wrap(e, "store %s", name) : 0;
}

/* ---- set up ---- */

struct netctx {
	struct ioc *ioc;
	const struct jail *j;
	const struct netcfg *cfg;
	struct nl host, jail;
	int nsfd;
	char *note;
	size_t notelen;
};

static void
host_name(const struct jail *j, const char *kind, int n, char buf[NL_IFNAMSIZ])
{
	snprintf(buf, NL_IFNAMSIZ, "%s%d.%.8s", kind, n, j->uuid);
}

static int
vnet_up(struct netctx *x, int n, struct ioc_err *e)
{
	const char *br = x->cfg->bridge[n];
	unsigned char hmac[6], jmac[6];
	char hname[NL_IFNAMSIZ], jname[NL_IFNAMSIZ];
	struct nl_link bl, hl, jl;
	struct nl_veth v;
	bool created;

	if (nl_bridge_ensure(&x->host, br, &created, &bl, e) < 0)
		return -1;
	if (created) {
		size_t used = strlen(x->note);

		snprintf(x->note + used, x->notelen - used, "%sbridge %s created", used ? ", " : "",
			 br);
	}
	if (jail_macs(x->ioc, x->j, n, hmac, jmac, e) < 0)
		return -1;
	host_name(x->j, "vnet", n, hname);
	snprintf(jname, sizeof(jname), "vnet%d", n);
	/* The jail end is made in the jail's namespace under its final name, in the same
	 * request as the host end: no temporary name on the host to collide or leak. */
	v = (struct nl_veth){.name = hname,
			     .peer = jname,
			     .mac = hmac,
			     .peer_mac = jmac,
			     .mtu = bl.mtu,
			     .peer_netns_fd = x->nsfd};
	if (nl_veth_add(&x->host, &v, e) < 0 || nl_link_get(&x->host, hname, &hl, e) < 0 ||
	    nl_link_set_master(&x->host, hl.index, bl.index, e) < 0 ||
	    nl_link_up(&x->host, hl.index, e) < 0 || nl_link_get(&x->jail, jname, &jl, e) < 0 ||
	    nl_link_up(&x->jail, jl.index, e) < 0)
		return err_wrap(e, "%s on %s", jname, br);
	return 0;
}

struct by_index {
	int index;
	char *name;
	bool found;
};

static void
by_index_fn(const struct nl_link *l, void *arg)
{
	struct by_index *b = arg;

	if (l->index == b->index) {
		snprintf(b->name, NL_IFNAMSIZ, "%s", l->name);
		b->found = true;
	}
}

static bool
if_name(struct nl *nl, int index, char name[NL_IFNAMSIZ], struct ioc_err *e)
{
	struct by_index b = {index, name, false};

	if (nl_link_each(nl, by_index_fn, &b, e) < 0)
		return false;
	if (!b.found)
		err_set(e, ENODEV, "no link with index %d", index);
	return b.found;
}

/* Shared IP: an ipvlan (l2) link on the host's parent (macvlan, mode bridge, on a kernel
 * without ipvlan), made under a temporary name
 * "ipvN.<uuid8>", moved into the jail's namespace and renamed there as the parent is named
 * on the host (the jail's namespace holds only lo, so the name is free). */
static int
ipvlan_up(struct netctx *x, struct ipent *ip, int n, struct ioc_err *e)
{
	char tmp[NL_IFNAMSIZ], name[NL_IFNAMSIZ];
	struct nl_link pl, tl;

	if (streq(ip->iface, "DEFAULT")) {
		struct nl_route rt;

		if (nl_route_default_get(&x->host, ip->family, &rt, e) < 0)
			return err_wrap(e, "DEFAULT");
		if (!if_name(&x->host, rt.oif, ip->iface, e))
			return -1;
	}
	if (streq(ip->iface, "lo"))
		return err_set(e, EINVAL, "lo cannot carry a shared-IP jail's address");
	if (nl_link_get(&x->jail, ip->iface, &tl, e) == 0)
		return 0; /* made for an earlier address */
	if (nl_link_get(&x->host, ip->iface, &pl, e) < 0)
		return err_wrap(e, "the shared-IP parent interface");
	host_name(x->j, "ipv", n, tmp);
	nl_link_del(&x->host, tmp, e);
	snprintf(name, sizeof(name), "%s", ip->iface);
	if (nl_ipvlan_add(&x->host, tmp, pl.index, e) < 0) {
		size_t used = strlen(x->note);

		/* A kernel without ipvlan: macvlan shares the link too, with a MAC of its own. */
		if (e->code != EOPNOTSUPP || nl_macvlan_add(&x->host, tmp, pl.index, e) < 0)
			return err_wrap(e, "shared IP on %s", ip->iface);
		if (!strstr(x->note, "macvlan"))
			snprintf(x->note + used, x->notelen - used,
				 "%smacvlan: this kernel has no ipvlan", used ? ", " : "");
	}
	if (nl_link_get(&x->host, tmp, &tl, e) < 0 ||
	    nl_link_set_netns_fd(&x->host, tl.index, x->nsfd, e) < 0 ||
	    nl_link_get(&x->jail, tmp, &tl, e) < 0 ||
	    nl_link_rename(&x->jail, tl.index, name, e) < 0 ||
	    nl_link_up(&x->jail, tl.index, e) < 0)
		return err_wrap(e, "ipvlan on %s", ip->iface);
	snprintf(ip->iface, sizeof(ip->iface), "%s", name);
	return 0;
}

static int
addresses_up(struct netctx *x, struct ioc_err *e)
{
	for (size_t i = 0; i < x->cfg->nip; i++) {
		struct ipent ip = x->cfg->ip[i];
		struct nl_link l;

		if (!x->cfg->vnet && ipvlan_up(x, &ip, (int)i, e) < 0)
			return -1;
		if (nl_link_get(&x->jail, ip.iface, &l, e) < 0)
			return err_wrap(e, "%s|%s/%u: the jail has no interface %s", ip.iface,
					ip.text, ip.prefix, ip.iface);
		if (nl_addr_add(&x->jail, l.index, ip.family, ip.addr, ip.prefix, e) < 0)
			return err_wrap(e, "%s/%u on %s", ip.text, ip.prefix, ip.iface);
	}
	return 0;
}

/* Does addr lie in the prefix-bit subnet of net? (family's address length) */
static bool
same_subnet(int family, const unsigned char *a, const unsigned char *b, unsigned prefix)
{
	unsigned len = family == AF_INET ? 4 : 16, i;

	if (prefix > len * 8)
		return false;
	for (i = 0; i < prefix / 8; i++)
		if (a[i] != b[i])
			return false;
	if (prefix % 8) {
		unsigned char mask = (unsigned char)(0xff << (8 - prefix % 8));

		if ((a[i] & mask) != (b[i] & mask))
			return false;
	}
	return true;
}

struct host_addrs {
	struct nl_addr v[64];
	size_t n;
};

static void
collect_addr(const struct nl_addr *a, void *arg)
{
	struct host_addrs *h = arg;

	if (h->n < ARRAY_SIZE(h->v))
		h->v[h->n++] = *a;
}

/* defaultrouter=auto: for a VNET jail, the host's own address on the jail's bridge in the
 * subnet of one of the jail's addresses there (the host routes for its jails); for a
 * shared-IP jail, the host's default gateway when it is on the jail's parent link and in the
 * jail's subnet. 1 with gw filled, 0 when there is none. */
static int
auto_gateway(struct nl *host, const struct netcfg *cfg, int family, unsigned char gw[16],
	     struct ioc_err *e)
{
	struct host_addrs h = {0};

	if (nl_addr_each(host, collect_addr, &h, e) < 0)
		return -1;
	for (size_t i = 0; i < cfg->nip; i++) {
		const struct ipent *ip = &cfg->ip[i];
		struct nl_link l;
		struct ioc_err e2;

		if (ip->family != family || nl_link_get(host, segment_of(cfg, ip), &l, &e2) < 0)
			continue;
		if (cfg->vnet) {
			for (size_t a = 0; a < h.n; a++)
				if (h.v[a].index == l.index && h.v[a].family == family &&
				    same_subnet(family, h.v[a].addr, ip->addr, ip->prefix)) {
					memcpy(gw, h.v[a].addr, 16);
					return 1;
				}
		} else {
			struct nl_route rt;

			if (nl_route_default_get(host, family, &rt, &e2) == 0 &&
			    rt.oif == l.index && rt.has_gw &&
			    same_subnet(family, rt.gw, ip->addr, ip->prefix)) {
				memcpy(gw, rt.gw, 16);
				return 1;
			}
		}
	}
	return 0;
}

static int
route_up(struct netctx *x, const char *prop, int family, struct ioc_err *e)
{
	cleanup_free char *v = nval(x->ioc, x->j, prop);
	char *zone = strchr(v, '%');
	unsigned char gw[16];
	struct nl_link l = {0};

	if (streq(v, "none"))
		return 0;
	if (streq(v, "auto")) {
		int r = auto_gateway(&x->host, x->cfg, family, gw, e);

		if (r < 0)
			return err_wrap(e, "%s=auto", prop);
		if (r == 0) {
			size_t used = strlen(x->note);

			snprintf(x->note + used, x->notelen - used,
				 "%s%s=auto: no host address in the jail's subnets, no default "
				 "route",
				 used ? ", " : "", prop);
			return 0;
		}
		if (nl_route_default_add(&x->jail, family, gw, 0, e) < 0)
			return err_wrap(e, "%s=auto", prop);
		return 0;
	}
	if (zone)
		*zone++ = '\0';
	if (inet_pton(family, v, gw) != 1)
		return err_set(e, EINVAL, "%s: '%s' is not an address", prop, v);
	if (zone && nl_link_get(&x->jail, zone, &l, e) < 0)
		return err_wrap(e, "%s", prop);
	if (nl_route_default_add(&x->jail, family, gw, l.index, e) < 0)
		return err_wrap(e, "%s %s", prop, v);
	return 0;
}

static void
del_host_links(const struct jail *j, struct nl *host)
{
	char name[NL_IFNAMSIZ];
	struct ioc_err e;

	for (int n = 0; n < VNETS; n++) {
		host_name(j, "vnet", n, name);
		nl_link_del(host, name, &e);
	}
	for (int n = 0; n < 32; n++) {
		host_name(j, "ipv", n, name);
		nl_link_del(host, name, &e);
	}
}

static bool
has_own_net(const struct netcfg *c)
{
	if (c->nip)
		return true;
	for (int n = 0; n < VNETS; n++)
		if (c->bridge[n][0])
			return true;
	return false;
}

static int
net_up(struct netctx *x, struct ioc_err *e)
{
	if (check_conflicts(x->ioc, x->j, x->cfg, e) < 0)
		return -1;
	del_host_links(x->j, &x->host); /* what a jail killed from outside left */
	for (int n = 0; n < VNETS; n++)
		if (x->cfg->bridge[n][0] && vnet_up(x, n, e) < 0)
			return -1;
	if (addresses_up(x, e) < 0 || route_up(x, "defaultrouter", AF_INET, e) < 0 ||
	    route_up(x, "defaultrouter6", AF_INET6, e) < 0)
		return -1;
	return 0;
}

int
jailnet_up(struct ioc *ioc, const struct jail *j, pid_t pid, char *note, size_t len,
	   struct ioc_err *e)
{
	struct netcfg cfg;
	struct netctx x = {.ioc = ioc, .j = j, .cfg = &cfg, .note = note, .notelen = len};
	char path[64];
	int lockfd, r = -1;

	note[0] = '\0';
	if (nval_is(ioc, j, "ip4", "inherit"))
		return 1;
	if (netcfg_load(ioc, j, &cfg, e) < 0)
		return -1;
	if (!has_own_net(&cfg))
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	x.nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (x.nsfd < 0)
		return err_sys(e, "open the jail's network namespace");
	/* One start at a time sets up networks: the address check sees every running jail's. */
	lockfd = lock_take(ioc->st, "network", true, 60, e);
	if (lockfd >= 0) {
		if (nl_open(&x.host, -1, e) == 0) {
			if (nl_open(&x.jail, x.nsfd, e) == 0) {
				r = net_up(&x, e);
				nl_close(&x.jail);
			}
			nl_close(&x.host);
		}
		lock_release(lockfd);
	}
	close(x.nsfd);
	return r < 0 ? -1 : 0;
}

int
jailnet_down(struct ioc *ioc, const struct jail *j)
{
	struct netcfg cfg;
	struct ioc_err e;
	struct nl host;

	if (nl_open(&host, -1, &e) == 0) {
		del_host_links(j, &host);
		nl_close(&host);
	}
	if (nval_is(ioc, j, "ip4", "inherit") || netcfg_load(ioc, j, &cfg, &e) < 0)
		return 1;
	return has_own_net(&cfg) ? 0 : 1;
}

/* ---- runtime ---- */

struct describe {
	struct kvlist *out;
	struct nl_link links[64];
	size_t n;
};

static void
describe_link(const struct nl_link *l, void *arg)
{
	struct describe *d = arg;
	char key[64], buf[32];

	if (d->n < ARRAY_SIZE(d->links))
		d->links[d->n++] = *l;
	if (l->has_mac && !streq(l->name, "lo")) {
		snprintf(key, sizeof(key), "net.%s.mac", l->name);
		snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", l->mac[0], l->mac[1],
			 l->mac[2], l->mac[3], l->mac[4], l->mac[5]);
		kvlist_set(d->out, key, buf);
	}
	snprintf(key, sizeof(key), "net.%s.mtu", l->name);
	snprintf(buf, sizeof(buf), "%u", l->mtu);
	kvlist_set(d->out, key, buf);
	snprintf(key, sizeof(key), "net.%s.state", l->name);
	kvlist_set(d->out, key, l->up ? "up" : "down");
}

static void
describe_addr(const struct nl_addr *a, void *arg)
{
	struct describe *d = arg;
	char key[64], text[INET6_ADDRSTRLEN], item[INET6_ADDRSTRLEN + 8];
	const char *old;

	for (size_t i = 0; i < d->n; i++) {
		if (d->links[i].index != a->index)
			continue;
		inet_ntop(a->family, a->addr, text, sizeof(text));
		snprintf(item, sizeof(item), "%s/%u", text, a->prefix);
		snprintf(key, sizeof(key), "net.%s.addr", d->links[i].name);
		old = kvlist_get(d->out, key);
		if (old) {
			cleanup_free char *both = xasprintf("%s,%s", old, item);

			kvlist_set(d->out, key, both);
		} else {
			kvlist_set(d->out, key, item);
		}
	}
}

static void
describe_route(struct nl *nl, struct describe *d, int family)
{
	struct nl_route rt;
	struct ioc_err e;
	char text[INET6_ADDRSTRLEN] = "-";
	const char *dev = "?";

	if (nl_route_default_get(nl, family, &rt, &e) < 0)
		return;
	if (rt.has_gw)
		inet_ntop(family, rt.gw, text, sizeof(text));
	for (size_t i = 0; i < d->n; i++)
		if (d->links[i].index == rt.oif)
			dev = d->links[i].name;
	{
		cleanup_free char *v = xasprintf("%s dev %s", text, dev);

		kvlist_set(d->out, family == AF_INET ? "net.route4" : "net.route6", v);
	}
}

int
jailnet_describe(struct ioc *ioc, const struct jail *j, pid_t pid, struct kvlist *out,
		 struct ioc_err *e)
{
	struct describe *d = NULL;
	struct netcfg cfg;
	struct nl nl;
	char path[64];
	int fd, r = -1;

	if (nval_is(ioc, j, "ip4", "inherit")) {
		kvlist_set(out, "network", "host");
		return 0;
	}
	if (netcfg_load(ioc, j, &cfg, e) < 0 || !has_own_net(&cfg))
		kvlist_set(out, "network", "own (loopback)");
	else
		kvlist_set(out, "network", cfg.vnet ? "own (vnet)" : "own (shared ip)");
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "open the jail's network namespace");
	if (nl_open(&nl, fd, e) == 0) {
		d = xcalloc(1, sizeof(*d));
		d->out = out;
		if (nl_link_each(&nl, describe_link, d, e) == 0 &&
		    nl_addr_each(&nl, describe_addr, d, e) == 0) {
			describe_route(&nl, d, AF_INET);
			describe_route(&nl, d, AF_INET6);
			r = 0;
		}
		free(d);
		nl_close(&nl);
	}
	close(fd);
	return r;
}

/* ---- doctor: what would stop a jail's traffic, in plain words ---- */

struct doctor {
	struct ioc *ioc;
	const struct jails *l;
	const struct jail *only;
	struct netcfg *cfg; /* one per jail of l; cfg_ok[i] false when it did not parse */
	bool *cfg_ok;
	struct nl host;
	struct host_addrs addrs;
	doctor_fn fn;
	void *arg;
	unsigned errors, said;
};

static void IOC_PRINTF(4, 5)
    say(struct doctor *d, enum doctor_level lvl, const char *subject, const char *fmt, ...)
{
	cleanup_free char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (lvl == DOCTOR_ERROR)
		d->errors++;
	d->said++;
	d->fn(lvl, subject, text ? text : fmt, d->arg);
}

static bool
checked(const struct doctor *d, size_t i)
{
	return !d->only || d->only == &d->l->v[i];
}

/* A jail with a network of its own, as far as the host's routing goes. */
static bool
routed(const struct doctor *d, size_t i, int family)
{
	const struct netcfg *c = &d->cfg[i];

	if (!d->cfg_ok[i] || nval_is(d->ioc, &d->l->v[i], "ip4", "inherit"))
		return false;
	for (size_t a = 0; a < c->nip; a++)
		if (c->ip[a].family == family)
			return true;
	return family == AF_INET && nval_is(d->ioc, &d->l->v[i], "dhcp", "on");
}

static int
read_sysctl(const char *path)
{
	cleanup_free char *v = NULL;
	struct ioc_err e;

	char *end;
	long n;

	if (read_file(path, &v, 64, &e) < 0)
		return -1;
	n = strtol(v, &end, 10);
	return end == v || n < 0 || n > 1000 ? -1 : (int)n;
}

static void
doctor_forwarding(struct doctor *d, int family)
{
	const char *path = family == AF_INET ? "/proc/sys/net/ipv4/ip_forward"
					     : "/proc/sys/net/ipv6/conf/all/forwarding";
	const char *name =
	    family == AF_INET ? "net.ipv4.ip_forward" : "net.ipv6.conf.all.forwarding";
	const char *fam = family == AF_INET ? "IPv4" : "IPv6";
	bool any = false;
	int v;

	for (size_t i = 0; i < d->l->n && !any; i++)
		any = checked(d, i) && routed(d, i, family);
	if (!any)
		return;
	v = read_sysctl(path);
	if (v == 0)
		say(d, DOCTOR_WARN, "host",
		    "%s forwarding is off: jails reach this host and each other, nothing beyond "
		    "it (sysctl -w %s=1)",
		    fam, name);
	else if (v > 0)
		say(d, DOCTOR_OK, "host", "%s forwarding is on", fam);
}

/* The forward hooks that drop by default: nft's chains (which iptables-nft's rules live in),
 * else iptables' FORWARD policy. Each is told; returns how many drop, -1 if not checked. */
static int
doctor_firewall_nft(struct doctor *d, const char *out)
{
	char family[32] = "", table[128] = "", chain[128] = "";
	const char *p = out;
	int drops = 0;

	while (*p) {
		size_t n = strcspn(p, "\n");
		char line[512];

		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1),
			 p);
		p += n + (p[n] == '\n');
		if (sscanf(line, " table %31s %127s {", family, table) == 2 ||
		    sscanf(line, " chain %127s {", chain) == 1)
			continue;
		if (strstr(line, "hook forward") && strstr(line, "policy drop")) {
			drops++;
			say(d, DOCTOR_WARN, "host",
			    "the firewall drops forwarded traffic by default (nft table %s %s, "
			    "chain %s): traffic the host routes for jails is dropped unless a rule "
			    "accepts it (e.g. iptables -A FORWARD -i BRIDGE -j ACCEPT, and -o "
			    "BRIDGE)",
			    family, table, chain);
		}
	}
	return drops;
}

static int
doctor_firewall_ipt(struct doctor *d, const char *prog)
{
	const char *argv[] = {prog, "-w", "5", "-S", "FORWARD", NULL};
	cleanup_free char *out = NULL;
	struct ioc_err e;

	if (run_prog(argv, &out, &e) < 0) {
		say(d, DOCTOR_INFO, "host", "the firewall was not checked: %s", e.msg);
		return -1;
	}
	if (!strstr(out, "-P FORWARD DROP"))
		return 0;
	say(d, DOCTOR_WARN, "host",
	    "the firewall drops forwarded traffic by default (%s: -P FORWARD DROP): traffic the "
	    "host routes for jails is dropped unless a rule accepts it (e.g. %s -A FORWARD -i "
	    "BRIDGE -j ACCEPT, and -o BRIDGE)",
	    prog, prog);
	return 1;
}

static bool
have_prog(const char *name)
{
	static const char *const dirs[] = {"/usr/sbin", "/usr/bin", "/sbin", "/bin"};
	char path[64];

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if (access(path, X_OK) == 0)
			return true;
	}
	return false;
}

static void
doctor_firewall(struct doctor *d)
{
	bool any = false;
	int drops = -1;

	for (size_t i = 0; i < d->l->n && !any; i++)
		any = checked(d, i) && (routed(d, i, AF_INET) || routed(d, i, AF_INET6));
	if (!any)
		return;
	if (have_prog("nft")) {
		const char *argv[] = {"nft", "list", "chains", NULL};
		cleanup_free char *out = NULL;
		struct ioc_err e;

		if (run_prog(argv, &out, &e) < 0)
			say(d, DOCTOR_INFO, "host", "the firewall was not checked: %s", e.msg);
		else
			drops = doctor_firewall_nft(d, out);
	} else if (have_prog("iptables")) {
		drops = doctor_firewall_ipt(d, "iptables");
		if (drops >= 0 && have_prog("ip6tables")) {
			int d6 = doctor_firewall_ipt(d, "ip6tables");

			drops = d6 < 0 ? drops : drops + d6;
		}
	} else {
		say(d, DOCTOR_INFO, "host",
		    "neither nft nor iptables is installed: the firewall was not checked");
	}
	if (drops == 0)
		say(d, DOCTOR_OK, "host", "no firewall forward hook drops by default");
	if (drops > 0 && read_sysctl("/proc/sys/net/bridge/bridge-nf-call-iptables") == 1)
		say(d, DOCTOR_ERROR, "host",
		    "bridge-nf-call-iptables=1 sends even traffic between jails on one bridge "
		    "through that forward hook, where it is dropped unless a rule accepts it "
		    "(sysctl -w net.bridge.bridge-nf-call-iptables=0)");
}

struct ports {
	int master;
	unsigned n;
};

static void
count_ports(const struct nl_link *l, void *arg)
{
	struct ports *p = arg;

	if (p->master && l->master == p->master)
		p->n++;
}

static void
doctor_bridges(struct doctor *d)
{
	char seen[64][NL_IFNAMSIZ];
	size_t nseen = 0;

	for (size_t i = 0; i < d->l->n; i++) {
		if (!checked(d, i) || !d->cfg_ok[i] || !d->cfg[i].vnet)
			continue;
		for (int n = 0; n < VNETS; n++) {
			const char *br = d->cfg[i].bridge[n];
			struct nl_link bl;
			struct ports p = {0};
			struct ioc_err e;
			char subject[NL_IFNAMSIZ + 8];
			bool dup = false;

			for (size_t k = 0; k < nseen && !dup; k++)
				dup = streq(seen[k], br);
			if (!br[0] || dup || nseen == ARRAY_SIZE(seen))
				continue;
			snprintf(seen[nseen++], NL_IFNAMSIZ, "%s", br);
			snprintf(subject, sizeof(subject), "bridge %s", br);
			if (nl_link_get(&d->host, br, &bl, &e) < 0) {
				if (e.code == ENODEV)
					say(d, DOCTOR_INFO, subject,
					    "does not exist yet: the first start makes it, with no "
					    "address (give it one, e.g. ip addr add 10.0.0.1/24 "
					    "dev "
					    "%s, for jails to reach the host)",
					    br);
				else
					say(d, DOCTOR_ERROR, subject, "cannot be read: %s", e.msg);
				continue;
			}
			if (!streq(bl.kind, "bridge")) {
				say(d, DOCTOR_ERROR, subject,
				    "%s is a %s link, not a bridge: start refuses it; name another "
				    "bridge in interfaces",
				    br, bl.kind[0] ? bl.kind : "plain");
				continue;
			}
			if (!bl.up) {
				say(d, DOCTOR_ERROR, subject, "is down: ip link set %s up", br);
				continue;
			}
			p.master = bl.index;
			nl_link_each(&d->host, count_ports, &p, &e);
			say(d, DOCTOR_OK, subject, "is up, with %u port%s", p.n,
			    p.n == 1 ? "" : "s");
		}
	}
}

/* Is addr one of the host's own addresses on the link called segment? */
static bool
host_has(struct doctor *d, const char *segment, int family, const unsigned char *addr)
{
	struct nl_link l;
	struct ioc_err e;

	if (nl_link_get(&d->host, segment, &l, &e) < 0)
		return false;
	for (size_t a = 0; a < d->addrs.n; a++)
		if (d->addrs.v[a].index == l.index && d->addrs.v[a].family == family &&
		    memcmp(d->addrs.v[a].addr, addr, family == AF_INET ? 4 : 16) == 0)
			return true;
	return false;
}

static void
doctor_router(struct doctor *d, size_t i, const char *prop, int family)
{
	const struct jail *j = &d->l->v[i];
	const struct netcfg *c = &d->cfg[i];
	cleanup_free char *v = nval(d->ioc, j, prop);
	unsigned char gw[16] = {0};
	struct ioc_err e;

	if (streq(v, "none") || strchr(v, '%'))
		return;
	if (streq(v, "auto")) {
		if (auto_gateway(&d->host, c, family, gw, &e) == 0)
			say(d, DOCTOR_WARN, j->tag,
			    "%s=auto finds no host address in the jail's subnets: it will get no "
			    "default route",
			    prop);
		return;
	}
	if (inet_pton(family, v, gw) != 1)
		return;
	for (size_t a = 0; a < c->nip; a++) {
		const struct ipent *ip = &c->ip[a];

		if (ip->family != family || !same_subnet(family, gw, ip->addr, ip->prefix))
			continue;
		if (host_has(d, segment_of(c, ip), family, gw))
			say(d, DOCTOR_OK, j->tag, "%s %s is this host's address on %s", prop, v,
			    segment_of(c, ip));
		else
			say(d, DOCTOR_INFO, j->tag,
			    "%s %s is not this host's address on %s: another machine there must "
			    "answer it",
			    prop, v, segment_of(c, ip));
		return;
	}
	if (!(family == AF_INET && nval_is(d->ioc, j, "dhcp", "on")))
		say(d, DOCTOR_ERROR, j->tag,
		    "%s %s is in none of the jail's subnets: the route cannot be added (start "
		    "fails); change %s or the jail's addresses",
		    prop, v, prop);
}

static void
doctor_jail(struct doctor *d, size_t i)
{
	const struct jail *j = &d->l->v[i];
	const struct netcfg *c = &d->cfg[i];
	struct jail_proc jp;
	struct ioc_err e;

	if (nval_is(d->ioc, j, "dhcp", "on")) {
		if (!c->vnet)
			say(d, DOCTOR_ERROR, j->tag, "dhcp=on needs vnet=on: start refuses it");
		else if (!nval_is(d->ioc, j, "bpf", "on") &&
			 !nval_is(d->ioc, j, "allow_raw_sockets", "1"))
			say(d, DOCTOR_ERROR, j->tag,
			    "dhcp=on needs bpf=on: start refuses it (iocage set bpf=on %s)",
			    j->tag);
	}
	for (size_t a = 0; a < c->nip; a++) {
		const struct ipent *ip = &c->ip[a];
		struct nl_link l;

		if (c->vnet) {
			if (!segment_of(c, ip)[0] || streq(segment_of(c, ip), ip->iface))
				say(d, DOCTOR_ERROR, j->tag,
				    "%s|%s: the jail has no interface %s (interfaces names "
				    "vnet0..vnet3 with their bridges)",
				    ip->iface, ip->text, ip->iface);
			continue;
		}
		if (streq(ip->iface, "DEFAULT"))
			continue;
		if (nl_link_get(&d->host, ip->iface, &l, &e) < 0)
			say(d, DOCTOR_ERROR, j->tag,
			    "%s|%s: the host has no interface %s for this shared address",
			    ip->iface, ip->text, ip->iface);
		else if (!l.up)
			say(d, DOCTOR_ERROR, j->tag, "%s|%s: the host's %s is down", ip->iface,
			    ip->text, ip->iface);
		if (host_has(d, ip->iface, ip->family, ip->addr))
			say(d, DOCTOR_ERROR, j->tag, "%s is the host's own address on %s", ip->text,
			    ip->iface);
	}
	doctor_router(d, i, "defaultrouter", AF_INET);
	doctor_router(d, i, "defaultrouter6", AF_INET6);
	if (!c->vnet || !jail_running(j, &jp))
		return;
	for (int n = 0; n < VNETS; n++) {
		char hname[NL_IFNAMSIZ];
		struct nl_link hl, bl;

		if (!c->bridge[n][0])
			continue;
		host_name(j, "vnet", n, hname);
		if (nl_link_get(&d->host, hname, &hl, &e) < 0)
			say(d, DOCTOR_ERROR, j->tag,
			    "vnet%d's host end %s is gone: restart the jail (iocage restart %s)", n,
			    hname, j->tag);
		else if (nl_link_get(&d->host, c->bridge[n], &bl, &e) < 0 || hl.master != bl.index)
			say(d, DOCTOR_ERROR, j->tag,
			    "vnet%d (%s) is not on bridge %s (was the bridge deleted or re-made?): "
			    "restart the jail (iocage restart %s)",
			    n, hname, c->bridge[n], j->tag);
		else if (!hl.up)
			say(d, DOCTOR_ERROR, j->tag,
			    "vnet%d's host end %s is down: ip link set %s up", n, hname, hname);
		else
			say(d, DOCTOR_OK, j->tag, "vnet%d is up on bridge %s", n, c->bridge[n]);
	}
}

/* Two jails with one address on one segment cannot run together; a jail may not take an
 * address the host has there. */
static void
doctor_conflicts(struct doctor *d)
{
	for (size_t i = 0; i < d->l->n; i++) {
		if (!d->cfg_ok[i])
			continue;
		for (size_t a = 0; a < d->cfg[i].nip; a++) {
			const struct ipent *x = &d->cfg[i].ip[a];
			const char *seg = segment_of(&d->cfg[i], x);

			if (checked(d, i) && d->cfg[i].vnet && seg[0] && !streq(seg, x->iface) &&
			    host_has(d, seg, x->family, x->addr))
				say(d, DOCTOR_ERROR, d->l->v[i].tag,
				    "%s is the host's own address on bridge %s", x->text, seg);
			for (size_t k = i + 1; k < d->l->n; k++) {
				if (!d->cfg_ok[k] || !(checked(d, i) || checked(d, k)))
					continue;
				for (size_t b = 0; b < d->cfg[k].nip; b++) {
					const struct ipent *y = &d->cfg[k].ip[b];

					if (x->family == y->family &&
					    memcmp(x->addr, y->addr, 16) == 0 &&
					    streq(seg, segment_of(&d->cfg[k], y)))
						say(d, DOCTOR_ERROR, d->l->v[i].tag,
						    "address %s on %s is also %s's (%s): the two "
						    "cannot run at once",
						    x->text, seg, d->l->v[k].tag, d->l->v[k].uuid);
				}
			}
		}
	}
}

int
jailnet_doctor(struct ioc *ioc, const struct jails *l, const struct jail *only, doctor_fn fn,
	       void *arg, struct ioc_err *e)
{
	struct doctor d = {.ioc = ioc, .l = l, .only = only, .fn = fn, .arg = arg};

	if (nl_open(&d.host, -1, e) < 0)
		return -1;
	if (nl_addr_each(&d.host, collect_addr, &d.addrs, e) < 0) {
		nl_close(&d.host);
		return -1;
	}
	d.cfg = xcalloc(l->n ? l->n : 1, sizeof(*d.cfg));
	d.cfg_ok = xcalloc(l->n ? l->n : 1, sizeof(*d.cfg_ok));
	for (size_t i = 0; i < l->n; i++) {
		struct ioc_err e2;

		d.cfg_ok[i] = netcfg_load(ioc, &l->v[i], &d.cfg[i], &e2) == 0;
		if (!d.cfg_ok[i] && checked(&d, i))
			say(&d, DOCTOR_ERROR, l->v[i].tag, "its network properties: %s", e2.msg);
	}
	doctor_forwarding(&d, AF_INET);
	doctor_forwarding(&d, AF_INET6);
	doctor_firewall(&d);
	doctor_bridges(&d);
	for (size_t i = 0; i < l->n; i++)
		if (checked(&d, i) && d.cfg_ok[i] && !nval_is(ioc, &l->v[i], "ip4", "inherit"))
			doctor_jail(&d, i);
	doctor_conflicts(&d);
	if (!d.said)
		say(&d, DOCTOR_OK, only ? only->tag : "host",
		    only ? "it has no network of its own (ip4=inherit or no interfaces and "
			   "addresses): nothing to check"
			 : "no jail has a network of its own: nothing to check");
	free(d.cfg);
	free(d.cfg_ok);
	nl_close(&d.host);
	return (int)d.errors;
}
