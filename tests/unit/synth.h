/* Synthetic memory of a crashed kernel for the filter's and the lending
 * plan's tests: 4 MiB of fake physical memory (NPFN pfns, one section of
 * SECTION_SIZE_BITS 22) with page tables, mem_section, a mem_map of
 * 64-byte struct pages and a CPU stack mapped by 4 KiB pages in the
 * vmalloc area, described by a VMCOREINFO in each struct page encoding
 * the filter knows (docs/filtering.md): Linux 6.1 (PG_slab flag, page
 * types as cleared bits, compound order and dtor bytes in the first tail
 * page), 6.12 (types as values in the top byte, order in the first tail's
 * flags) and 7.1+ (compound_head renamed compound_info, tails holding a
 * mask). synth_build's comment lists the pages of each class. */
#ifndef SALVAGE_TEST_SYNTH_H
#define SALVAGE_TEST_SYNTH_H
#include <stddef.h>
#include <stdint.h>
#include "../../dump/vmcoreinfo.h"

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

/* synth_add_high: a second section of NPFN pfns in the next 16 GiB
 * cycle, its struct pages in the 16 pages from MEMMAP_HIGH, its root at
 * MS_ROOT_HIGH; only its struct pages are memory (its pages read as
 * absent). */
#define HIGH (1ull << 22)
enum { MS_ROOT_HIGH = 40, MEMMAP_HIGH = 64 };

/* How a kernel encodes what the filter reads. */
struct synth_enc {
	const char *info;        /* VMCOREINFO lines of this encoding */
	uint32_t buddy, offline, table, slab, hugetlb; /* _mapcount values; slab 0: a flag */
	int pg_slab, pg_lru, pg_private, pg_hwpoison;
	uint64_t head_mask;
	int order_at, dtor_at;   /* bytes of the first tail page, or -1: order in its flags */
	unsigned char hugetlb_dtor;
	int mask_tails;          /* 7.1+: tails hold a mask, not the head's address */
};

extern const struct synth_enc synth_linux61, synth_linux612, synth_linux71;
extern unsigned char synth_mem[NPFN * 4096];
extern struct dump_vmcoreinfo synth_vi;

/* struct dump_mem's read_phys over synth_mem. */
int synth_read(void *ctx, uint64_t paddr, void *buf, size_t len);
void synth_build(const struct synth_enc *enc);
void synth_add_high(void);
/* Blocks across the boundaries of a cycle's parts (dump_filter_part) of
 * 2^4 to 2^7 pfns, and of cycles of 128: free 320-383 (order 6) with an
 * anonymous order-5 compound page at 352 and a free order-2 block at 368
 * inside it (never read: the outermost block decides, all 64 go as
 * free), anonymous THP
 * 384-511 (order 7) with buddy values at 448 and 496 inside it, hugetlb
 * 768-1023 (order 8). */
void synth_add_crossing(void);
/* pfn's struct page (pfn below NPFN, or from HIGH after synth_add_high) */
unsigned char *synth_spage(uint64_t pfn);
void synth_set_type(uint64_t pfn, uint32_t type);
void synth_set_flag(uint64_t pfn, int nr);
void synth_set_slab(uint64_t pfn);
void synth_set_compound(uint64_t pfn, unsigned order, int hugetlb);
/* Writes an ELF note at p; returns its length, padded. */
size_t synth_note(unsigned char *p, const char *name, uint32_t type, const void *desc, uint32_t dlen);
/* An ELF vmcore of synth_mem (one PT_LOAD of NPFN pages at 0) with the
 * VMCOREINFO note and one CPU whose stack pointer is SP; an fd open on
 * it, or -errno. */
int synth_core(const char *path);

/* A capture's output kept in memory: dump_capture_run(c, synth_sink_write,
 * &sink) appends to buf (cap bytes; -ENOSPC beyond) and counts len. */
struct synth_sink {
	unsigned char *buf;
	size_t cap, len;
};
int synth_sink_write(void *ctx, const void *p, size_t n);

#endif
