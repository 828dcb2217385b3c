#include <string.h>
#include "../lib/crc32c.h"
#include "../lib/err.h"
#include "../lib/le.h"
#include "raw_header.h"

/* docs/raw-target.md#header */
static const unsigned char magic[8] = "SALVRAW1";
enum {
	OFF_MAGIC = 0, OFF_VERSION = 8, OFF_STATE = 12, OFF_FORMAT = 16,
	OFF_DATA_OFFSET = 24, OFF_DATA_LENGTH = 32, OFF_STARTED = 40,
	OFF_FINISHED = 48, OFF_COLLECTED = 56, OFF_CRC = DUMP_RAW_HEADER_SIZE - 4,
	VERSION = 1,
};

void dump_raw_header_encode(const struct dump_raw_header *h,
                            unsigned char out[DUMP_RAW_HEADER_SIZE])
{
	memset(out, 0, DUMP_RAW_HEADER_SIZE);
	memcpy(out + OFF_MAGIC, magic, sizeof magic);
	le32_put(out + OFF_VERSION, VERSION);
	le32_put(out + OFF_STATE, h->state);
	le32_put(out + OFF_FORMAT, h->format);
	le64_put(out + OFF_DATA_OFFSET, h->data_offset);
	le64_put(out + OFF_DATA_LENGTH, h->data_length);
	le64_put(out + OFF_STARTED, h->started);
	le64_put(out + OFF_FINISHED, h->finished);
	le64_put(out + OFF_COLLECTED, h->collected);
	le32_put(out + OFF_CRC, crc32c(0, out, OFF_CRC));
}

int dump_raw_header_decode(struct dump_raw_header *h,
                           const unsigned char in[DUMP_RAW_HEADER_SIZE])
{
	if (memcmp(in + OFF_MAGIC, magic, sizeof magic))
		return -SALVAGE_E_RAW_BAD_MAGIC;
	if (le32_get(in + OFF_CRC) != crc32c(0, in, OFF_CRC))
		return -SALVAGE_E_RAW_BAD_CRC;
	if (le32_get(in + OFF_VERSION) != VERSION)
		return -SALVAGE_E_RAW_BAD_VERSION;
	h->state = le32_get(in + OFF_STATE);
	h->format = le32_get(in + OFF_FORMAT);
	h->data_offset = le64_get(in + OFF_DATA_OFFSET);
	h->data_length = le64_get(in + OFF_DATA_LENGTH);
	h->started = le64_get(in + OFF_STARTED);
	h->finished = le64_get(in + OFF_FINISHED);
	h->collected = le64_get(in + OFF_COLLECTED);
	return 0;
}
