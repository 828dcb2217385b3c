#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/rtnetlink.h>
#include "../lib/clock.h"
#include "../lib/err.h"
#include "link.h"

#define RECV_TIMEOUT_S 3        /* the kernel answers at once; never hang */
#define RECHECK_MS 250

/* A request under construction: header, fixed part, attributes. */
struct req {
	struct nlmsghdr h;
	unsigned char room[128];
};

static int rtnl_socket(unsigned groups)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	struct timeval tv = { .tv_sec = RECV_TIMEOUT_S };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa)) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

int net_link_open(struct net_rtnl *nl)
{
	nl->seq = (uint32_t)clock_now_ms();
	nl->fd = rtnl_socket(0);
	return nl->fd < 0 ? nl->fd : 0;
}

void net_link_close(struct net_rtnl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

static void *start(struct req *q, int type, int flags, size_t fixed)
{
	memset(q, 0, sizeof *q);
	q->h.nlmsg_len = (uint32_t)NLMSG_LENGTH(fixed);
	q->h.nlmsg_type = (uint16_t)type;
	q->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	return NLMSG_DATA(&q->h);
}

static void attr(struct req *q, int type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)&q->h + NLMSG_ALIGN(q->h.nlmsg_len));

	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	q->h.nlmsg_len = NLMSG_ALIGN(q->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* One read of the socket into buf: its length, or -errno. Messages from
 * anyone but the kernel are dropped (length 0). */
static long receive(int fd, void *buf, size_t size, int flags)
{
	struct sockaddr_nl from;
	struct iovec iov = { buf, size };
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1 };
	long n;

	do
		n = recvmsg(fd, &m, flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -SALVAGE_E_TIMEOUT : -errno;
	if (m.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	return from.nl_pid ? 0 : n;
}

/* Sends q and reads the answer to its end: an ACK or error for a change,
 * NLMSG_DONE for a dump, whose messages go to each(). */
static int talk(struct net_rtnl *nl, struct req *q,
                void (*each)(struct nlmsghdr *, void *), void *arg)
{
	/* The kernel sizes dump messages to the reader's buffer, up to 32 KiB. */
	static char buf[32768] __attribute__((aligned(8)));
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	q->h.nlmsg_seq = ++nl->seq;
	if (sendto(nl->fd, q, q->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0)
		return -errno;
	for (;;) {
		long got = receive(nl->fd, buf, sizeof buf, 0);
		unsigned n = (unsigned)got;

		if (got < 0)
			return (int)got;
		for (struct nlmsghdr *m = (void *)buf; NLMSG_OK(m, n); m = NLMSG_NEXT(m, n)) {
			int *code = NLMSG_DATA(m);

			if (m->nlmsg_seq != q->h.nlmsg_seq)
				continue;
			if (m->nlmsg_type == NLMSG_ERROR || m->nlmsg_type == NLMSG_DONE)
				return m->nlmsg_len < NLMSG_LENGTH(sizeof *code) ? -EBADMSG
				       : *code > 0 ? -*code : *code;
			if (each)
				each(m, arg);
		}
	}
}

/* An RTM_NEWLINK message into *l; 0 or -1 when it is not one. */
static int link_of(struct nlmsghdr *m, struct net_link *l)
{
	struct ifinfomsg *ifi = NLMSG_DATA(m);
	int len = (int)m->nlmsg_len - (int)NLMSG_LENGTH(sizeof *ifi);

	if (m->nlmsg_type != RTM_NEWLINK || len < 0)
		return -1;
	memset(l, 0, sizeof *l);
	l->index = ifi->ifi_index;
	l->type = ifi->ifi_type;
	l->flags = ifi->ifi_flags;
	for (struct rtattr *a = (struct rtattr *)((char *)ifi + NLMSG_ALIGN(sizeof *ifi));
	     RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		size_t n = RTA_PAYLOAD(a);

		if (a->rta_type == IFLA_IFNAME && n > 0 && n <= NET_IFNAME_MAX)
			memcpy(l->name, RTA_DATA(a), n), l->name[n - 1] = 0;
		else if (a->rta_type == IFLA_ADDRESS && n == 6)
			memcpy(l->mac, RTA_DATA(a), 6);
		else if (a->rta_type == IFLA_MTU && n == 4)
			memcpy(&l->mtu, RTA_DATA(a), 4);
	}
	return 0;
}

struct list {
	struct net_link *links;
	int n, max;
};

static void add_link(struct nlmsghdr *m, void *arg)
{
	struct list *li = arg;

	if (li->n < li->max && !link_of(m, &li->links[li->n]))
		li->n++;
}

int net_link_list(struct net_rtnl *nl, struct net_link *links, int max)
{
	struct list li = { links, 0, max };
	struct req q;
	struct ifinfomsg *ifi = start(&q, RTM_GETLINK, NLM_F_DUMP, sizeof *ifi);
	int r;

	ifi->ifi_family = AF_UNSPEC;
	r = talk(nl, &q, add_link, &li);
	return r ? r : li.n;
}

int net_link_ethernet(const struct net_link *l)
{
	return l->type == ARPHRD_ETHER && !(l->flags & IFF_LOOPBACK);
}

static int match(const struct net_link *l, const char *name, const uint8_t *mac)
{
	if (name && *name)
		return !strcmp(l->name, name);
	if (mac)
		return net_link_ethernet(l) && !memcmp(l->mac, mac, 6);
	return net_link_ethernet(l);
}

int net_link_find(struct net_rtnl *nl, const char *name, const uint8_t *mac,
                  struct net_link *out)
{
	struct net_link links[NET_LINK_MAX];
	int n = net_link_list(nl, links, NET_LINK_MAX);

	for (int i = 0; i < n; i++)
		if (match(&links[i], name, mac)) {
			*out = links[i];
			return 0;
		}
	return n < 0 ? n : -SALVAGE_E_NET_NO_IFACE;
}

int net_link_ready(const struct net_link *l)
{
	unsigned want = IFF_UP | IFF_RUNNING | IFF_LOWER_UP;

	return (l->flags & want) == want;
}

static int set_link(struct net_rtnl *nl, int index, unsigned flags, unsigned mtu)
{
	struct req q;
	struct ifinfomsg *ifi = start(&q, RTM_NEWLINK, NLM_F_ACK, sizeof *ifi);

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	ifi->ifi_flags = flags;
	ifi->ifi_change = flags;
	if (mtu)
		attr(&q, IFLA_MTU, &mtu, sizeof mtu);
	return talk(nl, &q, NULL, NULL);
}

int net_link_up(struct net_rtnl *nl, int index)
{
	return set_link(nl, index, IFF_UP, 0);
}

int net_link_mtu(struct net_rtnl *nl, int index, unsigned mtu)
{
	return set_link(nl, index, 0, mtu);
}

/* Is l, or (l->index 0) any Ethernet interface that is up, ready now?
 * 1 (and *l refreshed), 0, or an error. */
static int ready_now(struct net_rtnl *nl, struct net_link *l)
{
	struct net_link links[NET_LINK_MAX];
	int n = net_link_list(nl, links, NET_LINK_MAX), seen = 0;

	for (int i = 0; i < n; i++) {
		struct net_link *c = &links[i];

		if (l->index ? c->index != l->index : !net_link_ethernet(c) || !(c->flags & IFF_UP))
			continue;
		seen = 1;
		if (net_link_ready(c)) {
			*l = *c;
			return 1;
		}
	}
	if (n < 0)
		return n;
	return l->index && !seen ? -SALVAGE_E_NET_NO_IFACE : 0;
}

/* Sleeps until a link notification or ms pass, then drains the socket. */
static void pause_for_news(int fd, int ms)
{
	static char buf[8192] __attribute__((aligned(8)));
	struct pollfd p = { fd, POLLIN, 0 };

	if (fd < 0) {
		poll(NULL, 0, ms);
		return;
	}
	if (poll(&p, 1, ms) <= 0)
		return;
	/* Contents do not matter: ready_now() asks again. An overrun
	 * (ENOBUFS) only means news were lost, so the same. */
	for (long r = 0; r >= 0 || r == -ENOBUFS;)
		r = receive(fd, buf, sizeof buf, MSG_DONTWAIT);
}

int net_link_wait(struct net_rtnl *nl, struct net_link *l, int timeout_ms)
{
	long long deadline = clock_now_ms() + timeout_ms;
	/* Subscribed before the first look, so no change falls in between;
	 * without it, the periodic look still works. */
	int watch = rtnl_socket(RTMGRP_LINK), r;

	while (!(r = ready_now(nl, l))) {
		long long left = deadline - clock_now_ms();

		if (left <= 0) {
			r = -SALVAGE_E_NET_NO_CARRIER;
			break;
		}
		pause_for_news(watch, left < RECHECK_MS ? (int)left : RECHECK_MS);
	}
	if (watch >= 0)
		close(watch);
	return r < 0 ? r : 0;
}

int net_link_addr_add(struct net_rtnl *nl, int index, uint32_t addr, int prefix)
{
	struct req q;
	struct ifaddrmsg *ifa = start(&q, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, sizeof *ifa);
	uint32_t brd = addr | ~net_prefix_mask(prefix);

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)index;
	attr(&q, IFA_LOCAL, &addr, 4);
	attr(&q, IFA_ADDRESS, &addr, 4);
	if (prefix < 31)
		attr(&q, IFA_BROADCAST, &brd, 4);
	return talk(nl, &q, NULL, NULL);
}

int net_link_route_add(struct net_rtnl *nl, int index, uint32_t gw,
                       uint32_t addr, int prefix)
{
	struct req q;
	struct rtmsg *rt = start(&q, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, sizeof *rt);
	uint32_t oif = (uint32_t)index, mask = net_prefix_mask(prefix);

	rt->rtm_family = AF_INET;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	if ((gw & mask) != (addr & mask))
		rt->rtm_flags = RTNH_F_ONLINK;
	attr(&q, RTA_GATEWAY, &gw, 4);
	attr(&q, RTA_OIF, &oif, 4);
	return talk(nl, &q, NULL, NULL);
}
