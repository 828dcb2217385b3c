/* The page filter and its self-check over synthetic memory: 4 MiB of fake
 * physical memory (1024 pfns, one section of SECTION_SIZE_BITS 22) with
 * page tables, mem_section, a mem_map of 64-byte struct pages and a CPU
 * stack mapped by 4 KiB pages in the vmalloc area, described by a
 * VMCOREINFO in each struct page encoding the filter knows
 * (docs/filtering.md): Linux 6.1 (PG_slab flag, page types as cleared
 * bits, compound order and dtor bytes in the first tail page), 6.12
 * (types as values in the top byte, order in the first tail's flags) and
 * 7.1+ (compound_head renamed compound_info, tails holding a mask). The
 * last tests give the pages an encoding the filter does not know. */
#include <stdio.h>
#include <string.h>
#include "../../dump/filter.h"
#include "../../lib/err.h"
#include "../../lib/le.h"
#include "check.h"

#define V 0xffff888000000000ull   /* the direct map: virtual address of physical 0 */
#define VS 0xffffc90000000000ull  /* the vmalloc area: the CPU stack */
#define NPFN 1024u
enum {
	PGD = 0, PUD = 1, MS_ROOTS = 2, MS_ROOT = 3, PUD_K = 4, PUD_V = 5, PMD_V = 6, PTE_V = 7,
	MEMMAP = 8,              /* 16 pages of struct pages */
	UTS = 32, STACK = 128,   /* 4 pages, at VS */
	OBJ = 600,               /* SYMBOL(vmap_area_list): beyond a first cycle of 512 */
	VA = 610,                /* the vmap_area on that list */
};
#define SP (VS + 0x1f00)     /* stack pages 129-131 are in use */

static unsigned char mem[NPFN * 4096];

static int fake_read(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	(void)ctx;
	if (paddr >= sizeof mem || len > sizeof mem - paddr)
		return -SALVAGE_E_NOT_IN_DUMP;
	memcpy(buf, mem + paddr, len);
	return 0;
}

/* How a kernel encodes what the filter reads. */
struct enc {
	const char *info;        /* VMCOREINFO lines of this encoding */
	uint32_t buddy, offline, table, slab, hugetlb; /* _mapcount values; slab 0: a flag */
	int pg_slab, pg_lru, pg_private, pg_hwpoison;
	uint64_t head_mask;
	int order_at, dtor_at;   /* bytes of the first tail page, or -1: order in its flags */
	unsigned char hugetlb_dtor;
	int mask_tails;          /* 7.1+: tails hold a mask, not the head's address */
};

static const struct enc linux61 = {
	"OSRELEASE=6.1.0-test\nNUMBER(PG_slab)=9\nNUMBER(PG_lru)=4\nNUMBER(PG_private)=13\n"
	"NUMBER(PG_swapbacked)=19\nNUMBER(PG_swapcache)=10\nNUMBER(PG_hwpoison)=23\n"
	"NUMBER(PG_head_mask)=65536\nNUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
	"NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\nOFFSET(page.compound_head)=8\n"
	"OFFSET(page.compound_dtor)=16\nOFFSET(page.compound_order)=17\nNUMBER(HUGETLB_PAGE_DTOR)=2\n",
	0xffffff7f, 0xfffffeff, 0xfffffdff, 0, 0, 9, 4, 13, 23, 1ull << 16, 17, 16, 2, 0,
};

#define TYPES_612 \
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-268435456\nNUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-251658240\n" \
	"NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=-184549376\nNUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=-201326592\n" \
	"NUMBER(PG_lru)=5\nNUMBER(PG_private)=14\nNUMBER(PG_swapbacked)=17\nNUMBER(PG_swapcache)=10\n" \
	"NUMBER(PG_head_mask)=64\n"

static const struct enc linux612 = {
	"OSRELEASE=6.12.0-test\n" TYPES_612 "NUMBER(PG_hwpoison)=20\nOFFSET(page.compound_head)=8\n",
	0xf0000000, 0xf1000000, 0xf2000000, 0xf5000000, 0xf4000000, -1, 5, 14, 20, 64, -1, -1, 0, 0,
};

static const struct enc linux71 = {
	"OSRELEASE=7.1.0-test\n" TYPES_612 "NUMBER(PG_hwpoison)=21\nOFFSET(page.compound_info)=8\n"
	"NUMBER(PAGE_UNACCEPTED_MAPCOUNT_VALUE)=-150994944\n",
	0xf0000000, 0xf1000000, 0xf2000000, 0xf5000000, 0xf4000000, -1, 5, 14, 21, 64, -1, -1, 0, 1,
};

static char info_text[4096];
static struct dump_vmcoreinfo vi;
static const struct enc *e;

static unsigned char *spage(unsigned pfn)
{
	return mem + MEMMAP * 4096 + pfn * 64;
}

static void set_type(unsigned pfn, uint32_t type)
{
	le32_put(spage(pfn) + 48, type);
}

static void set_flag(unsigned pfn, int nr)
{
	unsigned char *p = spage(pfn);
	le64_put(p, le64_get(p) | 1ull << nr);
}

static void set_slab(unsigned pfn)
{
	if (e->slab)
		set_type(pfn, e->slab);
	else
		set_flag(pfn, e->pg_slab);
}

/* A compound page of 2^order at pfn: PG_head, tails marked, the order (and
 * dtor, 6.1) in the first tail. */
static void set_compound(unsigned pfn, unsigned order, int hugetlb)
{
	unsigned char *head = spage(pfn), *first = spage(pfn + 1);

	le64_put(head, le64_get(head) | e->head_mask);
	for (unsigned i = 1; i < 1u << order; i++)
		le64_put(spage(pfn + i) + 8, e->mask_tails ? 0xffffffffffffff81ull
		                                            : (V + MEMMAP * 4096 + pfn * 64) | 1);
	if (e->order_at >= 0) {
		first[e->order_at] = (unsigned char)order;
		first[e->dtor_at] = hugetlb ? e->hugetlb_dtor : 1;
	} else {
		le64_put(first, le64_get(first) | order);
		if (hugetlb)
			set_type(pfn, e->hugetlb);
	}
}

static void pte(unsigned table, unsigned index, uint64_t entry)
{
	le64_put(mem + table * 4096 + index * 8, entry);
}

/* The memory and VMCOREINFO of a kernel with encoding enc, and the pages
 * of each class (docs/filtering.md#the-per-page-decision):
 *   256-259 free (order 2), 260 free, 264 slab (its slab count odd, in
 *   mapping's word), 265 anon, 266 cache, 267 private cache, 269 zeros,
 *   270 hwpoison, 271 offline, 272-275 anon THP, 276-279 slab of order 2,
 *   (the first tail looking anonymous), 280-283 cache folio, 284-287 hugetlb, 288 free with an impossible
 *   order, 289 slab with the buddy value (6.1 only: a flag and a type
 *   together), OBJ a slab page holding SYMBOL(vmap_area_list), VA a slab
 *   page holding the vmap_area on that list. */
static void build(const struct enc *enc)
{
	size_t len;

	e = enc;
	memset(mem, 0, sizeof mem);
	pte(PGD, 273, PUD * 4096 | 1);                 /* V */
	pte(PUD, 0, 0 | 0x80 | 1);                     /* 1 GiB page at 0 */
	pte(PGD, 511, PUD_K * 4096 | 1);               /* __START_KERNEL_map */
	pte(PUD_K, 510, 0 | 0x80 | 1);
	pte(PGD, 402, PUD_V * 4096 | 1);               /* VS, by 4 KiB pages */
	pte(PUD_V, 0, PMD_V * 4096 | 1);
	pte(PMD_V, 0, PTE_V * 4096 | 1);
	for (unsigned i = 0; i < 4; i++)
		pte(PTE_V, i, (STACK + i) * 4096ull | 1);
	le64_put(mem + MS_ROOTS * 4096, V + MS_ROOT * 4096);
	le64_put(mem + MS_ROOT * 4096, (V + MEMMAP * 4096) | 1); /* section 0 present */
	memcpy(mem + UTS * 4096 + 4, "Linux", 5);
	for (unsigned p = 0; p < NPFN; p++)
		set_type(p, 0xffffffff);               /* _mapcount -1: no type */
	for (unsigned p = PUD_V; p <= PTE_V; p++)
		set_type(p, e->table);

	set_type(256, e->buddy), le64_put(spage(256) + 40, 2);
	set_type(260, e->buddy);
	set_slab(264), le64_put(spage(264) + 24, 3);
	le64_put(spage(265) + 24, V | 1);
	set_flag(266, e->pg_lru);
	set_flag(267, e->pg_lru), set_flag(267, e->pg_private);
	set_flag(270, e->pg_hwpoison);
	set_type(271, e->offline);
	set_compound(272, 2, 0), le64_put(spage(272) + 24, V | 1);
	set_slab(276), set_compound(276, 2, 0);
	le64_put(spage(277) + 24, 1); /* the first tail's counters (6.x folios) at mapping's offset */
	set_flag(280, e->pg_lru), set_compound(280, 2, 0);
	set_compound(284, 2, 1);
	set_type(288, e->buddy), le64_put(spage(288) + 40, 11);
	if (!e->slab)
		set_slab(289), set_type(289, e->buddy);
	set_slab(OBJ), le64_put(spage(OBJ) + 24, 5);
	/* vmap_area_list (at OBJ + 0x40) -> one vmap_area, its list at 40 */
	le64_put(mem + OBJ * 4096 + 0x40, V + VA * 4096 + 0x100 + 40);
	le64_put(mem + VA * 4096 + 0x100 + 40, V + OBJ * 4096 + 0x40);
	set_slab(VA), le64_put(spage(VA) + 24, 7);
	/* 269 is an ordinary page of zeros: the stream writer finds zero
	 * pages from their bytes (level bit 1); the filter keeps it */

	len = (size_t)snprintf(info_text, sizeof info_text,
		"%sSYMBOL(init_top_pgt)=ffffffff80000000\nSYMBOL(swapper_pg_dir)=ffffffff80000000\n"
		"NUMBER(phys_base)=0\nSIZE(page)=64\nOFFSET(page.flags)=0\n"
		"OFFSET(page.mapping)=24\nOFFSET(page._mapcount)=48\nOFFSET(page.private)=40\n"
		"OFFSET(page._refcount)=52\nSYMBOL(mem_section)=%llx\nLENGTH(mem_section)=1\n"
		"SIZE(mem_section)=16\nOFFSET(mem_section.section_mem_map)=0\n"
		"NUMBER(SECTION_SIZE_BITS)=22\nLENGTH(zone.free_area)=11\n"
		"SYMBOL(init_uts_ns)=%llx\nOFFSET(uts_namespace.name)=4\nSYMBOL(vmap_area_list)=%llx\n"
		"OFFSET(vmap_area.list)=40\n",
		e->info, (unsigned long long)(V + MS_ROOTS * 4096),
		(unsigned long long)(V + UTS * 4096), (unsigned long long)(V + OBJ * 4096 + 0x40));
	vi = (struct dump_vmcoreinfo){ info_text, len };
}

static struct dump_mem m;
static struct dump_filter f;
static unsigned char keep[NPFN / 8];
static char why[256];

static int open_filter(int level)
{
	m = (struct dump_mem){ .read_phys = fake_read, .info = &vi };
	return dump_filter_init(&f, &m, level, NPFN, why, sizeof why);
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
static void check_classes(const struct enc *enc)
{
	static const struct { unsigned pfn, n, kept; } want[] = {
		{ 256, 4, 0 }, { 260, 1, 0 }, { 264, 1, 1 }, { 265, 1, 0 }, { 266, 1, 0 },
		{ 267, 1, 0 }, { 269, 1, 1 }, { 270, 1, 0 }, { 271, 1, 0 }, { 272, 4, 0 },
		{ 276, 4, 1 }, { 280, 4, 0 }, { 284, 4, 0 }, { 288, 1, 1 }, { 289, 1, 1 },
		{ 0, 256, 1 }, { 290, NPFN - 290, 1 },
	};

	build(enc);
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
	check_classes(&linux61);
}

TEST(filter_classes_linux_6_12)
{
	check_classes(&linux612);
}

TEST(filter_classes_linux_7_1)
{
	check_classes(&linux71);
}

/* What the self-check confirms: each named page is in the set. */
TEST(filter_selfcheck_set)
{
	static const unsigned want[] = {
		PGD, PUD, MS_ROOTS, MS_ROOT, PUD_K, PUD_V, PMD_V, PTE_V, MEMMAP, UTS,
		STACK + 1, STACK + 2, STACK + 3, OBJ, VA,
	};
	unsigned i = 0;

	build(&linux612);
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
	build(&linux612);
	set_type(OBJ, linux612.buddy);
	check_fallback("self-check: pfn 0x258 (SYMBOL(vmap_area_list)) would go as free: "
	               "the filter misreads this kernel's struct pages");
	/* slab's type carrying data in its low 24 bits: no longer equal, so
	 * its odd slab count looks anonymous */
	build(&linux612);
	set_type(OBJ, linux612.slab | 7);
	check_fallback("self-check: pfn 0x258 (SYMBOL(vmap_area_list)) would go as user: "
	               "the filter misreads this kernel's struct pages");
	/* the same on a slab page the list in SYMBOL(vmap_area_list) leads to */
	build(&linux612);
	set_type(VA, linux612.slab | 7);
	check_fallback("self-check: pfn 0x262 (a vmap_area on SYMBOL(vmap_area_list)) would go as user: "
	               "the filter misreads this kernel's struct pages");
	/* a page-table type that decodes as offline */
	build(&linux612);
	set_type(PTE_V, linux612.offline);
	check_fallback("self-check: pfn 0x7 (a page table for the stack of CPU 0) would go as offline: "
	               "the filter misreads this kernel's struct pages");
}

/* The same kernel with the up-front check skipped: the filter itself
 * reports the cycle whose bitmap lost the page (beyond the first cycle),
 * and no other. */
TEST(filter_selfcheck_confirms_each_cycle)
{
	build(&linux612);
	set_type(OBJ, linux612.buddy);
	CHECK_INT(0, open_filter(31));
	dump_filter_must_collect(&f, (const uint64_t[]){ SP }, 1);
	CHECK_INT(512, run(512));
	CHECK_INT(OBJ, f.must[f.lost].pfn);
	why[0] = 0;
	dump_filter_say_lost(&f, f.lost, -1, why, sizeof why);
	CHECK_STR("self-check: pfn 0x258 (SYMBOL(vmap_area_list)) was left out of the bitmap: "
	          "the filter misreads this kernel's struct pages", why);
	/* a known encoding: no cycle complains */
	build(&linux612);
	CHECK_INT(0, open_filter(31));
	dump_filter_must_collect(&f, (const uint64_t[]){ SP }, 1);
	CHECK_INT(-1, run(256));
}
