#include <string.h>
#include "../lib/err.h"
#include "../lib/le.h"
#include "mem.h"

/* x86_64 paging (docs/formats.md#translation): the kernel image is mapped
 * at __START_KERNEL_map, so a kernel symbol's physical address is
 * sym - __START_KERNEL_map + phys_base. Entries: bit 0 present, bit 7
 * (PSE) a 1 GiB page in a PUD or a 2 MiB page in a PMD, frame bits 12-51. */
#define START_KERNEL_MAP 0xffffffff80000000ull
#define PTE_PRESENT 1ull
#define PTE_PSE 0x80ull
#define PTE_FRAME 0x000ffffffffff000ull

int dump_mem_setup(struct dump_mem *m)
{
	const struct dump_vmcoreinfo *vi = m->info;
	int64_t pgt, base;

	if (dump_vmcoreinfo_num(vi, "SYMBOL(init_top_pgt)", &pgt) &&
	    dump_vmcoreinfo_num(vi, "SYMBOL(init_level4_pgt)", &pgt))
		return -SALVAGE_E_VMCOREINFO_MISSING;
	if (dump_vmcoreinfo_num(vi, "NUMBER(phys_base)", &base))
		return -SALVAGE_E_VMCOREINFO_MISSING;
	m->phys_base = (uint64_t)base;
	m->pgd_paddr = (uint64_t)pgt - START_KERNEL_MAP + m->phys_base;
	m->levels = dump_vmcoreinfo_num_or(vi, "NUMBER(pgtable_l5_enabled)", 0) ? 5 : 4;
	m->sme_mask = (uint64_t)dump_vmcoreinfo_num_or(vi, "NUMBER(sme_mask)", 0);
	m->tlb_size = 0;
	return 0;
}

/* The walk itself; tables, if not NULL, gets the physical address of each
 * table read (at most 5) and *ntables their number. */
static int walk(struct dump_mem *m, uint64_t vaddr, uint64_t *paddr, uint64_t *size,
                uint64_t *tables, unsigned *ntables)
{
	static const int shifts[] = { 48, 39, 30, 21, 12 };
	uint64_t table = m->pgd_paddr, mask = PTE_FRAME & ~m->sme_mask;

	for (int i = m->levels == 5 ? 0 : 1; i < 5; i++) {
		unsigned char raw[8];
		int shift = shifts[i], r;
		uint64_t entry;

		if (tables)
			tables[(*ntables)++] = table;
		r = m->read_phys(m->ctx, table + ((vaddr >> shift) & 511) * 8, raw, 8);
		if (r)
			return r;
		entry = le64_get(raw);
		if (!(entry & PTE_PRESENT))
			return -SALVAGE_E_PAGE_NOT_PRESENT;
		if (shift == 12 || ((shift == 30 || shift == 21) && (entry & PTE_PSE))) {
			*size = 1ull << shift;
			*paddr = (entry & mask & ~(*size - 1)) + (vaddr & (*size - 1));
			return 0;
		}
		table = entry & mask;
	}
	return -SALVAGE_E_PAGE_NOT_PRESENT;
}

int dump_mem_walk(struct dump_mem *m, uint64_t vaddr, uint64_t *paddr,
                  uint64_t tables[5], unsigned *ntables)
{
	uint64_t size;

	*ntables = 0;
	return walk(m, vaddr, paddr, &size, tables, ntables);
}

int dump_mem_vtop(struct dump_mem *m, uint64_t vaddr, uint64_t *paddr, uint64_t *span)
{
	uint64_t size;
	int r;

	if (m->tlb_size && vaddr - m->tlb_vaddr < m->tlb_size) {
		*paddr = m->tlb_paddr + (vaddr - m->tlb_vaddr);
		*span = m->tlb_size - (vaddr - m->tlb_vaddr);
		return 0;
	}
	if ((r = walk(m, vaddr, paddr, &size, NULL, NULL)))
		return r;
	m->tlb_vaddr = vaddr & ~(size - 1);
	m->tlb_paddr = *paddr - (vaddr - m->tlb_vaddr);
	m->tlb_size = size;
	*span = size - (vaddr - m->tlb_vaddr);
	return 0;
}

int dump_mem_read_virt(struct dump_mem *m, uint64_t vaddr, void *buf, size_t len)
{
	unsigned char *out = buf;

	while (len) {
		uint64_t paddr, span;
		int r = dump_mem_vtop(m, vaddr, &paddr, &span);
		size_t chunk = len < span ? len : (size_t)span;

		if (r || (r = m->read_phys(m->ctx, paddr, out, chunk)))
			return r;
		out += chunk;
		vaddr += chunk;
		len -= chunk;
	}
	return 0;
}
