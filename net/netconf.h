/* Network settings for the crash kernel: what to configure (struct
 * net_config, parsed from salvage's own spec or the kernel's ip=) and what
 * was configured (struct net_lease, filled by net_up). IPv4 only.
 *
 * Addresses are uint32_t in network byte order (as in struct in_addr), so
 * they go to sockets and netlink unchanged.
 *
 * salvage's spec:
 *     [IFACE:]dhcp[,ITEM...]
 *     [IFACE:]ADDR/PREFIX[,GW][,ITEM...]
 *     ITEM = mtu=N | dns=ADDR (up to NET_DNS_MAX)
 * IFACE is an interface name (eth0, enp1s0) or a MAC address in the form
 * aa:bb:cc:dd:ee:ff (either case). A MAC holds ':' but neither an interface
 * name (the kernel forbids ':' in them) nor the part after IFACE does, so
 * the rule is: IFACE is everything before the LAST ':'. Without IFACE the
 * first Ethernet interface to get a carrier is used. PREFIX is 1-32, MTU
 * 68-65535.
 *
 * The kernel's form (Documentation/admin-guide/nfs/nfsroot.rst), given with
 * its "ip=" prefix:
 *     ip=dhcp | ip=on | ip=any | ip=both | ip=bootp      DHCP, any interface
 *     ip=off | ip=none | ip=                             no network
 *     ip=CLIENT:SERVER:GW:NETMASK:HOSTNAME:DEVICE:AUTOCONF:DNS0:DNS1:NTP0
 * Fields may be empty, and trailing ones left out. A CLIENT address means a
 * static setting (NETMASK empty: the address's class, as the kernel does);
 * without one, AUTOCONF off/none means no network and anything else but
 * rarp (which salvage lacks) means DHCP. DEVICE is a name (empty: any
 * Ethernet interface); HOSTNAME goes in the DHCP requests. SERVER and NTP0
 * are not used. GW, NETMASK and DNS given along with DHCP take precedence
 * over the lease's, as in the kernel. */
#ifndef SALVAGE_NET_NETCONF_H
#define SALVAGE_NET_NETCONF_H
#include <stddef.h>
#include <stdint.h>

#define NET_IFNAME_MAX 16       /* IFNAMSIZ, with the NUL */
#define NET_HOSTNAME_MAX 65     /* the kernel's 64, with the NUL */
#define NET_DNS_MAX 3
#define NET_IP4_TEXT 16         /* "255.255.255.255" + NUL */
#define NET_MAC_TEXT 18         /* "aa:bb:cc:dd:ee:ff" + NUL */

enum net_method { NET_OFF, NET_DHCP, NET_STATIC };

struct net_config {
	int method;                     /* NET_OFF, NET_DHCP, NET_STATIC */
	char ifname[NET_IFNAME_MAX];    /* "" with has_mac 0: any Ethernet */
	int has_mac;
	uint8_t mac[6];
	uint32_t addr;                  /* NET_STATIC */
	int prefix;                     /* NET_STATIC; with NET_DHCP 0 or an override */
	uint32_t gateway;               /* 0: none (DHCP: the lease's router) */
	uint32_t dns[NET_DNS_MAX];
	int ndns;
	unsigned mtu;                   /* 0: leave it (DHCP: the lease's) */
	char hostname[NET_HOSTNAME_MAX]; /* sent with DHCP requests when set */
};

/* What net_up configured. */
struct net_lease {
	char ifname[NET_IFNAME_MAX];
	int ifindex;
	uint8_t mac[6];
	uint32_t addr;
	int prefix;
	uint32_t router;                /* 0: none */
	uint32_t dns[NET_DNS_MAX];
	int ndns;
	unsigned mtu;                   /* the interface's, as set */
	uint32_t lease_s;               /* DHCP lease time; 0 for static */
	uint32_t server;                /* DHCP server id; 0 for static */
};

/* SPEC in either form above ("ip=" selects the kernel's) into *c, which is
 * left alone on error: 0 or -SALVAGE_E_NET_CONF_SYNTAX. */
int net_config_parse(struct net_config *c, const char *spec);

/* Dotted quad, exactly len bytes of s ("10.0.2.15"): 0 or -EINVAL. */
int net_ip4_parse(const char *s, size_t len, uint32_t *out);
char *net_ip4_text(char buf[NET_IP4_TEXT], uint32_t a);
#define NET_IP4(a) net_ip4_text((char[NET_IP4_TEXT]){0}, (a))
/* aa:bb:cc:dd:ee:ff, exactly len bytes: 0 or -EINVAL. */
int net_mac_parse(const char *s, size_t len, uint8_t mac[6]);
char *net_mac_text(char buf[NET_MAC_TEXT], const uint8_t mac[6]);
#define NET_MAC(m) net_mac_text((char[NET_MAC_TEXT]){0}, (m))
/* Is a a host's address: not 0/8, loopback, multicast or reserved
 * (RFC 1122 3.2.1.3, RFC 5771)? */
int net_ip4_unicast(uint32_t a);
/* The prefix of a's class (8, 16 or 24), for an address without a mask,
 * as the kernel assumes. */
int net_ip4_classful(uint32_t a);
/* Netmask <-> prefix length. net_prefix_of returns -1 when the mask's
 * ones are not contiguous. */
int net_prefix_of(uint32_t mask);
uint32_t net_prefix_mask(int prefix);

#endif
