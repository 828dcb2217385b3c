/* The shim's block store over a file: where the copies go, never-written
 * reads, verify/repair/EIO, trim, scrub, fault injection, the swap
 * header. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../lib/crc32c.h"
#include "../../lib/err.h"
#include "../../lib/le.h"
#include "../../shim/shim.h"
#include "../../shim/store.h"
#include "../../shim/swap.h"
#include "check.h"

#define PG 4096

/* A file of `pages` pages, each filled with 0xee. */
static int garbage_file(unsigned pages)
{
	char path[512];
	unsigned char b[PG];
	int fd;

	snprintf(path, sizeof path, "%s/mem", check_tmpdir());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	memset(b, 0xee, sizeof b);
	for (unsigned i = 0; i < pages; i++)
		pwrite(fd, b, PG, (off_t)i * PG);
	return fd;
}

static void fill(unsigned char *b, unsigned seed)
{
	for (unsigned i = 0; i < PG; i++)
		b[i] = (unsigned char)(seed * 31 + i * 7);
}

static void poke(int fd, uint64_t off, unsigned char v)
{
	pwrite(fd, &v, 1, (off_t)off + 100);
}

static int page_is(int fd, uint64_t off, int v)
{
	unsigned char b[PG];

	pread(fd, b, PG, (off_t)off);
	for (unsigned i = 0; i < PG; i++)
		if (b[i] != v)
			return 0;
	return 1;
}

TEST(shim_store_layout)
{
	/* 3 pages at 64 KiB (the first rounded in from 62 KiB), 5 at 1 MiB:
	 * 8 pages, copy B four lendable pages after copy A */
	struct shim_run runs[] = { { 62 << 10, (2 << 10) + 3 * PG }, { 1 << 20, 5 * PG } };
	struct shim_store s;
	uint64_t best = ~0ull;

	CHECK_INT(0, shim_store_init(&s, -1, runs, 2, 0, NULL));
	CHECK_INT(4, s.nblocks);
	CHECK_INT(8, s.c->pages_lent);
	CHECK_INT(64 << 10, shim_store_copy_a(&s, 0));
	CHECK_INT((1 << 20) + PG, shim_store_copy_b(&s, 0));
	CHECK_INT((64 << 10) + 2 * PG, shim_store_copy_a(&s, 2));
	CHECK_INT(1 << 20, shim_store_copy_a(&s, 3));
	CHECK_INT((1 << 20) + 4 * PG, shim_store_copy_b(&s, 3));
	for (uint64_t i = 0; i < s.nblocks; i++) {
		uint64_t d = shim_store_copy_b(&s, i) - shim_store_copy_a(&s, i);
		best = d < best ? d : best;
	}
	CHECK_INT(best, s.c->min_distance);
	CHECK_INT(4 * PG, s.c->min_distance);
	shim_store_free(&s);
}

TEST(shim_store_runs_checked)
{
	struct shim_run unsorted[] = { { 1 << 20, 8 * PG }, { 0, 8 * PG } };
	struct shim_run overlap[] = { { 0, 8 * PG }, { 4 * PG, 8 * PG } };
	struct shim_run one[] = { { PG / 2, PG + PG / 2 } };
	struct shim_run wide[] = { { 0, 100 * PG } };
	struct shim_store s;

	CHECK_INT(-EINVAL, shim_store_init(&s, -1, unsorted, 2, 0, NULL));
	CHECK_INT(-EINVAL, shim_store_init(&s, -1, overlap, 2, 0, NULL));
	CHECK_INT(-SALVAGE_E_SHIM_TOO_SMALL, shim_store_init(&s, -1, one, 1, 0, NULL));
	/* a cap on the blocks keeps copy B in the second half */
	CHECK_INT(0, shim_store_init(&s, -1, wide, 1, 10, NULL));
	CHECK_INT(10, s.nblocks);
	CHECK_INT(50 * PG, shim_store_copy_b(&s, 0));
	CHECK_INT(-ERANGE, shim_store_read(&s, 10, (unsigned char[PG]){0}));
	shim_store_free(&s);
}

TEST(shim_store_never_written_reads_zeros)
{
	struct shim_run runs[] = { { 0, 16 * PG } };
	struct shim_store s;
	unsigned char b[PG];
	int fd = garbage_file(16);

	CHECK_INT(0, shim_store_init(&s, fd, runs, 1, 0, NULL));
	close(fd); /* old memory is never read for a block never written */
	memset(b, 1, sizeof b);
	CHECK_INT(0, shim_store_read(&s, 5, b));
	for (unsigned i = 0; i < PG; i++)
		if (b[i]) {
			CHECK_INT(0, b[i]);
			break;
		}
	CHECK_INT(1, s.c->reads);
	CHECK_INT(0, s.c->errors);
	shim_store_free(&s);
}

TEST(shim_store_write_read_repair_eio)
{
	struct shim_run runs[] = { { 0, 16 * PG } };
	struct shim_counters c;
	struct shim_store s;
	unsigned char w[PG], r[PG];
	int fd = garbage_file(16);

	CHECK_INT(0, shim_store_init(&s, fd, runs, 1, 0, &c));
	fill(w, 3);
	CHECK_INT(0, shim_store_write(&s, 2, w));
	CHECK_INT(crc32c(0, w, PG), s.crc[2]);
	CHECK_INT(0, shim_store_read(&s, 2, r));
	CHECK_MEM(w, r, PG);
	/* both copies in the file, 8 pages apart */
	pread(fd, r, PG, 2 * PG);
	CHECK_MEM(w, r, PG);
	pread(fd, r, PG, 10 * PG);
	CHECK_MEM(w, r, PG);

	/* copy A damaged: served from B, A rewritten and confirmed */
	poke(fd, 2 * PG, 0);
	memset(r, 0, sizeof r);
	CHECK_INT(0, shim_store_read(&s, 2, r));
	CHECK_MEM(w, r, PG);
	CHECK_INT(1, c.repairs);
	pread(fd, r, PG, 2 * PG);
	CHECK_MEM(w, r, PG);
	CHECK_INT(0, shim_store_read(&s, 2, r));
	CHECK_INT(1, c.repairs);

	/* copy B damaged alone: A is good, nothing to do */
	poke(fd, 10 * PG, 0);
	CHECK_INT(0, shim_store_read(&s, 2, r));
	CHECK_MEM(w, r, PG);

	/* both damaged: EIO, counted */
	poke(fd, 2 * PG, 0);
	CHECK_INT(-EIO, shim_store_read(&s, 2, r));
	CHECK_INT(1, c.errors);
	CHECK_INT(1, c.repairs);
	CHECK_INT(1, c.writes);
	CHECK_INT(5, c.reads);
	shim_store_free(&s);
	close(fd);
}

TEST(shim_store_trim_and_scrub)
{
	struct shim_run runs[] = { { 0, 16 * PG } };
	struct shim_store s;
	unsigned char w[PG], r[PG];
	int fd = garbage_file(16);

	CHECK_INT(0, shim_store_init(&s, fd, runs, 1, 0, NULL));
	fill(w, 1);
	CHECK_INT(0, shim_store_write(&s, 1, w));
	CHECK_INT(0, shim_store_write(&s, 3, w));
	shim_store_trim(&s, 3);
	CHECK_INT(1, s.c->trims);
	CHECK_INT(0, shim_store_read(&s, 3, r));
	CHECK_INT(0, r[0] | r[100] | r[PG - 1]);
	/* the trimmed block's pages still hold data: scrubbed too */
	CHECK_INT(4, shim_store_scrub(&s));
	CHECK_INT(4, s.c->scrubbed);
	CHECK_INT(1, page_is(fd, 1 * PG, 0));
	CHECK_INT(1, page_is(fd, 9 * PG, 0));
	CHECK_INT(1, page_is(fd, 3 * PG, 0));
	CHECK_INT(1, page_is(fd, 11 * PG, 0));
	/* pages never written keep what old memory held */
	CHECK_INT(1, page_is(fd, 2 * PG, 0xee));
	CHECK_INT(1, page_is(fd, 10 * PG, 0xee));
	CHECK_INT(0, shim_store_read(&s, 1, r));
	CHECK_INT(0, r[0]);
	CHECK_INT(0, shim_store_scrub(&s));
	shim_store_free(&s);
	close(fd);
}

TEST(shim_store_fault_injection)
{
	struct shim_run runs[] = { { 0, 2000 * PG } };
	struct shim_inject one = { 100, 0, 0 }, both = { 0, 1000, 0 };
	struct shim_store s;
	unsigned char w[PG], r[PG];
	uint64_t bad = 0;
	int fd = garbage_file(2000);

	CHECK_INT(0, shim_store_init(&s, fd, runs, 1, 0, NULL));
	shim_store_set_inject(&s, &one);
	for (uint64_t i = 0; i < s.nblocks; i++) {
		fill(w, (unsigned)i);
		shim_store_write(&s, i, w);
	}
	CHECK_INT(1, s.c->injected > 50 && s.c->injected < 150);
	for (uint64_t i = 0; i < s.nblocks; i++) {
		fill(w, (unsigned)i);
		if (shim_store_read(&s, i, r) || memcmp(w, r, PG))
			bad++;
	}
	CHECK_INT(0, bad);
	CHECK_INT(s.c->injected, s.c->repairs);
	CHECK_INT(0, s.c->errors);

	/* both copies, every block but the swap header */
	shim_store_set_inject(&s, &both);
	fill(w, 0);
	CHECK_INT(0, shim_store_write(&s, 0, w));
	CHECK_INT(0, shim_store_write(&s, 7, w));
	CHECK_INT(0, shim_store_read(&s, 0, r));
	CHECK_INT(-EIO, shim_store_read(&s, 7, r));
	CHECK_INT(1, s.c->errors);
	shim_store_free(&s);
	close(fd);
}

TEST(shim_inject_parse_values)
{
	struct shim_inject i = { 7, 7, 7 };

	CHECK_INT(0, shim_inject_parse(&i, "one=25,both=3"));
	CHECK_INT(25, i.one_permille);
	CHECK_INT(3, i.both_permille);
	CHECK_INT(0, shim_inject_parse(&i, "off"));
	CHECK_INT(0, i.one_permille + i.both_permille);
	CHECK_INT(0, shim_inject_parse(&i, "both=1000"));
	CHECK_INT(1000, i.both_permille);
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, shim_inject_parse(&i, "one=1001"));
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, shim_inject_parse(&i, "one="));
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, shim_inject_parse(&i, "one=600,both=500"));
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, shim_inject_parse(&i, "two=1"));
	CHECK_INT(1000, i.both_permille);
	CHECK_INT(0, shim_inject_parse(&i, "stall=5000"));
	CHECK_INT(5000, i.stall_after);
	CHECK_INT(0, i.one_permille + i.both_permille);
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, shim_inject_parse(&i, "stall=1000000000"));
}

TEST(shim_swap_header_layout)
{
	struct shim_run runs[] = { { 0, 40 * PG } };
	struct shim_run small[] = { { 0, 18 * PG } };
	struct shim_store s;
	unsigned char r[PG];
	int fd = garbage_file(40);

	CHECK_INT(0, shim_store_init(&s, fd, runs, 1, 0, NULL));
	CHECK_INT(0, shim_swap_header(&s));
	CHECK_INT(0, shim_store_read(&s, 0, r));
	CHECK_INT(1, le32_get(r + 1024));
	CHECK_INT(19, le32_get(r + 1028));
	CHECK_INT(0, le32_get(r + 1032));
	CHECK_MEM("SWAPSPACE2", r + PG - 10, 10);
	CHECK_INT(0, r[0] | r[1023] | r[2000]);
	shim_store_free(&s);
	CHECK_INT(0, shim_store_init(&s, fd, small, 1, 0, NULL));
	CHECK_INT(-SALVAGE_E_SHIM_TOO_SMALL, shim_swap_header(&s));
	shim_store_free(&s);
	close(fd);
}

TEST(shim_store_reach_clips)
{
	/* 8 pages, then 16 from page 16; the file ends at page 20: the
	 * second run is cut to 4 pages */
	struct shim_run runs[] = { { 0, 8 * PG }, { 16 * PG, 16 * PG } };
	struct shim_store s;
	unsigned char page[PG];
	int fd = garbage_file(20);

	CHECK_INT(20 * PG, shim_store_reach(fd, runs, 2, page));
	CHECK_INT(0, shim_store_init_below(&s, fd, runs, 2, 0, NULL, 20 * PG));
	CHECK_INT(6, s.nblocks);
	CHECK_INT(19 * PG, shim_store_copy_b(&s, 5));
	shim_store_free(&s);
	/* all of it reads; none of it reads */
	CHECK_INT(-1, (long long)shim_store_reach(fd, runs, 1, page));
	runs[0].off = 40 * PG;
	CHECK_INT(40 * PG, shim_store_reach(fd, runs, 1, page));
	/* the first page after the end, wherever it lies in a long run */
	runs[0].off = 0, runs[0].bytes = 1000 * PG;
	CHECK_INT(20 * PG, shim_store_reach(fd, runs, 1, page));
	close(fd);
}

/* The server killed between a block's two copies (copy A new, copy B not
 * yet written): the process that started it still scrubs copy A, from
 * the arena they share. RLIMIT_FSIZE at copy B's offset makes the kernel
 * kill the writer (SIGXFSZ) right there. */
TEST(shim_store_scrub_after_kill_mid_write)
{
	struct shim_run runs[] = { { 0, 16 * PG } };
	struct shim_store s;
	unsigned char w[PG];
	int fd = garbage_file(16), st = 0;
	pid_t pid;

	CHECK_INT(0, shim_store_init(&s, fd, runs, 1, 0, NULL));
	fill(w, 3);
	if ((pid = fork()) == 0) {
		struct rlimit lim = { (rlim_t)shim_store_copy_b(&s, 2), (rlim_t)shim_store_copy_b(&s, 2) };
		setrlimit(RLIMIT_FSIZE, &lim);
		shim_store_write(&s, 2, w);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	CHECK_INT(1, WIFSIGNALED(st) && WTERMSIG(st) == SIGXFSZ);
	CHECK_INT(0, page_is(fd, shim_store_copy_a(&s, 2), 0xee));
	CHECK_INT(1, page_is(fd, shim_store_copy_b(&s, 2), 0xee));
	CHECK_INT(2, shim_store_scrub(&s));
	CHECK_INT(1, page_is(fd, shim_store_copy_a(&s, 2), 0));
	shim_store_free(&s);
	close(fd);
}

/* A process forked after the shim started (the capture child) keeps no
 * way to old memory: shim_forget closes its copies of the memory fd and
 * the device and unmaps its view of the CRCs; the parent's store works
 * on. */
TEST(shim_forget_in_child)
{
	struct shim_run runs[] = { { 0, 16 * PG } };
	struct shim sh;
	unsigned char w[PG], r[PG];
	char path[512];
	int fd = garbage_file(16), st = 0;
	pid_t pid;

	memset(&sh, 0, sizeof sh);
	snprintf(path, sizeof path, "%s/dev", check_tmpdir());
	sh.nbd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	CHECK_INT(0, shim_store_init(&sh.store, fd, runs, 1, 0, NULL));
	fill(w, 5);
	CHECK_INT(0, shim_store_write(&sh.store, 1, w));
	if ((pid = fork()) == 0) {
		void *arena = sh.store.arena;
		size_t len = sh.store.arena_len;
		int nbd = sh.nbd, bad = 0;
		shim_forget(&sh);
		bad |= !(fcntl(fd, F_GETFD) < 0 && errno == EBADF);
		bad |= !(fcntl(nbd, F_GETFD) < 0 && errno == EBADF) << 1;
		bad |= !(msync(arena, len, MS_ASYNC) < 0 && errno == ENOMEM) << 2;
		_exit(bad);
	}
	waitpid(pid, &st, 0);
	CHECK_INT(1, WIFEXITED(st));
	CHECK_INT(0, WEXITSTATUS(st));
	CHECK_INT(0, shim_store_read(&sh.store, 1, r));
	CHECK_MEM(w, r, PG);
	shim_store_free(&sh.store);
	close(sh.nbd);
	close(fd);
}
