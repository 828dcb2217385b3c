/* The one logger: write()-based, message built from string pieces, prefixed
 * "salvage: ", errno preserved. Lines go to stderr, and once log_to_kmsg()
 * succeeded also to /dev/kmsg (skipping stderr when the kernel would print
 * the kmsg line on the console anyway, so the serial log shows it once). */
#ifndef SALVAGE_LOG_H
#define SALVAGE_LOG_H
#include <stdint.h>

enum { LOG_LVL_ERR = 3, LOG_LVL_WARN = 4, LOG_LVL_INFO = 6 };

void log_parts(int level, const char *const *parts);
/* Open /dev/kmsg for the crash kernel's PID 1; returns 0 or -errno. */
int log_to_kmsg(void);

#define log_err(...)  log_parts(LOG_LVL_ERR, (const char *const[]){__VA_ARGS__, 0})
#define log_warn(...) log_parts(LOG_LVL_WARN, (const char *const[]){__VA_ARGS__, 0})
#define log_info(...) log_parts(LOG_LVL_INFO, (const char *const[]){__VA_ARGS__, 0})

/* Decimal / hex text of v in buf (>= 24 bytes); returns buf. */
char *fmt_u64(char *buf, uint64_t v);
char *fmt_hex(char *buf, uint64_t v);
#define U64(v) fmt_u64((char[24]){0}, (v))
#define HEX(v) fmt_hex((char[24]){0}, (v))

#endif
