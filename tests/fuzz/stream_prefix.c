/* libFuzzer target: the sound prefix of an unfinished stream
 * (dump/stream_prefix.c), which reads whatever a raw device holds after a
 * crash kernel stopped. Record CRCs are fixed first (stream_crcs.h). The
 * copy must be exactly the input's first p.kept bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../../dump/stream_prefix.h"
#include "stream_crcs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int src = -1, dst = -1;
	static unsigned char buf[4096];
	struct dump_stream_prefix p;
	unsigned char *copy = malloc(size ? size : 1), *back;

	if ((src < 0 && (src = memfd_create("src", 0)) < 0) ||
	    (dst < 0 && (dst = memfd_create("dst", 0)) < 0))
		return free(copy), 0;
	memcpy(copy, data, size);
	fix_crcs(copy, size);
	if (ftruncate(src, 0) || ftruncate(dst, 0) || lseek(dst, 0, SEEK_SET) ||
	    pwrite(src, copy, size, 0) != (ssize_t)size)
		return free(copy), 0;
	if (!dump_stream_prefix_copy(src, 0, size, dst, buf, sizeof buf, &p)) {
		back = malloc(p.kept ? p.kept : 1);
		if (p.kept > size || lseek(dst, 0, SEEK_END) != (off_t)p.kept ||
		    pread(dst, back, p.kept, 0) != (ssize_t)p.kept || memcmp(back, copy, p.kept) ||
		    (p.dmesg_len && p.dmesg_off + p.dmesg_len > p.kept))
			abort();
		free(back);
	}
	free(copy);
	return 0;
}
