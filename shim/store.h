/* The shim's block store: 4 KiB blocks kept in lent pages reached through
 * a file descriptor with pread/pwrite at byte offsets (in the crash kernel
 * /dev/mem and physical addresses, offline any file). Every block is kept
 * twice, copy A in the first half of the lent pages (in physical order) and
 * copy B in the second half, and its CRC-32C and state live in the store's
 * own locked memory, never in lent pages. docs/shim.md#the-block-device.
 *
 * All I/O to the fd is one page at a time, at page-aligned offsets (/dev/mem
 * maps one page per access). No heap: shim_store_init maps one arena sized
 * from the number of blocks, MAP_SHARED so that the process that started a
 * server can still scrub after the server is gone. */
#ifndef SALVAGE_SHIM_STORE_H
#define SALVAGE_SHIM_STORE_H
#include <stddef.h>
#include <stdint.h>

#define SHIM_BLOCK 4096u

/* One run of lendable memory: bytes at offset off of the fd. Runs are
 * sorted and do not overlap; both ends are rounded inward to pages. */
struct shim_run {
	uint64_t off, bytes;
};

/* Every event, counted. The caller may place this in a MAP_SHARED page
 * so that it stays readable if the server dies; one writer at a time. */
struct shim_counters {
	uint64_t pages_lent;    /* pages the store may touch (2 per block) */
	uint64_t blocks;        /* blocks of the device */
	uint64_t min_distance;  /* bytes between copy A and copy B, at least */
	uint64_t reads;         /* blocks read (never-written ones included) */
	uint64_t writes;        /* blocks written */
	uint64_t trims;         /* blocks forgotten (discard) */
	uint64_t repairs;       /* bad copy A rewritten from copy B, confirmed */
	uint64_t repair_failed; /* rewrite did not read back right (data still served) */
	uint64_t errors;        /* reads with both copies bad (EIO), or fd errors */
	uint64_t read_bytes;    /* bytes served to the block device */
	uint64_t write_bytes;   /* bytes taken from the block device */
	uint64_t injected;      /* copies corrupted by fault injection */
	uint64_t scrubbed;      /* pages zeroed by shim_store_scrub */
	uint64_t requests;      /* NBD requests handled */
	uint64_t bad_requests;  /* NBD requests answered with an error */
};

/* Test-only fault injection: after a block is written, copy A of
 * one_permille blocks in 1000 (chosen by block number, deterministic) or
 * both copies of both_permille in 1000 are overwritten with garbage
 * through the same fd, as stray DMA would. Block 0 (the swap header) is
 * never chosen. stall_after (0: never): the NBD server stops answering
 * after that many requests, as a server stuck in reclaim would. */
struct shim_inject {
	unsigned one_permille, both_permille;
	unsigned stall_after;
};

struct shim_store {
	int fd;
	uint64_t nblocks;
	uint64_t half;          /* pages: copy B's index is copy A's plus half */
	unsigned nrun;
	uint64_t *run_off;      /* per run: its offset, and the index of its  */
	uint64_t *run_first;    /* first page among all lendable pages        */
	uint32_t *crc;          /* per block */
	uint64_t *valid;        /* bit per block: written, not trimmed since */
	uint64_t *touched;      /* bit per block: written since the last scrub */
	unsigned char *page;    /* two scratch pages */
	struct shim_counters *c;
	struct shim_inject inject;
	void *arena;
	size_t arena_len;
};

/* Sets up s over fd and the runs, with at most max_blocks blocks (0: as
 * many as the runs hold, half their pages). Counters go to shared if not
 * NULL (zeroed here), else into the arena. 0, -EINVAL (runs unsorted or
 * overlapping), -SALVAGE_E_SHIM_TOO_SMALL (fewer than 2 pages), -ENOMEM. */
int shim_store_init(struct shim_store *s, int fd, const struct shim_run *runs,
                    unsigned nrun, uint64_t max_blocks, struct shim_counters *shared);
/* The same, with only the pages below limit (an offset) lent. */
int shim_store_init_below(struct shim_store *s, int fd, const struct shim_run *runs, unsigned nrun,
                          uint64_t max_blocks, struct shim_counters *shared, uint64_t limit);
/* Where fd stops reaching the runs' pages: the offset of the first lent
 * page that does not read, or UINT64_MAX when the last one reads. read and
 * write on /dev/mem stop at the kernel's own highest RAM
 * (docs/shim.md#devmems-reach), a file at its end: reach is taken to be a
 * prefix, found by binary search (reads only, page is a scratch page). */
uint64_t shim_store_reach(int fd, const struct shim_run *runs, unsigned nrun, void *page);
/* Unmaps the arena (no I/O; scrub first). */
void shim_store_free(struct shim_store *s);

/* Offsets of block i's two copies. */
uint64_t shim_store_copy_a(const struct shim_store *s, uint64_t i);
uint64_t shim_store_copy_b(const struct shim_store *s, uint64_t i);

/* One block, SHIM_BLOCK bytes. read: a never-written (or trimmed) block
 * reads as zeros without touching the fd; otherwise copy A is verified,
 * copy B read if A is bad, and a bad A rewritten from B. 0, -EIO (both
 * copies bad), -ERANGE (i out of range) or the fd's -errno. */
int shim_store_read(struct shim_store *s, uint64_t i, void *out);
/* Both copies, then the CRC. A failed copy write is still recorded, so the
 * verification of a later read catches it. 0, -ERANGE or -errno. */
int shim_store_write(struct shim_store *s, uint64_t i, const void *in);
/* Forget block i: it reads as zeros again (its pages stay touched). */
void shim_store_trim(struct shim_store *s, uint64_t i);
/* Zeros both copies of every block written since the last scrub; returns
 * the number of pages zeroed (also added to c->scrubbed), or -errno of the
 * first failed write (the rest are still tried). */
long shim_store_scrub(struct shim_store *s);

void shim_store_set_inject(struct shim_store *s, const struct shim_inject *inj);
/* "off", or comma-separated "one=N" and "both=N" with N per mille (0-1000),
 * and "stall=N" (requests, up to 999999999): swaptest's --inject (the
 * crash kernel's test-only config key, swap-test-corrupt, is parsed by
 * lib/conf.c). 0 or -SALVAGE_E_CONF_BAD_VALUE. */
int shim_inject_parse(struct shim_inject *inj, const char *spec);

#endif
