#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../dump/stream.h"
#include "../../dump/stream_prefix.h"
#include "../../dump/stream_read.h"
#include "../../lib/crc32c.h"
#include "../../lib/err.h"
#include "../../lib/le.h"
#include "check.h"

#define PS DUMP_STREAM_PAGE_SIZE

static unsigned char work[DUMP_STREAM_WORK_SIZE];

/* A write callback into memory that can be told to fail (ENOSPC) once
 * more than limit bytes went through. */
struct sink {
	unsigned char *buf;
	size_t len, cap, limit;
	int calls_after_fail, failed;
};

static int sink_write(void *ctx, const void *buf, size_t len)
{
	struct sink *s = ctx;

	if (s->failed) {
		s->calls_after_fail++;
		return -EIO;
	}
	if (s->limit && s->len + len > s->limit) {
		s->failed = 1;
		return -ENOSPC;
	}
	if (s->len + len > s->cap) {
		s->cap = (s->len + len) * 2;
		s->buf = realloc(s->buf, s->cap);
	}
	memcpy(s->buf + s->len, buf, len);
	s->len += len;
	return 0;
}

/* Page contents by pfn: text-like (compresses), noise (does not), zero. */
enum { TEXT, NOISE, ZERO, GONE };
static int kind_of(uint64_t pfn)
{
	if (pfn >= 100 && pfn < 110)
		return GONE;            /* excluded */
	if (pfn >= 300 && pfn < 700)
		return ZERO;            /* a run longer than a batch */
	if (pfn % 7 == 3)
		return ZERO;
	/* Above 800 no noise: chains of LINKED pages longer than the ring. */
	return pfn % 5 == 1 && pfn < 800 ? NOISE : TEXT;
}

static void fill(uint64_t pfn, unsigned char *p)
{
	uint32_t x = (uint32_t)pfn * 2654435761u + 1;

	memset(p, 0, PS);
	if (kind_of(pfn) == TEXT)
		for (unsigned i = 0; i < PS; i++)
			p[i] = (unsigned char)("salvage page "[i % 13] + (pfn & 7));
	if (kind_of(pfn) == TEXT) /* each page its own, so a wrong window shows */
		p[(pfn * 37) % PS] ^= (unsigned char)(pfn | 1), p[(pfn * 91) % PS] ^= (unsigned char)(pfn >> 8 | 1);
	else if (kind_of(pfn) == NOISE)
		for (unsigned i = 0; i < PS; i++)
			x ^= x << 13, x ^= x >> 17, x ^= x << 5, p[i] = (unsigned char)x;
}

static const char uts[DUMP_STREAM_UTSNAME_LEN] = "Linux\0";
static const struct dump_range ram[] = { { 0, 640 }, { 768, 1000 } };
#define MAX_PFN 1024

/* Writes the test stream into s; returns dump_stream_end()'s result. */
static int make_stream(struct sink *s, struct dump_stream_writer *w)
{
	static const char vmci[] = "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n";
	static const char dmesg[] = "[    0.000000] Linux version 6.1.0-test\n";
	static const unsigned char notes[24] = { 11, 0, 0, 0 };
	struct dump_stream_info in = {
		.utsname = uts, .vmcoreinfo = vmci, .vmcoreinfo_len = sizeof vmci - 1,
		.notes = notes, .notes_len = sizeof notes, .dmesg = dmesg, .dmesg_len = sizeof dmesg - 1,
		.ram = ram, .nram = 2, .max_pfn = MAX_PFN, .phys_base = 0x1000000,
		.crashtime = 1700000000, .page_offset = 0xffff888000000000ull, .dump_level = 31,
	};
	unsigned char page[PS];

	dump_stream_init(w, sink_write, s, work, sizeof work);
	dump_stream_begin(w, &in);
	for (uint64_t pfn = 0; pfn < MAX_PFN; pfn++) {
		if (pfn >= 640 && pfn < 768)
			continue;       /* a hole */
		if (kind_of(pfn) == GONE)
			continue;
		fill(pfn, page);
		dump_stream_page(w, pfn, page);
	}
	dump_stream_exclude(w, 10, DUMP_CLASS_FREE);
	return dump_stream_end(w);
}

static const char *to_file(const void *buf, size_t len)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/stream", check_tmpdir());
	f = fopen(path, "w");
	fwrite(buf, 1, len, f);
	fclose(f);
	return path;
}

/* Opens buf as a stream file; returns dump_stream_open()'s result. */
static int open_buf(struct dump_stream_reader *r, const void *buf, size_t len)
{
	int fd = open(to_file(buf, len), O_RDONLY), e;

	e = dump_stream_open(r, fd);
	close(fd); /* the tests below only use what open() read */
	return e;
}

TEST(stream_round_trip)
{
	struct sink s = { 0 };
	struct dump_stream_writer w;
	struct dump_stream_reader r;
	struct dump_stream_iter it;
	struct dump_stream_page p;
	unsigned char want[PS];
	uint64_t n = 0, kinds[5] = { 0 };
	int fd, e;

	CHECK_INT(0, make_stream(&s, &w));
	CHECK_INT(s.len, w.bytes);
	CHECK_MEM(DUMP_STREAM_MAGIC, s.buf, 8);
	/* DMESG is the record right after INFO (16 + 12 + 40) */
	CHECK_INT(DUMP_STREAM_DMESG, le32_get(s.buf + 68));

	fd = open(to_file(s.buf, s.len), O_RDONLY);
	CHECK_INT(0, dump_stream_open(&r, fd));
	CHECK_INT(MAX_PFN, r.max_pfn);
	CHECK_INT(0x1000000, r.phys_base);
	CHECK_INT(1700000000, r.crashtime);
	CHECK_INT(31, r.dump_level);
	CHECK_INT(1, r.page_offset == 0xffff888000000000ull);
	CHECK_MEM(uts, r.utsname, sizeof uts);
	CHECK_INT(35, r.vmcoreinfo_len);
	CHECK_INT(24, r.notes_len);
	CHECK_INT(2, r.nram);
	CHECK_INT(768, r.ram[1].start_pfn);
	CHECK_MEM("[    0.000000] Linux", r.dmesg, 20);
	CHECK_INT(10, r.count[DUMP_CLASS_FREE]);
	CHECK_INT(w.count[DUMP_CLASS_KEPT], r.count[DUMP_CLASS_KEPT]);
	CHECK_INT(w.count[DUMP_CLASS_ZERO], r.count[DUMP_CLASS_ZERO]);
	CHECK_INT(w.pages_records, r.nrecs);
	CHECK_INT(1, r.nrecs > 1);

	dump_stream_iter_init(&it, &r, 0);
	while ((e = dump_stream_next(&it, &p)) == 1) {
		fill(p.pfn, want);
		kinds[p.kind]++;
		if (p.kind == DUMP_STREAM_ZERO)
			CHECK_INT(ZERO, kind_of(p.pfn));
		else if (!CHECK_MEM(want, p.data, PS))
			break;
		n++;
	}
	CHECK_INT(0, e);
	dump_stream_iter_free(&it);
	CHECK_INT(r.count[DUMP_CLASS_KEPT] + r.count[DUMP_CLASS_ZERO], n);
	CHECK_INT(1, kinds[DUMP_STREAM_LZ4_LINKED] > 0 && kinds[DUMP_STREAM_RAW] > 0);
	CHECK_INT(r.count[DUMP_CLASS_ZERO], kinds[DUMP_STREAM_ZERO]);
	dump_stream_close(&r);
	close(fd);
	free(s.buf);
}

TEST(stream_read_phys)
{
	struct sink s = { 0 };
	struct dump_stream_writer w;
	struct dump_stream_reader r;
	unsigned char got[2 * PS], want[2 * PS];
	int fd;

	make_stream(&s, &w);
	fd = open(to_file(s.buf, s.len), O_RDONLY);
	CHECK_INT(0, dump_stream_open(&r, fd));
	/* across a page boundary, text page 1 (noise) into 2 (text) */
	fill(1, want);
	fill(2, want + PS);
	CHECK_INT(0, dump_stream_read_phys(&r, PS + 100, got, PS));
	CHECK_MEM(want + 100, got, PS);
	/* a zero run, then pages in a later record, then back */
	memset(want, 0, PS);
	CHECK_INT(0, dump_stream_read_phys(&r, 500 * (uint64_t)PS, got, PS));
	CHECK_MEM(want, got, PS);
	fill(999, want);
	CHECK_INT(0, dump_stream_read_phys(&r, 999 * (uint64_t)PS + 8, got, 16));
	CHECK_MEM(want + 8, got, 16);
	fill(5, want);
	CHECK_INT(0, dump_stream_read_phys(&r, 5 * (uint64_t)PS, got, PS));
	CHECK_MEM(want, got, PS);
	/* LINKED pages deep in a chain, forwards (the chain goes on), then
	 * backwards (decoded again from the record's start) */
	for (uint64_t pfn = 980; pfn < 1000; pfn += 4) {
		fill(pfn, want);
		CHECK_INT(0, dump_stream_read_phys(&r, pfn * PS, got, PS));
		CHECK_MEM(want, got, PS);
	}
	fill(850, want);
	CHECK_INT(0, dump_stream_read_phys(&r, 850 * (uint64_t)PS, got, PS));
	CHECK_MEM(want, got, PS);
	/* excluded, hole, beyond max_pfn */
	CHECK_INT(-SALVAGE_E_NOT_IN_DUMP, dump_stream_read_phys(&r, 105 * (uint64_t)PS, got, 8));
	CHECK_INT(-SALVAGE_E_NOT_IN_DUMP, dump_stream_read_phys(&r, 700 * (uint64_t)PS, got, 8));
	CHECK_INT(-SALVAGE_E_NOT_IN_DUMP, dump_stream_read_phys(&r, 5000 * (uint64_t)PS, got, 8));
	CHECK_INT(-SALVAGE_E_NOT_IN_DUMP, dump_stream_read_phys(&r, 99 * (uint64_t)PS + 4090, got, 8));
	dump_stream_close(&r);
	close(fd);
	free(s.buf);
}

/* Offset of the record numbered n (0 = INFO). */
static size_t record_at(const unsigned char *b, unsigned n)
{
	size_t off = DUMP_STREAM_HEADER_SIZE;

	while (n--)
		off += DUMP_STREAM_RECORD_OVERHEAD + le32_get(b + off + 4);
	return off;
}

TEST(stream_detects_damage)
{
	struct sink s = { 0 };
	struct dump_stream_writer w;
	struct dump_stream_reader r;
	size_t pages;

	make_stream(&s, &w);
	/* records: INFO DMESG UTSNAME VMCOREINFO NOTES RAM PAGES... */
	pages = record_at(s.buf, 7);
	CHECK_INT(DUMP_STREAM_PAGES, le32_get(s.buf + pages));
	s.buf[pages + 200] ^= 0x10;
	CHECK_INT(-SALVAGE_E_STREAM_BAD_CRC, open_buf(&r, s.buf, s.len));
	CHECK_INT(7, r.err_record);
	CHECK_INT(pages, r.err_offset);
	CHECK_STR("PAGES", dump_stream_type_name(r.err_type));
	dump_stream_close(&r);
	s.buf[pages + 200] ^= 0x10;
	CHECK_INT(0, open_buf(&r, s.buf, s.len));
	dump_stream_close(&r);

	/* a length past the format's limit is refused before any read */
	le32_put(s.buf + pages + 4, 0x7fffffff);
	CHECK_INT(-SALVAGE_E_STREAM_BAD_RECORD, open_buf(&r, s.buf, s.len));
	dump_stream_close(&r);
	free(s.buf);
}

TEST(stream_detects_truncation)
{
	struct sink s = { 0 };
	struct dump_stream_writer w;
	struct dump_stream_reader r;
	size_t p7;

	make_stream(&s, &w);
	p7 = record_at(s.buf, 7);
	/* in the middle of a record */
	CHECK_INT(-SALVAGE_E_STREAM_TRUNCATED, open_buf(&r, s.buf, p7 + 100));
	CHECK_INT(7, r.err_record);
	CHECK_INT(p7, r.err_offset);
	dump_stream_close(&r);
	/* at a record boundary: no trailer */
	CHECK_INT(-SALVAGE_E_STREAM_TRUNCATED, open_buf(&r, s.buf, p7));
	CHECK_INT(p7, r.err_offset);
	CHECK_INT(0, r.err_type);
	dump_stream_close(&r);
	/* inside the trailer, and in the header */
	CHECK_INT(-SALVAGE_E_STREAM_TRUNCATED, open_buf(&r, s.buf, s.len - 1));
	CHECK_STR("TRAILER", dump_stream_type_name(r.err_type));
	dump_stream_close(&r);
	CHECK_INT(-SALVAGE_E_STREAM_TRUNCATED, open_buf(&r, s.buf, 12));
	dump_stream_close(&r);
	CHECK_INT(-SALVAGE_E_STREAM_BAD_MAGIC, open_buf(&r, s.buf, 4));
	dump_stream_close(&r);
	free(s.buf);
}

TEST(stream_trailer_and_order)
{
	struct sink s = { 0 };
	struct dump_stream_writer w;
	struct dump_stream_reader r;
	unsigned char *b;
	size_t p7, p8, len;

	make_stream(&s, &w);
	/* bytes after the trailer */
	b = malloc(s.len + 1);
	memcpy(b, s.buf, s.len);
	b[s.len] = 0;
	CHECK_INT(-SALVAGE_E_STREAM_BAD_RECORD, open_buf(&r, b, s.len + 1));
	dump_stream_close(&r);
	/* a whole PAGES record dropped: each CRC holds, the trailer does not */
	p7 = record_at(s.buf, 7);
	p8 = record_at(s.buf, 8);
	len = s.len - (p8 - p7);
	memcpy(b, s.buf, p7);
	memcpy(b + p7, s.buf + p8, s.len - p8);
	CHECK_INT(-SALVAGE_E_STREAM_BAD_TRAILER, open_buf(&r, b, len));
	dump_stream_close(&r);
	/* a future version, a wrong page size */
	memcpy(b, s.buf, s.len);
	b[8] = 2;
	CHECK_INT(-SALVAGE_E_STREAM_BAD_VERSION, open_buf(&r, b, s.len));
	dump_stream_close(&r);
	b[8] = 1;
	b[13] = 0x20;
	CHECK_INT(-SALVAGE_E_STREAM_BAD_HEADER, open_buf(&r, b, s.len));
	dump_stream_close(&r);
	free(b);
	free(s.buf);
}

TEST(stream_writer_sticky_error)
{
	struct sink s = { .limit = 100000 };
	struct dump_stream_writer w;

	CHECK_INT(-ENOSPC, make_stream(&s, &w));
	CHECK_INT(1, s.failed);
	CHECK_INT(0, s.calls_after_fail);
	CHECK_INT(s.len, w.bytes);
	CHECK_INT(1, s.len <= 100000);
	CHECK_STR("ENOSPC", err_name(w.err));
	free(s.buf);
}

TEST(stream_writer_misuse)
{
	struct sink s = { 0 };
	struct dump_stream_writer w;
	struct dump_stream_info in = { .max_pfn = 16 };
	unsigned char page[PS] = { 1 };

	dump_stream_init(&w, sink_write, &s, work, DUMP_STREAM_WORK_SIZE - 1);
	CHECK_INT(-EINVAL, dump_stream_end(&w));

	dump_stream_init(&w, sink_write, &s, work, sizeof work);
	dump_stream_page(&w, 0, page); /* before begin */
	CHECK_INT(-SALVAGE_E_STREAM_ORDER, w.err);

	s.len = 0;
	dump_stream_init(&w, sink_write, &s, work, sizeof work);
	dump_stream_begin(&w, &in);
	dump_stream_page(&w, 3, page);
	dump_stream_page(&w, 3, page);
	CHECK_INT(-SALVAGE_E_STREAM_ORDER, dump_stream_end(&w));

	dump_stream_init(&w, sink_write, &s, work, sizeof work);
	dump_stream_begin(&w, &in);
	dump_stream_page(&w, 16, page);
	CHECK_INT(-SALVAGE_E_STREAM_ORDER, w.err);

	dump_stream_init(&w, sink_write, &s, work, sizeof work);
	dump_stream_begin(&w, &in);
	dump_stream_exclude(&w, 1, DUMP_CLASS_KEPT);
	CHECK_INT(-EINVAL, w.err);
	free(s.buf);
}

TEST(stream_empty_and_minimal)
{
	struct sink s = { 0 };
	struct dump_stream_writer w;
	struct dump_stream_reader r;
	struct dump_stream_info in = { .max_pfn = 1 };
	struct dump_stream_iter it;
	struct dump_stream_page p;

	dump_stream_init(&w, sink_write, &s, work, sizeof work);
	dump_stream_begin(&w, &in);
	CHECK_INT(0, dump_stream_end(&w));
	/* header, INFO, TRAILER */
	CHECK_INT(16 + 12 + DUMP_STREAM_INFO_LEN + 12 + DUMP_STREAM_TRAILER_LEN, s.len);
	CHECK_INT(0, open_buf(&r, s.buf, s.len));
	CHECK_INT(0, r.nrecs);
	CHECK_INT(1, r.utsname == NULL && r.dmesg == NULL);
	dump_stream_iter_init(&it, &r, 0);
	CHECK_INT(0, dump_stream_next(&it, &p));
	dump_stream_iter_free(&it);
	CHECK_INT(-SALVAGE_E_NOT_IN_DUMP, dump_stream_read_phys(&r, 0, &p, 1));
	dump_stream_close(&r);
	free(s.buf);
}

/* dump_stream_prefix_copy of the stream's first cut bytes placed at 4096
 * in a file, stale bytes after them; the copy is read back into out. */
static int prefix_of(const unsigned char *b, size_t cut, struct dump_stream_prefix *p,
                     unsigned char *out, size_t outsize, long *outlen)
{
	char src[512], dst[512];
	unsigned char stale[8192];
	int in, o, e;

	snprintf(src, sizeof src, "%s/dev", check_tmpdir());
	snprintf(dst, sizeof dst, "%s/prefix", check_tmpdir());
	srand(5);
	for (size_t i = 0; i < sizeof stale; i++)
		stale[i] = (unsigned char)rand();
	in = open(src, O_RDWR | O_CREAT | O_TRUNC, 0600);
	o = open(dst, O_RDWR | O_CREAT | O_TRUNC, 0600);
	pwrite(in, stale, 4096, 0);
	pwrite(in, b, cut, 4096);
	pwrite(in, stale, sizeof stale, (off_t)(4096 + cut));
	e = dump_stream_prefix_copy(in, 4096, 4096 + cut + sizeof stale, o, work, 4096, p);
	*outlen = pread(o, out, outsize, 0);
	close(in);
	close(o);
	return e;
}

TEST(stream_prefix_keeps_whole_records)
{
	static unsigned char out[1 << 23];
	static const char dmesg[] = "[    0.000000] Linux version 6.1.0-test\n";
	struct sink s = { 0 };
	struct dump_stream_writer w;
	struct dump_stream_prefix p;
	size_t p7, p5;
	long n;

	make_stream(&s, &w);
	CHECK_INT(1, s.len < sizeof out);
	/* whole: every byte, and the trailer says so */
	CHECK_INT(0, prefix_of(s.buf, s.len, &p, out, sizeof out, &n));
	CHECK_INT(1, p.whole);
	CHECK_INT(s.len, p.kept);
	CHECK_INT(s.len, n);
	CHECK_MEM(s.buf, out, s.len);
	/* cut inside record 7, stale bytes after it: records 0-6 */
	p7 = record_at(s.buf, 7);
	CHECK_INT(0, prefix_of(s.buf, p7 + 100, &p, out, sizeof out, &n));
	CHECK_INT(0, p.whole);
	CHECK_INT(7, p.records);
	CHECK_INT(p7, p.kept);
	CHECK_INT(p7, n);
	CHECK_MEM(s.buf, out, p7);
	CHECK_INT(sizeof dmesg - 1, p.dmesg_len);
	CHECK_MEM(dmesg, out + p.dmesg_off, sizeof dmesg - 1);
	/* a damaged record ends the prefix even with whole ones after it */
	p5 = record_at(s.buf, 5);
	s.buf[p5 + 20] ^= 1;
	CHECK_INT(0, prefix_of(s.buf, s.len, &p, out, sizeof out, &n));
	CHECK_INT(0, p.whole);
	CHECK_INT(p5, p.kept);
	CHECK_INT(p5, n);
	/* no stream header: nothing */
	CHECK_INT(-SALVAGE_E_STREAM_BAD_MAGIC, prefix_of(s.buf + 1, 1000, &p, out, sizeof out, &n));
	CHECK_INT(0, n);
	free(s.buf);
}
