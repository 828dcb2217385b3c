/* libFuzzer target: the vmcore parsers that read what a crashed kernel
 * left: ELF header and program headers, notes, VMCOREINFO, page tables,
 * struct pages (filter) and what its self-check reads (printk ring,
 * stacks, mem_section, node_data), via a memfd holding the input as the
 * vmcore. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../../dump/elf.h"
#include "../../dump/filter.h"
#include "../../dump/notes.h"
#include "../../lib/io.h"

static struct dump_filter f;
static struct dump_filter_must set[DUMP_FILTER_MUST_MAX];
static unsigned char notes[1 << 16], keep[1 << 12];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dump_elf e;
	struct dump_notes n;
	struct dump_vmcoreinfo vi;
	struct dump_mem m = { 0 };
	struct dump_range ram[16];
	char why[256];
	int fd = memfd_create("vmcore", 0);
	long len;

	if (fd < 0 || io_writeall(fd, data, size))
		goto out;
	if (dump_elf_open(&e, fd))
		goto out;
	dump_elf_ram(&e, ram, 16);
	if ((len = dump_elf_read_notes(&e, notes, sizeof notes)) < 0 ||
	    dump_notes_parse(&n, notes, (size_t)len) || !n.vmcoreinfo)
		goto close;
	vi = (struct dump_vmcoreinfo){ n.vmcoreinfo, n.vmcoreinfo_len };
	m = (struct dump_mem){ .read_phys = dump_elf_read_phys, .ctx = &e, .info = &vi };
	if (!dump_filter_init(&f, &m, 31, e.max_pfn, set, why, sizeof why)) {
		uint64_t end;
		dump_filter_selfcheck(&f, n.sp, n.nr_sp, why, sizeof why);
		end = e.max_pfn < sizeof keep * 8 ? e.max_pfn : sizeof keep * 8;
		memset(keep, 0xff, sizeof keep);
		dump_filter_cycle(&f, 0, end, keep);
	}
close:
	dump_elf_close(&e);
out:
	if (fd >= 0)
		close(fd);
	return 0;
}
