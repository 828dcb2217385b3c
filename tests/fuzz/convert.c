/* libFuzzer target: `salvage convert` (dump/convert.c, kdump_write.c,
 * elfcore_write.c) on any stream the reader accepts: the stream is opened
 * from a memfd, converted to kdump-compressed (zlib, then raw pages) and
 * to ELF in another memfd. Each kdump output must open again with our own
 * kdump reader and give back the stream's first pages byte for byte.
 * Record CRCs are fixed first (stream_crcs.h).
 *
 * A stream may claim up to 2^52 pfns; the writers' bitmaps and the kdump
 * page descriptors grow with max_pfn by design (docs/convert.md), so
 * streams above MAX_PFN are opened but not converted, keeping each run
 * small. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../../dump/convert.h"
#include "../../dump/elfcore_write.h"
#include "../../dump/kdump_write.h"
#include "../../dump/kdump.h"
#include "../../dump/stream_read.h"
#include "stream_crcs.h"

#define MAX_PFN (1u << 16)

static int reset(int fd, const void *data, size_t size)
{
	return ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size) ? -1 : 0;
}

/* The kdump file in fd opens, and its first pages read as the stream's. */
static void check_kdump(int fd, struct dump_stream_reader *r)
{
	static struct dump_kdump k;
	static unsigned char want[DUMP_STREAM_PAGE_SIZE], got[DUMP_STREAM_PAGE_SIZE];

	if (dump_kdump_open(&k, fd))
		abort();
	for (uint64_t pfn = 0; pfn < r->max_pfn && pfn < 64; pfn++) {
		int a = dump_stream_read_phys(r, pfn * DUMP_STREAM_PAGE_SIZE, want, sizeof want);
		int b = dump_kdump_read_phys(&k, pfn * DUMP_STREAM_PAGE_SIZE, got, sizeof got);
		if ((a == 0) != (b == 0) || (!a && memcmp(want, got, sizeof got)))
			abort();
	}
	dump_kdump_close(&k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int in = -1, out = -1;
	struct dump_stream_reader r;
	struct dump_convert_src c;
	unsigned char *copy;

	if ((in < 0 && (in = memfd_create("stream", 0)) < 0) ||
	    (out < 0 && (out = memfd_create("out", 0)) < 0))
		return 0;
	if (!(copy = malloc(size ? size : 1)))
		return 0;
	memcpy(copy, data, size);
	fix_crcs(copy, size);
	if (reset(in, copy, size)) {
		free(copy);
		return 0;
	}
	free(copy);
	if (!dump_stream_open(&r, in) && r.max_pfn <= MAX_PFN) {
		if (!dump_convert_prepare(&c, &r)) {
			if (!reset(out, NULL, 0) && !dump_kdump_write(&c, out, DUMP_CODEC_ZLIB))
				check_kdump(out, &r);
			if (!reset(out, NULL, 0) && !dump_kdump_write(&c, out, DUMP_CODEC_NONE))
				check_kdump(out, &r);
			if (!reset(out, NULL, 0))
				dump_elfcore_write(&c, out);
		}
		dump_convert_free(&c);
	}
	dump_stream_close(&r);
	return 0;
}
