/* libFuzzer target: the salvage stream reader (dump/stream_read.c), which
 * reads whatever a client sent or a disk holds. Opens the input as a file,
 * then reads pages in order and by physical address.
 * Record CRCs are fixed first (stream_crcs.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../../dump/stream_read.h"
#include "stream_crcs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct dump_stream_reader r;
	struct dump_stream_iter it;
	struct dump_stream_page p;
	unsigned char buf[64], *copy = malloc(size ? size : 1);

	if (fd < 0 && (fd = memfd_create("stream", 0)) < 0)
		return free(copy), 0;
	memcpy(copy, data, size);
	fix_crcs(copy, size);
	if (ftruncate(fd, 0) || pwrite(fd, copy, size, 0) != (ssize_t)size)
		return free(copy), 0;
	free(copy);
	if (!dump_stream_open(&r, fd)) {
		/* a ZERO entry may claim 2^32 pages: look at the first ones */
		dump_stream_iter_init(&it, &r, 0);
		for (int i = 0; i < 2048 && dump_stream_next(&it, &p) == 1; i++)
			;
		dump_stream_iter_free(&it);
		for (size_t i = 0; i < r.nrecs && i < 8; i++) {
			dump_stream_read_phys(&r, r.recs[i].first_pfn * DUMP_STREAM_PAGE_SIZE + 4090, buf, sizeof buf);
			dump_stream_read_phys(&r, (r.recs[i].end_pfn - 1) * DUMP_STREAM_PAGE_SIZE, buf, sizeof buf);
		}
	}
	dump_stream_close(&r);
	return 0;
}
