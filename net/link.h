/* Interfaces, addresses and routes over rtnetlink (rtnetlink(7)): a
 * NETLINK_ROUTE socket and hand-built messages, no libraries. Every change
 * asks for an ACK and returns the kernel's answer. All functions return 0
 * (or a count) or a negative errno / -SALVAGE_E_x. */
#ifndef SALVAGE_NET_LINK_H
#define SALVAGE_NET_LINK_H
#include <stdint.h>
#include "netconf.h"

#define NET_LINK_MAX 64         /* interfaces looked at; more are ignored */

/* A NETLINK_ROUTE socket for requests. */
struct net_rtnl {
	int fd;
	uint32_t seq;
};

/* One interface as RTM_GETLINK reports it. */
struct net_link {
	int index;
	unsigned type;                  /* ARPHRD_* */
	unsigned flags;                 /* IFF_*, with IFF_LOWER_UP */
	unsigned mtu;
	char name[NET_IFNAME_MAX];
	uint8_t mac[6];
};

int net_link_open(struct net_rtnl *nl);
void net_link_close(struct net_rtnl *nl);

/* Every interface (up to max) into links; returns how many. */
int net_link_list(struct net_rtnl *nl, struct net_link *links, int max);
/* The interface called name, else the one with MAC mac, else (name ""
 * and mac NULL) the first Ethernet interface: 0 or
 * -SALVAGE_E_NET_NO_IFACE. */
int net_link_find(struct net_rtnl *nl, const char *name, const uint8_t *mac,
                  struct net_link *out);
/* An Ethernet interface (ARPHRD_ETHER), not loopback? */
int net_link_ethernet(const struct net_link *l);
/* Is the link usable: up, carrier, and its operational state up (the
 * kernel sets IFF_RUNNING only once its queues take packets). */
int net_link_ready(const struct net_link *l);
/* Sets IFF_UP. */
int net_link_up(struct net_rtnl *nl, int index);
/* Sets the MTU (-EINVAL outside the driver's range). */
int net_link_mtu(struct net_rtnl *nl, int index, unsigned mtu);
/* Waits until l (or, l->index 0, any Ethernet interface that is up) is
 * ready, at most timeout_ms; refreshes *l. -SALVAGE_E_NET_NO_CARRIER when
 * the time runs out. Watches the link notifications (RTNLGRP_LINK) and
 * asks again every quarter second in case one is lost. */
int net_link_wait(struct net_rtnl *nl, struct net_link *l, int timeout_ms);
/* Adds (or replaces) addr/prefix on the interface. */
int net_link_addr_add(struct net_rtnl *nl, int index, uint32_t addr, int prefix);
/* Adds (or replaces) the default route via gw on the interface. A gateway
 * outside addr/prefix is reached on-link (RTNH_F_ONLINK), as /32 leases
 * need. */
int net_link_route_add(struct net_rtnl *nl, int index, uint32_t gw,
                       uint32_t addr, int prefix);

#endif
