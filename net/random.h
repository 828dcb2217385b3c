/* Random bytes for keys and TLS (net/random.c). */
#ifndef SALVAGE_NET_RANDOM_H
#define SALVAGE_NET_RANDOM_H
#include <stddef.h>

/* len bytes from getrandom(). While the kernel's RNG is not ready, a
 * child process blocks in getrandom() (which makes the kernel gather
 * jitter entropy), and the caller waits at most NET_RANDOM_WAIT_S for it:
 * 0, -SALVAGE_E_RANDOM_NOT_READY, or -errno. */
#define NET_RANDOM_WAIT_S 60
int net_random(void *buf, size_t len);

#endif
