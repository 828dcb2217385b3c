#include <string.h>
#include <time.h>
#include "../lib/clock.h"
#include "../lib/err.h"
#include "../lib/log.h"
#include "dhcp.h"
#include "link.h"
#include "up.h"

/* Milliseconds left before deadline, never negative. */
static int left(long long deadline)
{
	long long ms = deadline - clock_now_ms();

	return ms > 0 ? (int)ms : 0;
}

/* "1.2" (seconds) from a duration in ms. */
static char *seconds(char buf[24], long long ms)
{
	size_t n;

	fmt_u64(buf, (uint64_t)(ms / 1000));
	n = strlen(buf);
	buf[n] = '.';
	buf[n + 1] = (char)('0' + ms / 100 % 10);
	buf[n + 2] = 0;
	return buf;
}
#define SECONDS(ms) seconds((char[24]){0}, (ms))

static void append(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf);

	while (*s && n + 1 < size)
		buf[n++] = *s++;
	buf[n] = 0;
}

char *net_lease_text(char buf[NET_LEASE_TEXT], const struct net_lease *l)
{
	buf[0] = 0;
	append(buf, NET_LEASE_TEXT, NET_IP4(l->addr));
	append(buf, NET_LEASE_TEXT, "/");
	append(buf, NET_LEASE_TEXT, U64((unsigned)l->prefix));
	if (l->router) {
		append(buf, NET_LEASE_TEXT, " router ");
		append(buf, NET_LEASE_TEXT, NET_IP4(l->router));
	}
	for (int i = 0; i < l->ndns; i++) {
		append(buf, NET_LEASE_TEXT, i ? "," : " dns ");
		append(buf, NET_LEASE_TEXT, NET_IP4(l->dns[i]));
	}
	if (l->mtu) {
		append(buf, NET_LEASE_TEXT, " mtu ");
		append(buf, NET_LEASE_TEXT, U64(l->mtu));
	}
	return buf;
}

/* A failed step: logged here, where what was being done is known. */
static int failed(int r, const char *ifname, const char *step)
{
	if (r)
		log_err(ifname, ": ", step, ": ", err_text(r));
	return r;
}

static int lo_up(struct net_rtnl *nl)
{
	struct net_link lo;
	int r = net_link_find(nl, "lo", NULL, &lo);

	return failed(r ? r : net_link_up(nl, lo.index), "lo", "bringing up");
}

static int link_up(struct net_rtnl *nl, const struct net_link *l)
{
	int r = failed(net_link_up(nl, l->index), l->name, "bringing up");

	if (!r)
		log_info(l->name, " (", NET_MAC(l->mac), ") up");
	return r;
}

/* Every Ethernet interface up, for a config that names none. */
static int all_up(struct net_rtnl *nl)
{
	struct net_link links[NET_LINK_MAX];
	int n = net_link_list(nl, links, NET_LINK_MAX), r, found = 0;

	for (int i = 0; i < n; i++) {
		struct net_link *l = &links[i];

		if (!net_link_ethernet(l))
			continue;
		/* one NIC that will not come up (its firmware missing, say)
		 * must not keep the others from trying */
		if ((r = link_up(nl, l))) {
			log_warn(l->name, ": cannot bring it up (", err_name(r), "); trying the others");
			continue;
		}
		found = 1;
	}
	return n < 0 ? n : found ? 0 : -SALVAGE_E_NET_NO_IFACE;
}

/* The interface up, with carrier: *l filled. */
static int bring_link(struct net_rtnl *nl, const struct net_config *c, long long deadline,
                      struct net_link *l)
{
	long long t0 = clock_now_ms();
	int r;

	memset(l, 0, sizeof *l);
	if (!c->ifname[0] && !c->has_mac) {
		r = all_up(nl);
	} else {
		r = net_link_find(nl, c->ifname, c->has_mac ? c->mac : NULL, l);
		if (!r)
			r = link_up(nl, l);
	}
	if (!r && !(r = net_link_wait(nl, l, left(deadline))))
		log_info(l->name, " carrier in ", SECONDS(clock_now_ms() - t0), " s");
	return r;
}

static int get_lease(const struct net_config *c, const struct net_link *l, long long deadline,
                     struct net_lease *out)
{
	long long t0 = clock_now_ms();
	char text[NET_LEASE_TEXT];
	int r = net_dhcp_lease(l->index, l->mac, c->hostname, left(deadline), out);

	if (r)
		return r;
	if (c->prefix)
		out->prefix = c->prefix;
	if (c->gateway)
		out->router = c->gateway;
	if (c->ndns) {
		memcpy(out->dns, c->dns, sizeof out->dns);
		out->ndns = c->ndns;
	}
	if (c->mtu)
		out->mtu = c->mtu;
	log_info("DHCP lease ", net_lease_text(text, out), " from ", NET_IP4(out->server),
	         " in ", SECONDS(clock_now_ms() - t0), " s");
	return 0;
}

static void static_lease(const struct net_config *c, const struct net_link *l,
                         struct net_lease *out)
{
	char text[NET_LEASE_TEXT];

	memset(out, 0, sizeof *out);
	out->addr = c->addr;
	out->prefix = c->prefix;
	out->router = c->gateway;
	memcpy(out->dns, c->dns, sizeof out->dns);
	out->ndns = c->ndns;
	out->mtu = c->mtu;
	log_info(l->name, " static ", net_lease_text(text, out));
}

/* Address, MTU and route of *out onto interface l. */
static int configure(struct net_rtnl *nl, const struct net_link *l, struct net_lease *out)
{
	int r;

	memcpy(out->ifname, l->name, sizeof out->ifname);
	out->ifindex = l->index;
	memcpy(out->mac, l->mac, 6);
	/* An MTU the driver cannot take leaves the link usable at its own:
	 * worth a warning, not the dump. */
	if (out->mtu && out->mtu != l->mtu && (r = net_link_mtu(nl, l->index, out->mtu))) {
		log_warn(l->name, ": MTU ", U64(out->mtu), ": ", err_text(r), "; keeping ", U64(l->mtu));
		out->mtu = l->mtu;
	}
	if (!out->mtu)
		out->mtu = l->mtu;
	if ((r = failed(net_link_addr_add(nl, l->index, out->addr, out->prefix), l->name,
	                "adding the address")))
		return r;
	if (out->router)
		r = failed(net_link_route_add(nl, l->index, out->router, out->addr, out->prefix),
		           l->name, "adding the default route");
	return r;
}

static int up(struct net_rtnl *nl, const struct net_config *c, long long deadline,
              struct net_lease *out)
{
	struct net_link l;
	int r;

	if ((r = lo_up(nl)) || c->method == NET_OFF)
		return r;
	if ((r = bring_link(nl, c, deadline, &l)))
		return r;
	if (c->method == NET_DHCP)
		r = get_lease(c, &l, deadline, out);
	else
		static_lease(c, &l, out);
	return r ? r : configure(nl, &l, out);
}

int net_up(const struct net_config *c, int timeout_ms, struct net_lease *out)
{
	struct net_rtnl nl;
	int r;

	memset(out, 0, sizeof *out);
	if ((r = net_link_open(&nl)))
		return failed(r, "rtnetlink", "opening");
	r = up(&nl, c, clock_now_ms() + timeout_ms, out);
	net_link_close(&nl);
	return r;
}
