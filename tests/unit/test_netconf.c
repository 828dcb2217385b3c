#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include "../../lib/err.h"
#include "../../net/netconf.h"
#include "check.h"

#define SYNTAX (-SALVAGE_E_NET_CONF_SYNTAX)

static uint32_t ip(const char *s)
{
	uint32_t a = 0;

	net_ip4_parse(s, strlen(s), &a);
	return a;
}

TEST(netconf_ip4_parse_and_text)
{
	uint32_t a;

	CHECK_INT(0, net_ip4_parse("10.0.2.15", 9, &a));
	CHECK_INT(htonl(0x0a00020f), a);
	CHECK_STR("10.0.2.15", NET_IP4(a));
	CHECK_STR("0.0.0.0", NET_IP4(0));
	CHECK_STR("255.255.255.255", NET_IP4(0xffffffffu));
	CHECK_STR("100.20.3.0", NET_IP4(ip("100.20.3.0")));
	CHECK_INT(0, net_ip4_parse("10.0.2.15,x", 9, &a)); /* exactly len bytes */
	CHECK_INT(-EINVAL, net_ip4_parse("1.2.3", 5, &a));
	CHECK_INT(-EINVAL, net_ip4_parse("1.2.3.4.5", 9, &a));
	CHECK_INT(-EINVAL, net_ip4_parse("1..3.4", 6, &a));
	CHECK_INT(-EINVAL, net_ip4_parse("256.1.1.1", 9, &a));
	CHECK_INT(-EINVAL, net_ip4_parse("1.2.3.4 ", 8, &a));
	CHECK_INT(-EINVAL, net_ip4_parse("1.2.3.", 6, &a));
	CHECK_INT(-EINVAL, net_ip4_parse("0001.2.3.4", 10, &a));
	CHECK_INT(-EINVAL, net_ip4_parse("", 0, &a));
	CHECK_INT(htonl(0x0a00020f), a); /* untouched by the failures */
}

TEST(netconf_mac_and_prefix)
{
	uint8_t m[6];

	CHECK_INT(0, net_mac_parse("52:54:00:AB:cd:eF", 17, m));
	CHECK_MEM("\x52\x54\x00\xab\xcd\xef", m, 6);
	CHECK_STR("52:54:00:ab:cd:ef", NET_MAC(m));
	CHECK_INT(-EINVAL, net_mac_parse("52:54:00:ab:cd:e", 16, m));
	CHECK_INT(-EINVAL, net_mac_parse("52-54-00-ab-cd-ef", 17, m));
	CHECK_INT(-EINVAL, net_mac_parse("52:54:00:ab:cd:eg", 17, m));
	CHECK_INT(24, net_prefix_of(ip("255.255.255.0")));
	CHECK_INT(0, net_prefix_of(0));
	CHECK_INT(32, net_prefix_of(0xffffffffu));
	CHECK_INT(-1, net_prefix_of(ip("255.0.255.0")));
	CHECK_INT(-1, net_prefix_of(ip("0.0.0.255")));
	CHECK_INT(ip("255.255.240.0"), net_prefix_mask(20));
	CHECK_INT(0, net_prefix_mask(0));
	CHECK_INT(8, net_ip4_classful(ip("10.1.2.3")));
	CHECK_INT(16, net_ip4_classful(ip("172.16.0.1")));
	CHECK_INT(24, net_ip4_classful(ip("192.168.1.1")));
}

TEST(netconf_spec_dhcp)
{
	struct net_config c;

	CHECK_INT(0, net_config_parse(&c, "eth0:dhcp"));
	CHECK_INT(NET_DHCP, c.method);
	CHECK_STR("eth0", c.ifname);
	CHECK_INT(0, c.has_mac);
	CHECK_INT(0, c.mtu);
	CHECK_INT(0, net_config_parse(&c, "dhcp"));
	CHECK_INT(NET_DHCP, c.method);
	CHECK_STR("", c.ifname);
	CHECK_INT(0, net_config_parse(&c, "enp1s0f1:dhcp,mtu=9000,dns=9.9.9.9"));
	CHECK_STR("enp1s0f1", c.ifname);
	CHECK_INT(9000, c.mtu);
	CHECK_INT(1, c.ndns);
	CHECK_INT(ip("9.9.9.9"), c.dns[0]);
	/* A MAC: everything before the last ':' */
	CHECK_INT(0, net_config_parse(&c, "52:54:00:12:34:56:dhcp"));
	CHECK_INT(1, c.has_mac);
	CHECK_STR("", c.ifname);
	CHECK_MEM("\x52\x54\x00\x12\x34\x56", c.mac, 6);
}

TEST(netconf_spec_static)
{
	struct net_config c;

	CHECK_INT(0, net_config_parse(&c, "eth0:10.9.0.5/24,10.9.0.1"));
	CHECK_INT(NET_STATIC, c.method);
	CHECK_INT(ip("10.9.0.5"), c.addr);
	CHECK_INT(24, c.prefix);
	CHECK_INT(ip("10.9.0.1"), c.gateway);
	CHECK_INT(0, net_config_parse(&c, "eth1:192.168.7.9/16"));
	CHECK_INT(0, c.gateway);
	CHECK_INT(16, c.prefix);
	CHECK_INT(0, net_config_parse(&c, "52:54:00:AB:cd:ef:10.0.0.5/32,10.0.0.1,dns=10.0.0.2,dns=10.0.0.3,mtu=1400"));
	CHECK_INT(1, c.has_mac);
	CHECK_MEM("\x52\x54\x00\xab\xcd\xef", c.mac, 6);
	CHECK_INT(32, c.prefix);
	CHECK_INT(ip("10.0.0.1"), c.gateway);
	CHECK_INT(2, c.ndns);
	CHECK_INT(ip("10.0.0.3"), c.dns[1]);
	CHECK_INT(1400, c.mtu);
	CHECK_INT(0, net_config_parse(&c, "10.0.0.5/8"));
	CHECK_STR("", c.ifname);
	CHECK_INT(0, c.has_mac);
}

TEST(netconf_spec_errors_change_nothing)
{
	static const char *const bad[] = {
		"", "eth0", "eth0:", ":dhcp", "eth0:dhcpx", "eth0:DHCP", "eth0:dhcp,",
		"eth0:dhcp,10.0.0.1", "eth0:dhcp,mtu=67", "eth0:dhcp,mtu=65536",
		"eth0:dhcp,mtu=1500,mtu=1400", "eth0:dhcp,mtu=", "eth0:dhcp,foo=1",
		"eth0:10.0.0.5", "eth0:10.0.0.5/", "eth0:10.0.0.5/0", "eth0:10.0.0.5/33",
		"eth0:10.0.0.5/24x", "eth0:10.0.0.256/24", "eth0:10.0.0.0/24",
		"eth0:10.0.0.255/24", "eth0:224.0.0.1/24", "eth0:127.0.0.2/8",
		"eth0:0.1.2.3/8", "eth0:10.0.0.5/24,10.0.0.1,10.0.0.2",
		"eth0:10.0.0.5/24,0.0.0.0", "eth0:10.0.0.5/24,dns=1.1.1.1,dns=1.1.1.2,dns=1.1.1.3,dns=1.1.1.4",
		"abcdefghijklmnop:dhcp", "et/h0:dhcp", "eth 0:dhcp", "eth0,x:dhcp",
		"52:54:00:12:34:5g:dhcp", "52:54:00:12:34:dhcp",
	};
	struct net_config c;

	CHECK_INT(0, net_config_parse(&c, "abcdefghijklmno:dhcp")); /* 15: the longest */
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (!CHECK_INT(SYNTAX, net_config_parse(&c, bad[i])))
			CHECK_STR("(rejected)", bad[i]);
	CHECK_STR("abcdefghijklmno", c.ifname);
	CHECK_INT(NET_DHCP, c.method);
}

TEST(netconf_kernel_autoconf)
{
	static const struct { const char *s; int method; } words[] = {
		{ "ip=dhcp", NET_DHCP }, { "ip=on", NET_DHCP }, { "ip=any", NET_DHCP },
		{ "ip=both", NET_DHCP }, { "ip=bootp", NET_DHCP }, { "ip=off", NET_OFF },
		{ "ip=none", NET_OFF }, { "ip=", NET_OFF },
	};
	struct net_config c;

	for (unsigned i = 0; i < sizeof words / sizeof words[0]; i++) {
		memset(&c, 0x55, sizeof c);
		if (!CHECK_INT(0, net_config_parse(&c, words[i].s)) ||
		    !CHECK_INT(words[i].method, c.method))
			CHECK_STR("(parsed)", words[i].s);
		CHECK_STR("", c.ifname);
	}
	CHECK_INT(SYNTAX, net_config_parse(&c, "ip=rarp"));
	CHECK_INT(SYNTAX, net_config_parse(&c, "ip=frob"));
}

TEST(netconf_kernel_fields)
{
	struct net_config c;

	CHECK_INT(0, net_config_parse(&c, "ip=10.0.2.15:10.0.2.2:10.0.2.2:255.255.255.0:crash:eth0:off:10.0.2.3:8.8.8.8"));
	CHECK_INT(NET_STATIC, c.method);
	CHECK_INT(ip("10.0.2.15"), c.addr);
	CHECK_INT(24, c.prefix);
	CHECK_INT(ip("10.0.2.2"), c.gateway);
	CHECK_STR("crash", c.hostname);
	CHECK_STR("eth0", c.ifname);
	CHECK_INT(2, c.ndns);
	CHECK_INT(ip("8.8.8.8"), c.dns[1]);
	CHECK_INT(0, net_config_parse(&c, "ip=::::myhost:eth1:dhcp"));
	CHECK_INT(NET_DHCP, c.method);
	CHECK_STR("myhost", c.hostname);
	CHECK_STR("eth1", c.ifname);
	CHECK_INT(0, c.prefix);
	/* no netmask: the address's class; client address wins over dhcp */
	CHECK_INT(0, net_config_parse(&c, "ip=10.1.2.3::::::dhcp"));
	CHECK_INT(NET_STATIC, c.method);
	CHECK_INT(8, c.prefix);
	CHECK_STR("", c.ifname);
	CHECK_INT(0, net_config_parse(&c, "ip=192.168.1.9::192.168.1.1:255.255.255.128::eth0:none"));
	CHECK_INT(25, c.prefix);
	/* netmask with DHCP: overrides the lease's */
	CHECK_INT(0, net_config_parse(&c, "ip=:::255.255.0.0::eth0:dhcp"));
	CHECK_INT(NET_DHCP, c.method);
	CHECK_INT(16, c.prefix);
	/* all ten fields; the server and NTP ones unused */
	CHECK_INT(0, net_config_parse(&c, "ip=10.0.0.5:1.2.3.4:::::off:::5.6.7.8"));
	CHECK_INT(NET_STATIC, c.method);
	CHECK_INT(0, c.ndns);
	CHECK_INT(0, net_config_parse(&c, "ip=::::::"));
	CHECK_INT(NET_DHCP, c.method);
}

TEST(netconf_kernel_errors)
{
	static const char *const bad[] = {
		"ip=1:2:3:4:5:6:7:8:9:10:11", "ip=10.0.0.5:::255.0.255.0::eth0:off",
		"ip=10.0.0.5:::0.0.0.0::eth0:off", "ip=10.0.0.0:::255.255.255.0::eth0:off",
		"ip=::::::foo", "ip=::::::rarp", "ip=x::::::", "ip=:::::eth/0:dhcp",
		"ip=:::::abcdefghijklmnop:dhcp", "ip=::1.2.3::::dhcp", "ip=:::::::1.2.3.256",
		"ip=::::a123456789b123456789c123456789d123456789e123456789f123456789abcde:eth0:dhcp",
		"ip=224.1.1.1::::::off",
	};
	struct net_config c;

	CHECK_INT(0, net_config_parse(&c, "ip=::::a123456789b123456789c123456789d123456789e123456789f123456789abcd:eth0:dhcp"));
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (!CHECK_INT(SYNTAX, net_config_parse(&c, bad[i])))
			CHECK_STR("(rejected)", bad[i]);
}
