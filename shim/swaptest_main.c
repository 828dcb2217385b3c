/* salvage swaptest (its usage: CMD below)
 *
 * Starts the swap shim (shim/shim.h) on a file (a tmpfs file in a test
 * guest; its pages are mlocked so they never go to the swap they hold) or
 * on /dev/mem ranges (memory the kernel does not use, as old memory in the
 * crash kernel), then runs a child that writes child-mb MiB of anonymous
 * memory with a pattern and reads it back: with more than the RAM allows,
 * it completes only through the swap. Prints the child's outcome, MB/s of
 * swap-out (the writing pass) and swap-in (the reading pass), and the
 * counters. --inject corrupts copy A of N blocks in 1000 (one=) or both
 * copies (both=) after each write, or makes the server stop answering
 * after N requests (stall=), for the tests.
 * --store-only: no NBD and no child; writes then reads every block of the
 * store directly and prints its MB/s (the bench's offline figure).
 * --no-shim: the child alone, without swap (the tests' "fails without").
 * Exit: 0 the child's data came back right, 1 it did not (or it died),
 * 100 usage, 111 the shim could not start or stop. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../lib/clock.h"
#include "../lib/cmd.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "shim.h"

CMD(swaptest, "[--file PATH --size-mb N | --mem START_MB:MB...] [--dev /dev/nbdN] [--swap-mb N] "
              "[--child-mb N] [--inject one=N,both=N,stall=N] [--store-only | --no-shim]",
    "swap on the shim, a memory-hungry child, MB/s and counters");
#define MAX_RANGES 16

struct swaptest {
	const char *file, *dev;
	uint64_t size_mb, swap_mb, child_mb;
	struct shim_run runs[MAX_RANGES];
	unsigned nrun;
	struct shim_opts opt;
	int store_only, no_shim;
};

static int mb_arg(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || *end || errno || v > (1ull << 40))
		return -1;
	*out = v;
	return 0;
}

/* START_MB:MB */
static int range_arg(struct swaptest *t, const char *s)
{
	char start[32];
	const char *colon = strchr(s, ':');
	uint64_t a, n;

	if (!colon || (size_t)(colon - s) >= sizeof start || t->nrun == MAX_RANGES)
		return -1;
	memcpy(start, s, (size_t)(colon - s));
	start[colon - s] = 0;
	if (mb_arg(start, &a) || mb_arg(colon + 1, &n))
		return -1;
	t->runs[t->nrun].off = a << 20;
	t->runs[t->nrun++].bytes = n << 20;
	return 0;
}

static int parse(struct swaptest *t, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *a = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(o, "--store-only") || !strcmp(o, "--no-shim")) {
			*(o[2] == 's' ? &t->store_only : &t->no_shim) = 1;
			continue;
		}
		if (!a)
			return -1;
		i++;
		if (!strcmp(o, "--file"))
			t->file = a;
		else if (!strcmp(o, "--dev"))
			t->dev = a;
		else if (!strcmp(o, "--size-mb") && !mb_arg(a, &t->size_mb) && t->size_mb)
			;
		else if (!strcmp(o, "--swap-mb") && !mb_arg(a, &t->swap_mb))
			t->opt.max_bytes = t->swap_mb << 20;
		else if (!strcmp(o, "--child-mb") && !mb_arg(a, &t->child_mb))
			;
		else if (!strcmp(o, "--mem") && !range_arg(t, a))
			;
		else if (!strcmp(o, "--inject") && !shim_inject_parse(&t->opt.inject, a))
			;
		else
			return -1;
	}
	if (t->no_shim)
		return t->file || t->nrun || t->store_only ? -1 : 0;
	if (!t->file == !t->nrun || (t->file && !t->size_mb))
		return -1;
	return 0;
}

/* The backing fd: /dev/mem, or the file made size_mb long and locked in
 * memory through a shared mapping of it. */
static int open_backing(struct swaptest *t)
{
	int fd;
	void *m;

	if (!t->file)
		return open("/dev/mem", O_RDWR | O_CLOEXEC);
	if ((fd = open(t->file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return -1;
	t->runs[0].off = 0;
	t->runs[0].bytes = t->size_mb << 20;
	t->nrun = 1;
	if (ftruncate(fd, (off_t)t->runs[0].bytes))
		return -1;
	m = mmap(NULL, t->runs[0].bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (m == MAP_FAILED || (!t->store_only && mlock(m, t->runs[0].bytes)))
		return -1;
	return fd;
}

static uint64_t pattern(uint64_t page, uint64_t word)
{
	return (page * 0x9e3779b97f4a7c15ull) ^ (word * 0xc2b2ae3d27d4eb4full) ^ 0x5a17a6e;
}

static void say(const char *what, uint64_t bytes, uint64_t ms)
{
	uint64_t mbps = ms ? (bytes >> 20) * 1000 / ms : 0;

	log_info("swaptest: ", what, " ", U64(bytes >> 20), " MiB in ", U64(ms), " ms: ", U64(mbps), " MB/s");
}

/* The child: writes every page of child_mb MiB, then reads them back.
 * Exits 0 when all came back, 1 at the first wrong word; an unreadable
 * swap block kills it with SIGBUS. */
static void run_child(uint64_t child_mb, const struct shim_counters *c)
{
	uint64_t len = child_mb << 20, pages = len / 4096, t0, w0, r0;
	uint64_t *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (m == MAP_FAILED)
		_exit(1);
	t0 = clock_now_ms(), w0 = c->write_bytes;
	for (uint64_t p = 0; p < pages; p++)
		for (uint64_t w = 0; w < 512; w += 64)
			m[p * 512 + w] = pattern(p, w);
	say("swap-out", c->write_bytes - w0, clock_now_ms() - t0);
	t0 = clock_now_ms(), r0 = c->read_bytes;
	for (uint64_t p = 0; p < pages; p++)
		for (uint64_t w = 0; w < 512; w += 64)
			if (m[p * 512 + w] != pattern(p, w)) {
				log_err("swaptest: child: wrong data at page ", U64(p));
				_exit(1);
			}
	say("swap-in", c->read_bytes - r0, clock_now_ms() - t0);
	_exit(0);
}

/* Waits for the child, with the counters every 10 s (the guest's
 * console shows a slow swap moving). A shim whose device went down has
 * lost the child's swapped pages: the child is killed, as PID 1 kills
 * the capture (a process reclaiming onto a dead device may spin). */
static int child_outcome(pid_t pid, const struct shim_counters *c, struct shim *sh)
{
	uint64_t next = clock_now_ms() + 10000;
	pid_t r;
	int st, e;

	while ((r = waitpid(pid, &st, WNOHANG)) <= 0) {
		if (r < 0 && errno != EINTR)
			return 1;
		if (c && clock_now_ms() >= next) {
			shim_log_counters(c);
			next += 10000;
		}
		if (sh && (e = shim_check(sh))) {
			int u;

			/* killed first, as PID 1 does: a log line allocates */
			kill(pid, SIGKILL);
			u = shim_unfence(sh);
			log_err("swaptest: ", err_name(e), ": ", err_text(e), "; the child is killed");
			if (u)
				log_warn("swaptest: the swap users' limit stays: ", err_name(u));
			sh = NULL;
		}
		usleep(100000);
	}
	if (WIFEXITED(st) && !WEXITSTATUS(st)) {
		log_info("swaptest: child: ok, data verified");
		return 0;
	}
	if (WIFSIGNALED(st))
		log_err("swaptest: child: killed by signal ", U64((uint64_t)WTERMSIG(st)),
		        WTERMSIG(st) == SIGBUS ? " (SIGBUS: a swap block could not be read)" : "");
	else
		log_err("swaptest: child: failed, exit ", U64((uint64_t)WEXITSTATUS(st)));
	return 1;
}

static int run_alone(uint64_t child_mb, const struct shim_counters *c)
{
	pid_t pid = fork();

	if (pid == 0)
		run_child(child_mb, c);
	return pid < 0 ? 111 : child_outcome(pid, NULL, NULL);
}

/* Every block written, then read, straight through the store. */
static int store_only(struct swaptest *t, int fd, struct shim_counters *c)
{
	struct shim_store s;
	static unsigned char page[SHIM_BLOCK];
	uint64_t t0;
	int r;

	if ((r = shim_store_init(&s, fd, t->runs, t->nrun, t->opt.max_bytes / SHIM_BLOCK, c)))
		return log_err("swaptest: store: ", err_name(r), ": ", err_text(r)), 111;
	shim_store_set_inject(&s, &t->opt.inject);
	t0 = clock_now_ms();
	for (uint64_t i = 0; i < s.nblocks && !r; i++) {
		memset(page, (int)(i & 0xff), sizeof page);
		r = shim_store_write(&s, i, page);
	}
	say("store write", s.nblocks * SHIM_BLOCK, clock_now_ms() - t0);
	t0 = clock_now_ms();
	for (uint64_t i = 0; i < s.nblocks && !r; i++)
		r = shim_store_read(&s, i, page);
	say("store read", s.nblocks * SHIM_BLOCK, clock_now_ms() - t0);
	shim_store_scrub(&s);
	shim_store_free(&s);
	shim_log_counters(c);
	return r ? 1 : 0;
}

static int swaptest_main(int argc, char **argv)
{
	struct swaptest t = { .dev = "/dev/nbd0", .child_mb = 64 };
	struct shim_counters *c;
	struct shim sh;
	pid_t pid;
	int fd, r, bad;

	if (parse(&t, argc, argv))
		return cmd_usage(&swaptest_cmd);
	c = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c != MAP_FAILED && t.no_shim)
		return run_alone(t.child_mb, c);
	if (c == MAP_FAILED || (fd = open_backing(&t)) < 0)
		return log_err("swaptest: ", t.file ? t.file : "/dev/mem", ": ", err_text(-errno)), 111;
	if (t.store_only)
		return store_only(&t, fd, c);
	/* like PID 1: the parent never depends on the swap */
	mlockall(MCL_CURRENT | MCL_FUTURE);
	if (shim_start(&sh, fd, t.runs, t.nrun, t.dev, &t.opt, c))
		return 111;
	if ((pid = fork()) == 0) {
		munlockall();
		if (sh.fenced && (r = shim_join(&sh)))
			log_warn("swaptest: child outside the swap users' cgroup: ", err_name(r));
		run_child(t.child_mb, c);
	}
	bad = pid < 0 ? 1 : child_outcome(pid, c, &sh);
	if ((r = shim_check(&sh)))
		log_err("swaptest: ", err_name(r), ": ", err_text(r));
	r = shim_stop(&sh);
	shim_log_counters(c);
	return r ? 111 : bad;
}
