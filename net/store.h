/* How the receiver keeps one dump on disk (docs/protocol.md#storage):
 *
 *   ROOT/<host>/<UTC time>/vmcore.salvage.partial   while it arrives
 *   ROOT/<host>/<UTC time>/vmcore.salvage           complete and verified
 *   ROOT/<host>/<UTC time>/vmcore, dmesg.txt        after conversion
 *   ROOT/<host>/<UTC time>/salvage.meta             always: `key=value` lines
 *   ROOT/<host>/.by-id/<dump id>                    -> <UTC time> (dumpindex.h)
 *
 * Every name is the receiver's own: <host> from the authorized file, the
 * time from its clock. What the client says about itself is only written,
 * sanitised, into salvage.meta. */
#ifndef SALVAGE_NET_STORE_H
#define SALVAGE_NET_STORE_H
#include <stddef.h>
#include <stdint.h>
#include "authorized.h"
#include "proto.h"

#define NET_STORE_META_MAX 2048

struct net_store {
	int dirfd, fd;
	char rel[NET_HOST_MAX + 32];      /* "<host>/<time>", for logs */
	unsigned char id[NET_DUMP_ID_LEN];
	uint64_t end;                      /* bytes in the partial file */
	uint64_t durable;                  /* of them, synced and acknowledged */
	uint32_t crc;                      /* CRC-32C of the first end bytes */
	uint32_t durable_crc;              /* of the first durable bytes */
	int complete;                      /* verified: total and crc below hold */
	uint64_t total;
	uint32_t total_crc;
	char state[16];                    /* receiving, complete, failed, interrupted */
	char reason[256];
	char info[NET_STORE_META_MAX];     /* fixed lines: id, host, key, started, client.* */
	char peer[48];                     /* the client's address, last connection */
};

/* The dump with this id under ROOT/<host>/ if one exists (resumed from its
 * last durable offset, or complete), else a new directory. peer and fp go
 * into the metadata, with meta (the client's HELLO lines, sanitised).
 * 0 or -errno. */
int net_store_open(struct net_store *d, int rootfd, const char *host, const unsigned char *id,
                   const char *meta, size_t meta_len, const char *peer, const char *fp);
/* Appends n bytes at d->end. -ENOSPC and other write errors as -errno. */
int net_store_append(struct net_store *d, const void *p, size_t n);
/* fdatasync, then salvage.meta with the new durable offset. */
int net_store_sync(struct net_store *d);
/* FINISH: total and crc must match what arrived (-SALVAGE_E_PROTO_TOTALS),
 * then fsync, rename to vmcore.salvage, metadata `state=complete`. A dump
 * already complete answers by comparing with its recorded totals. */
int net_store_finish(struct net_store *d, uint64_t total, uint32_t crc);
/* Syncs, records state (and reason, if not NULL) and closes the files. */
void net_store_close(struct net_store *d, const char *state, const char *reason);
/* For a complete dump: dmesg.txt from the stream, then vmcore through the
 * convert code, then the stream is removed; salvage.meta says what
 * happened. Run in a child process: it takes about a second per 40 MB. */
int net_store_convert(int rootfd, const char *rel);

#endif
