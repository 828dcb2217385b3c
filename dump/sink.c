#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "../lib/io.h"
#include "sink.h"

void dump_sink_init(struct dump_sink *s, int fd, uint64_t off, uint64_t limit)
{
	s->fd = fd;
	s->off = off;
	s->limit = limit;
	s->unflushed = 0;
	s->err = 0;
}

int dump_sink_flush(struct dump_sink *s)
{
	if (s->err)
		return s->err;
	if (fdatasync(s->fd) < 0 && errno != EINVAL)
		return s->err = -errno;
	posix_fadvise(s->fd, 0, 0, POSIX_FADV_DONTNEED);
	s->unflushed = 0;
	return 0;
}

int dump_sink_write(void *ctx, const void *buf, size_t len)
{
	struct dump_sink *s = ctx;

	if (s->err)
		return s->err;
	if (len > s->limit || s->off > s->limit - len)
		return s->err = -ENOSPC;
	if ((s->err = io_pwriteall(s->fd, buf, len, (off_t)s->off)))
		return s->err;
	s->off += len;
	s->unflushed += len;
	if (s->unflushed >= DUMP_SINK_FLUSH_EVERY)
		return dump_sink_flush(s);
	return 0;
}
