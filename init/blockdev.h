/* Finding the target's block device in the crash kernel. */
#ifndef SALVAGE_INIT_BLOCKDEV_H
#define SALVAGE_INIT_BLOCKDEV_H
#include <stddef.h>

#define INIT_BLOCKDEV_PROBE 2048 /* bytes read from each device */

/* Does the device whose first INIT_BLOCKDEV_PROBE bytes are sb match spec
 * (LABEL=x or UUID=x, ext2/3/4 superblock)? 1 or 0. */
int init_blockdev_match(const char *spec, const unsigned char *sb);

/* Resolves spec (a /dev path, LABEL=x or UUID=x) to a device node, waiting
 * up to timeout_s seconds for drivers to bring it up. 0, -SALVAGE_E_TIMEOUT
 * or -errno. */
int init_blockdev_wait(const char *spec, unsigned timeout_s, char *dev, size_t devlen);

#endif
