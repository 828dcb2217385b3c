/* Milliseconds of CLOCK_MONOTONIC: deadlines, rates and progress. Never
 * goes back, unaffected by the wall clock (a crash kernel has none it can
 * trust). */
#ifndef SALVAGE_CLOCK_H
#define SALVAGE_CLOCK_H
#include <stdint.h>

uint64_t clock_now_ms(void);

#endif
