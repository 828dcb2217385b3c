/* The salvage stream writer (docs/stream-format.md). Runs in the crash
 * kernel: no heap, every buffer is the caller's work area. */
#include <errno.h>
#include <string.h>
#include <lz4.h>
#include "../lib/crc32c.h"
#include "../lib/err.h"
#include "../lib/le.h"
#include "stream.h"

_Static_assert(LZ4_STREAM_MINSIZE <= DUMP_STREAM_LZ4_STATE_MAX,
               "DUMP_STREAM_LZ4_STATE_MAX too small for this lz4");

/* The PAGES record under construction, laid out as it goes out
 * (docs/stream-format.md#records, #pages): record header, nentries and
 * reserved, the entry table sized for a full batch, then the data and
 * room for the CRC. A short batch leaves a gap after its table, so every
 * record goes out in two writes: head and table, then data and CRC. */
enum {
	REC_ENTRIES = 8 + DUMP_STREAM_PAGES_HEAD,
	REC_DATA = REC_ENTRIES + DUMP_STREAM_BATCH * DUMP_STREAM_ENTRY_SIZE,
};

enum { ST_NEW, ST_PAGES, ST_ENDED };

void dump_stream_init(struct dump_stream_writer *w,
                      int (*write)(void *ctx, const void *buf, size_t len),
                      void *ctx, void *work, size_t worklen)
{
	uintptr_t p = ((uintptr_t)work + 15) & ~(uintptr_t)15;

	memset(w, 0, sizeof *w);
	w->write = write;
	w->ctx = ctx;
	if (!work || worklen < DUMP_STREAM_WORK_SIZE ||
	    (size_t)LZ4_sizeofState() > DUMP_STREAM_LZ4_STATE_MAX) {
		w->err = -EINVAL;
		return;
	}
	w->lz4 = (void *)p;
	w->ring = (unsigned char *)p + DUMP_STREAM_LZ4_STATE_MAX;
	w->rec = w->ring + DUMP_STREAM_RING_PAGES * DUMP_STREAM_PAGE_SIZE;
	LZ4_initStream(w->lz4, DUMP_STREAM_LZ4_STATE_MAX);
}

static void emit(struct dump_stream_writer *w, const void *buf, size_t len)
{
	int r;

	if (w->err || !len)
		return;
	if ((r = w->write(w->ctx, buf, len)) < 0) {
		w->err = r;
		return;
	}
	w->bytes += len;
}

/* One record whose payload is the caller's buffer: three writes, so a
 * large log or note blob is never copied. */
static void record(struct dump_stream_writer *w, uint32_t type, const void *payload, size_t len)
{
	unsigned char head[8], tail[4];
	uint32_t crc;

	if (len > DUMP_STREAM_MAX_META) {
		w->err = w->err ? w->err : -EFBIG;
		return;
	}
	le32_put(head, type);
	le32_put(head + 4, (uint32_t)len);
	crc = crc32c(crc32c(0, head, 8), payload, len);
	le32_put(tail, crc);
	emit(w, head, 8);
	emit(w, payload, len);
	emit(w, tail, 4);
	w->records_crc = crc32c(w->records_crc, tail, 4);
}

static void put_info(struct dump_stream_writer *w, const struct dump_stream_info *in)
{
	unsigned char b[DUMP_STREAM_INFO_LEN] = { 0 };

	/* docs/stream-format.md#info */
	le64_put(b, in->max_pfn);
	le64_put(b + 8, in->phys_base);
	le64_put(b + 16, in->crashtime);
	le64_put(b + 24, in->page_offset);
	le32_put(b + 32, in->dump_level);
	record(w, DUMP_STREAM_INFO, b, sizeof b);
}

static void put_ram(struct dump_stream_writer *w, const struct dump_range *ram, unsigned n)
{
	unsigned char head[8], tail[4], b[16];
	uint32_t crc;

	/* docs/stream-format.md#ram, written range by range (no heap for a
	 * copy) with the CRC carried along. */
	if ((uint64_t)n * 16 > DUMP_STREAM_MAX_META) {
		w->err = w->err ? w->err : -EFBIG;
		return;
	}
	le32_put(head, DUMP_STREAM_RAM);
	le32_put(head + 4, n * 16);
	crc = crc32c(0, head, 8);
	emit(w, head, 8);
	for (unsigned i = 0; i < n; i++) {
		le64_put(b, ram[i].start_pfn);
		le64_put(b + 8, ram[i].end_pfn);
		crc = crc32c(crc, b, 16);
		emit(w, b, 16);
	}
	le32_put(tail, crc);
	emit(w, tail, 4);
	w->records_crc = crc32c(w->records_crc, tail, 4);
}

void dump_stream_begin(struct dump_stream_writer *w, const struct dump_stream_info *in)
{
	unsigned char h[DUMP_STREAM_HEADER_SIZE];

	if (w->err)
		return;
	if (w->state != ST_NEW || !in->max_pfn || in->max_pfn > DUMP_STREAM_MAX_PFN) {
		w->err = -EINVAL;
		return;
	}
	/* docs/stream-format.md#header */
	memcpy(h, DUMP_STREAM_MAGIC, DUMP_STREAM_MAGIC_LEN);
	le32_put(h + 8, DUMP_STREAM_VERSION);
	le32_put(h + 12, DUMP_STREAM_PAGE_SIZE);
	emit(w, h, sizeof h);
	/* docs/stream-format.md#order: the log right after INFO */
	put_info(w, in);
	if (in->dmesg && in->dmesg_len > DUMP_STREAM_MAX_META) /* keep the newest lines */
		record(w, DUMP_STREAM_DMESG, in->dmesg + in->dmesg_len - DUMP_STREAM_MAX_META,
		       DUMP_STREAM_MAX_META);
	else if (in->dmesg && in->dmesg_len)
		record(w, DUMP_STREAM_DMESG, in->dmesg, in->dmesg_len);
	if (in->utsname)
		record(w, DUMP_STREAM_UTSNAME, in->utsname, DUMP_STREAM_UTSNAME_LEN);
	if (in->vmcoreinfo && in->vmcoreinfo_len)
		record(w, DUMP_STREAM_VMCOREINFO, in->vmcoreinfo, in->vmcoreinfo_len);
	if (in->notes && in->notes_len)
		record(w, DUMP_STREAM_NOTES, in->notes, in->notes_len);
	if (in->ram && in->nram)
		put_ram(w, in->ram, in->nram);
	w->max_pfn = in->max_pfn;
	w->state = ST_PAGES;
}

static void flush(struct dump_stream_writer *w)
{
	size_t table = REC_ENTRIES + (size_t)w->nentries * DUMP_STREAM_ENTRY_SIZE;
	unsigned char *data = w->rec + REC_DATA;
	uint32_t len, crc;

	if (!w->nentries)
		return;
	len = (uint32_t)(table - 8 + w->ndata);
	le32_put(w->rec, DUMP_STREAM_PAGES);
	le32_put(w->rec + 4, len);
	le32_put(w->rec + 8, w->nentries);
	le32_put(w->rec + 12, 0);
	crc = crc32c(crc32c(0, w->rec, table), data, w->ndata);
	le32_put(data + w->ndata, crc);
	emit(w, w->rec, table);
	emit(w, data, w->ndata + 4);
	w->records_crc = crc32c(w->records_crc, data + w->ndata, 4);
	w->pages_records++;
	w->nentries = 0;
	w->ndata = 0;
	w->zero_end = 0;
	w->chain = 0;    /* docs/stream-format.md#linked-lz4: chains end with the record */
}

static unsigned char *new_entry(struct dump_stream_writer *w, uint64_t pfn, uint32_t kind, uint32_t size)
{
	unsigned char *e;

	if (w->nentries == DUMP_STREAM_BATCH)
		flush(w);
	e = w->rec + REC_ENTRIES + (size_t)w->nentries++ * DUMP_STREAM_ENTRY_SIZE;
	le64_put(e, pfn);
	le32_put(e + 8, kind);
	le32_put(e + 12, size);
	return e;
}

static int is_zero(const void *page)
{
	const unsigned char *p = page;
	uint64_t acc = 0;

	/* Whole-page OR, no early exit: branch-free, and kernel pages that
	 * are not zero usually differ in their first bytes anyway. The page
	 * may sit at any address (an ELF p_offset need not be aligned): the
	 * words are loaded with memcpy, one unaligned load on x86_64. */
	for (size_t i = 0; i < DUMP_STREAM_PAGE_SIZE; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		acc |= w;
	}
	return !acc;
}

static void add_zero(struct dump_stream_writer *w, uint64_t pfn)
{
	unsigned char *last;

	/* docs/stream-format.md#pages: a zero page extends the ZERO run
	 * that ends just before it. */
	if (w->nentries && w->zero_end == pfn) {
		last = w->rec + REC_ENTRIES + (size_t)(w->nentries - 1) * DUMP_STREAM_ENTRY_SIZE;
		uint32_t run = le32_get(last + 12);
		if (run < UINT32_MAX) {
			le32_put(last + 12, run + 1);
			w->zero_end = pfn + 1;
			return;
		}
	}
	new_entry(w, pfn, DUMP_STREAM_ZERO, 1);
	w->zero_end = pfn + 1;
}

static void add_data(struct dump_stream_writer *w, uint64_t pfn, const void *page)
{
	unsigned char *dst, *src;
	int n;

	if (w->nentries == DUMP_STREAM_BATCH)
		flush(w);
	dst = w->rec + REC_DATA + w->ndata;
	/* docs/stream-format.md#linked-lz4: the page joins the chain's ring,
	 * where LZ4 finds matches in the chain's earlier pages too (about 7 %
	 * smaller than independent pages on kernel memory). A chain starts
	 * with an empty window. */
	if (!w->chain)
		LZ4_resetStream_fast(w->lz4);
	src = w->ring + (w->chain % DUMP_STREAM_RING_PAGES) * DUMP_STREAM_PAGE_SIZE;
	memcpy(src, page, DUMP_STREAM_PAGE_SIZE);
	/* Only a block smaller than the page is worth keeping. */
	n = LZ4_compress_fast_continue(w->lz4, (const char *)src, (char *)dst, (int)DUMP_STREAM_PAGE_SIZE,
	                               (int)DUMP_STREAM_PAGE_SIZE - 1, 1);
	if (n > 0) {
		new_entry(w, pfn, DUMP_STREAM_LZ4_LINKED, (uint32_t)n);
		w->ndata += (size_t)n;
		w->chain++;
	} else {
		/* A failed call leaves LZ4's stream undefined: RAW ends the chain. */
		memcpy(dst, page, DUMP_STREAM_PAGE_SIZE);
		new_entry(w, pfn, DUMP_STREAM_RAW, DUMP_STREAM_PAGE_SIZE);
		w->ndata += DUMP_STREAM_PAGE_SIZE;
		w->chain = 0;
	}
	w->zero_end = 0;
}

void dump_stream_page(struct dump_stream_writer *w, uint64_t pfn, const void *page)
{
	if (w->err)
		return;
	if (w->state != ST_PAGES || pfn < w->next_pfn || pfn >= w->max_pfn) {
		w->err = -SALVAGE_E_STREAM_ORDER;
		return;
	}
	w->next_pfn = pfn + 1;
	if (is_zero(page)) {
		add_zero(w, pfn);
		w->count[DUMP_CLASS_ZERO]++;
	} else {
		add_data(w, pfn, page);
		w->count[DUMP_CLASS_KEPT]++;
	}
}

void dump_stream_exclude(struct dump_stream_writer *w, uint64_t npages, enum dump_class c)
{
	if (w->err)
		return;
	if (c <= DUMP_CLASS_ZERO || c >= DUMP_CLASS_COUNT) {
		w->err = -EINVAL;
		return;
	}
	w->count[c] += npages;
}

static void put_trailer(struct dump_stream_writer *w)
{
	unsigned char b[DUMP_STREAM_TRAILER_LEN];

	/* docs/stream-format.md#trailer */
	le32_put(b, DUMP_CLASS_COUNT);
	le32_put(b + 4, w->records_crc);
	le64_put(b + 8, w->bytes);
	le64_put(b + 16, w->pages_records);
	for (int i = 0; i < DUMP_CLASS_COUNT; i++)
		le64_put(b + 24 + 8 * i, w->count[i]);
	record(w, DUMP_STREAM_TRAILER, b, sizeof b);
}

int dump_stream_end(struct dump_stream_writer *w)
{
	if (w->err)
		return w->err;
	if (w->state != ST_PAGES) {
		w->err = -EINVAL;
		return w->err;
	}
	flush(w);
	put_trailer(w);
	w->state = ST_ENDED;
	return w->err;
}
