/* The old-memory swap in the crash kernel (docs/shim.md): whether to lend,
 * which pages (dump/lend.h), DMA stopped (init/pci.h), and the shim
 * (shim/shim.h) started and stopped around the capture. PID 1 runs all of
 * it and never swaps itself; the capture that may swap runs in a child. */
#ifndef SALVAGE_INIT_SWAP_H
#define SALVAGE_INIT_SWAP_H
#include <stdint.h>
#include "../lib/conf.h"

struct dump_capture;
struct shim_counters;

/* After dump_capture_open: with `swap on`, or `swap auto` when the crash
 * kernel is short of memory or the capture asks for more (ask bytes) than
 * it has, plans the pages to lend, stops DMA from devices without a
 * driver, checks /dev/mem reaches old memory, and turns the swap on; sets
 * cap->lent. Every reason not to is one log line, and the capture goes on
 * without swap. Returns 1 if the swap is on, 0 if not. */
int init_swap_start(const struct salvage_conf *c, struct dump_capture *cap, uint64_t ask);

/* In the capture child, right after fork: joins the swap users' memory
 * cgroup (shim_join), drops its copies of /dev/mem,
 * the nbd device and the store (shim_forget); init_swap_on() still says
 * whether the swap is on. */
void init_swap_child(void);

/* Is the swap on? */
int init_swap_on(void);

/* In PID 1, while the capture child runs: 0, or the shim's error once
 * its device is down (shim_check): the child must be killed then. */
int init_swap_check(void);
/* Once the capture child is dead (or failed) while the swap is on, before
 * anything that allocates (a log line): the raised reserve put back, and
 * if the device is down its server killed, since with the device down
 * nothing can be reclaimed to stay above the reserve (a line written to
 * the log there met "Out of memory and no killable processes" and a
 * panic). The put-back itself still allocates a few bytes, through a
 * descriptor kept open, not a path walk. */
void init_swap_ease(void);
/* After killing the child for a device that is down: init_swap_ease, and
 * the swap users' memory limit lifted (shim_unfence), so that a child
 * stuck reclaiming onto the dead device can end. */
void init_swap_lost(void);

/* swapoff, disconnect, and every lent page that held swap data zeroed, so
 * that no later attempt (an unfiltered copy included) reads swap data as
 * the crashed kernel's memory. 0 once the swap is off (a zeroing that
 * failed is a warning in the log), or swapoff's error after a log line
 * (the swap is then still on). */
int init_swap_stop(void);

/* The counters (a page shared with the server), or NULL if the swap was
 * never on. */
const struct shim_counters *init_swap_counters(void);

/* The counters as one line of text ("swap lent=N reads=N ..."), for the
 * console and the receiver; "" if the swap was never on. */
const char *init_swap_note(void);

#endif
