/* The header that marks a dump on a raw device (target raw:/dev/X).
 * Layout: docs/raw-target.md. The header sits in the first 512 bytes of the
 * device, the dump's bytes start at data_offset. It is written twice: state
 * WRITING before the first data byte, then COMPLETE with the final length
 * after the data is on stable storage, so a cut-off dump is never taken for
 * a whole one. `salvage collect --mark-collected` sets collected once the
 * dump is saved elsewhere; the next dump's first header clears it. */
#ifndef SALVAGE_DUMP_RAW_HEADER_H
#define SALVAGE_DUMP_RAW_HEADER_H
#include <stdint.h>

#define DUMP_RAW_HEADER_SIZE 512
#define DUMP_RAW_DATA_OFFSET 4096

enum { DUMP_RAW_WRITING = 1, DUMP_RAW_COMPLETE = 2 };
enum { DUMP_RAW_FORMAT_ELF = 1, DUMP_RAW_FORMAT_STREAM = 2 };

struct dump_raw_header {
	uint32_t state;
	uint32_t format;
	uint64_t data_offset;
	uint64_t data_length;
	uint64_t started;  /* Unix time */
	uint64_t finished; /* Unix time, 0 while WRITING */
	uint64_t collected; /* Unix time the dump was saved on the host, 0 = not yet */
};

void dump_raw_header_encode(const struct dump_raw_header *h,
                            unsigned char out[DUMP_RAW_HEADER_SIZE]);
/* 0, -SALVAGE_E_RAW_BAD_MAGIC, _BAD_CRC or _BAD_VERSION. The state is not
 * judged here: the caller decides what an unfinished dump means. */
int dump_raw_header_decode(struct dump_raw_header *h,
                           const unsigned char in[DUMP_RAW_HEADER_SIZE]);

#endif
