/* Which directory holds a dump, by its id (docs/protocol.md#storage):
 *
 *   ROOT/<host>/.by-id/<dump id, 32 hex digits> -> <UTC time>
 *
 * symbolic links whose text is the name of a dump directory beside
 * .by-id, so HELLO finds a dump without reading every dump of its host.
 * The link is only read, never followed. */
#ifndef SALVAGE_NET_DUMPINDEX_H
#define SALVAGE_NET_DUMPINDEX_H
#include <stddef.h>

#define NET_DUMPINDEX ".by-id"
#define NET_DUMPINDEX_NAME 64           /* longest directory name, with NUL */

/* The index of the host directory hostfd, opened: a descriptor, -ENOENT
 * when the host has none yet (an older receiver's directory), or -errno. */
int net_dumpindex_open(int hostfd);
/* The directory name recorded for idhex, into name (size bytes): 0,
 * -ENOENT when there is none, -EINVAL when the link does not hold one
 * plain name, or -errno. */
int net_dumpindex_get(int ixfd, const char *idhex, char *name, size_t size);
/* Records idhex -> name, replacing an older entry in one rename, durable
 * on return (ixfd synced). 0 or -errno. */
int net_dumpindex_put(int ixfd, const char *idhex, const char *name);

#endif
