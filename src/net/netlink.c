#include "net/net.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "util/cleanup.h"
#include "util/fault.h"
#include "util/str.h"

#ifndef IPVLAN_MODE_L2
#define IPVLAN_MODE_L2 0
#endif
#ifndef IFLA_IPVLAN_MODE
#define IFLA_IPVLAN_MODE 1
#endif

/* ---- sockets ---- */

static int
nl_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* The child: setns into netns_fd, open the socket there, send it (or its errno) back. */
static void __attribute__((noreturn)) socket_child(int netns_fd, int sock)
{
	int err = 0, fd = -1;
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = &err, .iov_len = sizeof(err)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

	if (setns(netns_fd, CLONE_NEWNET) < 0 || (fd = nl_socket()) < 0)
		err = errno ? errno : EIO;
	if (fd >= 0) {
		struct cmsghdr *c;

		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	_exit(sendmsg(sock, &m, MSG_NOSIGNAL) < 0 ? 1 : 0);
}

static int
socket_in_netns(int netns_fd, struct ioc_err *e)
{
	cleanup_close int a = -1, b = -1;
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	int err = 0, fd = -1, sv[2], status;
	struct iovec iov = {.iov_base = &err, .iov_len = sizeof(err)};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;
	ssize_t n;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_sys(e, "socketpair");
	a = sv[0];
	b = sv[1];
	pid = fork();
	if (pid < 0)
		return err_sys(e, "fork");
	if (pid == 0)
		socket_child(netns_fd, b);
	close(TAKE_FD(b));
	do
		n = recvmsg(a, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n < 0)
		return err_sys(e, "receive the netlink socket of the namespace");
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (fd >= 0)
		return fd;
	errno = err ? err : EIO;
	return err_sys(e, "open a netlink socket in the network namespace");
}

int
nl_open(struct nl *nl, int netns_fd, struct ioc_err *e)
{
	int fd;

	if (netns_fd < 0) {
		fd = nl_socket();
		if (fd < 0)
			return err_sys(e, "open a netlink socket");
	} else if ((fd = socket_in_netns(netns_fd, e)) < 0) {
		return -1;
	}
	nl->fd = fd;
	nl->seq = 1;
	return 0;
}

void
nl_close(struct nl *nl)
{
	if (nl && nl->fd >= 0)
		close(nl->fd);
	if (nl)
		nl->fd = -1;
}

/* ---- messages ---- */

struct req {
	union {
		struct nlmsghdr h;
		char buf[2048];
	};
};

static void *
req_init(struct req *r, uint16_t type, uint16_t flags, size_t hdrlen)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = (uint32_t)NLMSG_LENGTH(hdrlen);
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	return NLMSG_DATA(&r->h);
}

static struct rtattr *
attr_add(struct req *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)(r->buf + NLMSG_ALIGN(r->h.nlmsg_len));

	/* The requests are small and fixed: overflowing means a bug, never input. */
	if (NLMSG_ALIGN(r->h.nlmsg_len) + RTA_SPACE(len) > sizeof(r->buf))
		abort();
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = (uint32_t)(NLMSG_ALIGN(r->h.nlmsg_len) + RTA_SPACE(len));
	return a;
}

static void
attr_str(struct req *r, unsigned short type, const char *s)
{
	attr_add(r, type, s, strlen(s) + 1);
}

static void
attr_u32(struct req *r, unsigned short type, uint32_t v)
{
	attr_add(r, type, &v, sizeof(v));
}

static struct rtattr *
nest_begin(struct req *r, unsigned short type)
{
	return attr_add(r, type, NULL, 0);
}

static void
nest_end(struct req *r, struct rtattr *a)
{
	a->rta_len = (unsigned short)((r->buf + r->h.nlmsg_len) - (char *)a);
}

typedef void (*msg_fn)(const struct nlmsghdr *h, void *arg);

/* Send r and read the answers up to its ACK or NLMSG_DONE; data messages go to fn. Returns 0,
 * or -1 with errno the kernel's error. */
static int
nl_exchange(struct nl *nl, struct req *r, msg_fn fn, void *arg)
{
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};
	cleanup_free char *buf = NULL;
	const size_t size = 65536;
	uint32_t seq = nl->seq++;

	r->h.nlmsg_seq = seq;
	/* Not a dump: an ACK ends the answer. (NLM_F_EXCL is NLM_F_MATCH's bit.) */
	if ((r->h.nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		r->h.nlmsg_flags |= NLM_F_ACK;
	if (sendto(nl->fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -1;
	buf = malloc(size);
	if (!buf) {
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		ssize_t n = recv(nl->fd, buf, size, 0);
		struct nlmsghdr *h;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *ne = NLMSG_DATA(h);

				if (ne->error == 0)
					return 0;
				errno = -ne->error;
				return -1;
			}
			if (fn)
				fn(h, arg);
		}
	}
}

/* nl_exchange, and a fault point (util/fault.c) after each request that changed a link, an
 * address or a route. */
static int
nl_talk(struct nl *nl, struct req *r, msg_fn fn, void *arg)
{
	uint16_t type = r->h.nlmsg_type;

	if (nl_exchange(nl, r, fn, arg) < 0)
		return -1;
	if (type == RTM_NEWLINK || type == RTM_DELLINK || type == RTM_SETLINK ||
	    type == RTM_NEWADDR || type == RTM_DELADDR || type == RTM_NEWROUTE ||
	    type == RTM_DELROUTE)
		fault_point("netlink");
	return 0;
}

/* ---- links ---- */

static void
parse_link(const struct nlmsghdr *h, struct nl_link *l)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = (int)IFLA_PAYLOAD(h);

	memset(l, 0, sizeof(*l));
	l->index = ifi->ifi_index;
	l->up = (ifi->ifi_flags & IFF_UP) != 0;
	for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		size_t n = RTA_PAYLOAD(a);

		switch (a->rta_type) {
		case IFLA_IFNAME:
			snprintf(l->name, sizeof(l->name), "%.*s", (int)n,
				 (const char *)RTA_DATA(a));
			break;
		case IFLA_MTU:
			if (n >= 4)
				memcpy(&l->mtu, RTA_DATA(a), 4);
			break;
		case IFLA_MASTER:
			if (n >= 4)
				memcpy(&l->master, RTA_DATA(a), 4);
			break;
		case IFLA_ADDRESS:
			if (n == 6) {
				memcpy(l->mac, RTA_DATA(a), 6);
				l->has_mac = true;
			}
			break;
		case IFLA_LINKINFO: {
			int ilen = (int)n;

			for (const struct rtattr *b = RTA_DATA(a); RTA_OK(b, ilen);
			     b = RTA_NEXT(b, ilen))
				if (b->rta_type == IFLA_INFO_KIND)
					snprintf(l->kind, sizeof(l->kind), "%.*s",
						 (int)RTA_PAYLOAD(b), (const char *)RTA_DATA(b));
			break;
		}
		default:
			break;
		}
	}
}

struct link_found {
	struct nl_link *out;
	bool found;
};

static void
link_found_fn(const struct nlmsghdr *h, void *arg)
{
	struct link_found *f = arg;

	if (h->nlmsg_type != RTM_NEWLINK)
		return;
	parse_link(h, f->out);
	f->found = true;
}

int
nl_link_get(struct nl *nl, const char *name, struct nl_link *out, struct ioc_err *e)
{
	struct req r;
	struct ifinfomsg *ifi = req_init(&r, RTM_GETLINK, 0, sizeof(*ifi));
	struct link_found f = {.out = out};

	ifi->ifi_family = AF_UNSPEC;
	attr_str(&r, IFLA_IFNAME, name);
	if (nl_talk(nl, &r, link_found_fn, &f) < 0)
		return err_sys(e, "link %s", name);
	if (!f.found)
		return err_set(e, ENODEV, "no link %s", name);
	return 0;
}

struct link_each {
	nl_link_fn fn;
	void *arg;
};

static void
link_each_fn(const struct nlmsghdr *h, void *arg)
{
	struct link_each *le = arg;
	struct nl_link l;

	if (h->nlmsg_type != RTM_NEWLINK)
		return;
	parse_link(h, &l);
	le->fn(&l, le->arg);
}

int
nl_link_each(struct nl *nl, nl_link_fn fn, void *arg, struct ioc_err *e)
{
	struct req r;
	struct ifinfomsg *ifi = req_init(&r, RTM_GETLINK, NLM_F_DUMP, sizeof(*ifi));
	struct link_each le = {fn, arg};

	ifi->ifi_family = AF_UNSPEC;
	if (nl_talk(nl, &r, link_each_fn, &le) < 0)
		return err_sys(e, "list the links");
	return 0;
}

static struct ifinfomsg *
newlink_init(struct req *r, const char *name)
{
	struct ifinfomsg *ifi =
	    req_init(r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));

	ifi->ifi_family = AF_UNSPEC;
	attr_str(r, IFLA_IFNAME, name);
	return ifi;
}

int
nl_veth_add(struct nl *nl, const struct nl_veth *v, struct ioc_err *e)
{
	struct req r;
	struct rtattr *info, *data, *peer;
	struct ifinfomsg pifi = {.ifi_family = AF_UNSPEC};

	newlink_init(&r, v->name);
	if (v->mac)
		attr_add(&r, IFLA_ADDRESS, v->mac, 6);
	if (v->mtu)
		attr_u32(&r, IFLA_MTU, v->mtu);
	info = nest_begin(&r, IFLA_LINKINFO);
	attr_str(&r, IFLA_INFO_KIND, "veth");
	data = nest_begin(&r, IFLA_INFO_DATA);
	/* VETH_INFO_PEER holds a struct ifinfomsg followed by the peer's attributes. */
	peer = attr_add(&r, VETH_INFO_PEER, &pifi, sizeof(pifi));
	attr_str(&r, IFLA_IFNAME, v->peer);
	if (v->peer_mac)
		attr_add(&r, IFLA_ADDRESS, v->peer_mac, 6);
	if (v->mtu)
		attr_u32(&r, IFLA_MTU, v->mtu);
	if (v->peer_netns_fd >= 0)
		attr_u32(&r, IFLA_NET_NS_FD, (uint32_t)v->peer_netns_fd);
	nest_end(&r, peer);
	nest_end(&r, data);
	nest_end(&r, info);
	if (nl_talk(nl, &r, NULL, NULL) < 0)
		return err_sys(e, "create the veth pair %s/%s", v->name, v->peer);
	return 0;
}

int
nl_bridge_add(struct nl *nl, const char *name, struct ioc_err *e)
{
	struct req r;
	struct rtattr *info;

	newlink_init(&r, name);
	info = nest_begin(&r, IFLA_LINKINFO);
	attr_str(&r, IFLA_INFO_KIND, "bridge");
	nest_end(&r, info);
	if (nl_talk(nl, &r, NULL, NULL) < 0)
		return err_sys(e, "create the bridge %s", name);
	return 0;
}

int
nl_bridge_ensure(struct nl *nl, const char *name, bool *created, struct nl_link *out,
		 struct ioc_err *e)
{
	struct nl_link l;

	*created = false;
	if (nl_link_get(nl, name, &l, e) < 0) {
		if (e->code != ENODEV)
			return -1;
		/* Another start may create it at the same moment: EEXIST is fine then. */
		if (nl_bridge_add(nl, name, e) == 0)
			*created = true;
		else if (e->code != EEXIST)
			return -1;
		if (nl_link_get(nl, name, &l, e) < 0)
			return -1;
	}
	if (!streq(l.kind, "bridge"))
		return err_set(e, EEXIST,
			       "%s exists and is not a bridge (it is a %s link); give interfaces "
			       "a bridge's name, or a free name for iocage to create one",
			       name, l.kind[0] ? l.kind : "plain");
	if (!l.up && nl_link_up(nl, l.index, e) < 0)
		return err_wrap(e, "bring up the bridge %s", name);
	if (out)
		*out = l;
	return 0;
}

/* A link of kind on parent_index with one mode attribute in its IFLA_INFO_DATA. */
static int
sublink_add(struct nl *nl, const char *name, int parent_index, const char *kind,
	    unsigned short mode_attr, const void *mode, size_t mode_len)
{
	struct req r;
	struct rtattr *info, *data;

	newlink_init(&r, name);
	attr_u32(&r, IFLA_LINK, (uint32_t)parent_index);
	info = nest_begin(&r, IFLA_LINKINFO);
	attr_str(&r, IFLA_INFO_KIND, kind);
	data = nest_begin(&r, IFLA_INFO_DATA);
	attr_add(&r, mode_attr, mode, mode_len);
	nest_end(&r, data);
	nest_end(&r, info);
	return nl_talk(nl, &r, NULL, NULL);
}

int
nl_ipvlan_add(struct nl *nl, const char *name, int parent_index, struct ioc_err *e)
{
	uint16_t mode = IPVLAN_MODE_L2;

	if (sublink_add(nl, name, parent_index, "ipvlan", IFLA_IPVLAN_MODE, &mode, sizeof(mode)) <
	    0)
		return err_sys(e, "create the ipvlan link %s", name);
	return 0;
}

int
nl_macvlan_add(struct nl *nl, const char *name, int parent_index, struct ioc_err *e)
{
	uint32_t mode = MACVLAN_MODE_BRIDGE;

	if (sublink_add(nl, name, parent_index, "macvlan", IFLA_MACVLAN_MODE, &mode, sizeof(mode)) <
	    0)
		return err_sys(e, "create the macvlan link %s", name);
	return 0;
}

int
nl_link_del(struct nl *nl, const char *name, struct ioc_err *e)
{
	struct req r;
	struct ifinfomsg *ifi = req_init(&r, RTM_DELLINK, 0, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	attr_str(&r, IFLA_IFNAME, name);
	if (nl_talk(nl, &r, NULL, NULL) < 0)
		return err_sys(e, "delete the link %s", name);
	return 0;
}

/* RTM_SETLINK on index with one attribute (or none, with flags). */
static int
setlink(struct nl *nl, int index, unsigned short type, const void *data, size_t len, unsigned flags)
{
	struct req r;
	struct ifinfomsg *ifi = req_init(&r, RTM_SETLINK, 0, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	ifi->ifi_flags = flags;
	ifi->ifi_change = flags;
	if (data)
		attr_add(&r, type, data, len);
	return nl_talk(nl, &r, NULL, NULL);
}

int
nl_link_set_master(struct nl *nl, int index, int master_index, struct ioc_err *e)
{
	uint32_t m = (uint32_t)master_index;

	if (setlink(nl, index, IFLA_MASTER, &m, sizeof(m), 0) < 0)
		return err_sys(e, "enslave link %d to link %d", index, master_index);
	return 0;
}

int
nl_link_set_mtu(struct nl *nl, int index, unsigned mtu, struct ioc_err *e)
{
	uint32_t m = mtu;

	if (setlink(nl, index, IFLA_MTU, &m, sizeof(m), 0) < 0)
		return err_sys(e, "set the MTU of link %d to %u", index, mtu);
	return 0;
}

int
nl_link_set_mac(struct nl *nl, int index, const unsigned char mac[6], struct ioc_err *e)
{
	if (setlink(nl, index, IFLA_ADDRESS, mac, 6, 0) < 0)
		return err_sys(e, "set the MAC of link %d", index);
	return 0;
}

int
nl_link_set_netns_pid(struct nl *nl, int index, pid_t pid, struct ioc_err *e)
{
	uint32_t p = (uint32_t)pid;

	if (setlink(nl, index, IFLA_NET_NS_PID, &p, sizeof(p), 0) < 0)
		return err_sys(e, "move link %d into the network namespace of %d", index, (int)pid);
	return 0;
}

int
nl_link_set_netns_fd(struct nl *nl, int index, int netns_fd, struct ioc_err *e)
{
	uint32_t f = (uint32_t)netns_fd;

	if (setlink(nl, index, IFLA_NET_NS_FD, &f, sizeof(f), 0) < 0)
		return err_sys(e, "move link %d into the jail's network namespace", index);
	return 0;
}

int
nl_link_rename(struct nl *nl, int index, const char *name, struct ioc_err *e)
{
	if (setlink(nl, index, IFLA_IFNAME, name, strlen(name) + 1, 0) < 0)
		return err_sys(e, "rename link %d to %s", index, name);
	return 0;
}

int
nl_link_up(struct nl *nl, int index, struct ioc_err *e)
{
	if (setlink(nl, index, 0, NULL, 0, IFF_UP) < 0)
		return err_sys(e, "bring up link %d", index);
	return 0;
}

/* ---- addresses ---- */

static size_t
family_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

int
nl_addr_add(struct nl *nl, int index, int family, const void *addr, unsigned prefix,
	    struct ioc_err *e)
{
	struct req r;
	struct ifaddrmsg *ifa =
	    req_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifaddrmsg));

	ifa->ifa_family = (unsigned char)family;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_flags = family == AF_INET6 ? IFA_F_NODAD : 0;
	ifa->ifa_index = (unsigned)index;
	attr_add(&r, IFA_LOCAL, addr, family_len(family));
	attr_add(&r, IFA_ADDRESS, addr, family_len(family));
	if (nl_talk(nl, &r, NULL, NULL) < 0)
		return err_sys(e, "add an IPv%d address to link %d", family == AF_INET ? 4 : 6,
			       index);
	return 0;
}

struct addr_each {
	nl_addr_fn fn;
	void *arg;
};

static void
addr_each_fn(const struct nlmsghdr *h, void *arg)
{
	struct addr_each *ae = arg;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	int len = (int)IFA_PAYLOAD(h);
	struct nl_addr a = {
	    .index = (int)ifa->ifa_index, .family = ifa->ifa_family, .prefix = ifa->ifa_prefixlen};
	bool have = false;

	if (h->nlmsg_type != RTM_NEWADDR)
		return;
	for (const struct rtattr *x = IFA_RTA(ifa); RTA_OK(x, len); x = RTA_NEXT(x, len)) {
		size_t n = RTA_PAYLOAD(x);

		/* IFA_LOCAL is the address itself (IFA_ADDRESS the peer's on p2p links). */
		if ((x->rta_type == IFA_LOCAL || (x->rta_type == IFA_ADDRESS && !have)) &&
		    n == family_len(a.family)) {
			memcpy(a.addr, RTA_DATA(x), n);
			have = true;
		}
	}
	if (have)
		ae->fn(&a, ae->arg);
}

int
nl_addr_each(struct nl *nl, nl_addr_fn fn, void *arg, struct ioc_err *e)
{
	struct req r;
	struct ifaddrmsg *ifa = req_init(&r, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa));
	struct addr_each ae = {fn, arg};

	ifa->ifa_family = AF_UNSPEC;
	if (nl_talk(nl, &r, addr_each_fn, &ae) < 0)
		return err_sys(e, "list the addresses");
	return 0;
}

/* ---- routes ---- */

int
nl_route_default_add(struct nl *nl, int family, const void *gw, int oif, struct ioc_err *e)
{
	struct req r;
	struct rtmsg *rt =
	    req_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct rtmsg));

	rt->rtm_family = (unsigned char)family;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	attr_add(&r, RTA_GATEWAY, gw, family_len(family));
	if (oif > 0)
		attr_u32(&r, RTA_OIF, (uint32_t)oif);
	if (nl_talk(nl, &r, NULL, NULL) < 0)
		return err_sys(e, "add the IPv%d default route", family == AF_INET ? 4 : 6);
	return 0;
}

static void
route_fn(const struct nlmsghdr *h, void *arg)
{
	struct nl_route *out = arg;
	const struct rtmsg *rt = NLMSG_DATA(h);
	int len = (int)RTM_PAYLOAD(h);
	struct nl_route c = {.family = rt->rtm_family};
	uint32_t table = rt->rtm_table;

	if (h->nlmsg_type != RTM_NEWROUTE || out->oif > 0 || rt->rtm_dst_len != 0 ||
	    rt->rtm_type != RTN_UNICAST)
		return;
	for (const struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		size_t n = RTA_PAYLOAD(a);

		if (a->rta_type == RTA_OIF && n == 4)
			memcpy(&c.oif, RTA_DATA(a), 4);
		else if (a->rta_type == RTA_TABLE && n == 4)
			memcpy(&table, RTA_DATA(a), 4);
		else if (a->rta_type == RTA_GATEWAY && n == family_len(c.family)) {
			memcpy(c.gw, RTA_DATA(a), n);
			c.has_gw = true;
		}
	}
	if (table == RT_TABLE_MAIN && c.oif > 0)
		*out = c;
}

int
nl_route_default_get(struct nl *nl, int family, struct nl_route *out, struct ioc_err *e)
{
	struct req r;
	struct rtmsg *rt = req_init(&r, RTM_GETROUTE, NLM_F_DUMP, sizeof(*rt));

	rt->rtm_family = (unsigned char)family;
	memset(out, 0, sizeof(*out));
	if (nl_talk(nl, &r, route_fn, out) < 0)
		return err_sys(e, "list the IPv%d routes", family == AF_INET ? 4 : 6);
	if (out->oif <= 0)
		return err_set(e, ENETUNREACH, "no IPv%d default route", family == AF_INET ? 4 : 6);
	return 0;
}
