/* A file or device the dump is written to, sequentially. Data goes to
 * stable storage every few tens of MiB and leaves the page cache, so a
 * crash kernel's little memory does not fill with dirty pages. Errors are
 * sticky: after the first, writes do nothing and return it. */
#ifndef SALVAGE_DUMP_SINK_H
#define SALVAGE_DUMP_SINK_H
#include <stddef.h>
#include <stdint.h>

#define DUMP_SINK_FLUSH_EVERY (64u << 20)

struct dump_sink {
	int fd;
	uint64_t off;       /* where the next byte goes */
	uint64_t limit;     /* writing past it is -ENOSPC (a device's end) */
	uint64_t unflushed;
	int err;
};

void dump_sink_init(struct dump_sink *s, int fd, uint64_t off, uint64_t limit);
/* A write callback for the stream writer: ctx is the struct dump_sink. */
int dump_sink_write(void *ctx, const void *buf, size_t len);
/* fdatasync and drop from the page cache; returns the sticky error. */
int dump_sink_flush(struct dump_sink *s);

#endif
