/* Writing a dump to a raw device or image file (docs/raw-target.md). The
 * source is read sequentially (a pipe would do); len is its size. */
#ifndef SALVAGE_DUMP_TARGET_RAW_H
#define SALVAGE_DUMP_TARGET_RAW_H
#include <stddef.h>
#include <stdint.h>
#include "raw_header.h"
#include "sink.h"

/* Streaming form: begin, write through t->sink (dump_sink_write), end.
 * dump_raw_end closes the target and returns the first error met; only a
 * dump the caller says is whole (ok) is marked complete. */
struct dump_raw_target {
	struct dump_sink sink;
	struct dump_raw_header h;
};
int dump_raw_begin(struct dump_raw_target *t, const char *dev, uint32_t format);
int dump_raw_end(struct dump_raw_target *t, int ok);

/* Raw device or image file: header, data at DUMP_RAW_DATA_OFFSET, header
 * again once the data is stable. -SALVAGE_E_RAW_TOO_SMALL before anything
 * is written if the device cannot hold the dump. */
int dump_raw_write(const char *dev, int src, uint64_t len, uint32_t format,
                   void *buf, size_t bufsize);

/* Marks the dump on a raw device or image collected (saved on the host):
 * one header write (the same 512 bytes with collected = when) and fsync;
 * the data and the rest of the header stay. A header with salvage's magic
 * and a bad checksum (damaged: collect refuses it) is replaced by one that
 * says only collected (state WRITING, no format). 0 when marked, 1 when
 * it was marked already (nothing written), or -SALVAGE_E_RAW_BAD_MAGIC /
 * _BAD_VERSION for a device that holds no salvage raw header of this
 * version (nothing written), or -errno. The next dump_raw_begin() writes
 * collected = 0. */
int dump_raw_mark_collected(const char *dev, uint64_t when);

#endif
