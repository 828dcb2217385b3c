#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../dump/convert.h"
#include "../../dump/elfcore_write.h"
#include "../../dump/kdump_write.h"
#include "../../dump/kdump.h"
#include "../../dump/stream.h"
#include "../../dump/stream_read.h"
#include "../../lib/err.h"
#include "../../lib/io.h"
#include "../../lib/le.h"
#include "check.h"

#define PS DUMP_STREAM_PAGE_SIZE

static unsigned char work[DUMP_STREAM_WORK_SIZE];

static int fd_write(void *ctx, const void *buf, size_t len)
{
	return io_writeall(*(int *)ctx, buf, len);
}

/* pfn classes of the test machine (max_pfn 2048): k kept, z zero,
 * x excluded, h hole (RAM is [0, 1000) and [1100, 2048)). */
static char class_of(uint64_t pfn)
{
	if (pfn >= 1000 && pfn < 1100)
		return 'h';
	if ((pfn >= 200 && pfn < 300) || (pfn >= 500 && pfn < 900))
		return 'x';
	return pfn % 9 == 4 ? 'z' : 'k';
}

static void fill(uint64_t pfn, unsigned char *p)
{
	memset(p, 0, PS);
	if (class_of(pfn) == 'k')
		for (unsigned i = 0; i < PS; i += 8)
			le64_put(p + i, pfn * 0x9e3779b97f4a7c15ull ^ (pfn % 3 ? i : i * i * 2654435761u));
}

static const char vmci[] = "OSRELEASE=6.1.0-unit\nPAGESIZE=4096\nNUMBER(phys_base)=123\nCRASHTIME=99\n";

/* Writes the test stream to dir/name and opens it into r. */
static int make_and_open(const char *path, struct dump_stream_reader *r, int *rfd)
{
	static const struct dump_range ram[] = { { 0, 1000 }, { 1100, 2048 } };
	struct dump_stream_info in = {
		.vmcoreinfo = vmci, .vmcoreinfo_len = sizeof vmci - 1, .ram = ram, .nram = 2,
		.max_pfn = 2048, .dump_level = 31, .page_offset = 0xffff888000000000ull,
	};
	struct dump_stream_writer w;
	unsigned char page[PS];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	dump_stream_init(&w, fd_write, &fd, work, sizeof work);
	dump_stream_begin(&w, &in);
	for (uint64_t pfn = 0; pfn < 2048; pfn++) {
		fill(pfn, page);
		if (class_of(pfn) == 'k' || class_of(pfn) == 'z')
			dump_stream_page(&w, pfn, page);
	}
	if (dump_stream_end(&w))
		return -1;
	close(fd);
	*rfd = open(path, O_RDONLY);
	return dump_stream_open(r, *rfd);
}

static void check_kdump(const char *path, enum dump_codec codec)
{
	char in[512], out[512];
	struct dump_stream_reader r;
	struct dump_convert_src c;
	struct dump_kdump k;
	unsigned char want[PS], got[PS];
	int rfd, fd, bad = 0;

	snprintf(in, sizeof in, "%s.stream", path);
	snprintf(out, sizeof out, "%s.kdump", path);
	CHECK_INT(0, make_and_open(in, &r, &rfd));
	CHECK_INT(0, dump_convert_prepare(&c, &r));
	/* no NOTES record: the VMCOREINFO record became a note */
	CHECK_INT(1, c.n.vmcoreinfo != NULL);
	CHECK_INT(123, c.phys_base);
	CHECK_INT(99, c.crashtime);
	CHECK_STR("6.1.0-unit", c.utsname + 130);
	fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK_INT(0, dump_kdump_write(&c, fd, codec));
	CHECK_INT(0, dump_kdump_open(&k, fd));
	CHECK_INT(2048, k.max_mapnr);
	CHECK_INT(123, k.phys_base);
	CHECK_INT(31, k.dump_level);
	CHECK_INT(99, k.crashtime);
	CHECK_INT(r.count[DUMP_CLASS_KEPT] + r.count[DUMP_CLASS_ZERO], k.ndumpable);
	CHECK_INT(codec == DUMP_CODEC_ZLIB ? DUMP_KDUMP_ZLIB : 0, k.status);
	CHECK_INT(sizeof vmci - 1, k.vmcoreinfo_len);
	CHECK_MEM(vmci, k.vmcoreinfo, sizeof vmci - 1);
	for (uint64_t pfn = 0; pfn < 2048 && !bad; pfn++) {
		char cl = class_of(pfn);
		int e = dump_kdump_read_phys(&k, pfn * PS, got, PS);
		fill(pfn, want);
		if (cl == 'k' || cl == 'z')
			bad = !CHECK_INT(0, e) || !CHECK_MEM(want, got, PS);
		else
			bad = !CHECK_INT(-SALVAGE_E_NOT_IN_DUMP, e);
	}
	CHECK_INT(-SALVAGE_E_NOT_IN_DUMP, dump_kdump_read_phys(&k, 5000 * (uint64_t)PS, got, 8));
	/* across a page boundary */
	fill(10, want);
	CHECK_INT(0, dump_kdump_read_phys(&k, 10 * PS + 4000, got, 200));
	CHECK_MEM(want + 4000, got, 96);
	dump_kdump_close(&k);
	close(fd);
	dump_convert_free(&c);
	dump_stream_close(&r);
	close(rfd);
}

TEST(convert_kdump_zlib_round_trip)
{
	char p[512];

	snprintf(p, sizeof p, "%s/z", check_tmpdir());
	check_kdump(p, DUMP_CODEC_ZLIB);
}

TEST(convert_kdump_raw_round_trip)
{
	char p[512];

	snprintf(p, sizeof p, "%s/r", check_tmpdir());
	check_kdump(p, DUMP_CODEC_NONE);
}

TEST(kdump_read_rejects_damage)
{
	char in[512], out[512];
	struct dump_stream_reader r;
	struct dump_convert_src c;
	struct dump_kdump k;
	unsigned char b[64], got[PS];
	const char *d = check_tmpdir();
	int rfd, fd;
	uint64_t desc;

	snprintf(in, sizeof in, "%s/s", d);
	snprintf(out, sizeof out, "%s/k", d);
	CHECK_INT(0, make_and_open(in, &r, &rfd));
	dump_convert_prepare(&c, &r);
	fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK_INT(0, dump_kdump_write(&c, fd, DUMP_CODEC_ZLIB));
	/* pfn 1's desc: sub_hdr 1 block, bitmaps 1 block each -> descs at 4 blocks */
	desc = 4 * 4096 + DUMP_KDUMP_DESC_SIZE;
	io_preadall(fd, b, 24, (off_t)desc);
	le32_put(b + 12, DUMP_KDUMP_ZSTD);
	io_pwriteall(fd, b, 24, (off_t)desc);
	CHECK_INT(0, dump_kdump_open(&k, fd));
	CHECK_INT(-SALVAGE_E_KDUMP_CODEC, dump_kdump_read_phys(&k, PS, got, 8));
	le32_put(b + 12, 0x40);
	io_pwriteall(fd, b, 24, (off_t)desc);
	k.page_pfn = 0;
	CHECK_INT(-SALVAGE_E_KDUMP_BAD_PAGE, dump_kdump_read_phys(&k, PS, got, 8));
	le32_put(b + 12, DUMP_KDUMP_ZLIB);
	le64_put(b, 1ull << 40);
	io_pwriteall(fd, b, 24, (off_t)desc);
	CHECK_INT(-SALVAGE_E_KDUMP_BAD_PAGE, dump_kdump_read_phys(&k, PS, got, 8));
	dump_kdump_close(&k);
	/* a bitmap said to lie past the end of the file */
	io_preadall(fd, b, 4, DUMP_KDUMP_H_SUB_HDR_SIZE);
	le32_put(b, 1000);
	io_pwriteall(fd, b, 4, DUMP_KDUMP_H_SUB_HDR_SIZE);
	CHECK_INT(-SALVAGE_E_KDUMP_BAD_HEADER, dump_kdump_open(&k, fd));
	dump_kdump_close(&k);
	close(fd);
	dump_convert_free(&c);
	dump_stream_close(&r);
	close(rfd);
}

TEST(convert_elf_segments)
{
	char in[512], out[512];
	struct dump_stream_reader r;
	struct dump_convert_src c;
	unsigned char h[64], ph[56 * 8], got[PS], want[PS];
	const char *d = check_tmpdir();
	int rfd, fd;
	struct stat st;

	snprintf(in, sizeof in, "%s/s", d);
	snprintf(out, sizeof out, "%s/e", d);
	CHECK_INT(0, make_and_open(in, &r, &rfd));
	dump_convert_prepare(&c, &r);
	fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK_INT(0, dump_elfcore_write(&c, fd));
	io_preadall(fd, h, 64, 0);
	CHECK_MEM("\177ELF\2\1\1", h, 7);
	CHECK_INT(4, le16_get(h + 16));      /* ET_CORE */
	CHECK_INT(62, le16_get(h + 18));     /* EM_X86_64 */
	/* PT_NOTE, then [0, 500) (the 100 excluded at 200 are zeros),
	 * [900, 1000), [1100, 2048): the 400 excluded and the hole split */
	CHECK_INT(4, le16_get(h + 56));
	io_preadall(fd, ph, 56 * 4, 64);
	CHECK_INT(4, le32_get(ph));
	CHECK_INT(1, le32_get(ph + 56));
	CHECK_INT(0, le64_get(ph + 56 + 24));
	CHECK_INT(500 * PS, le64_get(ph + 56 + 32));
	CHECK_INT(1, le64_get(ph + 56 + 16) == 0xffff888000000000ull);
	CHECK_INT(900 * PS, le64_get(ph + 112 + 24));
	CHECK_INT(100 * PS, le64_get(ph + 112 + 40));
	CHECK_INT(1100 * PS, le64_get(ph + 168 + 24));
	CHECK_INT(948 * PS, le64_get(ph + 168 + 32));
	/* pages by file offset */
	fill(1500, want);
	io_preadall(fd, got, PS, (off_t)(le64_get(ph + 168 + 8) + 400 * PS));
	CHECK_MEM(want, got, PS);
	memset(want, 0, PS);
	io_preadall(fd, got, PS, (off_t)(le64_get(ph + 56 + 8) + 250 * PS));
	CHECK_MEM(want, got, PS);
	fstat(fd, &st);
	CHECK_INT(le64_get(ph + 168 + 8) + 948 * PS, st.st_size);
	close(fd);
	dump_convert_free(&c);
	dump_stream_close(&r);
	close(rfd);
}

/* More than 65534 program headers: e_phnum = PN_XNUM and the count in
 * section 0. Zero pages 256 pfns apart, so each is its own segment; the
 * output is sparse. */
TEST(convert_elf_extended_numbering)
{
	char in[512], out[512];
	struct dump_stream_info info = { .max_pfn = 70000ull * 257 };
	struct dump_stream_writer w;
	struct dump_stream_reader r;
	struct dump_convert_src c;
	unsigned char h[64], sh[64], page[PS] = { 0 };
	const char *d = check_tmpdir();
	int fd, rfd;

	snprintf(in, sizeof in, "%s/s", d);
	snprintf(out, sizeof out, "%s/e", d);
	fd = open(in, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dump_stream_init(&w, fd_write, &fd, work, sizeof work);
	dump_stream_begin(&w, &info);
	for (uint64_t i = 0; i < 70000; i++)
		dump_stream_page(&w, i * 257, page);
	CHECK_INT(0, dump_stream_end(&w));
	close(fd);
	rfd = open(in, O_RDONLY);
	CHECK_INT(0, dump_stream_open(&r, rfd));
	dump_convert_prepare(&c, &r);
	fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK_INT(0, dump_elfcore_write(&c, fd));
	io_preadall(fd, h, 64, 0);
	CHECK_INT(0xffff, le16_get(h + 56));
	CHECK_INT(1, le16_get(h + 60));
	io_preadall(fd, sh, 64, (off_t)le64_get(h + 40));
	CHECK_INT(70001, le32_get(sh + 44));
	close(fd);
	if (!getenv("SALVAGE_TEST_KEEP"))
		unlink(out), unlink(in);
	dump_convert_free(&c);
	dump_stream_close(&r);
	close(rfd);
}
