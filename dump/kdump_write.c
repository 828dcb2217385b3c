/* Stream -> kdump-compressed file (docs/convert.md#kdump-layout). The
 * layout is fixed before the first page: the stream's counts give the
 * number of descs, so descs and data are each written sequentially at
 * their own offsets, in one pass over the pages; headers and bitmaps go
 * last. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/le.h"
#include "kdump_write.h"
#include "kdump.h"

#define BLOCK DUMP_KDUMP_BLOCK

struct layout {
	uint64_t max_mapnr;
	uint64_t sub_blocks;     /* sub-header + notes */
	uint64_t bitmap_len;     /* one bitmap, whole blocks */
	uint64_t bitmap_off, desc_off, data_off;
	uint64_t ndumpable;
	int zero_page;           /* the shared zero page is written */
};

static int plan(const struct dump_convert_src *c, struct layout *l)
{
	const struct dump_stream_reader *r = c->r;

	/* docs/convert.md#kdump-layout */
	l->max_mapnr = r->max_pfn;
	l->sub_blocks = (DUMP_KDUMP_SUB_SIZE + c->notes_len + BLOCK - 1) / BLOCK;
	l->bitmap_len = ((r->max_pfn + 7) / 8 + BLOCK - 1) / BLOCK * BLOCK;
	if (2 * l->bitmap_len / BLOCK > UINT32_MAX || l->sub_blocks > INT32_MAX)
		return -EFBIG;
	l->bitmap_off = (1 + l->sub_blocks) * BLOCK;
	l->desc_off = l->bitmap_off + 2 * l->bitmap_len;
	l->ndumpable = r->count[DUMP_CLASS_KEPT] + r->count[DUMP_CLASS_ZERO];
	l->data_off = l->desc_off + DUMP_KDUMP_DESC_SIZE * l->ndumpable;
	/* docs/convert.md#page-desc: zero pages share one */
	l->zero_page = (r->dump_level & 1) || r->count[DUMP_CLASS_ZERO];
	return 0;
}

int dump_kdump_size(const struct dump_convert_src *c, uint64_t *size)
{
	struct layout l;
	uint64_t kept = c->r->count[DUMP_CLASS_KEPT];
	int e;

	if ((e = plan(c, &l)))
		return e;
	/* data_off is below 2^62 (max_pfn and the counts are bounded by the
	 * stream format), so only the pages' bytes can overflow */
	if (kept > (UINT64_MAX - l.data_off - BLOCK) / BLOCK)
		return -EFBIG;
	*size = l.data_off + (uint64_t)l.zero_page * BLOCK + kept * BLOCK;
	return 0;
}

static void set_bits(unsigned char *bm, uint64_t start, uint64_t end);

static void set_bit(unsigned char *bm, uint64_t pfn)
{
	bm[pfn >> 3] |= (unsigned char)(1u << (pfn & 7));
}

static void set_bits(unsigned char *bm, uint64_t start, uint64_t end)
{
	for (; start < end && (start & 7); start++)
		set_bit(bm, start);
	if (end - start >= 8) {
		memset(bm + (start >> 3), 0xff, (end - start) >> 3);
		start += (end - start) & ~(uint64_t)7;
	}
	for (; start < end; start++)
		set_bit(bm, start);
}

/* docs/convert.md#bitmaps: both bitmaps are written a window at a time as
 * the pages come in pfn order, so memory stays WIN bytes however large
 * max_pfn (a claim the stream need not back with a single page). */
#define WIN (64u << 10)
#define WIN_PFNS ((uint64_t)WIN * 8)

struct bitmaps {
	unsigned char ram[WIN], dump[WIN];
	uint64_t base;           /* first pfn of the window */
	size_t next_ram;         /* first RAM range not wholly before it */
	int err;
};

/* Bitmap 1 is the RAM ranges and every page; bitmap 2 the pages. */
static void window_out(struct bitmaps *b, const struct dump_convert_src *c, int fd, const struct layout *l)
{
	const struct dump_range *ram = c->r->ram;
	uint64_t end = b->base + WIN_PFNS, off = b->base / 8, n = WIN;

	while (b->next_ram < c->r->nram && ram[b->next_ram].end_pfn <= b->base)
		b->next_ram++;
	for (size_t i = b->next_ram; i < c->r->nram && ram[i].start_pfn < end; i++)
		set_bits(b->ram, (ram[i].start_pfn > b->base ? ram[i].start_pfn : b->base) - b->base,
		         (ram[i].end_pfn < end ? ram[i].end_pfn : end) - b->base);
	if (off + n > l->bitmap_len)
		n = l->bitmap_len - off;
	if (!b->err)
		b->err = io_pwriteall(fd, b->ram, (size_t)n, (off_t)(l->bitmap_off + off));
	if (!b->err)
		b->err = io_pwriteall(fd, b->dump, (size_t)n, (off_t)(l->bitmap_off + l->bitmap_len + off));
	memset(b->ram, 0, sizeof b->ram);
	memset(b->dump, 0, sizeof b->dump);
	b->base = end;
}

/* Windows before pfn's (all of them with pfn = max_pfn) go out. */
static void windows_upto(struct bitmaps *b, const struct dump_convert_src *c, int fd,
                         const struct layout *l, uint64_t pfn)
{
	while (pfn >= b->base + WIN_PFNS && b->base < l->max_mapnr)
		window_out(b, c, fd, l);
}

struct zpage {
	z_stream zs;
	int ready;
	unsigned char out[BLOCK];
};

/* docs/convert.md#page-desc: zlib when it shrinks the page, else raw.
 * Returns the stored size and sets *data and *flags. */
static uint32_t compress_page(struct zpage *z, enum dump_codec codec, const unsigned char *page,
                              const unsigned char **data, uint32_t *flags)
{
	*data = page;
	*flags = 0;
	if (codec != DUMP_CODEC_ZLIB || !z->ready || deflateReset(&z->zs) != Z_OK)
		return BLOCK;
	z->zs.next_in = (unsigned char *)page;
	z->zs.avail_in = BLOCK;
	z->zs.next_out = z->out;
	z->zs.avail_out = BLOCK - 1;
	if (deflate(&z->zs, Z_FINISH) != Z_STREAM_END)
		return BLOCK;
	*data = z->out;
	*flags = DUMP_KDUMP_ZLIB;
	return (uint32_t)z->zs.total_out;
}

static void put_desc(struct dump_outbuf *o, uint64_t off, uint32_t size, uint32_t flags)
{
	unsigned char d[DUMP_KDUMP_DESC_SIZE] = { 0 };

	le64_put(d, off);
	le32_put(d + 8, size);
	le32_put(d + 12, flags);
	dump_outbuf_put(o, d, sizeof d);
}

static void put_page(struct zpage *z, enum dump_codec codec, const struct layout *l,
                     struct dump_outbuf *descs, struct dump_outbuf *data,
                     const struct dump_stream_page *p)
{
	const unsigned char *stored;
	uint32_t flags, size;

	if (p->kind == DUMP_STREAM_ZERO) {
		put_desc(descs, l->data_off, BLOCK, 0);
		return;
	}
	size = compress_page(z, codec, p->data, &stored, &flags);
	put_desc(descs, data->off + data->len, size, flags);
	dump_outbuf_put(data, stored, size);
}

/* Descs, data and bitmaps for every page of the stream. */
static int write_pages(const struct dump_convert_src *c, int fd, const struct layout *l,
                       enum dump_codec codec, struct bitmaps *bm)
{
	static const unsigned char zero[BLOCK];
	struct dump_outbuf descs, data;
	struct dump_stream_iter it;
	struct dump_stream_page p;
	struct zpage *z = calloc(1, sizeof *z);
	uint64_t n = 0;
	int e, e1, e2;

	if (!z)
		return -ENOMEM;
	if (codec == DUMP_CODEC_ZLIB && deflateInit(&z->zs, Z_BEST_SPEED) != Z_OK) {
		free(z);
		return -ENOMEM;
	}
	z->ready = codec == DUMP_CODEC_ZLIB;
	dump_outbuf_init(&descs, fd, l->desc_off, 64 << 10);
	dump_outbuf_init(&data, fd, l->data_off, 1 << 20);
	if (l->zero_page)
		dump_outbuf_put(&data, zero, BLOCK);
	dump_stream_iter_init(&it, c->r, 0);
	while ((e = dump_stream_next(&it, &p)) == 1 && !descs.err && !data.err) {
		windows_upto(bm, c, fd, l, p.pfn);
		set_bit(bm->ram, p.pfn - bm->base);
		set_bit(bm->dump, p.pfn - bm->base);
		put_page(z, codec, l, &descs, &data, &p);
		n++;
	}
	dump_stream_iter_free(&it);
	if (z->ready)
		deflateEnd(&z->zs);
	free(z);
	e1 = dump_outbuf_close(&descs);
	e2 = dump_outbuf_close(&data);
	if (e < 0)
		return e;
	/* the last window too: max_pfn is past every page */
	windows_upto(bm, c, fd, l, l->max_mapnr + WIN_PFNS);
	if (bm->err)
		return bm->err;
	if (e1 || e2)
		return e1 ? e1 : e2;
	/* the stream's trailer counts were checked against its pages */
	return n == l->ndumpable ? 0 : -SALVAGE_E_STREAM_BAD_TRAILER;
}

static void put_header(unsigned char *h, const struct dump_convert_src *c, const struct layout *l,
                       enum dump_codec codec)
{
	/* docs/convert.md#kdump-header */
	memcpy(h + DUMP_KDUMP_H_SIGNATURE, DUMP_KDUMP_SIGNATURE, 8);
	le32_put(h + DUMP_KDUMP_H_VERSION, DUMP_KDUMP_VERSION);
	memcpy(h + DUMP_KDUMP_H_UTSNAME, c->utsname, DUMP_KDUMP_UTSNAME_LEN);
	le64_put(h + DUMP_KDUMP_H_TV_SEC, c->crashtime);
	le64_put(h + DUMP_KDUMP_H_TV_USEC, 0);
	le32_put(h + DUMP_KDUMP_H_STATUS, codec == DUMP_CODEC_ZLIB ? DUMP_KDUMP_ZLIB : 0);
	le32_put(h + DUMP_KDUMP_H_BLOCK_SIZE, BLOCK);
	le32_put(h + DUMP_KDUMP_H_SUB_HDR_SIZE, (uint32_t)l->sub_blocks);
	le32_put(h + DUMP_KDUMP_H_BITMAP_BLOCKS, (uint32_t)(2 * l->bitmap_len / BLOCK));
	le32_put(h + DUMP_KDUMP_H_MAX_MAPNR, l->max_mapnr > UINT32_MAX ? UINT32_MAX : (uint32_t)l->max_mapnr);
	le32_put(h + DUMP_KDUMP_H_NR_CPUS, c->n.nr_prstatus);
}

static void put_sub(unsigned char *s, const struct dump_convert_src *c, const struct layout *l)
{
	uint64_t note_off = BLOCK + DUMP_KDUMP_SUB_SIZE;

	/* docs/convert.md#sub-header; split and the pfn ranges stay 0 */
	le64_put(s + DUMP_KDUMP_S_PHYS_BASE, c->phys_base);
	le32_put(s + DUMP_KDUMP_S_DUMP_LEVEL, c->r->dump_level);
	if (c->n.vmcoreinfo) {
		le64_put(s + DUMP_KDUMP_S_OFF_VMCOREINFO, note_off + c->n.vmcoreinfo_off);
		le64_put(s + DUMP_KDUMP_S_SIZE_VMCOREINFO, c->n.vmcoreinfo_len);
	}
	if (c->notes_len) {
		le64_put(s + DUMP_KDUMP_S_OFF_NOTE, note_off);
		le64_put(s + DUMP_KDUMP_S_SIZE_NOTE, c->notes_len);
	}
	le64_put(s + DUMP_KDUMP_S_MAX_MAPNR_64, l->max_mapnr);
	memcpy(s + DUMP_KDUMP_SUB_SIZE, c->notes, c->notes_len);
}

/* Blocks 0 to sub_blocks: header, sub-header, notes. */
static int write_headers(const struct dump_convert_src *c, int fd, const struct layout *l,
                         enum dump_codec codec)
{
	size_t len = (size_t)(1 + l->sub_blocks) * BLOCK;
	unsigned char *b = calloc(1, len);
	int e;

	if (!b)
		return -ENOMEM;
	put_header(b, c, l, codec);
	put_sub(b + BLOCK, c, l);
	e = io_pwriteall(fd, b, len, 0);
	free(b);
	return e;
}

int dump_kdump_write(const struct dump_convert_src *c, int fd, enum dump_codec codec)
{
	struct layout l;
	struct bitmaps *bm;
	int e;

	if ((e = plan(c, &l)))
		return e;
	if (!(bm = calloc(1, sizeof *bm)))
		return -ENOMEM;
	if (!(e = write_pages(c, fd, &l, codec, bm)))
		e = write_headers(c, fd, &l, codec);
	free(bm);
	return e;
}
