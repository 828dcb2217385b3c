/* The P-256 keys of the dump channel and their files (net/key.c,
 * docs/keys.md). Nothing here allocates. */
#ifndef SALVAGE_NET_KEY_H
#define SALVAGE_NET_KEY_H
#include <stddef.h>
#include "pins.h"

#define NET_FP_TEXT 65          /* 64 hex digits + NUL */
#define NET_CERT_MAX 512        /* a self-signed P-256 certificate */

/* A P-256 key pair and its self-signed certificate. */
struct net_key {
	unsigned char priv[32];             /* the private scalar, big-endian */
	unsigned char pub[65];              /* uncompressed point 04 || X || Y */
	unsigned char cert[NET_CERT_MAX];   /* DER */
	size_t cert_len;
	unsigned char fp[NET_FP_LEN];       /* of pub */
};

/* A new key from net_random() (waiting at most NET_RANDOM_WAIT_S),
 * with a self-signed certificate whose subject is CN=name. 0 or -errno. */
int net_key_generate(struct net_key *k, const char *name);
/* Writes base.key (mode 0600: private key and certificate) and base.pub
 * (what the other side needs: the certificate). Neither may exist yet
 * (-EEXIST). 0 or -errno. */
int net_key_save(const struct net_key *k, const char *base);
/* Reads a .key file written by net_key_save: 0, -errno, or
 * -SALVAGE_E_KEY_BAD when it is not one (checked: the private scalar
 * gives the certificate's public key). */
int net_key_load(struct net_key *k, const char *path);
/* The fingerprint of a .pub file (or of a .key file's certificate):
 * 0, -errno or -SALVAGE_E_KEY_BAD. */
int net_pub_load(unsigned char fp[NET_FP_LEN], const char *path);
/* 2 * len lowercase hex digits of in, then a NUL, into out; returns out. */
char *net_hex(char *out, const unsigned char *in, size_t len);
/* len bytes from 2 * len hex digits: 0, or -1 at the first non-digit. */
int net_unhex(unsigned char *out, const char *in, size_t len);
/* 64 lowercase hex digits; parse accepts either case, followed by the
 * end of the string or white space (so "FINGERPRINT NAME" lines can be
 * parsed in place): 0 or -EINVAL. */
char *net_fp_text(char out[NET_FP_TEXT], const unsigned char fp[NET_FP_LEN]);
int net_fp_parse(unsigned char fp[NET_FP_LEN], const char *text);

#endif
