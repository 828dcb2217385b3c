/* libFuzzer target: the kdump-compressed reader (dump/kdump_read.c) that
 * `salvage dmesg` uses on files of any origin. Opens the input as a file
 * and reads a few physical addresses. */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../../dump/kdump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static struct dump_kdump k;
	unsigned char buf[64];

	if (fd < 0 && (fd = memfd_create("kdump", 0)) < 0)
		return 0;
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	if (!dump_kdump_open(&k, fd))
		for (uint64_t pfn = 0; pfn < k.max_mapnr && pfn < 64; pfn++)
			dump_kdump_read_phys(&k, pfn * DUMP_KDUMP_BLOCK + 4080, buf, sizeof buf);
	dump_kdump_close(&k);
	return 0;
}
