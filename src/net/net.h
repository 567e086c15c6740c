/* The Linux network layer: a small rtnetlink client (NETLINK_ROUTE, no shelling out to ip).
 * Never prints; failures fill a struct ioc_err.
 *
 * A struct nl is one netlink socket, and a netlink socket acts on the network namespace it was
 * created in, whatever namespace its user is in later. So work inside a jail's namespace is
 * done through nl_open(nl, NSFD): a forked child setns()es into NSFD, opens the socket there
 * and hands it back over a socketpair with SCM_RIGHTS; the caller never changes namespace. */
#ifndef IOC_NET_NET_H
#define IOC_NET_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

#define NL_IFNAMSIZ 16

struct nl {
	int fd;
	uint32_t seq;
};

/* Open a netlink socket in the network namespace netns_fd (an fd of /proc/PID/ns/net), or in
 * ours when netns_fd is -1. */
int nl_open(struct nl *nl, int netns_fd, struct ioc_err *e);
void nl_close(struct nl *nl);

struct nl_link {
	int index;
	char name[NL_IFNAMSIZ];
	char kind[16]; /* IFLA_INFO_KIND: "bridge", "veth", "ipvlan"...; "" for none */
	unsigned mtu;
	int master; /* 0: none */
	bool up;
	bool has_mac;
	unsigned char mac[6];
};

/* The link called name; -1 with e->code ENODEV when there is none. */
int nl_link_get(struct nl *nl, const char *name, struct nl_link *out, struct ioc_err *e);
typedef void (*nl_link_fn)(const struct nl_link *l, void *arg);
int nl_link_each(struct nl *nl, nl_link_fn fn, void *arg, struct ioc_err *e);

/* A veth pair: name here; peer named peer, with peer_mac (NULL: the kernel's) and mtu (0: the
 * default), in the namespace peer_netns_fd (-1: here). Created in one request: nothing is left
 * half made when it fails. */
struct nl_veth {
	const char *name, *peer;
	const unsigned char *mac, *peer_mac;
	unsigned mtu;
	int peer_netns_fd;
};
int nl_veth_add(struct nl *nl, const struct nl_veth *v, struct ioc_err *e);
int nl_bridge_add(struct nl *nl, const char *name, struct ioc_err *e);
/* The bridge name, created and brought up if missing (*created set); a link of that name that
 * is not a bridge is refused (EEXIST). out (may be NULL) gets the bridge. */
int nl_bridge_ensure(struct nl *nl, const char *name, bool *created, struct nl_link *out,
		     struct ioc_err *e);
/* An ipvlan link in mode l2 on the parent link parent_index. */
int nl_ipvlan_add(struct nl *nl, const char *name, int parent_index, struct ioc_err *e);
/* A macvlan link in mode bridge on parent_index: for kernels built without ipvlan (EOPNOTSUPP
 * from nl_ipvlan_add); it has a MAC of its own on the parent's link. */
int nl_macvlan_add(struct nl *nl, const char *name, int parent_index, struct ioc_err *e);
int nl_link_del(struct nl *nl, const char *name, struct ioc_err *e);

int nl_link_set_master(struct nl *nl, int index, int master_index, struct ioc_err *e);
int nl_link_set_mtu(struct nl *nl, int index, unsigned mtu, struct ioc_err *e);
int nl_link_set_mac(struct nl *nl, int index, const unsigned char mac[6], struct ioc_err *e);
int nl_link_set_netns_pid(struct nl *nl, int index, pid_t pid, struct ioc_err *e);
int nl_link_set_netns_fd(struct nl *nl, int index, int netns_fd, struct ioc_err *e);
int nl_link_rename(struct nl *nl, int index, const char *name, struct ioc_err *e);
int nl_link_up(struct nl *nl, int index, struct ioc_err *e);

/* An address (AF_INET: 4 bytes, AF_INET6: 16) with its prefix length on link index. IPv6
 * addresses get IFA_F_NODAD: usable at once, no duplicate detection delay. */
int nl_addr_add(struct nl *nl, int index, int family, const void *addr, unsigned prefix,
		struct ioc_err *e);
struct nl_addr {
	int index;
	int family;
	unsigned char addr[16];
	unsigned prefix;
};
typedef void (*nl_addr_fn)(const struct nl_addr *a, void *arg);
int nl_addr_each(struct nl *nl, nl_addr_fn fn, void *arg, struct ioc_err *e);

/* The default route of the main table through gateway gw (4 or 16 bytes by family), out of
 * link oif (0: the kernel finds it; a link-local IPv6 gateway needs it). */
int nl_route_default_add(struct nl *nl, int family, const void *gw, int oif, struct ioc_err *e);
/* The link of the default route (main table) of family: *index, or -1 ENETUNREACH. gw (may
 * be NULL; 16 bytes) gets its gateway, *has_gw whether it has one. */
struct nl_route {
	int oif;
	int family;
	bool has_gw;
	unsigned char gw[16];
};
int nl_route_default_get(struct nl *nl, int family, struct nl_route *out, struct ioc_err *e);

#endif
