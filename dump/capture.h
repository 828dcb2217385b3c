/* The capture pipeline: ELF vmcore -> filter -> salvage stream -> a write
 * callback, in memory fixed at build time (struct dump_capture, about
 * 3 MiB, whatever the crashed machine's RAM, plus dump/jobs.h's block
 * when workers are given): the filter decides
 * DUMP_CAPTURE_CYCLE_PFNS pages (16 GiB) per cycle with a bitmap of
 * DUMP_CAPTURE_CYCLE_PFNS / 8 bytes. */
#ifndef SALVAGE_DUMP_CAPTURE_H
#define SALVAGE_DUMP_CAPTURE_H
#include <stddef.h>
#include <stdint.h>
#include "elf.h"
#include "filter.h"
#include "mem.h"
#include "notes.h"
#include "stream.h"

#define DUMP_CAPTURE_CYCLE_PFNS (1u << 22)
#define DUMP_CAPTURE_NOTES_MAX (512u << 10)
#define DUMP_CAPTURE_DMESG_MAX (1u << 20)
#define DUMP_CAPTURE_MAX_RAM 256

struct dump_lend_plan;
struct dump_jobs;

struct dump_capture {
	struct dump_elf elf;
	struct dump_notes notes;
	struct dump_vmcoreinfo vi;
	struct dump_mem mem;
	struct dump_filter filter;
	struct dump_filter_must must[DUMP_FILTER_MUST_MAX]; /* the filter's self-check set */
	struct dump_stream_writer stream;
	struct dump_range ram[DUMP_CAPTURE_MAX_RAM];
	unsigned nram;
	uint64_t present;            /* pages of RAM in the vmcore */
	size_t notes_len, dmesg_len;
	char utsname[390];
	char why[256];               /* why the level was lowered, if it was */
	int level;                   /* after dump_capture_open: each run starts at it */
	/* pages lent to the crash kernel (dump/lend.h), NULL by default: never
	 * read, even when kept; lent_kept counts those a run found kept */
	const struct dump_lend_plan *lent;
	uint64_t lent_kept;
	/* workers that filter, read and compress the pages (dump/jobs.h), NULL by
	 * default: this thread does it all. The stream is the same. */
	struct dump_jobs *jobs;
	unsigned char keep[DUMP_CAPTURE_CYCLE_PFNS / 8];
	unsigned char page[DUMP_PAGE_SIZE];
	unsigned char note_buf[DUMP_CAPTURE_NOTES_MAX];
	char dmesg[DUMP_CAPTURE_DMESG_MAX];
	unsigned char work[DUMP_STREAM_WORK_SIZE];
};

/* Opens the vmcore on fd: ELF headers, notes, VMCOREINFO, utsname, the
 * crashed kernel's log, and the filter for level (lowered, with c->why,
 * when VMCOREINFO lacks what a bit needs). -SALVAGE_E_ELF_*, _NOTES_BAD,
 * -SALVAGE_E_NO_VMCOREINFO, -errno. */
int dump_capture_open(struct dump_capture *c, int fd, int level);

/* Writes the stream through write(ctx, ...), with progress lines; returns
 * the first error (the stream writer's, sticky). A page of c->lent that
 * the filter keeps is excluded as the class it was lent as, counted in
 * c->lent_kept and logged once. */
int dump_capture_run(struct dump_capture *c, int (*write)(void *, const void *, size_t), void *ctx);

/* The cycle dump_capture_run decides next from pfn `from` on: the first
 * one holding RAM, [*start, *end), at most DUMP_CAPTURE_CYCLE_PFNS pages
 * aligned to that size. 0 when no RAM is left. */
int dump_capture_cycle(const struct dump_capture *c, uint64_t from, uint64_t *start, uint64_t *end);

/* Sets c->keep's bits for the dump's RAM in the cycle [start, end), and
 * clears the others. */
void dump_capture_mark_ram(struct dump_capture *c, uint64_t start, uint64_t end);

/* Logs the level applied (and why, if lowered), the RAM, and the memory
 * budget. */
void dump_capture_report(const struct dump_capture *c, int asked);

#endif
