/* Reading a kdump-compressed file by physical address
 * (docs/convert.md#reading-kdump-files-back). The file is untrusted:
 * every area the header names is checked against the file size before it
 * is read, and every desc before its data. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/le.h"
#include "kdump.h"

#define BLOCK DUMP_KDUMP_BLOCK
#define RANK_BITS 4096          /* pfns per rank entry */
#define MAX_META (64u << 20)    /* notes or VMCOREINFO we agree to load */
#define MAX_MAPNR (1ull << 52)  /* x86_64 physical address width */

static int read_exact(const struct dump_kdump *k, void *buf, size_t len, uint64_t off)
{
	long n = io_preadall(k->fd, buf, len, (off_t)off);

	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -SALVAGE_E_KDUMP_BAD_HEADER;
}

/* Is [off, off + len) inside the file? */
static int inside(const struct dump_kdump *k, uint64_t off, uint64_t len)
{
	return off <= k->size && len <= k->size - off;
}

/* A (offset, size) area the sub-header names, copied out; *out stays
 * NULL when the header names none. */
static int load_area(const struct dump_kdump *k, uint64_t off, uint64_t len, void **out, size_t *out_len)
{
	void *p;
	int e;

	if (!off || !len)
		return 0;
	if (len > MAX_META || !inside(k, off, len))
		return -SALVAGE_E_KDUMP_BAD_HEADER;
	if (!(p = malloc((size_t)len)))
		return -ENOMEM;
	if ((e = read_exact(k, p, (size_t)len, off))) {
		free(p);
		return e;
	}
	*out = p;
	*out_len = (size_t)len;
	return 0;
}

static int parse_header(struct dump_kdump *k, const unsigned char *h, const unsigned char *s,
                        uint64_t *bitmap_off, uint64_t *bitmap_len)
{
	uint64_t sub_blocks = le32_get(h + DUMP_KDUMP_H_SUB_HDR_SIZE);
	uint64_t blocks = le32_get(h + DUMP_KDUMP_H_BITMAP_BLOCKS);
	uint64_t bytes;

	/* the header fields the writer sets (docs/convert.md#kdump-header) */
	if (memcmp(h, DUMP_KDUMP_SIGNATURE, 8) || le32_get(h + DUMP_KDUMP_H_BLOCK_SIZE) != BLOCK)
		return -SALVAGE_E_KDUMP_BAD_HEADER;
	k->header_version = le32_get(h + DUMP_KDUMP_H_VERSION);
	k->status = le32_get(h + DUMP_KDUMP_H_STATUS);
	k->crashtime = le64_get(h + DUMP_KDUMP_H_TV_SEC);
	memcpy(k->utsname, h + DUMP_KDUMP_H_UTSNAME, DUMP_KDUMP_UTSNAME_LEN);
	k->max_mapnr = le32_get(h + DUMP_KDUMP_H_MAX_MAPNR);
	k->phys_base = le64_get(s + DUMP_KDUMP_S_PHYS_BASE);
	k->dump_level = (int32_t)le32_get(s + DUMP_KDUMP_S_DUMP_LEVEL);
	if (k->header_version >= 6)
		k->max_mapnr = le64_get(s + DUMP_KDUMP_S_MAX_MAPNR_64);
	if (!k->header_version || !sub_blocks || !k->max_mapnr || k->max_mapnr > MAX_MAPNR)
		return -SALVAGE_E_KDUMP_BAD_HEADER;
	/* bitmap 2 is the second half when both fit, else the whole (old
	 * diskdump files), as crash and libkdumpfile decide */
	bytes = (k->max_mapnr + 7) / 8;
	*bitmap_off = (1 + sub_blocks) * BLOCK;
	*bitmap_len = blocks * BLOCK;
	if (blocks >= 2 * ((bytes + BLOCK - 1) / BLOCK)) {
		*bitmap_len /= 2;
		*bitmap_off += *bitmap_len;
	}
	if (*bitmap_len < bytes || !inside(k, *bitmap_off, bytes))
		return -SALVAGE_E_KDUMP_BAD_HEADER;
	k->desc_off = (1 + sub_blocks + blocks) * BLOCK;
	return 0;
}

static int load_bitmap(struct dump_kdump *k, uint64_t off)
{
	size_t bytes = (size_t)((k->max_mapnr + 7) / 8), nrank = (size_t)(k->max_mapnr / RANK_BITS + 1);
	uint64_t total = 0;
	int e;

	if (!(k->bitmap2 = malloc(bytes + 8)) || !(k->rank = malloc(nrank * sizeof *k->rank)))
		return -ENOMEM;
	if ((e = read_exact(k, k->bitmap2, bytes, off)))
		return e;
	memset(k->bitmap2 + bytes, 0, 8);
	/* bits past max_mapnr in the last byte do not count */
	if (k->max_mapnr & 7)
		k->bitmap2[bytes - 1] &= (unsigned char)((1u << (k->max_mapnr & 7)) - 1);
	for (size_t i = 0; i < nrank; i++) {
		size_t from = i * (RANK_BITS / 8), to = from + RANK_BITS / 8;
		k->rank[i] = total;
		for (size_t b = from; b < to && b < bytes; b++)
			total += (uint64_t)__builtin_popcount(k->bitmap2[b]);
	}
	k->ndumpable = total;
	return 0;
}

int dump_kdump_open(struct dump_kdump *k, int fd)
{
	unsigned char *b;
	uint64_t bitmap_off, bitmap_len;
	struct stat st;
	int e;

	memset(k, 0, sizeof *k);
	k->fd = fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	k->size = (uint64_t)st.st_size;
	if (!(b = calloc(1, 2 * BLOCK)))
		return -ENOMEM;
	e = read_exact(k, b, 2 * BLOCK, 0);
	if (!e)
		e = parse_header(k, b, b + BLOCK, &bitmap_off, &bitmap_len);
	if (!e && k->header_version >= 3) {
		void *p = NULL;
		e = load_area(k, le64_get(b + BLOCK + DUMP_KDUMP_S_OFF_VMCOREINFO),
		              le64_get(b + BLOCK + DUMP_KDUMP_S_SIZE_VMCOREINFO), &p, &k->vmcoreinfo_len);
		k->vmcoreinfo = p;
	}
	if (!e && k->header_version >= 4) {
		void *p = NULL;
		e = load_area(k, le64_get(b + BLOCK + DUMP_KDUMP_S_OFF_NOTE),
		              le64_get(b + BLOCK + DUMP_KDUMP_S_SIZE_NOTE), &p, &k->notes_len);
		k->notes = p;
	}
	free(b);
	if (!e)
		e = load_bitmap(k, bitmap_off);
	return e;
}

void dump_kdump_close(struct dump_kdump *k)
{
	free(k->notes);
	free(k->vmcoreinfo);
	free(k->bitmap2);
	free(k->rank);
	memset(k, 0, sizeof *k);
	k->fd = -1;
}

/* Index of pfn's desc: the set bits of bitmap 2 below it. */
static uint64_t desc_index(const struct dump_kdump *k, uint64_t pfn)
{
	uint64_t n = k->rank[pfn / RANK_BITS];
	size_t b = (size_t)(pfn / RANK_BITS * (RANK_BITS / 8));

	for (; b < pfn >> 3; b++)
		n += (uint64_t)__builtin_popcount(k->bitmap2[b]);
	return n + (uint64_t)__builtin_popcount(k->bitmap2[b] & ((1u << (pfn & 7)) - 1));
}

/* Decodes pfn into k->page (docs/convert.md#page-desc). */
static int load_page(struct dump_kdump *k, uint64_t pfn)
{
	unsigned char d[DUMP_KDUMP_DESC_SIZE];
	uint64_t off;
	uint32_t size, flags;
	uLongf out = BLOCK;
	int e;

	if (pfn >= k->max_mapnr || !(k->bitmap2[pfn >> 3] >> (pfn & 7) & 1))
		return -SALVAGE_E_NOT_IN_DUMP;
	if ((e = read_exact(k, d, sizeof d, k->desc_off + desc_index(k, pfn) * DUMP_KDUMP_DESC_SIZE)))
		return e == -SALVAGE_E_KDUMP_BAD_HEADER ? -SALVAGE_E_KDUMP_BAD_PAGE : e;
	off = le64_get(d);
	size = le32_get(d + 8);
	flags = le32_get(d + 12);
	if (!off)
		return -SALVAGE_E_NOT_IN_DUMP; /* lost in an incomplete dump */
	if (!size || size > BLOCK || !inside(k, off, size))
		return -SALVAGE_E_KDUMP_BAD_PAGE;
	if (flags & (DUMP_KDUMP_LZO | DUMP_KDUMP_SNAPPY | DUMP_KDUMP_ZSTD))
		return -SALVAGE_E_KDUMP_CODEC;
	if (flags & ~(uint32_t)DUMP_KDUMP_ZLIB || (!flags && size != BLOCK))
		return -SALVAGE_E_KDUMP_BAD_PAGE;
	if ((e = read_exact(k, flags ? k->raw : k->page, size, off)))
		return e == -SALVAGE_E_KDUMP_BAD_HEADER ? -SALVAGE_E_KDUMP_BAD_PAGE : e;
	if (flags && (uncompress(k->page, &out, k->raw, size) != Z_OK || out != BLOCK))
		return -SALVAGE_E_KDUMP_BAD_PAGE;
	return 0;
}

int dump_kdump_read_phys(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	struct dump_kdump *k = ctx;
	unsigned char *out = buf;

	while (len) {
		uint64_t pfn = paddr / BLOCK, in = paddr % BLOCK;
		size_t n = BLOCK - in < len ? (size_t)(BLOCK - in) : len;
		int e;

		if (k->page_pfn != pfn + 1) {
			k->page_pfn = 0;
			if ((e = load_page(k, pfn)))
				return e;
			k->page_pfn = pfn + 1;
		}
		memcpy(out, k->page + in, n);
		out += n;
		paddr += n;
		len -= n;
	}
	return 0;
}
