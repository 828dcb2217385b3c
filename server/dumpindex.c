/* The receiver's dump index (docs/protocol.md#storage). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "../lib/io.h"
#include "dumpindex.h"

int net_dumpindex_open(int hostfd)
{
	int fd = openat(hostfd, NET_DUMPINDEX, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int net_dumpindex_get(int ixfd, const char *idhex, char *name, size_t size)
{
	ssize_t n = readlinkat(ixfd, idhex, name, size);

	if (n < 0)
		return -errno;
	/* a name beside .by-id: no path, no dot file, no . or .. */
	if (!n || (size_t)n >= size || memchr(name, '/', (size_t)n) || name[0] == '.')
		return -EINVAL;
	name[n] = 0;
	return 0;
}

int net_dumpindex_put(int ixfd, const char *idhex, const char *name)
{
	char tmp[NET_DUMPINDEX_NAME + 8];

	snprintf(tmp, sizeof tmp, "%s.new", idhex);
	/* one a crash left behind */
	if (unlinkat(ixfd, tmp, 0) < 0 && errno != ENOENT)
		return -errno;
	if (symlinkat(name, ixfd, tmp) < 0)
		return -errno;
	return io_publish(ixfd, tmp, idhex);
}
