/* libFuzzer target: the raw-device header decoder, which reads whatever a
 * disk holds. */
#include <stdint.h>
#include <string.h>
#include "../../dump/raw_header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char b[DUMP_RAW_HEADER_SIZE] = { 0 };
	struct dump_raw_header h;

	memcpy(b, data, size < sizeof b ? size : sizeof b);
	dump_raw_header_decode(&h, b);
	return 0;
}
