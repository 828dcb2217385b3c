/* libFuzzer target: DHCP replies, bytes from anyone on the crash kernel's
 * network. The input goes in whole as a BOOTP message and as an IPv4
 * packet (unwrapped, then its payload parsed). Each message is parsed as
 * the client it names (its own xid and chaddr), so the option parser is
 * reached and not only the "not for us" checks. */
#include <stdint.h>
#include <string.h>
#include "../../net/dhcp.h"

static void parse(const uint8_t *p, size_t n)
{
	struct net_dhcp_reply r;
	uint32_t xid = 0;
	uint8_t mac[6] = { 0 };

	if (n >= 34) {
		xid = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
		memcpy(mac, p + 28, 6);
	}
	net_dhcp_parse(p, n, xid, mac, &r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const void *payload;
	size_t len;

	parse(data, size);
	for (int sum = 0; sum < 2; sum++)
		if (!net_dhcp_unwrap(data, size, sum, &payload, &len))
			parse(payload, len);
	return 0;
}
