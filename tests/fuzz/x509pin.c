/* libFuzzer target: the pin engine (net/pins.c) over BearSSL's X.509
 * decoder, which parse the certificate a TLS peer sends before anything
 * about it is known (the decoder is not fuzzed upstream). The engine is
 * driven the way the TLS engine drives it.
 *
 * Input: one control byte, then the certificate (DER). The control byte
 * seeds the sizes of the append() pieces; bit 6 puts the certificate's
 * own key (as a one-shot decode finds it) in the pin list, so both the
 * match and the refusal are reached; bit 7 sends the certificate twice,
 * as a chain of two. Checked: the engine agrees with the one-shot
 * decode, and accepts exactly when the key is pinned. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../net/tls.h"

static uint32_t next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void feed(const br_x509_class **x, const uint8_t *p, size_t n, uint32_t *rng)
{
	(*x)->start_cert(x, (uint32_t)n);
	while (n) {
		size_t k = 1 + next(rng) % (n < 300 ? n : 300);
		(*x)->append(x, p, k);
		p += k;
		n -= k;
	}
	(*x)->end_cert(x);
}

/* The key a one-shot decode finds, if it is one a pin can name. */
static int oracle(unsigned char fp[NET_FP_LEN], const uint8_t *p, size_t n)
{
	static br_x509_decoder_context dec;
	const br_x509_pkey *k;

	br_x509_decoder_init(&dec, 0, 0);
	br_x509_decoder_push(&dec, p, n);
	k = br_x509_decoder_get_pkey(&dec);
	if (!k || k->key_type != BR_KEYTYPE_EC || k->key.ec.curve != BR_EC_secp256r1 ||
	    k->key.ec.qlen != 65 || k->key.ec.q[0] != 4)
		return 0;
	net_fp_of(fp, k->key.ec.q);
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct net_pins pins;
	static unsigned char fps[2][NET_FP_LEN];
	const br_x509_class **x = &pins.vtable;
	const br_x509_pkey *k;
	unsigned char fp[NET_FP_LEN];
	uint32_t rng, usages = 0;
	unsigned err;
	int pinned, usable;

	if (size < 1)
		return 0;
	rng = 0x9e3779b9u ^ data[0];
	usable = oracle(fps[1], data + 1, size - 1);
	pinned = usable && (data[0] & 0x40);
	memset(fps[0], 0xa5, NET_FP_LEN);
	net_pins_init(&pins, (const unsigned char (*)[NET_FP_LEN])fps, pinned ? 2 : 1);

	(*x)->start_chain(x, 0);
	feed(x, data + 1, size - 1, &rng);
	if (data[0] & 0x80)
		feed(x, data + 1, size - 1, &rng);
	err = (*x)->end_chain(x);
	k = (*x)->get_pkey(x, &usages);

	if ((err == 0) != (k != 0) || (err == 0) != pinned)
		abort();
	if (usable && !pinned && err != BR_ERR_X509_NOT_TRUSTED)
		abort();
	if (k) {
		if (k->key_type != BR_KEYTYPE_EC || k->key.ec.qlen != 65 || pins.matched != 1 ||
		    !(usages & BR_KEYTYPE_SIGN))
			abort();
		net_fp_of(fp, k->key.ec.q);
		if (memcmp(fp, fps[1], NET_FP_LEN))
			abort();
	}
	return 0;
}
