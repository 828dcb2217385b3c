/* The collection server (docs/protocol.md#receiver): one process, one
 * poll() loop, many clients; each dump lands in
 * DIR/<host>/<UTC time>/ as vmcore.salvage.partial while it arrives, then
 * vmcore (kdump-compressed, zlib), dmesg.txt and salvage.meta. <host> comes
 * from the authorized file, never from the client. */
#ifndef SALVAGE_NET_RECEIVE_H
#define SALVAGE_NET_RECEIVE_H
#include <stdint.h>
#include "authorized.h"
#include "triage.h"
#include "../net/tls.h"

struct net_receive_conf {
	const char *listen;          /* ADDR:PORT */
	const char *dir;
	const struct net_key *key;
	const struct net_authorized *auth;
	unsigned max_clients;        /* connections at once; more are turned away */
	uint64_t min_free;           /* bytes the file system keeps free */
	unsigned handshake_s;        /* to finish TLS and HELLO */
	unsigned idle_s;             /* longest silence once a dump is under way */
	uint64_t min_rate;           /* bytes/s averaged over rate_window_s, else cut off */
	unsigned rate_window_s;
	uint64_t ack_every;          /* fdatasync and ACK after this many bytes */
	uint64_t convert_max;        /* bytes one conversion may write, 0: the free space only */
	unsigned convert_jobs;       /* conversion children at once */
	uint64_t convert_mem;        /* address space of each (RLIMIT_AS), 0: unlimited */
	struct server_triage_conf triage; /* retention; min_free copied from above */
};

/* Serves until SIGTERM or SIGINT, then stops cleanly: every dump under way
 * is synced with its metadata, conversions finish. 0, or a negative error
 * when it cannot start (listen address, directory). */
int net_receive_run(const struct net_receive_conf *c);

#endif
