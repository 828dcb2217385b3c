/* The salvage stream: what `salvage dump` and the crash kernel's init
 * write. Format: docs/stream-format.md. Written strictly sequentially (a
 * pipe or socket will do); lz4 pages in pfn order, zero pages elided,
 * every record CRC-32C protected.
 *
 * Writer: no heap. The caller provides the context with its buffers and a
 * write callback; errors are sticky in w->err: once set, later calls do
 * nothing, and dump_stream_end() returns it. The reader is in
 * stream_read.h. */
#ifndef SALVAGE_DUMP_STREAM_H
#define SALVAGE_DUMP_STREAM_H
#include <stddef.h>
#include <stdint.h>

/* A run of physical pages present in the dump's source (its RAM). */
struct dump_range {
	uint64_t start_pfn, end_pfn; /* [start, end) */
};

/* Page classes, for counts (trailer, logs, comparison with makedumpfile).
 * The numbers are part of the format: docs/stream-format.md#trailer. */
enum dump_class {
	DUMP_CLASS_KEPT,     /* stored with data */
	DUMP_CLASS_ZERO,     /* all zero: stored as a mark, no data */
	DUMP_CLASS_CACHE,    /* excluded by level 2 */
	DUMP_CLASS_CACHE_PRIVATE, /* excluded by level 4 */
	DUMP_CLASS_USER,     /* excluded by level 8 */
	DUMP_CLASS_FREE,     /* excluded by level 16 */
	DUMP_CLASS_HWPOISON, /* always excluded */
	DUMP_CLASS_OFFLINE,  /* always excluded */
	DUMP_CLASS_COUNT
};

struct dump_stream_info {
	const char *utsname;         /* 390 bytes: 6 x 65, as struct new_utsname; may be NULL */
	const char *vmcoreinfo;
	size_t vmcoreinfo_len;
	const void *notes;           /* the vmcore's PT_NOTE blob, verbatim */
	size_t notes_len;
	const char *dmesg;           /* the crashed kernel's log as text; may be NULL */
	size_t dmesg_len;
	const struct dump_range *ram;
	unsigned nram;
	uint64_t max_pfn;
	uint64_t phys_base;
	uint64_t crashtime;          /* CRASHTIME from VMCOREINFO, or 0 */
	uint64_t page_offset;        /* direct map start (RAM PT_LOAD p_vaddr - p_paddr), or 0 */
	uint32_t dump_level;         /* the level actually applied */
};

/* docs/stream-format.md#header */
#define DUMP_STREAM_MAGIC "\x89SALVAGE"
#define DUMP_STREAM_MAGIC_LEN 8
#define DUMP_STREAM_VERSION 1
#define DUMP_STREAM_HEADER_SIZE 16
#define DUMP_STREAM_PAGE_SIZE 4096u

/* docs/stream-format.md#record-types */
enum dump_stream_type {
	DUMP_STREAM_INFO = 1,
	DUMP_STREAM_DMESG = 2,
	DUMP_STREAM_UTSNAME = 3,
	DUMP_STREAM_VMCOREINFO = 4,
	DUMP_STREAM_NOTES = 5,
	DUMP_STREAM_RAM = 6,
	DUMP_STREAM_PAGES = 7,
	DUMP_STREAM_TRAILER = 8,
};
#define DUMP_STREAM_TYPE_OPTIONAL 0x80000000u

/* docs/stream-format.md#pages: entry kinds */
enum { DUMP_STREAM_RAW = 1, DUMP_STREAM_LZ4 = 2, DUMP_STREAM_ZERO = 3, DUMP_STREAM_LZ4_LINKED = 4 };
/* docs/stream-format.md#linked-lz4: a LINKED page may refer back to the
 * pages of its chain held in a ring of this many pages (64 KiB, LZ4's
 * whole window). */
#define DUMP_STREAM_RING_PAGES 16

/* docs/stream-format.md#records, #pages, #limits */
#define DUMP_STREAM_RECORD_OVERHEAD 12   /* type, length, crc */
#define DUMP_STREAM_PAGES_HEAD 8         /* nentries, reserved */
#define DUMP_STREAM_ENTRY_SIZE 16
#define DUMP_STREAM_MAX_ENTRIES 1024
#define DUMP_STREAM_MAX_META (64u << 20)
#define DUMP_STREAM_MAX_PFN (1ull << 52)
#define DUMP_STREAM_UTSNAME_LEN 390
#define DUMP_STREAM_INFO_LEN 40
#define DUMP_STREAM_TRAILER_LEN (24 + 8 * DUMP_CLASS_COUNT)

/* Pages per PAGES record this writer emits: DUMP_STREAM_BATCH kept pages
 * in a row, zero or not (so at most that many entries and 1 MiB of data).
 * A record depends only on its own pages: each one starts from a freshly
 * initialised LZ4 state, so who builds it (the writer, or a worker of
 * dump/jobs.h) does not change a byte. docs/stream-format.md#pages */
#define DUMP_STREAM_BATCH 256
/* Room for LZ4's state (LZ4_sizeofState(): 16 KiB + 32 in lz4 1.9.4),
 * checked when the writer starts. */
#define DUMP_STREAM_LZ4_STATE_MAX ((1u << 14) + 64)
#define DUMP_STREAM_BATCH_SIZE (DUMP_STREAM_PAGES_HEAD + 8 + \
	DUMP_STREAM_BATCH * (DUMP_STREAM_ENTRY_SIZE + DUMP_STREAM_PAGE_SIZE) + 4)
/* A compressor's work area: LZ4 state, the ring of the current chain's
 * pages, and slack to align the state. */
#define DUMP_STREAM_LZ_SIZE (16 + DUMP_STREAM_LZ4_STATE_MAX + \
	DUMP_STREAM_RING_PAGES * DUMP_STREAM_PAGE_SIZE)
/* The work buffer dump_stream_init() needs: a compressor and one PAGES
 * record. */
#define DUMP_STREAM_WORK_SIZE (DUMP_STREAM_LZ_SIZE + DUMP_STREAM_BATCH_SIZE)

/* One PAGES record being built: by the writer itself, or apart from it
 * (a worker) and then handed to dump_stream_put_batch(). */
struct dump_stream_batch {
	void *lz4;                       /* the compressor (DUMP_STREAM_LZ_SIZE) */
	unsigned char *ring;
	unsigned char *rec;              /* the record (DUMP_STREAM_BATCH_SIZE) */
	unsigned chain;                  /* LINKED pages in the current chain */
	int fresh;                       /* no page compressed since the clear */
	unsigned nentries, npages;
	size_t ndata;
	uint64_t first_pfn, next_pfn;
	uint64_t zero_end;               /* end of the last entry if a ZERO run */
	uint64_t kept, zero;             /* pages stored with data, zero pages */
	uint32_t crc;                    /* set by dump_stream_batch_seal() */
};

/* Sets b up to build records with the compressor in lz (DUMP_STREAM_LZ_SIZE
 * bytes, any alignment) into rec (DUMP_STREAM_BATCH_SIZE bytes). -EINVAL
 * if this lz4's state does not fit. */
int dump_stream_batch_init(struct dump_stream_batch *b, void *lz, void *rec);
/* Empties b for a new record. */
void dump_stream_batch_clear(struct dump_stream_batch *b);
/* Adds page pfn (DUMP_STREAM_PAGE_SIZE bytes). The caller keeps pfns
 * increasing and at most DUMP_STREAM_BATCH pages in b. */
void dump_stream_batch_page(struct dump_stream_batch *b, uint64_t pfn, const void *page);
/* Fills the record's head and CRC: it is ready to go out. */
void dump_stream_batch_seal(struct dump_stream_batch *b);

struct dump_stream_writer {
	/* Writes all len bytes or fails: 0 or -errno. */
	int (*write)(void *ctx, const void *buf, size_t len);
	void *ctx;
	int err;                         /* sticky: 0 or a negative named error */
	uint64_t count[DUMP_CLASS_COUNT];
	uint64_t bytes;                  /* written through the callback */
	uint64_t pages_records;
	/* private */
	struct dump_stream_batch batch;  /* the record dump_stream_page() fills */
	uint64_t next_pfn, max_pfn;
	uint32_t records_crc;
	int state;
};

/* Sets up w. work (worklen >= DUMP_STREAM_WORK_SIZE) must stay valid until
 * dump_stream_end(); a smaller one sets w->err to -EINVAL. */
void dump_stream_init(struct dump_stream_writer *w,
                      int (*write)(void *ctx, const void *buf, size_t len),
                      void *ctx, void *work, size_t worklen);

/* Writes the header and the metadata records: INFO, DMESG (so the log is
 * the first thing saved), UTSNAME, VMCOREINFO, NOTES, RAM; absent ones
 * (NULL or length 0) are left out. info's buffers are only read during
 * the call. A log longer than DUMP_STREAM_MAX_META keeps its end; notes
 * or VMCOREINFO that long are -EFBIG, a max_pfn of 0 or above
 * DUMP_STREAM_MAX_PFN -EINVAL. */
void dump_stream_begin(struct dump_stream_writer *w, const struct dump_stream_info *info);

/* Adds one page (DUMP_STREAM_PAGE_SIZE bytes). pfns must increase and stay
 * below info->max_pfn, else w->err = -SALVAGE_E_STREAM_ORDER. All-zero
 * pages are stored as marks and counted as DUMP_CLASS_ZERO, others as
 * DUMP_CLASS_KEPT. */
void dump_stream_page(struct dump_stream_writer *w, uint64_t pfn, const void *page);

/* Counts npages excluded as class c (an excluded class, not KEPT or ZERO,
 * else -EINVAL). Nothing is written for them. */
void dump_stream_exclude(struct dump_stream_writer *w, uint64_t npages, enum dump_class c);

/* Emits the last PAGES record and the trailer. Returns w->err: 0, -errno
 * from the callback, or a named error. */
int dump_stream_end(struct dump_stream_writer *w);

/* Emits a sealed record built apart (its pages after every page written
 * so far, and below max_pfn, else -SALVAGE_E_STREAM_ORDER), after the
 * record dump_stream_page() was filling, if any. An empty batch writes
 * nothing. */
void dump_stream_put_batch(struct dump_stream_writer *w, const struct dump_stream_batch *b);

#endif
