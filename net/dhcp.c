#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include "../lib/clock.h"
#include "../lib/err.h"
#include "../lib/log.h"
#include "dhcp.h"

#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004
#endif

#define BAD (-SALVAGE_E_DHCP_BAD_REPLY)

/* The BOOTP message, RFC 2131 section 2, figure 1: byte offsets. */
enum {
	B_OP = 0, B_HTYPE = 1, B_HLEN = 2, B_XID = 4, B_SECS = 8, B_FLAGS = 10,
	B_YIADDR = 16, B_CHADDR = 28, B_SNAME = 44, B_FILE = 108, B_COOKIE = 236,
	B_OPTIONS = 240,
	B_SNAME_LEN = 64, B_FILE_LEN = 128,
	B_MIN = 300,            /* shortest message relays take (RFC 1542 2.1) */
};
#define BOOTREQUEST 1
#define BOOTREPLY 2
#define HTYPE_ETHER 1
#define FLAG_BROADCAST 0x8000   /* RFC 2131 figure 2 */
#define COOKIE 0x63825363u      /* 99.130.83.99, RFC 2131 section 3 */
#define PORT_SERVER 67
#define PORT_CLIENT 68

/* Option codes, RFC 2132. */
enum {
	O_PAD = 0, O_MASK = 1, O_ROUTER = 3, O_DNS = 6, O_HOSTNAME = 12,
	O_MTU = 26, O_REQ_ADDR = 50, O_LEASE = 51, O_OVERLOAD = 52, O_TYPE = 53,
	O_SERVER = 54, O_PARAMS = 55, O_END = 255,
};

#define IP_UDP_HDR 28           /* IPv4 header without options + UDP header */
#define BACKOFF_MAX_MS 16000
#define REQUEST_TRIES 4
#define NAK_MAX 3

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* --- replies: pure functions of their bytes */

/* The first valid instance of each option counts. */
static void option(struct net_dhcp_reply *r, int *overload, int code, const uint8_t *v, size_t n)
{
	uint32_t mask;

	if (code == O_TYPE && n == 1 && !r->type)
		r->type = v[0];
	else if (code == O_SERVER && n == 4 && !r->server)
		memcpy(&r->server, v, 4);
	else if (code == O_MASK && n == 4 && !r->prefix) {
		memcpy(&mask, v, 4);
		r->prefix = net_prefix_of(mask) > 0 ? net_prefix_of(mask) : 0;
	} else if (code == O_ROUTER && n >= 4 && n % 4 == 0 && !r->router)
		memcpy(&r->router, v, 4);
	else if (code == O_DNS && n >= 4 && n % 4 == 0 && !r->ndns)
		for (size_t i = 0; i < n && r->ndns < NET_DNS_MAX; i += 4)
			memcpy(&r->dns[r->ndns++], v + i, 4);
	else if (code == O_MTU && n == 2 && !r->mtu)
		r->mtu = be16(v) >= 68 ? be16(v) : 0;
	else if (code == O_LEASE && n == 4 && !r->lease_s)
		r->lease_s = be32(v);
	else if (code == O_OVERLOAD && n == 1 && overload)
		*overload = v[0];
}

/* The options in one field: code, length, value; pad and end have no
 * length (RFC 2132 section 2). A field may end without an end option. */
static int options(const uint8_t *p, size_t len, struct net_dhcp_reply *r, int *overload)
{
	size_t i = 0;

	while (i < len && p[i] != O_END) {
		if (p[i] == O_PAD) {
			i++;
			continue;
		}
		if (len - i < 2 || len - i - 2 < p[i + 1])
			return BAD;
		option(r, overload, p[i], p + i + 2, p[i + 1]);
		i += 2 + (size_t)p[i + 1];
	}
	return 0;
}

int net_dhcp_parse(const void *pkt, size_t len, uint32_t xid, const uint8_t mac[6],
                   struct net_dhcp_reply *out)
{
	const uint8_t *p = pkt;
	struct net_dhcp_reply r = { 0 };
	int overload = 0, e;

	if (len < B_OPTIONS)
		return BAD;
	if (p[B_OP] != BOOTREPLY || p[B_HTYPE] != HTYPE_ETHER || p[B_HLEN] != 6 ||
	    be32(p + B_XID) != xid || memcmp(p + B_CHADDR, mac, 6))
		return -ENOMSG;
	if (be32(p + B_COOKIE) != COOKIE)
		return BAD;
	/* RFC 2131 section 4.1: options, then file, then sname. */
	if ((e = options(p + B_OPTIONS, len - B_OPTIONS, &r, &overload)) ||
	    (overload & 1 && (e = options(p + B_FILE, B_FILE_LEN, &r, NULL))) ||
	    (overload & 2 && (e = options(p + B_SNAME, B_SNAME_LEN, &r, NULL))))
		return e;
	memcpy(&r.addr, p + B_YIADDR, 4);
	if (r.type != DHCP_OFFER && r.type != DHCP_ACK && r.type != DHCP_NAK)
		return -ENOMSG;
	if (r.type != DHCP_NAK && !net_ip4_unicast(r.addr))
		return BAD;
	if (r.type == DHCP_OFFER && !r.server)
		return BAD;
	*out = r;
	return 0;
}

/* Internet checksum (RFC 1071): the ones' complement sum, before the
 * final complement. */
static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		acc += be16(p);
	if (n)
		acc += (uint32_t)p[0] << 8;
	return acc;
}

static unsigned fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return acc;
}

/* The UDP pseudo-header's share: addresses, protocol, UDP length. */
static uint32_t pseudo(const uint8_t *ip, size_t udp_len)
{
	return sum16(0, ip + 12, 8) + IPPROTO_UDP + (uint32_t)udp_len;
}

int net_dhcp_unwrap(const void *pkt, size_t len, int udp_sum,
                    const void **payload, size_t *payload_len)
{
	const uint8_t *p = pkt, *u;
	size_t ihl, total, ulen;

	if (len < 20 || p[0] >> 4 != 4)
		return -ENOMSG;
	ihl = (size_t)(p[0] & 15) * 4;
	total = be16(p + 2);
	/* Ethernet pads short frames: the IP length, not len, ends it. */
	if (ihl < 20 || total < ihl + 8 || total > len || be16(p + 6) & 0x3fff ||
	    p[9] != IPPROTO_UDP || fold(sum16(0, p, ihl)) != 0xffff)
		return -ENOMSG;
	u = p + ihl;
	ulen = be16(u + 4);
	if (be16(u + 2) != PORT_CLIENT || ulen < 8 || ulen > total - ihl)
		return -ENOMSG;
	if (udp_sum && be16(u + 6) && fold(sum16(pseudo(p, ulen), u, ulen)) != 0xffff)
		return -ENOMSG;
	*payload = u + 8;
	*payload_len = ulen - 8;
	return 0;
}

/* --- the client */

struct client {
	int fd, ifindex;
	uint8_t mac[6];
	const char *hostname;
	uint32_t xid, counter;
	unsigned secs;
	uint32_t offered, server;       /* the OFFER being requested */
	long long start;
};

/* For xid and jitter: unpredictable when the kernel can say, and at least
 * different between machines (MAC) and tries when it cannot yet, early in
 * a crash kernel. Never blocks. */
static uint32_t random32(struct client *c)
{
	struct timespec t;
	uint32_t v;

	if (getrandom(&v, sizeof v, GRND_INSECURE) == sizeof v ||
	    getrandom(&v, sizeof v, GRND_NONBLOCK) == sizeof v)
		return v;
	clock_gettime(CLOCK_MONOTONIC, &t);
	v = (uint32_t)t.tv_nsec ^ be32(c->mac + 2) ^ ++c->counter * 2654435761u;
	return v ^ v >> 15;
}

/* base * 2^tries, capped, +-25%. */
static long long backoff_ms(struct client *c, int tries)
{
	long long base = tries < 4 ? 1000LL << tries : BACKOFF_MAX_MS;

	return base * 3 / 4 + random32(c) % (uint32_t)(base / 2 + 1);
}

static uint8_t *put_option(uint8_t *o, int code, const void *v, size_t n)
{
	*o++ = (uint8_t)code;
	*o++ = (uint8_t)n;
	memcpy(o, v, n);
	return o + n;
}

/* A DISCOVER or REQUEST (selecting state, RFC 2131 4.4.1, table 5) into
 * b, zeroed and of at least B_MIN + 128 bytes; returns its length. */
static size_t message(const struct client *c, int type, uint8_t *b)
{
	static const uint8_t params[] = { O_MASK, O_ROUTER, O_DNS, O_MTU, O_LEASE, O_SERVER };
	uint8_t t = (uint8_t)type, *o = b + B_OPTIONS;
	size_t hn = c->hostname ? strlen(c->hostname) : 0;

	b[B_OP] = BOOTREQUEST;
	b[B_HTYPE] = HTYPE_ETHER;
	b[B_HLEN] = 6;
	put32(b + B_XID, c->xid);
	put16(b + B_SECS, c->secs);
	put16(b + B_FLAGS, FLAG_BROADCAST);
	memcpy(b + B_CHADDR, c->mac, 6);
	put32(b + B_COOKIE, COOKIE);
	o = put_option(o, O_TYPE, &t, 1);
	if (type == DHCP_REQUEST) {
		o = put_option(o, O_REQ_ADDR, &c->offered, 4);
		o = put_option(o, O_SERVER, &c->server, 4);
	}
	if (hn && hn < NET_HOSTNAME_MAX)
		o = put_option(o, O_HOSTNAME, c->hostname, hn);
	o = put_option(o, O_PARAMS, params, sizeof params);
	*o++ = O_END;
	return (size_t)(o - b) < B_MIN ? B_MIN : (size_t)(o - b);
}

/* IPv4 and UDP headers in front of the len bytes at pkt + IP_UDP_HDR:
 * from 0.0.0.0:68 to 255.255.255.255:67 (RFC 2131 4.1). */
static void headers(uint8_t *pkt, size_t len)
{
	uint8_t *ip = pkt, *udp = pkt + 20;
	size_t ulen = 8 + len;

	ip[0] = 0x45;
	put16(ip + 2, (unsigned)(20 + ulen));
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	put32(ip + 16, 0xffffffffu);
	put16(ip + 10, ~fold(sum16(0, ip, 20)) & 0xffff);
	put16(udp, PORT_CLIENT);
	put16(udp + 2, PORT_SERVER);
	put16(udp + 4, (unsigned)ulen);
	/* An all-zero sum means "none"; a real one of zero is sent as ones. */
	put16(udp + 6, (~fold(sum16(pseudo(ip, ulen), udp, ulen)) & 0xffff) ?: 0xffff);
}

static int send_message(struct client *c, int type)
{
	uint8_t pkt[IP_UDP_HDR + B_MIN + 128] = { 0 };
	size_t n = message(c, type, pkt + IP_UDP_HDR);
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = c->ifindex, .sll_halen = 6,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};

	headers(pkt, n);
	if (sendto(c->fd, pkt, IP_UDP_HDR + n, 0, (struct sockaddr *)&to, sizeof to) >= 0)
		return 0;
	/* A link that drops for a moment: the next try may go out. */
	return errno == ENETDOWN || errno == ENOBUFS || errno == EAGAIN || errno == EINTR ? 0 : -errno;
}

/* One packet from the socket: 1 and *r when it is a reply for c, 0 when
 * it is something else, -EAGAIN when none is waiting, or -errno. */
static int take(struct client *c, struct net_dhcp_reply *r)
{
	uint8_t buf[2048];
	union {
		struct cmsghdr h;
		char room[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct sockaddr_ll from;
	struct iovec iov = { buf, sizeof buf };
	struct msghdr m = {
		.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov,
		.msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = sizeof ctl,
	};
	long n = recvmsg(c->fd, &m, MSG_DONTWAIT);
	const void *payload;
	size_t len;
	int udp_sum = 1;

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (m.msg_flags & MSG_TRUNC || from.sll_pkttype == PACKET_OUTGOING)
		return 0;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
		struct tpacket_auxdata aux;

		if (h->cmsg_level != SOL_PACKET || h->cmsg_type != PACKET_AUXDATA)
			continue;
		memcpy(&aux, CMSG_DATA(h), sizeof aux);
		if (aux.tp_status & TP_STATUS_CSUMNOTREADY)
			udp_sum = 0;
	}
	return !net_dhcp_unwrap(buf, (size_t)n, udp_sum, &payload, &len) &&
	       !net_dhcp_parse(payload, len, c->xid, c->mac, r);
}

/* Waits up to ms for a reply for c: 1 and *r, 0 at the time, or -errno. */
static int wait_reply(struct client *c, long long ms, struct net_dhcp_reply *r)
{
	struct pollfd p = { c->fd, POLLIN, 0 };
	int got;

	if (poll(&p, 1, ms > 0 ? (int)ms : 0) < 0)
		return errno == EINTR ? 0 : -errno;
	/* at most a batch per wake-up: a flood of other IPv4 traffic must
	 * not hold us past the deadline */
	for (int i = 0; i < 256 && !(got = take(c, r)); i++)
		;
	if (got == -ENETDOWN || got == -ENOBUFS || got == -ENXIO) {
		/* the link bounced: keep going until the deadline, without
		 * spinning on the error */
		usleep(100000);
		return 0;
	}
	return got == -EAGAIN || !got ? 0 : got;
}

static int packet_socket(int ifindex)
{
	/* Protocol 0 receives nothing until bound to the interface. */
	struct sockaddr_ll sa = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = ifindex,
	};
	int one = 1, fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa)) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* A router a default route can use: a unicast host, not ourselves, and
 * (if on our subnet) not its network or broadcast address. */
static int router_ok(uint32_t router, uint32_t addr, int prefix)
{
	uint32_t mask = net_prefix_mask(prefix), hostbits = ~ntohl(mask), h = ntohl(router) & hostbits;

	if (!net_ip4_unicast(router) || router == addr)
		return 0;
	if ((router & mask) == (addr & mask) && prefix <= 30 && (!h || h == hostbits))
		return 0;
	return 1;
}

static void fill(struct net_lease *out, const struct client *c, const struct net_dhcp_reply *r)
{
	memset(out, 0, sizeof *out);
	out->ifindex = c->ifindex;
	memcpy(out->mac, c->mac, 6);
	out->addr = r->addr;
	out->prefix = r->prefix ? r->prefix : net_ip4_classful(r->addr);
	out->router = r->router;
	if (out->router && !router_ok(out->router, out->addr, out->prefix)) {
		log_warn("DHCP router ", NET_IP4(out->router), " is not a host of ", NET_IP4(out->addr), "/",
		         U64((uint64_t)out->prefix), "'s reach; no default route");
		out->router = 0;
	}
	memcpy(out->dns, r->dns, sizeof out->dns);
	out->ndns = r->ndns;
	out->mtu = r->mtu;
	out->lease_s = r->lease_s;
	out->server = r->server ? r->server : c->server;
}

/* Selecting (DISCOVER until an OFFER) and requesting (REQUEST until an
 * ACK or NAK), RFC 2131 figure 5, until the deadline. */
static int run(struct client *c, long long deadline, struct net_lease *out)
{
	struct net_dhcp_reply r;
	int type = DHCP_DISCOVER, tries = 0, naks = 0, got;
	long long next = 0, now;

	while ((now = clock_now_ms()) < deadline) {
		if (now >= next) {
			if (type == DHCP_REQUEST && tries == REQUEST_TRIES)
				type = DHCP_DISCOVER, tries = 0;
			if (type == DHCP_DISCOVER && tries == 0)
				c->xid = random32(c);
			if (type == DHCP_DISCOVER) {
				long long s = (now - c->start) / 1000;
				c->secs = s > 0xffff ? 0xffff : (unsigned)s;
			}
			if ((got = send_message(c, type)))
				return got;
			next = now + backoff_ms(c, tries++);
		}
		if ((got = wait_reply(c, (next < deadline ? next : deadline) - now, &r)) < 0)
			return got;
		if (!got)
			continue;
		if (type == DHCP_DISCOVER && r.type == DHCP_OFFER) {
			c->offered = r.addr;
			c->server = r.server;
			type = DHCP_REQUEST, tries = 0, next = 0;
		} else if (type == DHCP_REQUEST && (!r.server || r.server == c->server)) {
			if (r.type == DHCP_ACK) {
				fill(out, c, &r);
				return 0;
			}
			if (r.type == DHCP_NAK && ++naks == NAK_MAX)
				return -SALVAGE_E_DHCP_NAK;
			if (r.type == DHCP_NAK)
				type = DHCP_DISCOVER, tries = 0, next = 0;
		}
	}
	return -SALVAGE_E_DHCP_NO_LEASE;
}

int net_dhcp_lease(int ifindex, const uint8_t mac[6], const char *hostname,
                   int timeout_ms, struct net_lease *out)
{
	struct client c = { .ifindex = ifindex, .hostname = hostname };
	int r;

	memcpy(c.mac, mac, 6);
	c.start = clock_now_ms();
	if ((c.fd = packet_socket(ifindex)) < 0)
		return c.fd;
	r = run(&c, c.start + timeout_ms, out);
	close(c.fd);
	return r;
}
