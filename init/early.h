/* PID 1's first step. */
#ifndef SALVAGE_INIT_EARLY_H
#define SALVAGE_INIT_EARLY_H

/* Mounts proc, sysfs, devtmpfs and /run, and makes fds 0-2 the console.
 * Failures are logged; the caller goes on, because a dump may still work. */
void init_early(void);

#endif
