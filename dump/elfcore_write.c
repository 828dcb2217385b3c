/* Stream -> ELF64 core, like makedumpfile -E (docs/convert.md#elf): the
 * notes, and PT_LOADs over the pages the stream holds, split at holes in
 * RAM and at runs of 256 or more excluded pages; shorter runs are written
 * as zeros. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../lib/grow.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/le.h"
#include "elfcore_write.h"

#define PAGE DUMP_STREAM_PAGE_SIZE
#define SPLIT_RUN 256           /* docs/convert.md#elf */

/* ELF64 sizes and values (the ELF gABI; x86_64 psABI for EM_X86_64) */
enum {
	EHDR_SIZE = 64, PHDR_SIZE = 56, SHDR_SIZE = 64,
	ET_CORE = 4, EM_X86_64 = 62, PT_LOAD = 1, PT_NOTE = 4, PN_XNUM = 0xffff,
	PF_RWX = 7,
};

struct seg {
	uint64_t start, end;    /* pfns */
};

struct plan {
	struct seg *segs;
	size_t nseg, cap;
	uint64_t nph, notes_off, data_off, size;
};

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static int test_bit(const unsigned char *bm, uint64_t pfn)
{
	return bm[pfn >> 3] >> (pfn & 7) & 1;
}

/* The pfns the stream holds, KEPT and ZERO, from the entry tables alone. */
static int held_pages(const struct dump_convert_src *c, unsigned char **bm)
{
	struct dump_stream_iter it;
	struct dump_stream_page p;
	int e;

	if (!(*bm = calloc(1, (size_t)((c->r->max_pfn + 7) / 8))))
		return -ENOMEM;
	dump_stream_iter_init(&it, c->r, 1);
	while ((e = dump_stream_next(&it, &p)) == 1)
		(*bm)[p.pfn >> 3] |= (unsigned char)(1u << (p.pfn & 7));
	dump_stream_iter_free(&it);
	return e;
}

/* Index of the RAM range holding pfn, or -1; *cur only moves forward
 * because callers ask in increasing order. Without a RAM record all of
 * memory is one range. */
static long ram_range(const struct dump_stream_reader *r, uint64_t pfn, size_t *cur)
{
	if (!r->nram)
		return 0;
	while (*cur < r->nram && r->ram[*cur].end_pfn <= pfn)
		(*cur)++;
	return *cur < r->nram && r->ram[*cur].start_pfn <= pfn ? (long)*cur : -1;
}

static int add_seg(struct plan *pl, uint64_t pfn)
{
	if (grow(&pl->segs, &pl->cap, pl->nseg, sizeof *pl->segs, 64))
		return -ENOMEM;
	pl->segs[pl->nseg].start = pfn;
	pl->segs[pl->nseg++].end = pfn + 1;
	return 0;
}

/* A held page joins the open segment when it follows it directly, or
 * after fewer than SPLIT_RUN excluded pages of the same RAM range. */
static int plan_segments(const struct dump_convert_src *c, const unsigned char *held, struct plan *pl)
{
	size_t cur = 0;
	long prev_range = -1;
	int e;

	for (uint64_t pfn = 0; pfn < c->r->max_pfn; pfn++) {
		if (!(pfn & 7) && !held[pfn >> 3]) {
			pfn += 7;
			continue;
		}
		if (!test_bit(held, pfn))
			continue;
		long range = ram_range(c->r, pfn, &cur);
		struct seg *last = pl->nseg ? &pl->segs[pl->nseg - 1] : NULL;
		if (last && (pfn == last->end ||
		             (pfn - last->end < SPLIT_RUN && range >= 0 && range == prev_range)))
			last->end = pfn + 1;
		else if ((e = add_seg(pl, pfn)))
			return e;
		prev_range = range;
	}
	return 0;
}

static void put_phdr(unsigned char *p, uint32_t type, uint32_t flags, uint64_t off, uint64_t vaddr,
                     uint64_t paddr, uint64_t size, uint64_t align)
{
	le32_put(p, type);
	le32_put(p + 4, flags);
	le64_put(p + 8, off);
	le64_put(p + 16, vaddr);
	le64_put(p + 24, paddr);
	le64_put(p + 32, size);
	le64_put(p + 40, size);
	le64_put(p + 48, align);
}

static void put_ehdr(unsigned char *h, const struct plan *pl)
{
	static const unsigned char ident[16] = { 0x7f, 'E', 'L', 'F', 2 /* 64-bit */,
	                                         1 /* little-endian */, 1 /* EV_CURRENT */ };
	int xnum = pl->nph >= PN_XNUM;

	memcpy(h, ident, sizeof ident);
	put16(h + 16, ET_CORE);
	put16(h + 18, EM_X86_64);
	le32_put(h + 20, 1);
	le64_put(h + 32, EHDR_SIZE);                                    /* e_phoff */
	le64_put(h + 40, xnum ? EHDR_SIZE + pl->nph * PHDR_SIZE : 0);   /* e_shoff */
	put16(h + 52, EHDR_SIZE);
	put16(h + 54, PHDR_SIZE);
	put16(h + 56, xnum ? PN_XNUM : (uint16_t)pl->nph);
	put16(h + 58, xnum ? SHDR_SIZE : 0);
	put16(h + 60, xnum ? 1 : 0);
	if (xnum) {
		/* extended numbering: section 0 holds the real count */
		unsigned char *sh = h + EHDR_SIZE + pl->nph * PHDR_SIZE;
		le64_put(sh + 32, 1);                    /* sh_size: e_shnum */
		le32_put(sh + 44, (uint32_t)pl->nph);    /* sh_info */
	}
}

/* Ehdr, phdrs, the extended-numbering section header, notes. */
static int write_headers(const struct dump_convert_src *c, int fd, const struct plan *pl)
{
	unsigned char *b = calloc(1, (size_t)pl->data_off);
	uint64_t off = pl->data_off, base = c->r->page_offset;
	int e;

	if (!b)
		return -ENOMEM;
	put_ehdr(b, pl);
	put_phdr(b + EHDR_SIZE, PT_NOTE, 0, pl->notes_off, 0, 0, c->notes_len, 4);
	for (size_t i = 0; i < pl->nseg; i++) {
		uint64_t paddr = pl->segs[i].start * PAGE, size = (pl->segs[i].end - pl->segs[i].start) * PAGE;
		put_phdr(b + EHDR_SIZE + (i + 1) * PHDR_SIZE, PT_LOAD, PF_RWX, off,
		         base ? base + paddr : 0, paddr, size, 0);
		off += size;
	}
	memcpy(b + pl->notes_off, c->notes, c->notes_len);
	e = io_pwriteall(fd, b, (size_t)pl->data_off, 0);
	free(b);
	return e;
}

/* The segments' data in pfn order: pages as they are, zero pages and
 * the gaps between held pages as holes. */
static int write_data(const struct dump_convert_src *c, int fd, const struct plan *pl)
{
	struct dump_outbuf o;
	struct dump_stream_iter it;
	struct dump_stream_page p;
	size_t s = 0;
	uint64_t pos = pl->nseg ? pl->segs[0].start : 0;
	int e, e2;

	if ((e = dump_outbuf_init(&o, fd, pl->data_off, 1 << 20)))
		return e;
	dump_stream_iter_init(&it, c->r, 0);
	while ((e = dump_stream_next(&it, &p)) == 1 && !o.err) {
		while (s < pl->nseg && p.pfn >= pl->segs[s].end)
			if (++s < pl->nseg)
				pos = pl->segs[s].start;
		if (s == pl->nseg || p.pfn < pos) {
			e = -SALVAGE_E_STREAM_BAD_RECORD; /* not the pages planned for */
			break;
		}
		dump_outbuf_skip(&o, (p.pfn - pos) * PAGE);
		if (p.data)
			dump_outbuf_put(&o, p.data, PAGE);
		else
			dump_outbuf_skip(&o, PAGE);
		pos = p.pfn + 1;
	}
	dump_stream_iter_free(&it);
	e2 = dump_outbuf_close(&o);
	if (e < 0)
		return e;
	if (e2)
		return e2;
	return ftruncate(fd, (off_t)pl->size) < 0 ? -errno : 0;
}

int dump_elfcore_write(const struct dump_convert_src *c, int fd)
{
	struct plan pl = { 0 };
	unsigned char *held;
	uint64_t hdrs;
	int e;

	e = held_pages(c, &held);
	if (!e)
		e = plan_segments(c, held, &pl);
	free(held);
	if (!e) {
		pl.nph = 1 + pl.nseg;
		hdrs = EHDR_SIZE + pl.nph * PHDR_SIZE + (pl.nph >= PN_XNUM ? SHDR_SIZE : 0);
		pl.notes_off = (hdrs + 7) & ~(uint64_t)7;
		pl.data_off = (pl.notes_off + c->notes_len + PAGE - 1) / PAGE * PAGE;
		pl.size = pl.data_off;
		for (size_t i = 0; i < pl.nseg; i++)
			pl.size += (pl.segs[i].end - pl.segs[i].start) * PAGE;
		if (!(e = write_headers(c, fd, &pl)))
			e = write_data(c, fd, &pl);
	}
	free(pl.segs);
	return e;
}
