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
#include <bearssl_hash.h>
#include "authorized.h"
#include "../net/proto.h"

#define NET_STORE_META_MAX 2048

struct net_store {
	int dirfd, fd;
	char rel[NET_HOST_MAX + 32];      /* "<host>/<time>", for logs */
	unsigned char id[NET_DUMP_ID_LEN];
	uint64_t end;                      /* bytes in the partial file */
	uint64_t durable;                  /* of them, synced and acknowledged */
	uint32_t crc;                      /* CRC-32C of the first end bytes */
	uint32_t durable_crc;              /* of the first durable bytes */
	br_sha256_context sha;             /* SHA-256 of the first end bytes */
	br_sha256_context durable_sha;     /* of the first durable bytes: copied at each sync */
	int complete;                      /* verified: total, crc and sha below hold */
	uint64_t total;
	uint32_t total_crc;
	unsigned char total_sha[NET_SHA256_LEN];
	char state[16];                    /* receiving, interrupted, failed, complete, stored, unconverted */
	char reason[256];
	char note[256];                    /* the client's finish note, sanitised, or "" */
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
/* The SHA-256 of the durable prefix (of the whole stream once complete):
 * what HELLO_ACK tells the client, which compares it with its own. */
void net_store_prefix_sha(const struct net_store *d, unsigned char out[NET_SHA256_LEN]);
/* FINISH: total, crc and sha256 must match what arrived, and the stream
 * must at least have a header (-SALVAGE_E_PROTO_TOTALS); then fsync,
 * rename to vmcore.salvage, metadata `state=complete`. A dump already
 * complete answers by comparing with its recorded totals. */
int net_store_finish(struct net_store *d, uint64_t total, uint32_t crc,
                     const unsigned char sha256[NET_SHA256_LEN]);
/* The client's finish note (docs/protocol.md#note): kept as one line of
 * printable ASCII, at most 200 bytes, written with the next metadata. */
void net_store_note(struct net_store *d, const char *text, size_t n);
/* Syncs, records state (and reason, if not NULL) and closes the files. */
void net_store_close(struct net_store *d, const char *state, const char *reason);
/* For a complete dump: dmesg.txt from the stream, then vmcore
 * (kdump-compressed, zlib), then the stream is removed: `state=stored`.
 * Refused with -SALVAGE_E_CONVERT_TOO_BIG, before anything is allocated
 * for it, when the most the vmcore can take is over max (0: no limit) or
 * the free space above min_free, or when its structure is out of
 * proportion to the stream (docs/protocol.md#conversion). On any error the stream stays and
 * salvage.meta says `state=unconverted` and why. Run in a child process:
 * it takes about a second per 40 MB. */
int net_store_convert(int rootfd, const char *rel, uint64_t min_free, uint64_t max);

#endif
