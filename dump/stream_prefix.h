/* The sound part of a salvage stream whose writer did not finish (a crash
 * kernel that died, a device pulled): the header and every whole record
 * up to the first that is cut or damaged (docs/stream-format.md#order).
 * Reads sequentially with the caller's buffer; no heap. */
#ifndef SALVAGE_DUMP_STREAM_PREFIX_H
#define SALVAGE_DUMP_STREAM_PREFIX_H
#include <stddef.h>
#include <stdint.h>

struct dump_stream_prefix {
	uint64_t kept;          /* bytes copied: header + whole records */
	uint64_t records;       /* whole records copied */
	uint64_t dmesg_off;     /* the DMESG record's text in the copy, */
	uint32_t dmesg_len;     /* 0 when no DMESG record was kept */
	int whole;              /* the TRAILER was among them: nothing is missing */
};

/* Copies the stream in src's bytes [off, end) to dst (written from its
 * current position on, and truncated to p->kept). A record whose length,
 * type or CRC does not hold ends the copy, as the end of the bytes does:
 * what follows it cannot be trusted. 0 (p filled), -SALVAGE_E_STREAM_BAD_MAGIC
 * / _BAD_VERSION / _BAD_HEADER when src does not start with a stream
 * header (nothing written), or -errno. bufsize must be at least 4096. */
int dump_stream_prefix_copy(int src, uint64_t off, uint64_t end, int dst,
                            void *buf, size_t bufsize, struct dump_stream_prefix *p);

#endif
