/* A DHCPv4 client (RFC 2131; options RFC 2132) for an interface that has
 * no address yet: DISCOVER, OFFER, REQUEST, ACK, nothing more. No renewal
 * and no ARP probe of the leased address: the crash kernel holds the lease
 * for one dump and then reboots.
 *
 * It talks through an AF_PACKET socket and builds the IP and UDP headers
 * itself, as the kernel's own ipconfig does. A UDP socket would need the
 * kernel to accept broadcasts on an interface without an address, which
 * reverse-path filtering (rp_filter) refuses, and could not receive the
 * replies some servers send to the offered address despite the BROADCAST
 * flag. */
#ifndef SALVAGE_NET_DHCP_H
#define SALVAGE_NET_DHCP_H
#include <stddef.h>
#include <stdint.h>
#include "netconf.h"

/* Message types, option 53 (RFC 2132 9.6). */
enum { DHCP_DISCOVER = 1, DHCP_OFFER, DHCP_REQUEST, DHCP_DECLINE, DHCP_ACK,
       DHCP_NAK, DHCP_RELEASE, DHCP_INFORM };

/* What a server's reply says; a field the reply lacks is 0. */
struct net_dhcp_reply {
	int type;                       /* DHCP_OFFER, DHCP_ACK or DHCP_NAK */
	uint32_t addr;                  /* yiaddr: the address offered */
	uint32_t server;                /* option 54, server identifier */
	int prefix;                     /* option 1, subnet mask */
	uint32_t router;                /* option 3, the first router */
	uint32_t dns[NET_DNS_MAX];      /* option 6 */
	int ndns;
	unsigned mtu;                   /* option 26 (values below 68 dropped) */
	uint32_t lease_s;               /* option 51; 0xffffffff is forever */
};

/* Decodes the BOOTP message of a server's reply (a UDP payload).
 * Returns 0; -ENOMSG when it is well formed but not for this client (a
 * request, another xid or chaddr, a type other than OFFER/ACK/NAK); or
 * -SALVAGE_E_DHCP_BAD_REPLY when it is malformed: too short, no magic
 * cookie, an option running past its field, an OFFER without server
 * identifier or usable address. Options may sit in the file and sname
 * fields too (option 52, overload). Reads only within pkt[0, len). */
int net_dhcp_parse(const void *pkt, size_t len, uint32_t xid, const uint8_t mac[6],
                   struct net_dhcp_reply *out);

/* The UDP payload of an IPv4 packet (as a SOCK_DGRAM packet socket reads
 * it) for UDP port 68. 0, or -ENOMSG for anything else, a fragment or a
 * bad IP checksum; the UDP checksum is checked when udp_sum is set (it is
 * not yet computed on packets the host itself sent through an offloading
 * device, such as a veth peer). */
int net_dhcp_unwrap(const void *pkt, size_t len, int udp_sum,
                    const void **payload, size_t *payload_len);

/* Obtains a lease on interface ifindex (MAC mac), within timeout_ms.
 * hostname, when not NULL or "", goes in option 12. Retransmits with
 * exponential backoff (1 s, 2 s, 4 s ... 16 s, each +-25% at random);
 * a REQUEST unanswered four times starts over with a DISCOVER, and so does
 * a NAK. Fills out (all but ifname): 0, -SALVAGE_E_DHCP_NAK after three
 * NAKs, -SALVAGE_E_DHCP_NO_LEASE at the timeout, or -errno. Does not
 * configure the interface. */
int net_dhcp_lease(int ifindex, const uint8_t mac[6], const char *hostname,
                   int timeout_ms, struct net_lease *out);

#endif
