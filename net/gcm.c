/* AES-128-GCM (NIST SP 800-38D) with AES-NI and PCLMULQDQ, eight blocks at
 * a time, the block cipher and the hash in one pass over the data.
 *
 * GHASH is computed in the POLYVAL form of RFC 8452 (section 3 and
 * appendix A): with every 16-byte block byte-reversed, the field element
 * is the little-endian 128-bit integer (bit i = coefficient of x^i), the
 * hash key is H*x, and a multiplication is a carry-less product followed
 * by a reduction that divides by x^128 modulo
 * P = x^128 + x^127 + x^126 + x^121 + 1. Eight blocks are hashed with
 * the powers K^8..K^1 and one reduction (Horner's rule unrolled). */
#include <string.h>
#include "gcm.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

#define TARGET __attribute__((target("aes,pclmul,ssse3,sse4.1")))
#define INLINE static inline __attribute__((always_inline)) TARGET

int gcm_usable(void)
{
	unsigned a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_AES) && (c & bit_PCLMUL) &&
	       (c & bit_SSSE3) && (c & bit_SSE4_1);
}

INLINE __m128i ld(const void *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}

INLINE void st(void *p, __m128i v)
{
	_mm_storeu_si128((__m128i *)p, v);
}

INLINE __m128i rev(__m128i x)
{
	return _mm_shuffle_epi8(x, _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}

/* The two 64-bit halves swapped. */
INLINE __m128i swap64(__m128i x)
{
	return _mm_shuffle_epi32(x, 0x4e);
}

/* One step of the AES-128 key schedule: a is aeskeygenassist of the
 * previous round key, whose top word is SubWord(RotWord(w3)) ^ rcon. */
INLINE __m128i next_rk(__m128i k, __m128i a)
{
	a = _mm_shuffle_epi32(a, 0xff);
	k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
	k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
	k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
	return _mm_xor_si128(k, a);
}

INLINE __m128i aes1(const struct gcm_key *k, __m128i b)
{
	b = _mm_xor_si128(b, ld(k->rk[0]));
#pragma GCC unroll 9
	for (int r = 1; r < 10; r++)
		b = _mm_aesenc_si128(b, ld(k->rk[r]));
	return _mm_aesenclast_si128(b, ld(k->rk[10]));
}

/* The 256-bit carry-less product a*b as lo/hi, Karatsuba: bk holds
 * b.lo ^ b.hi in its low half. */
INLINE void mul_acc(__m128i a, __m128i b, __m128i bk, __m128i *lo, __m128i *mid, __m128i *hi)
{
	*lo = _mm_xor_si128(*lo, _mm_clmulepi64_si128(a, b, 0x00));
	*hi = _mm_xor_si128(*hi, _mm_clmulepi64_si128(a, b, 0x11));
	*mid = _mm_xor_si128(*mid, _mm_clmulepi64_si128(_mm_xor_si128(a, swap64(a)), bk, 0x00));
}

/* (hi:lo) / x^128 mod P, given the Karatsuba middle term: the low 128 bits
 * are cancelled 64 at a time by adding multiples of P, whose low half is
 * 1 and whose bits 64..127 are 0xc2 << 56. */
INLINE __m128i reduce(__m128i lo, __m128i mid, __m128i hi)
{
	const __m128i p = _mm_set_epi64x((long long)0xc200000000000000ULL, 0);
	__m128i t;

	mid = _mm_xor_si128(mid, _mm_xor_si128(lo, hi));
	lo = _mm_xor_si128(lo, _mm_slli_si128(mid, 8));
	hi = _mm_xor_si128(hi, _mm_srli_si128(mid, 8));
	t = _mm_clmulepi64_si128(lo, p, 0x10);
	lo = _mm_xor_si128(swap64(lo), t);
	t = _mm_clmulepi64_si128(lo, p, 0x10);
	lo = _mm_xor_si128(swap64(lo), t);
	return _mm_xor_si128(hi, lo);
}

INLINE __m128i dot(__m128i a, __m128i b, __m128i bk)
{
	__m128i lo = _mm_setzero_si128(), mid = lo, hi = lo;

	mul_acc(a, b, bk, &lo, &mid, &hi);
	return reduce(lo, mid, hi);
}

INLINE __m128i karatsuba_half(__m128i b)
{
	return _mm_xor_si128(b, swap64(b));
}

/* acc updated with one block (already byte-reversed). */
INLINE __m128i hash1(const struct gcm_key *k, __m128i acc, __m128i x)
{
	return dot(_mm_xor_si128(acc, x), ld(k->h[GCM_POWERS - 1]), ld(k->hk[GCM_POWERS - 1]));
}

/* acc updated with eight blocks as they are in memory. */
INLINE __m128i hash8(const struct gcm_key *k, __m128i acc, const __m128i c[8])
{
	__m128i lo = _mm_setzero_si128(), mid = lo, hi = lo;

#pragma GCC unroll 8
	for (int j = 0; j < 8; j++) {
		__m128i x = rev(c[j]);
		if (j == 0)
			x = _mm_xor_si128(x, acc);
		mul_acc(x, ld(k->h[j]), ld(k->hk[j]), &lo, &mid, &hi);
	}
	return reduce(lo, mid, hi);
}

/* Eight key-stream blocks for the counters ctr .. ctr+7 (ctr in reversed
 * form, the 32-bit counter in its low word). */
INLINE void stream8(const struct gcm_key *k, __m128i ctr, __m128i b[8])
{
	__m128i rk = ld(k->rk[0]);

#pragma GCC unroll 8
	for (int j = 0; j < 8; j++)
		b[j] = _mm_xor_si128(rev(_mm_add_epi32(ctr, _mm_set_epi32(0, 0, 0, j))), rk);
#pragma GCC unroll 9
	for (int r = 1; r < 10; r++) {
		rk = ld(k->rk[r]);
#pragma GCC unroll 8
		for (int j = 0; j < 8; j++)
			b[j] = _mm_aesenc_si128(b[j], rk);
	}
	rk = ld(k->rk[10]);
#pragma GCC unroll 8
	for (int j = 0; j < 8; j++)
		b[j] = _mm_aesenclast_si128(b[j], rk);
}

TARGET void gcm_init(struct gcm_key *k, const unsigned char key[16])
{
	__m128i r = ld(key), h, hk, p;
	uint64_t lo, hi, carry;

	st(k->rk[0], r);
#define RK(i, rcon) r = next_rk(r, _mm_aeskeygenassist_si128(r, rcon)); st(k->rk[i], r)
	RK(1, 0x01); RK(2, 0x02); RK(3, 0x04); RK(4, 0x08); RK(5, 0x10);
	RK(6, 0x20); RK(7, 0x40); RK(8, 0x80); RK(9, 0x1b); RK(10, 0x36);
#undef RK
	/* K = H*x, H = E(0) byte-reversed; x^128 = x^127 + x^126 + x^121 + 1 */
	h = rev(aes1(k, _mm_setzero_si128()));
	lo = (uint64_t)_mm_cvtsi128_si64(h);
	hi = (uint64_t)_mm_extract_epi64(h, 1);
	carry = 0 - (hi >> 63);
	hi = (hi << 1 | lo >> 63) ^ (carry & 0xc200000000000000ULL);
	lo = (lo << 1) ^ (carry & 1);
	h = _mm_set_epi64x((long long)hi, (long long)lo);
	hk = karatsuba_half(h);
	p = h;
	for (int i = GCM_POWERS - 1; i >= 0; i--) {
		if (i < GCM_POWERS - 1)
			p = dot(p, h, hk);
		st(k->h[i], p);
		st(k->hk[i], karatsuba_half(p));
	}
}

/* The hash of data, zero-padded to whole blocks. */
INLINE __m128i hash_padded(const struct gcm_key *k, __m128i acc, const unsigned char *p, size_t len)
{
	unsigned char last[16] = { 0 };

	for (; len >= 16; p += 16, len -= 16)
		acc = hash1(k, acc, rev(ld(p)));
	if (len) {
		memcpy(last, p, len);
		acc = hash1(k, acc, rev(ld(last)));
	}
	return acc;
}

/* CTR from in to out (the same or apart), and the hash of the ciphertext:
 * that is the output when sealing, the input when opening. */
INLINE __m128i crypt(const struct gcm_key *k, int seal, __m128i acc, __m128i ctr, const unsigned char *in,
                     unsigned char *out, size_t len)
{
	const __m128i one = _mm_set_epi32(0, 0, 0, 1);
	__m128i b[8], c[8];

	for (; len >= 128; in += 128, out += 128, len -= 128) {
		stream8(k, ctr, b);
		ctr = _mm_add_epi32(ctr, _mm_set_epi32(0, 0, 0, 8));
#pragma GCC unroll 8
		for (int j = 0; j < 8; j++) {
			c[j] = ld(in + 16 * j);
			b[j] = _mm_xor_si128(b[j], c[j]);
			st(out + 16 * j, b[j]);
		}
		acc = hash8(k, acc, seal ? b : c);
	}
	for (; len; ) {
		unsigned char blk[16] = { 0 };
		size_t n = len < 16 ? len : 16;
		__m128i s = aes1(k, rev(ctr)), x;

		ctr = _mm_add_epi32(ctr, one);
		memcpy(blk, in, n);
		x = ld(blk);
		st(blk, _mm_xor_si128(x, s));
		memcpy(out, blk, n);
		memset(blk + n, 0, 16 - n);
		acc = hash1(k, acc, rev(seal ? ld(blk) : x));
		in += n;
		out += n;
		len -= n;
	}
	return acc;
}

/* Everything but the final comparison: the tag into out. */
INLINE void run(const struct gcm_key *k, int seal, const unsigned char nonce[12], const void *aad,
                size_t aad_len, const void *in, void *out, size_t len, unsigned char tag[16])
{
	unsigned char j0b[16];
	__m128i j0, acc;

	memcpy(j0b, nonce, 12);
	j0b[12] = j0b[13] = j0b[14] = 0;
	j0b[15] = 1;
	j0 = ld(j0b);
	acc = hash_padded(k, _mm_setzero_si128(), aad, aad_len);
	acc = crypt(k, seal, acc, _mm_add_epi32(rev(j0), _mm_set_epi32(0, 0, 0, 1)), in, out, len);
	/* the lengths block: bit lengths of A and C, big-endian, reversed */
	acc = hash1(k, acc, _mm_set_epi64x((long long)((uint64_t)aad_len << 3), (long long)((uint64_t)len << 3)));
	st(tag, _mm_xor_si128(rev(acc), aes1(k, j0)));
}

TARGET void gcm_seal(const struct gcm_key *k, const unsigned char nonce[12], const void *aad, size_t aad_len,
                     const void *in, void *out, size_t len, unsigned char tag[16])
{
	run(k, 1, nonce, aad, aad_len, in, out, len, tag);
}

TARGET int gcm_open(const struct gcm_key *k, const unsigned char nonce[12], const void *aad, size_t aad_len,
                    const void *in, void *out, size_t len, const unsigned char tag[16])
{
	unsigned char t[16];
	__m128i d;

	run(k, 0, nonce, aad, aad_len, in, out, len, t);
	d = _mm_xor_si128(ld(t), ld(tag));
	return _mm_testz_si128(d, d) ? 0 : -1;
}

#else
#include <stdlib.h>

/* Not x86-64: gcm_usable() says no, and net/tlsrec.c then gives every key
 * to BearSSL's own record classes, so nothing below is ever called. Called
 * all the same, they stop the program: a seal that returned would send
 * the plaintext, or whatever the buffer held, under a tag of zeros. */
int gcm_usable(void)
{
	return 0;
}

void gcm_init(struct gcm_key *k, const unsigned char key[16])
{
	(void)k, (void)key;
	abort();
}

void gcm_seal(const struct gcm_key *k, const unsigned char nonce[12], const void *aad, size_t aad_len,
              const void *in, void *out, size_t len, unsigned char tag[16])
{
	(void)k, (void)nonce, (void)aad, (void)aad_len, (void)in, (void)out, (void)len, (void)tag;
	abort();
}

int gcm_open(const struct gcm_key *k, const unsigned char nonce[12], const void *aad, size_t aad_len,
             const void *in, void *out, size_t len, const unsigned char tag[16])
{
	(void)k, (void)nonce, (void)aad, (void)aad_len, (void)in, (void)out, (void)len, (void)tag;
	abort();
}

#endif
