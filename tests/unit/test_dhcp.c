#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include "../../lib/err.h"
#include "../../net/dhcp.h"
#include "check.h"

#define BAD (-SALVAGE_E_DHCP_BAD_REPLY)
#define XID 0x01020304u
static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static uint32_t ip(const char *s)
{
	uint32_t a = 0;

	net_ip4_parse(s, strlen(s), &a);
	return a;
}

/* A BOOTREPLY to XID and mac, yiaddr 10.0.2.15, with these option bytes
 * (after the magic cookie). */
static size_t reply(uint8_t *b, const char *opts, size_t n)
{
	memset(b, 0, 240 + n);
	memcpy(b, "\2\1\6\0\1\2\3\4", 8);
	memcpy(b + 16, "\12\0\2\17", 4);
	memcpy(b + 28, mac, 6);
	memcpy(b + 236, "\143\202\123\143", 4);
	memcpy(b + 240, opts, n);
	return 240 + n;
}
#define REPLY(b, lit) reply(b, lit, sizeof lit - 1)

#define OFFER_OPTS "\65\1\2" "\66\4\12\0\2\2" "\1\4\377\377\377\0" "\3\10\12\0\2\2\12\0\2\1" \
	"\6\4\12\0\2\3" "\32\2\5\170" "\63\4\0\1\121\200" "\377"

TEST(dhcp_parse_offer)
{
	uint8_t b[600];
	struct net_dhcp_reply r;
	size_t n = REPLY(b, OFFER_OPTS);

	CHECK_INT(0, net_dhcp_parse(b, n, XID, mac, &r));
	CHECK_INT(DHCP_OFFER, r.type);
	CHECK_INT(ip("10.0.2.15"), r.addr);
	CHECK_INT(ip("10.0.2.2"), r.server);
	CHECK_INT(24, r.prefix);
	CHECK_INT(ip("10.0.2.2"), r.router);
	CHECK_INT(1, r.ndns);
	CHECK_INT(ip("10.0.2.3"), r.dns[0]);
	CHECK_INT(1400, r.mtu);
	CHECK_INT(86400, r.lease_s);
	/* Padding before and between options; an option after END is not read. */
	n = REPLY(b, "\0\0\65\1\5\0\63\4\0\0\0\74\377\1\4\377\0\0\0");
	CHECK_INT(0, net_dhcp_parse(b, n, XID, mac, &r));
	CHECK_INT(DHCP_ACK, r.type);
	CHECK_INT(60, r.lease_s);
	CHECK_INT(0, r.prefix);
	CHECK_INT(0, r.server);
	/* A field may end without END */
	n = REPLY(b, "\65\1\5\32\2\5\334");
	CHECK_INT(0, net_dhcp_parse(b, n, XID, mac, &r));
	CHECK_INT(1500, r.mtu);
}

TEST(dhcp_parse_not_for_us)
{
	uint8_t b[600], other[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x57 };
	struct net_dhcp_reply r;
	size_t n = REPLY(b, OFFER_OPTS);

	CHECK_INT(-ENOMSG, net_dhcp_parse(b, n, XID + 1, mac, &r));
	CHECK_INT(-ENOMSG, net_dhcp_parse(b, n, XID, other, &r));
	b[0] = 1; /* a BOOTREQUEST: another client's */
	CHECK_INT(-ENOMSG, net_dhcp_parse(b, n, XID, mac, &r));
	n = REPLY(b, "\66\4\12\0\2\2\377"); /* plain BOOTP: no type */
	CHECK_INT(-ENOMSG, net_dhcp_parse(b, n, XID, mac, &r));
	n = REPLY(b, "\65\1\1\66\4\12\0\2\2\377"); /* a DISCOVER */
	CHECK_INT(-ENOMSG, net_dhcp_parse(b, n, XID, mac, &r));
	n = REPLY(b, "\65\1\10\377"); /* DHCPINFORM */
	CHECK_INT(-ENOMSG, net_dhcp_parse(b, n, XID, mac, &r));
	b[2] = 8; /* hlen */
	CHECK_INT(-ENOMSG, net_dhcp_parse(b, n, XID, mac, &r));
}

TEST(dhcp_parse_malformed)
{
	uint8_t b[600];
	struct net_dhcp_reply r = { .type = 77 };
	size_t n = REPLY(b, OFFER_OPTS);

	CHECK_INT(BAD, net_dhcp_parse(b, 239, XID, mac, &r));
	CHECK_INT(BAD, net_dhcp_parse(b, 0, XID, mac, &r));
	b[236] = 0x64; /* cookie */
	CHECK_INT(BAD, net_dhcp_parse(b, n, XID, mac, &r));
	/* option value past the end; length byte past the end */
	n = REPLY(b, "\65\1\2\66\4\12\0\2");
	CHECK_INT(BAD, net_dhcp_parse(b, n, XID, mac, &r));
	n = REPLY(b, "\65\1\2\66");
	CHECK_INT(BAD, net_dhcp_parse(b, n, XID, mac, &r));
	n = REPLY(b, "\65\1\2\66\4\12\0\2\2\377");
	CHECK_INT(0, net_dhcp_parse(b, n, XID, mac, &r));
	CHECK_INT(BAD, net_dhcp_parse(b, n - 2, XID, mac, &r));
	/* an OFFER needs a server id and an address */
	n = REPLY(b, "\65\1\2\377");
	CHECK_INT(BAD, net_dhcp_parse(b, n, XID, mac, &r));
	n = REPLY(b, "\65\1\2\66\4\12\0\2\2\377");
	memset(b + 16, 0, 4);
	CHECK_INT(BAD, net_dhcp_parse(b, n, XID, mac, &r));
	memcpy(b + 16, "\340\0\0\1", 4); /* multicast */
	CHECK_INT(BAD, net_dhcp_parse(b, n, XID, mac, &r));
	CHECK_INT(DHCP_OFFER, r.type); /* the good parse above; failures leave r */
	/* a NAK has no address */
	n = REPLY(b, "\65\1\6\66\4\12\0\2\2\377");
	memset(b + 16, 0, 4);
	CHECK_INT(0, net_dhcp_parse(b, n, XID, mac, &r));
	CHECK_INT(DHCP_NAK, r.type);
	CHECK_INT(ip("10.0.2.2"), r.server);
}

TEST(dhcp_parse_odd_options)
{
	uint8_t b[600];
	struct net_dhcp_reply r;
	size_t n;

	/* the first valid instance counts; bad lengths and values are skipped */
	n = REPLY(b, "\65\1\5\65\1\6" "\1\4\377\0\377\0" "\1\4\377\377\0\0" "\3\6\1\2\3\4\5\6"
	             "\32\2\0\103" "\6\24\1\1\1\1\2\2\2\2\3\3\3\3\4\4\4\4\5\5\5\5" "\63\2\0\1" "\377");
	CHECK_INT(0, net_dhcp_parse(b, n, XID, mac, &r));
	CHECK_INT(DHCP_ACK, r.type);
	CHECK_INT(16, r.prefix);  /* 255.0.255.0 is no mask: the second one counts */
	CHECK_INT(0, r.router);   /* length 6 */
	CHECK_INT(0, r.mtu);      /* 67 < 68 */
	CHECK_INT(3, r.ndns);
	CHECK_INT(ip("3.3.3.3"), r.dns[2]);
	CHECK_INT(0, r.lease_s);
}

TEST(dhcp_parse_overload)
{
	uint8_t b[600];
	struct net_dhcp_reply r;
	size_t n = REPLY(b, "\65\1\5\64\1\3\377");

	memcpy(b + 108, "\1\4\377\377\0\0\377", 7);      /* file: first */
	memcpy(b + 44, "\1\4\377\0\0\0\3\4\12\0\0\1", 12); /* sname, no END */
	CHECK_INT(0, net_dhcp_parse(b, n, XID, mac, &r));
	CHECK_INT(16, r.prefix);
	CHECK_INT(ip("10.0.0.1"), r.router);
	/* without option 52 those fields are names, not options */
	n = REPLY(b, "\65\1\5\377");
	memcpy(b + 108, "\1\4\377\377\0\0\377", 7);
	CHECK_INT(0, net_dhcp_parse(b, n, XID, mac, &r));
	CHECK_INT(0, r.prefix);
	/* an option running out of the sname field */
	n = REPLY(b, "\65\1\5\64\1\2\377");
	memcpy(b + 44 + 60, "\6\10\1\1", 4);
	CHECK_INT(BAD, net_dhcp_parse(b, n, XID, mac, &r));
}

/* A DHCPACK dnsmasq 2.90 sent, as the client's packet socket read it:
 * 10.9.0.58/24, router 10.9.0.1, dns 10.9.0.53 and .54, mtu 1400, lease 1 h,
 * T1, T2, broadcast. The UDP checksum is completed (the veth left it
 * partial). */
static const uint8_t ack[] = {
#include "dhcp_ack.inc"
};
#define ACK_XID 0xfba3a4c0u

TEST(dhcp_dnsmasq_ack)
{
	uint8_t p[sizeof ack + 4];
	const void *payload;
	size_t len;
	struct net_dhcp_reply r;

	CHECK_INT(0, net_dhcp_unwrap(ack, sizeof ack, 1, &payload, &len));
	CHECK_INT(300, len);
	CHECK_INT(0, net_dhcp_parse(payload, len, ACK_XID, mac, &r));
	CHECK_INT(DHCP_ACK, r.type);
	CHECK_INT(ip("10.9.0.58"), r.addr);
	CHECK_INT(ip("10.9.0.1"), r.server);
	CHECK_INT(24, r.prefix);
	CHECK_INT(ip("10.9.0.1"), r.router);
	CHECK_INT(2, r.ndns);
	CHECK_INT(ip("10.9.0.54"), r.dns[1]);
	CHECK_INT(1400, r.mtu);
	CHECK_INT(3600, r.lease_s);
	/* Ethernet padding after the IP length is not part of it */
	memcpy(p, ack, sizeof ack);
	memset(p + sizeof ack, 0xee, 4);
	CHECK_INT(0, net_dhcp_unwrap(p, sizeof p, 1, &payload, &len));
	CHECK_INT(300, len);
}

TEST(dhcp_unwrap_rejects)
{
	uint8_t p[sizeof ack];
	const void *payload;
	size_t len;

	memcpy(p, ack, sizeof p);
	p[300] ^= 1; /* payload: only the UDP checksum notices */
	CHECK_INT(-ENOMSG, net_dhcp_unwrap(p, sizeof p, 1, &payload, &len));
	CHECK_INT(0, net_dhcp_unwrap(p, sizeof p, 0, &payload, &len));
	memcpy(p, ack, sizeof p);
	p[26] = p[27] = 0; /* no UDP checksum at all: allowed */
	p[300] ^= 1;
	CHECK_INT(0, net_dhcp_unwrap(p, sizeof p, 1, &payload, &len));
	memcpy(p, ack, sizeof p);
	p[8] = 63; /* TTL: the IP header checksum */
	CHECK_INT(-ENOMSG, net_dhcp_unwrap(p, sizeof p, 0, &payload, &len));
	CHECK_INT(-ENOMSG, net_dhcp_unwrap(ack, sizeof ack - 1, 0, &payload, &len));
	CHECK_INT(-ENOMSG, net_dhcp_unwrap(ack, 19, 0, &payload, &len));
	memcpy(p, ack, sizeof p);
	p[23] = 67; /* to the server port */
	CHECK_INT(-ENOMSG, net_dhcp_unwrap(p, sizeof p, 0, &payload, &len));
	memcpy(p, ack, sizeof p);
	p[24] = 2; /* UDP length beyond the IP packet */
	CHECK_INT(-ENOMSG, net_dhcp_unwrap(p, sizeof p, 0, &payload, &len));
	memcpy(p, ack, sizeof p);
	p[6] = 0x20; /* more fragments (the IP checksum then fails too: fix it) */
	p[10] = 0x66;
	CHECK_INT(-ENOMSG, net_dhcp_unwrap(p, sizeof p, 0, &payload, &len));
	p[6] = 0; /* and the fixed checksum was wrong without the flag */
	CHECK_INT(-ENOMSG, net_dhcp_unwrap(p, sizeof p, 0, &payload, &len));
	memcpy(p, ack, sizeof p);
	p[0] = 0x65; /* IPv6 version nibble */
	CHECK_INT(-ENOMSG, net_dhcp_unwrap(p, sizeof p, 0, &payload, &len));
}
