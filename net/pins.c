/* The pin engine: a br_x509_class (bearssl_x509.h) that trusts a peer
 * when the fingerprint of its end-entity certificate's key is in a list,
 * as ssh trusts known_hosts and authorized_keys. Names, dates, issuers
 * and the certificate's own signature are not looked at: the certificate
 * is only a container for the key, and the TLS handshake proves that the
 * peer holds the private half (ServerKeyExchange or CertificateVerify).
 * Certificates after the first are ignored. */
#include <string.h>
#include "pins.h"

/* DER SubjectPublicKeyInfo of a P-256 key before its 65-byte point:
 * SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING (66) }
 * (RFC 5480 section 2; docs/keys.md#fingerprints). */
static const unsigned char spki_p256[26] = {
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
	0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03,
	0x42, 0x00,
};

void net_fp_of(unsigned char fp[NET_FP_LEN], const unsigned char pub[65])
{
	br_sha256_context sha;

	br_sha256_init(&sha);
	br_sha256_update(&sha, spki_p256, sizeof spki_p256);
	br_sha256_update(&sha, pub, 65);
	br_sha256_out(&sha, fp);
}

static struct net_pins *pins_of(const br_x509_class *const *ctx)
{
	return (struct net_pins *)(void *)ctx;
}

static void start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct net_pins *p = pins_of(ctx);

	(void)server_name;
	p->depth = 0;
	p->err = 0;
	p->matched = -1;
	br_x509_decoder_init(&p->dec, 0, 0);
}

static void start_cert(const br_x509_class **ctx, uint32_t length)
{
	(void)ctx, (void)length;
}

/* Never push into a decoder that failed: its failure only pauses it,
 * and more bytes resume the code after the failure on a stack it does
 * not expect (reads out of bounds; found by tests/fuzz/x509pin.c). The
 * decoder's own error field is the one guard. */
static void append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct net_pins *p = pins_of(ctx);

	if (p->depth == 0 && !p->dec.err)
		br_x509_decoder_push(&p->dec, buf, len);
}

/* Index of fp in the list, or -1; every pin is compared in full, with no
 * branch on the bytes, so timing does not tell how close a key came. */
static int lookup(const struct net_pins *p, const unsigned char *fp)
{
	uint32_t found = 0, idx = 0;

	for (size_t i = 0; i < p->n; i++) {
		uint32_t diff = 0, eq;
		for (size_t j = 0; j < NET_FP_LEN; j++)
			diff |= (uint32_t)(p->fp[i][j] ^ fp[j]);
		eq = (diff - 1) >> 31;          /* 1 when diff == 0 */
		idx |= (uint32_t)i & -(eq & ~found);
		found |= eq;
	}
	return found ? (int)idx : -1;
}

/* The end-entity certificate is complete: take its key, hash, look up. */
static int check(struct net_pins *p)
{
	const br_x509_pkey *k;
	unsigned char fp[NET_FP_LEN];
	int e = br_x509_decoder_last_error(&p->dec);

	if (e)
		return e;
	k = br_x509_decoder_get_pkey(&p->dec);
	/* A key of another kind cannot be any pin (all are P-256). */
	if (!k || k->key_type != BR_KEYTYPE_EC || k->key.ec.curve != BR_EC_secp256r1 ||
	    k->key.ec.qlen != 65 || k->key.ec.q[0] != 0x04)
		return BR_ERR_X509_NOT_TRUSTED;
	memcpy(p->pub, k->key.ec.q, 65);
	p->pkey.key_type = BR_KEYTYPE_EC;
	p->pkey.key.ec = (br_ec_public_key){ BR_EC_secp256r1, p->pub, 65 };
	net_fp_of(fp, p->pub);
	if ((p->matched = lookup(p, fp)) < 0)
		return BR_ERR_X509_NOT_TRUSTED;
	return 0;
}

static void end_cert(const br_x509_class **ctx)
{
	struct net_pins *p = pins_of(ctx);

	if (p->depth++ == 0)
		p->err = check(p);
}

static unsigned end_chain(const br_x509_class **ctx)
{
	struct net_pins *p = pins_of(ctx);

	return p->depth ? (unsigned)p->err : BR_ERR_X509_EMPTY_CHAIN;
}

static const br_x509_pkey *get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	struct net_pins *p = pins_of(ctx);

	if (!p->depth || p->err || p->matched < 0)
		return NULL;
	if (usages)
		*usages = BR_KEYTYPE_SIGN | BR_KEYTYPE_EC;
	return &p->pkey;
}

static const br_x509_class pins_class = {
	sizeof(struct net_pins), start_chain, start_cert, append, end_cert, end_chain, get_pkey,
};

void net_pins_init(struct net_pins *p, const unsigned char (*fp)[NET_FP_LEN], size_t n)
{
	memset(p, 0, sizeof *p);
	p->vtable = &pins_class;
	p->fp = fp;
	p->n = n;
	p->matched = -1;
}
