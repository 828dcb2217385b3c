/* Which pages of the crashed kernel's memory a dump keeps: makedumpfile's
 * dump levels (1 zero, 2 cache without private, 4 cache with private,
 * 8 user, 16 free; hwpoison and offline pages always go), decided from the
 * struct pages in mem_map, found through VMCOREINFO alone.
 * docs/filtering.md has the rules and the kernel versions they follow. */
#ifndef SALVAGE_DUMP_FILTER_H
#define SALVAGE_DUMP_FILTER_H
#include <stddef.h>
#include <stdint.h>
#include "mem.h"
#include "stream.h"

/* struct page reads per batch: 512 x 64 bytes */
#define DUMP_FILTER_BATCH 512
#define DUMP_FILTER_PAGE_MAX 128 /* largest SIZE(page) accepted */
/* pages the self-check confirms at most (docs/filtering.md#self-check) */
#define DUMP_FILTER_MUST_MAX 4096
/* page table walks and section reads that fill it, at most */
#define DUMP_FILTER_WALKS_MAX (4 * DUMP_FILTER_MUST_MAX)

/* A page any dump must hold: pfn, and what it holds for the log line:
 * what ends at a NUL, '=' or newline (a VMCOREINFO key or a name); table
 * says the page is a page table translating what; cpu is a stack's CPU. */
struct dump_filter_must {
	uint64_t pfn;
	const char *what;
	unsigned cpu;
	unsigned char table, in; /* in: kept when its cycle began */
};

struct dump_filter {
	struct dump_mem *mem;
	int level;          /* the level applied; zero pages are the writer's */
	uint64_t max_pfn;
	/* struct page (OFFSET/SIZE from VMCOREINFO) */
	uint64_t page_size, off_flags, off_mapping, off_mapcount, off_private, off_head;
	int64_t off_order, off_dtor;   /* in the first tail page; -1: absent */
	/* page flags bits and page type values; -1 / have_ = absent */
	int64_t pg_lru, pg_private, pg_swapcache, pg_swapbacked, pg_hwpoison, pg_slab, pg_hugetlb;
	uint64_t head_mask;
	int32_t buddy_val, offline_val, slab_val, hugetlb_val;
	int have_buddy, have_offline, have_slab_val, have_hugetlb_val;
	int64_t hugetlb_dtor;
	uint64_t free_orders;          /* LENGTH(zone.free_area) */
	/* SPARSEMEM */
	uint64_t mem_section, section_count, section_size, off_section_map;
	unsigned section_shift;        /* SECTION_SIZE_BITS - PAGE_SHIFT */
	int extreme;
	/* An excluded compound block may run past a cycle's end. */
	uint64_t carry_end;
	int carry_class;
	uint64_t count[DUMP_CLASS_COUNT];
	/* the last section page_addr() decoded (sec_nr ~0: none) */
	uint64_t sec_nr, sec_map;
	/* the self-check's set (the caller's, DUMP_FILTER_MUST_MAX entries),
	 * sorted by pfn; how many pages did not fit in it; the entry
	 * dump_filter_cycle found cleared */
	struct dump_filter_must *must;
	unsigned nmust, lost, walks;
	uint64_t must_lost;
	unsigned char batch[DUMP_FILTER_BATCH * DUMP_FILTER_PAGE_MAX];
};

/* Reads what the level needs from VMCOREINFO. If an entry a level bit
 * needs is missing, that bit is dropped: f->level says what is applied and
 * why (size whylen) says which bit went and for want of what (empty when
 * the asked level stands). set (DUMP_FILTER_MUST_MAX entries) holds the
 * self-check's set: outside f, so that a copy of f for a part of a cycle
 * (dump_filter_part) is its walk's state alone. 0, or -errno-style only
 * for bad arguments. */
int dump_filter_init(struct dump_filter *f, struct dump_mem *m, int level, uint64_t max_pfn,
                     struct dump_filter_must *set, char *why, size_t whylen);

/* Decides pfns [start, end) (cycles must come in increasing order): clears
 * bit (pfn - start) of keep for every excluded page and counts it by
 * class. Bits of pfns the caller marked absent stay as they are. Returns
 * 0, or 1 if a page of the self-check's set (dump_filter_must_collect)
 * that was kept at the start is cleared: f->lost is its entry, and the
 * caller must not trust this bitmap. */
int dump_filter_cycle(struct dump_filter *f, uint64_t start, uint64_t end, unsigned char *keep);

/* dump_filter_cycle in parts, for workers (docs/jobs.md): begin records
 * the self-check's set in keep, then parts [from, to) of [start, end)
 * (from and to multiples of 2^shift past start, to <= end, start a
 * multiple of DUMP_FILTER_BATCH; shift >= 9, so that each part's batches
 * are the scan's: where every batch reads, any shift) are decided in
 * any order, on any thread,
 * each by its own copy w of f (its own struct dump_mem, sec_nr ~0, count
 * zeroed; carry_end and carry_class are f's, passed alone since w's
 * changes): what the one scan decides there, and the same counts in
 * w->count. A block that covers from but starts before it is found by
 * reading the struct pages at from rounded down to each larger power of
 * two (at most 63 - shift batches): blocks are aligned to their size.
 * w->carry_end, when past to, is the block the part ends in: the last
 * part's is the cycle's carry. end adds nothing itself: the caller adds
 * the counts and the carry to f first, then end confirms the set as
 * dump_filter_cycle does (1 if a page was lost, f->lost its entry).
 * DUMP_FILTER_PART_SHIFT, 1 GiB of pfns, holds a gigantic page (order
 * 18, the largest block a kernel makes) whole, so a real vmcore's parts
 * read no block before them; larger orders, honoured as the one scan
 * honours them, cost those reads only. */
#define DUMP_FILTER_PART_SHIFT 18
void dump_filter_cycle_begin(struct dump_filter *f, uint64_t start, uint64_t end, const unsigned char *keep);
void dump_filter_part(struct dump_filter *w, uint64_t carry_end, int carry_class,
                      uint64_t start, uint64_t end, uint64_t from, uint64_t to,
                      unsigned shift, unsigned char *keep);
int dump_filter_cycle_end(struct dump_filter *f, uint64_t start, uint64_t end, const unsigned char *keep);

/* The self-check (docs/filtering.md#self-check), before anything is
 * written. The pages any dump must hold: those of each SYMBOL() VMCOREINFO
 * names (all of them for objects of known length: init_uts_ns, node_data
 * and each node's pglist_data, the top page table), the part of
 * mem_section the filter reads and its roots, each section's first struct
 * page, the printk ring (its structure, descriptors, infos, text), each
 * CPU's stack from its stack pointer sp[i] to the top of its 16 KiB, up
 * to 16 vmap_areas (slab objects) on SYMBOL(vmap_area_list), and the page
 * tables translating all these. At most DUMP_FILTER_MUST_MAX
 * pages (f->must_lost counts the rest); no I/O beyond reading them.
 * dump_filter_selfcheck collects the set and asks dump_filter_fate for
 * each: if one would be left out, the filter's reading of this kernel's
 * struct pages is wrong, f->level falls to f->level & 1 (zero pages,
 * decided from the page's bytes alone) and why gets one sentence naming
 * the page. Returns 1 if it fell back, 0 if not (also when the level
 * walks no struct pages). dump_filter_cycle then confirms the set in each
 * cycle's bitmap. */
int dump_filter_selfcheck(struct dump_filter *f, const uint64_t *sp, unsigned ncpu,
                          char *why, size_t whylen);
void dump_filter_must_collect(struct dump_filter *f, const uint64_t *sp, unsigned ncpu);

/* Adds the pages of kernel virtual [vaddr, vaddr + len) and the page
 * tables translating them to the set. */
void dump_filter_must_virt(struct dump_filter *f, uint64_t vaddr, uint64_t len,
                           const char *what, unsigned cpu);

/* The class dump_filter_cycle gives pfn at f->level, or -1 if it keeps
 * it, from pfn's struct page and those of the blocks that could hold it
 * (pfn rounded down to each power of two): at most 1 + popcount(pfn)
 * struct page reads. */
int dump_filter_fate(struct dump_filter *f, uint64_t pfn);

/* Appends to why the sentence naming entry i of the set: "would go as
 * CLASS" (cls >= 0) or "was left out of the bitmap" (cls < 0). */
void dump_filter_say_lost(const struct dump_filter *f, unsigned i, int cls, char *why, size_t whylen);

#endif
