#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "../lib/crc32c.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "store.h"

/* Pages of run r below limit. */
static uint64_t pages_of(const struct shim_run *r, uint64_t limit)
{
	uint64_t start = (r->off + SHIM_BLOCK - 1) & ~(uint64_t)(SHIM_BLOCK - 1);
	uint64_t end = (r->off + r->bytes) & ~(uint64_t)(SHIM_BLOCK - 1);

	if (r->off + r->bytes < r->off)
		return 0;
	end = end < (limit & ~(uint64_t)(SHIM_BLOCK - 1)) ? end : limit & ~(uint64_t)(SHIM_BLOCK - 1);
	return end > start ? (end - start) / SHIM_BLOCK : 0;
}

static uint64_t first_page_off(const struct shim_run *r)
{
	return (r->off + SHIM_BLOCK - 1) & ~(uint64_t)(SHIM_BLOCK - 1);
}

/* Offset of lendable page p (0 = the lowest): the last run starting at or
 * before it, by binary search. */
static uint64_t page_off(const struct shim_store *s, uint64_t p)
{
	unsigned lo = 0, hi = s->nrun;

	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;
		if (s->run_first[mid] <= p)
			lo = mid;
		else
			hi = mid;
	}
	return s->run_off[lo] + (p - s->run_first[lo]) * SHIM_BLOCK;
}

uint64_t shim_store_copy_a(const struct shim_store *s, uint64_t i)
{
	return page_off(s, i);
}

uint64_t shim_store_copy_b(const struct shim_store *s, uint64_t i)
{
	return page_off(s, s->half + i);
}

/* The smallest offset(B) - offset(A) over all blocks. Within a stretch
 * where neither copy crosses into another run the difference is constant,
 * so it is enough to look where either copy starts a run. */
static uint64_t min_distance(const struct shim_store *s)
{
	uint64_t best = UINT64_MAX;

	for (unsigned r = 0; r < s->nrun; r++) {
		uint64_t p = s->run_first[r], d;
		if (p < s->nblocks) {
			d = shim_store_copy_b(s, p) - shim_store_copy_a(s, p);
			best = d < best ? d : best;
		}
		if (p >= s->half && p - s->half < s->nblocks) {
			d = shim_store_copy_b(s, p - s->half) - shim_store_copy_a(s, p - s->half);
			best = d < best ? d : best;
		}
	}
	return best;
}

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static int check_runs(const struct shim_run *runs, unsigned nrun, uint64_t limit, uint64_t *pages)
{
	uint64_t end = 0, n = 0;

	for (unsigned i = 0; i < nrun; i++) {
		if (runs[i].off + runs[i].bytes < runs[i].off || runs[i].off < end)
			return -EINVAL;
		end = runs[i].off + runs[i].bytes;
		n += pages_of(&runs[i], limit);
	}
	*pages = n;
	return 0;
}

/* Offset of the lendable page p (0 = the lowest), from the runs alone. */
static uint64_t run_page_off(const struct shim_run *runs, unsigned nrun, uint64_t p)
{
	for (unsigned i = 0; i < nrun; i++) {
		uint64_t n = pages_of(&runs[i], UINT64_MAX);
		if (p < n)
			return first_page_off(&runs[i]) + p * SHIM_BLOCK;
		p -= n;
	}
	return UINT64_MAX;
}

static int reaches(int fd, uint64_t off, void *page)
{
	return io_preadall(fd, page, SHIM_BLOCK, (off_t)off) == SHIM_BLOCK;
}

uint64_t shim_store_reach(int fd, const struct shim_run *runs, unsigned nrun, void *page)
{
	uint64_t pages = 0, lo = 0, hi;

	if (check_runs(runs, nrun, UINT64_MAX, &pages) || !pages)
		return UINT64_MAX;
	if (reaches(fd, run_page_off(runs, nrun, pages - 1), page))
		return UINT64_MAX;
	if (!reaches(fd, run_page_off(runs, nrun, 0), page))
		return run_page_off(runs, nrun, 0);
	/* page lo reads, page hi does not */
	for (hi = pages - 1; hi - lo > 1;) {
		uint64_t mid = lo + (hi - lo) / 2;
		*(reaches(fd, run_page_off(runs, nrun, mid), page) ? &lo : &hi) = mid;
	}
	return run_page_off(runs, nrun, hi);
}

int shim_store_init(struct shim_store *s, int fd, const struct shim_run *runs,
                    unsigned nrun, uint64_t max_blocks, struct shim_counters *shared)
{
	return shim_store_init_below(s, fd, runs, nrun, max_blocks, shared, UINT64_MAX);
}

int shim_store_init_below(struct shim_store *s, int fd, const struct shim_run *runs, unsigned nrun,
                          uint64_t max_blocks, struct shim_counters *shared, uint64_t limit)
{
	uint64_t pages, words, p = 0;
	size_t len;
	unsigned char *a;
	unsigned n = 0;
	int r;

	memset(s, 0, sizeof *s);
	if ((r = check_runs(runs, nrun, limit, &pages)))
		return r;
	if (pages < 2)
		return -SALVAGE_E_SHIM_TOO_SMALL;
	s->fd = fd;
	s->half = pages / 2;
	s->nblocks = max_blocks && max_blocks < s->half ? max_blocks : s->half;
	words = (s->nblocks + 63) / 64;
	len = 2 * SHIM_BLOCK + align8(sizeof *s->c) + 2 * (size_t)nrun * 8
	      + align8((size_t)s->nblocks * 4) + 2 * (size_t)words * 8;
	a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (a == MAP_FAILED)
		return -ENOMEM;
	if (mlock(a, len)) {
		r = -errno;
		munmap(a, len);
		return r;
	}
	s->arena = a, s->arena_len = len;
	s->page = a, a += 2 * SHIM_BLOCK;
	s->c = shared ? shared : (struct shim_counters *)a;
	a += align8(sizeof *s->c);
	s->run_off = (uint64_t *)a, a += (size_t)nrun * 8;
	s->run_first = (uint64_t *)a, a += (size_t)nrun * 8;
	s->crc = (uint32_t *)a, a += align8((size_t)s->nblocks * 4);
	s->valid = (uint64_t *)a, a += (size_t)words * 8;
	s->touched = (uint64_t *)a;
	for (unsigned i = 0; i < nrun; i++) {
		if (!pages_of(&runs[i], limit))
			continue;
		s->run_off[n] = first_page_off(&runs[i]);
		s->run_first[n++] = p;
		p += pages_of(&runs[i], limit);
	}
	s->nrun = n;
	memset(s->c, 0, sizeof *s->c);
	s->c->pages_lent = 2 * s->nblocks;
	s->c->blocks = s->nblocks;
	s->c->min_distance = min_distance(s);
	return 0;
}

void shim_store_free(struct shim_store *s)
{
	if (s->arena)
		munmap(s->arena, s->arena_len);
	s->arena = NULL;
}

static int bit(const uint64_t *map, uint64_t i)
{
	return (int)(map[i / 64] >> (i % 64)) & 1;
}

static void set_bit(uint64_t *map, uint64_t i, int v)
{
	if (v)
		map[i / 64] |= (uint64_t)1 << (i % 64);
	else
		map[i / 64] &= ~((uint64_t)1 << (i % 64));
}

static int get_page(struct shim_store *s, uint64_t off, void *buf)
{
	long n = io_preadall(s->fd, buf, SHIM_BLOCK, (off_t)off);

	return n < 0 ? (int)n : n == SHIM_BLOCK ? 0 : -EIO;
}

static int put_page(struct shim_store *s, uint64_t off, const void *buf)
{
	return io_pwriteall(s->fd, buf, SHIM_BLOCK, (off_t)off);
}

/* Copy A was bad and good holds copy B: rewrite A and read it back. */
static void repair(struct shim_store *s, uint64_t i, const void *good)
{
	unsigned char *check = s->page + SHIM_BLOCK;
	uint64_t a = shim_store_copy_a(s, i);

	if (!put_page(s, a, good) && !get_page(s, a, check) && crc32c(0, check, SHIM_BLOCK) == s->crc[i])
		s->c->repairs++;
	else
		s->c->repair_failed++;
}

int shim_store_read(struct shim_store *s, uint64_t i, void *out)
{
	int r;

	if (i >= s->nblocks)
		return -ERANGE;
	s->c->reads++;
	if (!bit(s->valid, i)) {
		memset(out, 0, SHIM_BLOCK);
		return 0;
	}
	if (!(r = get_page(s, shim_store_copy_a(s, i), out)) && crc32c(0, out, SHIM_BLOCK) == s->crc[i])
		return 0;
	if (!(r = get_page(s, shim_store_copy_b(s, i), s->page)) && crc32c(0, s->page, SHIM_BLOCK) == s->crc[i]) {
		memcpy(out, s->page, SHIM_BLOCK);
		repair(s, i, s->page);
		return 0;
	}
	s->c->errors++;
	return r ? r : -EIO;
}

/* A deterministic choice of blocks for fault injection: a multiplicative
 * hash of the block number, in [0, 1000). */
static unsigned permille(uint64_t i)
{
	return (unsigned)(((i * 0x9e3779b97f4a7c15ull) >> 32) % 1000);
}

static void garble(struct shim_store *s, uint64_t off)
{
	unsigned char *p = s->page;

	if (get_page(s, off, p))
		return;
	for (unsigned k = 0; k < SHIM_BLOCK; k += 512)
		p[k] ^= 0x5a;
	if (!put_page(s, off, p))
		s->c->injected++;
}

static void inject(struct shim_store *s, uint64_t i)
{
	unsigned h = permille(i);

	if (!i)
		return;
	if (h < s->inject.both_permille) {
		garble(s, shim_store_copy_a(s, i));
		garble(s, shim_store_copy_b(s, i));
	} else if (h < s->inject.both_permille + s->inject.one_permille) {
		garble(s, shim_store_copy_a(s, i));
	}
}

int shim_store_write(struct shim_store *s, uint64_t i, const void *in)
{
	int ra, rb;

	if (i >= s->nblocks)
		return -ERANGE;
	/* touched first: a writer killed between the copies leaves them to
	 * the scrub of whoever shares the arena */
	set_bit(s->touched, i, 1);
	ra = put_page(s, shim_store_copy_a(s, i), in);
	rb = put_page(s, shim_store_copy_b(s, i), in);
	s->crc[i] = crc32c(0, in, SHIM_BLOCK);
	set_bit(s->valid, i, 1);
	s->c->writes++;
	if (ra || rb) {
		s->c->errors++;
		return ra ? ra : rb;
	}
	if (s->inject.one_permille || s->inject.both_permille)
		inject(s, i);
	return 0;
}

void shim_store_trim(struct shim_store *s, uint64_t i)
{
	if (i >= s->nblocks)
		return;
	set_bit(s->valid, i, 0);
	s->c->trims++;
}

long shim_store_scrub(struct shim_store *s)
{
	long pages = 0;
	int first = 0;

	memset(s->page, 0, SHIM_BLOCK);
	for (uint64_t i = 0; i < s->nblocks; i++) {
		int ra, rb;
		if (!bit(s->touched, i))
			continue;
		ra = put_page(s, shim_store_copy_a(s, i), s->page);
		rb = put_page(s, shim_store_copy_b(s, i), s->page);
		pages += !ra + !rb;
		if (!first)
			first = ra ? ra : rb;
		set_bit(s->valid, i, 0);
		set_bit(s->touched, i, 0);
	}
	s->c->scrubbed += (uint64_t)pages;
	return first ? first : pages;
}

void shim_store_set_inject(struct shim_store *s, const struct shim_inject *inj)
{
	s->inject = *inj;
}

static int parse_upto(const char *v, size_t n, unsigned max, unsigned *out)
{
	unsigned x = 0;

	if (!n || n > 9)
		return -SALVAGE_E_CONF_BAD_VALUE;
	for (size_t k = 0; k < n; k++) {
		if (v[k] < '0' || v[k] > '9')
			return -SALVAGE_E_CONF_BAD_VALUE;
		x = x * 10 + (unsigned)(v[k] - '0');
	}
	if (x > max)
		return -SALVAGE_E_CONF_BAD_VALUE;
	*out = x;
	return 0;
}

int shim_inject_parse(struct shim_inject *inj, const char *spec)
{
	struct shim_inject n = { 0, 0, 0 };

	if (!strcmp(spec, "off")) {
		*inj = n;
		return 0;
	}
	while (*spec) {
		size_t len = strcspn(spec, ",");
		int r;
		if (!strncmp(spec, "one=", 4))
			r = parse_upto(spec + 4, len - 4, 1000, &n.one_permille);
		else if (!strncmp(spec, "both=", 5))
			r = parse_upto(spec + 5, len - 5, 1000, &n.both_permille);
		else if (!strncmp(spec, "stall=", 6))
			r = parse_upto(spec + 6, len - 6, 999999999, &n.stall_after);
		else
			r = -SALVAGE_E_CONF_BAD_VALUE;
		if (r)
			return r;
		spec += len + (spec[len] == ',');
	}
	if (n.one_permille + n.both_permille > 1000)
		return -SALVAGE_E_CONF_BAD_VALUE;
	*inj = n;
	return 0;
}
