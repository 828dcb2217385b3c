/* An ELF64 vmcore: /proc/vmcore in the crash kernel, or a copy of it.
 * Every offset and length is checked against the file before use. */
#ifndef SALVAGE_DUMP_ELF_H
#define SALVAGE_DUMP_ELF_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DUMP_ELF_MAX_LOADS 256
/* x86_64's physical address space: MAX_PHYSMEM_BITS is 52 with 5-level
 * paging (46 with 4-level); no PT_LOAD reaches past it. */
#define DUMP_ELF_PHYS_LIMIT (1ull << 52)

struct dump_elf_load {
	uint64_t paddr;   /* physical start, as in p_paddr (may be unaligned) */
	uint64_t vaddr;
	uint64_t filesz;  /* bytes present in the file */
	uint64_t memsz;   /* bytes of memory described (>= filesz) */
	uint64_t offset;  /* p_offset */
};

struct dump_elf {
	int fd;
	uint64_t file_size;
	struct dump_elf_load loads[DUMP_ELF_MAX_LOADS];
	unsigned nloads;
	uint64_t note_offset, note_size; /* the PT_NOTE segments, merged */
	uint64_t max_pfn;                /* highest physical end of file data / page size, rounded up */
	uint64_t tail_bytes;             /* memory described by p_memsz past p_filesz */
	/* mmap window over the file (4 MiB, page aligned); NULL when mmap
	 * failed once and read() is used for good. */
	const unsigned char *win;
	uint64_t win_off, win_len;
	int no_mmap;
	unsigned hint; /* index of the load that served the last read */
};

/* Parses the ELF header and program headers of fd. Errors:
 * -SALVAGE_E_ELF_NOT_ELF, _ELF_NOT_CORE, _ELF_NOT_X86_64, _ELF_BAD_PHDR
 * (a segment beyond the file, too many, p_filesz > p_memsz),
 * _ELF_BEYOND_PHYS (p_paddr + p_memsz past DUMP_ELF_PHYS_LIMIT or
 * overflowing), -errno. */
int dump_elf_open(struct dump_elf *e, int fd);
void dump_elf_close(struct dump_elf *e);

/* Reads the whole PT_NOTE data into buf (size buflen); returns its length
 * or -SALVAGE_E_NOTES_TOO_BIG / -errno. */
long dump_elf_read_notes(struct dump_elf *e, void *buf, size_t buflen);

/* struct dump_mem's read_phys for an ELF vmcore (ctx = struct dump_elf *).
 * Bytes of a page not covered by any PT_LOAD, or beyond p_filesz, read as
 * zero only if some PT_LOAD covers part of that page (a fractional page);
 * a page no PT_LOAD touches is -SALVAGE_E_NOT_IN_DUMP. */
int dump_elf_read_phys(void *ctx, uint64_t paddr, void *buf, size_t len);

/* Page pfn in place, when it is a whole page of one segment's file data
 * and can be mapped: a pointer into the mmap window, valid until the next
 * read. NULL otherwise (read it with dump_elf_read_phys). */
const void *dump_elf_page(struct dump_elf *e, uint64_t pfn);

/* The dump's RAM as sorted, merged pfn ranges: a page some PT_LOAD's file
 * data touches counts (overlapping PT_LOADs such as kernel text are
 * merged); a page only a p_memsz tail covers does not, so the work of a
 * dump is bounded by the file's size. Returns the number of ranges, at
 * most max. */
struct dump_range;
unsigned dump_elf_ram(const struct dump_elf *e, struct dump_range *out, unsigned max);

#endif
