/* The swap shim, whole: lent memory (runs of an fd, /dev/mem in the crash
 * kernel) served as an NBD block device by a process of salvage's own, with
 * a swap header and swapon. docs/shim.md#the-block-device.
 *
 *	struct shim sh;
 *	shim_start(&sh, memfd, runs, nrun, "/dev/nbd0", NULL, counters);
 *	... work that may swap, in a child ...
 *	shim_stop(&sh);    swapoff, disconnect, reap, scrub
 *
 * The caller (PID 1) stays mlocked and never depends on the swap. */
#ifndef SALVAGE_SHIM_SHIM_H
#define SALVAGE_SHIM_SHIM_H
#include <sys/types.h>
#include "store.h"

struct shim_opts {
	uint64_t max_bytes;        /* swap size at most (0: half the lent bytes) */
	int prio;                  /* swap priority, 0-32767 */
	struct shim_inject inject; /* test-only fault injection */
	unsigned timeout_ms;       /* for the device to come up, the server to end (0: 10 s) */
	unsigned io_timeout_s;     /* a request unanswered this long fails the device (0: 60 s) */
	uint64_t room;             /* memory the swap's users leave to the server and the
	                            * kernel (0: SHIM_ROOM) */
};

/* The swap's users (the processes that call shim_join) are held in a
 * memory cgroup below MemAvailable - room when the swap comes on: they
 * reclaim, onto the swap, their own pages, while the server answering
 * those swap-outs still finds free memory for its own allocations (the
 * socket buffers of its replies, /dev/mem's mapping of each page).
 * Without it a swap-out that found memory exhausted waited for a server
 * that waited for memory, until nbd's timeout dropped the connection.
 * docs/shim.md#the-block-device */
#define SHIM_ROOM (8u << 20)
#define SHIM_CGROUP_ROOT "/sys/fs/cgroup"
#define SHIM_CGROUP SHIM_CGROUP_ROOT "/salvage-swap"

struct shim {
	struct shim_store store;
	int nbd;                   /* the nbd device, open; -1 when stopped */
	pid_t server, holder;      /* the NBD server; the process in NBD_DO_IT */
	int swap_on;
	int fenced;                /* SHIM_CGROUP is set up */
	unsigned timeout_ms;
	char dev[64];
};

/* Sets up the store over memfd and runs, writes the swap header, forks the
 * server and the NBD_DO_IT holder, waits until nbd_dev is up, and turns
 * swap on. opt NULL: defaults. shared: counters the caller placed in a
 * MAP_SHARED page (NULL: the store's own). Returns 0, or an error after
 * one log line saying which step failed; everything is undone then. */
int shim_start(struct shim *sh, int memfd, const struct shim_run *runs, unsigned nrun,
               const char *nbd_dev, const struct shim_opts *opt, struct shim_counters *shared);
/* swapoff (a failure returns its -errno and leaves everything running:
 * stop or kill what uses the swap and call again), disconnect, reap both
 * processes, scrub every page written. 0 or the first error (after a log
 * line); the counters are final. */
int shim_stop(struct shim *sh);
/* In a process that will use the swap, forked from the one that started
 * the shim: moves it into the swap users' memory cgroup. 0, or -errno
 * (the shim had no cgroup, or the move failed: it runs without). */
int shim_join(const struct shim *sh);
/* Lifts the users' memory.max. For a device that went down after its
 * users were killed: a user caught in its cgroup's reclaim, its pages
 * failing to swap out to the dead device, may loop there without ever
 * meeting the signal (seen on 6.1: killed, not ending for 8 minutes);
 * with room to charge, its fault completes and it dies. 0 or -errno. */
int shim_unfence(const struct shim *sh);

/* In a process forked from the one that started the shim (the capture
 * child): closes its copies of the lent memory's fd and of the nbd device
 * and unmaps its view of the store (CRCs, state), so that nothing it does,
 * a stray write to a reused descriptor included, reaches old memory or
 * the blocks' checks. The shim of the process that started it is
 * untouched; sh is not usable here after. */
void shim_forget(struct shim *sh);
/* 0 while the device works; -SALVAGE_E_SHIM_SERVER_DIED once the server
 * ended, -SALVAGE_E_SHIM_NBD_LOST once the kernel dropped the connection
 * (a request unanswered for io_timeout_s). Either way every block on the
 * swap is lost and a swap-out fails for ever: kill what uses the swap
 * (a process reclaiming onto a dead device may never reach the OOM
 * killer), then shim_stop. */
int shim_check(struct shim *sh);
/* Once shim_check said the device is down: the server, which can serve
 * nobody now and holds locked memory the OOM killer may not take (a
 * server that stopped answering may never end by itself), is killed
 * (shim_stop reaps it). No system call here allocates. */
void shim_drop_server(struct shim *sh);
/* One log line with every counter. */
void shim_log_counters(const struct shim_counters *c);

#endif
