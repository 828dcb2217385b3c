/* Test helper, not part of salvage: writes salvage streams for
 * tests/cmd/convert.sh.
 *
 *   mkstream synth [--level N] [--no-notes] [--no-ram] [--crashtime T] [--log FILE] OUT DIR
 *       a synthetic 16 MiB machine: RAM with holes, text-like, random and
 *       zero pages, short and long excluded runs. DIR/mem.img gets every
 *       page's expected contents, DIR/map one letter per pfn:
 *       k kept, z zero, x excluded, h hole.
 *   mkstream synth --claim [--crashtime T] OUT DIR
 *       the same metadata, but a machine of 2^32 pages, all RAM and all
 *       zero: a few KiB that claim 16 TiB (two ZERO entries), for the
 *       receiver's conversion bounds (tests/cmd/receive-integrity.sh).
 *   mkstream synth --claim-pages N [--crashtime T] OUT DIR
 *       as --claim, for N pages: a few KiB whose conversion writes 24
 *       bytes of descriptor per page (N = 4000000: 97 MB)
 *   mkstream synth --claim-ram [--crashtime T] OUT DIR
 *       the same machine with no page stored: 1 GiB of bitmaps to write.
 *   mkstream elf VMCORE OUT
 *       every page of an ELF vmcore, unfiltered, with its notes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../dump/elf.h"
#include "../../dump/notes.h"
#include "../../dump/stream.h"
#include "../../lib/crc32c.h"
#include "../../lib/err.h"
#include "../../lib/io.h"
#include "../../lib/le.h"

#define PS DUMP_STREAM_PAGE_SIZE
#define MAX_PFN 4096

static unsigned char work[DUMP_STREAM_WORK_SIZE];

static int fd_write(void *ctx, const void *buf, size_t len)
{
	return io_writeall(*(int *)ctx, buf, len);
}

static const struct dump_range ram[] = { { 1, 159 }, { 256, 3000 }, { 3072, MAX_PFN } };

static char class_of(uint64_t pfn)
{
	int in = 0;

	for (unsigned i = 0; i < sizeof ram / sizeof ram[0]; i++)
		in |= pfn >= ram[i].start_pfn && pfn < ram[i].end_pfn;
	if (!in)
		return 'h';
	if ((pfn >= 400 && pfn < 800) || (pfn >= 1000 && pfn < 1010) || pfn == 2999)
		return 'x';
	if ((pfn >= 1500 && pfn < 1600) || pfn % 11 == 0)
		return 'z';
	return 'k';
}

static void fill(uint64_t pfn, unsigned char *p)
{
	uint32_t x = (uint32_t)pfn * 2654435761u + 7;

	memset(p, 0, PS);
	if (class_of(pfn) != 'k')
		return;
	if (pfn % 5 == 1) {
		for (unsigned i = 0; i < PS; i++)
			x ^= x << 13, x ^= x >> 17, x ^= x << 5, p[i] = (unsigned char)x;
		return;
	}
	for (unsigned i = 0; i < PS; i += 16)
		snprintf((char *)p + i, 16, "pfn %06llx %3u", (unsigned long long)pfn, i / 16);
}

static size_t note(unsigned char *b, const char *name, uint32_t type, const void *desc, size_t len)
{
	size_t nl = strlen(name) + 1, at = 12 + ((nl + 3) & ~3u);

	le32_put(b, (uint32_t)nl);
	le32_put(b + 4, (uint32_t)len);
	le32_put(b + 8, type);
	memcpy(b + 12, name, nl);
	memcpy(b + at, desc, len);
	return at + ((len + 3) & ~3u);
}

/* One record written by hand (docs/stream-format.md#records). */
static void put_record(struct dump_stream_writer *w, uint32_t type, const unsigned char *p, uint32_t len)
{
	unsigned char head[8], tail[4];
	uint32_t crc;

	le32_put(head, type);
	le32_put(head + 4, len);
	crc = crc32c(crc32c(0, head, 8), p, len);
	le32_put(tail, crc);
	w->write(w->ctx, head, 8);
	w->write(w->ctx, p, len);
	w->write(w->ctx, tail, 4);
	w->records_crc = crc32c(w->records_crc, tail, 4);
	w->bytes += 12 + len;
}

/* After the metadata: one PAGES record of two ZERO entries covering all
 * 2^32 pages, and the trailer that counts them. */
static uint64_t claim_n = 1ull << 32;   /* --claim-pages N */

static int claim_all(struct dump_stream_writer *w, int pages_too)
{
	unsigned char pages[8 + 2 * 16] = { 0 }, tr[DUMP_STREAM_TRAILER_LEN] = { 0 };

	le32_put(pages, 2);
	le64_put(pages + 8, 0);
	le32_put(pages + 16, DUMP_STREAM_ZERO);
	le32_put(pages + 20, (uint32_t)(claim_n - 1));
	le64_put(pages + 24, claim_n - 1);
	le32_put(pages + 32, DUMP_STREAM_ZERO);
	le32_put(pages + 36, 1);
	if (pages_too)
		put_record(w, DUMP_STREAM_PAGES, pages, sizeof pages);
	le32_put(tr, DUMP_CLASS_COUNT);
	le32_put(tr + 4, w->records_crc);
	le64_put(tr + 8, w->bytes);
	le64_put(tr + 16, (uint64_t)pages_too);
	le64_put(tr + 24 + 8 * DUMP_CLASS_ZERO, pages_too ? claim_n : 0);
	put_record(w, DUMP_STREAM_TRAILER, tr, sizeof tr);
	return w->err;
}

/* --log FILE: the crashed kernel's log in the stream, instead of two lines */
static char log_text[1 << 16];
static size_t log_len;

static int synth(int level, int with_notes, int with_ram, unsigned long crashtime,
                 const char *out, const char *dir, int claim)
{
	struct dump_range all = { 0, claim_n };
	static char vmci[512];
	static const char log[] = "[    0.000000] Linux version 6.1.0-salvage-test\n"
	                          "[   42.000000] sysrq: Trigger a crash\n";
	static unsigned char notes[4096], prstatus[336], page[PS];
	static char uts[DUMP_STREAM_UTSNAME_LEN];
	struct dump_stream_info in = {
		.utsname = uts, .vmcoreinfo = vmci,
		.dmesg = log_len ? log_text : log, .dmesg_len = log_len ? log_len : sizeof log - 1,
		.ram = with_ram ? ram : NULL, .nram = with_ram ? 3 : 0, .max_pfn = MAX_PFN,
		.phys_base = 0x2000000, .crashtime = crashtime, .dump_level = (uint32_t)level,
	};
	struct dump_stream_writer w;
	char path[4096], map[MAX_PFN];
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), mfd, e;
	size_t n = 0;

	/* the crash time names the crash: a different one is another dump */
	snprintf(vmci, sizeof vmci,
	         "OSRELEASE=6.1.0-salvage-test\nPAGESIZE=4096\n"
	         "SYMBOL(swapper_pg_dir)=ffffffff82a0a000\nSYMBOL(init_top_pgt)=ffffffff82a0a000\n"
	         "KERNELOFFSET=0\nNUMBER(phys_base)=0\nNUMBER(pgtable_l5_enabled)=0\n"
	         "CRASHTIME=%lu\n", crashtime);
	in.vmcoreinfo_len = strlen(vmci);
	strcpy(uts, "Linux");
	strcpy(uts + 65, "testhost");
	strcpy(uts + 130, "6.1.0-salvage-test");
	strcpy(uts + 195, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.0");
	strcpy(uts + 260, "x86_64");
	if (with_notes) {
		n += note(notes + n, "CORE", 1, prstatus, sizeof prstatus);
		n += note(notes + n, "CORE", 1, prstatus, sizeof prstatus);
		n += note(notes + n, "VMCOREINFO", 0, vmci, strlen(vmci));
		in.notes = notes;
		in.notes_len = n;
	}
	if (claim) {
		in.max_pfn = all.end_pfn, in.ram = &all, in.nram = 1;
		if (fd < 0)
			return perror(out), 1;
		dump_stream_init(&w, fd_write, &fd, work, sizeof work);
		dump_stream_begin(&w, &in);
		if ((e = claim_all(&w, claim == 1)) || close(fd))
			return fprintf(stderr, "mkstream: %s\n", err_name(e)), 1;
		printf("mkstream: wrote %s, %llu bytes\n", out, (unsigned long long)w.bytes);
		return 0;
	}
	snprintf(path, sizeof path, "%s/mem.img", dir);
	mfd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || mfd < 0)
		return perror(out), 1;
	dump_stream_init(&w, fd_write, &fd, work, sizeof work);
	dump_stream_begin(&w, &in);
	for (uint64_t pfn = 0; pfn < MAX_PFN; pfn++) {
		map[pfn] = class_of(pfn);
		fill(pfn, page);
		io_writeall(mfd, page, PS);
		if (map[pfn] == 'k' || map[pfn] == 'z')
			dump_stream_page(&w, pfn, page);
		else if (map[pfn] == 'x')
			dump_stream_exclude(&w, 1, DUMP_CLASS_USER);
	}
	e = dump_stream_end(&w);
	close(mfd);
	snprintf(path, sizeof path, "%s/map", dir);
	io_writefile(path, map, sizeof map);
	if (e || close(fd))
		return fprintf(stderr, "mkstream: %s\n", err_name(e)), 1;
	printf("mkstream: wrote %s, %llu bytes\n", out, (unsigned long long)w.bytes);
	return 0;
}

/* Every page of an ELF vmcore, as an unfiltered dump would write it. */
static int from_elf(const char *vmcore, const char *out)
{
	static struct dump_elf elf;
	static unsigned char notes[1 << 20], page[PS];
	static struct dump_range rr[DUMP_ELF_MAX_LOADS];
	struct dump_stream_info in = { 0 };
	struct dump_stream_writer w;
	struct dump_notes nt;
	int ifd = open(vmcore, O_RDONLY), fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), e;
	long nlen;
	unsigned nr = 0;

	if (ifd < 0 || fd < 0 || (e = dump_elf_open(&elf, ifd)))
		return fprintf(stderr, "mkstream: cannot open %s\n", vmcore), 1;
	if ((nlen = dump_elf_read_notes(&elf, notes, sizeof notes)) < 0 ||
	    dump_notes_parse(&nt, notes, (size_t)nlen))
		return fprintf(stderr, "mkstream: notes\n"), 1;
	nr = dump_elf_ram(&elf, rr, DUMP_ELF_MAX_LOADS);
	/* the direct map: a RAM PT_LOAD below the kernel text mapping */
	for (unsigned i = 0; i < elf.nloads; i++)
		if (elf.loads[i].vaddr < 0xffffffff80000000ull && elf.loads[i].vaddr > elf.loads[i].paddr)
			in.page_offset = elf.loads[i].vaddr - elf.loads[i].paddr;
	in.notes = notes;
	in.notes_len = (size_t)nlen;
	in.vmcoreinfo = nt.vmcoreinfo;
	in.vmcoreinfo_len = nt.vmcoreinfo_len;
	in.ram = rr;
	in.nram = nr;
	in.max_pfn = elf.max_pfn;
	dump_stream_init(&w, fd_write, &fd, work, sizeof work);
	dump_stream_begin(&w, &in);
	for (unsigned i = 0; i < nr; i++)
		for (uint64_t pfn = rr[i].start_pfn; pfn < rr[i].end_pfn; pfn++)
			if (!dump_elf_read_phys(&elf, pfn * PS, page, PS))
				dump_stream_page(&w, pfn, page);
	e = dump_stream_end(&w);
	if (e || close(fd))
		return fprintf(stderr, "mkstream: %s\n", err_name(e)), 1;
	printf("mkstream: wrote %s, %llu bytes\n", out, (unsigned long long)w.bytes);
	return 0;
}

int main(int argc, char **argv)
{
	int level = 31, with_notes = 1, with_ram = 1, claim = 0, i = 2;
	unsigned long crashtime = 1700000000;

	if (argc > 1 && !strcmp(argv[1], "elf") && argc == 4)
		return from_elf(argv[2], argv[3]);
	if (argc < 2 || strcmp(argv[1], "synth"))
		goto usage;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--level") && i + 1 < argc)
			level = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--no-notes"))
			with_notes = 0;
		else if (!strcmp(argv[i], "--no-ram"))
			with_ram = 0;
		else if (!strcmp(argv[i], "--claim"))
			claim = 1;
		else if (!strcmp(argv[i], "--claim-pages") && i + 1 < argc)
			claim = 1, claim_n = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--claim-ram"))
			claim = 2;
		else if (!strcmp(argv[i], "--crashtime") && i + 1 < argc)
			crashtime = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--log") && i + 1 < argc) {
			FILE *f = fopen(argv[++i], "r");
			log_len = f ? fread(log_text, 1, sizeof log_text, f) : 0;
			if (!f || !log_len)
				goto usage;
			fclose(f);
		} else
			goto usage;
	}
	if (argc - i == 2)
		return synth(level, with_notes, with_ram, crashtime, argv[i], argv[i + 1], claim);
usage:
	fprintf(stderr, "usage: mkstream synth [--level N] [--no-notes] [--no-ram] [--claim|--claim-pages N|--claim-ram] [--crashtime T] OUT DIR | elf VMCORE OUT\n");
	return 100;
}
