/* TLS 1.2 AES-128-GCM records (RFC 5288) for BearSSL's engine, sealed and
 * opened by net/gcm.c in one pass (docs/design-notes.md#gcm). Installed
 * with br_ssl_engine_set_gcm() when gcm_usable(); BearSSL's own record
 * classes serve otherwise. Installed all the same, these classes hand a
 * key to BearSSL's when it is not 128 bits or when !gcm_usable(), so
 * net/gcm.c never runs on a CPU that lacks what it needs. */
#ifndef SALVAGE_NET_TLSREC_H
#define SALVAGE_NET_TLSREC_H
#include <bearssl.h>

extern const br_sslrec_in_gcm_class net_tlsrec_gcm_in;
extern const br_sslrec_out_gcm_class net_tlsrec_gcm_out;

/* A record's bytes besides its plaintext: header, explicit nonce, tag. */
#define NET_TLSREC_OVERHEAD (5 + 8 + 16)

/* 1 when eng seals its outgoing records with net_tlsrec_gcm_out. */
int net_tlsrec_out_ours(const br_ssl_engine_context *eng);

/* Seals in[0..len) as one application-data record into out (len +
 * NET_TLSREC_OVERHEAD bytes; out must not overlap in), with eng's keys and
 * next sequence number, as the engine itself would: for a writer that
 * sends bulk data past the engine's buffer (net_tls_write). Only when
 * net_tlsrec_out_ours(eng), the handshake is done, the engine holds no
 * unsent data, and len is at most what sendapp_buf offers. Returns the
 * record's length; 0, with nothing sealed or written, when len is over
 * 16384 or eng's records are not ours. */
size_t net_tlsrec_seal_app(br_ssl_engine_context *eng, const void *in, size_t len, unsigned char *out);

#endif
