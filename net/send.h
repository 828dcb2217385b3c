/* The client side of the dump channel (docs/protocol.md): sends one salvage
 * stream to a receiver over pinned-key TLS, and when the connection breaks,
 * reconnects with backoff and resumes from the offset the receiver says it
 * has durably stored.
 *
 * The stream comes from a producer that writes it from its first byte
 * through a callback, every time it is called: a live capture of
 * /proc/vmcore (deterministic, so running it again gives the same bytes) or
 * a saved file. Bytes the receiver already holds are checksummed and not
 * sent again. Given a resume window (memory the caller lends), the last
 * bytes sent stay in it, so a break whose resume offset lies in it is
 * mended from inside the producer's write: the producer runs once
 * (docs/protocol.md#resume-window). No heap. */
#ifndef SALVAGE_NET_SEND_H
#define SALVAGE_NET_SEND_H
#include <stddef.h>
#include <stdint.h>
#include "proto.h"
#include "tls.h"

#define NET_SEND_CHUNK (64u << 10)    /* bytes per DATA frame: what a break can cost */

struct net_send_conf {
	const char *server;               /* HOST:PORT (a name or an IPv4 address) */
	const struct net_key *key;        /* ours */
	const unsigned char (*pins)[NET_FP_LEN];  /* the server's, 1 or 2 (rotation) */
	size_t npins;
	unsigned char dump_id[NET_DUMP_ID_LEN];
	const char *meta;                 /* HELLO's "key=value\n" lines */
	size_t meta_len;
	uint64_t size_hint;               /* expected stream size, 0 if unknown */
	int timeout_ms;                   /* each connect, handshake, read or write */
	int retry_for_s;                  /* keep reconnecting this long after a break */
	int backoff_ms;                   /* first wait before reconnecting (doubles up to 30 s) */
	/* The resume window: window_len bytes the sender may use as it likes
	 * for the run (0: none, a break runs the producer again). It keeps
	 * the stream's last bytes and a 32-byte SHA-256 state every
	 * NET_SEND_CHUNK bytes; under NET_SEND_WINDOW_MIN it is not used. */
	unsigned char *window;
	size_t window_len;
	/* The finish note: called just before FINISH (on every connection
	 * that sends one), writes one short line of text into line (cap
	 * bytes) and returns its length; the receiver keeps it sanitised as
	 * note= in salvage.meta (docs/protocol.md#note). NULL: none. */
	size_t (*note)(void *note_ctx, char *line, size_t cap);
	void *note_ctx;
};

#define NET_SEND_WINDOW_MIN (NET_SEND_CHUNK + 2 * NET_SHA256_LEN)


/* Writes the whole stream from its first byte through write(wctx, ...);
 * returns 0 or the first error (from write, or its own). */
typedef int net_producer(void *pctx, int (*write)(void *wctx, const void *buf, size_t len), void *wctx);

struct net_send {
	const struct net_send_conf *conf;
	/* outcome, for logs */
	uint64_t total;                   /* stream bytes */
	uint64_t sent;                    /* bytes sent over all connections */
	unsigned connections;
	unsigned window_resumes;          /* breaks mended from the resume window */
	uint64_t window_resent;           /* bytes sent again from it */
	unsigned regenerations;           /* producer runs after the first */
	int err;                          /* the error that ended it, or 0 */
	/* private */
	struct net_tls tls;
	int fd;
	int net_err;                      /* sticky, set by the write callback */
	uint64_t resume;                  /* the receiver's offset at HELLO_ACK */
	uint64_t pos;                     /* stream bytes produced in this attempt */
	uint64_t hashed;                  /* of them, in the sums (and the window): pos or more */
	uint64_t acked;
	uint32_t crc;                     /* of the stream so far */
	br_sha256_context sha;            /* of the stream so far */
	unsigned char held_sha[NET_SHA256_LEN];   /* HELLO_ACK's: of the receiver's resume bytes */
	int prefix_checked;               /* ours matched it (this attempt) */
	uint64_t last_progress_ms, start_ms;
	uint64_t give_up_ms;              /* retry_for_s after the last connection that worked */
	int wait_ms;                      /* the next backoff */
	uint64_t conn_acked, conn_sent;   /* acked and sent when this connection began */
	int regen;                        /* the producer must run again on this connection */
	int judged;                       /* err is final: the reconnects are over */
	unsigned char *ring;              /* the window's bytes: stream offset o at o % ring_len */
	size_t ring_len;                  /* a multiple of NET_SEND_CHUNK; 0: no window */
	unsigned char (*states)[NET_SHA256_LEN];   /* SHA-256 state at k * NET_SEND_CHUNK, slot k % nstates */
	size_t nstates;
	size_t nbuf;
	unsigned char frame[4096];        /* frames in: the receiver's are small */
	size_t nframe, fdone;             /* bytes in frame; of them, the frame last returned */
	unsigned char small[256];         /* PROGRESS out */
	unsigned char buf[NET_DATA_HEAD + NET_SEND_CHUNK + 4];
};

/* Sends the stream produce() writes: connect, HELLO, DATA from the
 * receiver's offset, FINISH, and the final acknowledgement, read before
 * the connection closes. Reconnects after a broken connection for
 * conf->retry_for_s. Before sending anything after a resume, the SHA-256
 * of the stream's first resume bytes must equal the receiver's (else
 * PROTO_PREFIX, not retried: the receiver is told with FAIL). 0 when the
 * receiver has stored and verified the whole stream (length, CRC-32C and
 * SHA-256); otherwise a negative error: TLS_* (wrong key: not retried),
 * PROTO_* as the receiver reported it (PROTO_NO_SPACE, PROTO_REJECTED:
 * not retried), the producer's own error (then the receiver is told why
 * with FAIL), or the last network error. Logs each step. */
int net_send_run(struct net_send *s, const struct net_send_conf *conf, net_producer *produce, void *pctx);

/* The dump id (docs/protocol.md#dump-id) of a crash, from its VMCOREINFO
 * text: the same for a live capture and for a stream saved from it. */
void net_dump_id(unsigned char id[NET_DUMP_ID_LEN], const char *vmcoreinfo, size_t len);

/* HELLO's lines for a crash (hostname, release, crashtime, source), from
 * its utsname (DUMP_STREAM_UTSNAME_LEN bytes, may be NULL) and VMCOREINFO
 * text; returns the length written into out. */
size_t net_send_meta(char *out, size_t cap, const char *utsname, const char *vmcoreinfo,
                     size_t vmcoreinfo_len, const char *source);

#endif
