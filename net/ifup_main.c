/* salvage ifup [--timeout SECONDS] SPEC
 *
 * Brings the network up as the crash kernel does (net_up) and prints what
 * was configured, one "key value" line each:
 *     iface eth0
 *     mac 52:54:00:12:34:56
 *     addr 10.0.2.15/24
 *     router 10.0.2.2          (when there is one)
 *     dns 10.0.2.3             (one line per server)
 *     mtu 1500
 *     server 10.0.2.2          (DHCP)
 *     lease 86400              (DHCP, seconds)
 * SPEC is IFACE:dhcp, IFACE:ADDR/PREFIX[,GW] or the kernel's ip=...
 * (net/netconf.h has the rules). SECONDS (default 30) bounds the whole
 * bring-up. Exits 0, 100 on misuse, 111 when the network does not come
 * up. Changes the host's network: for the crash kernel and tests. */
#include <string.h>
#include "../lib/conf.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "netconf.h"
#include "up.h"

#define USAGE "usage: salvage ifup [--timeout SECONDS] IFACE:dhcp | IFACE:ADDR/PREFIX[,GW] | ip=..."

static void line(const char *key, const char *value)
{
	char buf[128];
	size_t k = strlen(key), v = strlen(value);

	if (k + v + 2 > sizeof buf)
		return;
	memcpy(buf, key, k);
	buf[k] = ' ';
	memcpy(buf + k + 1, value, v);
	buf[k + v + 1] = '\n';
	io_writeall(1, buf, k + v + 2);
}

static void print(const struct net_lease *l)
{
	char addr[NET_IP4_TEXT + 4];

	line("iface", l->ifname);
	line("mac", NET_MAC(l->mac));
	strcpy(addr, NET_IP4(l->addr));
	strcat(addr, "/");
	strcat(addr, U64((unsigned)l->prefix));
	line("addr", addr);
	if (l->router)
		line("router", NET_IP4(l->router));
	for (int i = 0; i < l->ndns; i++)
		line("dns", NET_IP4(l->dns[i]));
	line("mtu", U64(l->mtu));
	if (l->server) {
		line("server", NET_IP4(l->server));
		line("lease", U64(l->lease_s));
	}
}

/* Whole seconds in [1, 3600]. */
static int timeout(const char *s, int *ms)
{
	unsigned long n;

	if (conf_number(s, 3600, &n) || n < 1)
		return -1;
	*ms = (int)n * 1000;
	return 0;
}

int ifup_main(int argc, char **argv)
{
	struct net_config c;
	struct net_lease l;
	int ms = 30000, r;

	if (argc == 4 && !strcmp(argv[1], "--timeout")) {
		if (timeout(argv[2], &ms)) {
			log_err("ifup: --timeout wants whole seconds, 1 to 3600; ", USAGE);
			return 100;
		}
		argv += 2;
		argc -= 2;
	}
	if (argc != 2 || argv[1][0] == '-') {
		log_err(USAGE);
		return 100;
	}
	if ((r = net_config_parse(&c, argv[1]))) {
		log_err("ifup ", argv[1], ": ", err_text(r), " (", err_name(r), ")");
		return 100;
	}
	if ((r = net_up(&c, ms, &l))) {
		log_err("ifup ", argv[1], ": ", err_text(r), " (", err_name(r), ")");
		return 111;
	}
	if (c.method != NET_OFF)
		print(&l);
	return 0;
}
