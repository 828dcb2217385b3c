/* Copies a whole dump source (e.g. /proc/vmcore) into a file or device. */
#ifndef SALVAGE_DUMP_COPY_H
#define SALVAGE_DUMP_COPY_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads len bytes from src sequentially and writes them at dst_off.. of dst,
 * through the caller's buffer, with progress lines, through a dump_sink (sink.h).
 * Returns 0, -errno, or -SALVAGE_E_SHORT_FILE if src ends early. */
int dump_copy(int src, int dst, off_t dst_off, uint64_t len,
              void *buf, size_t bufsize, const char *what);

#endif
