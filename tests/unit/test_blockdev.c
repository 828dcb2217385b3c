#include <string.h>
#include "../../init/blockdev.h"
#include "check.h"

static void ext4_sb(unsigned char *b, const char *label)
{
	static const unsigned char uuid[16] = {
		0x0b, 0x3e, 0x5a, 0x10, 0x22, 0x33, 0x44, 0x55,
		0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
	};

	memset(b, 0, INIT_BLOCKDEV_PROBE);
	b[1024 + 0x38] = 0x53;
	b[1024 + 0x39] = 0xef;
	memcpy(b + 1024 + 0x68, uuid, 16);
	memcpy(b + 1024 + 0x78, label, strlen(label));
}

TEST(blockdev_match_label_and_uuid)
{
	unsigned char b[INIT_BLOCKDEV_PROBE];

	ext4_sb(b, "dumps");
	CHECK_INT(1, init_blockdev_match("LABEL=dumps", b));
	CHECK_INT(0, init_blockdev_match("LABEL=dump", b));
	CHECK_INT(0, init_blockdev_match("LABEL=dumpsx", b));
	CHECK_INT(1, init_blockdev_match("UUID=0b3e5a10-2233-4455-6677-8899aabbccdd", b));
	CHECK_INT(1, init_blockdev_match("UUID=0B3E5A10-2233-4455-6677-8899AABBCCDD", b));
	CHECK_INT(0, init_blockdev_match("UUID=0b3e5a10-2233-4455-6677-8899aabbccde", b));
	ext4_sb(b, "sixteen-chars-ab");
	CHECK_INT(1, init_blockdev_match("LABEL=sixteen-chars-ab", b));
	b[1024 + 0x38] = 0;
	CHECK_INT(0, init_blockdev_match("LABEL=sixteen-chars-ab", b));
}
