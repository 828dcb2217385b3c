/* Swap on the shim's block device: the header salvage writes itself (no
 * mkswap in the crash initramfs), swapon and swapoff. */
#ifndef SALVAGE_SHIM_SWAP_H
#define SALVAGE_SHIM_SWAP_H
#include "store.h"

/* Writes a version-1 swap header into block 0 through the store: the
 * whole device as swap (last_page = blocks - 1), no bad pages, the label
 * "salvage-shim". 0, -SALVAGE_E_SHIM_TOO_SMALL (under 10 blocks, as
 * mkswap refuses) or the store's error. */
int shim_swap_header(struct shim_store *s);
/* swapon(2) with discard (freed slots reach the server as TRIM, which
 * forgets the blocks) and the given priority (0-32767). 0 or -errno. */
int shim_swap_on(const char *dev, int prio);
int shim_swap_off(const char *dev);

#endif
