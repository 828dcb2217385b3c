/* /proc/meminfo, read by the crash kernel's sizing decisions (the swap,
 * the resume window) and the shim's fence. */
#ifndef SALVAGE_LIB_MEMINFO_H
#define SALVAGE_LIB_MEMINFO_H
#include <stddef.h>
#include <stdint.h>

/* The digits after "NAME:" at the start of a line of text (kB in
 * /proc/meminfo), copied into buf; NULL when absent. */
const char *meminfo_value(const char *text, const char *name, char *buf, size_t len);

/* A /proc/meminfo field ("MemAvailable", "SwapFree") in bytes; 0 when
 * absent or unreadable. */
uint64_t meminfo_bytes(const char *name);

#endif
