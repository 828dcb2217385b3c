/* AES-128-GCM in one pass with AES-NI and PCLMULQDQ (net/gcm.c), for the
 * TLS record layer (net/tlsrec.c). Why our own: docs/design-notes.md#gcm. */
#ifndef SALVAGE_NET_GCM_H
#define SALVAGE_NET_GCM_H

#include <stddef.h>
#include <stdint.h>

#define GCM_POWERS 8

/* Round keys and the hash key's powers; no alignment required, so the
 * structure can live inside BearSSL's engine context. */
struct gcm_key {
	unsigned char rk[11][16];
	unsigned char h[GCM_POWERS][16];	/* H^8 .. H^1, POLYVAL form */
	unsigned char hk[GCM_POWERS][16];	/* their halves xor-ed, Karatsuba */
};

/* 1 when this CPU has what gcm.c needs (AES-NI, PCLMULQDQ, SSSE3,
 * SSE4.1). The other functions must not be called otherwise: on x86-64
 * they would fault on an instruction the CPU lacks, and elsewhere they
 * abort(). */
int gcm_usable(void);

void gcm_init(struct gcm_key *k, const unsigned char key[16]);

/* Encrypts in[0..len) to out (in place when out == in; otherwise the two
 * must not overlap) and writes the 16-byte tag. */
void gcm_seal(const struct gcm_key *k, const unsigned char nonce[12], const void *aad, size_t aad_len,
              const void *in, void *out, size_t len, unsigned char tag[16]);

/* Checks the tag (in constant time) and decrypts in[0..len) to out (as
 * for gcm_seal): returns 0, or -1 when the tag does not match (out is
 * then written all the same, and must not be used). */
int gcm_open(const struct gcm_key *k, const unsigned char nonce[12], const void *aad, size_t aad_len,
             const void *in, void *out, size_t len, const unsigned char tag[16]);

#endif
