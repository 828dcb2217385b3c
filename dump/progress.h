/* Progress lines for a long copy: at most one a second, with percent,
 * MiB done, MiB/s and the time left. */
#ifndef SALVAGE_DUMP_PROGRESS_H
#define SALVAGE_DUMP_PROGRESS_H
#include <stdint.h>

struct dump_progress {
	const char *what;
	uint64_t total;
	uint64_t start_ms, last_ms;
};

void dump_progress_start(struct dump_progress *p, const char *what, uint64_t total);
void dump_progress_update(struct dump_progress *p, uint64_t done);
/* The closing line: size and average rate. */
void dump_progress_end(struct dump_progress *p, uint64_t done);

#endif
