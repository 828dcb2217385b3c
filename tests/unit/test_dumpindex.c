/* server/dumpindex.c: the receiver's index of dumps by id. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../server/dumpindex.h"
#include "check.h"

#define ID "000102030405060708090a0b0c0d0e0f"

static int host_with_index(void)
{
	int hostfd = open(check_tmpdir(), O_RDONLY | O_DIRECTORY);

	mkdirat(hostfd, NET_DUMPINDEX, 0700);
	return hostfd;
}

TEST(dumpindex_missing_then_put_get_replace)
{
	int hostfd = open(check_tmpdir(), O_RDONLY | O_DIRECTORY), ixfd;
	char name[NET_DUMPINDEX_NAME];

	CHECK_INT(-ENOENT, net_dumpindex_open(hostfd));
	mkdirat(hostfd, NET_DUMPINDEX, 0700);
	ixfd = net_dumpindex_open(hostfd);
	CHECK_INT(1, ixfd >= 0);
	CHECK_INT(-ENOENT, net_dumpindex_get(ixfd, ID, name, sizeof name));
	CHECK_INT(0, net_dumpindex_put(ixfd, ID, "20261122T054112Z"));
	CHECK_INT(0, net_dumpindex_get(ixfd, ID, name, sizeof name));
	CHECK_STR("20261122T054112Z", name);
	/* a new entry replaces the old one; the temporary name is gone */
	CHECK_INT(0, net_dumpindex_put(ixfd, ID, "20261122T054112Z-2"));
	CHECK_INT(0, net_dumpindex_get(ixfd, ID, name, sizeof name));
	CHECK_STR("20261122T054112Z-2", name);
	CHECK_INT(-1, faccessat(ixfd, ID ".new", F_OK, AT_SYMLINK_NOFOLLOW));
	close(ixfd);
	close(hostfd);
}

/* A link that does not hold one plain name beside .by-id is no entry:
 * no path, no dot name, nothing that does not fit. */
TEST(dumpindex_refuses_links_out_of_the_host)
{
	static const char *const bad[] = { "../other/20261122T054112Z", "/etc", ".by-id", "..", "a/b" };
	int hostfd = host_with_index(), ixfd = net_dumpindex_open(hostfd);
	char name[NET_DUMPINDEX_NAME], small[8];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		unlinkat(ixfd, ID, 0);
		CHECK_INT(0, symlinkat(bad[i], ixfd, ID));
		CHECK_INT(-EINVAL, net_dumpindex_get(ixfd, ID, name, sizeof name));
	}
	unlinkat(ixfd, ID, 0);
	CHECK_INT(0, net_dumpindex_put(ixfd, ID, "20261122T054112Z"));
	CHECK_INT(-EINVAL, net_dumpindex_get(ixfd, ID, small, sizeof small));
	close(ixfd);
	close(hostfd);
}
