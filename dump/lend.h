/* Which pages of the crashed kernel's memory the crash kernel may borrow
 * (the old-memory block shim, docs/shim.md#which-pages): only pages the
 * applied dump level leaves out by their struct page (free first, then
 * user, then cache), never zero-only pages, never the crash kernel's own
 * RAM, never a page of the filter's self-check set, never one the dump
 * keeps. The plan is fixed-size and given by the caller; the scratch
 * bitmap is the capture's own (c->keep). */
#ifndef SALVAGE_DUMP_LEND_H
#define SALVAGE_DUMP_LEND_H
#include <stdint.h>
#include "capture.h"

#define DUMP_LEND_RUNS_MAX 4096

/* pfns [pfn, pfn + count), lent as class cls (an enum dump_class) */
struct dump_lend_run {
	uint64_t pfn, count;
	int cls;
};

struct dump_lend_plan {
	struct dump_lend_run run[DUMP_LEND_RUNS_MAX]; /* sorted by pfn, disjoint */
	unsigned nrun;
	uint64_t pages;
	uint64_t by_class[DUMP_CLASS_COUNT];
	char why[160]; /* one line when fewer pages than asked (always when none) */
};

/* The crash kernel's own RAM from the text of its /proc/iomem: every
 * "System RAM" line, at the top level or nested, as pfn ranges covering
 * each byte (a page partly in a range counts), sorted and merged, at most
 * max (*n of them). -E2BIG for more than max such lines, -EACCES if the addresses are hidden
 * (read without CAP_SYS_ADMIN), -EINVAL for a line that does not parse. */
int dump_lend_own_ram(const char *iomem_text, struct dump_range *own, unsigned max, unsigned *n);

/* After dump_capture_open: plans up to want pages that c->level (the level
 * applied after the self-check) leaves out, by class: FREE over all
 * cycles first, then USER, then CACHE, then CACHE_PRIVATE, each only if
 * its bit is in c->level. A page is lent as class X only if a scan at X's
 * bit alone and a scan at c->level both leave it out (a run holding a
 * page the second keeps is dropped whole); never a pfn outside
 * c->ram, in own[] (nown ranges, any order), or in the self-check's set.
 * Scans cycle by cycle as dump_capture_run does and stops once want pages
 * are planned. If a cycle's bitmap fails the self-check's second half,
 * nothing is lent. The filter is left as dump_capture_run expects it
 * (counts, carry, level), so the run writes the same bytes; c->keep is
 * overwritten. plan->pages 0 with plan->why one line when nothing can be
 * lent. Returns 0 or -errno-style. */
int dump_lend_plan(struct dump_capture *c, const struct dump_range *own, unsigned nown,
                   uint64_t want, struct dump_lend_plan *plan);

/* Logs one line: what is lent, by class, with plan->why if fewer pages
 * than asked were found; or plan->why alone when nothing is lent. */
void dump_lend_report(const struct dump_lend_plan *p);

/* The run of p holding pfn, or NULL (binary search). */
const struct dump_lend_run *dump_lend_find(const struct dump_lend_plan *p, uint64_t pfn);

/* 1 if pfn is lent, 0 if not. */
int dump_lend_has(const struct dump_lend_plan *p, uint64_t pfn);

#endif
