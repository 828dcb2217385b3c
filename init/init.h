/* The crash kernel's PID 1, split into its steps. */
#ifndef SALVAGE_INIT_H
#define SALVAGE_INIT_H
#include "../lib/conf.h"

/* PID 1 entry: never returns. */
void init_main(void) __attribute__((noreturn));

/* Mounts proc, sysfs, devtmpfs and /run, and makes fds 0-2 the console.
 * Failures are logged; the caller goes on, because a dump may still work. */
void init_early(void);

/* finit_module(2) for every module file listed in path, in order; a module
 * already present is fine. Returns how many failed to load. */
int init_modules_load(const char *list_path);

struct dump_capture;
/* The dump over the network to t (tls://HOST:PORT): interface up (c->net
 * or the kernel's ip=), keys loaded, then the stream sent with resume
 * (net/send.h), with a resume window unless lean (a retry). 0 once the
 * receiver has stored and verified it. */
int init_net_dump(const struct salvage_conf *c, const struct target *t, struct dump_capture *cap, int lean);

/* The configured final action; never returns. */
void init_final(const struct salvage_conf *c) __attribute__((noreturn));

#endif
