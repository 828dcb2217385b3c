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
	unsigned char batch[DUMP_FILTER_BATCH * DUMP_FILTER_PAGE_MAX];
};

/* Reads what the level needs from VMCOREINFO. If an entry a level bit
 * needs is missing, that bit is dropped: f->level says what is applied and
 * why (size whylen) says which bit went and for want of what (empty when
 * the asked level stands). 0, or -errno-style only for bad arguments. */
int dump_filter_init(struct dump_filter *f, struct dump_mem *m, int level,
                     uint64_t max_pfn, char *why, size_t whylen);

/* Decides pfns [start, end) (cycles must come in increasing order): clears
 * bit (pfn - start) of keep for every excluded page and counts it by
 * class. Bits of pfns the caller marked absent stay as they are. */
int dump_filter_cycle(struct dump_filter *f, uint64_t start, uint64_t end, unsigned char *keep);

#endif
