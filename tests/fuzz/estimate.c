/* libFuzzer target: the readers of what a user points salvage estimate
 * and salvage load at (a bzImage's setup header; an initramfs's zstd
 * frame header, cpio entries and what follows them) and of the kernel's
 * CMA ranges text. The input is each of them in turn. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../../load/cma.h"
#include "../../load/estimate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char text[4096];
	struct load_kernel k;
	struct load_initrd i = { 0, 0, 0 };
	struct load_cma_range r[LOAD_CMA_MAX];
	size_t t = size < sizeof text - 1 ? size : sizeof text - 1;
	unsigned n;

	load_kernel_parse(data, size, &k);
	if (fd < 0)
		fd = memfd_create("initrd", 0);
	if (ftruncate(fd, 0) == 0 && pwrite(fd, data, size, 0) == (ssize_t)size)
		load_initrd_sizes(fd, size, &i);
	memcpy(text, data, t);
	text[t] = 0;
	if (!load_cma_parse(text, r, LOAD_CMA_MAX, &n))
		(void)load_cma_bytes(r, n);
	return 0;
}
