/* Which old-memory pages the crash kernel may borrow (dump/lend.h), over
 * the filter tests' synthetic memory (synth.h), whose level-31 classes
 * are: free 256-260, user 265 272-275 284-287, cache 266 280-283,
 * cache_private 267; hwpoison 270, offline 271, zeros 269, a buddy page
 * with an impossible order 288 (kept). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "../../dump/lend.h"
#include "../../lib/err.h"
#include "../../lib/le.h"
#include "check.h"
#include "synth.h"

static struct dump_capture c;
static struct dump_lend_plan plan;
static uint64_t high_reads; /* struct page reads in the second cycle's mem_map */

static int counting_read(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	if (paddr >= MEMMAP_HIGH * 4096ull && paddr < (MEMMAP_HIGH + 16) * 4096ull)
		high_reads++;
	return synth_read(ctx, paddr, buf, len);
}

/* c as dump_capture_open leaves it over synth_mem (built already) at
 * level, RAM pfns [0, NPFN) (and [HIGH, HIGH + NPFN) with high). */
static void open_cap(int level, int high)
{
	c.mem = (struct dump_mem){ .read_phys = counting_read, .info = &synth_vi };
	c.elf.max_pfn = high ? HIGH + NPFN : NPFN;
	c.ram[0] = (struct dump_range){ 0, NPFN };
	c.ram[1] = (struct dump_range){ HIGH, HIGH + NPFN };
	c.nram = high ? 2 : 1;
	CHECK_INT(0, dump_filter_init(&c.filter, &c.mem, level, c.elf.max_pfn, c.must, c.why, sizeof c.why));
	dump_filter_selfcheck(&c.filter, (const uint64_t[]){ SP }, 1, c.why, sizeof c.why);
	c.level = c.filter.level;
	high_reads = 0;
}

static int in_ram(uint64_t pfn)
{
	for (unsigned i = 0; i < c.nram; i++)
		if (pfn >= c.ram[i].start_pfn && pfn < c.ram[i].end_pfn)
			return 1;
	return 0;
}

/* What every plan must be: runs sorted, disjoint, merged, adding up;
 * each lent page in RAM, outside own[], excluded at c.level as the class
 * it was lent as (dump_filter_fate, the scan's decision page by page),
 * never a page of the self-check's set; dump_lend_has true exactly on
 * the runs. */
static void check_plan(const struct dump_range *own, unsigned nown)
{
	uint64_t pages = 0, by[DUMP_CLASS_COUNT] = { 0 };

	for (unsigned i = 0; i < plan.nrun; i++) {
		const struct dump_lend_run *r = &plan.run[i];

		CHECK_INT(1, r->count > 0);
		if (i + 1 < plan.nrun) {
			const struct dump_lend_run *n = &plan.run[i + 1];
			CHECK_INT(1, r->pfn + r->count <= n->pfn);
			CHECK_INT(0, r->pfn + r->count == n->pfn && r->cls == n->cls); /* merged */
		}
		CHECK_INT(0, dump_lend_has(&plan, r->pfn - 1) && (!i || plan.run[i - 1].pfn +
		          plan.run[i - 1].count != r->pfn));
		CHECK_INT(i + 1 < plan.nrun && plan.run[i + 1].pfn == r->pfn + r->count,
		          dump_lend_has(&plan, r->pfn + r->count));
		for (uint64_t p = r->pfn; p < r->pfn + r->count; p++) {
			CHECK_INT(1, dump_lend_has(&plan, p));
			if (!CHECK_INT(1, in_ram(p)))
				return;
			for (unsigned k = 0; k < nown; k++)
				if (!CHECK_INT(0, p >= own[k].start_pfn && p < own[k].end_pfn))
					return;
			for (unsigned k = 0; k < c.filter.nmust; k++)
				if (!CHECK_INT(0, c.filter.must[k].pfn == p))
					return;
			if (!CHECK_INT(r->cls, dump_filter_fate(&c.filter, p)))
				fprintf(stdout, "     pfn %llu\n", (unsigned long long)p);
		}
		pages += r->count;
		by[r->cls] += r->count;
	}
	CHECK_INT(pages, plan.pages);
	CHECK_MEM(by, plan.by_class, sizeof by);
}

/* The plan as text: "pfn+count class ..." (F free, U user, C cache, P
 * cache_private). */
static const char *runs(void)
{
	static char s[512];
	size_t n = 0;

	s[0] = 0;
	for (unsigned i = 0; i < plan.nrun && n < sizeof s - 40; i++)
		n += (size_t)snprintf(s + n, sizeof s - n, "%s%llu+%llu%c", i ? " " : "",
		                      (unsigned long long)plan.run[i].pfn,
		                      (unsigned long long)plan.run[i].count,
		                      "KZCPUFHO"[plan.run[i].cls]);
	return s;
}

static void check_all_classes(const struct synth_enc *enc)
{
	synth_build(enc);
	open_cap(31, 0);
	CHECK_INT(31, c.level);
	CHECK_INT(0, dump_lend_plan(&c, NULL, 0, 1000, &plan));
	CHECK_STR("256+5F 265+1U 266+1C 267+1P 272+4U 280+4C 284+4U", runs());
	CHECK_INT(20, plan.pages);
	CHECK_INT(5, plan.by_class[DUMP_CLASS_FREE]);
	CHECK_INT(9, plan.by_class[DUMP_CLASS_USER]);
	CHECK_INT(5, plan.by_class[DUMP_CLASS_CACHE]);
	CHECK_INT(1, plan.by_class[DUMP_CLASS_CACHE_PRIVATE]);
	CHECK_STR("level 31 leaves out 20 pages to lend, fewer than the 1000 asked", plan.why);
	check_plan(NULL, 0);
}

/* Everything level 31 leaves out by class, and nothing else: not the
 * hwpoison and offline pages a scan at one class bit leaves out too, not
 * the zero page, not the buddy page with an impossible order. */
TEST(lend_classes_linux_6_1)
{
	check_all_classes(&synth_linux61);
}

TEST(lend_classes_linux_6_12)
{
	check_all_classes(&synth_linux612);
}

TEST(lend_classes_linux_7_1)
{
	check_all_classes(&synth_linux71);
}

/* Free pages first, then user, then cache; want is honoured exactly. */
TEST(lend_order_and_want)
{
	static const struct { uint64_t want; const char *runs; } t[] = {
		{ 3, "256+3F" },
		{ 5, "256+5F" },
		{ 7, "256+5F 265+1U 272+1U" },
		{ 14, "256+5F 265+1U 272+4U 284+4U" },
		{ 15, "256+5F 265+1U 266+1C 272+4U 284+4U" },
		{ 19, "256+5F 265+1U 266+1C 272+4U 280+4C 284+4U" },
	};

	synth_build(&synth_linux612);
	for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++) {
		open_cap(31, 0);
		CHECK_INT(0, dump_lend_plan(&c, NULL, 0, t[i].want, &plan));
		CHECK_STR(t[i].runs, runs());
		CHECK_INT(t[i].want, plan.pages);
		CHECK_STR("", plan.why);
		check_plan(NULL, 0);
	}
}

/* Only the classes whose bit is in the level; without bit 2, a cache page
 * without PG_private goes (and is lent) as cache_private. */
TEST(lend_only_the_level_classes)
{
	static const struct { int level; const char *runs; } t[] = {
		{ 16, "256+5F" }, { 17, "256+5F" }, { 8, "265+1U 272+4U 284+4U" },
		{ 2, "266+1C 280+4C" }, { 4, "266+2P 280+4P" }, { 6, "266+1C 267+1P 280+4C" },
		{ 18, "256+5F 266+1C 280+4C" },
	};

	synth_build(&synth_linux612);
	for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++) {
		open_cap(t[i].level, 0);
		CHECK_INT(0, dump_lend_plan(&c, NULL, 0, 100, &plan));
		if (!CHECK_STR(t[i].runs, runs()))
			fprintf(stdout, "     level %d\n", t[i].level);
		check_plan(NULL, 0);
	}
}

/* Never a page of zeros, at a level with bit 1 too: the filter keeps it
 * (the stream writer decides it from its bytes). Here no hwpoison or
 * offline page makes the plan check each page's class. */
TEST(lend_never_zero_pages)
{
	synth_build(&synth_linux612);
	le64_put(synth_spage(270), 0);
	synth_set_type(271, 0xffffffff);
	open_cap(17, 0);
	CHECK_INT(0, dump_lend_plan(&c, NULL, 0, 1000, &plan));
	CHECK_STR("256+5F", runs());
	check_plan(NULL, 0);
}

/* Nothing to lend, said in one line: level 0, level 1 (zero pages only),
 * and a filter that fell back to level 1 at its self-check. */
TEST(lend_nothing_at_levels_0_and_1)
{
	synth_build(&synth_linux612);
	open_cap(0, 0);
	CHECK_INT(0, dump_lend_plan(&c, NULL, 0, 100, &plan));
	CHECK_INT(0, plan.pages);
	CHECK_INT(0, plan.nrun);
	CHECK_STR("dump level 0 leaves nothing out: nothing to lend", plan.why);
	open_cap(1, 0);
	CHECK_INT(0, dump_lend_plan(&c, NULL, 0, 100, &plan));
	CHECK_INT(0, plan.pages);
	CHECK_STR("dump level 1 leaves out only zero pages, decided from their bytes: nothing to lend",
	          plan.why);
	synth_set_type(OBJ, synth_linux612.buddy); /* the self-check falls back */
	open_cap(31, 0);
	CHECK_INT(1, c.level);
	CHECK_INT(0, dump_lend_plan(&c, NULL, 0, 100, &plan));
	CHECK_INT(0, plan.pages);
	CHECK_STR("the filter fell back to level 1: nothing to lend", plan.why);
}

/* Never the crash kernel's own RAM, never outside the vmcore's RAM. */
TEST(lend_never_own_or_outside_ram)
{
	static const struct dump_range own[] = { { 283, 290 }, { 257, 259 } };

	synth_build(&synth_linux612);
	open_cap(31, 0);
	CHECK_INT(0, dump_lend_plan(&c, own, 2, 1000, &plan));
	CHECK_STR("256+1F 259+2F 265+1U 266+1C 267+1P 272+4U 280+3C", runs());
	check_plan(own, 2);
	/* RAM with a hole at 258-265 */
	c.ram[0] = (struct dump_range){ 0, 258 };
	c.ram[1] = (struct dump_range){ 266, NPFN };
	c.nram = 2;
	CHECK_INT(0, dump_lend_plan(&c, NULL, 0, 1000, &plan));
	CHECK_STR("256+2F 266+1C 267+1P 272+4U 280+4C 284+4U", runs());
	check_plan(NULL, 0);
}

/* A page of the self-check's set that the scan leaves out (the set
 * changed after the check, as if a cycle's bitmap distrusted it): nothing
 * is lent at all, and why says which page. */
TEST(lend_nothing_when_a_cycle_is_distrusted)
{
	unsigned i;

	synth_build(&synth_linux612);
	open_cap(31, 0);
	for (i = 0; i < c.filter.nmust && c.filter.must[i].pfn < 258; i++)
		;
	memmove(&c.filter.must[i + 1], &c.filter.must[i], (c.filter.nmust - i) * sizeof c.filter.must[0]);
	c.filter.must[i] = (struct dump_filter_must){ .pfn = 258, .what = "a test" };
	c.filter.nmust++;
	CHECK_INT(0, dump_lend_plan(&c, NULL, 0, 1000, &plan));
	CHECK_STR("", runs());
	CHECK_INT(0, plan.pages);
	CHECK_STR("nothing lent: self-check: pfn 0x102 (a test) was left out of the bitmap: "
	          "the filter misreads this kernel's struct pages", plan.why);
}

/* A struct page that reads as two classes: a buddy page with an impossible
 * order (kept at level 31) and PG_lru (cache at bit 2 alone). The scan at
 * the full level keeps it, so it is not lent. */
TEST(lend_never_a_page_the_full_level_keeps)
{
	synth_build(&synth_linux612);
	synth_set_flag(288, synth_linux612.pg_lru);
	open_cap(31, 0);
	CHECK_INT(0, dump_lend_plan(&c, NULL, 0, 1000, &plan));
	CHECK_INT(0, dump_lend_has(&plan, 288));
	CHECK_INT(20, plan.pages);
	check_plan(NULL, 0);
}

/* Free pages of every cycle before user pages of the first; a plan
 * satisfied by the first cycle reads no struct page of the second. */
TEST(lend_free_first_over_all_cycles)
{
	synth_build(&synth_linux612);
	synth_add_high();
	synth_set_type(HIGH + 8, synth_linux612.buddy);
	le64_put(synth_spage(HIGH + 8) + 40, 3);
	open_cap(31, 1);
	CHECK_INT(0, dump_lend_plan(&c, NULL, 0, 5, &plan));
	CHECK_STR("256+5F", runs());
	CHECK_INT(0, high_reads);
	CHECK_INT(0, dump_lend_plan(&c, NULL, 0, 14, &plan));
	CHECK_STR("256+5F 265+1U 4194312+8F", runs());
	CHECK_INT(1, high_reads > 0);
	check_plan(NULL, 0);
}

/* The filter's state after planning: counts, carry, level and lost as
 * they were (the plan is at c.level whatever the filter's), and a scan after it gives the same bitmap as before it. */
TEST(lend_leaves_the_filter_as_it_was)
{
	static unsigned char before[NPFN / 8];
	uint64_t count[DUMP_CLASS_COUNT];

	synth_build(&synth_linux612);
	open_cap(31, 0);
	dump_capture_mark_ram(&c, 0, NPFN);
	CHECK_INT(0, dump_filter_cycle(&c.filter, 0, NPFN, c.keep));
	memcpy(before, c.keep, sizeof before);
	memcpy(count, c.filter.count, sizeof count);
	c.filter.carry_end = 7;
	c.filter.carry_class = DUMP_CLASS_USER;
	c.filter.lost = 3;
	c.filter.level = 1; /* as a run that distrusted a cycle leaves it: c.level counts */
	CHECK_INT(0, dump_lend_plan(&c, NULL, 0, 1000, &plan));
	CHECK_INT(20, plan.pages);
	CHECK_MEM(count, c.filter.count, sizeof count);
	CHECK_INT(7, c.filter.carry_end);
	CHECK_INT(DUMP_CLASS_USER, c.filter.carry_class);
	CHECK_INT(3, c.filter.lost);
	CHECK_INT(1, c.filter.level);
	c.filter.level = 31;
	c.filter.carry_end = 0;
	memset(c.filter.count, 0, sizeof c.filter.count);
	dump_capture_mark_ram(&c, 0, NPFN);
	CHECK_INT(0, dump_filter_cycle(&c.filter, 0, NPFN, c.keep));
	CHECK_MEM(before, c.keep, sizeof before);
	CHECK_MEM(count, c.filter.count, sizeof count);
}

/* A capture run of a vmcore writes the same bytes before planning, after
 * it, and with the plan in c.lent; a run that keeps the lent pages (the
 * filter distrusted, level 1) reads none of them: each goes as the class
 * it was lent as, counted. */
static unsigned char out[3][1 << 20];
static struct synth_sink sink[3] = { { out[0], sizeof out[0], 0 }, { out[1], sizeof out[1], 0 }, { out[2], sizeof out[2], 0 } };

TEST(lend_capture_writes_the_same_stream)
{
	char path[256];
	uint64_t count[DUMP_CLASS_COUNT];
	int fd;

	synth_build(&synth_linux612);
	snprintf(path, sizeof path, "%s/vmcore", check_tmpdir());
	if ((fd = synth_core(path)) < 0)
		CHECK_SKIP("cannot write a vmcore in the temporary directory");
	for (unsigned i = 0; i < 3; i++)
		sink[i].len = 0;
	c.lent = NULL;
	CHECK_INT(0, dump_capture_open(&c, fd, 31));
	CHECK_INT(31, c.level);
	CHECK_INT(0, dump_capture_run(&c, synth_sink_write, &sink[0]));
	memcpy(count, c.stream.count, sizeof count);
	CHECK_INT(0, dump_lend_plan(&c, NULL, 0, 1000, &plan));
	CHECK_INT(20, plan.pages);
	CHECK_INT(0, dump_capture_run(&c, synth_sink_write, &sink[1]));
	c.lent = &plan;
	CHECK_INT(0, dump_capture_run(&c, synth_sink_write, &sink[2]));
	CHECK_INT(0, c.lent_kept);
	CHECK_INT(sink[0].len, sink[1].len);
	CHECK_INT(sink[0].len, sink[2].len);
	CHECK_MEM(out[0], out[1], sink[0].len);
	CHECK_MEM(out[0], out[2], sink[0].len);
	/* level 1 keeps everything but zero pages: the lent ones go as lent */
	c.level = 1;
	CHECK_INT(0, dump_capture_run(&c, synth_sink_write, (sink[2].len = 0, &sink[2])));
	CHECK_INT(20, c.lent_kept);
	CHECK_INT(5, c.stream.count[DUMP_CLASS_FREE]);
	CHECK_INT(9, c.stream.count[DUMP_CLASS_USER]);
	CHECK_INT(5, c.stream.count[DUMP_CLASS_CACHE]);
	CHECK_INT(1, c.stream.count[DUMP_CLASS_CACHE_PRIVATE]);
	CHECK_INT(0, c.stream.count[DUMP_CLASS_HWPOISON]);
	c.lent = NULL;
	c.level = 31;
	close(fd);
}

#include "iomem_crash.inc"

/* /proc/iomem texts: real crash kernels' (iomem_crash.inc), and a first
 * kernel's with nested entries and a "System RAM (kmem)" under a device
 * range. Each page holding a byte of System RAM is the crash kernel's. */
TEST(lend_own_ram_from_iomem)
{
	static const char nested[] =
		"00001000-0009efff : System RAM\n"
		"00100000-3ffdffff : System RAM\n"
		"  0e000000-0f001fff : Kernel code\n"
		"  20000000-27ffffff : Crash kernel\n"
		"100000000-13fffffff : System RAM\n"
		"140000000-1bfffffff : Soft Reserved\n"
		"  140000000-1bfffffff : dax0.0\n"
		"    140000000-17fffffff : System RAM (kmem)\n"
		"180000000-180000fff : System RAM\n";
	static const struct { const char *text; uint64_t s, e; } crash[] = {
		{ iomem_crash_6_1, 0x6f001, 0x7f000 },
		{ iomem_crash_6_12, 0x6b0e0, 0x7b000 },  /* from 6b0e00b0 */
		{ iomem_crash_7_3, 0x6f0e0, 0x7f000 },
	};
	struct dump_range r[8];
	unsigned n = 0;

	for (unsigned i = 0; i < sizeof crash / sizeof crash[0]; i++) {
		CHECK_INT(0, dump_lend_own_ram(crash[i].text, r, 8, &n));
		CHECK_INT(2, n);
		CHECK_INT(0x1, r[0].start_pfn);
		CHECK_INT(0xa0, r[0].end_pfn); /* 9fbff: the partial page 0x9f counts */
		CHECK_INT(crash[i].s, r[1].start_pfn);
		CHECK_INT(crash[i].e, r[1].end_pfn);
	}
	CHECK_INT(0, dump_lend_own_ram(nested, r, 8, &n));
	CHECK_INT(3, n);
	CHECK_INT(0x100, r[1].start_pfn);
	CHECK_INT(0x3ffe0, r[1].end_pfn);
	CHECK_INT(0x100000, r[2].start_pfn);  /* 4 GiB .. 6 GiB + 4 KiB, merged */
	CHECK_INT(0x180001, r[2].end_pfn);
	CHECK_INT(-E2BIG, dump_lend_own_ram(nested, r, 3, &n));
	CHECK_INT(-EACCES, dump_lend_own_ram("00000000-00000000 : System RAM\n"
	                                     "00000000-00000000 : Reserved\n", r, 8, &n));
	CHECK_INT(-EINVAL, dump_lend_own_ram("00001000 System RAM\n", r, 8, &n));
	CHECK_INT(0, dump_lend_own_ram("", r, 8, &n));
	CHECK_INT(0, n);
}

/* The log line of a plan, as dump_lend_report writes it to stderr. */
static const char *report(void)
{
	static char line[512];
	char path[256];
	int fd, saved = dup(2);
	ssize_t n;

	snprintf(path, sizeof path, "%s/log", check_tmpdir());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	dump_lend_report(&plan);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, line, sizeof line - 1, 0);
	close(fd);
	line[n > 0 ? n : 0] = 0;
	return line;
}

TEST(lend_report_one_line)
{
	synth_build(&synth_linux612);
	open_cap(31, 0);
	CHECK_INT(0, dump_lend_plan(&c, NULL, 0, 1000, &plan));
	CHECK_STR("salvage: lend: 20 pages (0 MiB) in 7 runs: free 5, user 9, cache 5, cache_private 1; "
	          "level 31 leaves out 20 pages to lend, fewer than the 1000 asked\n", report());
	CHECK_INT(0, dump_lend_plan(&c, NULL, 0, 6, &plan));
	CHECK_STR("salvage: lend: 6 pages (0 MiB) in 2 runs: free 5, user 1, cache 0, cache_private 0\n",
	          report());
	open_cap(0, 0);
	CHECK_INT(0, dump_lend_plan(&c, NULL, 0, 1000, &plan));
	CHECK_STR("salvage: lend: dump level 0 leaves nothing out: nothing to lend\n", report());
}
