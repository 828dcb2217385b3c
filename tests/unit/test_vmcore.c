#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "../../dump/elf.h"
#include "../../dump/notes.h"
#include "../../dump/stream.h"
#include "../../dump/vmcoreinfo.h"
#include "../../lib/err.h"
#include "../../lib/le.h"
#include "check.h"
#include "synth.h"

static const char info_text[] =
	"OSRELEASE=6.1.0-56-amd64\nPAGESIZE=4096\n"
	"SYMBOL(init_uts_ns)=ffffffffb9e15ee0\nOFFSET(page.flags)=0\n"
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\nNUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=-184549376\n"
	"NUMBER(VMALLOC_START)=0xffffc90000000000\nKERNELOFFSET=37600000\nNUMBER(bad)=12x\n";

TEST(vmcoreinfo_numbers)
{
	struct dump_vmcoreinfo vi = { info_text, sizeof info_text - 1 };
	int64_t v;
	char s[8];

	CHECK_INT(0, dump_vmcoreinfo_num(&vi, "SYMBOL(init_uts_ns)", &v));
	CHECK_INT((int64_t)0xffffffffb9e15ee0ull, v);
	CHECK_INT(-129, dump_vmcoreinfo_num_or(&vi, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", 0));
	/* 6.12's page types: negative decimals that are 0xf5000000 as 32 bits */
	CHECK_INT(0xf5000000u, (uint32_t)dump_vmcoreinfo_num_or(&vi, "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)", 0));
	CHECK_INT((int64_t)0xffffc90000000000ull, dump_vmcoreinfo_num_or(&vi, "NUMBER(VMALLOC_START)", 0));
	CHECK_INT(0x37600000, dump_vmcoreinfo_num_or(&vi, "KERNELOFFSET", 0));
	CHECK_INT(4096, dump_vmcoreinfo_num_or(&vi, "PAGESIZE", 0));
	CHECK_INT(0, dump_vmcoreinfo_num_or(&vi, "OFFSET(page.flags)", -1));
	CHECK_INT(-SALVAGE_E_VMCOREINFO_BAD, dump_vmcoreinfo_num(&vi, "NUMBER(bad)", &v));
	CHECK_INT(-SALVAGE_E_VMCOREINFO_MISSING, dump_vmcoreinfo_num(&vi, "NUMBER(PG_lru)", &v));
	/* a key is matched whole: PAGESIZ is not PAGESIZE */
	CHECK_INT(-SALVAGE_E_VMCOREINFO_MISSING, dump_vmcoreinfo_num(&vi, "PAGESIZ", &v));
	CHECK_INT(0, dump_vmcoreinfo_str(&vi, "OSRELEASE", s, sizeof s));
	CHECK_STR("6.1.0-5", s);
}

TEST(notes_find_vmcoreinfo_and_cpus)
{
	unsigned char blob[2048] = { 0 }, prs[336] = { 0 };
	struct dump_notes n;
	size_t len = 0;

	le64_put(prs + 112 + 19 * 8, 0xffffc90000123f00ull); /* pr_reg's rsp */
	len += synth_note(blob + len, "CORE", 1, prs, sizeof prs);
	len += synth_note(blob + len, "CORE", 1, prs, 200); /* too short to hold rsp */
	len += synth_note(blob + len, "VMCOREINFO", 0, info_text, sizeof info_text - 1);
	CHECK_INT(0, dump_notes_parse(&n, blob, len + 24)); /* zero padding after */
	CHECK_INT(2, n.nr_prstatus);
	CHECK_INT(1, n.nr_sp);
	CHECK_INT(0xffffc90000123f00ull, n.sp[0]);
	CHECK_INT(sizeof info_text - 1, n.vmcoreinfo_len);
	CHECK_MEM("OSRELEASE=", n.vmcoreinfo, 10);
	le32_put(blob + 4, 100000); /* the first note's descsz past the blob */
	CHECK_INT(-SALVAGE_E_NOTES_BAD, dump_notes_parse(&n, blob, len));
}

/* An ELF core with a PT_NOTE and these PT_LOADs (paddr, size, memsz),
 * data bytes = low byte of the physical address + 1. */
static int make_core(const char *path, const uint64_t (*loads)[3], int nloads, int lie)
{
	unsigned char eh[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 }, ph[56];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	uint64_t off = 0x2000;

	le32_put(eh + 16, 4 | 62 << 16);
	le64_put(eh + 32, 64);
	eh[54] = 56;
	eh[56] = (unsigned char)(nloads + 1);
	pwrite(fd, eh, 64, 0);
	memset(ph, 0, sizeof ph);
	le32_put(ph, 4);
	le64_put(ph + 8, 0x1000);
	le64_put(ph + 32, 16);
	pwrite(fd, ph, 56, 64);
	for (int i = 0; i < nloads; i++) {
		unsigned char byte[1];
		memset(ph, 0, sizeof ph);
		le32_put(ph, 1);
		le64_put(ph + 8, off + (loads[i][0] & 4095));
		le64_put(ph + 24, loads[i][0]);
		le64_put(ph + 32, loads[i][1] + (lie && i == nloads - 1 ? 1u << 30 : 0));
		le64_put(ph + 40, loads[i][2]);
		pwrite(fd, ph, 56, 64 + 56 * (i + 1));
		for (uint64_t b = 0; b < loads[i][1]; b++) {
			byte[0] = (unsigned char)((loads[i][0] + b) + 1);
			pwrite(fd, byte, 1, (off_t)(off + (loads[i][0] & 4095) + b));
		}
		off += (loads[i][1] + (loads[i][0] & 4095) + 4095) & ~4095ull;
	}
	return fd;
}

TEST(elf_fractional_and_shared_pages)
{
	/* 0x10800-0x12000: starts mid-page; 0x12000-0x12100 and 0x12300-0x12400
	 * share page 0x12 (a gap between them); 0x20000: memsz > filesz */
	static const uint64_t loads[][3] = {
		{ 0x10800, 0x1800, 0x1800 }, { 0x12000, 0x100, 0x100 },
		{ 0x12300, 0x100, 0x100 }, { 0x20000, 0x1000, 0x3000 },
	};
	char path[256];
	struct dump_elf e;
	struct dump_range r[8];
	unsigned char page[4096], want[4096];
	int fd;

	snprintf(path, sizeof path, "%s/core", check_tmpdir());
	fd = make_core(path, loads, 4, 0);
	CHECK_INT(0, dump_elf_open(&e, fd));
	CHECK_INT(4, e.nloads);
	/* the dump ends with the file data: the p_memsz tail is not RAM */
	CHECK_INT(0x21, e.max_pfn);
	CHECK_INT(2, dump_elf_ram(&e, r, 8));
	CHECK_INT(0x10, r[0].start_pfn);
	CHECK_INT(0x13, r[0].end_pfn);
	CHECK_INT(0x20, r[1].start_pfn);
	CHECK_INT(0x21, r[1].end_pfn);
	CHECK_INT(0x2000, e.tail_bytes);
	/* page 0x10: zeros, then the segment's bytes from 0x800 */
	CHECK_INT(0, dump_elf_read_phys(&e, 0x10000, page, 4096));
	memset(want, 0, 2048);
	for (int i = 2048; i < 4096; i++)
		want[i] = (unsigned char)(0x10000 + i + 1);
	CHECK_MEM(want, page, 4096);
	/* page 0x12: two pieces and zeros around them */
	CHECK_INT(0, dump_elf_read_phys(&e, 0x12000, page, 4096));
	memset(want, 0, sizeof want);
	for (int i = 0; i < 0x100; i++)
		want[i] = (unsigned char)(i + 1), want[0x300 + i] = (unsigned char)(0x300 + i + 1);
	CHECK_MEM(want, page, 4096);
	/* the memsz tail reads as zeros, beyond it is not in the dump */
	CHECK_INT(0, dump_elf_read_phys(&e, 0x21000, page, 4096));
	CHECK_INT(0, page[0] | page[4095]);
	CHECK_INT(-SALVAGE_E_NOT_IN_DUMP, dump_elf_read_phys(&e, 0x30000, page, 16));
	CHECK_INT(-SALVAGE_E_NOT_IN_DUMP, dump_elf_read_phys(&e, 0x14000, page, 16));
	/* whole pages go through the mmap window: same bytes */
	CHECK_INT(0, dump_elf_read_phys(&e, 0x11000, page, 4096));
	CHECK_INT((unsigned char)(0x11000 + 1), page[0]);
	dump_elf_close(&e);
	close(fd);
}

/* A small file whose p_memsz claims 1 TiB (issue: 85 s of CPU in the
 * writer): the dump's extent is what the file holds. */
TEST(elf_memsz_tail_is_not_ram)
{
	static const uint64_t loads[][3] = { { 0x100000, 0x2000, 1ull << 40 } };
	char path[256];
	struct dump_elf e;
	struct dump_range r[4];
	unsigned char page[4096];
	int fd;

	snprintf(path, sizeof path, "%s/core", check_tmpdir());
	fd = make_core(path, loads, 1, 0);
	CHECK_INT(0, dump_elf_open(&e, fd));
	CHECK_INT(0x102, e.max_pfn);
	CHECK_INT(1, dump_elf_ram(&e, r, 4));
	CHECK_INT(0x100, r[0].start_pfn);
	CHECK_INT(0x102, r[0].end_pfn);
	CHECK_INT((1ull << 40) - 0x2000, e.tail_bytes);
	/* the tail still reads as zeros, as ELF says */
	memset(page, 0xff, sizeof page);
	CHECK_INT(0, dump_elf_read_phys(&e, 1ull << 39, page, sizeof page));
	CHECK_INT(0, page[0] | page[4095]);
	dump_elf_close(&e);
	close(fd);
}

/* x86_64 addresses 2^52 bytes at most (MAX_PHYSMEM_BITS, 5-level paging);
 * a segment past it, or one whose end overflows, is no vmcore. */
TEST(elf_rejects_memory_beyond_52_bits)
{
	static const uint64_t past[][3] = { { (1ull << 52) - 0x1000, 0x1000, 0x2000 } };
	static const uint64_t wraps[][3] = { { 0xfffffffffffff000ull, 0x1000, 0x2000 } };
	static const uint64_t top[][3] = { { (1ull << 52) - 0x1000, 0x1000, 0x1000 } };
	char path[256];
	struct dump_elf e;
	int fd;

	snprintf(path, sizeof path, "%s/core", check_tmpdir());
	fd = make_core(path, past, 1, 0);
	CHECK_INT(-SALVAGE_E_ELF_BEYOND_PHYS, dump_elf_open(&e, fd));
	close(fd);
	fd = make_core(path, wraps, 1, 0);
	CHECK_INT(-SALVAGE_E_ELF_BEYOND_PHYS, dump_elf_open(&e, fd));
	close(fd);
	fd = make_core(path, top, 1, 0);
	CHECK_INT(0, dump_elf_open(&e, fd));
	CHECK_INT(1ull << 40, e.max_pfn);
	dump_elf_close(&e);
	close(fd);
}

TEST(elf_rejects_bad_files)
{
	static const uint64_t loads[][3] = { { 0x10000, 0x1000, 0x1000 } };
	char path[256];
	struct dump_elf e;
	int fd;

	snprintf(path, sizeof path, "%s/core", check_tmpdir());
	fd = make_core(path, loads, 1, 1); /* p_filesz runs 1 GiB past the file */
	CHECK_INT(-SALVAGE_E_ELF_BAD_PHDR, dump_elf_open(&e, fd));
	pwrite(fd, "\2", 1, 16); /* ET_EXEC */
	CHECK_INT(-SALVAGE_E_ELF_NOT_CORE, dump_elf_open(&e, fd));
	pwrite(fd, "X", 1, 1);
	CHECK_INT(-SALVAGE_E_ELF_NOT_ELF, dump_elf_open(&e, fd));
	ftruncate(fd, 10);
	CHECK_INT(-SALVAGE_E_ELF_NOT_ELF, dump_elf_open(&e, fd));
	close(fd);
}
