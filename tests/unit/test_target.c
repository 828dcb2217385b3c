#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../dump/collect.h"
#include "../../dump/raw_header.h"
#include "../../dump/stream.h"
#include "../../dump/target_fs.h"
#include "../../dump/target_raw.h"
#include "../../lib/err.h"
#include "../../lib/io.h"
#include "check.h"

static char buf[4096], data[100000], back[100001];

static int source(const char *dir)
{
	char path[512];
	int fd;

	srand(7);
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)rand();
	snprintf(path, sizeof path, "%s/src", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	io_writeall(fd, data, sizeof data);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static long readback(const char *dir)
{
	char path[512];

	snprintf(path, sizeof path, "%s/vmcore", dir);
	return io_readfile(path, back, sizeof back);
}

TEST(target_raw_write_then_collect)
{
	const char *d = check_tmpdir();
	char img[512], out[512];
	int src = source(d);

	snprintf(img, sizeof img, "%s/disk.img", d);
	snprintf(out, sizeof out, "%s/out", d);
	close(open(img, O_CREAT | O_WRONLY, 0600));
	CHECK_INT(0, dump_raw_write(img, src, sizeof data, DUMP_RAW_FORMAT_ELF, buf, sizeof buf));
	CHECK_INT(0, dump_collect(img, out, buf, sizeof buf));
	CHECK_INT(sizeof data, readback(out));
	CHECK_MEM(data, back, sizeof data);
	close(src);
}

TEST(target_raw_refuses_unfinished_and_foreign)
{
	const char *d = check_tmpdir();
	struct dump_raw_header h = { .state = DUMP_RAW_WRITING, .data_offset = 4096 };
	unsigned char hdr[DUMP_RAW_HEADER_SIZE];
	char img[512], out[512];

	snprintf(img, sizeof img, "%s/disk.img", d);
	snprintf(out, sizeof out, "%s/out", d);
	dump_raw_header_encode(&h, hdr);
	io_writefile(img, hdr, sizeof hdr);
	CHECK_INT(-SALVAGE_E_RAW_INCOMPLETE, dump_collect(img, out, buf, sizeof buf));
	io_writefile(img, data, 8192);
	CHECK_INT(-SALVAGE_E_RAW_BAD_MAGIC, dump_collect(img, out, buf, sizeof buf));
	io_writefile(img, "", 0);
	CHECK_INT(-SALVAGE_E_RAW_BAD_MAGIC, dump_collect(img, out, buf, sizeof buf));
	CHECK_INT(-2 /* -ENOENT: nothing collected */, readback(out));
}

TEST(target_raw_cut_short_stays_incomplete)
{
	const char *d = check_tmpdir();
	char img[512];
	int src = source(d);

	snprintf(img, sizeof img, "%s/disk.img", d);
	close(open(img, O_CREAT | O_WRONLY, 0600));
	/* the source claims more bytes than it has */
	CHECK_INT(-SALVAGE_E_SHORT_FILE, dump_raw_write(img, src, sizeof data + 1, DUMP_RAW_FORMAT_ELF, buf, sizeof buf));
	CHECK_INT(-SALVAGE_E_RAW_INCOMPLETE, dump_collect(img, d, buf, sizeof buf));
	close(src);
}

TEST(target_fs_write_then_collect_newest)
{
	const char *d = check_tmpdir();
	char dir[512], made1[512], made2[512], out[512];
	int src = source(d);

	snprintf(dir, sizeof dir, "%s/fs/var/crash", d);
	snprintf(out, sizeof out, "%s/out", d);
	CHECK_INT(0, dump_fs_write(dir, src, 1000, "vmcore", made1, sizeof made1, buf, sizeof buf));
	CHECK_INT(0, dump_fs_write(dir, src, 2000, "vmcore", made2, sizeof made2, buf, sizeof buf));
	CHECK_INT(1, strcmp(made2, made1) > 0); /* same second: a -1 suffix */
	CHECK_INT(0, dump_collect(dir, out, buf, sizeof buf));
	CHECK_INT(2000, readback(out));
	CHECK_MEM(data + 1000, back, 2000);
	CHECK_INT(0, dump_collect(made1, out, buf, sizeof buf));
	CHECK_INT(1000, readback(out));
	close(src);
}

TEST(target_raw_stream_marked_complete_only_when_whole)
{
	const char *d = check_tmpdir();
	struct dump_raw_target t;
	char img[512], out[512], path[600];

	snprintf(img, sizeof img, "%s/disk.img", d);
	snprintf(out, sizeof out, "%s/out", d);
	close(open(img, O_CREAT | O_WRONLY, 0600));
	CHECK_INT(0, dump_raw_begin(&t, img, DUMP_RAW_FORMAT_STREAM));
	CHECK_INT(0, dump_sink_write(&t.sink, data, 5000));
	CHECK_INT(0, dump_raw_end(&t, 0)); /* the writer failed halfway */
	CHECK_INT(-SALVAGE_E_RAW_INCOMPLETE, dump_collect(img, out, buf, sizeof buf));
	CHECK_INT(0, dump_raw_begin(&t, img, DUMP_RAW_FORMAT_STREAM));
	CHECK_INT(0, dump_sink_write(&t.sink, data, 5000));
	CHECK_INT(0, dump_raw_end(&t, 1));
	CHECK_INT(0, dump_collect(img, out, buf, sizeof buf));
	snprintf(path, sizeof path, "%s/vmcore.salvage", out);
	CHECK_INT(5000, io_readfile(path, back, sizeof back));
	CHECK_MEM(data, back, 5000);
}

/* The crash kernel's next dump must find a collected device usable, and
 * the mark must be salvage's own header write, nothing else. */
TEST(target_raw_mark_collected)
{
	const char *d = check_tmpdir();
	static char img_before[8192 + sizeof data], img_after[8192 + sizeof data];
	char img[512], out[512], other[512];
	struct dump_raw_header h;
	int src = source(d);
	long n;

	snprintf(img, sizeof img, "%s/disk.img", d);
	snprintf(out, sizeof out, "%s/out", d);
	close(open(img, O_CREAT | O_WRONLY, 0600));
	CHECK_INT(0, dump_raw_write(img, src, sizeof data, DUMP_RAW_FORMAT_ELF, buf, sizeof buf));
	n = io_readfile(img, img_before, sizeof img_before);
	CHECK_INT(0, dump_raw_mark_collected(img, 1764633600));
	CHECK_INT(n, io_readfile(img, img_after, sizeof img_after));
	/* the header says collected, with a good CRC; nothing else moved */
	CHECK_INT(0, dump_raw_header_decode(&h, (unsigned char *)img_after));
	CHECK_INT(1764633600, h.collected);
	CHECK_INT(DUMP_RAW_COMPLETE, h.state);
	CHECK_INT(sizeof data, h.data_length);
	CHECK_MEM(img_before + 512, img_after + 512, (size_t)n - 512);
	CHECK_INT(-SALVAGE_E_RAW_COLLECTED, dump_collect(img, out, buf, sizeof buf));
	CHECK_INT(-2 /* -ENOENT: nothing collected */, readback(out));
	/* again: nothing written, the first time stays */
	CHECK_INT(1, dump_raw_mark_collected(img, 1764640000));
	CHECK_INT(n, io_readfile(img, img_before, sizeof img_before));
	CHECK_MEM(img_after, img_before, (size_t)n);
	/* the next crash's dump clears the mark */
	lseek(src, 0, SEEK_SET);
	CHECK_INT(0, dump_raw_write(img, src, 3000, DUMP_RAW_FORMAT_ELF, buf, sizeof buf));
	CHECK_INT(0, dump_collect(img, out, buf, sizeof buf));
	CHECK_INT(3000, readback(out));
	/* a damaged header (one byte flipped): collect refuses it, and marking
	 * it collected gives it up (it said so, and refused) */
	n = io_readfile(img, img_before, sizeof img_before);
	img_before[100] ^= 1;
	io_writefile(img, img_before, (size_t)n);
	CHECK_INT(-SALVAGE_E_RAW_BAD_CRC, dump_collect(img, out, buf, sizeof buf));
	CHECK_INT(0, dump_raw_mark_collected(img, 1764650000));
	CHECK_INT(-SALVAGE_E_RAW_COLLECTED, dump_collect(img, out, buf, sizeof buf));
	CHECK_INT(n, io_readfile(img, img_after, sizeof img_after));
	CHECK_MEM(img_before + 512, img_after + 512, (size_t)n - 512);
	/* a device that is no salvage target is refused and left as it is */
	snprintf(other, sizeof other, "%s/other.img", d);
	io_writefile(other, data, 8192);
	CHECK_INT(-SALVAGE_E_RAW_BAD_MAGIC, dump_raw_mark_collected(other, 1));
	CHECK_INT(8192, io_readfile(other, img_after, sizeof img_after));
	CHECK_MEM(data, img_after, 8192);
	CHECK_INT(-EISDIR, dump_raw_mark_collected(out, 1));
	close(src);
}

/* What the partial tests write and read back. */
static unsigned char st[1 << 20];
static char got[1 << 20];

/* A small stream with a log into st: INFO, DMESG, then PAGES records. */
static size_t small_stream(void)
{
	static unsigned char work[DUMP_STREAM_WORK_SIZE];
	static const char log[] = "[    1.000000] Kernel panic - not syncing: test\n";
	struct dump_stream_info in = { .max_pfn = 64, .dmesg = log, .dmesg_len = sizeof log - 1 };
	struct dump_stream_writer w;
	struct dump_sink s;
	char path[512];
	int fd;

	snprintf(path, sizeof path, "%s/small.stream", check_tmpdir());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	dump_sink_init(&s, fd, 0, UINT64_MAX);
	dump_stream_init(&w, dump_sink_write, &s, work, sizeof work);
	dump_stream_begin(&w, &in);
	for (uint64_t pfn = 0; pfn < 64; pfn++)
		dump_stream_page(&w, pfn, data + pfn * 1000 % (sizeof data - 4096));
	dump_stream_end(&w);
	close(fd);
	return (size_t)io_readfile(path, (char *)st, sizeof st);
}

static long readfile(const char *dir, const char *name, char *b, size_t size)
{
	char path[600];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return io_readfile(path, b, size);
}

/* The crash kernel stopped writing a stream to the raw device: collect
 * keeps the whole records, the log, and says it is partial. */
TEST(target_raw_partial_stream_kept)
{
	const char *d = check_tmpdir();
	size_t len = small_stream();
	struct dump_raw_target t;
	char img[512], out[512], out2[512];

	snprintf(img, sizeof img, "%s/disk.img", d);
	snprintf(out, sizeof out, "%s/out", d);
	snprintf(out2, sizeof out2, "%s/out2", d);
	CHECK_INT(1, len > 100000);
	close(open(img, O_CREAT | O_WRONLY, 0600));
	CHECK_INT(0, dump_raw_begin(&t, img, DUMP_RAW_FORMAT_STREAM));
	CHECK_INT(0, dump_sink_write(&t.sink, st, len - 5000));
	CHECK_INT(0, dump_raw_end(&t, 0));
	CHECK_INT(DUMP_COLLECT_PARTIAL, dump_collect(img, out, buf, sizeof buf));
	CHECK_INT(-2, readback(out)); /* no vmcore */
	CHECK_INT(1, readfile(out, "vmcore.salvage.partial", got, sizeof got) > 16);
	CHECK_MEM(st, got, 16);
	CHECK_INT(1, readfile(out, "dmesg.txt", got, sizeof got) > 0);
	CHECK_STR("[    1.000000] Kernel panic - not syncing: test\n", got);
	CHECK_INT(1, readfile(out, "PARTIAL", got, sizeof got) > 0);
	CHECK_INT(1, strstr(got, "did not finish") != NULL);
	/* whole up to its trailer, the header never rewritten: a whole dump */
	CHECK_INT(0, dump_raw_begin(&t, img, DUMP_RAW_FORMAT_STREAM));
	CHECK_INT(0, dump_sink_write(&t.sink, st, len));
	CHECK_INT(0, dump_raw_end(&t, 0));
	CHECK_INT(0, dump_collect(img, out2, buf, sizeof buf));
	CHECK_INT(len, readfile(out2, "vmcore.salvage", got, sizeof got));
	CHECK_MEM(st, got, len);
	CHECK_INT(-2, readfile(out2, "PARTIAL", got, sizeof got));
}

/* An fs: target's dump directory holding only the unfinished file. */
TEST(target_fs_partial_kept)
{
	const char *d = check_tmpdir();
	size_t len = small_stream();
	struct dump_fs_target t;
	char dir[512], out[512];

	snprintf(dir, sizeof dir, "%s/fs/var/crash", d);
	snprintf(out, sizeof out, "%s/out", d);
	CHECK_INT(0, dump_fs_begin(&t, dir, "vmcore.salvage"));
	CHECK_INT(0, dump_sink_write(&t.sink, st, len / 2));
	CHECK_INT(0, dump_fs_end(&t, 0));
	/* the parent: only complete dumps are taken from it */
	CHECK_INT(-SALVAGE_E_NO_DUMP, dump_collect(dir, out, buf, sizeof buf));
	CHECK_INT(DUMP_COLLECT_PARTIAL, dump_collect(t.dir, out, buf, sizeof buf));
	CHECK_INT(1, readfile(out, "vmcore.salvage.partial", got, sizeof got) > 16);
	CHECK_INT(1, readfile(out, "dmesg.txt", got, sizeof got) > 0);
	CHECK_INT(1, readfile(out, "PARTIAL", got, sizeof got) > 0);
}

/* An unfinished ELF copy: all its program headers cover is kept, and
 * PARTIAL says the tail cannot be vouched for. */
TEST(target_raw_partial_elf_kept)
{
	const char *d = check_tmpdir();
	static unsigned char core[12288];
	struct dump_raw_target t;
	char img[512], out[512];

	memset(core, 0, sizeof core);
	memcpy(core, "\177ELF\2\1\1", 7);
	core[16] = 4, core[18] = 62, core[20] = 1;      /* ET_CORE, x86_64 */
	core[32] = 64, core[54] = 56, core[56] = 2;     /* phoff, phentsize, phnum */
	/* PT_NOTE at 176 (100 bytes), PT_LOAD at 4096 (8192 bytes) */
	core[64] = 4, core[64 + 8] = 176, core[64 + 32] = 100;
	core[120] = 1, core[120 + 9] = 0x10, core[120 + 33] = 0x20;
	memcpy(core + 4096, data, 8192);
	snprintf(img, sizeof img, "%s/disk.img", d);
	snprintf(out, sizeof out, "%s/out", d);
	close(open(img, O_CREAT | O_WRONLY, 0600));
	CHECK_INT(0, dump_raw_begin(&t, img, DUMP_RAW_FORMAT_ELF));
	CHECK_INT(0, dump_sink_write(&t.sink, core, 5000));
	CHECK_INT(0, dump_sink_write(&t.sink, data, 20000)); /* past the end: stale */
	CHECK_INT(0, dump_raw_end(&t, 0));
	CHECK_INT(DUMP_COLLECT_PARTIAL, dump_collect(img, out, buf, sizeof buf));
	CHECK_INT(sizeof core, readfile(out, "vmcore.partial", got, sizeof got));
	CHECK_MEM(core, got, 5000);
	CHECK_INT(1, readfile(out, "PARTIAL", got, sizeof got) > 0);
	CHECK_INT(1, strstr(got, "no checksums") != NULL);
}
