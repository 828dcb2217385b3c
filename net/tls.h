/* Pinned-key TLS 1.2 over BearSSL, for both ends of the dump channel
 * (docs/protocol.md#transport). SSH's trust model: the client pins the
 * server's key by fingerprint, like known_hosts; the server holds a list of
 * client fingerprints, like authorized_keys. Certificates are only
 * containers for keys: names and dates are never looked at.
 *
 * A fingerprint is the SHA-256 of the key's DER SubjectPublicKeyInfo (the
 * form `openssl pkey -pubin -outform DER | sha256sum` gives).
 *
 * Nothing here allocates: every context is the caller's and must not move
 * while in use. */
#ifndef SALVAGE_NET_TLS_H
#define SALVAGE_NET_TLS_H
#include <stddef.h>
#include <stdint.h>
#include <bearssl.h>

#include "key.h"
#include "pins.h"

#define NET_ALPN "salvage/1"

/* While a write fills records, they are gathered and sent this much at a
 * time: one send() for several 16 KB records. */
#define NET_TLS_GATHER (64u << 10)

/* One TLS connection, client or server side. */
struct net_tls {
	union {
		br_ssl_client_context client;
		br_ssl_server_context server;
	} u;
	br_ssl_engine_context *eng;         /* &u.client.eng or &u.server.eng */
	struct net_pins pins;
	br_x509_certificate chain;
	int is_server;
	/* private */
	br_ec_private_key sk;               /* over priv: copies of me's, so */
	unsigned char priv[32];             /* me need not outlive t */
	unsigned char cert[NET_CERT_MAX];
	int err;                            /* sticky socket or ALPN error */
	int ready;                          /* handshake done and checked */
	int alerted;                        /* refusal alert sent */
	int gone;                           /* peer closed, then hung up */
	int batch;                          /* inside net_tls_write: gather records */
	size_t out_len;                     /* records gathered in out[] */
	unsigned char out[NET_TLS_GATHER];
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

/* AES-GCM records are sealed and opened by net/tlsrec.c when the CPU has
 * AES-NI and PCLMULQDQ; set to 1 (before an init) for BearSSL's own record
 * layer instead: the tests check each against the other, and the
 * benchmark compares them. */
extern int net_tls_bearssl_gcm;
/* Set to 1 (before an init) to offer ChaCha20-Poly1305 first, as on a CPU
 * without AES-NI: for the tests of who chooses the suite. */
extern int net_tls_chapol_first;

/* The suite the handshake agreed on, for logs: "AES-128-GCM (one pass)"
 * (our record layer), "AES-128-GCM", "ChaCha20-Poly1305", or "none". */
const char *net_tls_suite(const struct net_tls *t);

/* Set up t for one connection, with our key me and the peer
 * fingerprints we accept (npins >= 1; the arrays must outlive t).
 * TLS 1.2 only, ECDHE-ECDSA with AES-128-GCM first when the CPU has
 * AES-NI, else ChaCha20-Poly1305 first; no renegotiation; ALPN NET_ALPN
 * required; the server requires a client certificate. getrandom() entropy
 * is injected (never RDRAND alone). 0 or a negative error. */
int net_tls_client_init(struct net_tls *t, const struct net_key *me,
                        const unsigned char (*pins)[NET_FP_LEN], size_t npins);
int net_tls_server_init(struct net_tls *t, const struct net_key *me,
                        const unsigned char (*pins)[NET_FP_LEN], size_t npins);

/* The peer's pin index once the handshake is done, else -1. */
int net_tls_peer(const struct net_tls *t);

/* The engine's last error as a salvage error: 0 when none,
 * -SALVAGE_E_TLS_SERVER_KEY (the server's key is not the pinned one: seen
 * by the client), -SALVAGE_E_TLS_NOT_AUTHORISED (the client's key is not
 * in the list, or it sent none: seen by the server; the client sees the
 * server's alert as -SALVAGE_E_TLS_REFUSED, and the server sees the
 * client's refusal of its key as -SALVAGE_E_TLS_KEY_REJECTED), -SALVAGE_E_TLS_PROTOCOL
 * (anything else: bad records, wrong version or suite, no ALPN, garbage).
 * With no engine error, the socket error the helpers met, if any
 * (-ECONNRESET, ...). After refusing a key, pump (and so the helpers)
 * tells the peer with a fatal alert, which BearSSL itself does not. */
int net_tls_error(const struct net_tls *t);

/* Blocking use on a connected socket fd, each call bounded by timeout_ms
 * (poll(); negative: no limit): handshake, write all, flush, read at least
 * one byte (returns the count), close (sends close_notify). Return 0 (or
 * the count), a TLS error as above, -SALVAGE_E_TIMEOUT, -ECONNRESET /
 * -EPIPE when the peer went away, or another -errno.
 *
 * The handshake sets TCP_NODELAY and fails with -SALVAGE_E_TLS_PROTOCOL
 * when the peer did not agree on NET_ALPN. write may leave the end of the
 * data, or records the socket did not take yet, in t: flush sends all of
 * it. read returns 0 when the peer closed
 * cleanly (close_notify). close sends close_notify, then waits for the
 * peer's close_notify or end of stream (both 0), so that closing the
 * socket does not reset what the peer has yet to read; it discards unread
 * data, so read the peer's last message first. A read, handshake or close
 * that timed out can be tried again; a write that timed out may have
 * queued part of the buffer, so the connection is then lost. Other errors
 * are final. */
int net_tls_handshake(struct net_tls *t, int fd, int timeout_ms);
int net_tls_write(struct net_tls *t, int fd, const void *buf, size_t len, int timeout_ms);
int net_tls_flush(struct net_tls *t, int fd, int timeout_ms);
long net_tls_read(struct net_tls *t, int fd, void *buf, size_t len, int timeout_ms);
int net_tls_close(struct net_tls *t, int fd, int timeout_ms);

/* One non-blocking step for an event loop: moves whatever records can move
 * between the engine and fd without blocking. Returns the poll() events
 * to wait for next (POLLIN and/or POLLOUT), 0 when the engine is closed,
 * or a negative error as above.
 *
 * Application data goes through the engine directly: take received data
 * with br_ssl_engine_recvapp_buf/_ack(t->eng), give data to send with
 * br_ssl_engine_sendapp_buf/_ack and br_ssl_engine_flush, then pump
 * again. While received data is left untaken (BR_SSL_RECVAPP) no record
 * can come in, yet POLLIN is returned: take the data before polling.
 * Peer end of stream is -ECONNRESET unless the engine had closed cleanly
 * (then 0). net_tls_peer turns >= 0 once the handshake is done and the
 * ALPN checked, which happens inside pump too. */
int net_tls_pump(struct net_tls *t, int fd);

#endif
