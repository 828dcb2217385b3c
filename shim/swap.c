#include <errno.h>
#include <string.h>
#include <sys/swap.h>
#include "../lib/err.h"
#include "../lib/le.h"
#include "swap.h"

#ifndef SWAP_FLAG_DISCARD
#define SWAP_FLAG_DISCARD 0x10000
#endif

/* The layout of page 0 of a swap area, from the kernel's union
 * swap_header (include/linux/swap.h): 1024 boot bytes, then version,
 * last_page, nr_badpages (u32 each), a 16-byte UUID and a 16-byte label;
 * the magic in the page's last 10 bytes. Integers in the CPU's order (this
 * is x86_64: little-endian). */
enum {
	SWAP_VERSION_OFF = 1024,
	SWAP_LAST_PAGE_OFF = 1028,
	SWAP_NR_BAD_OFF = 1032,
	SWAP_UUID_OFF = 1036,
	SWAP_LABEL_OFF = 1052,
	SWAP_MIN_PAGES = 10,
};
static const char swap_magic[10] = "SWAPSPACE2";

int shim_swap_header(struct shim_store *s)
{
	/* the store's second scratch page: only a read's repair uses it */
	unsigned char *p = s->page + SHIM_BLOCK;

	if (s->nblocks < SWAP_MIN_PAGES)
		return -SALVAGE_E_SHIM_TOO_SMALL;
	memset(p, 0, SHIM_BLOCK);
	le32_put(p + SWAP_VERSION_OFF, 1);
	le32_put(p + SWAP_LAST_PAGE_OFF, (uint32_t)(s->nblocks - 1 > UINT32_MAX ? UINT32_MAX : s->nblocks - 1));
	le32_put(p + SWAP_NR_BAD_OFF, 0);
	memcpy(p + SWAP_LABEL_OFF, "salvage-shim", 12);
	memcpy(p + SHIM_BLOCK - sizeof swap_magic, swap_magic, sizeof swap_magic);
	return shim_store_write(s, 0, p);
}

int shim_swap_on(const char *dev, int prio)
{
	int flags = SWAP_FLAG_PREFER | (prio & SWAP_FLAG_PRIO_MASK);

	if (!swapon(dev, flags | SWAP_FLAG_DISCARD))
		return 0;
	/* a kernel without discard on this device refuses the flag */
	if (errno == EINVAL && !swapon(dev, flags))
		return 0;
	return -errno;
}

int shim_swap_off(const char *dev)
{
	return swapoff(dev) ? -errno : 0;
}
