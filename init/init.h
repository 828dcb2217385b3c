/* The crash kernel's PID 1, split into its steps. */
#ifndef SALVAGE_INIT_H
#define SALVAGE_INIT_H
#include <stdint.h>
#include "../lib/conf.h"

/* PID 1 entry: never returns. */
void init_main(void) __attribute__((noreturn));

/* Mounts proc, sysfs, devtmpfs and /run, and makes fds 0-2 the console.
 * Failures are logged; the caller goes on, because a dump may still work. */
void init_early(void);

/* finit_module(2) for every module file listed in path, in order; a module
 * already present is fine. A module loaded (or not for this hardware) has
 * its file unlinked, with its emptied directories up to the list's own;
 * one line says what was freed. Returns how many failed to load; their
 * files stay. */
int init_modules_load(const char *list_path);

struct init_freed {
	uint64_t files;
	uint64_t bytes;          /* in whole 4 KiB pages */
};
/* Unlinks path and adds it to f; then removes its parent directories
 * while they are empty, up to stop (a prefix of path, kept). 0 or
 * -errno of the unlink. */
int init_modules_unlink(const char *path, const char *stop, struct init_freed *f);

struct dump_capture;
/* The dump over the network to t (tls://HOST:PORT): interface up (c->net
 * or the kernel's ip=), keys loaded, then the stream sent with resume
 * (net/send.h), with a resume window unless lean (a retry). 0 once the
 * receiver has stored and verified it. */
int init_net_dump(const struct salvage_conf *c, const struct target *t, struct dump_capture *cap, int lean);

/* The configured final action; never returns. */
void init_final(const struct salvage_conf *c) __attribute__((noreturn));

#endif
