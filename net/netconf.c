#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include "../lib/err.h"
#include "netconf.h"

#define SYNTAX (-SALVAGE_E_NET_CONF_SYNTAX)

/* len decimal digits at s, at most max. */
static int decimal(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long n = 0;

	if (!len || len > 10)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		n = n * 10 + (unsigned long)(s[i] - '0');
	}
	if (n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

int net_ip4_parse(const char *s, size_t len, uint32_t *out)
{
	uint32_t a = 0;
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t start = i;
		unsigned long n;

		while (i < len && s[i] != '.')
			i++;
		if (i - start > 3 || decimal(s + start, i - start, 255, &n))
			return -EINVAL;
		a = a << 8 | (uint32_t)n;
		if (part < 3 && i++ == len)
			return -EINVAL;
	}
	if (i != len)
		return -EINVAL;
	*out = htonl(a);
	return 0;
}

char *net_ip4_text(char buf[NET_IP4_TEXT], uint32_t a)
{
	const uint8_t *b = (const uint8_t *)&a;
	char *p = buf;

	for (int i = 0; i < 4; i++) {
		if (b[i] >= 100)
			*p++ = (char)('0' + b[i] / 100);
		if (b[i] >= 10)
			*p++ = (char)('0' + b[i] / 10 % 10);
		*p++ = (char)('0' + b[i] % 10);
		*p++ = i < 3 ? '.' : 0;
	}
	return buf;
}

static int hex(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
		return (ch | 0x20) - 'a' + 10;
	return -1;
}

int net_mac_parse(const char *s, size_t len, uint8_t mac[6])
{
	uint8_t m[6];

	if (len != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hex(s[3 * i]), lo = hex(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, 6);
	return 0;
}

char *net_mac_text(char buf[NET_MAC_TEXT], const uint8_t mac[6])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < 6; i++) {
		buf[3 * i] = digits[mac[i] >> 4];
		buf[3 * i + 1] = digits[mac[i] & 15];
		buf[3 * i + 2] = i < 5 ? ':' : 0;
	}
	return buf;
}

uint32_t net_prefix_mask(int prefix)
{
	return prefix <= 0 ? 0 : htonl(0xffffffffu << (32 - (prefix > 32 ? 32 : prefix)));
}

int net_prefix_of(uint32_t mask)
{
	uint32_t m = ntohl(mask);
	int n = 0;

	while (n < 32 && m & (0x80000000u >> n))
		n++;
	return net_prefix_mask(n) == mask ? n : -1;
}

int net_ip4_unicast(uint32_t a)
{
	uint32_t h = ntohl(a);

	return h >> 24 != 0 && h >> 24 != 127 && h >> 28 < 14;
}

/* ... and not the network or broadcast address of its subnet. */
static int host(uint32_t a, int prefix)
{
	uint32_t hostbits = ~ntohl(net_prefix_mask(prefix)), h = ntohl(a) & hostbits;

	return net_ip4_unicast(a) && (prefix > 30 || (h && h != hostbits));
}

static int ip4(const char *s, size_t len, uint32_t *out)
{
	return net_ip4_parse(s, len, out) || !net_ip4_unicast(*out) ? SYNTAX : 0;
}

/* An interface name or a MAC address. */
static int iface(struct net_config *c, const char *s, size_t len)
{
	if (len == 17 && !net_mac_parse(s, len, c->mac)) {
		c->has_mac = 1;
		return 0;
	}
	if (!len || len >= NET_IFNAME_MAX)
		return SYNTAX;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 127 || strchr("/:,=", s[i]))
			return SYNTAX;
	memcpy(c->ifname, s, len);
	c->ifname[len] = 0;
	return 0;
}

static int dns(struct net_config *c, const char *s, size_t len)
{
	if (c->ndns == NET_DNS_MAX)
		return SYNTAX;
	return ip4(s, len, &c->dns[c->ndns++]);
}

/* The ",ITEM" list after the method, to the end of s. */
static int items(struct net_config *c, const char *s)
{
	unsigned long n;
	uint32_t gw;

	while (*s) {
		const char *v = s + 1;
		size_t len = strcspn(v, ",");

		if (*s != ',')
			return SYNTAX;
		if (len > 4 && !strncmp(v, "mtu=", 4)) {
			if (c->mtu || decimal(v + 4, len - 4, 65535, &n) || n < 68)
				return SYNTAX;
			c->mtu = (unsigned)n;
		} else if (len > 4 && !strncmp(v, "dns=", 4)) {
			if (dns(c, v + 4, len - 4))
				return SYNTAX;
		} else if (c->method == NET_STATIC && !c->gateway && !ip4(v, len, &gw)) {
			c->gateway = gw;
		} else {
			return SYNTAX;
		}
		s = v + len;
	}
	return 0;
}

static int parse_spec(struct net_config *c, const char *s)
{
	const char *colon = strrchr(s, ':'), *m = colon ? colon + 1 : s, *slash;
	size_t len = strcspn(m, ",");
	unsigned long prefix;

	if (colon && iface(c, s, (size_t)(colon - s)))
		return SYNTAX;
	if (len == 4 && !strncmp(m, "dhcp", 4)) {
		c->method = NET_DHCP;
		return items(c, m + len);
	}
	if (!(slash = memchr(m, '/', len)) || ip4(m, (size_t)(slash - m), &c->addr) ||
	    decimal(slash + 1, (size_t)(m + len - slash - 1), 32, &prefix) || !prefix ||
	    !host(c->addr, (int)prefix))
		return SYNTAX;
	c->method = NET_STATIC;
	c->prefix = (int)prefix;
	return items(c, m + len);
}

/* The kernel's <autoconf> word: NET_DHCP, NET_OFF or -1. */
static int autoconf(const char *s, size_t len)
{
	static const struct { const char *word; int method; } words[] = {
		{ "", NET_DHCP }, { "on", NET_DHCP }, { "any", NET_DHCP },
		{ "dhcp", NET_DHCP }, { "bootp", NET_DHCP }, { "both", NET_DHCP },
		{ "off", NET_OFF }, { "none", NET_OFF },
	};

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strlen(words[i].word) == len && !strncmp(s, words[i].word, len))
			return words[i].method;
	return -1;
}

int net_ip4_classful(uint32_t a)
{
	uint32_t h = ntohl(a);

	return h >> 31 == 0 ? 8 : h >> 30 == 2 ? 16 : 24;
}

enum { F_CLIENT, F_SERVER, F_GW, F_NETMASK, F_HOSTNAME, F_DEVICE, F_AUTOCONF,
       F_DNS0, F_DNS1, F_NTP0, F_COUNT };

static int parse_kernel(struct net_config *c, const char *s)
{
	const char *f[F_COUNT];
	size_t len[F_COUNT] = { 0 };
	int n = 0, m;

	for (int i = 0; i < F_COUNT; i++)
		f[i] = "";      /* fields left out are empty */
	if (!*s)                /* as the kernel: an empty ip= is off */
		return 0;
	if (!strchr(s, ':')) {  /* the <autoconf> word alone */
		f[F_AUTOCONF] = s;
		len[F_AUTOCONF] = strlen(s);
	} else {
		for (; n < F_COUNT; n++) {
			f[n] = s;
			len[n] = strcspn(s, ":");
			s += len[n];
			if (!*s++)
				break;
		}
		if (n == F_COUNT)
			return SYNTAX;
	}
	if ((m = autoconf(f[F_AUTOCONF], len[F_AUTOCONF])) < 0)
		return SYNTAX;
	c->method = m;
	if (len[F_CLIENT]) {
		if (ip4(f[F_CLIENT], len[F_CLIENT], &c->addr))
			return SYNTAX;
		c->method = NET_STATIC;
		c->prefix = net_ip4_classful(c->addr);
	}
	if (len[F_NETMASK]) {
		uint32_t mask;

		if (net_ip4_parse(f[F_NETMASK], len[F_NETMASK], &mask) ||
		    (c->prefix = net_prefix_of(mask)) <= 0)
			return SYNTAX;
	}
	if (c->method == NET_STATIC && !host(c->addr, c->prefix))
		return SYNTAX;
	if (len[F_GW] && ip4(f[F_GW], len[F_GW], &c->gateway))
		return SYNTAX;
	if (len[F_HOSTNAME] >= NET_HOSTNAME_MAX)
		return SYNTAX;
	memcpy(c->hostname, f[F_HOSTNAME], len[F_HOSTNAME]);
	if (len[F_DEVICE] && iface(c, f[F_DEVICE], len[F_DEVICE]))
		return SYNTAX;
	for (int i = F_DNS0; i <= F_DNS1; i++)
		if (len[i] && dns(c, f[i], len[i]))
			return SYNTAX;
	return 0;
}

int net_config_parse(struct net_config *c, const char *spec)
{
	struct net_config n = { 0 };
	int r;

	if (!strncmp(spec, "ip=", 3))
		r = parse_kernel(&n, spec + 3);
	else
		r = parse_spec(&n, spec);
	if (!r)
		*c = n;
	return r;
}
