/* The salvage stream reader (docs/stream-format.md). Host side: it may
 * allocate, but only after a length has been checked against the format's
 * limits and the bytes left in the file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <lz4.h>
#include "../lib/grow.h"
#include "../lib/crc32c.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/le.h"
#include "stream_read.h"

/* docs/stream-format.md#limits */
#define MAX_PAGES_PAYLOAD (DUMP_STREAM_PAGES_HEAD + \
	DUMP_STREAM_MAX_ENTRIES * (DUMP_STREAM_ENTRY_SIZE + DUMP_STREAM_PAGE_SIZE))

static const char *const type_names[] = {
	"none", "INFO", "DMESG", "UTSNAME", "VMCOREINFO", "NOTES", "RAM", "PAGES", "TRAILER",
};

const char *dump_stream_type_name(uint32_t type)
{
	if (type && type < sizeof type_names / sizeof type_names[0])
		return type_names[type];
	return type & DUMP_STREAM_TYPE_OPTIONAL ? "optional" : "unknown";
}

/* Parsing state of dump_stream_open(). */
struct scan {
	uint64_t off, recno;
	uint32_t type, len;
	unsigned char *payload;       /* of the current record */
	uint32_t seen;                /* bit per metadata type met */
	int in_pages;
	uint64_t next_pfn;            /* pages must start at or after it */
	uint64_t kept, zero;
	uint32_t records_crc;
	size_t recs_cap;
};

static int fail(struct dump_stream_reader *r, const struct scan *s, int err)
{
	r->err_record = s->recno;
	r->err_offset = s->off;
	r->err_type = s->type;
	return err;
}

static int read_exact(struct dump_stream_reader *r, void *buf, size_t len, uint64_t off)
{
	long n = io_preadall(r->fd, buf, len, (off_t)off);

	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -SALVAGE_E_STREAM_TRUNCATED;
}

/* Grows r->buf to hold len bytes. */
static int buf_reserve(unsigned char **buf, size_t *size, size_t len)
{
	unsigned char *p;

	if (len <= *size)
		return 0;
	if (!(p = realloc(*buf, len)))
		return -ENOMEM;
	*buf = p;
	*size = len;
	return 0;
}

static int check_header(struct dump_stream_reader *r)
{
	unsigned char h[DUMP_STREAM_HEADER_SIZE];
	long n = io_preadall(r->fd, h, sizeof h, 0);

	/* docs/stream-format.md#header */
	if (n < 0)
		return (int)n;
	if (n < DUMP_STREAM_MAGIC_LEN || memcmp(h, DUMP_STREAM_MAGIC, DUMP_STREAM_MAGIC_LEN))
		return -SALVAGE_E_STREAM_BAD_MAGIC;
	if (n < (long)sizeof h)
		return -SALVAGE_E_STREAM_TRUNCATED;
	if (le32_get(h + 8) != DUMP_STREAM_VERSION)
		return -SALVAGE_E_STREAM_BAD_VERSION;
	if (le32_get(h + 12) != DUMP_STREAM_PAGE_SIZE)
		return -SALVAGE_E_STREAM_BAD_HEADER;
	return 0;
}

static uint32_t max_payload(uint32_t type)
{
	if (type == DUMP_STREAM_PAGES)
		return MAX_PAGES_PAYLOAD;
	return DUMP_STREAM_MAX_META;
}

/* Reads the record at s->off into r->buf and checks its CRC; s->type,
 * s->len and s->payload describe it. */
static int read_record(struct dump_stream_reader *r, struct scan *s)
{
	unsigned char head[8];
	uint64_t left = r->size - s->off;
	int e;

	s->type = 0;
	if (left < 8)
		return -SALVAGE_E_STREAM_TRUNCATED;
	if ((e = read_exact(r, head, 8, s->off)))
		return e;
	s->type = le32_get(head);
	s->len = le32_get(head + 4);
	/* docs/stream-format.md#limits, before anything is allocated */
	if (s->len > max_payload(s->type))
		return -SALVAGE_E_STREAM_BAD_RECORD;
	if ((uint64_t)s->len + DUMP_STREAM_RECORD_OVERHEAD > left)
		return -SALVAGE_E_STREAM_TRUNCATED;
	if ((e = buf_reserve(&r->buf, &r->bufsize, (size_t)s->len + DUMP_STREAM_RECORD_OVERHEAD)))
		return e;
	r->cached = 0;
	if ((e = read_exact(r, r->buf, (size_t)s->len + DUMP_STREAM_RECORD_OVERHEAD, s->off)))
		return e;
	if (crc32c(0, r->buf, 8 + (size_t)s->len) != le32_get(r->buf + 8 + s->len))
		return -SALVAGE_E_STREAM_BAD_CRC;
	s->payload = r->buf + 8;
	return 0;
}

/* A metadata payload outlives r->buf: copy it. */
static void *copy_payload(const struct scan *s)
{
	void *p = malloc(s->len ? s->len : 1);

	if (p)
		memcpy(p, s->payload, s->len);
	return p;
}

static int parse_info(struct dump_stream_reader *r, const struct scan *s)
{
	const unsigned char *p = s->payload;

	/* docs/stream-format.md#info */
	if (s->len != DUMP_STREAM_INFO_LEN || le32_get(p + 36))
		return -SALVAGE_E_STREAM_BAD_RECORD;
	r->max_pfn = le64_get(p);
	r->phys_base = le64_get(p + 8);
	r->crashtime = le64_get(p + 16);
	r->page_offset = le64_get(p + 24);
	r->dump_level = le32_get(p + 32);
	if (!r->max_pfn || r->max_pfn > DUMP_STREAM_MAX_PFN)
		return -SALVAGE_E_STREAM_BAD_RECORD;
	return 0;
}

static int parse_ram(struct dump_stream_reader *r, const struct scan *s)
{
	size_t n = s->len / 16;
	uint64_t prev_end = 0;

	/* docs/stream-format.md#ram */
	if (s->len % 16)
		return -SALVAGE_E_STREAM_BAD_RECORD;
	if (!(r->ram = malloc(n ? n * sizeof *r->ram : 1)))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint64_t a = le64_get(s->payload + 16 * i), b = le64_get(s->payload + 16 * i + 8);
		if (a >= b || a < prev_end || b > r->max_pfn)
			return -SALVAGE_E_STREAM_BAD_RECORD;
		r->ram[i].start_pfn = a;
		r->ram[i].end_pfn = b;
		prev_end = b;
	}
	r->nram = n;
	return 0;
}

/* Checks a PAGES payload's entry table (docs/stream-format.md#pages) and
 * fills rec. */
static int parse_pages(struct dump_stream_reader *r, struct scan *s, struct dump_stream_rec *rec)
{
	const unsigned char *p = s->payload;
	uint32_t n;
	uint64_t data = 0;

	if (s->len < DUMP_STREAM_PAGES_HEAD)
		return -SALVAGE_E_STREAM_BAD_RECORD;
	n = le32_get(p);
	if (!n || n > DUMP_STREAM_MAX_ENTRIES || le32_get(p + 4) ||
	    s->len < DUMP_STREAM_PAGES_HEAD + (uint64_t)n * DUMP_STREAM_ENTRY_SIZE)
		return -SALVAGE_E_STREAM_BAD_RECORD;
	rec->first_pfn = le64_get(p + DUMP_STREAM_PAGES_HEAD);
	for (uint32_t i = 0; i < n; i++) {
		const unsigned char *e = p + DUMP_STREAM_PAGES_HEAD + (size_t)i * DUMP_STREAM_ENTRY_SIZE;
		uint64_t pfn = le64_get(e);
		uint32_t kind = le32_get(e + 8), size = le32_get(e + 12), pages = 1;

		if (pfn < s->next_pfn || pfn >= r->max_pfn)
			return -SALVAGE_E_STREAM_BAD_RECORD;
		if (kind == DUMP_STREAM_ZERO) {
			if (!size || size > r->max_pfn - pfn)
				return -SALVAGE_E_STREAM_BAD_RECORD;
			pages = size;
			s->zero += size;
		} else if ((kind == DUMP_STREAM_RAW && size == DUMP_STREAM_PAGE_SIZE) ||
		           ((kind == DUMP_STREAM_LZ4 || kind == DUMP_STREAM_LZ4_LINKED) &&
		            size && size < DUMP_STREAM_PAGE_SIZE)) {
			data += size;
			s->kept++;
		} else {
			return -SALVAGE_E_STREAM_BAD_RECORD;
		}
		s->next_pfn = pfn + pages;
	}
	if (DUMP_STREAM_PAGES_HEAD + (uint64_t)n * DUMP_STREAM_ENTRY_SIZE + data != s->len)
		return -SALVAGE_E_STREAM_BAD_RECORD;
	rec->end_pfn = s->next_pfn;
	rec->nentries = n;
	return 0;
}

static int add_pages(struct dump_stream_reader *r, struct scan *s)
{
	struct dump_stream_rec rec = { .offset = s->off, .length = s->len, .number = s->recno };
	int e;

	if ((e = parse_pages(r, s, &rec)))
		return e;
	if (grow(&r->recs, &s->recs_cap, r->nrecs, sizeof *r->recs, 64))
		return -ENOMEM;
	r->recs[r->nrecs++] = rec;
	s->in_pages = 1;
	return 0;
}

static int parse_trailer(struct dump_stream_reader *r, const struct scan *s)
{
	const unsigned char *p = s->payload;

	/* docs/stream-format.md#trailer */
	if (s->len != DUMP_STREAM_TRAILER_LEN || le32_get(p) != DUMP_CLASS_COUNT)
		return -SALVAGE_E_STREAM_BAD_RECORD;
	for (int i = 0; i < DUMP_CLASS_COUNT; i++)
		r->count[i] = le64_get(p + 24 + 8 * i);
	if (le32_get(p + 4) != s->records_crc || le64_get(p + 8) != s->off ||
	    le64_get(p + 16) != r->nrecs ||
	    r->count[DUMP_CLASS_KEPT] != s->kept || r->count[DUMP_CLASS_ZERO] != s->zero)
		return -SALVAGE_E_STREAM_BAD_TRAILER;
	/* docs/stream-format.md#order: nothing after the trailer */
	if (s->off + DUMP_STREAM_RECORD_OVERHEAD + s->len != r->size)
		return -SALVAGE_E_STREAM_BAD_RECORD;
	return 0;
}

/* Metadata records: once each, after INFO, before the pages. */
static int parse_meta(struct dump_stream_reader *r, struct scan *s)
{
	uint32_t bit = 1u << s->type;

	if ((s->seen & bit) || s->in_pages)
		return -SALVAGE_E_STREAM_BAD_RECORD;
	s->seen |= bit;
	switch (s->type) {
	case DUMP_STREAM_DMESG:
		r->dmesg = copy_payload(s);
		r->dmesg_len = s->len;
		return r->dmesg ? 0 : -ENOMEM;
	case DUMP_STREAM_UTSNAME:
		if (s->len != DUMP_STREAM_UTSNAME_LEN)
			return -SALVAGE_E_STREAM_BAD_RECORD;
		r->utsname = copy_payload(s);
		return r->utsname ? 0 : -ENOMEM;
	case DUMP_STREAM_VMCOREINFO:
		r->vmcoreinfo = copy_payload(s);
		r->vmcoreinfo_len = s->len;
		return r->vmcoreinfo ? 0 : -ENOMEM;
	case DUMP_STREAM_NOTES:
		r->notes = copy_payload(s);
		r->notes_len = s->len;
		return r->notes ? 0 : -ENOMEM;
	default: /* DUMP_STREAM_RAM */
		return parse_ram(r, s);
	}
}

/* One record, by type, in the order docs/stream-format.md#order allows.
 * Returns 1 after the trailer. */
static int parse_record(struct dump_stream_reader *r, struct scan *s)
{
	if (s->recno == 0)
		return s->type == DUMP_STREAM_INFO ? parse_info(r, s) : -SALVAGE_E_STREAM_BAD_RECORD;
	switch (s->type) {
	case DUMP_STREAM_DMESG: case DUMP_STREAM_UTSNAME: case DUMP_STREAM_VMCOREINFO:
	case DUMP_STREAM_NOTES: case DUMP_STREAM_RAM:
		return parse_meta(r, s);
	case DUMP_STREAM_PAGES:
		return add_pages(r, s);
	case DUMP_STREAM_TRAILER: {
		int e = parse_trailer(r, s);
		return e ? e : 1;
	}
	default:
		return s->type & DUMP_STREAM_TYPE_OPTIONAL ? 0 : -SALVAGE_E_STREAM_BAD_RECORD;
	}
}

int dump_stream_open(struct dump_stream_reader *r, int fd)
{
	struct scan s = { .off = DUMP_STREAM_HEADER_SIZE };
	struct stat st;
	int e;

	memset(r, 0, sizeof *r);
	r->fd = fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	r->size = (uint64_t)st.st_size;
	if ((e = check_header(r))) {
		s.off = 0;
		return fail(r, &s, e);
	}
	for (;;) {
		if ((e = read_record(r, &s)) || (e = parse_record(r, &s)) < 0)
			return fail(r, &s, e);
		s.records_crc = crc32c(s.records_crc, s.payload + s.len, 4);
		s.off += DUMP_STREAM_RECORD_OVERHEAD + (uint64_t)s.len;
		s.recno++;
		if (e == 1)
			break;
	}
	r->nrecords = s.recno;
	return 0;
}

void dump_stream_close(struct dump_stream_reader *r)
{
	free(r->utsname);
	free(r->vmcoreinfo);
	free(r->notes);
	free(r->dmesg);
	free(r->ram);
	free(r->recs);
	free(r->buf);
	free(r->doff);
	free(r->chain);
	memset(r, 0, sizeof *r);
	r->fd = -1;
}

/* The entry table read again must be the one dump_stream_open() checked
 * and indexed (the file may have been replaced by another valid stream):
 * callers rely on its pfns lying inside the record's range. */
static int same_table(struct dump_stream_reader *r, const struct dump_stream_rec *rec,
                      unsigned char *payload)
{
	struct scan s = { .len = rec->length, .payload = payload, .next_pfn = rec->first_pfn };
	struct dump_stream_rec again = { 0 };

	if (parse_pages(r, &s, &again) || again.first_pfn != rec->first_pfn ||
	    again.end_pfn != rec->end_pfn || again.nentries != rec->nentries)
		return -SALVAGE_E_STREAM_BAD_RECORD;
	return 0;
}

/* Loads PAGES record i into *buf: the whole record, CRC checked again (the
 * file may have changed since it was opened), or with table_only just the
 * payload's head and entry table. Returns the payload. */
static int load_pages(struct dump_stream_reader *r, size_t i, unsigned char **buf, size_t *size,
                      int table_only, unsigned char **payload)
{
	const struct dump_stream_rec *rec = &r->recs[i];
	size_t len = table_only ? 8 + DUMP_STREAM_PAGES_HEAD + (size_t)rec->nentries * DUMP_STREAM_ENTRY_SIZE
	                        : (size_t)rec->length + DUMP_STREAM_RECORD_OVERHEAD;
	int e;

	r->err_record = rec->number;
	r->err_offset = rec->offset;
	r->err_type = DUMP_STREAM_PAGES;
	if ((e = buf_reserve(buf, size, len)) || (e = read_exact(r, *buf, len, rec->offset)))
		return e;
	if (le32_get(*buf) != DUMP_STREAM_PAGES || le32_get(*buf + 4) != rec->length ||
	    le32_get(*buf + 8) != rec->nentries)
		return -SALVAGE_E_STREAM_BAD_CRC;
	if (!table_only && crc32c(0, *buf, 8 + (size_t)rec->length) != le32_get(*buf + 8 + rec->length))
		return -SALVAGE_E_STREAM_BAD_CRC;
	*payload = *buf + 8;
	return same_table(r, rec, *payload);
}

/* Decodes one stored page: *page points at it (into src for RAW, scratch
 * for LZ4, the chain's ring for LINKED) until the next call. Every entry
 * of a record goes through here in order, so the chain follows the
 * writer's: a record's first entry, a RAW or an LZ4 entry ends it
 * (docs/stream-format.md#linked-lz4). */
static int decode(struct dump_stream_chain *c, unsigned char *scratch, const unsigned char *src,
                  uint32_t kind, uint32_t size, const unsigned char **page)
{
	LZ4_streamDecode_t *sd = (LZ4_streamDecode_t *)c->lz4;
	unsigned char *dst = scratch;

	_Static_assert(sizeof c->lz4 >= sizeof(LZ4_streamDecode_t), "LZ4_streamDecode_t grew");
	if (kind == DUMP_STREAM_RAW) {
		c->n = 0;
		*page = src;
		return 0;
	}
	if (kind == DUMP_STREAM_LZ4_LINKED) {
		if (!c->n)
			LZ4_setStreamDecode(sd, NULL, 0);
		dst = c->ring[c->n++ % DUMP_STREAM_RING_PAGES];
		if (LZ4_decompress_safe_continue(sd, (const char *)src, (char *)dst, (int)size,
		                                 (int)DUMP_STREAM_PAGE_SIZE) != (int)DUMP_STREAM_PAGE_SIZE)
			return c->n = 0, -SALVAGE_E_STREAM_BAD_PAGE;
	} else {
		c->n = 0;
		if (LZ4_decompress_safe((const char *)src, (char *)dst, (int)size,
		                        (int)DUMP_STREAM_PAGE_SIZE) != (int)DUMP_STREAM_PAGE_SIZE)
			return -SALVAGE_E_STREAM_BAD_PAGE;
	}
	*page = dst;
	return 0;
}

static const unsigned char *entry_at(const unsigned char *payload, uint32_t i)
{
	return payload + DUMP_STREAM_PAGES_HEAD + (size_t)i * DUMP_STREAM_ENTRY_SIZE;
}

void dump_stream_iter_init(struct dump_stream_iter *it, struct dump_stream_reader *r, int nodata)
{
	memset(it, 0, sizeof *it);
	it->r = r;
	it->nodata = nodata;
}

void dump_stream_iter_free(struct dump_stream_iter *it)
{
	free(it->buf);
	it->buf = NULL;
	it->bufsize = 0;
}

/* Moves to the next record when the current one is used up. 0 at the end. */
static int iter_record(struct dump_stream_iter *it, unsigned char **payload)
{
	int e;

	if (it->rec == it->r->nrecs)
		return 0;
	if ((e = load_pages(it->r, it->rec, &it->buf, &it->bufsize, it->nodata, payload)))
		return e;
	it->rec++;
	it->entry = 0;
	it->chain.n = 0;
	it->run = 0;
	it->nentries = it->r->recs[it->rec - 1].nentries;
	it->data_off = DUMP_STREAM_PAGES_HEAD + (size_t)it->nentries * DUMP_STREAM_ENTRY_SIZE;
	return 1;
}

int dump_stream_next(struct dump_stream_iter *it, struct dump_stream_page *p)
{
	const unsigned char *e;
	unsigned char *payload;
	uint32_t kind, size;
	int r;

	if (it->rec && it->entry < it->nentries)
		payload = it->buf + 8;
	else if ((r = iter_record(it, &payload)) <= 0)
		return r;
	e = entry_at(payload, it->entry);
	kind = le32_get(e + 8);
	size = le32_get(e + 12);
	p->pfn = le64_get(e) + it->run;
	p->kind = (int)kind;
	p->data = NULL;
	if (kind == DUMP_STREAM_ZERO) {
		if (++it->run == size)
			it->entry++, it->run = 0;
		return 1;
	}
	it->entry++;
	if (!it->nodata && (r = decode(&it->chain, it->scratch, payload + it->data_off, kind, size, &p->data)))
		return r;
	it->data_off += size;
	return 1;
}

/* The PAGES record holding pfn, by binary search (pfns increase over the
 * whole stream); nrecs when none does. */
static size_t find_record(const struct dump_stream_reader *r, uint64_t pfn)
{
	size_t lo = 0, hi = r->nrecs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->recs[mid].end_pfn <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->nrecs && r->recs[lo].first_pfn <= pfn ? lo : r->nrecs;
}

/* Makes record i the cached one, with each entry's data offset. */
static int cache_record(struct dump_stream_reader *r, size_t i)
{
	unsigned char *payload;
	uint32_t off, n = r->recs[i].nentries;
	int e;

	if (r->cached == i + 1)
		return 0;
	r->cached = 0;
	r->page_pfn = 0;
	if ((e = load_pages(r, i, &r->buf, &r->bufsize, 0, &payload)))
		return e;
	if (!r->doff && !(r->doff = malloc(DUMP_STREAM_MAX_ENTRIES * sizeof *r->doff)))
		return -ENOMEM;
	if (!r->chain && !(r->chain = malloc(sizeof *r->chain)))
		return -ENOMEM;
	r->chain_next = 0;
	r->chain->n = 0;
	off = DUMP_STREAM_PAGES_HEAD + n * DUMP_STREAM_ENTRY_SIZE;
	for (uint32_t k = 0; k < n; k++) {
		const unsigned char *ent = entry_at(payload, k);
		r->doff[k] = off;
		if (le32_get(ent + 8) != DUMP_STREAM_ZERO)
			off += le32_get(ent + 12);
	}
	r->cached = i + 1;
	return 0;
}

/* Points *page at pfn's contents (NULL for a zero page). */
static int stream_page(struct dump_stream_reader *r, uint64_t pfn, const unsigned char **page)
{
	size_t i = find_record(r, pfn), lo = 0, hi;
	const unsigned char *payload, *e = NULL;
	uint32_t kind, size;
	int err;

	if (r->page_pfn == pfn + 1) {
		*page = r->page;
		return 0;
	}
	if (i == r->nrecs)
		return -SALVAGE_E_NOT_IN_DUMP;
	if ((err = cache_record(r, i)))
		return err;
	payload = r->buf + 8;
	/* the last entry starting at or below pfn */
	for (hi = r->recs[i].nentries; hi - lo > 1;) {
		size_t mid = lo + (hi - lo) / 2;
		if (le64_get(entry_at(payload, (uint32_t)mid)) <= pfn)
			lo = mid;
		else
			hi = mid;
	}
	e = entry_at(payload, (uint32_t)lo);
	kind = le32_get(e + 8);
	size = le32_get(e + 12);
	if (kind == DUMP_STREAM_ZERO && pfn - le64_get(e) < size) {
		*page = NULL;
		return 0;
	}
	if (kind == DUMP_STREAM_ZERO || le64_get(e) != pfn)
		return -SALVAGE_E_NOT_IN_DUMP;
	r->page_pfn = 0;
	/* A LINKED page needs its chain's earlier pages: decode from where
	 * the chain stands if that is at or before it, else from the record's
	 * start (sequential reads cost one decode per page). */
	if (kind == DUMP_STREAM_LZ4_LINKED) {
		if (r->chain_next > lo)
			r->chain_next = 0, r->chain->n = 0;
		for (; r->chain_next <= lo; r->chain_next++) {
			const unsigned char *ce = entry_at(payload, r->chain_next);
			if (le32_get(ce + 8) == DUMP_STREAM_ZERO)
				continue;
			if ((err = decode(r->chain, r->scratch, payload + r->doff[r->chain_next],
			                  le32_get(ce + 8), le32_get(ce + 12), page)))
				return r->chain_next = 0, r->chain->n = 0, err;
		}
	} else if ((err = decode(r->chain, r->scratch, payload + r->doff[lo], kind, size, page))) {
		return r->chain_next = 0, r->chain->n = 0, err;
	} else {
		r->chain_next = (uint32_t)lo + 1;  /* RAW and LZ4 leave no chain */
	}
	r->page_pfn = pfn + 1;
	r->page = *page;
	return 0;
}

int dump_stream_read_phys(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	struct dump_stream_reader *r = ctx;
	unsigned char *out = buf;

	while (len) {
		uint64_t in = paddr % DUMP_STREAM_PAGE_SIZE;
		size_t n = DUMP_STREAM_PAGE_SIZE - in < len ? (size_t)(DUMP_STREAM_PAGE_SIZE - in) : len;
		const unsigned char *page;
		int e = stream_page(r, paddr / DUMP_STREAM_PAGE_SIZE, &page);

		if (e)
			return e;
		if (page)
			memcpy(out, page + in, n);
		else
			memset(out, 0, n);
		out += n;
		paddr += n;
		len -= n;
	}
	return 0;
}
