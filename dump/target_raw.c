#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h> /* BLKGETSIZE64 */
#include "../lib/err.h"
#include "../lib/io.h"
#include "copy.h"
#include "raw_header.h"
#include "target.h"

static int put_header(int fd, const struct dump_raw_header *h)
{
	unsigned char b[DUMP_RAW_HEADER_SIZE];
	int r;

	dump_raw_header_encode(h, b);
	if ((r = io_pwriteall(fd, b, sizeof b, 0)))
		return r;
	return fsync(fd) < 0 ? -errno : 0;
}

/* A block device's size from the kernel, a file's is unlimited. */
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

int dump_raw_write(const char *dev, int src, uint64_t len, uint32_t format,
                   void *buf, size_t bufsize)
{
	struct dump_raw_header h = {
		.state = DUMP_RAW_WRITING, .format = format,
		.data_offset = DUMP_RAW_DATA_OFFSET, .started = (uint64_t)time(0),
	};
	uint64_t size;
	int fd = open(dev, O_WRONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	if ((r = capacity(fd, &size)))
		goto out;
	if (size < DUMP_RAW_DATA_OFFSET || size - DUMP_RAW_DATA_OFFSET < len) {
		r = -SALVAGE_E_RAW_TOO_SMALL;
		goto out;
	}
	if ((r = put_header(fd, &h)))
		goto out;
	if ((r = dump_copy(src, fd, DUMP_RAW_DATA_OFFSET, len, buf, bufsize, "raw dump")))
		goto out;
	h.state = DUMP_RAW_COMPLETE;
	h.data_length = len;
	h.finished = (uint64_t)time(0);
	r = put_header(fd, &h);
out:
	if (close(fd) < 0 && !r)
		r = -errno;
	return r;
}
