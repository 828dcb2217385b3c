/* net/tlsrec.c one record at a time, against BearSSL's own GCM record
 * classes over its portable AES and GHASH: the same key and sequence
 * number give the same record byte for byte, each class opens the other's
 * records, a record with one bit changed or out of its turn is refused,
 * and net_tlsrec_seal_app seals in the engine's sequence and refuses what
 * it must not seal. */
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

/* The record rec[0..n) opened by e's in class as the engine does it,
 * type and version from its header: the plaintext (into plain) and its
 * length, or -1 when refused. */
static long open_rec(br_ssl_engine_context *e, const unsigned char *rec, size_t n, unsigned char *plain)
{
	static unsigned char buf[MAX_REC];
	size_t len = n - 5;
	unsigned char *p;

	memcpy(buf, rec, n);
	if (!e->in.vtable->check_length(&e->in.vtable, len))
		return -1;
	p = e->in.vtable->decrypt(&e->in.vtable, buf[0], (unsigned)buf[1] << 8 | buf[2], buf + 5, &len);
	if (!p)
		return -1;
	memcpy(plain, p, len);
	return (long)len;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 131 + seed + i / 251);
}

/* One record of each length in a row, each sealed by both classes: the
 * explicit nonce is the sequence number in both, so the records are the
 * same bytes, and each class opens them. */
TEST(tlsrec_records_match_bearssls_both_ways)
{
	static const size_t lens[] = { 0, 1, 15, 16, 17, 16383, 16384 };
	static unsigned char plain[MAX_PLAIN], a[MAX_REC], b[MAX_REC], got[MAX_PLAIN];

	if (!both_keyed())
		CHECK_SKIP(NO_GCM);
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		size_t len = lens[i], na, nb;
		int type = i % 2 ? 23 : 22;     /* application data, handshake */

		fill(plain, len, (unsigned)i);
		na = seal(&ours, type, plain, len, a);
		nb = seal(&theirs, type, plain, len, b);
		CHECK_INT(len + NET_TLSREC_OVERHEAD, na);
		CHECK_INT(nb, na);
		if (!CHECK_MEM(b, a, nb))
			printf("  record %zu, %zu bytes\n", i, len);
		CHECK_INT(len, open_rec(&theirs, a, na, got));
		CHECK_MEM(plain, got, len);
		CHECK_INT(len, open_rec(&ours, b, nb, got));
		CHECK_MEM(plain, got, len);
	}
	/* the largest record and one byte more */
	CHECK_INT(1, ours.in.vtable->check_length(&ours.in.vtable, MAX_PLAIN + 24));
	CHECK_INT(0, ours.in.vtable->check_length(&ours.in.vtable, MAX_PLAIN + 25));
	CHECK_INT(0, ours.in.vtable->check_length(&ours.in.vtable, 23));
}

/* A record BearSSL sealed, with one bit changed in the header (type,
 * version: the additional data), the explicit nonce, the ciphertext (the
 * eight-block loop and the tail) or the tag: ours refuses each, and
 * opens the record unchanged. */
TEST(tlsrec_bearssls_record_with_a_bit_flipped_is_refused)
{
	static const size_t at[] = { 0, 2, 5, 12, 13, 13 + 640, 13 + 999, 13 + 1000, 13 + 1015 };
	static unsigned char plain[1000], rec[MAX_REC], bad[MAX_REC], got[1000];
	size_t n;

	if (!both_keyed())
		CHECK_SKIP(NO_GCM);
	fill(plain, sizeof plain, 7);
	n = seal(&theirs, 23, plain, sizeof plain, rec);
	CHECK_INT(sizeof plain + NET_TLSREC_OVERHEAD, n);
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		for (unsigned bit = 0; bit < 8; bit += 3) {
			memcpy(bad, rec, n);
			bad[at[i]] ^= (unsigned char)(1u << bit);
			keyed(&ours, &net_tlsrec_gcm_in, &net_tlsrec_gcm_out);
			if (!CHECK_INT(-1, open_rec(&ours, bad, n, got)))
				printf("  byte %zu, bit %u\n", at[i], bit);
		}
	}
	keyed(&ours, &net_tlsrec_gcm_in, &net_tlsrec_gcm_out);
	CHECK_INT(sizeof plain, open_rec(&ours, rec, n, got));
	CHECK_MEM(plain, got, sizeof plain);
}

/* Records opened out of their turn (replayed, reordered) carry another
 * sequence number in their additional data: refused, and the ones in
 * turn still open. */
TEST(tlsrec_record_out_of_turn_is_refused)
{
	static unsigned char rec[3][MAX_REC], got[MAX_PLAIN];
	unsigned char plain[3][40];
	size_t n[3];

	if (!both_keyed())
		CHECK_SKIP(NO_GCM);
	for (int i = 0; i < 3; i++) {
		fill(plain[i], sizeof plain[i], (unsigned)i);
		n[i] = seal(&theirs, 23, plain[i], sizeof plain[i], rec[i]);
	}
	CHECK_INT(-1, open_rec(&ours, rec[1], n[1], got));
	CHECK_INT(40, open_rec(&ours, rec[0], n[0], got));
	CHECK_INT(-1, open_rec(&ours, rec[0], n[0], got));
	CHECK_INT(-1, open_rec(&ours, rec[2], n[2], got));
	CHECK_INT(40, open_rec(&ours, rec[1], n[1], got));
	CHECK_INT(40, open_rec(&ours, rec[2], n[2], got));
	CHECK_MEM(plain[2], got, 40);
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
