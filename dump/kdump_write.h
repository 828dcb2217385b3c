/* The kdump-compressed writer (dump/kdump_write.c, docs/convert.md). */
#ifndef SALVAGE_DUMP_KDUMP_WRITE_H
#define SALVAGE_DUMP_KDUMP_WRITE_H
#include <stdint.h>
#include "convert.h"

enum dump_codec { DUMP_CODEC_ZLIB, DUMP_CODEC_NONE };

/* docs/convert.md#kdump-layout: the most bytes dump_kdump_write() can
 * write for this stream (every kept page stored whole), from the stream's
 * counts alone, so a caller can refuse before anything is allocated.
 * 0 or -EFBIG (a layout the format cannot hold). */
int dump_kdump_size(const struct dump_convert_src *c, uint64_t *size);
/* docs/convert.md#kdump-layout */
int dump_kdump_write(const struct dump_convert_src *c, int fd, enum dump_codec codec);
#endif
