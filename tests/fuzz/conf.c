/* libFuzzer target: the config file and kernel command line parsers, which
 * read bytes a user or boot loader supplied. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../lib/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct salvage_conf c;
	char *text = malloc(size + 1), bad[64];
	int line;

	memcpy(text, data, size);
	text[size] = 0;
	conf_defaults(&c);
	conf_parse_text(&c, text, &line);
	conf_parse_cmdline(&c, text, bad, sizeof bad);
	conf_target_parse(&c.target, text);
	free(text);
	return 0;
}
