/* Workers for the capture (salvage dump -j N; PID 1 with crash-cpus N):
 * N threads decide each cycle's pages (the filter, in parts of 1 GiB of
 * pfns) and read and compress the kept ones, while the capture's own
 * thread hands out the work and writes the results strictly in order.
 * The unit of work is one PAGES record: DUMP_STREAM_BATCH kept pages in
 * a row, whose bytes depend on those pages alone (dump/stream.h); a part
 * is decided as the one scan decides it (dump/filter.h). So the stream
 * is the same, byte for byte, whatever N is, and the same as without
 * workers.
 *
 * Memory, all of it the caller's, fixed when the jobs are set up:
 * dump_jobs_size(n) = sizeof(struct dump_jobs) (about 150 KiB: each
 * worker's copy of the vmcore's headers and its page buffer, the slots'
 * pfn lists) + n x (DUMP_STREAM_LZ_SIZE + DUMP_JOBS_STACK +
 * DUMP_JOBS_FILTER_SIZE) (84 + 64 + 64 KiB: the filter's copy is its
 * batch of struct pages, the self-check's set staying the capture's)
 * + 2n x DUMP_STREAM_BATCH_SIZE (a record of 1 MiB + 4 KiB per slot, two
 * slots per worker, so a worker never waits for the writer while the
 * one before it is still going out): about 150 KiB + 2.2 MiB per worker.
 * No heap: thread stacks come from the same block. */
#ifndef SALVAGE_DUMP_JOBS_H
#define SALVAGE_DUMP_JOBS_H
#include <stddef.h>
#include <stdint.h>
#include "elf.h"
#include "filter.h"
#include "stream.h"

#define DUMP_JOBS_MAX 8
#define DUMP_JOBS_STACK (64u << 10)
/* each worker's copy of the filter (dump/filter.h), 64-byte aligned */
#define DUMP_JOBS_FILTER_SIZE ((sizeof(struct dump_filter) + 63) & ~(size_t)63)

struct dump_jobs;

/* Bytes dump_jobs_init needs for n workers (1 to DUMP_JOBS_MAX), 0 for
 * another n. */
size_t dump_jobs_size(unsigned n);

/* Lays n workers out in mem (len >= dump_jobs_size(n)); NULL if it does
 * not fit or n is out of range. Nothing runs yet. */
struct dump_jobs *dump_jobs_init(void *mem, size_t len, unsigned n);

/* dump_jobs_init in a private anonymous mapping of dump_jobs_size(n),
 * made once at start and never given back; NULL (errno set) if memory is
 * short. */
struct dump_jobs *dump_jobs_map(unsigned n);

unsigned dump_jobs_count(const struct dump_jobs *j);

/* Starts the workers, each reading pages through its own copy of e,
 * their records going to w (begun, with no page yet). 0 or -errno (no
 * thread left running). */
int dump_jobs_start(struct dump_jobs *j, const struct dump_elf *e, struct dump_stream_writer *w);

/* The pfn list (DUMP_STREAM_BATCH entries) of the next unit to fill.
 * When every slot is taken, waits for the oldest unit and writes it
 * first (errors: w->err, sticky). */
uint64_t *dump_jobs_unit(struct dump_jobs *j);

/* Hands the unit filled with npages (1 to DUMP_STREAM_BATCH) increasing
 * pfns to the workers. */
void dump_jobs_submit(struct dump_jobs *j, unsigned npages);

/* dump_filter_cycle(f, start, end, keep), decided on the started
 * workers part by part (dump_filter_part, parts of
 * 2^DUMP_FILTER_PART_SHIFT pfns), each worker with its own copy of f
 * reading through its own copy of the vmcore's headers (f must read the
 * vmcore dump_jobs_start was given); returns once every part is
 * decided, with f's counts and carry and the result the one scan gives,
 * and the same bitmap. Workers take parts before units: units handed
 * out already wait for the cycle. */
int dump_jobs_filter(struct dump_jobs *j, struct dump_filter *f, uint64_t start, uint64_t end,
                     unsigned char *keep);

/* Parts of 2^shift pfns instead, for the tests, whose vmcores are far
 * smaller than one part: 3 or more (a part owns whole bytes of the
 * bitmap); below 9 only where every batch of struct pages can be read
 * (dump/filter.h). */
void dump_jobs_part_shift(struct dump_jobs *j, unsigned shift);

/* Writes every unit still out, in order (none once w->err is set), stops
 * and joins the workers. Returns w->err. A worker's read error becomes
 * w->err when its unit's turn comes, the units before it written: what a
 * run without workers would have written. */
int dump_jobs_finish(struct dump_jobs *j);

#endif
