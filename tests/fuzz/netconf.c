/* libFuzzer target: the network setting parsers (salvage's spec and the
 * kernel's ip=), fed from a config file or the kernel command line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../net/netconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_config c;
	char *text = malloc(size + 4);

	memcpy(text + 3, data, size);
	text[size + 3] = 0;
	net_config_parse(&c, text + 3);
	memcpy(text, "ip=", 3);
	net_config_parse(&c, text);
	free(text);
	return 0;
}
