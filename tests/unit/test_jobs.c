/* The capture's workers (dump/jobs.h): a run of the synthetic vmcore
 * (synth.h, level 31, the filter at work) writes the same bytes without
 * workers and with 1, 2 or 3 of them, also when a page cannot be read
 * halfway through: the same error, and the same records before it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../../dump/capture.h"
#include "../../dump/jobs.h"
#include "../../lib/err.h"
#include "check.h"
#include "synth.h"

static struct dump_capture c;
static unsigned char out[2][6 << 20];
static struct synth_sink sink[2] = { { out[0], sizeof out[0], 0 }, { out[1], sizeof out[1], 0 } };

/* parts of 2^part_shift pfns for the workers' filter (0: theirs, 1 GiB:
 * the synthetic vmcore's cycle is one part) */
static unsigned part_shift;

/* Runs the capture with n workers (0: none) into out[1]; its result. */
static int run_with(void *mem, size_t len, unsigned n)
{
	c.jobs = n ? dump_jobs_init(mem, len, n) : NULL;
	if (n)
		CHECK_INT(n, c.jobs ? dump_jobs_count(c.jobs) : 0);
	if (c.jobs && part_shift)
		dump_jobs_part_shift(c.jobs, part_shift);
	sink[1].len = 0;
	return dump_capture_run(&c, synth_sink_write, &sink[1]);
}

/* The synthetic vmcore written to the temporary directory and opened,
 * and *mem a mapping of len bytes for the workers: its fd, or -1 when it
 * cannot be written. */
static int open_core(size_t len, void **mem)
{
	char path[256];
	int fd;

	snprintf(path, sizeof path, "%s/vmcore", check_tmpdir());
	if ((fd = synth_core(path)) < 0)
		return -1;
	*mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return fd;
}

static void same_for_every_n(int cut)
{
	size_t len = dump_jobs_size(3);
	void *mem;
	int fd, want;

	synth_build(&synth_linux612);
	if (part_shift)
		synth_add_crossing();
	if ((fd = open_core(len, &mem)) < 0)
		CHECK_SKIP("cannot write a vmcore in the temporary directory");
	CHECK_INT(1, mem != MAP_FAILED);
	CHECK_INT(0, dump_capture_open(&c, fd, 31));
	CHECK_INT(31, c.level);
	if (cut) {
		/* pages from pfn 500 on are past the file's end: a short
		 * pread (no mapping: a mapped page past the end is SIGBUS) */
		c.elf.no_mmap = 1;
		CHECK_INT(0, ftruncate(fd, (4 + 500) * 4096));
	}
	want = cut ? -SALVAGE_E_SHORT_FILE : 0;
	c.jobs = NULL;
	sink[0].len = 0;
	CHECK_INT(want, dump_capture_run(&c, synth_sink_write, &sink[0]));
	CHECK_INT(1, sink[0].len > 16);
	for (unsigned n = 1; n <= 3; n++) {
		CHECK_INT(want, run_with(mem, len, n));
		CHECK_INT(sink[0].len, sink[1].len);
		CHECK_MEM(out[0], out[1], sink[0].len);
	}
	c.jobs = NULL;
	munmap(mem, len);
	dump_elf_close(&c.elf);
	close(fd);
}

TEST(jobs_same_stream_for_every_n)
{
	same_for_every_n(0);
	/* more than one record, so units do go to several workers */
	CHECK_INT(1, c.stream.pages_records > 2);
}

TEST(jobs_read_error_same_for_every_n)
{
	same_for_every_n(1);
}

/* The workers' filter in parts of 16 pfns, blocks across their
 * boundaries (synth_add_crossing): the stream of the one scan. */
TEST(jobs_filter_parts_same_stream)
{
	part_shift = 4;
	same_for_every_n(0);
	CHECK_INT(64 + 5, c.stream.count[DUMP_CLASS_FREE]);
	CHECK_INT(128 + 256 + 9, c.stream.count[DUMP_CLASS_USER]);
	same_for_every_n(1);
	part_shift = 0;
}

/* The destination refuses the stream's first bytes (a full disk, a
 * dropped connection): the workers never start, and the run returns the
 * sink's error like a run without them (it crashed: the jobs were
 * finished without having been started). */
TEST(jobs_sink_full_at_the_header)
{
	static unsigned char tiny[8];
	struct synth_sink full = { tiny, sizeof tiny, 0 };
	size_t len = dump_jobs_size(2);
	void *mem;
	int fd;

	synth_build(&synth_linux612);
	if ((fd = open_core(len, &mem)) < 0)
		CHECK_SKIP("cannot write a vmcore in the temporary directory");
	CHECK_INT(1, mem != MAP_FAILED);
	CHECK_INT(0, dump_capture_open(&c, fd, 31));
	c.jobs = dump_jobs_init(mem, len, 2);
	CHECK_INT(1, c.jobs != NULL);
	CHECK_INT(-ENOSPC, dump_capture_run(&c, synth_sink_write, &full));
	/* the caller's jobs are kept for a later run (a resume) */
	CHECK_INT(1, c.jobs != NULL);
	sink[1].len = 0;
	CHECK_INT(0, dump_capture_run(&c, synth_sink_write, &sink[1]));
	CHECK_INT(1, sink[1].len > 16);
	c.jobs = NULL;
	munmap(mem, len);
	dump_elf_close(&c.elf);
	close(fd);
}

TEST(jobs_size_and_bounds)
{
	static unsigned char small[4096];

	CHECK_INT(0, dump_jobs_size(0));
	CHECK_INT(0, dump_jobs_size(DUMP_JOBS_MAX + 1));
	CHECK_INT(1, dump_jobs_size(2) - dump_jobs_size(1) ==
	             DUMP_STREAM_LZ_SIZE + DUMP_JOBS_STACK + DUMP_JOBS_FILTER_SIZE + 2 * DUMP_STREAM_BATCH_SIZE);
	CHECK_INT(1, dump_jobs_init(small, sizeof small, 1) == NULL);
	CHECK_INT(1, dump_jobs_init(NULL, dump_jobs_size(1), 1) == NULL);
}
