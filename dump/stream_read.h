/* Reading a salvage stream (docs/stream-format.md) on a host: `salvage
 * convert` and `salvage dmesg`. The stream is untrusted bytes: every length
 * is checked against the format's limits and the file before it is used,
 * and every record's CRC before its payload. This side may use the heap.
 *
 * dump_stream_open() reads the whole file once: it checks every record and
 * the trailer, keeps the metadata, and indexes the PAGES records by pfn.
 * Pages are then read in order (dump_stream_next) or by physical address
 * (dump_stream_read_phys, the read_phys of dump/mem.h). */
#ifndef SALVAGE_DUMP_STREAM_READ_H
#define SALVAGE_DUMP_STREAM_READ_H
#include <stddef.h>
#include <stdint.h>
#include "stream.h"

/* Decoding state of a chain of LINKED pages (docs/stream-format.md#linked-lz4):
 * the ring the chain's pages decode into, as the writer's ring. */
struct dump_stream_chain {
	uint32_t n;                   /* LINKED pages decoded in the chain */
	uint64_t lz4[4];              /* LZ4_streamDecode_t: 32 bytes in lz4 1.9 */
	unsigned char ring[DUMP_STREAM_RING_PAGES][DUMP_STREAM_PAGE_SIZE];
};

/* One PAGES record: where it is and which pfns it covers. */
struct dump_stream_rec {
	uint64_t offset;              /* of the record (its type field) */
	uint64_t first_pfn, end_pfn;  /* its entries lie in [first, end) */
	uint32_t length;              /* payload bytes */
	uint32_t nentries;
	uint64_t number;              /* record number, 0 = INFO */
};

struct dump_stream_reader {
	int fd;
	uint64_t size;
	/* docs/stream-format.md#info */
	uint64_t max_pfn, phys_base, crashtime, page_offset;
	uint32_t dump_level;
	/* Metadata records, NULL / 0 when absent. */
	char *utsname;                /* DUMP_STREAM_UTSNAME_LEN bytes */
	char *vmcoreinfo;
	size_t vmcoreinfo_len;
	unsigned char *notes;
	size_t notes_len;
	char *dmesg;
	size_t dmesg_len;
	struct dump_range *ram;
	size_t nram;
	/* From the trailer (KEPT and ZERO checked against the pages). */
	uint64_t count[DUMP_CLASS_COUNT];
	uint64_t nrecords;
	struct dump_stream_rec *recs; /* the PAGES records, in pfn order */
	size_t nrecs;
	/* Where the last error was found: record number, its offset and type
	 * (0 when the stream ended before a record's header). */
	uint64_t err_record, err_offset;
	uint32_t err_type;
	/* private: the record and page read_phys decoded last */
	unsigned char *buf;
	size_t bufsize;
	size_t cached;                /* index + 1 of the record in buf */
	uint32_t *doff;               /* data offset of each cached entry */
	uint64_t page_pfn;            /* pfn + 1 of the page at page */
	const unsigned char *page;
	uint32_t chain_next;          /* entry of the cached record chain holds up to */
	struct dump_stream_chain *chain;
	unsigned char scratch[DUMP_STREAM_PAGE_SIZE];
};

/* Reads and checks the whole stream in fd (which stays the caller's).
 * 0, or -SALVAGE_E_STREAM_* with r->err_* saying where, or -errno. Call
 * dump_stream_close() in both cases. */
int dump_stream_open(struct dump_stream_reader *r, int fd);
void dump_stream_close(struct dump_stream_reader *r);

/* "PAGES", "INFO", ... or "unknown". */
const char *dump_stream_type_name(uint32_t type);

/* Pages in pfn order. With nodata set, only pfn and kind are filled (the
 * entry tables are read, not the page data). */
struct dump_stream_page {
	uint64_t pfn;
	int kind;                     /* DUMP_STREAM_RAW, _LZ4, _LZ4_LINKED or _ZERO */
	const unsigned char *data;    /* the page; NULL for ZERO or nodata */
};

struct dump_stream_iter {
	struct dump_stream_reader *r;
	int nodata;
	size_t rec;                   /* index of the loaded record + 1 */
	uint32_t entry, nentries;
	uint32_t run;                 /* pages of a ZERO entry already given */
	size_t data_off;
	unsigned char *buf;
	size_t bufsize;
	struct dump_stream_chain chain;
	unsigned char scratch[DUMP_STREAM_PAGE_SIZE];
};

void dump_stream_iter_init(struct dump_stream_iter *it, struct dump_stream_reader *r, int nodata);
/* 1 with *p filled, 0 at the end, or a negative error (the record is in
 * r->err_*: -SALVAGE_E_STREAM_BAD_CRC if the file changed since it was
 * opened, -SALVAGE_E_STREAM_BAD_PAGE for an LZ4 block that does not decode). */
int dump_stream_next(struct dump_stream_iter *it, struct dump_stream_page *p);
void dump_stream_iter_free(struct dump_stream_iter *it);

/* struct dump_mem's read_phys (ctx = struct dump_stream_reader *): 0,
 * -SALVAGE_E_NOT_IN_DUMP for a page the stream does not hold, or an
 * error as above. Zero pages read as zeros. */
int dump_stream_read_phys(void *ctx, uint64_t paddr, void *buf, size_t len);

#endif
