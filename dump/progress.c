#include <time.h>
#include "../lib/clock.h"
#include "../lib/log.h"
#include "progress.h"

void dump_progress_start(struct dump_progress *p, const char *what, uint64_t total)
{
	p->what = what;
	p->total = total;
	p->start_ms = p->last_ms = clock_now_ms();
}

static uint64_t mib_per_s(uint64_t bytes, uint64_t ms)
{
	return ms ? bytes * 1000 / ms >> 20 : 0;
}

void dump_progress_update(struct dump_progress *p, uint64_t done)
{
	uint64_t now = clock_now_ms(), ms = now - p->start_ms, rate, eta;

	if (now - p->last_ms < 1000 || !p->total)
		return;
	p->last_ms = now;
	rate = mib_per_s(done, ms);
	eta = done ? (p->total - done) * ms / done / 1000 : 0;
	log_info(p->what, " ", U64(done * 100 / p->total), "% ",
	         U64(done >> 20), "/", U64(p->total >> 20), " MiB ",
	         U64(rate), " MiB/s ETA ", U64(eta), "s");
}

void dump_progress_end(struct dump_progress *p, uint64_t done)
{
	uint64_t ms = clock_now_ms() - p->start_ms;

	log_info(p->what, " done: ", U64(done >> 20), " MiB in ",
	         U64(ms / 1000), ".", U64(ms % 1000 / 100), "s, ",
	         U64(mib_per_s(done, ms)), " MiB/s");
}
