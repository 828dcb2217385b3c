#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/le.h"
#include "elf.h"
#include "mem.h"
#include "stream.h"

/* ELF64 (docs/formats.md#elf): Ehdr 64 bytes, Phdr 56 bytes. */
enum {
	EH_TYPE = 16, EH_MACHINE = 18, EH_PHOFF = 32, EH_SHOFF = 40,
	EH_PHENTSIZE = 54, EH_PHNUM = 56,
	PH_TYPE = 0, PH_OFFSET = 8, PH_VADDR = 16, PH_PADDR = 24,
	PH_FILESZ = 32, PH_MEMSZ = 40, PH_SIZE = 56,
	ET_CORE = 4, EM_X86_64 = 62, PT_LOAD = 1, PT_NOTE = 4, PN_XNUM = 0xffff,
	SH_INFO = 44,
};
#define WINDOW (4u << 20)

static int check_header(const unsigned char *h)
{
	if (memcmp(h, "\177ELF", 4) || h[4] != 2 || h[5] != 1)
		return -SALVAGE_E_ELF_NOT_ELF;
	if (le16_get(h + EH_TYPE) != ET_CORE)
		return -SALVAGE_E_ELF_NOT_CORE;
	if (le16_get(h + EH_MACHINE) != EM_X86_64)
		return -SALVAGE_E_ELF_NOT_X86_64;
	if (le16_get(h + EH_PHENTSIZE) != PH_SIZE)
		return -SALVAGE_E_ELF_BAD_PHDR;
	return 0;
}

/* e_phnum, or with PN_XNUM the count kept in section header 0's sh_info. */
static int phnum(struct dump_elf *e, const unsigned char *h, uint64_t *n)
{
	unsigned char sh[64];
	uint64_t shoff = le64_get(h + EH_SHOFF);

	*n = le16_get(h + EH_PHNUM);
	if (*n != PN_XNUM)
		return 0;
	if (shoff > e->file_size || e->file_size - shoff < sizeof sh ||
	    io_preadall(e->fd, sh, sizeof sh, (off_t)shoff) != (long)sizeof sh)
		return -SALVAGE_E_ELF_BAD_PHDR;
	*n = le32_get(sh + SH_INFO);
	return 0;
}

/* The pfn after the last page holding some of load l's file data. */
static uint64_t data_end_pfn(const struct dump_elf_load *l)
{
	return (l->paddr + l->filesz + DUMP_PAGE_SIZE - 1) >> DUMP_PAGE_SHIFT;
}

static int add_segment(struct dump_elf *e, const unsigned char *ph)
{
	uint32_t type = le32_get(ph + PH_TYPE);
	uint64_t off = le64_get(ph + PH_OFFSET), filesz = le64_get(ph + PH_FILESZ);
	uint64_t memsz = le64_get(ph + PH_MEMSZ), paddr = le64_get(ph + PH_PADDR);

	if ((type == PT_LOAD || type == PT_NOTE) &&
	    (off > e->file_size || filesz > e->file_size - off))
		return -SALVAGE_E_ELF_BAD_PHDR;
	if (type == PT_NOTE) {
		/* /proc/vmcore has one merged PT_NOTE; accept several only if
		 * they are contiguous in the file */
		if (e->note_size && off != e->note_offset + e->note_size)
			return -SALVAGE_E_ELF_BAD_PHDR;
		if (!e->note_size)
			e->note_offset = off;
		e->note_size += filesz;
		return 0;
	}
	if (type != PT_LOAD || memsz == 0)
		return 0;
	if (filesz > memsz)
		return -SALVAGE_E_ELF_BAD_PHDR;
	if (paddr + memsz < paddr || paddr + memsz > DUMP_ELF_PHYS_LIMIT)
		return -SALVAGE_E_ELF_BEYOND_PHYS;
	if (e->nloads == DUMP_ELF_MAX_LOADS)
		return -SALVAGE_E_ELF_TOO_MANY_LOADS;
	e->loads[e->nloads++] = (struct dump_elf_load){
		.paddr = paddr, .vaddr = le64_get(ph + PH_VADDR),
		.filesz = filesz, .memsz = memsz, .offset = off,
	};
	/* docs/formats.md#elf: the dump is the memory the file holds bytes
	 * for; a p_memsz tail past p_filesz only reads as zeros */
	if (filesz) {
		uint64_t end_pfn = data_end_pfn(&e->loads[e->nloads - 1]);
		if (end_pfn > e->max_pfn)
			e->max_pfn = end_pfn;
	}
	e->tail_bytes += memsz - filesz;
	return 0;
}

int dump_elf_open(struct dump_elf *e, int fd)
{
	unsigned char h[64], ph[PH_SIZE];
	struct stat st;
	uint64_t n, phoff;
	int r;

	memset(e, 0, sizeof *e);
	e->fd = fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	e->file_size = (uint64_t)st.st_size;
	if (io_preadall(fd, h, sizeof h, 0) != (long)sizeof h)
		return -SALVAGE_E_ELF_NOT_ELF;
	if ((r = check_header(h)) || (r = phnum(e, h, &n)))
		return r;
	phoff = le64_get(h + EH_PHOFF);
	if (phoff > e->file_size || n > (e->file_size - phoff) / PH_SIZE)
		return -SALVAGE_E_ELF_BAD_PHDR;
	for (uint64_t i = 0; i < n; i++) {
		if (io_preadall(fd, ph, sizeof ph, (off_t)(phoff + i * PH_SIZE)) != (long)sizeof ph)
			return -SALVAGE_E_ELF_BAD_PHDR;
		if ((r = add_segment(e, ph)))
			return r;
	}
	if (!e->max_pfn) /* no PT_LOAD holds any file data */
		return -SALVAGE_E_ELF_BAD_PHDR;
	return 0;
}

void dump_elf_close(struct dump_elf *e)
{
	if (e->win)
		munmap((void *)e->win, e->win_len);
	e->win = NULL;
}

long dump_elf_read_notes(struct dump_elf *e, void *buf, size_t buflen)
{
	long n;

	if (e->note_size > buflen)
		return -SALVAGE_E_NOTES_TOO_BIG;
	n = io_preadall(e->fd, buf, e->note_size, (off_t)e->note_offset);
	if (n >= 0 && (uint64_t)n != e->note_size)
		return -SALVAGE_E_SHORT_FILE;
	return n;
}

/* Copies file bytes [off, off+len) of load l: through the mmap window when
 * every page involved is a whole page of the load's file data, else with
 * pread (a fractional page must never be mmapped: the bytes beside the
 * segment are not the crashed machine's). */
/* Maps the window holding file bytes [off, off+len) of load l, if they
 * are whole pages of the load's file data; NULL if they are not, or mmap
 * failed (then read() is used for good). */
static const unsigned char *window(struct dump_elf *e, const struct dump_elf_load *l,
                                   uint64_t off, size_t len)
{
	uint64_t first = off & ~(uint64_t)(DUMP_PAGE_SIZE - 1);
	uint64_t last = (off + len + DUMP_PAGE_SIZE - 1) & ~(uint64_t)(DUMP_PAGE_SIZE - 1);
	uint64_t seg_end = l->offset + l->filesz;

	if (e->no_mmap || first < l->offset || last > seg_end)
		return NULL;
	if (!e->win || off < e->win_off || off + len > e->win_off + e->win_len) {
		uint64_t aligned_end = seg_end & ~(uint64_t)(DUMP_PAGE_SIZE - 1);
		uint64_t wlen = aligned_end - first < WINDOW ? aligned_end - first : WINDOW;
		void *w;

		if (e->win)
			munmap((void *)e->win, e->win_len);
		e->win = NULL;
		w = mmap(NULL, wlen, PROT_READ, MAP_PRIVATE, e->fd, (off_t)first);
		if (w == MAP_FAILED) {
			e->no_mmap = 1; /* /proc/vmcore without mmap: read() for good */
			return NULL;
		}
		e->win = w;
		e->win_off = first;
		e->win_len = wlen;
	}
	return off + len <= e->win_off + e->win_len ? e->win + (off - e->win_off) : NULL;
}

/* Copies file bytes [off, off+len) of load l: through the mmap window when
 * every page involved is a whole page of the load's file data, else with
 * pread (a fractional page must never be mmapped: the bytes beside the
 * segment are not the crashed machine's). */
static int read_file(struct dump_elf *e, const struct dump_elf_load *l,
                     uint64_t off, void *buf, size_t len)
{
	/* A small read (a page table entry, a mem_section) outside the
	 * current window is a pread: remapping 4 MiB of /proc/vmcore for
	 * 8 bytes would cost far more, and would lose the window the page
	 * data is streaming through. */
	int small = len < DUMP_PAGE_SIZE &&
	            (!e->win || off < e->win_off || off + len > e->win_off + e->win_len);
	const unsigned char *p = small ? NULL : window(e, l, off, len);
	long n;

	if (p) {
		memcpy(buf, p, len);
		return 0;
	}
	n = io_preadall(e->fd, buf, len, (off_t)off);
	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -SALVAGE_E_SHORT_FILE;
}

/* The load holding physical byte paddr, the last one found first. */
static const struct dump_elf_load *find_load(struct dump_elf *e, uint64_t paddr)
{
	unsigned hint = e->hint;

	if (hint < e->nloads && paddr - e->loads[hint].paddr < e->loads[hint].memsz)
		return &e->loads[hint];
	for (unsigned i = 0; i < e->nloads; i++)
		if (paddr - e->loads[i].paddr < e->loads[i].memsz) {
			e->hint = i;
			return &e->loads[i];
		}
	return NULL;
}

const void *dump_elf_page(struct dump_elf *e, uint64_t pfn)
{
	uint64_t paddr = pfn << DUMP_PAGE_SHIFT;
	const struct dump_elf_load *l = find_load(e, paddr);

	if (!l || paddr - l->paddr + DUMP_PAGE_SIZE > l->filesz)
		return NULL;
	return window(e, l, l->offset + (paddr - l->paddr), DUMP_PAGE_SIZE);
}

static int page_touched(const struct dump_elf *e, uint64_t pfn)
{
	uint64_t start = pfn << DUMP_PAGE_SHIFT, end = start + DUMP_PAGE_SIZE;

	for (unsigned i = 0; i < e->nloads; i++)
		if (e->loads[i].paddr < end && e->loads[i].paddr + e->loads[i].memsz > start)
			return 1;
	return 0;
}

int dump_elf_read_phys(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	struct dump_elf *e = ctx;
	unsigned char *out = buf;

	while (len) {
		const struct dump_elf_load *l = find_load(e, paddr);
		size_t chunk;
		int r;

		if (l) {
			uint64_t in = paddr - l->paddr, left = l->memsz - in;
			chunk = len < left ? len : (size_t)left;
			if (in >= l->filesz) {
				memset(out, 0, chunk);
			} else {
				if (chunk > l->filesz - in)
					chunk = (size_t)(l->filesz - in);
				if ((r = read_file(e, l, l->offset + in, out, chunk)))
					return r;
			}
		} else {
			/* not in any segment: zeros inside a page a segment
			 * partly covers, otherwise a hole */
			uint64_t page_end = (paddr | (DUMP_PAGE_SIZE - 1)) + 1;
			chunk = len < page_end - paddr ? len : (size_t)(page_end - paddr);
			for (unsigned i = 0; i < e->nloads; i++) {
				uint64_t s = e->loads[i].paddr;
				if (s > paddr && s < paddr + chunk)
					chunk = (size_t)(s - paddr);
			}
			if (!page_touched(e, paddr >> DUMP_PAGE_SHIFT))
				return -SALVAGE_E_NOT_IN_DUMP;
			memset(out, 0, chunk);
		}
		out += chunk;
		paddr += chunk;
		len -= chunk;
	}
	return 0;
}

unsigned dump_elf_ram(const struct dump_elf *e, struct dump_range *out, unsigned max)
{
	struct dump_range r[DUMP_ELF_MAX_LOADS];
	unsigned n = 0, m = 0;

	for (unsigned i = 0; i < e->nloads; i++) {
		const struct dump_elf_load *l = &e->loads[i];
		if (!l->filesz)
			continue;
		r[n].start_pfn = l->paddr >> DUMP_PAGE_SHIFT;
		r[n].end_pfn = data_end_pfn(l);
		n++;
	}
	/* insertion sort by start: a few dozen ranges at most */
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && r[j].start_pfn < r[j - 1].start_pfn; j--) {
			struct dump_range t = r[j];
			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	for (unsigned i = 0; i < n; i++) {
		if (m && r[i].start_pfn <= out[m - 1].end_pfn) {
			if (r[i].end_pfn > out[m - 1].end_pfn)
				out[m - 1].end_pfn = r[i].end_pfn;
		} else if (m < max) {
			out[m++] = r[i];
		}
	}
	return m;
}
