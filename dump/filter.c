#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../lib/err.h"
#include "../lib/le.h"
#include "dmesg.h"
#include "filter.h"

/* docs/filtering.md#sparsemem: section_mem_map's low bits are flags;
 * bit 0 SECTION_MARKED_PRESENT, bits 0-4 masked off since 5.12. */
#define SECTION_MARKED_PRESENT 1ull
#define SECTION_MAP_MASK (~31ull)
#define PAGE_MAPPING_ANON 1ull
/* x86_64's kernel stacks: 16 KiB, aligned to their size (32 KiB with
 * KASAN, whose second half the check then leaves out) */
#define THREAD_SIZE 16384ull

static int64_t num(struct dump_filter *f, const char *key)
{
	return dump_vmcoreinfo_num_or(f->mem->info, key, -1);
}

static int has(struct dump_filter *f, const char *key)
{
	int64_t v;

	return !dump_vmcoreinfo_num(f->mem->info, key, &v);
}

/* Appends "bit N dropped: no KEY" to why. */
static void drop(struct dump_filter *f, int bits, const char *key, char *why, size_t whylen)
{
	size_t n = strlen(why);

	if (!(f->level & bits))
		return;
	f->level &= ~bits;
	snprintf(why + n, whylen - n, "%slevel bit%s %d dropped: VMCOREINFO has no %s",
	         n ? "; " : "", bits & (bits - 1) ? "s" : "", bits, key);
}

/* Entries every mem_map walk needs; the missing one's name, or NULL. */
static const char *walk_setup(struct dump_filter *f)
{
	static const char *const need[] = {
		"SIZE(page)", "OFFSET(page.flags)", "OFFSET(page.mapping)",
		"OFFSET(page._mapcount)", "OFFSET(page.private)", "NUMBER(PG_head_mask)",
		"SYMBOL(mem_section)", "SIZE(mem_section)",
		"OFFSET(mem_section.section_mem_map)", "NUMBER(SECTION_SIZE_BITS)",
	};
	int64_t v;

	for (unsigned i = 0; i < sizeof need / sizeof need[0]; i++)
		if (!has(f, need[i]))
			return need[i];
	f->head_mask = (uint64_t)num(f, "NUMBER(PG_head_mask)");
	f->page_size = (uint64_t)num(f, "SIZE(page)");
	if (f->page_size < 40 || f->page_size > DUMP_FILTER_PAGE_MAX)
		return "SIZE(page) (out of range)";
	f->off_flags = (uint64_t)num(f, "OFFSET(page.flags)");
	f->off_mapping = (uint64_t)num(f, "OFFSET(page.mapping)");
	f->off_mapcount = (uint64_t)num(f, "OFFSET(page._mapcount)");
	f->off_private = (uint64_t)num(f, "OFFSET(page.private)");
	v = num(f, "OFFSET(page.compound_head)");
	if (!has(f, "OFFSET(page.compound_head)"))
		v = num(f, "OFFSET(page.compound_info)"); /* 7.1 rename */
	if (v < 0)
		return "OFFSET(page.compound_head)";
	f->off_head = (uint64_t)v;
	if (f->off_flags + 8 > f->page_size || f->off_mapping + 8 > f->page_size ||
	    f->off_mapcount + 4 > f->page_size || f->off_private + 8 > f->page_size ||
	    f->off_head + 8 > f->page_size)
		return "OFFSET(page.*) (out of range)";
	f->mem_section = (uint64_t)num(f, "SYMBOL(mem_section)");
	f->section_size = (uint64_t)num(f, "SIZE(mem_section)");
	f->off_section_map = (uint64_t)num(f, "OFFSET(mem_section.section_mem_map)");
	v = num(f, "NUMBER(SECTION_SIZE_BITS)");
	if (v <= DUMP_PAGE_SHIFT || v > 40 || !f->section_size || f->section_size > DUMP_PAGE_SIZE)
		return "NUMBER(SECTION_SIZE_BITS) (out of range)";
	f->section_shift = (unsigned)(v - DUMP_PAGE_SHIFT);
	/* SPARSEMEM_EXTREME: mem_section is an array of LENGTH(mem_section)
	 * pointers to roots of PAGE_SIZE / SIZE(mem_section) sections each.
	 * x86_64 kernels are always built that way. */
	f->extreme = 1;
	f->section_count = (f->max_pfn >> f->section_shift) + 1;
	/* The slab guard: a slab page must never count as anon, buddy or offline. */
	f->pg_slab = num(f, "NUMBER(PG_slab)");
	f->have_slab_val = !dump_vmcoreinfo_num(f->mem->info, "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)", &v);
	f->slab_val = (int32_t)v;
	if (!f->have_slab_val && f->pg_slab < 0)
		return "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE) or NUMBER(PG_slab)";
	return NULL;
}

/* Compound order and hugetlb, by kernel era (docs/filtering.md#compound). */
static void compound_setup(struct dump_filter *f)
{
	int64_t v;

	f->off_order = num(f, "OFFSET(page.compound_order)");           /* <= 6.2 */
	if (f->off_order < 0 && (v = num(f, "OFFSET(folio._folio_order)")) >= 0)
		f->off_order = v - (int64_t)f->page_size;               /* 6.3-6.5 */
	f->off_dtor = num(f, "OFFSET(page.compound_dtor)");
	if (f->off_dtor < 0 && (v = num(f, "OFFSET(folio._folio_dtor)")) >= 0)
		f->off_dtor = v - (int64_t)f->page_size;
	f->hugetlb_dtor = num(f, "NUMBER(HUGETLB_PAGE_DTOR)");
	f->pg_hugetlb = num(f, "NUMBER(PG_hugetlb)");                   /* 6.6-6.8 */
	f->have_hugetlb_val = !dump_vmcoreinfo_num(f->mem->info, "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)", &v);
	f->hugetlb_val = (int32_t)v;                                     /* 6.9+ */
	if (f->off_order >= (int64_t)f->page_size || f->off_order < -1)
		f->off_order = -1;
	if (f->off_dtor >= (int64_t)f->page_size || f->off_dtor < -1)
		f->off_dtor = -1;
}

int dump_filter_init(struct dump_filter *f, struct dump_mem *m, int level, uint64_t max_pfn,
                     struct dump_filter_must *set, char *why, size_t whylen)
{
	const char *missing;
	int64_t v;

	if (level < 0 || level > 31 || !whylen || !set)
		return -22;
	memset(f, 0, offsetof(struct dump_filter, batch));
	f->must = set;
	f->mem = m;
	f->level = level;
	f->sec_nr = ~0ull;
	f->max_pfn = max_pfn;
	why[0] = 0;
	if (!(level & 30))
		return 0;
	if (dump_mem_setup(m)) {
		drop(f, 30, "SYMBOL(init_top_pgt) / NUMBER(phys_base)", why, whylen);
		return 0;
	}
	if ((missing = walk_setup(f))) {
		drop(f, 30, missing, why, whylen);
		return 0;
	}
	compound_setup(f);
	f->pg_lru = num(f, "NUMBER(PG_lru)");
	f->pg_private = num(f, "NUMBER(PG_private)");
	f->pg_swapcache = num(f, "NUMBER(PG_swapcache)");
	f->pg_swapbacked = num(f, "NUMBER(PG_swapbacked)");
	f->pg_hwpoison = num(f, "NUMBER(PG_hwpoison)");
	if (f->pg_lru < 0 || f->pg_private < 0 || f->pg_swapcache < 0)
		drop(f, 6, "NUMBER(PG_lru|PG_private|PG_swapcache)", why, whylen);
	f->have_buddy = !dump_vmcoreinfo_num(m->info, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", &v);
	f->buddy_val = (int32_t)v;
	f->free_orders = (uint64_t)num(f, "LENGTH(zone.free_area)");
	if (!f->have_buddy || f->free_orders > 64)
		drop(f, 16, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE) / LENGTH(zone.free_area)", why, whylen);
	f->have_offline = !dump_vmcoreinfo_num(m->info, "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)", &v);
	f->offline_val = (int32_t)v;
	return 0;
}

/* Virtual address of pfn's struct page, from its mem_section; 0 if the
 * section is absent. The last section's decoding is kept: memory does not
 * change during a dump. */
static uint64_t page_addr(struct dump_filter *f, uint64_t pfn)
{
	uint64_t nr = pfn >> f->section_shift, per_root = DUMP_PAGE_SIZE / f->section_size;
	uint64_t root, ms, coded;
	unsigned char raw[8];

	if (nr >= f->section_count)
		return 0;
	if (nr != f->sec_nr) {
		f->sec_nr = nr;
		f->sec_map = 0;
		if (dump_mem_read_virt(f->mem, f->mem_section + nr / per_root * 8, raw, 8))
			return 0;
		root = le64_get(raw);
		if (!root)
			return 0;
		ms = root + nr % per_root * f->section_size + f->off_section_map;
		if (dump_mem_read_virt(f->mem, ms, raw, 8))
			return 0;
		coded = le64_get(raw);
		if (coded & SECTION_MARKED_PRESENT)
			f->sec_map = coded & SECTION_MAP_MASK;
	}
	return f->sec_map ? f->sec_map + pfn * f->page_size : 0;
}

/* Counts and clears [pfn, pfn + n) within the cycle, carrying the rest. */
static uint64_t exclude(struct dump_filter *f, unsigned char *keep, uint64_t start,
                        uint64_t end, uint64_t pfn, uint64_t n, int cls)
{
	uint64_t stop = pfn + n;

	if (stop > end) {
		f->carry_end = stop;
		f->carry_class = cls;
		stop = end;
	}
	for (uint64_t p = pfn; p < stop; p++) {
		uint64_t i = p - start;
		if (keep[i >> 3] & (1u << (i & 7))) {
			keep[i >> 3] &= (unsigned char)~(1u << (i & 7));
			f->count[cls]++;
		}
	}
	return stop - pfn;
}

struct page_view {
	uint64_t flags, mapping, private_, head;
	int32_t mapcount;
};

static void view(const struct dump_filter *f, const unsigned char *p, struct page_view *v)
{
	v->flags = le64_get(p + f->off_flags);
	v->mapping = le64_get(p + f->off_mapping);
	v->private_ = le64_get(p + f->off_private);
	v->head = le64_get(p + f->off_head);
	v->mapcount = (int32_t)le32_get(p + f->off_mapcount);
}

static int bit(uint64_t flags, int64_t nr)
{
	return nr >= 0 && nr < 64 && (flags >> nr) & 1;
}

/* Order and hugetlb of a compound head, from its first tail page. */
static void compound(struct dump_filter *f, const struct page_view *head,
                     const unsigned char *tail, unsigned *order, int *hugetlb)
{
	uint64_t tail_flags = le64_get(tail + f->off_flags);

	if (f->off_order >= 0)
		*order = tail[f->off_order];
	else
		*order = (unsigned)(tail_flags & 0xff); /* 6.6+: folio order in the tail's flags */
	if (f->have_hugetlb_val)
		*hugetlb = head->mapcount == f->hugetlb_val;
	else if (f->pg_hugetlb >= 0)
		*hugetlb = bit(tail_flags, f->pg_hugetlb);
	else if (f->off_dtor >= 0 && f->hugetlb_dtor >= 0)
		*hugetlb = tail[f->off_dtor] == (unsigned char)f->hugetlb_dtor;
}

/* The class that excludes this page at f->level, or -1 to keep it. */
static int classify(const struct dump_filter *f, const struct page_view *v, int hugetlb)
{
	int slab = f->have_slab_val ? v->mapcount == f->slab_val : bit(v->flags, f->pg_slab);
	int anon = (v->mapping & PAGE_MAPPING_ANON) && !slab;
	int cache = bit(v->flags, f->pg_lru) ||
	            (bit(v->flags, f->pg_swapcache) &&
	             (f->pg_swapbacked < 0 || bit(v->flags, f->pg_swapbacked)));

	if ((f->level & 16) && !slab && v->mapcount == f->buddy_val)
		return DUMP_CLASS_FREE;
	if ((f->level & 2) && cache && !bit(v->flags, f->pg_private) && !anon)
		return DUMP_CLASS_CACHE;
	if ((f->level & 4) && cache && !anon)
		return DUMP_CLASS_CACHE_PRIVATE;
	if ((f->level & 8) && (anon || hugetlb))
		return DUMP_CLASS_USER;
	if (bit(v->flags, f->pg_hwpoison))
		return DUMP_CLASS_HWPOISON;
	if (f->have_offline && !slab && v->mapcount == f->offline_val)
		return DUMP_CLASS_OFFLINE;
	return -1;
}

/* Reads the struct pages of [pfn, pfn + n) into buf. */
static int read_pages(struct dump_filter *f, uint64_t pfn, uint64_t n, unsigned char *buf)
{
	uint64_t addr = page_addr(f, pfn);

	if (!addr)
		return -SALVAGE_E_MEMMAP_BAD;
	return dump_mem_read_virt(f->mem, addr, buf, n * f->page_size);
}

/* The scan's decision at pfn, whose struct page is p (next: pfn + 1's,
 * or NULL to read it if needed): the class that excludes it, with the
 * block of 2^*order pages it starts, or -1 to keep it (a tail page is
 * kept here: its head decides it). */
static int decide(struct dump_filter *f, uint64_t pfn, const unsigned char *p,
                  const unsigned char *next, unsigned *order)
{
	unsigned char tail[DUMP_FILTER_PAGE_MAX];
	struct page_view v;
	int hugetlb = 0, cls;

	*order = 0;
	view(f, p, &v);
	if (v.head & 1)
		return -1;
	if (v.flags & f->head_mask) {
		if (!next && read_pages(f, pfn + 1, 1, tail))
			memset(tail, 0, f->page_size);
		compound(f, &v, next ? next : tail, order, &hugetlb);
	}
	cls = classify(f, &v, hugetlb);
	if (cls == DUMP_CLASS_FREE && v.private_ >= f->free_orders)
		return -1; /* an impossible buddy order: keep it, as makedumpfile does */
	if (cls == DUMP_CLASS_FREE)
		*order = (unsigned)v.private_;
	else if (cls == DUMP_CLASS_HWPOISON || cls == DUMP_CLASS_OFFLINE)
		*order = 0;
	if (*order >= 64 || (pfn & ((1ull << *order) - 1)))
		*order = 0;
	return cls;
}

static int kept(const unsigned char *keep, uint64_t i)
{
	return keep[i >> 3] >> (i & 7) & 1;
}

/* The first entry of the (sorted) must-keep set at or after pfn. */
static unsigned must_from(const struct dump_filter *f, uint64_t pfn)
{
	unsigned lo = 0, hi = f->nmust;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (f->must[mid].pfn < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The scan of [pfn, end), keep's bit 0 being start's: every pfn no
 * excluded block before it covers is decided, from batches of struct
 * pages that start on a multiple of DUMP_FILTER_BATCH (pfn is one, or a
 * section's start) and never cross a section. */
static void walk(struct dump_filter *f, unsigned char *keep, uint64_t start, uint64_t pfn, uint64_t end)
{
	while (pfn < end) {
		/* a batch never crosses a section: its struct pages are contiguous */
		uint64_t sec_end = ((pfn >> f->section_shift) + 1) << f->section_shift;
		uint64_t n = end - pfn, done = 0;
		if (n > DUMP_FILTER_BATCH)
			n = DUMP_FILTER_BATCH;
		if (pfn + n > sec_end)
			n = sec_end - pfn;
		if (read_pages(f, pfn, n, f->batch)) {
			pfn += n; /* no struct pages there: keep what the dump has */
			continue;
		}
		while (done < n) {
			const unsigned char *p = f->batch + done * f->page_size;
			unsigned order;
			int cls = decide(f, pfn + done, p, done + 1 < n ? p + f->page_size : NULL, &order);

			if (cls < 0)
				done++;
			else
				done += exclude(f, keep, start, end, pfn + done, 1ull << order, cls);
		}
		pfn += done;
	}
}

void dump_filter_cycle_begin(struct dump_filter *f, uint64_t start, uint64_t end, const unsigned char *keep)
{
	if (!(f->level & 30))
		return;
	for (unsigned i = must_from(f, start); i < f->nmust && f->must[i].pfn < end; i++)
		f->must[i].in = (unsigned char)kept(keep, f->must[i].pfn - start);
}

int dump_filter_cycle_end(struct dump_filter *f, uint64_t start, uint64_t end, const unsigned char *keep)
{
	if (!(f->level & 30))
		return 0;
	/* the self-check's second half, on the bitmap itself */
	for (unsigned i = must_from(f, start); i < f->nmust && f->must[i].pfn < end; i++)
		if (f->must[i].in && !kept(keep, f->must[i].pfn - start)) {
			f->lost = i;
			return 1;
		}
	return 0;
}

int dump_filter_cycle(struct dump_filter *f, uint64_t start, uint64_t end, unsigned char *keep)
{
	uint64_t pfn = start;

	if (!(f->level & 30))
		return 0;
	dump_filter_cycle_begin(f, start, end, keep);
	if (f->carry_end > start)
		pfn += exclude(f, keep, start, end, start, f->carry_end - start, f->carry_class);
	walk(f, keep, start, pfn, end);
	return dump_filter_cycle_end(f, start, end, keep);
}

/* The block the cycle's scan excludes that covers pfn `from`, a
 * multiple of 2^shift: blocks are aligned to their size, so one can only
 * start at from rounded down to a larger power of two, at or after lo
 * (the cycle's start, or the carry's end: before it, the carry covers
 * all), on a batch's first page (shift >= 9). The outermost one is the
 * scan's, the others it never reaches: the largest power first. Its
 * class and *cover_end, or -1. */
static int covering(struct dump_filter *w, uint64_t lo, uint64_t end, uint64_t from,
                    unsigned shift, uint64_t *cover_end)
{
	for (unsigned k = 63; k > shift; k--) {
		uint64_t q = from & ~((1ull << k) - 1);
		uint64_t sec_end = ((q >> w->section_shift) + 1) << w->section_shift, n = end - q;
		unsigned order;
		int cls;

		if (q < lo || q == from || (k < 63 && q == (from & ~((1ull << (k + 1)) - 1))))
			continue;
		/* the batch the scan reads at q, so that a read that fails
		 * fails here too */
		if (n > DUMP_FILTER_BATCH)
			n = DUMP_FILTER_BATCH;
		if (q + n > sec_end)
			n = sec_end - q;
		if (read_pages(w, q, n, w->batch))
			continue;
		cls = decide(w, q, w->batch, n > 1 ? w->batch + w->page_size : NULL, &order);
		if (cls >= 0 && from - q < (1ull << order)) {
			*cover_end = q + (1ull << order);
			return cls;
		}
	}
	return -1;
}

void dump_filter_part(struct dump_filter *w, uint64_t carry_end, int carry_class,
                      uint64_t start, uint64_t end, uint64_t from, uint64_t to,
                      unsigned shift, unsigned char *keep)
{
	uint64_t cover_end = carry_end;
	int cls = carry_class;

	w->carry_end = 0;
	if (!(w->level & 30))
		return;
	if (carry_end <= from)
		cls = covering(w, carry_end > start ? carry_end : start, end, from, shift, &cover_end);
	if (cls >= 0)
		exclude(w, keep, start, to, from, cover_end - from, cls);
	else
		walk(w, keep, start, from, to);
}

/* The scan reaches every pfn that no excluded block before it covers, and
 * blocks are aligned to their size: so pfn goes iff pfn rounded down to
 * some 2^k starts an excluded block of 2^k pages or more. Only the
 * distinct roundings are read: one more per bit set in pfn. */
int dump_filter_fate(struct dump_filter *f, uint64_t pfn)
{
	unsigned char p[DUMP_FILTER_PAGE_MAX];
	uint64_t last = ~0ull;

	if (!(f->level & 30))
		return -1;
	for (unsigned k = 0; k < 64; k++) {
		uint64_t q = pfn & ~((1ull << k) - 1);
		unsigned order;
		int cls;

		if (q == last)
			continue;
		last = q;
		if (read_pages(f, q, 1, p))
			continue; /* the scan keeps what it cannot read */
		cls = decide(f, q, p, NULL, &order);
		if (cls >= 0 && pfn - q < (1ull << order))
			return cls;
	}
	return -1;
}

/* Room in the set and in the walks that fill it; counts one walk. */
static int budget(struct dump_filter *f)
{
	return f->nmust < DUMP_FILTER_MUST_MAX && f->walks < DUMP_FILTER_WALKS_MAX && ++f->walks;
}

static void must_add(struct dump_filter *f, uint64_t pfn, const char *what,
                     unsigned cpu, int table)
{
	/* runs of one object's pages share their tables: skip repeats cheaply
	 * here, the sort takes the rest */
	for (unsigned i = f->nmust > 8 ? f->nmust - 8 : 0; i < f->nmust; i++)
		if (f->must[i].pfn == pfn)
			return;
	if (f->nmust == DUMP_FILTER_MUST_MAX) {
		f->must_lost++;
		return;
	}
	f->must[f->nmust++] = (struct dump_filter_must){
		.pfn = pfn, .what = what, .cpu = cpu, .table = (unsigned char)table };
}

void dump_filter_must_virt(struct dump_filter *f, uint64_t vaddr, uint64_t len,
                           const char *what, unsigned cpu)
{
	uint64_t first = vaddr & ~(uint64_t)(DUMP_PAGE_SIZE - 1);
	uint64_t pages = len ? (vaddr - first + len - 1) / DUMP_PAGE_SIZE + 1 : 1;
	uint64_t prev[5] = { 0 };

	for (uint64_t i = 0; i < pages; i++) {
		uint64_t tables[5], paddr;
		unsigned n;
		int r;

		/* bounded: a set that is full, or pages that do not translate
		 * (a huge or bogus length) end the walks */
		if (!budget(f)) {
			f->must_lost += pages - i;
			return;
		}
		r = dump_mem_walk(f->mem, first + i * DUMP_PAGE_SIZE, &paddr, tables, &n);
		for (unsigned t = 0; t < n; t++)
			if (tables[t] != prev[t])
				must_add(f, (prev[t] = tables[t]) >> DUMP_PAGE_SHIFT, what, cpu, 1);
		if (!r) /* an address that does not translate holds nothing to keep */
			must_add(f, paddr >> DUMP_PAGE_SHIFT, what, cpu, 0);
	}
}

/* Bytes known to belong to what a SYMBOL() names (at least its first). */
static uint64_t symbol_len(struct dump_filter *f, const char *key)
{
	int64_t n = 1;

	if (!strcmp(key, "SYMBOL(init_uts_ns)"))
		n = num(f, "OFFSET(uts_namespace.name)") + 6 * 65; /* 6 strings of 65 */
	else if (!strcmp(key, "SYMBOL(node_data)"))
		n = num(f, "LENGTH(node_data)") * 8;   /* pointers */
	else if (!strcmp(key, "SYMBOL(prb)"))
		n = 8;                                 /* a pointer */
	else if (!strcmp(key, "SYMBOL(init_top_pgt)") || !strcmp(key, "SYMBOL(swapper_pg_dir)"))
		n = DUMP_PAGE_SIZE;
	return n > 0 && n < (1 << 24) ? (uint64_t)n : 1;
}

/* Every SYMBOL() line of VMCOREINFO (what points into the text). */
static void must_symbols(struct dump_filter *f)
{
	const char *p = f->mem->info->text, *end = p + f->mem->info->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *eol = nl ? nl : end;
		const char *eq = memchr(p, '=', (size_t)(eol - p));
		char key[96];
		int64_t v;

		if (eq && eq - p > 7 && !memcmp(p, "SYMBOL(", 7) && (size_t)(eq - p) < sizeof key) {
			memcpy(key, p, (size_t)(eq - p));
			key[eq - p] = 0;
			if (!dump_vmcoreinfo_num(f->mem->info, key, &v))
				dump_filter_must_virt(f, (uint64_t)v, symbol_len(f, key), p, 0);
		}
		p = eol + 1;
	}
}

/* Each node's pglist_data, SIZE(pglist_data) long, through node_data[]. */
static void must_nodes(struct dump_filter *f)
{
	int64_t nodes = num(f, "LENGTH(node_data)"), size = num(f, "SIZE(pglist_data)");
	int64_t at = num(f, "SYMBOL(node_data)");
	unsigned char raw[8];

	if (nodes > 1024 || size <= 0 || size >= (1 << 24) || at == -1)
		return;
	for (int64_t i = 0; i < nodes && budget(f); i++)
		if (!dump_mem_read_virt(f->mem, (uint64_t)at + (uint64_t)i * 8, raw, 8) && le64_get(raw))
			dump_filter_must_virt(f, le64_get(raw), (uint64_t)size, "SYMBOL(node_data)", 0);
}

/* Slab objects VMCOREINFO leads to (Linux <= 6.8): the first busy
 * vmap_areas on SYMBOL(vmap_area_list), each from the vmap_area cache. */
static void must_vmap_areas(struct dump_filter *f)
{
	int64_t list = num(f, "SYMBOL(vmap_area_list)"), off = num(f, "OFFSET(vmap_area.list)");
	unsigned char raw[8];
	uint64_t p = (uint64_t)list;

	if (list == -1 || off < 0)
		return;
	for (int i = 0; i < 16 && budget(f); i++) {
		if (dump_mem_read_virt(f->mem, p, raw, 8) || !(p = le64_get(raw)) || p == (uint64_t)list)
			return;
		dump_filter_must_virt(f, p - (uint64_t)off, 1, "a vmap_area on SYMBOL(vmap_area_list)", 0);
	}
}

/* The part of mem_section the filter reads, the section roots, and each
 * present section's first struct page. */
static void must_sections(struct dump_filter *f)
{
	uint64_t per_root = DUMP_PAGE_SIZE / f->section_size;
	uint64_t roots = (f->section_count + per_root - 1) / per_root;
	unsigned char raw[8];

	dump_filter_must_virt(f, f->mem_section, roots * 8, "SYMBOL(mem_section)", 0);
	for (uint64_t r = 0; r < roots && budget(f); r++)
		if (!dump_mem_read_virt(f->mem, f->mem_section + r * 8, raw, 8) && le64_get(raw))
			dump_filter_must_virt(f, le64_get(raw), DUMP_PAGE_SIZE, "a mem_section root", 0);
	for (uint64_t nr = 0; nr < f->section_count && budget(f); nr++) {
		uint64_t addr = page_addr(f, nr << f->section_shift);
		if (addr)
			dump_filter_must_virt(f, addr, f->page_size, "mem_map", 0);
	}
}

static int by_pfn(const void *a, const void *b)
{
	uint64_t x = ((const struct dump_filter_must *)a)->pfn;
	uint64_t y = ((const struct dump_filter_must *)b)->pfn;

	return (x > y) - (x < y);
}

void dump_filter_must_collect(struct dump_filter *f, const uint64_t *sp, unsigned ncpu)
{
	struct dump_dmesg_ring rg;
	unsigned n = 0;

	f->nmust = f->walks = 0;
	f->must_lost = 0;
	if (!(f->level & 30))
		return;
	must_symbols(f);
	if (!dump_dmesg_ring(f->mem, &rg)) {
		dump_filter_must_virt(f, rg.ring, rg.ring_len, "the printk ring", 0);
		dump_filter_must_virt(f, rg.descs, rg.descs_len, "the printk ring's descriptors", 0);
		dump_filter_must_virt(f, rg.infos, rg.infos_len, "the printk ring's infos", 0);
		dump_filter_must_virt(f, rg.data, rg.data_len, "the printk ring's text", 0);
	}
	for (unsigned i = 0; i < ncpu; i++) {
		/* from the stack pointer to the top of its stack, THREAD_SIZE
		 * aligned; a user address does not translate and adds nothing */
		uint64_t top = (sp[i] | (THREAD_SIZE - 1)) + 1;
		if (sp[i])
			dump_filter_must_virt(f, sp[i], top - sp[i], "the stack", i);
	}
	must_sections(f);
	must_nodes(f);
	must_vmap_areas(f);
	qsort(f->must, f->nmust, sizeof f->must[0], by_pfn);
	for (unsigned i = 0; i < f->nmust; i++)
		if (!n || f->must[n - 1].pfn != f->must[i].pfn)
			f->must[n++] = f->must[i];
	f->nmust = n;
}

static const char *const class_names[DUMP_CLASS_COUNT] = {
	[DUMP_CLASS_CACHE] = "cache", [DUMP_CLASS_CACHE_PRIVATE] = "cache_private",
	[DUMP_CLASS_USER] = "user", [DUMP_CLASS_FREE] = "free",
	[DUMP_CLASS_HWPOISON] = "hwpoison", [DUMP_CLASS_OFFLINE] = "offline",
};

void dump_filter_say_lost(const struct dump_filter *f, unsigned i, int cls, char *why, size_t whylen)
{
	const struct dump_filter_must *m = &f->must[i];
	size_t n = strlen(why);
	char cpu[24] = "";

	if (!strcmp(m->what, "the stack"))
		snprintf(cpu, sizeof cpu, " of CPU %u", m->cpu);
	snprintf(why + n, whylen - n, "%sself-check: pfn 0x%llx (%s%.*s%s) %s%s: "
	         "the filter misreads this kernel's struct pages",
	         n ? "; " : "", (unsigned long long)m->pfn, m->table ? "a page table for " : "",
	         (int)strcspn(m->what, "=\n"), m->what, cpu,
	         cls >= 0 ? "would go as " : "was left out of the bitmap",
	         cls >= 0 && class_names[cls] ? class_names[cls] : "");
}

int dump_filter_selfcheck(struct dump_filter *f, const uint64_t *sp, unsigned ncpu,
                          char *why, size_t whylen)
{
	dump_filter_must_collect(f, sp, ncpu);
	for (unsigned i = 0; i < f->nmust; i++) {
		int cls = dump_filter_fate(f, f->must[i].pfn);
		if (cls >= 0) {
			dump_filter_say_lost(f, i, cls, why, whylen);
			f->level &= 1;
			return 1;
		}
	}
	return 0;
}
