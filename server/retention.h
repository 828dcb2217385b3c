/* Retention over the receiver's directory (docs/receiver.md#retention):
 * dumps older than an age go, a host keeps at most N, and the free space
 * stays above a reserve by removing the oldest complete dumps first, then
 * partial ones past their resume time. Never a dump in progress (being
 * received or converted), never a partial one that may still be resumed
 * unless it is over the age, and never, for free space, the newest dump
 * of all (the one just stored). */
#ifndef SALVAGE_SERVER_RETENTION_H
#define SALVAGE_SERVER_RETENTION_H
#include <stddef.h>
#include <stdint.h>
#include "dumps.h"

struct server_retention {
	unsigned keep;            /* dumps per host at most; 0: no limit */
	int64_t max_age;          /* seconds since a dump started; 0: no limit */
	uint64_t min_free;        /* bytes to keep free; 0: no removal for space */
	uint64_t free;            /* bytes free now (the caller's statvfs) */
	int64_t keep_partial;     /* seconds a partial dump may be resumed after its last change */
	int64_t now;
	/* 1 when host/name is being received or converted. NULL: a dump
	 * whose state says receiving or complete (not yet converted) is. */
	int (*busy)(const char *host, const char *name, void *arg);
	/* told of each dump removed and why, or that removing it failed (err) */
	void (*removed)(const struct server_dump *d, const char *why, int err, void *arg);
	void *arg;
};

/* Applies r to the dumps d (*n of them, as server_dumps_scan found them
 * under rootfd): removes each directory that goes, with its .by-id link,
 * and drops it from d (the order of the rest changes). Returns the number
 * removed. */
size_t server_retention_run(int rootfd, const struct server_retention *r, struct server_dump *d, size_t *n);
/* Removes one dump's directory (its files, then itself) and its .by-id
 * link. 0 or -errno. */
int server_retention_remove(int rootfd, const struct server_dump *d);

#endif
