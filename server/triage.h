/* The receiver's triage after each stored dump (docs/receiver.md): the
 * retention its options ask for, then DIR/index.html rewritten. */
#ifndef SALVAGE_SERVER_TRIAGE_H
#define SALVAGE_SERVER_TRIAGE_H
#include <stdint.h>

struct server_triage_conf {
	unsigned keep;              /* --keep: dumps per host, 0: no limit */
	uint64_t max_age_s;         /* --max-age, 0: no limit */
	uint64_t keep_partial_s;    /* --keep-partial: a partial dump's resume time */
	uint64_t min_free;          /* --min-free, kept by removing when reclaim */
	int reclaim;                /* --reclaim yes */
};

/* Scans rootfd, removes what the retention asks (busy says which dumps
 * the receiver holds or converts), logs each removal, rewrites
 * index.html. Failures are logged; the receiver goes on. */
void server_triage(int rootfd, const struct server_triage_conf *c,
                   int (*busy)(const char *host, const char *name, void *arg), void *arg);

#endif
