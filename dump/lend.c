#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../lib/log.h"
#include "lend.h"

/* The classes lent, in the order they are lent (docs/shim.md#which-pages):
 * free pages hold nothing; user and cache pages hold data the dump leaves
 * out anyway. Zero pages (bit 1) are never lent: the stream writer decides
 * them from their bytes, and a page written by the shim is no longer zero. */
static const struct { int bit, cls; } passes[] = {
	{ 16, DUMP_CLASS_FREE }, { 8, DUMP_CLASS_USER },
	{ 2, DUMP_CLASS_CACHE }, { 4, DUMP_CLASS_CACHE_PRIVATE },
};

/* ---- the crash kernel's own RAM ---- */

static int by_start(const void *a, const void *b)
{
	uint64_t x = ((const struct dump_range *)a)->start_pfn;
	uint64_t y = ((const struct dump_range *)b)->start_pfn;

	return (x > y) - (x < y);
}

/* "START-END : NAME" after any indentation: 1 if NAME begins with
 * "System RAM", 0 if not, -EINVAL if the line does not parse. */
static int iomem_line(const char *p, const char *eol, uint64_t *start, uint64_t *end)
{
	char *q;

	while (p < eol && *p == ' ')
		p++;
	if (p == eol)
		return 0;
	*start = strtoull(p, &q, 16);
	if (q == p || *q != '-')
		return -EINVAL;
	p = q + 1;
	*end = strtoull(p, &q, 16);
	if (q == p || q + 3 > eol || memcmp(q, " : ", 3) || *end < *start)
		return -EINVAL;
	q += 3;
	return eol - q >= 10 && !memcmp(q, "System RAM", 10);
}

int dump_lend_own_ram(const char *text, struct dump_range *own, unsigned max, unsigned *n)
{
	unsigned k = 0, m = 0;
	int hidden = 1, any = 0;

	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		uint64_t s, e;
		int r;

		if (!eol)
			eol = p + strlen(p);
		if ((r = iomem_line(p, eol, &s, &e)) < 0)
			return r;
		p = *eol ? eol + 1 : eol;
		if (!r)
			continue;
		any = 1;
		hidden &= !s && !e;
		if (k == max)
			return -E2BIG;
		/* every page holding a byte of the range */
		own[k++] = (struct dump_range){ s >> 12, (e >> 12) + 1 };
	}
	if (any && hidden)
		return -EACCES; /* /proc/iomem shows zeros to readers without CAP_SYS_ADMIN */
	qsort(own, k, sizeof own[0], by_start);
	for (unsigned i = 0; i < k; i++)
		if (m && own[i].start_pfn <= own[m - 1].end_pfn) {
			if (own[i].end_pfn > own[m - 1].end_pfn)
				own[m - 1].end_pfn = own[i].end_pfn;
		} else {
			own[m++] = own[i];
		}
	*n = m;
	return 0;
}

/* ---- lookups ---- */

/* The first of runs[0, n) that ends after pfn (n if none). */
static unsigned run_from(const struct dump_lend_run *run, unsigned n, uint64_t pfn)
{
	unsigned lo = 0, hi = n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (run[mid].pfn + run[mid].count <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct dump_lend_run *dump_lend_find(const struct dump_lend_plan *p, uint64_t pfn)
{
	unsigned i = run_from(p->run, p->nrun, pfn);

	return i < p->nrun && p->run[i].pfn <= pfn ? &p->run[i] : NULL;
}

int dump_lend_has(const struct dump_lend_plan *p, uint64_t pfn)
{
	return dump_lend_find(p, pfn) != NULL;
}

static int in_ranges(const struct dump_range *r, unsigned n, uint64_t pfn)
{
	for (unsigned i = 0; i < n; i++)
		if (pfn >= r[i].start_pfn && pfn < r[i].end_pfn)
			return 1;
	return 0;
}

/* ---- planning ---- */

/* What a scan changes in the filter, saved around planning; and one
 * chain of cycles' carry (a block running past a cycle's end). */
struct saved {
	uint64_t count[DUMP_CLASS_COUNT], carry_end;
	int carry_class, level;
	unsigned lost;
};

struct chain {
	uint64_t carry_end;
	int carry_class, level;
};

/* One planning pass's state. */
struct pass {
	struct dump_capture *c;
	const struct dump_range *own;
	unsigned nown, sorted;  /* plan->run[0, sorted) is sorted: earlier passes */
	uint64_t want;
	int cls;
	struct dump_lend_plan *plan;
	uint64_t other;         /* pages of other classes the last scan left out */
};

/* dump_filter_cycle over [start, end) in chain ch, keep freshly marked:
 * 1 if the self-check's second half failed, 0, or -error. */
static int scan(struct dump_capture *c, struct chain *ch, uint64_t start, uint64_t end)
{
	struct dump_filter *f = &c->filter;
	int r;

	dump_capture_mark_ram(c, start, end);
	f->level = ch->level;
	f->carry_end = ch->carry_end;
	f->carry_class = ch->carry_class;
	r = dump_filter_cycle(f, start, end, c->keep);
	ch->carry_end = f->carry_end;
	ch->carry_class = f->carry_class;
	return r;
}

static int kept(const unsigned char *keep, uint64_t i)
{
	return keep[i >> 3] >> (i & 7) & 1;
}

/* Adds pfn to the plan: extends the last run if it ends there (and was
 * added by this cycle, first on). 0, or -1 when the plan is full. */
static int add(struct dump_lend_plan *plan, unsigned first, uint64_t pfn, int cls)
{
	struct dump_lend_run *last = plan->nrun > first ? &plan->run[plan->nrun - 1] : NULL;

	if (last && last->pfn + last->count == pfn && last->cls == cls)
		last->count++;
	else if (plan->nrun == DUMP_LEND_RUNS_MAX)
		return -1;
	else
		plan->run[plan->nrun++] = (struct dump_lend_run){ pfn, 1, cls };
	plan->pages++;
	plan->by_class[cls]++;
	return 0;
}

/* Lent by an earlier pass? */
static int lent_before(const struct pass *ps, uint64_t pfn)
{
	unsigned i = run_from(ps->plan->run, ps->sorted, pfn);

	return i < ps->sorted && ps->plan->run[i].pfn <= pfn;
}

/* The candidates of cycle [start, end) after a scan at the pass's bit
 * alone: RAM pages it left out, in neither own[] nor an earlier pass's
 * runs, up to want. (A page of the self-check's set never gets through
 * confirm: the scan at the full level either keeps it or fails.) */
static void collect(struct pass *ps, uint64_t start, uint64_t end)
{
	struct dump_capture *c = ps->c;
	unsigned first = ps->plan->nrun;

	for (unsigned k = 0; k < c->nram; k++) {
		uint64_t s = c->ram[k].start_pfn > start ? c->ram[k].start_pfn : start;
		uint64_t e = c->ram[k].end_pfn < end ? c->ram[k].end_pfn : end;

		for (uint64_t pfn = s; pfn < e; pfn++) {
			if (ps->plan->pages >= ps->want)
				return;
			if (kept(c->keep, pfn - start) || in_ranges(ps->own, ps->nown, pfn))
				continue;
			if (lent_before(ps, pfn))
				continue;
			/* the scan also left out hwpoison or offline pages:
			 * this one must be of the pass's class */
			if (ps->other && dump_filter_fate(&c->filter, pfn) != ps->cls)
				continue;
			if (add(ps->plan, first, pfn, ps->cls))
				return;
		}
	}
}

/* Drops each of the candidates plan->run[first, nrun) that holds a page
 * the scan at the full level (c->keep, cycle from start) keeps: the two
 * scans differ only where a struct page reads as two classes at once,
 * and there lending less is right. */
static void confirm(struct dump_capture *c, struct dump_lend_plan *plan, unsigned first,
                    uint64_t start)
{
	unsigned out = first;

	for (unsigned i = first; i < plan->nrun; i++) {
		struct dump_lend_run r = plan->run[i];
		uint64_t pfn = r.pfn;

		while (pfn < r.pfn + r.count && !kept(c->keep, pfn - start))
			pfn++;
		if (pfn == r.pfn + r.count) {
			plan->run[out++] = r;
		} else {
			plan->pages -= r.count;
			plan->by_class[r.cls] -= r.count;
		}
	}
	plan->nrun = out;
}

static int by_pfn(const void *a, const void *b)
{
	uint64_t x = ((const struct dump_lend_run *)a)->pfn;
	uint64_t y = ((const struct dump_lend_run *)b)->pfn;

	return (x > y) - (x < y);
}

/* Sorts the runs and merges neighbours of one class. */
static void tidy(struct dump_lend_plan *plan)
{
	unsigned n = 0;

	qsort(plan->run, plan->nrun, sizeof plan->run[0], by_pfn);
	for (unsigned i = 0; i < plan->nrun; i++) {
		struct dump_lend_run *last = n ? &plan->run[n - 1] : NULL;
		if (last && last->pfn + last->count == plan->run[i].pfn && last->cls == plan->run[i].cls)
			last->count += plan->run[i].count;
		else
			plan->run[n++] = plan->run[i];
	}
	plan->nrun = n;
}

/* One class over all cycles until want: 1 if a cycle's bitmap at the
 * full level failed the self-check, 0, or -error. */
static int lend_pass(struct pass *ps, int bit)
{
	struct dump_capture *c = ps->c;
	struct chain one = { 0, 0, bit }, all = { 0, 0, c->level };
	uint64_t start, end;
	int r;

	for (uint64_t from = 0; dump_capture_cycle(c, from, &start, &end); from = end) {
		unsigned first = ps->plan->nrun;
		uint64_t *n = c->filter.count, before = n[DUMP_CLASS_HWPOISON] + n[DUMP_CLASS_OFFLINE];

		/* a page of the self-check's set this scan leaves out is
		 * dropped by confirm */
		if ((r = scan(c, &one, start, end)) < 0)
			return r;
		ps->other = n[DUMP_CLASS_HWPOISON] + n[DUMP_CLASS_OFFLINE] - before;
		collect(ps, start, end);
		if ((r = scan(c, &all, start, end)))
			return r;
		confirm(c, ps->plan, first, start);
		if (ps->plan->pages >= ps->want || ps->plan->nrun == DUMP_LEND_RUNS_MAX)
			break;
	}
	return 0;
}

/* plan->why when nothing can be lent at c->level. */
static int nothing_to_lend(const struct dump_capture *c, struct dump_lend_plan *plan)
{
	if (c->level & 30)
		return 0;
	if (c->why[0])
		snprintf(plan->why, sizeof plan->why, "the filter fell back to level %d: nothing to lend",
		         c->level);
	else if (c->level)
		snprintf(plan->why, sizeof plan->why, "dump level 1 leaves out only zero pages, "
		         "decided from their bytes: nothing to lend");
	else
		snprintf(plan->why, sizeof plan->why, "dump level 0 leaves nothing out: nothing to lend");
	return 1;
}

int dump_lend_plan(struct dump_capture *c, const struct dump_range *own, unsigned nown,
                   uint64_t want, struct dump_lend_plan *plan)
{
	struct dump_filter *f = &c->filter;
	struct pass ps = { c, own, nown, 0, want, 0, plan, 0 };
	struct saved sv;
	int r = 0;

	plan->nrun = 0;
	plan->pages = 0;
	memset(plan->by_class, 0, sizeof plan->by_class);
	plan->why[0] = 0;
	if (nothing_to_lend(c, plan))
		return 0;
	memcpy(sv.count, f->count, sizeof sv.count);
	sv.carry_end = f->carry_end;
	sv.carry_class = f->carry_class;
	sv.level = f->level;
	sv.lost = f->lost;
	for (unsigned i = 0; i < sizeof passes / sizeof passes[0] && !r; i++) {
		if (!(c->level & passes[i].bit) || plan->pages >= want || plan->nrun == DUMP_LEND_RUNS_MAX)
			continue;
		ps.cls = passes[i].cls;
		r = lend_pass(&ps, passes[i].bit);
		tidy(plan);
		ps.sorted = plan->nrun;
	}
	if (r == 1) {
		char why[256] = "";
		dump_filter_say_lost(f, f->lost, -1, why, sizeof why);
		snprintf(plan->why, sizeof plan->why, "nothing lent: %.*s", (int)sizeof plan->why - 15, why);
		plan->nrun = 0;
		plan->pages = 0;
		memset(plan->by_class, 0, sizeof plan->by_class);
		r = 0;
	}
	memcpy(f->count, sv.count, sizeof f->count);
	f->carry_end = sv.carry_end;
	f->carry_class = sv.carry_class;
	f->level = sv.level;
	f->lost = sv.lost;
	if (r < 0)
		return r;
	if (!plan->why[0] && plan->pages < want)
		snprintf(plan->why, sizeof plan->why, "level %d leaves out %llu pages to lend%s, "
		         "fewer than the %llu asked", c->level, (unsigned long long)plan->pages,
		         plan->nrun == DUMP_LEND_RUNS_MAX ? " in the plan's runs" : "",
		         (unsigned long long)want);
	return 0;
}

void dump_lend_report(const struct dump_lend_plan *p)
{
	const uint64_t *n = p->by_class;

	if (!p->pages) {
		log_info("lend: ", p->why);
		return;
	}
	log_info("lend: ", U64(p->pages), " pages (", U64(p->pages >> 8), " MiB) in ", U64(p->nrun),
	         " runs: free ", U64(n[DUMP_CLASS_FREE]), ", user ", U64(n[DUMP_CLASS_USER]),
	         ", cache ", U64(n[DUMP_CLASS_CACHE]), ", cache_private ",
	         U64(n[DUMP_CLASS_CACHE_PRIVATE]), p->why[0] ? "; " : "", p->why);
}
