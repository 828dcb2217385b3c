#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../dump/collect.h"
#include "../../dump/raw_header.h"
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
