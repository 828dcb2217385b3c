/* The capture's workers (dump/jobs.h). Unit u goes to slot u % nslots;
 * the writer frees a slot only by writing its unit, so units go out in
 * the order they were handed out, whichever worker finished first. One
 * lock guards the counters and the slots' done flags. */
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include "../lib/crc32c.h"
#include "filter.h"
#include "jobs.h"
#include "mem.h"

struct slot {
	uint64_t pfn[DUMP_STREAM_BATCH];
	unsigned npages;
	int done;                  /* under the lock */
	int err;                   /* a read error: the unit is not written */
	unsigned char *rec;        /* DUMP_STREAM_BATCH_SIZE */
	struct dump_stream_batch b;
};

struct worker {
	pthread_t thread;
	int running;
	struct dump_jobs *j;
	struct dump_elf elf;       /* its own mmap window over the vmcore */
	unsigned char *lz;         /* DUMP_STREAM_LZ_SIZE */
	unsigned char *stack;      /* DUMP_JOBS_STACK */
	unsigned char page[DUMP_STREAM_PAGE_SIZE];
	struct dump_mem mem;       /* the filter's reads, through elf */
	struct dump_filter *filt;  /* its copy of the capture's filter */
};

/* The cycle whose parts the workers decide (dump_jobs_filter). */
struct parts {
	unsigned char *keep;
	uint64_t start, end, carry_end;
	int carry_class;
	unsigned shift;
	uint64_t next, count, done;  /* parts; under the lock */
	uint64_t last_carry_end;     /* the last part's carry, and its class */
	int last_carry_class;
};

struct dump_jobs {
	unsigned n, nslots;
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	uint64_t submitted, taken, written; /* units */
	int stop;
	struct dump_stream_writer *w;
	struct parts parts;
	struct worker worker[DUMP_JOBS_MAX];
	struct slot slot[2 * DUMP_JOBS_MAX];
};

#define ALIGN 64u

size_t dump_jobs_size(unsigned n)
{
	if (n < 1 || n > DUMP_JOBS_MAX)
		return 0;
	return sizeof(struct dump_jobs) + 2 * ALIGN +
	       n * ((size_t)DUMP_STREAM_LZ_SIZE + DUMP_JOBS_STACK + DUMP_JOBS_FILTER_SIZE) +
	       2 * n * (size_t)DUMP_STREAM_BATCH_SIZE;
}

struct dump_jobs *dump_jobs_init(void *mem, size_t len, unsigned n)
{
	uintptr_t a = ((uintptr_t)mem + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
	struct dump_jobs *j = (struct dump_jobs *)a;
	unsigned char *p = (unsigned char *)j + ((sizeof *j + ALIGN - 1) & ~(size_t)(ALIGN - 1));

	if (!mem || !dump_jobs_size(n) || len < dump_jobs_size(n))
		return NULL;
	memset(j, 0, sizeof *j);
	j->n = n;
	j->nslots = 2 * n;
	j->parts.shift = DUMP_FILTER_PART_SHIFT;
	/* stacks first: p is still aligned for them */
	for (unsigned i = 0; i < n; i++, p += DUMP_JOBS_STACK)
		j->worker[i].stack = p;
	for (unsigned i = 0; i < n; i++, p += DUMP_STREAM_LZ_SIZE)
		j->worker[i].lz = p;
	for (unsigned i = 0; i < n; i++, p += DUMP_JOBS_FILTER_SIZE)
		j->worker[i].filt = (struct dump_filter *)p;
	for (unsigned i = 0; i < j->nslots; i++, p += DUMP_STREAM_BATCH_SIZE)
		j->slot[i].rec = p;
	return j;
}

struct dump_jobs *dump_jobs_map(unsigned n)
{
	size_t len = dump_jobs_size(n);
	void *m;

	if (!len) {
		errno = EINVAL;
		return NULL;
	}
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return m == MAP_FAILED ? NULL : dump_jobs_init(m, len, n);
}

unsigned dump_jobs_count(const struct dump_jobs *j)
{
	return j->n;
}

/* One unit: its pages read through the worker's window, into a record. */
static void build(struct worker *k, struct slot *s)
{
	s->err = dump_stream_batch_init(&s->b, k->lz, s->rec);
	for (unsigned i = 0; i < s->npages && !s->err; i++) {
		uint64_t pfn = s->pfn[i];
		const void *page = dump_elf_page(&k->elf, pfn);

		if (!page && !(s->err = dump_elf_read_phys(&k->elf, pfn << DUMP_PAGE_SHIFT, k->page, sizeof k->page)))
			page = k->page;
		if (page)
			dump_stream_batch_page(&s->b, pfn, page);
	}
	if (!s->err)
		dump_stream_batch_seal(&s->b);
}

/* One part of the cycle, on the worker's copy of the filter; its
 * counts stay there until the cycle is done. */
static void decide(struct worker *k, struct parts *ps, uint64_t i)
{
	uint64_t from = ps->start + (i << ps->shift), to = from + (1ull << ps->shift);

	if (to > ps->end)
		to = ps->end;
	dump_filter_part(k->filt, ps->carry_end, ps->carry_class, ps->start, ps->end,
	                 from, to, ps->shift, ps->keep);
	if (to == ps->end) {
		ps->last_carry_end = k->filt->carry_end;
		ps->last_carry_class = k->filt->carry_class;
	}
}

static void *work(void *arg)
{
	struct worker *k = arg;
	struct dump_jobs *j = k->j;
	struct parts *ps = &j->parts;

	pthread_mutex_lock(&j->lock);
	for (;;) {
		while (!j->stop && j->taken == j->submitted && ps->next == ps->count)
			pthread_cond_wait(&j->work, &j->lock);
		if (j->stop)
			break;
		if (ps->next < ps->count) { /* a cycle's decisions come first: the writer waits for them */
			uint64_t i = ps->next++;
			pthread_mutex_unlock(&j->lock);
			decide(k, ps, i);
			pthread_mutex_lock(&j->lock);
			if (++ps->done == ps->count)
				pthread_cond_broadcast(&j->done);
			continue;
		}
		struct slot *s = &j->slot[j->taken++ % j->nslots];
		pthread_mutex_unlock(&j->lock);
		build(k, s);
		pthread_mutex_lock(&j->lock);
		s->done = 1;
		pthread_cond_broadcast(&j->done);
	}
	pthread_mutex_unlock(&j->lock);
	dump_elf_close(&k->elf);
	return NULL;
}

static void stop(struct dump_jobs *j)
{
	pthread_mutex_lock(&j->lock);
	j->stop = 1;
	pthread_cond_broadcast(&j->work);
	pthread_mutex_unlock(&j->lock);
	for (unsigned i = 0; i < j->n; i++)
		if (j->worker[i].running) {
			pthread_join(j->worker[i].thread, NULL);
			j->worker[i].running = 0;
		}
	pthread_cond_destroy(&j->work);
	pthread_cond_destroy(&j->done);
	pthread_mutex_destroy(&j->lock);
}

int dump_jobs_start(struct dump_jobs *j, const struct dump_elf *e, struct dump_stream_writer *w)
{
	pthread_attr_t a;
	int r = 0;

	j->w = w;
	j->submitted = j->taken = j->written = 0;
	j->stop = 0;
	j->parts.next = j->parts.count = j->parts.done = 0;
	for (unsigned i = 0; i < j->nslots; i++)
		j->slot[i].done = 0;
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->work, NULL);
	pthread_cond_init(&j->done, NULL);
	/* crc32c builds its table (no SSE4.2) on first use: here, before
	 * any thread can race on it */
	(void)crc32c(0, j, 8);
	for (unsigned i = 0; i < j->n && !r; i++) {
		struct worker *k = &j->worker[i];

		k->j = j;
		k->elf = *e;
		k->elf.win = NULL;
		k->elf.win_len = k->elf.win_off = 0;
		k->elf.hint = 0;
		if ((r = -pthread_attr_init(&a)))
			break;
		if (!(r = -pthread_attr_setstack(&a, k->stack, DUMP_JOBS_STACK)) &&
		    !(r = -pthread_create(&k->thread, &a, work, k)))
			k->running = 1;
		pthread_attr_destroy(&a);
	}
	if (r)
		stop(j);
	return r;
}

/* Waits for the oldest unit out and writes it (or its error). */
static void write_oldest(struct dump_jobs *j)
{
	struct slot *s = &j->slot[j->written % j->nslots];

	pthread_mutex_lock(&j->lock);
	while (!s->done)
		pthread_cond_wait(&j->done, &j->lock);
	s->done = 0;
	pthread_mutex_unlock(&j->lock);
	if (s->err && !j->w->err)
		j->w->err = s->err;
	dump_stream_put_batch(j->w, &s->b);
	j->written++;
}

uint64_t *dump_jobs_unit(struct dump_jobs *j)
{
	while (j->written + j->nslots <= j->submitted)
		write_oldest(j);
	return j->slot[j->submitted % j->nslots].pfn;
}

void dump_jobs_submit(struct dump_jobs *j, unsigned npages)
{
	j->slot[j->submitted % j->nslots].npages = npages;
	pthread_mutex_lock(&j->lock);
	j->submitted++;
	pthread_cond_signal(&j->work);
	pthread_mutex_unlock(&j->lock);
}

int dump_jobs_finish(struct dump_jobs *j)
{
	while (!j->w->err && j->written < j->submitted)
		write_oldest(j);
	stop(j);
	return j->w->err;
}

/* Each worker's copy of f, reading through its own view of the vmcore. */
static void copy_filter(struct dump_jobs *j, const struct dump_filter *f)
{
	for (unsigned i = 0; i < j->n; i++) {
		struct worker *k = &j->worker[i];

		memcpy(k->filt, f, offsetof(struct dump_filter, batch));
		k->mem = *f->mem;
		k->mem.read_phys = dump_elf_read_phys;
		k->mem.ctx = &k->elf;
		k->mem.tlb_size = 0;
		k->filt->mem = &k->mem;
		k->filt->must = NULL; /* the self-check's set: the capture's alone */
		k->filt->nmust = 0;
		k->filt->sec_nr = ~0ull;
		memset(k->filt->count, 0, sizeof k->filt->count);
	}
}

int dump_jobs_filter(struct dump_jobs *j, struct dump_filter *f, uint64_t start, uint64_t end,
                     unsigned char *keep)
{
	struct parts *ps = &j->parts;

	if (!(f->level & 30))
		return 0;
	dump_filter_cycle_begin(f, start, end, keep);
	copy_filter(j, f);
	pthread_mutex_lock(&j->lock);
	ps->keep = keep;
	ps->last_carry_end = 0;
	ps->start = start;
	ps->end = end;
	ps->carry_end = f->carry_end;
	ps->carry_class = f->carry_class;
	ps->next = ps->done = 0;
	ps->count = ((end - start) + (1ull << ps->shift) - 1) >> ps->shift;
	pthread_cond_broadcast(&j->work);
	while (ps->done < ps->count)
		pthread_cond_wait(&j->done, &j->lock);
	ps->next = ps->count = ps->done = 0;
	pthread_mutex_unlock(&j->lock);
	for (unsigned i = 0; i < j->n; i++)
		for (int c = 0; c < DUMP_CLASS_COUNT; c++)
			f->count[c] += j->worker[i].filt->count[c];
	if (ps->last_carry_end > end) {
		f->carry_end = ps->last_carry_end;
		f->carry_class = ps->last_carry_class;
	}
	return dump_filter_cycle_end(f, start, end, keep);
}

void dump_jobs_part_shift(struct dump_jobs *j, unsigned shift)
{
	j->parts.shift = shift;
}
