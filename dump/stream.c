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

int dump_stream_batch_init(struct dump_stream_batch *b, void *lz, void *rec)
{
	uintptr_t p = ((uintptr_t)lz + 15) & ~(uintptr_t)15;

	memset(b, 0, sizeof *b);
	if ((size_t)LZ4_sizeofState() > DUMP_STREAM_LZ4_STATE_MAX)
		return -EINVAL;
	b->lz4 = (void *)p;
	b->ring = (unsigned char *)p + DUMP_STREAM_LZ4_STATE_MAX;
	b->rec = rec;
	dump_stream_batch_clear(b);
	return 0;
}

void dump_stream_batch_clear(struct dump_stream_batch *b)
{
	b->chain = b->nentries = b->npages = 0;
	b->ndata = 0;
	b->first_pfn = b->next_pfn = b->zero_end = 0;
	b->kept = b->zero = 0;
	b->fresh = 1;
}

void dump_stream_init(struct dump_stream_writer *w,
                      int (*write)(void *ctx, const void *buf, size_t len),
                      void *ctx, void *work, size_t worklen)
{
	memset(w, 0, sizeof *w);
	w->write = write;
	w->ctx = ctx;
	if (!work || worklen < DUMP_STREAM_WORK_SIZE ||
	    dump_stream_batch_init(&w->batch, work, (unsigned char *)work + DUMP_STREAM_LZ_SIZE))
		w->err = -EINVAL;
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

void dump_stream_batch_seal(struct dump_stream_batch *b)
{
	size_t table = REC_ENTRIES + (size_t)b->nentries * DUMP_STREAM_ENTRY_SIZE;
	unsigned char *data = b->rec + REC_DATA;

	le32_put(b->rec, DUMP_STREAM_PAGES);
	le32_put(b->rec + 4, (uint32_t)(table - 8 + b->ndata));
	le32_put(b->rec + 8, b->nentries);
	le32_put(b->rec + 12, 0);
	b->crc = crc32c(crc32c(0, b->rec, table), data, b->ndata);
	le32_put(data + b->ndata, b->crc);
}

void dump_stream_put_batch(struct dump_stream_writer *w, const struct dump_stream_batch *b)
{
	size_t table = REC_ENTRIES + (size_t)b->nentries * DUMP_STREAM_ENTRY_SIZE;

	if (w->err || !b->nentries)
		return;
	if (w->state != ST_PAGES || b->first_pfn < w->next_pfn || b->next_pfn > w->max_pfn) {
		w->err = -SALVAGE_E_STREAM_ORDER;
		return;
	}
	if (b != &w->batch && w->batch.nentries) {
		dump_stream_batch_seal(&w->batch);
		dump_stream_put_batch(w, &w->batch);
		dump_stream_batch_clear(&w->batch);
	}
	emit(w, b->rec, table);
	emit(w, b->rec + REC_DATA, b->ndata + 4);
	w->records_crc = crc32c(w->records_crc, b->rec + REC_DATA + b->ndata, 4);
	w->pages_records++;
	w->count[DUMP_CLASS_KEPT] += b->kept;
	w->count[DUMP_CLASS_ZERO] += b->zero;
	w->next_pfn = b->next_pfn;
}

/* The writer's own record, full or at the end: out, and a new one. */
static void flush(struct dump_stream_writer *w)
{
	if (!w->batch.nentries)
		return;
	dump_stream_batch_seal(&w->batch);
	dump_stream_put_batch(w, &w->batch);
	dump_stream_batch_clear(&w->batch);
}

static unsigned char *new_entry(struct dump_stream_batch *b, uint64_t pfn, uint32_t kind, uint32_t size)
{
	unsigned char *e = b->rec + REC_ENTRIES + (size_t)b->nentries++ * DUMP_STREAM_ENTRY_SIZE;

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

static void add_zero(struct dump_stream_batch *b, uint64_t pfn)
{
	unsigned char *last;

	/* docs/stream-format.md#pages: a zero page extends the ZERO run
	 * that ends just before it. */
	if (b->nentries && b->zero_end == pfn) {
		last = b->rec + REC_ENTRIES + (size_t)(b->nentries - 1) * DUMP_STREAM_ENTRY_SIZE;
		le32_put(last + 12, le32_get(last + 12) + 1);
	} else {
		new_entry(b, pfn, DUMP_STREAM_ZERO, 1);
	}
	b->zero_end = pfn + 1;
}

static void add_data(struct dump_stream_batch *b, uint64_t pfn, const void *page)
{
	unsigned char *dst = b->rec + REC_DATA + b->ndata, *src;
	int n;

	/* docs/stream-format.md#linked-lz4: the page joins the chain's ring,
	 * where LZ4 finds matches in the chain's earlier pages too (about 7 %
	 * smaller than independent pages on kernel memory). A chain starts
	 * with an empty window; a record's first chain with a state as new,
	 * so that the record's bytes owe nothing to the records before it
	 * (LZ4_resetStream_fast keeps stale hash entries that can change
	 * which matches are found). */
	if (!b->chain && b->fresh)
		LZ4_initStream(b->lz4, DUMP_STREAM_LZ4_STATE_MAX);
	else if (!b->chain)
		LZ4_resetStream_fast(b->lz4);
	b->fresh = 0;
	src = b->ring + (b->chain % DUMP_STREAM_RING_PAGES) * DUMP_STREAM_PAGE_SIZE;
	memcpy(src, page, DUMP_STREAM_PAGE_SIZE);
	/* Only a block smaller than the page is worth keeping. */
	n = LZ4_compress_fast_continue(b->lz4, (const char *)src, (char *)dst, (int)DUMP_STREAM_PAGE_SIZE,
	                               (int)DUMP_STREAM_PAGE_SIZE - 1, 1);
	if (n > 0) {
		new_entry(b, pfn, DUMP_STREAM_LZ4_LINKED, (uint32_t)n);
		b->ndata += (size_t)n;
		b->chain++;
	} else {
		/* A failed call leaves LZ4's stream undefined: RAW ends the chain. */
		memcpy(dst, page, DUMP_STREAM_PAGE_SIZE);
		new_entry(b, pfn, DUMP_STREAM_RAW, DUMP_STREAM_PAGE_SIZE);
		b->ndata += DUMP_STREAM_PAGE_SIZE;
		b->chain = 0;
	}
	b->zero_end = 0;
}

void dump_stream_batch_page(struct dump_stream_batch *b, uint64_t pfn, const void *page)
{
	if (!b->npages)
		b->first_pfn = pfn;
	if (is_zero(page)) {
		add_zero(b, pfn);
		b->zero++;
	} else {
		add_data(b, pfn, page);
		b->kept++;
	}
	b->npages++;
	b->next_pfn = pfn + 1;
}

void dump_stream_page(struct dump_stream_writer *w, uint64_t pfn, const void *page)
{
	if (w->err)
		return;
	if (w->state != ST_PAGES || pfn < w->next_pfn || pfn < w->batch.next_pfn || pfn >= w->max_pfn) {
		w->err = -SALVAGE_E_STREAM_ORDER;
		return;
	}
	if (w->batch.npages == DUMP_STREAM_BATCH)
		flush(w);
	dump_stream_batch_page(&w->batch, pfn, page);
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
