/* The kdump-compressed (diskdump) format that crash, makedumpfile,
 * libkdumpfile and drgn read: layout constants (docs/convert.md), and a
 * reader by physical address for `salvage dmesg`. The writer is
 * dump_kdump_write() in kdump_write.h. */
#ifndef SALVAGE_DUMP_KDUMP_H
#define SALVAGE_DUMP_KDUMP_H
#include <stddef.h>
#include <stdint.h>

/* docs/convert.md#kdump-header */
#define DUMP_KDUMP_SIGNATURE "KDUMP   "
#define DUMP_KDUMP_VERSION 6
#define DUMP_KDUMP_BLOCK 4096u
#define DUMP_KDUMP_HEADER_SIZE 464
#define DUMP_KDUMP_UTSNAME_LEN 390
enum {
	DUMP_KDUMP_H_SIGNATURE = 0, DUMP_KDUMP_H_VERSION = 8, DUMP_KDUMP_H_UTSNAME = 12,
	DUMP_KDUMP_H_TV_SEC = 408, DUMP_KDUMP_H_TV_USEC = 416, DUMP_KDUMP_H_STATUS = 424,
	DUMP_KDUMP_H_BLOCK_SIZE = 428, DUMP_KDUMP_H_SUB_HDR_SIZE = 432,
	DUMP_KDUMP_H_BITMAP_BLOCKS = 436, DUMP_KDUMP_H_MAX_MAPNR = 440, DUMP_KDUMP_H_NR_CPUS = 460,
};
/* docs/convert.md#sub-header: offsets from the start of block 1 */
#define DUMP_KDUMP_SUB_SIZE 104
enum {
	DUMP_KDUMP_S_PHYS_BASE = 0, DUMP_KDUMP_S_DUMP_LEVEL = 8, DUMP_KDUMP_S_OFF_VMCOREINFO = 32,
	DUMP_KDUMP_S_SIZE_VMCOREINFO = 40, DUMP_KDUMP_S_OFF_NOTE = 48, DUMP_KDUMP_S_SIZE_NOTE = 56,
	DUMP_KDUMP_S_MAX_MAPNR_64 = 96,
};
/* docs/convert.md#page-desc; the flag values are the ones every reader
 * shares (DUMP_DH_*). */
#define DUMP_KDUMP_DESC_SIZE 24
enum {
	DUMP_KDUMP_ZLIB = 0x01, DUMP_KDUMP_LZO = 0x02, DUMP_KDUMP_SNAPPY = 0x04,
	DUMP_KDUMP_INCOMPLETE = 0x08, DUMP_KDUMP_ZSTD = 0x20,
};

struct dump_kdump {
	int fd;
	uint64_t size;
	uint32_t header_version, status;
	uint64_t max_mapnr;
	uint64_t phys_base;
	int32_t dump_level;
	uint64_t crashtime;
	char utsname[DUMP_KDUMP_UTSNAME_LEN];
	unsigned char *notes;    /* the note blob (v >= 4), or NULL */
	size_t notes_len;
	char *vmcoreinfo;        /* offset/size_vmcoreinfo (v >= 3), or NULL */
	size_t vmcoreinfo_len;
	uint64_t ndumpable;      /* bits set in bitmap 2 */
	/* private */
	unsigned char *bitmap2;
	uint64_t *rank;          /* bits set before each 4096-pfn chunk */
	uint64_t desc_off;
	uint64_t page_pfn;       /* pfn + 1 of the page in page */
	unsigned char page[DUMP_KDUMP_BLOCK];
	unsigned char raw[DUMP_KDUMP_BLOCK];
};

/* Reads and checks the headers of a kdump-compressed file (block size
 * 4096, every area inside the file) and loads bitmap 2. 0,
 * -SALVAGE_E_KDUMP_BAD_HEADER, -ENOMEM, -errno. Close in both cases. */
int dump_kdump_open(struct dump_kdump *k, int fd);
void dump_kdump_close(struct dump_kdump *k);

/* struct dump_mem's read_phys (ctx = struct dump_kdump *): 0,
 * -SALVAGE_E_NOT_IN_DUMP (hole, excluded or lost page),
 * -SALVAGE_E_KDUMP_BAD_PAGE, -SALVAGE_E_KDUMP_CODEC, -errno. */
int dump_kdump_read_phys(void *ctx, uint64_t paddr, void *buf, size_t len);

#endif
