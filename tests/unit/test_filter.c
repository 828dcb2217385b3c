/* The page filter and its self-check over synthetic memory (synth.h: a
 * crashed kernel's page tables, mem_section and struct pages in each
 * encoding the filter knows, Linux 6.1, 6.12 and 7.1+). The last tests
 * give the pages an encoding the filter does not know. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "../../dump/filter.h"
#include "../../lib/err.h"
#include "../../lib/le.h"
#include "check.h"
#include "synth.h"

static struct dump_mem m;
static struct dump_filter f;
static struct dump_filter_must set[DUMP_FILTER_MUST_MAX];
static unsigned char keep[NPFN / 8];
static char why[256];

static int open_filter(int level)
{
	m = (struct dump_mem){ .read_phys = synth_read, .info = &synth_vi };
	return dump_filter_init(&f, &m, level, NPFN, set, why, sizeof why);
}

/* Runs the filter over all pfns in cycles of `cycle`; the first cycle that
 * distrusted its bitmap (dump_filter_cycle returned 1), or -1. */
static int run(unsigned cycle)
{
	int bad = -1;

	memset(keep, 0xff, sizeof keep);
	for (unsigned s = 0; s < NPFN; s += cycle)
		if (dump_filter_cycle(&f, s, s + cycle, keep + s / 8) && bad < 0)
			bad = (int)s;
	return bad;
}

static int is_kept(unsigned pfn)
{
	return keep[pfn / 8] >> (pfn % 8) & 1;
}

/* Level 31 on a known encoding: the self-check passes, each class goes
 * as docs/filtering.md says and every other page stays. */
static void check_classes(const struct synth_enc *enc)
{
	static const struct { unsigned pfn, n, kept; } want[] = {
		{ 256, 4, 0 }, { 260, 1, 0 }, { 264, 1, 1 }, { 265, 1, 0 }, { 266, 1, 0 },
		{ 267, 1, 0 }, { 269, 1, 1 }, { 270, 1, 0 }, { 271, 1, 0 }, { 272, 4, 0 },
		{ 276, 4, 1 }, { 280, 4, 0 }, { 284, 4, 0 }, { 288, 1, 1 }, { 289, 1, 1 },
		{ 0, 256, 1 }, { 290, NPFN - 290, 1 },
	};

	synth_build(enc);
	CHECK_INT(0, open_filter(31));
	CHECK_STR("", why);
	CHECK_INT(0, dump_filter_selfcheck(&f, (const uint64_t[]){ SP }, 1, why, sizeof why));
	CHECK_STR("", why);
	CHECK_INT(31, f.level);
	CHECK_INT(-1, run(NPFN));
	for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++)
		for (unsigned p = want[i].pfn; p < want[i].pfn + want[i].n; p++)
			if (!CHECK_INT(want[i].kept, is_kept(p)))
				fprintf(stdout, "     pfn %u, %.14s\n", p, enc->info);
	CHECK_INT(5, f.count[DUMP_CLASS_FREE]);
	CHECK_INT(1 + 4 + 4, f.count[DUMP_CLASS_USER]);
	CHECK_INT(1 + 4, f.count[DUMP_CLASS_CACHE]);
	CHECK_INT(1, f.count[DUMP_CLASS_CACHE_PRIVATE]);
	CHECK_INT(1, f.count[DUMP_CLASS_HWPOISON]);
	CHECK_INT(1, f.count[DUMP_CLASS_OFFLINE]);
	/* the set holds the stack, its page tables, the symbols' pages */
	CHECK_INT(-1, dump_filter_fate(&f, STACK + 1));
	CHECK_INT(DUMP_CLASS_FREE, dump_filter_fate(&f, 259));
	CHECK_INT(DUMP_CLASS_USER, dump_filter_fate(&f, 275));
}

TEST(filter_classes_linux_6_1)
{
	check_classes(&synth_linux61);
}

TEST(filter_classes_linux_6_12)
{
	check_classes(&synth_linux612);
}

TEST(filter_classes_linux_7_1)
{
	check_classes(&synth_linux71);
}

/* What the self-check confirms: each named page is in the set. */
TEST(filter_selfcheck_set)
{
	static const unsigned want[] = {
		PGD, PUD, MS_ROOTS, MS_ROOT, PUD_K, PUD_V, PMD_V, PTE_V, MEMMAP, UTS,
		STACK + 1, STACK + 2, STACK + 3, OBJ, VA,
	};
	unsigned i = 0;

	synth_build(&synth_linux612);
	CHECK_INT(0, open_filter(31));
	dump_filter_must_collect(&f, (const uint64_t[]){ SP, 0x7ffc0000 }, 2);
	for (unsigned k = 0; k < sizeof want / sizeof want[0]; k++) {
		while (i < f.nmust && f.must[i].pfn < want[k])
			i++;
		if (!CHECK_INT(want[k], i < f.nmust ? f.must[i].pfn : ~0ull))
			return;
	}
	CHECK_INT(sizeof want / sizeof want[0], f.nmust); /* nothing else, no repeats */
	CHECK_INT(0, f.must_lost);
}

/* A kernel whose page types the filter cannot read: the self-check finds
 * a page every dump must hold about to go, falls back to level 1 before
 * any cycle, and says which page and why in one line. */
static void check_fallback(const char *want)
{
	CHECK_INT(0, open_filter(31));
	CHECK_INT(1, dump_filter_selfcheck(&f, (const uint64_t[]){ SP }, 1, why, sizeof why));
	CHECK_INT(1, f.level);
	CHECK_STR(want, why);
	CHECK_INT(-1, run(512));
	for (unsigned p = 0; p < NPFN; p++)
		if (!CHECK_INT(1, is_kept(p)))
			break;
}

TEST(filter_selfcheck_falls_back_on_unknown_encoding)
{
	/* types moved out of _mapcount: a slab page's old word reads as the
	 * buddy value */
	synth_build(&synth_linux612);
	synth_set_type(OBJ, synth_linux612.buddy);
	check_fallback("self-check: pfn 0x258 (SYMBOL(vmap_area_list)) would go as free: "
	               "the filter misreads this kernel's struct pages");
	/* slab's type carrying data in its low 24 bits: no longer equal, so
	 * its odd slab count looks anonymous */
	synth_build(&synth_linux612);
	synth_set_type(OBJ, synth_linux612.slab | 7);
	check_fallback("self-check: pfn 0x258 (SYMBOL(vmap_area_list)) would go as user: "
	               "the filter misreads this kernel's struct pages");
	/* the same on a slab page the list in SYMBOL(vmap_area_list) leads to */
	synth_build(&synth_linux612);
	synth_set_type(VA, synth_linux612.slab | 7);
	check_fallback("self-check: pfn 0x262 (a vmap_area on SYMBOL(vmap_area_list)) would go as user: "
	               "the filter misreads this kernel's struct pages");
	/* a page-table type that decodes as offline */
	synth_build(&synth_linux612);
	synth_set_type(PTE_V, synth_linux612.offline);
	check_fallback("self-check: pfn 0x7 (a page table for the stack of CPU 0) would go as offline: "
	               "the filter misreads this kernel's struct pages");
}

/* The same kernel with the up-front check skipped: the filter itself
 * reports the cycle whose bitmap lost the page (beyond the first cycle),
 * and no other. */
TEST(filter_selfcheck_confirms_each_cycle)
{
	synth_build(&synth_linux612);
	synth_set_type(OBJ, synth_linux612.buddy);
	CHECK_INT(0, open_filter(31));
	dump_filter_must_collect(&f, (const uint64_t[]){ SP }, 1);
	CHECK_INT(512, run(512));
	CHECK_INT(OBJ, f.must[f.lost].pfn);
	why[0] = 0;
	dump_filter_say_lost(&f, f.lost, -1, why, sizeof why);
	CHECK_STR("self-check: pfn 0x258 (SYMBOL(vmap_area_list)) was left out of the bitmap: "
	          "the filter misreads this kernel's struct pages", why);
	/* a known encoding: no cycle complains */
	synth_build(&synth_linux612);
	CHECK_INT(0, open_filter(31));
	dump_filter_must_collect(&f, (const uint64_t[]){ SP }, 1);
	CHECK_INT(-1, run(256));
}

/* ---- a cycle decided in parts (dump_filter_part, the workers' way) ---- */

static struct dump_filter w;
static struct dump_mem wm;

/* run(cycle) again, each cycle's parts of 2^shift decided last first,
 * each by a fresh copy of f: the first cycle that lost a page, or -1. */
static int run_parts(unsigned cycle, unsigned shift)
{
	int bad = -1;

	memset(keep, 0xff, sizeof keep);
	for (unsigned s = 0; s < NPFN; s += cycle) {
		uint64_t carry_end = f.carry_end;
		int carry_class = f.carry_class;
		unsigned char *k = keep + s / 8;

		dump_filter_cycle_begin(&f, s, s + cycle, k);
		for (unsigned from = s + cycle; from-- > s;) {
			if ((from - s) & ((1u << shift) - 1))
				continue;
			memcpy(&w, &f, offsetof(struct dump_filter, batch));
			wm = m;
			w.mem = &wm;
			w.sec_nr = ~0ull;
			memset(w.count, 0, sizeof w.count);
			dump_filter_part(&w, carry_end, carry_class, s, s + cycle, from,
			                 from + (1u << shift) < s + cycle ? from + (1u << shift) : s + cycle,
			                 shift, k);
			for (int c = 0; c < DUMP_CLASS_COUNT; c++)
				f.count[c] += w.count[c];
			if (from + (1u << shift) >= s + cycle && w.carry_end > s + cycle) {
				f.carry_end = w.carry_end;
				f.carry_class = w.carry_class;
			}
		}
		if (dump_filter_cycle_end(&f, s, s + cycle, k) && bad < 0)
			bad = (int)s;
	}
	return bad;
}

/* Blocks across the parts' boundaries (synth_add_crossing) and a
 * hugetlb page across cycles: every shift and cycle gives the one scan's
 * bitmap, counts and carry. */
static void check_parts(const struct synth_enc *enc)
{
	static const unsigned cycles[] = { NPFN, 512, 128 };
	static unsigned char want[NPFN / 8];
	uint64_t count[DUMP_CLASS_COUNT];

	synth_build(enc);
	synth_add_crossing();
	for (unsigned i = 0; i < sizeof cycles / sizeof cycles[0]; i++)
		for (unsigned shift = 4; shift <= 9 && (1u << shift) <= cycles[i]; shift++) {
			CHECK_INT(0, open_filter(31));
			CHECK_INT(0, dump_filter_selfcheck(&f, (const uint64_t[]){ SP }, 1, why, sizeof why));
			CHECK_INT(-1, run(cycles[i]));
			memcpy(want, keep, sizeof want);
			memcpy(count, f.count, sizeof count);
			CHECK_INT(0, open_filter(31));
			CHECK_INT(0, dump_filter_selfcheck(&f, (const uint64_t[]){ SP }, 1, why, sizeof why));
			CHECK_INT(-1, run_parts(cycles[i], shift));
			if (!CHECK_MEM(want, keep, sizeof want) || !CHECK_MEM(count, f.count, sizeof count))
				fprintf(stdout, "     cycle %u, parts of 2^%u, %.14s\n", cycles[i], shift, enc->info);
		}
	/* what the blocks are: free 320-383 whole, the THP whole, hugetlb */
	CHECK_INT(5 + 64, count[DUMP_CLASS_FREE]);
	CHECK_INT(1 + 4 + 4 + 128 + 256, count[DUMP_CLASS_USER]);
}

TEST(filter_parts_linux_6_1)
{
	check_parts(&synth_linux61);
}

TEST(filter_parts_linux_6_12)
{
	check_parts(&synth_linux612);
}

TEST(filter_parts_linux_7_1)
{
	check_parts(&synth_linux71);
}
