#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "../../lib/conf.h"
#include "../../dump/jobs.h"
#include "../../lib/err.h"
#include "../../load/estimate.h"
#include "check.h"

/* A bzImage's head as boot.rst lays it out: "HdrS" at 0x202, the protocol
 * at 0x206, the version string's offset (from 0x200) at 0x20e, init_size
 * at 0x260. */
static size_t bzimage(unsigned char *h, unsigned proto, uint32_t init_size, const char *version)
{
	memset(h, 0, 0x1000);
	memcpy(h + 0x202, "HdrS", 4);
	h[0x206] = (unsigned char)proto, h[0x207] = (unsigned char)(proto >> 8);
	h[0x20e] = 0x00, h[0x20f] = 0x0c;           /* the string at 0xe00 */
	for (int i = 0; i < 4; i++)
		h[0x260 + i] = (unsigned char)(init_size >> 8 * i);
	strcpy((char *)h + 0xe00, version);
	return 0x1000;
}

TEST(estimate_kernel_header_init_size_and_version)
{
	unsigned char h[0x1000];
	struct load_kernel k;

	CHECK_INT(0, load_kernel_parse(h, bzimage(h, 0x20f, 0x3f98000, "6.1.0-57-amd64 (debian-kernel@lists.debian.org) #1"), &k));
	CHECK_INT(0x3f98000, k.init_size);
	CHECK_STR("6.1.0-57-amd64", k.version);
	CHECK_INT(6, k.major);
	CHECK_INT(1, k.minor);
	/* setup_sects 0 means 4: 5 x 512 and no protected-mode code */
	CHECK_INT(5 * 512, k.file_min);
	h[0x1f1] = 31, h[0x1f4] = 0x10, h[0x1f6] = 0x01;  /* syssize 0x10010 */
	CHECK_INT(0, load_kernel_parse(h, 0x1000, &k));
	CHECK_INT(32 * 512 + 0x10010 * 16, k.file_min);
	CHECK_INT(0, load_kernel_parse(h, bzimage(h, 0x20a, 1 << 26, "6.17.2+deb14-amd64 #1"), &k));
	CHECK_INT(17, k.minor);
	/* before 2.10 there is no init_size; not a bzImage at all */
	CHECK_INT(-SALVAGE_E_NOT_BZIMAGE, load_kernel_parse(h, bzimage(h, 0x209, 1 << 26, "2.6.30"), &k));
	bzimage(h, 0x20f, 1 << 26, "7.3.4");
	h[0x202] = 'X';
	CHECK_INT(-SALVAGE_E_NOT_BZIMAGE, load_kernel_parse(h, 0x1000, &k));
	CHECK_INT(-SALVAGE_E_NOT_BZIMAGE, load_kernel_parse(h, 0x200, &k));
}

static int file(const char *name, const unsigned char *data, size_t len)
{
	char p[512];
	int fd;

	snprintf(p, sizeof p, "%s/%s", check_tmpdir(), name);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		printf("FAIL writing %s\n", p);
	return fd;
}

static int sizes(const unsigned char *data, size_t len, struct load_initrd *i)
{
	int fd = file("initrd", data, len), r = load_initrd_sizes(fd, len, i);

	close(fd);
	return r;
}

TEST(estimate_initrd_zstd_content_size)
{
	/* the header zstd -19 writes for a 300000-byte file: 0xa4 = 4-byte
	 * content size, single segment */
	static const unsigned char single4[] = { 0x28, 0xb5, 0x2f, 0xfd, 0xa4, 0xe0, 0x93, 0x04, 0x00, 0, 0, 0 };
	/* a window descriptor, a 1-byte dictionary id, a 2-byte size (+256) */
	static const unsigned char win2[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x41, 0x58, 0x07, 0x34, 0x12, 0, 0, 0 };
	/* no content size: a guess */
	static const unsigned char none[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0, 0, 0, 0 };
	/* 8-byte content sizes, single segment: 0xffffffffffffff00, 2^40 */
	static const unsigned char lying[] = { 0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
	static const unsigned char tb[] = { 0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0 };
	struct load_initrd i;

	CHECK_INT(0, sizes(single4, sizeof single4, &i));
	CHECK_INT(LOAD_UNPACKED_ZSTD, i.how);
	CHECK_INT(300000, i.unpacked);
	CHECK_INT(sizeof single4, i.packed);
	CHECK_INT(0, sizes(win2, sizeof win2, &i));
	CHECK_INT(LOAD_UNPACKED_ZSTD, i.how);
	CHECK_INT(0x1234 + 256, i.unpacked);
	CHECK_INT(0, sizes(none, sizeof none, &i));
	CHECK_INT(LOAD_UNPACKED_GUESS, i.how);
	CHECK_INT(sizeof none * LOAD_UNPACKED_GUESS_FACTOR, i.unpacked);
	/* a frame claiming 2^64 - 256 bytes: the sum would wrap to less than
	 * the kernel alone */
	CHECK_INT(-EFBIG, sizes(lying, sizeof lying, &i));
	CHECK_INT(0, sizes(tb, sizeof tb, &i));
	CHECK_INT(LOAD_INITRD_MAX, i.unpacked);
}

/* A file larger than any initramfs (a sparse one) is refused before its
 * size goes into a sum. */
TEST(estimate_initrd_too_large)
{
	static const unsigned char none[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0, 0, 0, 0 };
	struct load_initrd i;
	int fd = file("initrd", none, sizeof none);

	CHECK_INT(-EFBIG, load_initrd_sizes(fd, LOAD_INITRD_MAX + 1, &i));
	CHECK_INT(0, load_initrd_sizes(fd, LOAD_INITRD_MAX, &i));
	CHECK_INT(LOAD_UNPACKED_GUESS, i.how);
	close(fd);
}

/* One newc entry: header, name, padding, data, padding. */
static size_t entry(unsigned char *p, const char *name, unsigned mode, size_t size)
{
	size_t n = strlen(name) + 1, at;

	at = (size_t)sprintf((char *)p, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
	                     1u, mode, 0u, 0u, 1u, 0u, size, 0u, 0u, 0u, 0u, n, 0u);
	memcpy(p + at, name, n);
	at = (at + n + 3) & ~(size_t)3;
	memset(p + at, 'x', size);
	return (at + size + 3) & ~(size_t)3;
}

TEST(estimate_initrd_cpio_files_in_pages)
{
	static unsigned char c[32768];
	struct load_initrd i;
	size_t n = 0;

	n += entry(c + n, "lib", 040755, 0);
	n += entry(c + n, "lib/a.ko", 0100644, 5000);   /* two pages */
	n += entry(c + n, "init", 0100755, 10);         /* one */
	n += entry(c + n, "bin/sh", 0120777, 7);        /* a symbolic link: none */
	n += entry(c + n, "TRAILER!!!", 0, 0);
	CHECK_INT(0, sizes(c, n, &i));
	CHECK_INT(LOAD_UNPACKED_CPIO, i.how);
	CHECK_INT(3 * 4096, i.unpacked);
	CHECK_INT(n, i.packed);
	/* padded to 512 as cpio -o pads: the same */
	memset(c + n, 0, 512 - n % 512);
	CHECK_INT(0, sizes(c, n + 512 - n % 512, &i));
	CHECK_INT(3 * 4096, i.unpacked);
	/* cut before its trailer: not taken for a cpio */
	CHECK_INT(0, sizes(c, n - 120, &i));
	CHECK_INT(LOAD_UNPACKED_GUESS, i.how);
}

/* An early cpio (microcode) before the compressed main archive: the
 * kernel unpacks both, so both count */
TEST(estimate_initrd_cpio_then_more)
{
	static const unsigned char single4[] = { 0x28, 0xb5, 0x2f, 0xfd, 0xa4, 0xe0, 0x93, 0x04, 0x00, 0, 0, 0 };
	static unsigned char c[32768];
	struct load_initrd i;
	size_t n = 0, pad;

	n += entry(c + n, "kernel/x86/microcode/GenuineIntel.bin", 0100644, 5000);
	n += entry(c + n, "TRAILER!!!", 0, 0);
	pad = 512 - n % 512;
	memset(c + n, 0, pad);
	memcpy(c + n + pad, single4, sizeof single4);
	CHECK_INT(0, sizes(c, n + pad + sizeof single4, &i));
	CHECK_INT(LOAD_UNPACKED_CPIO, i.how);
	CHECK_INT(2 * 4096 + 300000, i.unpacked);
	/* an unknown compression after it: the guess for the rest */
	memset(c + n + pad, 0x5d, 1000);
	CHECK_INT(0, sizes(c, n + pad + 1000, &i));
	CHECK_INT(LOAD_UNPACKED_GUESS, i.how);
	CHECK_INT(2 * 4096 + 1000 * LOAD_UNPACKED_GUESS_FACTOR, i.unpacked);
}

TEST(estimate_sum_rounding_floor_and_cma)
{
	struct load_kernel k = { .init_size = 0x3f98000, .major = 6, .minor = 1 };
	struct load_initrd i = { 300 << 10, 900 << 10, LOAD_UNPACKED_ZSTD };
	struct load_estimate e;

	/* 63.6 + 0.3 + 0.9 + 24 = 88.8 MiB: 96M */
	load_estimate(&k, &i, 0, 0, &e);
	CHECK_INT(96 * LOAD_MIB, e.total);
	CHECK_INT(0, e.cma);
	/* a measured floor above the sum wins */
	load_estimate(&k, &i, 104 * LOAD_MIB, 0, &e);
	CHECK_INT(104 * LOAD_MIB, e.total);
	/* exactly on a step stays there */
	k.init_size = 64 * LOAD_MIB - LOAD_ESTIMATE_RUN - i.packed - i.unpacked;
	load_estimate(&k, &i, 0, 0, &e);
	CHECK_INT(64 * LOAD_MIB, e.total);
	/* 7.3: 62.3 + 0.3 + 0.9 + 24 = 87.5: 88M; fixed 62.3 + 0.3 + 3 = 65.6:
	 * 72M (64M was refused in QEMU), and 16M,cma */
	k = (struct load_kernel){ .init_size = 0x3e4e000, .major = 7, .minor = 3 };
	load_estimate(&k, &i, load_estimate_measured(&k, TARGET_TLS), 0, &e);
	CHECK_INT(88 * LOAD_MIB, e.total);
	CHECK_INT(1, e.cma);
	CHECK_INT(72 * LOAD_MIB, e.fixed);
	CHECK_INT(16 * LOAD_MIB, e.rest);
	k.major = 6, k.minor = 16;
	load_estimate(&k, &i, 0, 0, &e);
	CHECK_INT(0, e.cma);
	k.minor = 17;
	load_estimate(&k, &i, 0, 0, &e);
	CHECK_INT(1, e.cma);
}

/* crash-cpus 2: the workers' memory (dump/jobs.h) on top of the sum and
 * of the floor measured with one CPU */
TEST(estimate_workers_on_top)
{
	struct load_kernel k = { .init_size = 0x3f98000, .major = 6, .minor = 1 };
	struct load_initrd i = { 300 << 10, 900 << 10, LOAD_UNPACKED_ZSTD };
	uint64_t w = dump_jobs_size(2);
	struct load_estimate e;

	/* 88.8 MiB + 4.4: 96M; the 96M floor + 4.4: 104M */
	load_estimate(&k, &i, 0, w, &e);
	CHECK_INT(96 * LOAD_MIB, e.total);
	load_estimate(&k, &i, 96 * LOAD_MIB, w, &e);
	CHECK_INT(104 * LOAD_MIB, e.total);
	CHECK_INT(w, e.workers);
	/* 8 workers: 17.3 MiB */
	load_estimate(&k, &i, 0, dump_jobs_size(8), &e);
	CHECK_INT(112 * LOAD_MIB, e.total);
}

TEST(estimate_measured_reservations)
{
	struct load_kernel k61 = { .major = 6, .minor = 1 }, k73 = { .major = 7, .minor = 3 },
	                   k612 = { .major = 6, .minor = 12 };

	CHECK_INT(96 * LOAD_MIB, load_estimate_measured(&k61, TARGET_FS));
	CHECK_INT(96 * LOAD_MIB, load_estimate_measured(&k61, TARGET_RAW));
	CHECK_INT(96 * LOAD_MIB, load_estimate_measured(&k61, TARGET_TLS));
	CHECK_INT(88 * LOAD_MIB, load_estimate_measured(&k73, TARGET_TLS));
	CHECK_INT(96 * LOAD_MIB, load_estimate_measured(&k73, TARGET_FS));
	CHECK_INT(0, load_estimate_measured(&k612, TARGET_FS));
}
