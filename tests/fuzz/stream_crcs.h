/* For the fuzz targets that read salvage streams: a mutated record almost
 * never keeps a valid CRC, so unless the input's last byte is odd a
 * harness rewrites every record's CRC and the trailer's records_crc and
 * trailer_offset (docs/stream-format.md#trailer) before reading: the
 * parsers behind the checksums get fuzzed too. (The last byte, not the
 * first: a stream's first byte is its magic's 0x89, which is odd.) */
#ifndef SALVAGE_FUZZ_STREAM_CRCS_H
#define SALVAGE_FUZZ_STREAM_CRCS_H
#include <stddef.h>
#include <stdint.h>
#include "../../dump/stream.h"
#include "../../lib/crc32c.h"
#include "../../lib/le.h"

static void fix_crcs(unsigned char *b, size_t size)
{
	size_t off = DUMP_STREAM_HEADER_SIZE;
	uint32_t chain = 0;

	if (size <= DUMP_STREAM_HEADER_SIZE || (b[size - 1] & 1))
		return;
	while (size - off >= DUMP_STREAM_RECORD_OVERHEAD && off < size) {
		uint32_t type = le32_get(b + off), len = le32_get(b + off + 4);
		if (len > size - off - DUMP_STREAM_RECORD_OVERHEAD)
			return;
		if (type == DUMP_STREAM_TRAILER && len == DUMP_STREAM_TRAILER_LEN) {
			le32_put(b + off + 12, chain);
			le64_put(b + off + 16, off);
		}
		le32_put(b + off + 8 + len, crc32c(0, b + off, 8 + (size_t)len));
		chain = crc32c(chain, b + off + 8 + len, 4);
		off += DUMP_STREAM_RECORD_OVERHEAD + (size_t)len;
	}
}

#endif
