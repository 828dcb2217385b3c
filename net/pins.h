/* The certificate check of the dump channel's TLS (net/pins.c): a peer is
 * accepted by the fingerprint of its key, never by names or dates
 * (docs/keys.md). A fingerprint is the SHA-256 of the key's DER
 * SubjectPublicKeyInfo. */
#ifndef SALVAGE_NET_PINS_H
#define SALVAGE_NET_PINS_H
#include <stddef.h>
#include <bearssl.h>

#define NET_FP_LEN 32           /* SHA-256 */

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

#endif
