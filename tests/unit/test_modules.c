#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../init/modules.h"
#include "check.h"

/* A module tree as the initramfs has it: ROOT/lib/modules/salvage.order
 * and ROOT/lib/modules/KVER/kernel/{fs/ext4,drivers/block}/NAME.ko. */
static char root[256], top[320];

static void file(const char *rel, size_t size)
{
	static char zeros[10000];
	char p[512];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", top, rel);
	if (!(f = fopen(p, "w")) || fwrite(zeros, 1, size, f) != size || fclose(f))
		printf("FAIL writing %s\n", p);
}

static void dir(const char *rel)
{
	char p[512];

	snprintf(p, sizeof p, "%s/%s", top, rel);
	mkdir(p, 0755);
}

static void tree(void)
{
	snprintf(root, sizeof root, "%s", check_tmpdir());
	snprintf(top, sizeof top, "%s/lib", root);
	mkdir(top, 0755);
	snprintf(top, sizeof top, "%s/lib/modules", root);
	mkdir(top, 0755);
	dir("6.1");
	dir("6.1/kernel");
	dir("6.1/kernel/fs");
	dir("6.1/kernel/fs/ext4");
	dir("6.1/kernel/drivers");
	dir("6.1/kernel/drivers/block");
	file("salvage.order", 10);
	file("6.1/kernel/fs/ext4/ext4.ko", 5000);
	file("6.1/kernel/drivers/block/virtio_blk.ko", 4096);
	file("6.1/kernel/drivers/block/nbd.ko", 1);
}

static int exists(const char *rel)
{
	char p[512];

	snprintf(p, sizeof p, "%s/%s", top, rel);
	return access(p, F_OK) == 0;
}

static int unlink_rel(const char *rel, struct init_freed *f)
{
	char p[512];

	snprintf(p, sizeof p, "%s/%s", top, rel);
	return init_modules_unlink(p, top, f);
}

TEST(modules_unlink_frees_the_file_and_its_emptied_directories)
{
	struct init_freed f = { 0, 0 };

	tree();
	CHECK_INT(0, unlink_rel("6.1/kernel/fs/ext4/ext4.ko", &f));
	CHECK_INT(1, f.files);
	CHECK_INT(8192, f.bytes);      /* 5000 bytes: two pages */
	CHECK_INT(0, exists("6.1/kernel/fs/ext4/ext4.ko"));
	CHECK_INT(0, exists("6.1/kernel/fs"));
	CHECK_INT(1, exists("6.1/kernel/drivers/block/nbd.ko"));
	CHECK_INT(0, unlink_rel("6.1/kernel/drivers/block/virtio_blk.ko", &f));
	CHECK_INT(1, exists("6.1/kernel/drivers/block"));  /* nbd.ko is still in it */
	CHECK_INT(0, unlink_rel("6.1/kernel/drivers/block/nbd.ko", &f));
	CHECK_INT(3, f.files);
	CHECK_INT(8192 + 4096 + 4096, f.bytes);
	/* everything under the list's directory is gone; it and the list stay */
	CHECK_INT(0, exists("6.1"));
	CHECK_INT(1, exists("salvage.order"));
	CHECK_INT(1, exists(""));
}

TEST(modules_unlink_missing_file_counts_nothing)
{
	struct init_freed f = { 0, 0 };

	tree();
	CHECK_INT(-ENOENT, unlink_rel("6.1/kernel/fs/ext4/gone.ko", &f));
	CHECK_INT(0, f.files);
	CHECK_INT(0, f.bytes);
	CHECK_INT(1, exists("6.1/kernel/fs/ext4"));
}

TEST(modules_unlink_outside_stop_removes_no_directory)
{
	struct init_freed f = { 0, 0 };
	char p[512], stop[512];

	tree();
	/* a path not under stop: the file goes, no directory is touched */
	snprintf(p, sizeof p, "%s/6.1/kernel/fs/ext4/ext4.ko", top);
	snprintf(stop, sizeof stop, "%s/elsewhere", root);
	CHECK_INT(0, init_modules_unlink(p, stop, &f));
	CHECK_INT(1, f.files);
	CHECK_INT(1, exists("6.1/kernel/fs/ext4"));
}

TEST(modules_unlink_dotdot_removes_no_directory)
{
	struct init_freed f = { 0, 0 };

	tree();
	/* a listed path that climbs out of the tree through "..": the file
	 * goes, but the directories emptied above it are not stop's */
	CHECK_INT(0, unlink_rel("6.1/kernel/../kernel/fs/ext4/ext4.ko", &f));
	CHECK_INT(1, f.files);
	CHECK_INT(1, exists("6.1/kernel/fs/ext4"));
	CHECK_INT(1, exists("6.1/kernel"));
}
