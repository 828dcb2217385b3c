/* See net/tlsrec.h. A record on the wire: the 5-byte header, the 8-byte
 * explicit nonce (the sequence number, as BearSSL sends it), the
 * ciphertext, the 16-byte tag. The nonce is the 4-byte salt from the key
 * block and the explicit part; the additional data is the sequence number,
 * type, version and plaintext length (RFC 5246 6.2.3.3). */
#include <string.h>
#include "gcm.h"
#include "tlsrec.h"

#define EXPLICIT 8
#define TAG 16
#define MAX_PLAIN 16384

/* Lives in the engine's in/out union, where the engine calls through its
 * first field. */
struct rec {
	const void *vtable;
	uint64_t seq;
	unsigned char salt[4];
	struct gcm_key key;
};

_Static_assert(sizeof(struct rec) <= sizeof(((br_ssl_engine_context *)0)->in) &&
               sizeof(struct rec) <= sizeof(((br_ssl_engine_context *)0)->out),
               "the record context must fit in BearSSL's engine");

static void be(unsigned char *p, uint64_t v, int n)
{
	while (n--) {
		p[n] = (unsigned char)v;
		v >>= 8;
	}
}

static void nonce_aad(const struct rec *r, const unsigned char *explicit, int type, unsigned version,
                      size_t len, unsigned char nonce[12], unsigned char aad[13])
{
	memcpy(nonce, r->salt, 4);
	memcpy(nonce + 4, explicit, EXPLICIT);
	be(aad, r->seq, 8);
	aad[8] = (unsigned char)type;
	be(aad + 9, version, 2);
	be(aad + 11, len, 2);
}

/* Ours for AES-128 on a CPU that has what net/gcm.c needs; BearSSL's own
 * class (which then sets its vtable) otherwise: for any other key size,
 * which our profile never negotiates anyway, and on any other CPU, where
 * gcm.c's functions must never run (net/gcm.h). */
static int init(struct rec *r, const void *vtable, const void *key, size_t key_len, const void *iv)
{
	if (key_len != 16 || !gcm_usable())
		return 0;
	r->vtable = vtable;
	r->seq = 0;
	memcpy(r->salt, iv, 4);
	gcm_init(&r->key, key);
	return 1;
}

static void init_in(const br_sslrec_in_gcm_class **ctx, const br_block_ctr_class *bc, const void *key,
                    size_t key_len, br_ghash gh, const void *iv)
{
	if (!init((struct rec *)ctx, &net_tlsrec_gcm_in, key, key_len, iv))
		br_sslrec_in_gcm_vtable.init(ctx, bc, key, key_len, gh, iv);
}

static void init_out(const br_sslrec_out_gcm_class **ctx, const br_block_ctr_class *bc, const void *key,
                     size_t key_len, br_ghash gh, const void *iv)
{
	if (!init((struct rec *)ctx, &net_tlsrec_gcm_out, key, key_len, iv))
		br_sslrec_out_gcm_vtable.init(ctx, bc, key, key_len, gh, iv);
}

static int check_length(const br_sslrec_in_class *const *ctx, size_t len)
{
	(void)ctx;
	return len >= EXPLICIT + TAG && len <= EXPLICIT + MAX_PLAIN + TAG;
}

static unsigned char *open_rec(const br_sslrec_in_class **ctx, int type, unsigned version, void *payload,
                               size_t *len)
{
	struct rec *r = (struct rec *)ctx;
	unsigned char *p = payload, nonce[12], aad[13];
	size_t n = *len - EXPLICIT - TAG;

	nonce_aad(r, p, type, version, n, nonce, aad);
	if (gcm_open(&r->key, nonce, aad, sizeof aad, p + EXPLICIT, p + EXPLICIT, n, p + EXPLICIT + n))
		return NULL;
	r->seq++;
	*len = n;
	return p + EXPLICIT;
}

static void max_plaintext(const br_sslrec_out_class *const *ctx, size_t *start, size_t *end)
{
	size_t room = *end - *start;

	(void)ctx;
	room = room > EXPLICIT + TAG ? room - EXPLICIT - TAG : 0;
	*start += EXPLICIT;
	*end = *start + (room < MAX_PLAIN ? room : MAX_PLAIN);
}

/* One record of in[0..len) at out: header, explicit nonce, ciphertext,
 * tag. in may be where the ciphertext goes (out + 13), or apart. */
static size_t seal(struct rec *r, int type, unsigned version, const unsigned char *in, size_t len,
                   unsigned char *out)
{
	unsigned char nonce[12], aad[13];

	out[0] = (unsigned char)type;
	be(out + 1, version, 2);
	be(out + 3, EXPLICIT + len + TAG, 2);
	be(out + 5, r->seq, EXPLICIT);
	nonce_aad(r, out + 5, type, version, len, nonce, aad);
	gcm_seal(&r->key, nonce, aad, sizeof aad, in, out + 5 + EXPLICIT, len, out + 5 + EXPLICIT + len);
	r->seq++;
	return 5 + EXPLICIT + len + TAG;
}

static unsigned char *seal_rec(const br_sslrec_out_class **ctx, int type, unsigned version, void *plaintext,
                               size_t *len)
{
	unsigned char *h = (unsigned char *)plaintext - EXPLICIT - 5;

	*len = seal((struct rec *)ctx, type, version, plaintext, *len, h);
	return h;
}

int net_tlsrec_out_ours(const br_ssl_engine_context *eng)
{
	return eng->out.vtable == &net_tlsrec_gcm_out.inner;
}

size_t net_tlsrec_seal_app(br_ssl_engine_context *eng, const void *in, size_t len, unsigned char *out)
{
	/* More would be a record every peer refuses (RFC 5246 6.2.3), and
	 * another class's context is no struct rec. */
	if (len > MAX_PLAIN || !net_tlsrec_out_ours(eng))
		return 0;
	/* 23: application_data (RFC 5246 6.2.1) */
	return seal((struct rec *)&eng->out, 23, br_ssl_engine_get_version(eng), in, len, out);
}

const br_sslrec_in_gcm_class net_tlsrec_gcm_in = {
	{ sizeof(struct rec), check_length, open_rec },
	init_in,
};

const br_sslrec_out_gcm_class net_tlsrec_gcm_out = {
	{ sizeof(struct rec), max_plaintext, seal_rec },
	init_out,
};
