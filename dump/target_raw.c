#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h> /* BLKGETSIZE64 */
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../lib/err.h"
#include "../lib/io.h"
#include "copy.h"
#include "target_raw.h"

static int put_header(int fd, const struct dump_raw_header *h)
{
	unsigned char b[DUMP_RAW_HEADER_SIZE];
	int r;

	dump_raw_header_encode(h, b);
	if ((r = io_pwriteall(fd, b, sizeof b, 0)))
		return r;
	return fsync(fd) < 0 ? -errno : 0;
}

/* A block device's size from the kernel; a file's is unlimited. */
static int capacity(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.st_mode)) {
		*size = UINT64_MAX;
		return 0;
	}
	return ioctl(fd, BLKGETSIZE64, size) < 0 ? -errno : 0;
}

int dump_raw_begin(struct dump_raw_target *t, const char *dev, uint32_t format)
{
	uint64_t size;
	int fd = open(dev, O_WRONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	t->h = (struct dump_raw_header){
		.state = DUMP_RAW_WRITING, .format = format,
		.data_offset = DUMP_RAW_DATA_OFFSET, .started = (uint64_t)time(0),
	};
	if (!(r = capacity(fd, &size)) && size <= DUMP_RAW_DATA_OFFSET)
		r = -SALVAGE_E_RAW_TOO_SMALL;
	if (!r)
		r = put_header(fd, &t->h);
	if (r) {
		close(fd);
		return r;
	}
	dump_sink_init(&t->sink, fd, DUMP_RAW_DATA_OFFSET, size);
	return 0;
}

int dump_raw_end(struct dump_raw_target *t, int ok)
{
	int r = dump_sink_flush(&t->sink);

	/* a dump that failed keeps its WRITING header: collect refuses it */
	if (!r && ok) {
		t->h.state = DUMP_RAW_COMPLETE;
		t->h.data_length = t->sink.off - DUMP_RAW_DATA_OFFSET;
		t->h.finished = (uint64_t)time(0);
		r = put_header(t->sink.fd, &t->h);
	}
	if (close(t->sink.fd) < 0 && !r)
		r = -errno;
	return r;
}

int dump_raw_write(const char *dev, int src, uint64_t len, uint32_t format,
                   void *buf, size_t bufsize)
{
	struct dump_raw_target t;
	int r = dump_raw_begin(&t, dev, format);

	if (r)
		return r;
	if (t.sink.limit - DUMP_RAW_DATA_OFFSET < len) {
		close(t.sink.fd);
		return -SALVAGE_E_RAW_TOO_SMALL;
	}
	r = dump_copy(src, t.sink.fd, DUMP_RAW_DATA_OFFSET, len, buf, bufsize, "raw dump");
	t.sink.off += r ? 0 : len;
	if (r) {
		close(t.sink.fd);
		return r;
	}
	return dump_raw_end(&t, 1);
}

int dump_raw_mark_collected(const char *dev, uint64_t when)
{
	unsigned char b[DUMP_RAW_HEADER_SIZE];
	struct dump_raw_header h;
	int fd = open(dev, O_RDWR | O_CLOEXEC), r;
	long n;

	if (fd < 0)
		return -errno;
	n = io_preadall(fd, b, sizeof b, 0);
	r = n < 0 ? (int)n : n < (long)sizeof b ? -SALVAGE_E_RAW_BAD_MAGIC
	                                        : dump_raw_header_decode(&h, b);
	/* salvage's magic, a damaged rest (a torn write, a flipped bit):
	 * collect refuses it at every boot, and giving it up is what the
	 * caller asks. Nothing in it can be trusted: the new header says only
	 * that, collected. */
	if (r == -SALVAGE_E_RAW_BAD_CRC) {
		h = (struct dump_raw_header){ .state = DUMP_RAW_WRITING, .data_offset = DUMP_RAW_DATA_OFFSET };
		r = 0;
	}
	if (!r && h.collected)
		r = 1; /* marked before: the first time stays */
	else if (!r) {
		h.collected = when ? when : 1;
		r = put_header(fd, &h);
	}
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}
