/* A jail's network (DESIGN.md section 6): VNET veth pairs on bridges, shared-IP ipvlan links,
 * addresses and default routes, set up by netlink (net/net.h) from the jail's properties. */
#ifndef IOC_CORE_JAILNET_H
#define IOC_CORE_JAILNET_H

#include <stddef.h>
#include <sys/types.h>

#include "core/jail.h"

/* Give the jail whose init is pid its network. Returns 0 when something was set up, 1 when
 * the jail has nothing to set up (ip4=inherit, no interfaces and no addresses), -1 on error
 * (what was made is left for jailnet_down). note (len bytes) gets what the caller should tell
 * the user ("bridge bridge0 created"), or "". */
int jailnet_up(struct ioc *ioc, const struct jail *j, pid_t pid, char *note, size_t len,
	       struct ioc_err *e);
/* Remove what jailnet_up made on the host (the host ends "vnetN.<uuid8>", which take their
 * pairs with them, and a temporary ipvlan link), also after a crash. Links inside the jail
 * go with its network namespace. 0, or 1 when the jail has no network of its own to undo. */
int jailnet_down(struct ioc *ioc, const struct jail *j);
/* For runtime: the jail's interfaces (net.IF.mac, net.IF.mtu, net.IF.addr) and default
 * routes (net.route4, net.route6), read inside its namespace; and network= its kind. */
int jailnet_describe(struct ioc *ioc, const struct jail *j, pid_t pid, struct kvlist *out,
		     struct ioc_err *e);

/* doctor: what would stop the traffic of the jails in l (or of only, when not NULL, which
 * is one of them): forwarding, the firewall's forward hooks, bridges, interfaces, routers,
 * address clashes, a running jail's links. Each finding goes to fn. Returns how many are
 * DOCTOR_ERROR (things that stop traffic or a start), or -1 when the host's network cannot
 * be read. */
enum doctor_level { DOCTOR_OK, DOCTOR_INFO, DOCTOR_WARN, DOCTOR_ERROR };
typedef void (*doctor_fn)(enum doctor_level lvl, const char *subject, const char *text, void *arg);
int jailnet_doctor(struct ioc *ioc, const struct jails *l, const struct jail *only, doctor_fn fn,
		   void *arg, struct ioc_err *e);

#endif
