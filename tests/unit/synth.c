#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "../../lib/err.h"
#include "../../lib/le.h"
#include "synth.h"

unsigned char synth_mem[NPFN * 4096];

int synth_read(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	(void)ctx;
	if (paddr >= sizeof synth_mem || len > sizeof synth_mem - paddr)
		return -SALVAGE_E_NOT_IN_DUMP;
	memcpy(buf, synth_mem + paddr, len);
	return 0;
}

const struct synth_enc synth_linux61 = {
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

const struct synth_enc synth_linux612 = {
	"OSRELEASE=6.12.0-test\n" TYPES_612 "NUMBER(PG_hwpoison)=20\nOFFSET(page.compound_head)=8\n",
	0xf0000000, 0xf1000000, 0xf2000000, 0xf5000000, 0xf4000000, -1, 5, 14, 20, 64, -1, -1, 0, 0,
};

const struct synth_enc synth_linux71 = {
	"OSRELEASE=7.1.0-test\n" TYPES_612 "NUMBER(PG_hwpoison)=21\nOFFSET(page.compound_info)=8\n"
	"NUMBER(PAGE_UNACCEPTED_MAPCOUNT_VALUE)=-150994944\n",
	0xf0000000, 0xf1000000, 0xf2000000, 0xf5000000, 0xf4000000, -1, 5, 14, 21, 64, -1, -1, 0, 1,
};

static char info_text[4096];
struct dump_vmcoreinfo synth_vi;
static const struct synth_enc *e;

unsigned char *synth_spage(uint64_t pfn)
{
	if (pfn >= HIGH)
		return synth_mem + MEMMAP_HIGH * 4096 + (pfn - HIGH) * 64;
	return synth_mem + MEMMAP * 4096 + pfn * 64;
}

void synth_set_type(uint64_t pfn, uint32_t type)
{
	le32_put(synth_spage(pfn) + 48, type);
}

void synth_set_flag(uint64_t pfn, int nr)
{
	unsigned char *p = synth_spage(pfn);
	le64_put(p, le64_get(p) | 1ull << nr);
}

void synth_set_slab(uint64_t pfn)
{
	if (e->slab)
		synth_set_type(pfn, e->slab);
	else
		synth_set_flag(pfn, e->pg_slab);
}

/* A compound page of 2^order at pfn: PG_head, tails marked, the order (and
 * dtor, 6.1) in the first tail. */
void synth_set_compound(uint64_t pfn, unsigned order, int hugetlb)
{
	unsigned char *head = synth_spage(pfn), *first = synth_spage(pfn + 1);

	le64_put(head, le64_get(head) | e->head_mask);
	for (unsigned i = 1; i < 1u << order; i++)
		le64_put(synth_spage(pfn + i) + 8, e->mask_tails ? 0xffffffffffffff81ull
		                                            : (V + MEMMAP * 4096 + pfn * 64) | 1);
	if (e->order_at >= 0) {
		first[e->order_at] = (unsigned char)order;
		first[e->dtor_at] = hugetlb ? e->hugetlb_dtor : 1;
	} else {
		le64_put(first, le64_get(first) | order);
		if (hugetlb)
			synth_set_type(pfn, e->hugetlb);
	}
}

static void pte(unsigned table, unsigned index, uint64_t entry)
{
	le64_put(synth_mem + table * 4096 + index * 8, entry);
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
void synth_build(const struct synth_enc *enc)
{
	size_t len;

	e = enc;
	memset(synth_mem, 0, sizeof synth_mem);
	pte(PGD, 273, PUD * 4096 | 1);                 /* V */
	pte(PUD, 0, 0 | 0x80 | 1);                     /* 1 GiB page at 0 */
	pte(PGD, 511, PUD_K * 4096 | 1);               /* __START_KERNEL_map */
	pte(PUD_K, 510, 0 | 0x80 | 1);
	pte(PGD, 402, PUD_V * 4096 | 1);               /* VS, by 4 KiB pages */
	pte(PUD_V, 0, PMD_V * 4096 | 1);
	pte(PMD_V, 0, PTE_V * 4096 | 1);
	for (unsigned i = 0; i < 4; i++)
		pte(PTE_V, i, (STACK + i) * 4096ull | 1);
	le64_put(synth_mem + MS_ROOTS * 4096, V + MS_ROOT * 4096);
	le64_put(synth_mem + MS_ROOT * 4096, (V + MEMMAP * 4096) | 1); /* section 0 present */
	memcpy(synth_mem + UTS * 4096 + 4, "Linux", 5);
	for (unsigned p = 0; p < NPFN; p++)
		synth_set_type(p, 0xffffffff);               /* _mapcount -1: no type */
	for (unsigned p = PUD_V; p <= PTE_V; p++)
		synth_set_type(p, e->table);

	synth_set_type(256, e->buddy), le64_put(synth_spage(256) + 40, 2);
	synth_set_type(260, e->buddy);
	synth_set_slab(264), le64_put(synth_spage(264) + 24, 3);
	le64_put(synth_spage(265) + 24, V | 1);
	synth_set_flag(266, e->pg_lru);
	synth_set_flag(267, e->pg_lru), synth_set_flag(267, e->pg_private);
	synth_set_flag(270, e->pg_hwpoison);
	synth_set_type(271, e->offline);
	synth_set_compound(272, 2, 0), le64_put(synth_spage(272) + 24, V | 1);
	synth_set_slab(276), synth_set_compound(276, 2, 0);
	le64_put(synth_spage(277) + 24, 1); /* the first tail's counters (6.x folios) at mapping's offset */
	synth_set_flag(280, e->pg_lru), synth_set_compound(280, 2, 0);
	synth_set_compound(284, 2, 1);
	synth_set_type(288, e->buddy), le64_put(synth_spage(288) + 40, 11);
	if (!e->slab)
		synth_set_slab(289), synth_set_type(289, e->buddy);
	synth_set_slab(OBJ), le64_put(synth_spage(OBJ) + 24, 5);
	/* vmap_area_list (at OBJ + 0x40) -> one vmap_area, its list at 40 */
	le64_put(synth_mem + OBJ * 4096 + 0x40, V + VA * 4096 + 0x100 + 40);
	le64_put(synth_mem + VA * 4096 + 0x100 + 40, V + OBJ * 4096 + 0x40);
	synth_set_slab(VA), le64_put(synth_spage(VA) + 24, 7);
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
	synth_vi = (struct dump_vmcoreinfo){ info_text, len };
}


void synth_add_high(void)
{
	/* root HIGH >> 10 / 256 = 16 of mem_section; its section 0 maps pfn
	 * HIGH's struct page to MEMMAP_HIGH (the coded base is HIGH pages
	 * before it, as the kernel codes it) */
	le64_put(synth_mem + MS_ROOTS * 4096 + 16 * 8, V + MS_ROOT_HIGH * 4096);
	le64_put(synth_mem + MS_ROOT_HIGH * 4096, (V + MEMMAP_HIGH * 4096 - HIGH * 64) | 1);
	for (uint64_t p = HIGH; p < HIGH + NPFN; p++)
		synth_set_type(p, 0xffffffff);
}

size_t synth_note(unsigned char *p, const char *name, uint32_t type, const void *desc, uint32_t dlen)
{
	uint32_t nlen = (uint32_t)strlen(name) + 1;
	size_t n = 12;

	le32_put(p, nlen);
	le32_put(p + 4, dlen);
	le32_put(p + 8, type);
	memcpy(p + n, name, nlen);
	n += (nlen + 3) & ~3u;
	memcpy(p + n, desc, dlen);
	return n + ((dlen + 3) & ~3u);
}

int synth_core(const char *path)
{
	unsigned char eh[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 }, ph[2][56] = { { 0 } };
	unsigned char notes[8192] = { 0 }, prs[336] = { 0 };
	size_t nlen = 0;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return -errno;
	le64_put(prs + 112 + 19 * 8, SP); /* pr_reg's rsp */
	nlen += synth_note(notes, "CORE", 1, prs, sizeof prs);
	nlen += synth_note(notes + nlen, "VMCOREINFO", 0, synth_vi.text, (uint32_t)synth_vi.len);
	le32_put(eh + 16, 4 | 62 << 16);  /* ET_CORE, EM_X86_64 */
	le64_put(eh + 32, 64);
	eh[54] = 56;
	eh[56] = 2;
	le32_put(ph[0], 4);               /* PT_NOTE */
	le64_put(ph[0] + 8, 4096);
	le64_put(ph[0] + 32, nlen);
	le32_put(ph[1], 1);               /* PT_LOAD of all of synth_mem at V */
	le64_put(ph[1] + 8, 4 * 4096);
	le64_put(ph[1] + 16, V);
	le64_put(ph[1] + 32, sizeof synth_mem);
	le64_put(ph[1] + 40, sizeof synth_mem);
	if (pwrite(fd, eh, sizeof eh, 0) != sizeof eh || pwrite(fd, ph, sizeof ph, 64) != sizeof ph ||
	    pwrite(fd, notes, nlen, 4096) != (ssize_t)nlen ||
	    pwrite(fd, synth_mem, sizeof synth_mem, 4 * 4096) != sizeof synth_mem) {
		close(fd);
		return -EIO;
	}
	return fd;
}

int synth_sink_write(void *ctx, const void *p, size_t n)
{
	struct synth_sink *s = ctx;

	if (n > s->cap - s->len)
		return -ENOSPC;
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	return 0;
}

void synth_add_crossing(void)
{
	synth_set_type(320, e->buddy), le64_put(synth_spage(320) + 40, 6);
	synth_set_compound(352, 5, 0), le64_put(synth_spage(352) + 24, V | 1);
	synth_set_type(368, e->buddy), le64_put(synth_spage(368) + 40, 2);
	synth_set_compound(384, 7, 0), le64_put(synth_spage(384) + 24, V | 1);
	synth_set_type(448, e->buddy), le64_put(synth_spage(448) + 40, 4);
	synth_set_type(496, e->buddy), le64_put(synth_spage(496) + 40, 3);
	synth_set_compound(768, 8, 1);
}
