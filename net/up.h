/* Network bring-up for the crash kernel: from a struct net_config to a
 * configured interface, in one call. */
#ifndef SALVAGE_NET_UP_H
#define SALVAGE_NET_UP_H
#include "netconf.h"

/* Brings up "lo", then the interface c names (by name or MAC; neither:
 * every Ethernet interface, keeping the first with a carrier), waits for
 * carrier, gets a DHCP lease or takes c's static address, then sets the
 * MTU (c's, else the lease's; one the driver refuses is only a warning),
 * the address and the default route. Values c gives (prefix, gateway,
 * dns, mtu) win over the lease's. All of it within timeout_ms. Logs one
 * line per step.
 *
 * Fills out with what was configured: 0, -SALVAGE_E_NET_NO_IFACE,
 * -SALVAGE_E_NET_NO_CARRIER, -SALVAGE_E_DHCP_NO_LEASE, -SALVAGE_E_DHCP_NAK
 * or -errno (the kernel refused a change; logged with the step). With
 * c->method NET_OFF only "lo" comes up and out is all zero. An address or
 * route left from an earlier call is replaced, not an error. */
int net_up(const struct net_config *c, int timeout_ms, struct net_lease *out);

/* "10.0.2.15/24 router 10.0.2.2 dns 10.0.2.3 mtu 1500" (parts that are
 * 0 left out) into buf; returns buf. */
#define NET_LEASE_TEXT 128
char *net_lease_text(char buf[NET_LEASE_TEXT], const struct net_lease *l);

#endif
