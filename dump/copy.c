#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "../lib/err.h"
#include "../lib/io.h"
#include "copy.h"
#include "progress.h"

#define FLUSH_EVERY (64u << 20)

static int flush(int fd)
{
	if (fdatasync(fd) < 0 && errno != EINVAL)
		return -errno;
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	return 0;
}

int dump_copy(int src, int dst, off_t dst_off, uint64_t len,
              void *buf, size_t bufsize, const char *what)
{
	struct dump_progress p;
	uint64_t done = 0, unflushed = 0;
	int r;

	dump_progress_start(&p, what, len);
	while (done < len) {
		size_t want = len - done < bufsize ? (size_t)(len - done) : bufsize;
		long n = io_readall(src, buf, want);

		if (n < 0)
			return (int)n;
		if ((size_t)n < want)
			return -SALVAGE_E_SHORT_FILE;
		if ((r = io_pwriteall(dst, buf, want, dst_off + (off_t)done)))
			return r;
		done += want;
		unflushed += want;
		if (unflushed >= FLUSH_EVERY) {
			if ((r = flush(dst)))
				return r;
			unflushed = 0;
		}
		dump_progress_update(&p, done);
	}
	if ((r = flush(dst)))
		return r;
	dump_progress_end(&p, done);
	return 0;
}
