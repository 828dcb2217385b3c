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

#define NET_FP_LEN 32           /* SHA-256 */
#define NET_FP_TEXT 65          /* 64 hex digits + NUL */
#define NET_CERT_MAX 512        /* a self-signed P-256 certificate */
#define NET_ALPN "salvage/1"

/* A P-256 key pair and its self-signed certificate. */
struct net_key {
	unsigned char priv[32];             /* the private scalar, big-endian */
	unsigned char pub[65];              /* uncompressed point 04 || X || Y */
	unsigned char cert[NET_CERT_MAX];   /* DER */
	size_t cert_len;
	unsigned char fp[NET_FP_LEN];       /* of pub */
};

/* A new key from net_random() (waiting at most NET_RANDOM_WAIT_S),
 * with a self-signed certificate whose subject is CN=name. 0 or -errno. */
int net_key_generate(struct net_key *k, const char *name);
/* Writes base.key (mode 0600: private key and certificate) and base.pub
 * (what the other side needs: the certificate). Neither may exist yet
 * (-EEXIST). 0 or -errno. */
int net_key_save(const struct net_key *k, const char *base);
/* Reads a .key file written by net_key_save: 0, -errno, or
 * -SALVAGE_E_KEY_BAD when it is not one (checked: the private scalar
 * gives the certificate's public key). */
int net_key_load(struct net_key *k, const char *path);
/* The fingerprint of a .pub file (or of a .key file's certificate):
 * 0, -errno or -SALVAGE_E_KEY_BAD. */
int net_pub_load(unsigned char fp[NET_FP_LEN], const char *path);
/* 2 * len lowercase hex digits of in, then a NUL, into out; returns out. */
char *net_hex(char *out, const unsigned char *in, size_t len);
/* len bytes from 2 * len hex digits: 0, or -1 at the first non-digit. */
int net_unhex(unsigned char *out, const char *in, size_t len);
/* 64 lowercase hex digits; parse accepts either case, followed by the
 * end of the string or white space (so "FINGERPRINT NAME" lines can be
 * parsed in place): 0 or -EINVAL. */
char *net_fp_text(char out[NET_FP_TEXT], const unsigned char fp[NET_FP_LEN]);
int net_fp_parse(unsigned char fp[NET_FP_LEN], const char *text);

/* The pin engine: a br_x509_class that takes the peer's end-entity
 * certificate, hashes its SubjectPublicKeyInfo and accepts it only if the
 * fingerprint is in the list (constant-time compare). */
struct net_pins {
	const br_x509_class *vtable;        /* first: BearSSL's x509 context */
	const unsigned char (*fp)[NET_FP_LEN];
	size_t n;
	int matched;                        /* index of the peer's pin, or -1 */
	/* private */
	br_x509_decoder_context dec;
	unsigned char pub[65];
	br_x509_pkey pkey;
	int depth, err;
};

/* Makes p a pin engine over the n fingerprints fp (net_tls_*_init do
 * this; the array must outlive p). */
void net_pins_init(struct net_pins *p, const unsigned char (*fp)[NET_FP_LEN], size_t n);
/* The fingerprint of a P-256 public point (04 || X || Y): SHA-256 of its
 * DER SubjectPublicKeyInfo (docs/keys.md#fingerprints). */
void net_fp_of(unsigned char fp[NET_FP_LEN], const unsigned char pub[65]);
/* len bytes from getrandom(). While the kernel's RNG is not ready, a
 * child process blocks in getrandom() (which makes the kernel gather
 * jitter entropy), and the caller waits at most NET_RANDOM_WAIT_S for it:
 * 0, -SALVAGE_E_RANDOM_NOT_READY, or -errno (net/random.c). */
#define NET_RANDOM_WAIT_S 60
int net_random(void *buf, size_t len);

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
