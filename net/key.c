/* Keys for the dump channel: a P-256 key pair in a self-signed X.509
 * certificate (BearSSL reads certificates but cannot write them, so a
 * small DER writer is here), and the files salvage keygen writes
 * (docs/keys.md#files):
 *
 *   NAME.key  mode 0600: the line "salvage-key 1", the private scalar as
 *             64 hex digits on the next line, then the certificate in PEM
 *   NAME.pub  the certificate in PEM, what the other end pins
 *
 * The private key is kept out of BearSSL's skey decoder on purpose: the
 * 0.6 decoder can write past its context on a crafted key. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "key.h"
#include "random.h"

#define KEY_MAGIC "salvage-key 1\n"
#define KEY_FILE_MAX 2048       /* a .key file is about 900 bytes */
#define PEM_MAX 1024            /* PEM of NET_CERT_MAX bytes, with headers */
#define CN_MAX 64               /* ub-common-name, RFC 5280 appendix A.1 */

static const char pem_begin[] = "-----BEGIN CERTIFICATE-----";
static const char pem_end[] = "-----END CERTIFICATE-----";

/* --- fingerprints as text */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *net_hex(char *out, const unsigned char *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = 0;
	return out;
}

int net_unhex(unsigned char *out, const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		int hi = hexval(in[2 * i]), lo = hi < 0 ? -1 : hexval(in[2 * i + 1]);
		if (lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

char *net_fp_text(char out[NET_FP_TEXT], const unsigned char fp[NET_FP_LEN])
{
	return net_hex(out, fp, NET_FP_LEN);
}

int net_fp_parse(unsigned char fp[NET_FP_LEN], const char *text)
{
	unsigned char v[NET_FP_LEN];
	char end;

	if (net_unhex(v, text, NET_FP_LEN))
		return -EINVAL;
	end = text[2 * NET_FP_LEN];
	if (end && end != ' ' && end != '\t' && end != '\n' && end != '\r')
		return -EINVAL;
	memcpy(fp, v, NET_FP_LEN);
	return 0;
}

/* --- a DER writer (X.690): elements are opened, filled and closed; the
 * length is written in its shortest form on close. Errors are sticky. */

struct der {
	unsigned char *buf;
	size_t len, cap;
	size_t open[8];         /* where each open element's content starts */
	int depth, err;
};

static void put(struct der *d, const void *p, size_t n)
{
	if (d->err || n > d->cap - d->len) {
		d->err = -E2BIG;
		return;
	}
	memcpy(d->buf + d->len, p, n);
	d->len += n;
}

static void begin(struct der *d, unsigned char tag)
{
	const unsigned char h[2] = { tag, 0 };

	put(d, h, 2);
	if (d->depth == (int)(sizeof d->open / sizeof d->open[0]))
		d->err = -E2BIG;
	if (!d->err)
		d->open[d->depth++] = d->len;
}

/* Lengths here stay below 64 KiB: at most two length bytes. */
static void end(struct der *d)
{
	size_t start, n, extra;

	if (d->err)
		return;
	start = d->open[--d->depth];
	n = d->len - start;
	extra = n < 0x80 ? 0 : n < 0x100 ? 1 : 2;
	if (extra > d->cap - d->len) {
		d->err = -E2BIG;
		return;
	}
	memmove(d->buf + start + extra, d->buf + start, n);
	if (extra == 0) {
		d->buf[start - 1] = (unsigned char)n;
	} else {
		d->buf[start - 1] = (unsigned char)(0x80 | extra);
		if (extra == 2)
			d->buf[start++] = (unsigned char)(n >> 8);
		d->buf[start] = (unsigned char)n;
	}
	d->len += extra;
}

static void prim(struct der *d, unsigned char tag, const void *p, size_t n)
{
	begin(d, tag);
	put(d, p, n);
	end(d);
}

/* --- the certificate (RFC 5280 section 4.1) */

enum { SEQ = 0x30, SET = 0x31, INT = 0x02, BITS = 0x03, OID = 0x06,
       UTF8 = 0x0c, UTCTIME = 0x17, GENTIME = 0x18, EXPLICIT0 = 0xa0 };

static const unsigned char oid_ecdsa_sha256[] = {   /* 1.2.840.10045.4.3.2 */
	0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
static const unsigned char oid_cn[] = { 0x55, 0x04, 0x03 };   /* 2.5.4.3 */
static const unsigned char spki_p256[26] = {        /* as in pins.c */
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
	0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03,
	0x42, 0x00,
};

/* ecdsa-with-SHA256 has no parameters (RFC 5758 section 3.2). */
static void sig_alg(struct der *d)
{
	begin(d, SEQ);
	prim(d, OID, oid_ecdsa_sha256, sizeof oid_ecdsa_sha256);
	end(d);
}

static void dn(struct der *d, const char *cn)
{
	begin(d, SEQ);
	begin(d, SET);
	begin(d, SEQ);
	prim(d, OID, oid_cn, sizeof oid_cn);
	prim(d, UTF8, cn, strlen(cn));
	end(d);
	end(d);
	end(d);
}

/* Version 3, serial, issuer = subject = CN=cn, valid from 2000 to the end
 * of 9999 (RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime
 * after; 99991231235959Z means "no well-defined expiration"). Nobody
 * checks the dates: the pin is the trust. */
static void tbs(struct der *d, const struct net_key *k, const char *cn,
                const unsigned char serial[16])
{
	static const unsigned char v3[] = { INT, 1, 2 };

	begin(d, SEQ);
	begin(d, EXPLICIT0);
	put(d, v3, sizeof v3);
	end(d);
	prim(d, INT, serial, 16);
	sig_alg(d);
	dn(d, cn);
	begin(d, SEQ);
	prim(d, UTCTIME, "000101000000Z", 13);
	prim(d, GENTIME, "99991231235959Z", 15);
	end(d);
	dn(d, cn);
	put(d, spki_p256, sizeof spki_p256);
	put(d, k->pub, sizeof k->pub);
	end(d);
}

/* k->cert from k->pub, signed by sk. serial[0] must be 0x40..0x7f, so
 * the INTEGER is positive and minimal. 0 or -errno. */
static int make_cert(struct net_key *k, const char *cn, const unsigned char serial[16],
                     const br_ec_private_key *sk)
{
	struct der d = { .buf = k->cert, .cap = sizeof k->cert };
	unsigned char hash[32], sig[80];
	br_sha256_context sha;
	size_t tbs_at, siglen;

	begin(&d, SEQ);
	tbs_at = d.len;
	tbs(&d, k, cn, serial);
	if (d.err)
		return d.err;
	br_sha256_init(&sha);
	br_sha256_update(&sha, d.buf + tbs_at, d.len - tbs_at);
	br_sha256_out(&sha, hash);
	siglen = br_ecdsa_i31_sign_asn1(&br_ec_p256_m31, &br_sha256_vtable, hash, sk, sig);
	if (!siglen || siglen > sizeof sig)
		return -EINVAL;
	sig_alg(&d);
	begin(&d, BITS);
	put(&d, "", 1);         /* no unused bits */
	put(&d, sig, siglen);
	end(&d);
	end(&d);
	k->cert_len = d.len;
	return d.err;
}

static int name_ok(const char *cn)
{
	size_t n = strlen(cn);

	for (size_t i = 0; i < n; i++)
		if (cn[i] < 0x20 || cn[i] > 0x7e)
			return 0;
	return n > 0 && n <= CN_MAX;
}

int net_key_generate(struct net_key *k, const char *name)
{
	unsigned char seed[48], serial[16], x[BR_EC_KBUF_PRIV_MAX_SIZE];
	unsigned char q[BR_EC_KBUF_PUB_MAX_SIZE];
	br_hmac_drbg_context rng;
	br_ec_private_key sk;
	int r;

	if (!name_ok(name))
		return -EINVAL;
	memset(k, 0, sizeof *k);
	if ((r = net_random(seed, sizeof seed)))
		return r;
	br_hmac_drbg_init(&rng, &br_sha256_vtable, seed, sizeof seed);
	explicit_bzero(seed, sizeof seed);
	r = -EINVAL;
	if (br_ec_keygen(&rng.vtable, &br_ec_p256_m31, &sk, x, BR_EC_secp256r1) == 32 &&
	    br_ec_compute_pub(&br_ec_p256_m31, 0, q, &sk) == 65) {
		memcpy(k->priv, x, 32);
		memcpy(k->pub, q, 65);
		sk.x = k->priv;
		br_hmac_drbg_generate(&rng, serial, sizeof serial);
		serial[0] = (unsigned char)((serial[0] & 0x3f) | 0x40);
		r = make_cert(k, name, serial, &sk);
	}
	explicit_bzero(x, sizeof x);
	explicit_bzero(&rng, sizeof rng);
	if (r) {
		explicit_bzero(k, sizeof *k);
		return r;
	}
	net_fp_of(k->fp, k->pub);
	return 0;
}

/* --- files */

/* Writes a new file (it must not exist) and syncs it: 0 or -errno. */
static int write_new(const char *path, const void *buf, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	int r;

	if (fd < 0)
		return -errno;
	if (!(r = io_writeall(fd, buf, len)) && fsync(fd))
		r = -errno;
	if (close(fd) && !r)
		r = -errno;
	if (r)
		unlink(path);
	return r;
}

static int path_of(char out[PATH_MAX], const char *base, const char *ext)
{
	size_t n = strlen(base);

	if (n + strlen(ext) >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(out, base, n);
	strcpy(out + n, ext);
	return 0;
}

int net_key_save(const struct net_key *k, const char *base)
{
	char keyp[PATH_MAX], pubp[PATH_MAX], pem[PEM_MAX];
	char text[sizeof KEY_MAGIC + 65 + PEM_MAX];
	size_t pl, tl;
	int r;

	if ((r = path_of(keyp, base, ".key")) || (r = path_of(pubp, base, ".pub")))
		return r;
	if (k->cert_len > sizeof k->cert ||
	    br_pem_encode(0, k->cert, k->cert_len, "CERTIFICATE", BR_PEM_LINE64) >= sizeof pem)
		return -EINVAL;
	pl = br_pem_encode(pem, k->cert, k->cert_len, "CERTIFICATE", BR_PEM_LINE64);
	tl = sizeof KEY_MAGIC - 1;
	memcpy(text, KEY_MAGIC, tl);
	net_hex(text + tl, k->priv, 32);
	tl += 64;
	text[tl++] = '\n';
	memcpy(text + tl, pem, pl);
	tl += pl;
	/* Neither file may exist: check the second before writing the first. */
	if (!access(pubp, F_OK))
		r = -EEXIST;
	else if (!(r = write_new(keyp, text, tl, 0600)) && (r = write_new(pubp, pem, pl, 0644)))
		unlink(keyp);
	explicit_bzero(text, sizeof text);
	return r;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* The DER of the first PEM certificate in text (RFC 7468): its length,
 * or -SALVAGE_E_KEY_BAD. */
static long pem_cert(unsigned char *out, size_t cap, const char *text)
{
	const char *p = strstr(text, pem_begin), *e;
	uint32_t acc = 0;
	size_t n = 0;
	int bits = 0, pad = 0;

	if (!p || !(e = strstr(p, pem_end)))
		return -SALVAGE_E_KEY_BAD;
	for (p += sizeof pem_begin - 1; p < e; p++) {
		int v = b64val(*p);
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			continue;
		if (*p == '=' && bits) {
			pad = 1;
			continue;
		}
		if (v < 0 || pad)
			return -SALVAGE_E_KEY_BAD;
		acc = acc << 6 | (uint32_t)v;
		if ((bits += 6) >= 8) {
			if (n == cap)
				return -SALVAGE_E_KEY_BAD;
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return (long)n;
}

/* The public point of a DER certificate; only uncompressed P-256 keys,
 * the only kind a fingerprint is defined for. */
static int cert_key(unsigned char pub[65], const unsigned char *der, size_t len)
{
	br_x509_decoder_context dec;
	const br_x509_pkey *pk;

	br_x509_decoder_init(&dec, 0, 0);
	br_x509_decoder_push(&dec, der, len);
	pk = br_x509_decoder_get_pkey(&dec);
	if (!pk || pk->key_type != BR_KEYTYPE_EC || pk->key.ec.curve != BR_EC_secp256r1 ||
	    pk->key.ec.qlen != 65 || pk->key.ec.q[0] != 0x04)
		return -SALVAGE_E_KEY_BAD;
	memcpy(pub, pk->key.ec.q, 65);
	return 0;
}

/* The certificate of a .pub or .key file (PEM) or of a DER file. */
static int load_cert(struct net_key *k, const char *text, size_t len)
{
	long n;

	if (len && (unsigned char)text[0] == 0x30 && len <= sizeof k->cert) {
		memcpy(k->cert, text, len);
		n = (long)len;
	} else if ((n = pem_cert(k->cert, sizeof k->cert, text)) < 0) {
		return (int)n;
	}
	k->cert_len = (size_t)n;
	return cert_key(k->pub, k->cert, k->cert_len);
}

/* 0 < x < the group order, the range br_ec_compute_pub requires. */
static int scalar_ok(const unsigned char x[32])
{
	static const unsigned char zero[32];
	size_t olen;
	const unsigned char *order = br_ec_p256_m31.order(BR_EC_secp256r1, &olen);

	return olen == 32 && memcmp(x, zero, 32) && memcmp(x, order, 32) < 0;
}

static int parse_key(struct net_key *k, const char *text, size_t len)
{
	const size_t m = sizeof KEY_MAGIC - 1;
	unsigned char q[BR_EC_KBUF_PUB_MAX_SIZE];
	br_ec_private_key sk = { BR_EC_secp256r1, k->priv, 32 };
	int r;

	if (len < m + 65 || memcmp(text, KEY_MAGIC, m) || net_unhex(k->priv, text + m, 32) ||
	    text[m + 64] != '\n' || !scalar_ok(k->priv))
		return -SALVAGE_E_KEY_BAD;
	if ((r = load_cert(k, text + m + 65, len - m - 65)))
		return r;
	if (br_ec_compute_pub(&br_ec_p256_m31, 0, q, &sk) != 65 || memcmp(q, k->pub, 65))
		return -SALVAGE_E_KEY_BAD;
	net_fp_of(k->fp, k->pub);
	return 0;
}

int net_key_load(struct net_key *k, const char *path)
{
	char text[KEY_FILE_MAX];
	long n = io_readfile(path, text, sizeof text);
	int r;

	memset(k, 0, sizeof *k);
	if (n == -EFBIG)
		return -SALVAGE_E_KEY_BAD;
	if (n < 0)
		return (int)n;
	r = parse_key(k, text, (size_t)n);
	explicit_bzero(text, sizeof text);
	if (r)
		explicit_bzero(k, sizeof *k);
	return r;
}

int net_pub_load(unsigned char fp[NET_FP_LEN], const char *path)
{
	struct net_key k;
	char text[KEY_FILE_MAX];
	long n = io_readfile(path, text, sizeof text);
	int r;

	if (n == -EFBIG)
		return -SALVAGE_E_KEY_BAD;
	if (n < 0)
		return (int)n;
	if (!(r = load_cert(&k, text, (size_t)n)))
		net_fp_of(fp, k.pub);
	explicit_bzero(text, sizeof text);
	return r;
}
