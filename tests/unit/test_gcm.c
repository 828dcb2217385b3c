/* net/gcm.c: the published AES-128-GCM test cases, then agreement with
 * BearSSL's GCM (its own AES and GHASH code, two passes) on random keys,
 * nonces, additional data and lengths, and every kind of tampering
 * refused. */
#include <bearssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "../../net/gcm.h"

#define NO_GCM "no AES-NI/PCLMULQDQ here: net/gcm.c is never used"

static size_t unhex(unsigned char *out, const char *hex)
{
	size_t n = 0;

	for (; hex[0] && hex[1]; hex += 2) {
		unsigned v;
		sscanf(hex, "%2x", &v);
		out[n++] = (unsigned char)v;
	}
	return n;
}

/* The AES-128 test cases 1-4 of McGrew and Viega's GCM specification
 * (the ones NIST's validation set starts from). */
static const struct {
	const char *key, *iv, *aad, *plain, *cipher, *tag;
} nist[] = {
	{ "00000000000000000000000000000000", "000000000000000000000000", "", "", "",
	  "58e2fccefa7e3061367f1d57a4e7455a" },
	{ "00000000000000000000000000000000", "000000000000000000000000", "",
	  "00000000000000000000000000000000", "0388dace60b6a392f328c2b971b2fe78",
	  "ab6e47d42cec13bdf53a67b21257bddf" },
	{ "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", "",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
	  "4d5c2af327cd64a62cf35abd2ba6fab4" },
	{ "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
	  "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	  "5bc94fbc3221a5db94fae95ae7121a47" },
};

TEST(gcm_published_vectors)
{
	if (!gcm_usable())
		CHECK_SKIP(NO_GCM);
	for (size_t i = 0; i < sizeof nist / sizeof nist[0]; i++) {
		unsigned char key[16], iv[12], aad[32], plain[64], cipher[64], tag[16], buf[64], got[16];
		size_t al = unhex(aad, nist[i].aad), pl = unhex(plain, nist[i].plain);
		struct gcm_key k;

		unhex(key, nist[i].key);
		unhex(iv, nist[i].iv);
		CHECK_INT(pl, unhex(cipher, nist[i].cipher));
		unhex(tag, nist[i].tag);
		gcm_init(&k, key);
		memcpy(buf, plain, pl);
		gcm_seal(&k, iv, aad, al, buf, buf, pl, got);
		CHECK_MEM(cipher, buf, pl);
		CHECK_MEM(tag, got, 16);
		CHECK_INT(0, gcm_open(&k, iv, aad, al, buf, buf, pl, tag));
		CHECK_MEM(plain, buf, pl);
	}
}

/* BearSSL's GCM over its constant-time portable AES and GHASH: nothing
 * in common with ours but the specification. */
static void reference(const unsigned char key[16], const unsigned char iv[12], const unsigned char *aad,
                      size_t al, unsigned char *buf, size_t len, unsigned char tag[16])
{
	br_aes_ct64_ctr_keys bc;
	br_gcm_context g;

	br_aes_ct64_ctr_init(&bc, key, 16);
	br_gcm_init(&g, &bc.vtable, br_ghash_ctmul64);
	br_gcm_reset(&g, iv, 12);
	br_gcm_aad_inject(&g, aad, al);
	br_gcm_flip(&g);
	br_gcm_run(&g, 1, buf, len);
	br_gcm_get_tag(&g, tag);
}

TEST(gcm_agrees_with_bearssl)
{
	static unsigned char plain[17000], ours[17000], theirs[17000], back[17000];
	unsigned char key[16], iv[12], aad[40], t1[16], t2[16];
	struct gcm_key k;
	int bad = 0;

	if (!gcm_usable())
		CHECK_SKIP(NO_GCM);
	srand(12345);
	/* every length up to 300 (the tails of 1-15 bytes, whole blocks, the
	 * eight-block loop and what is left after it), then random ones up to
	 * past a full TLS record */
	for (int it = 0; it < 1200 && bad < 3; it++) {
		size_t len = it <= 300 ? (size_t)it : (size_t)rand() % sizeof plain, al = (size_t)rand() % 41;

		for (size_t i = 0; i < 16; i++)
			key[i] = (unsigned char)rand();
		for (size_t i = 0; i < 12; i++)
			iv[i] = (unsigned char)rand();
		for (size_t i = 0; i < al; i++)
			aad[i] = (unsigned char)rand();
		for (size_t i = 0; i < len; i++)
			plain[i] = (unsigned char)rand();
		memcpy(theirs, plain, len);
		gcm_init(&k, key);
		/* out of place, then in place */
		gcm_seal(&k, iv, aad, al, plain, ours, len, t1);
		reference(key, iv, aad, al, theirs, len, t2);
		bad += !CHECK_MEM(theirs, ours, len);
		bad += !CHECK_MEM(t2, t1, 16);
		bad += !CHECK_INT(0, gcm_open(&k, iv, aad, al, ours, back, len, t1));
		bad += !CHECK_MEM(plain, back, len);
		bad += !CHECK_INT(0, gcm_open(&k, iv, aad, al, ours, ours, len, t1));
		bad += !CHECK_MEM(plain, ours, len);
		gcm_seal(&k, iv, aad, al, ours, ours, len, t1);
		bad += !CHECK_MEM(theirs, ours, len);
		bad += !CHECK_MEM(t2, t1, 16);
	}
}

TEST(gcm_tampering_refused)
{
	static unsigned char buf[5000], sealed[5000];
	unsigned char key[16] = { 1, 2, 3 }, iv[12] = { 9 }, aad[13] = "record header", tag[16], t[16];
	struct gcm_key k;

	if (!gcm_usable())
		CHECK_SKIP(NO_GCM);
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(i * 31);
	gcm_init(&k, key);
	gcm_seal(&k, iv, aad, sizeof aad, buf, buf, sizeof buf, tag);
	memcpy(sealed, buf, sizeof buf);
	/* one bit flipped in a ciphertext block of the eight-block loop, in
	 * the tail, in the additional data, in the nonce, in the tag */
	for (size_t at = 0; at < sizeof buf; at += 997) {
		memcpy(buf, sealed, sizeof buf);
		buf[at] ^= 0x10;
		CHECK_INT(-1, gcm_open(&k, iv, aad, sizeof aad, buf, buf, sizeof buf, tag));
	}
	memcpy(buf, sealed, sizeof buf);
	aad[12] ^= 1;
	CHECK_INT(-1, gcm_open(&k, iv, aad, sizeof aad, buf, buf, sizeof buf, tag));
	aad[12] ^= 1;
	memcpy(buf, sealed, sizeof buf);
	iv[11] ^= 1;
	CHECK_INT(-1, gcm_open(&k, iv, aad, sizeof aad, buf, buf, sizeof buf, tag));
	iv[11] ^= 1;
	memcpy(t, tag, 16);
	t[15] ^= 0x80;
	memcpy(buf, sealed, sizeof buf);
	CHECK_INT(-1, gcm_open(&k, iv, aad, sizeof aad, buf, buf, sizeof buf, t));
	/* a shorter length is another message */
	memcpy(buf, sealed, sizeof buf);
	CHECK_INT(-1, gcm_open(&k, iv, aad, sizeof aad, buf, buf, sizeof buf - 1, tag));
	memcpy(buf, sealed, sizeof buf);
	CHECK_INT(0, gcm_open(&k, iv, aad, sizeof aad, buf, buf, sizeof buf, tag));
	CHECK_INT(0, buf[4999] != (unsigned char)(4999 * 31));
}
