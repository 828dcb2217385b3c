#include <string.h>
#include "../../lib/err.h"
#include "../../mkinitramfs/moddep.h"
#include "check.h"

/* A small modules tree shaped like Debian 6.1's: ext4 needs jbd2, mbcache
 * and crc16; jbd2 and ext4 softdep on crypto-crc32c, an alias of two
 * modules; virtio_pci is built in on some kernels (here: virtio_pci). */
static const char *tree(void)
{
	const char *d = check_tmpdir();

	check_write(d, "modules.dep",
		"kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko\n"
		"kernel/fs/mbcache.ko:\n"
		"kernel/fs/jbd2/jbd2.ko:\n"
		"kernel/lib/crc16.ko:\n"
		"kernel/arch/x86/crypto/crc32c-intel.ko:\n"
		"kernel/crypto/crc32c_generic.ko:\n"
		"kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko\n"
		"kernel/drivers/virtio/virtio.ko:\n"
		"kernel/drivers/virtio/virtio_ring.ko: kernel/drivers/virtio/virtio.ko\n"
		"kernel/drivers/loop/a.ko: kernel/drivers/loop/b.ko\n"
		"kernel/drivers/loop/b.ko: kernel/drivers/loop/a.ko\n");
	check_write(d, "modules.softdep",
		"# Soft dependencies extracted from modules themselves.\n"
		"softdep ext4 pre: crypto-crc32c\n"
		"softdep jbd2 pre: crypto-crc32c\n"
		"softdep virtio_blk post: not_here\n");
	check_write(d, "modules.alias",
		"alias crypto-crc32c crc32c_intel\n"
		"alias crc32c crc32c_intel\n"
		"alias crypto-crc32c crc32c_generic\n");
	check_write(d, "modules.builtin", "kernel/drivers/virtio/virtio_pci.ko\n");
	check_write(d, "modules.builtin.alias", "alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci\n");
	return d;
}

static int index_of(struct moddep *m, const char *path)
{
	for (size_t i = 0; i < moddep_count(m); i++)
		if (!strcmp(moddep_path(m, i), path))
			return (int)i;
	return -1;
}

TEST(moddep_orders_dependencies_first)
{
	struct moddep *m;

	CHECK_INT(0, moddep_open(&m, tree()));
	CHECK_INT(0, moddep_add(m, "virtio-blk"));
	CHECK_INT(3, moddep_count(m));
	CHECK_STR("kernel/drivers/virtio/virtio.ko", moddep_path(m, 0));
	CHECK_STR("kernel/drivers/virtio/virtio_ring.ko", moddep_path(m, 1));
	CHECK_STR("kernel/drivers/block/virtio_blk.ko", moddep_path(m, 2));
	CHECK_INT(0, moddep_add(m, "virtio_ring")); /* already there: no repeat */
	CHECK_INT(3, moddep_count(m));
	moddep_close(m);
}

TEST(moddep_softdeps_and_aliases)
{
	struct moddep *m;

	CHECK_INT(0, moddep_open(&m, tree()));
	CHECK_INT(0, moddep_add(m, "ext4"));
	CHECK_INT(6, moddep_count(m));
	int intel = index_of(m, "kernel/arch/x86/crypto/crc32c-intel.ko");
	int generic = index_of(m, "kernel/crypto/crc32c_generic.ko");
	int jbd2 = index_of(m, "kernel/fs/jbd2/jbd2.ko");
	int ext4 = index_of(m, "kernel/fs/ext4/ext4.ko");
	CHECK_INT(1, intel >= 0 && generic >= 0 && intel < jbd2 && generic < jbd2);
	CHECK_INT(5, ext4);
	CHECK_INT(1, index_of(m, "kernel/lib/crc16.ko") < ext4);
	CHECK_INT(1, index_of(m, "kernel/fs/mbcache.ko") < ext4);
	moddep_close(m);
}

TEST(moddep_builtin_missing_and_loops)
{
	struct moddep *m;

	CHECK_INT(0, moddep_open(&m, tree()));
	CHECK_INT(1, moddep_add(m, "virtio_pci"));
	CHECK_INT(-SALVAGE_E_MOD_NOT_FOUND, moddep_add(m, "e1000"));
	CHECK_INT(-SALVAGE_E_MOD_LOOP, moddep_add(m, "a"));
	moddep_close(m);
	CHECK_INT(-2 /* ENOENT */, moddep_open(&m, "/nonexistent"));
}
