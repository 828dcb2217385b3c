/* PID 1's network target. */
#ifndef SALVAGE_INIT_NET_H
#define SALVAGE_INIT_NET_H
#include "../lib/conf.h"

struct dump_capture;
/* The dump over the network to t (tls://HOST:PORT): interface up (c->net
 * or the kernel's ip=), keys loaded, then the stream sent with resume
 * (net/send.h), with a resume window unless lean (a retry). 0 once the
 * receiver has stored and verified it. */
int init_net_dump(const struct salvage_conf *c, const struct target *t, struct dump_capture *cap, int lean);

#endif
