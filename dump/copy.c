#include "../lib/err.h"
#include "../lib/io.h"
#include "copy.h"
#include "progress.h"
#include "sink.h"

int dump_copy(int src, int dst, off_t dst_off, uint64_t len,
              void *buf, size_t bufsize, const char *what)
{
	struct dump_progress p;
	struct dump_sink s;
	uint64_t done = 0;
	int r;

	dump_sink_init(&s, dst, (uint64_t)dst_off, UINT64_MAX);
	dump_progress_start(&p, what, len);
	while (done < len) {
		size_t want = len - done < bufsize ? (size_t)(len - done) : bufsize;
		long n = io_readall(src, buf, want);

		if (n < 0)
			return (int)n;
		if ((size_t)n < want)
			return -SALVAGE_E_SHORT_FILE;
		if ((r = dump_sink_write(&s, buf, want)))
			return r;
		done += want;
		dump_progress_update(&p, done);
	}
	if ((r = dump_sink_flush(&s)))
		return r;
	dump_progress_end(&p, done);
	return 0;
}
