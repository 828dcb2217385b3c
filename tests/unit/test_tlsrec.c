/* net/tlsrec.c one record at a time, against BearSSL's own GCM record
 * classes over its portable AES and GHASH: net_tlsrec_seal_app seals in
 * the engine's sequence and refuses what it must not seal. */
#include <bearssl.h>
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "../../net/gcm.h"
#include "../../net/tlsrec.h"

#define MAX_PLAIN 16384
#define BEFORE 13               /* header and explicit nonce, before the plaintext */
#define MAX_REC (MAX_PLAIN + NET_TLSREC_OVERHEAD)
#define NO_GCM "no AES-NI/PCLMULQDQ here: net/tlsrec.c hands every key to BearSSL's classes"

static const unsigned char key[16] = "tlsrec unit key", salt[4] = { 0xa5, 1, 2, 3 };

/* Engines of which only the record contexts and the version are used. */
static br_ssl_engine_context ours, theirs;

static void keyed(br_ssl_engine_context *e, const br_sslrec_in_gcm_class *in, const br_sslrec_out_gcm_class *out)
{
	memset(e, 0, sizeof *e);
	e->session.version = BR_TLS12;
	in->init(&e->in.gcm.vtable.in, &br_aes_ct64_ctr_vtable, key, sizeof key, br_ghash_ctmul64, salt);
	out->init(&e->out.gcm.vtable.out, &br_aes_ct64_ctr_vtable, key, sizeof key, br_ghash_ctmul64, salt);
}

/* Both engines keyed alike and at sequence number 0; 0 when ours is not
 * in use (the caller skips). */
static int both_keyed(void)
{
	if (!gcm_usable())
		return 0;
	keyed(&ours, &net_tlsrec_gcm_in, &net_tlsrec_gcm_out);
	keyed(&theirs, &br_sslrec_in_gcm_vtable, &br_sslrec_out_gcm_vtable);
	CHECK_INT(1, ours.out.vtable == &net_tlsrec_gcm_out.inner && ours.in.vtable == &net_tlsrec_gcm_in.inner);
	CHECK_INT(1, theirs.out.vtable == &br_sslrec_out_gcm_vtable.inner);
	return 1;
}

/* plain[0..len) sealed by e's out class as the engine does it, into rec
 * (MAX_REC bytes): the record's length. */
static size_t seal(br_ssl_engine_context *e, int type, const unsigned char *plain, size_t len, unsigned char *rec)
{
	unsigned char *r;

	memcpy(rec + BEFORE, plain, len);
	r = e->out.vtable->encrypt(&e->out.vtable, type, BR_TLS12, rec + BEFORE, &len);
	CHECK_INT(0, r - rec);
	return len;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 131 + seed + i / 251);
}

/* net_tlsrec_seal_app and the engine's own sealing (the class) in turn
 * share one sequence: each record is the one BearSSL seals in its place.
 * A length over 16384 is refused, and with nothing written and no
 * sequence number used up. */
TEST(tlsrec_seal_app_keeps_the_sequence_and_refuses_too_long)
{
	static const size_t lens[] = { 16384, 0, 1, 16383, 17, 16 };
	static unsigned char plain[MAX_PLAIN + 1], a[MAX_REC + 64], b[MAX_REC], untouched[MAX_REC + 64];

	if (!both_keyed())
		CHECK_SKIP(NO_GCM);
	CHECK_INT(1, net_tlsrec_out_ours(&ours));
	fill(plain, sizeof plain, 3);
	memset(untouched, 0x5c, sizeof untouched);
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		size_t len = lens[i], na, nb;

		memcpy(a, untouched, sizeof a);
		if (i % 2)
			na = seal(&ours, 23, plain, len, a);
		else
			na = net_tlsrec_seal_app(&ours, plain, len, a);
		nb = seal(&theirs, 23, plain, len, b);
		CHECK_INT(nb, na);
		if (!CHECK_MEM(b, a, nb))
			printf("  record %zu, %zu bytes\n", i, len);
		CHECK_MEM(untouched, a + nb, sizeof a - nb);
		if (i == 2) {
			memcpy(a, untouched, sizeof a);
			CHECK_INT(0, net_tlsrec_seal_app(&ours, plain, MAX_PLAIN + 1, a));
			CHECK_MEM(untouched, a, sizeof a);
		}
	}
}

/* On an engine whose records are BearSSL's (its GCM class, or ChaCha20:
 * what a CPU without AES-NI negotiates), seal_app seals nothing and leaves
 * that class's context alone. */
TEST(tlsrec_seal_app_refuses_another_class)
{
	static br_ssl_engine_context e, copy;
	static unsigned char out[64], untouched[64];
	static const unsigned char chapol_key[32] = "a ChaCha20 key of 32 bytes here", iv[12] = { 1 };

	memset(untouched, 0x5c, sizeof untouched);
	for (int chapol = 0; chapol < 2; chapol++) {
		keyed(&e, &br_sslrec_in_gcm_vtable, &br_sslrec_out_gcm_vtable);
		if (chapol)
			br_sslrec_out_chapol_vtable.init(&e.out.chapol.vtable.out, br_chacha20_ct_run,
			                                 br_poly1305_ctmul_run, chapol_key, iv);
		memcpy(&copy, &e, sizeof e);
		memcpy(out, untouched, sizeof out);
		CHECK_INT(0, net_tlsrec_out_ours(&e));
		CHECK_INT(0, net_tlsrec_seal_app(&e, "data", 4, out));
		CHECK_MEM(untouched, out, sizeof out);
		CHECK_MEM(&copy, &e, sizeof e);
	}
}

/* Given a key that is not 128 bits, or on a CPU without what net/gcm.c
 * needs (where gcm.c would fault or abort), our classes leave the key
 * to BearSSL's. */
TEST(tlsrec_other_keys_go_to_bearssl)
{
	static const unsigned char key32[32] = "an AES-256 key, 32 bytes long..";
	br_ssl_engine_context *e = &ours;

	memset(e, 0, sizeof *e);
	net_tlsrec_gcm_out.init(&e->out.gcm.vtable.out, &br_aes_ct64_ctr_vtable, key32, sizeof key32,
	                        br_ghash_ctmul64, salt);
	net_tlsrec_gcm_in.init(&e->in.gcm.vtable.in, &br_aes_ct64_ctr_vtable, key32, sizeof key32,
	                       br_ghash_ctmul64, salt);
	CHECK_INT(1, e->out.vtable == &br_sslrec_out_gcm_vtable.inner);
	CHECK_INT(1, e->in.vtable == &br_sslrec_in_gcm_vtable.inner);
	keyed(e, &net_tlsrec_gcm_in, &net_tlsrec_gcm_out);
	CHECK_INT(gcm_usable(), e->out.vtable == &net_tlsrec_gcm_out.inner);
	CHECK_INT(gcm_usable(), e->in.vtable == &net_tlsrec_gcm_in.inner);
}
