/* salvage dump [-d LEVEL] [-j N] [-o OUT] VMCORE
 *
 * Filters an ELF vmcore (/proc/vmcore, or a copy of it) as makedumpfile's
 * dump level says (default 31: zero, cache, user and free pages go) and
 * writes the kept pages as a salvage stream (docs/stream-format.md) to OUT,
 * or to stdout. `salvage convert` turns the stream into a kdump-compressed
 * file for crash, drgn and makedumpfile. -j N (1 to 8, default 1): N
 * threads filter, read and compress the pages (dump/jobs.h: about
 * 2.2 MiB more per thread when N > 1); the output is the same, byte for
 * byte, for every N. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <unistd.h>
#include "../lib/conf.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "capture.h"
#include "jobs.h"

static struct dump_capture cap;

static int fd_write(void *ctx, const void *buf, size_t len)
{
	return io_writeall(*(int *)ctx, buf, len);
}

/* -d and -j: digits only, at most max (an int would cut a long number
 * to 0-31); -1 for anything else */
static int number(const char *s, int max)
{
	unsigned long n;

	return conf_number(s, (unsigned long)max, &n) ? -1 : (int)n;
}

int dump_main(int argc, char **argv)
{
	const char *out = NULL;
	int c, level = 31, in, fd = 1, r;
	int jobs = 1;

	while ((c = getopt(argc, argv, "d:j:o:")) != -1) {
		if (c == 'd') {
			level = number(optarg, 31);
		} else if (c == 'j') {
			jobs = number(optarg, DUMP_JOBS_MAX);
			if (jobs < 1)
				level = -1;
		} else if (c == 'o') {
			out = optarg;
		} else {
			level = -1;
		}
	}
	if (level < 0 || optind != argc - 1) {
		log_err("usage: salvage dump [-d LEVEL 0-31] [-j N 1-8] [-o OUT] VMCORE");
		return 100;
	}
	if (jobs > 1 && !(cap.jobs = dump_jobs_map((unsigned)jobs))) {
		log_err("dump: memory for ", U64((uint64_t)jobs), " workers: ", err_text(-errno));
		return 111;
	}
	if ((in = open(argv[optind], O_RDONLY | O_CLOEXEC)) < 0) {
		log_err("dump: ", argv[optind], ": ", err_text(-errno));
		return 111;
	}
	if ((r = dump_capture_open(&cap, in, level))) {
		log_err("dump: ", argv[optind], ": ", err_text(r));
		return 111;
	}
	dump_capture_report(&cap, level);
	if (out && (fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		log_err("dump: ", out, ": ", err_text(-errno));
		return 111;
	}
	r = dump_capture_run(&cap, fd_write, &fd);
	if (out && close(fd) < 0 && !r)
		r = -errno;
	if (r) {
		log_err("dump: writing ", out ? out : "stdout", ": ", err_text(r));
		return 111;
	}
	return 0;
}
