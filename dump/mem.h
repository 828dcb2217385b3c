/* Reading the crashed kernel's memory, whatever holds it: an ELF vmcore
 * (/proc/vmcore or a file), a salvage stream, or a kdump-compressed file.
 * Each source fills in read_phys; virtual reads go through the crashed
 * kernel's own page tables (dump_mem_vtop) using VMCOREINFO. */
#ifndef SALVAGE_DUMP_MEM_H
#define SALVAGE_DUMP_MEM_H
#include <stddef.h>
#include <stdint.h>
#include "vmcoreinfo.h"

#define DUMP_PAGE_SIZE 4096u
#define DUMP_PAGE_SHIFT 12

struct dump_mem {
	/* Reads len bytes at physical address paddr. 0, or
	 * -SALVAGE_E_NOT_IN_DUMP for memory the dump does not hold (a hole or
	 * an excluded page), or -errno. */
	int (*read_phys)(void *ctx, uint64_t paddr, void *buf, size_t len);
	void *ctx;
	const struct dump_vmcoreinfo *info;
	/* Filled by dump_mem_setup() from info. */
	uint64_t pgd_paddr;   /* init_top_pgt's physical address */
	uint64_t phys_base;
	uint64_t sme_mask;
	int levels;           /* 4 or 5 */
	/* the last translation, for runs of reads in one mapping */
	uint64_t tlb_vaddr, tlb_paddr, tlb_size;
};

/* Translation parameters from VMCOREINFO: SYMBOL(init_top_pgt),
 * NUMBER(phys_base), NUMBER(pgtable_l5_enabled), NUMBER(sme_mask).
 * -SALVAGE_E_VMCOREINFO_MISSING if the first two are absent. */
int dump_mem_setup(struct dump_mem *m);

/* Kernel virtual address -> physical, by walking the page tables
 * (4 or 5 levels, 1 GiB and 2 MiB pages). *span gets the bytes from paddr
 * to the end of the mapping page (4 KiB, 2 MiB or 1 GiB), so callers can
 * translate once per mapping. */
int dump_mem_vtop(struct dump_mem *m, uint64_t vaddr, uint64_t *paddr, uint64_t *span);

/* The same walk, uncached, also giving the physical address of each
 * table it read (top level first; *ntables of them, at most 5): the
 * pages a reader of the dump needs to translate vaddr. */
int dump_mem_walk(struct dump_mem *m, uint64_t vaddr, uint64_t *paddr,
                  uint64_t tables[5], unsigned *ntables);

/* Reads len bytes at a kernel virtual address, crossing pages. */
int dump_mem_read_virt(struct dump_mem *m, uint64_t vaddr, void *buf, size_t len);

#endif
