/* net/tlsrec.c's record classes, one record at a time, against BearSSL's
 * own GCM record classes over its portable AES and GHASH. */
#include <bearssl.h>
#include <string.h>
#include "check.h"
#include "../../net/gcm.h"
#include "../../net/tlsrec.h"

static const unsigned char key[16] = "tlsrec unit key", salt[4] = { 0xa5, 1, 2, 3 };

/* Engines of which only the record contexts and the version are used. */
static br_ssl_engine_context ours;

static void keyed(br_ssl_engine_context *e, const br_sslrec_in_gcm_class *in, const br_sslrec_out_gcm_class *out)
{
	memset(e, 0, sizeof *e);
	e->session.version = BR_TLS12;
	in->init(&e->in.gcm.vtable.in, &br_aes_ct64_ctr_vtable, key, sizeof key, br_ghash_ctmul64, salt);
	out->init(&e->out.gcm.vtable.out, &br_aes_ct64_ctr_vtable, key, sizeof key, br_ghash_ctmul64, salt);
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
