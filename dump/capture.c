#include <string.h>
#include "../lib/err.h"
#include "../lib/log.h"
#include "capture.h"
#include "dmesg.h"
#include "jobs.h"
#include "lend.h"
#include "progress.h"

static int read_utsname(struct dump_capture *c)
{
	int64_t sym, off;

	if (dump_vmcoreinfo_num(&c->vi, "SYMBOL(init_uts_ns)", &sym) ||
	    dump_vmcoreinfo_num(&c->vi, "OFFSET(uts_namespace.name)", &off))
		return -SALVAGE_E_VMCOREINFO_MISSING;
	return dump_mem_read_virt(&c->mem, (uint64_t)(sym + off), c->utsname, sizeof c->utsname);
}

/* dump_dmesg's emit: lines arrive with their newline. */
static int add_line(void *ctx, const char *line, size_t len)
{
	struct dump_capture *c = ctx;

	/* keep the newest lines when the log does not fit: drop the oldest half */
	if (len > sizeof c->dmesg - c->dmesg_len) {
		size_t cut = c->dmesg_len / 2;
		while (cut && cut < c->dmesg_len && c->dmesg[cut - 1] != '\n')
			cut++;
		memmove(c->dmesg, c->dmesg + cut, c->dmesg_len - cut);
		c->dmesg_len -= cut;
		if (len > sizeof c->dmesg - c->dmesg_len)
			return 0;
	}
	memcpy(c->dmesg + c->dmesg_len, line, len);
	c->dmesg_len += len;
	return 0;
}

int dump_capture_open(struct dump_capture *c, int fd, int level)
{
	long n;
	int r;

	c->notes_len = c->dmesg_len = 0;
	c->why[0] = 0;
	memset(c->utsname, 0, sizeof c->utsname);
	if ((r = dump_elf_open(&c->elf, fd)))
		return r;
	if ((n = dump_elf_read_notes(&c->elf, c->note_buf, sizeof c->note_buf)) < 0)
		return (int)n;
	c->notes_len = (size_t)n;
	if ((r = dump_notes_parse(&c->notes, c->note_buf, c->notes_len)))
		return r;
	if (!c->notes.vmcoreinfo)
		return -SALVAGE_E_NO_VMCOREINFO;
	c->vi = (struct dump_vmcoreinfo){ c->notes.vmcoreinfo, c->notes.vmcoreinfo_len };
	c->mem = (struct dump_mem){ .read_phys = dump_elf_read_phys, .ctx = &c->elf, .info = &c->vi };
	c->nram = dump_elf_ram(&c->elf, c->ram, DUMP_CAPTURE_MAX_RAM);
	c->present = 0;
	for (unsigned i = 0; i < c->nram; i++)
		c->present += c->ram[i].end_pfn - c->ram[i].start_pfn;
	if (c->elf.tail_bytes)
		log_warn("vmcore: ", U64(c->elf.tail_bytes >> 10), " KiB of memory past PT_LOADs' "
		         "file data (p_memsz > p_filesz) not dumped: the file holds no bytes for it");
	if ((r = dump_mem_setup(&c->mem)))
		log_warn("no kernel page tables (", err_text(r), "): no utsname or log");
	else if ((r = read_utsname(c)))
		log_warn("utsname: ", err_text(r));
	else if ((r = dump_dmesg(&c->mem, add_line, c)))
		log_warn("the crashed kernel's log: ", err_text(r));
	if ((r = dump_filter_init(&c->filter, &c->mem, level, c->elf.max_pfn, c->must,
	                            c->why, sizeof c->why)))
		return r;
	/* before anything is written: a level that would lose what every
	 * dump must hold falls back to one that cannot */
	dump_filter_selfcheck(&c->filter, c->notes.sp, c->notes.nr_sp, c->why, sizeof c->why);
	c->level = c->filter.level;
	return 0;
}

void dump_capture_report(const struct dump_capture *c, int asked)
{
	if (c->filter.level != asked)
		log_warn("dump level ", U64((uint64_t)c->filter.level), " instead of ",
		         U64((uint64_t)asked), ": ", c->why);
	if (c->filter.level & 30)
		log_info("self-check: the ", U64(c->filter.nmust), " pages every dump must hold are kept",
		         c->filter.must_lost ? " (" : "", c->filter.must_lost ? U64(c->filter.must_lost) : "",
		         c->filter.must_lost ? " more not checked)" : "");
	log_info("dump level ", U64((uint64_t)c->filter.level), ", ",
	         U64(c->present >> 8), " MiB of RAM in ", U64(c->nram), " ranges, log ",
	         U64(c->dmesg_len >> 10), " KiB; memory budget ", U64(sizeof *c >> 10),
	         " KiB (bitmap ", U64(sizeof c->keep >> 10), " KiB per ",
	         U64((uint64_t)DUMP_CAPTURE_CYCLE_PFNS >> 18), " GiB cycle)");
	if (c->jobs)
		log_info(U64(dump_jobs_count(c->jobs)), " workers filter, read and compress the pages: ",
		         U64(dump_jobs_size(dump_jobs_count(c->jobs)) >> 10), " KiB more");
}

void dump_capture_mark_ram(struct dump_capture *c, uint64_t start, uint64_t end)
{
	memset(c->keep, 0, (end - start + 7) / 8);
	for (unsigned i = 0; i < c->nram; i++) {
		uint64_t s = c->ram[i].start_pfn > start ? c->ram[i].start_pfn : start;
		uint64_t e = c->ram[i].end_pfn < end ? c->ram[i].end_pfn : end;
		for (uint64_t p = s; p < e; p++)
			c->keep[(p - start) >> 3] |= (unsigned char)(1u << ((p - start) & 7));
	}
}

/* The class pfn was lent as, or -1; *i walks the plan's runs as pfn
 * grows. */
static int lent_class(const struct dump_lend_plan *p, unsigned *i, uint64_t pfn)
{
	while (*i < p->nrun && p->run[*i].pfn + p->run[*i].count <= pfn)
		++*i;
	return *i < p->nrun && p->run[*i].pfn <= pfn ? p->run[*i].cls : -1;
}

/* Where a run's kept pages go: straight into the stream, or into units
 * for c->jobs' workers, DUMP_STREAM_BATCH pages each across cycles (the
 * records the stream writer itself would make). */
struct run {
	struct dump_progress p;
	uint64_t done;
	uint64_t *unit;
	unsigned nunit;
};

static void put_page(struct dump_capture *c, struct run *u, uint64_t pfn)
{
	const void *page;
	int r = 0;

	if (c->jobs) {
		if (!u->unit)
			u->unit = dump_jobs_unit(c->jobs);
		u->unit[u->nunit++] = pfn;
		if (u->nunit == DUMP_STREAM_BATCH) {
			dump_jobs_submit(c->jobs, u->nunit);
			u->unit = NULL;
			u->nunit = 0;
		}
		return;
	}
	page = dump_elf_page(&c->elf, pfn);
	if (!page && !(r = dump_elf_read_phys(&c->elf, pfn << DUMP_PAGE_SHIFT, c->page, DUMP_PAGE_SIZE)))
		page = c->page;
	if (page)
		dump_stream_page(&c->stream, pfn, page);
	else
		c->stream.err = r;
}

static void write_cycle(struct dump_capture *c, uint64_t start, uint64_t end, struct run *u)
{
	unsigned lent = 0;

	for (uint64_t pfn = start; pfn < end && !c->stream.err; pfn++) {
		uint64_t i = pfn - start;
		int cls;

		if (!(c->keep[i >> 3] & (1u << (i & 7))))
			continue;
		/* a lent page holds the crash kernel's data now, not the
		 * crashed kernel's: never read it */
		if (c->lent && (cls = lent_class(c->lent, &lent, pfn)) >= 0) {
			dump_stream_exclude(&c->stream, 1, (enum dump_class)cls);
			c->lent_kept++;
		} else {
			put_page(c, u, pfn);
		}
		dump_progress_update(&u->p, ++u->done << DUMP_PAGE_SHIFT);
	}
}

/* The pages still with the workers out, the workers stopped. */
static void end_jobs(struct dump_capture *c, struct run *u)
{
	if (!c->jobs)
		return;
	if (u->nunit && !c->stream.err)
		dump_jobs_submit(c->jobs, u->nunit);
	dump_jobs_finish(c->jobs);
}

/* One line of page counts per class, the figures makedumpfile's
 * "Excluded pages" table shows. */
static void log_counts(const uint64_t *n)
{
	log_info("pages: kept ", U64(n[DUMP_CLASS_KEPT]), ", zero ", U64(n[DUMP_CLASS_ZERO]),
	         ", cache ", U64(n[DUMP_CLASS_CACHE]), ", cache_private ",
	         U64(n[DUMP_CLASS_CACHE_PRIVATE]), ", user ", U64(n[DUMP_CLASS_USER]),
	         ", free ", U64(n[DUMP_CLASS_FREE]), ", hwpoison ", U64(n[DUMP_CLASS_HWPOISON]),
	         ", offline ", U64(n[DUMP_CLASS_OFFLINE]));
}

/* The direct map's base: p_vaddr - p_paddr of a RAM segment (the kernel
 * text segment, at __START_KERNEL_map and above, maps differently). */
static uint64_t page_offset(const struct dump_capture *c)
{
	for (unsigned i = c->elf.nloads; i-- > 0;)
		if (c->elf.loads[i].vaddr < 0xffffffff80000000ull && c->elf.loads[i].vaddr)
			return c->elf.loads[i].vaddr - c->elf.loads[i].paddr;
	return 0;
}

/* The self-check's second half failed: the scan cleared a page every
 * dump must hold that the check before the stream found kept. This
 * cycle is written whole and the later ones at level & 1; the earlier
 * ones, written already, passed the same confirmation. */
static void distrust(struct dump_capture *c, uint64_t start, uint64_t end, const uint64_t *before)
{
	char why[256] = "";

	dump_filter_say_lost(&c->filter, c->filter.lost, -1, why, sizeof why);
	log_warn("dump level ", U64((uint64_t)(c->filter.level & 1)), " from pfn ", U64(start),
	         " on: ", why);
	dump_capture_mark_ram(c, start, end);
	memcpy(c->filter.count, before, sizeof c->filter.count);
	c->filter.carry_end = 0;
	c->filter.level &= 1;
}

/* The first RAM pfn at or after pfn (c->ram is sorted), or UINT64_MAX. */
static uint64_t next_ram(const struct dump_capture *c, uint64_t pfn)
{
	for (unsigned i = 0; i < c->nram; i++)
		if (c->ram[i].end_pfn > pfn)
			return c->ram[i].start_pfn > pfn ? c->ram[i].start_pfn : pfn;
	return UINT64_MAX;
}

int dump_capture_cycle(const struct dump_capture *c, uint64_t from, uint64_t *start, uint64_t *end)
{
	/* a cycle without RAM has nothing to decide: RAM high in the
	 * physical address space costs no walk through the space below */
	*start = next_ram(c, from) & ~(uint64_t)(DUMP_CAPTURE_CYCLE_PFNS - 1);
	if (*start >= c->elf.max_pfn)
		return 0;
	*end = *start + DUMP_CAPTURE_CYCLE_PFNS;
	if (*end > c->elf.max_pfn)
		*end = c->elf.max_pfn;
	return 1;
}

int dump_capture_run(struct dump_capture *c, int (*write)(void *, const void *, size_t), void *ctx)
{
	struct dump_stream_info info = {
		.utsname = c->utsname, .vmcoreinfo = c->vi.text, .vmcoreinfo_len = c->vi.len,
		.notes = c->note_buf, .notes_len = c->notes_len,
		.dmesg = c->dmesg, .dmesg_len = c->dmesg_len,
		.ram = c->ram, .nram = c->nram, .max_pfn = c->elf.max_pfn,
		.phys_base = c->mem.phys_base,
		.page_offset = page_offset(c),
		.crashtime = (uint64_t)dump_vmcoreinfo_num_or(&c->vi, "CRASHTIME", 0),
		.dump_level = (uint32_t)c->level,
	};
	uint64_t before[DUMP_CLASS_COUNT];
	struct run u = { .done = 0 };
	struct dump_jobs *jobs = c->jobs;
	int r = 0;

	/* a second run (a network resume) must give the same bytes: nothing
	 * carried over from the end of the last one */
	c->filter.carry_end = 0;
	c->filter.level = c->level;
	dump_stream_init(&c->stream, write, ctx, c->work, sizeof c->work);
	dump_stream_begin(&c->stream, &info);
	/* c->jobs only once its workers run: dump_jobs_finish needs a start */
	c->jobs = NULL;
	if (jobs && !c->stream.err) {
		if ((r = dump_jobs_start(jobs, &c->elf, &c->stream)))
			log_warn("no workers (", err_text(r), "): the pages are compressed by one thread");
		else
			c->jobs = jobs;
		r = 0;
	}
	dump_progress_start(&u.p, "dump", c->present << DUMP_PAGE_SHIFT);
	c->lent_kept = 0;
	for (uint64_t start, end, from = 0; !c->stream.err && dump_capture_cycle(c, from, &start, &end); from = end) {
		dump_capture_mark_ram(c, start, end);
		memcpy(before, c->filter.count, sizeof before);
		r = c->jobs ? dump_jobs_filter(c->jobs, &c->filter, start, end, c->keep)
		            : dump_filter_cycle(&c->filter, start, end, c->keep);
		if (r < 0)
			break;
		if (r)
			distrust(c, start, end, before);
		for (int k = 0; k < DUMP_CLASS_COUNT; k++) {
			uint64_t n = c->filter.count[k] - before[k];
			if (n)
				dump_stream_exclude(&c->stream, n, (enum dump_class)k);
			u.done += n; /* decided, and no I/O needed */
		}
		write_cycle(c, start, end, &u);
	}
	end_jobs(c, &u);
	c->jobs = jobs;
	if (r < 0)
		return r;
	dump_progress_end(&u.p, u.done << DUMP_PAGE_SHIFT);
	r = dump_stream_end(&c->stream);
	log_counts(c->stream.count);
	if (c->lent_kept)
		log_warn(U64(c->lent_kept), " pages the filter kept were lent to the crash kernel: "
		         "left out of the dump as the class they were lent as");
	return r;
}
