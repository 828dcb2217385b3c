#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../lib/err.h"
#include "../../lib/io.h"
#include "../../net/gcm.h"
#include "../../net/tls.h"
#include "../../net/tlsrec.h"
#include "check.h"

/* A P-256 point and its fingerprint as openssl computes it:
 * openssl x509 -in X.pub -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum */
static const unsigned char golden_pub[65] = {
	0x04, 0x83, 0x9a, 0x0d, 0xaf, 0x4f, 0x38, 0x78, 0x9b, 0x00, 0x5c, 0xea, 0x40,
	0xb8, 0x5d, 0x1f, 0x24, 0x4f, 0xcb, 0x56, 0x5c, 0x05, 0xaa, 0x9e, 0xc2, 0xdf,
	0xb8, 0x50, 0xbd, 0x61, 0xb0, 0x6d, 0x29, 0x23, 0x57, 0x8e, 0xe5, 0x18, 0x8e,
	0xec, 0xe9, 0x63, 0xe9, 0xd0, 0x72, 0x3d, 0x19, 0xb2, 0x59, 0xed, 0x16, 0xff,
	0x0d, 0xc6, 0x9c, 0x5d, 0xcc, 0xf2, 0x64, 0x7d, 0x00, 0x34, 0x48, 0x4c, 0x15,
};
static const char golden_fp[] = "f06cc314635d108ede239116717d32ffd7c0587c04459601d20d4a65f2327e7d";

TEST(tls_fp_text_round_trip)
{
	unsigned char fp[NET_FP_LEN], back[NET_FP_LEN];
	char text[NET_FP_TEXT], upper[NET_FP_TEXT + 8];

	for (int i = 0; i < NET_FP_LEN; i++)
		fp[i] = (unsigned char)(i * 37 + 5);
	CHECK_STR("052a4f74", memcpy((char[9]){0}, net_fp_text(text, fp), 8));
	CHECK_INT(64, strlen(text));
	CHECK_INT(0, net_fp_parse(back, text));
	CHECK_MEM(fp, back, NET_FP_LEN);
	for (int i = 0; i < 64; i++)
		upper[i] = text[i] >= 'a' ? (char)(text[i] - 32) : text[i];
	strcpy(upper + 64, " host1\n");
	memset(back, 0, sizeof back);
	CHECK_INT(0, net_fp_parse(back, upper));        /* either case; a line */
	CHECK_MEM(fp, back, NET_FP_LEN);
	CHECK_INT(-EINVAL, net_fp_parse(back, "abc"));
	CHECK_INT(-EINVAL, net_fp_parse(back, ""));
	upper[64] = 'x';
	CHECK_INT(-EINVAL, net_fp_parse(back, upper));  /* 65 digits */
	upper[64] = 0;
	upper[10] = 'g';
	CHECK_INT(-EINVAL, net_fp_parse(back, upper));
}

TEST(tls_fp_of_matches_openssl)
{
	unsigned char fp[NET_FP_LEN];
	char text[NET_FP_TEXT];

	net_fp_of(fp, golden_pub);
	CHECK_STR(golden_fp, net_fp_text(text, fp));
}

static int mode_of(const char *dir, const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &st) ? -1 : (int)(st.st_mode & 07777);
}

TEST(tls_key_generate_save_load)
{
	static struct net_key k, l;
	const char *dir = check_tmpdir();
	unsigned char fp[NET_FP_LEN];
	char base[300], path[512];

	CHECK_INT(0, net_key_generate(&k, "unit-host"));
	CHECK_INT(0x04, k.pub[0]);
	snprintf(base, sizeof base, "%s/k", dir);
	CHECK_INT(0, net_key_save(&k, base));
	CHECK_INT(0600, mode_of(dir, "k.key"));
	CHECK_INT(0644 & ~(unsigned)umask(umask(0)), mode_of(dir, "k.pub"));
	CHECK_INT(-EEXIST, net_key_save(&k, base));

	snprintf(path, sizeof path, "%s.key", base);
	CHECK_INT(0, net_key_load(&l, path));
	CHECK_MEM(k.priv, l.priv, 32);
	CHECK_MEM(k.pub, l.pub, 65);
	CHECK_INT(k.cert_len, l.cert_len);
	CHECK_MEM(k.cert, l.cert, k.cert_len);
	CHECK_MEM(k.fp, l.fp, NET_FP_LEN);
	CHECK_INT(0, net_pub_load(fp, path));          /* a .key names its key too */
	CHECK_MEM(k.fp, fp, NET_FP_LEN);
	snprintf(path, sizeof path, "%s.pub", base);
	memset(fp, 0, sizeof fp);
	CHECK_INT(0, net_pub_load(fp, path));
	CHECK_MEM(k.fp, fp, NET_FP_LEN);
	CHECK_INT(-SALVAGE_E_KEY_BAD, net_key_load(&l, path));   /* a .pub is no key */

	/* the pub file alone in the way also stops a save */
	snprintf(path, sizeof path, "%s.key", base);
	unlink(path);
	CHECK_INT(-EEXIST, net_key_save(&k, base));
	CHECK_INT(-1, mode_of(dir, "k.key"));
}

TEST(tls_key_names)
{
	static struct net_key k;
	char name[70];

	CHECK_INT(-EINVAL, net_key_generate(&k, ""));
	CHECK_INT(-EINVAL, net_key_generate(&k, "tab\there"));
	memset(name, 'n', 65);
	name[65] = 0;
	CHECK_INT(-EINVAL, net_key_generate(&k, name));
	name[64] = 0;           /* the longest name still fits NET_CERT_MAX */
	CHECK_INT(0, net_key_generate(&k, name));
	CHECK_INT(1, k.cert_len > 256 && k.cert_len <= NET_CERT_MAX);
}

/* The key file with one byte changed at the first occurrence of what. */
static void corrupt(const char *dir, const char *text, const char *what, char to)
{
	char copy[2048];
	char *p;

	snprintf(copy, sizeof copy, "%s", text);
	if ((p = strstr(copy, what)))
		*p = to;
	check_write(dir, "bad.key", copy);
}

TEST(tls_key_load_rejects_damage)
{
	static struct net_key k, l;
	const char *dir = check_tmpdir();
	char base[300], path[512], text[2048], digit[2] = { 0 };
	long n;

	CHECK_INT(0, net_key_generate(&k, "damage"));
	snprintf(base, sizeof base, "%s/k", dir);
	CHECK_INT(0, net_key_save(&k, base));
	snprintf(path, sizeof path, "%s.key", base);
	n = io_readfile(path, text, sizeof text);
	CHECK_INT(1, n > 0);
	snprintf(path, sizeof path, "%s/bad.key", dir);

	digit[0] = text[20];    /* a digit of the scalar: another key */
	corrupt(dir, text, digit, digit[0] == '0' ? '1' : '0');
	CHECK_INT(-SALVAGE_E_KEY_BAD, net_key_load(&l, path));
	corrupt(dir, text, "salvage-key 1", 'S');
	CHECK_INT(-SALVAGE_E_KEY_BAD, net_key_load(&l, path));
	corrupt(dir, text, "-----END", 'x');
	CHECK_INT(-SALVAGE_E_KEY_BAD, net_key_load(&l, path));
	corrupt(dir, text, "MII", '!');
	CHECK_INT(-SALVAGE_E_KEY_BAD, net_key_load(&l, path));
	CHECK_INT(-SALVAGE_E_KEY_BAD, net_pub_load(l.fp, path));
	corrupt(dir, text, "MII", 'L');         /* base64 still, DER no more */
	CHECK_INT(-SALVAGE_E_KEY_BAD, net_key_load(&l, path));
	check_write(dir, "bad.key", "salvage-key 1\n");
	CHECK_INT(-SALVAGE_E_KEY_BAD, net_key_load(&l, path));
	/* the scalar must be below the group order */
	check_write(dir, "bad.key", "salvage-key 1\n"
	            "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551\n");
	CHECK_INT(-SALVAGE_E_KEY_BAD, net_key_load(&l, path));
	corrupt(dir, text, "salvage", 's');     /* undamaged after all */
	CHECK_INT(0, net_key_load(&l, path));
	CHECK_MEM(k.fp, l.fp, NET_FP_LEN);
	snprintf(path, sizeof path, "%s/none.key", dir);
	CHECK_INT(-ENOENT, net_key_load(&l, path));
}

/* The DER element at off: where its content starts, and how long it is. */
static size_t tlv(const unsigned char *der, size_t off, size_t *len)
{
	size_t n = der[off + 1], h = 2;

	if (n == 0x81)
		n = der[off + 2], h = 3;
	else if (n == 0x82)
		n = (size_t)der[off + 2] << 8 | der[off + 3], h = 4;
	*len = n;
	return off + h;
}

TEST(tls_cert_decodes_to_its_fingerprint)
{
	static struct net_key k;
	static br_x509_decoder_context dec;
	static const unsigned char prefix[26] = {
		0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
		0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03,
		0x42, 0x00,
	};
	const br_x509_pkey *pk;
	br_sha256_context sha;
	unsigned char fp[NET_FP_LEN];

	CHECK_INT(0, net_key_generate(&k, "decode"));
	br_x509_decoder_init(&dec, 0, 0);
	br_x509_decoder_push(&dec, k.cert, k.cert_len);
	CHECK_INT(0, br_x509_decoder_last_error(&dec));
	CHECK_INT(BR_KEYTYPE_EC, br_x509_decoder_get_signer_key_type(&dec));
	CHECK_INT(br_sha256_ID, br_x509_decoder_get_signer_hash_id(&dec));
	pk = br_x509_decoder_get_pkey(&dec);
	CHECK_INT(1, pk != 0);
	if (!pk)
		return;
	CHECK_INT(BR_KEYTYPE_EC, pk->key_type);
	CHECK_INT(BR_EC_secp256r1, pk->key.ec.curve);
	CHECK_INT(65, pk->key.ec.qlen);
	CHECK_MEM(k.pub, pk->key.ec.q, 65);
	br_sha256_init(&sha);
	br_sha256_update(&sha, prefix, sizeof prefix);
	br_sha256_update(&sha, pk->key.ec.q, 65);
	br_sha256_out(&sha, fp);
	CHECK_MEM(k.fp, fp, NET_FP_LEN);
	/* self-signed: the signature verifies with the certificate's key */
	{
		size_t len, tbs_at = tlv(k.cert, 0, &len), tbs_end, sig_at;
		unsigned char h[32];

		tbs_end = tlv(k.cert, tbs_at, &len) + len;
		sig_at = tlv(k.cert, tbs_end, &len) + len;     /* past the algorithm */
		sig_at = tlv(k.cert, sig_at, &len);             /* the BIT STRING's content */
		CHECK_INT(0, k.cert[sig_at]);                   /* no unused bits */
		CHECK_INT(k.cert_len, sig_at + len);
		br_sha256_init(&sha);
		br_sha256_update(&sha, k.cert + tbs_at, tbs_end - tbs_at);
		br_sha256_out(&sha, h);
		CHECK_INT(1, br_ecdsa_i31_vrfy_asn1(&br_ec_p256_m31, h, 32, &pk->key.ec,
		                                   k.cert + sig_at + 1, len - 1));
		h[0] ^= 1;
		CHECK_INT(0, br_ecdsa_i31_vrfy_asn1(&br_ec_p256_m31, h, 32, &pk->key.ec,
		                                   k.cert + sig_at + 1, len - 1));
	}
}

/* --- in-process handshakes: both ends pumped in turn over a socketpair */

static struct net_tls cli, srv;
static struct net_key ckey, skey, other;

static void keys(void)
{
	static int done;

	if (!done) {
		CHECK_INT(0, net_key_generate(&ckey, "client"));
		CHECK_INT(0, net_key_generate(&skey, "server"));
		CHECK_INT(0, net_key_generate(&other, "other"));
		done = 1;
	}
}

/* Pumps both ends until both are ready, or one failed and the other
 * stopped; rc and rs get each end's last pump result. */
static void run(int fd[2], int *rc, int *rs)
{
	for (int i = 0; i < 200; i++) {
		*rc = net_tls_pump(&cli, fd[0]);
		*rs = net_tls_pump(&srv, fd[1]);
		if (net_tls_peer(&cli) >= 0 && net_tls_peer(&srv) >= 0)
			return;
		if (*rc < 0 && *rs < 0)
			return;
		if (*rc < 0 || *rs < 0)
			shutdown(fd[*rc < 0 ? 0 : 1], SHUT_WR);
	}
}

static int setup_pair(int fd[2], const struct net_key *cpin, const struct net_key *spin0,
                      const struct net_key *spin1)
{
	static unsigned char cp[1][NET_FP_LEN], sp[2][NET_FP_LEN];

	memcpy(cp[0], cpin->fp, NET_FP_LEN);
	memcpy(sp[0], spin0->fp, NET_FP_LEN);
	memcpy(sp[1], spin1->fp, NET_FP_LEN);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fd))
		return -errno;
	CHECK_INT(0, net_tls_client_init(&cli, &ckey, (const unsigned char (*)[NET_FP_LEN])cp, 1));
	CHECK_INT(0, net_tls_server_init(&srv, &skey, (const unsigned char (*)[NET_FP_LEN])sp, 2));
	return 0;
}

TEST(tls_pump_handshake_data_close)
{
	int fd[2], rc, rs;
	size_t n;
	unsigned char *p;

	keys();
	CHECK_INT(0, setup_pair(fd, &skey, &other, &ckey));
	CHECK_INT(-1, net_tls_peer(&cli));
	run(fd, &rc, &rs);
	CHECK_INT(0, net_tls_peer(&cli));
	CHECK_INT(1, net_tls_peer(&srv));
	CHECK_INT(0, net_tls_error(&cli));
	CHECK_STR(NET_ALPN, br_ssl_engine_get_selected_protocol(srv.eng));
	CHECK_INT(BR_TLS12, br_ssl_engine_get_version(cli.eng));

	/* client to server, through the engine's application buffers */
	p = br_ssl_engine_sendapp_buf(cli.eng, &n);
	CHECK_INT(1, n >= 5);
	memcpy(p, "dump!", 5);
	br_ssl_engine_sendapp_ack(cli.eng, 5);
	br_ssl_engine_flush(cli.eng, 0);
	CHECK_INT(POLLIN, net_tls_pump(&cli, fd[0]));
	CHECK_INT(POLLIN, net_tls_pump(&srv, fd[1]));
	p = br_ssl_engine_recvapp_buf(srv.eng, &n);
	CHECK_INT(5, n);
	if (p && n == 5)
		CHECK_MEM("dump!", p, 5);
	/* untaken data: POLLIN still, and nothing more comes in */
	CHECK_INT(POLLIN, net_tls_pump(&srv, fd[1]));
	CHECK_INT(1, (br_ssl_engine_current_state(srv.eng) & BR_SSL_RECVAPP) != 0);
	if (n)
		br_ssl_engine_recvapp_ack(srv.eng, n);

	/* the client closes: close_notify both ways, then both report 0 */
	br_ssl_engine_close(cli.eng);
	for (int i = 0; i < 10; i++) {
		rc = net_tls_pump(&cli, fd[0]);
		rs = net_tls_pump(&srv, fd[1]);
	}
	CHECK_INT(0, rc);
	CHECK_INT(0, rs);
	CHECK_INT(0, net_tls_error(&srv));
	close(fd[0]);
	close(fd[1]);
}

TEST(tls_pump_peer_eof_is_reset)
{
	int fd[2], rc, rs;

	keys();
	CHECK_INT(0, setup_pair(fd, &skey, &ckey, &other));
	run(fd, &rc, &rs);
	CHECK_INT(0, net_tls_peer(&srv));
	close(fd[0]);           /* the client vanishes without close_notify */
	CHECK_INT(-ECONNRESET, net_tls_pump(&srv, fd[1]));
	CHECK_INT(-ECONNRESET, net_tls_error(&srv));
	close(fd[1]);
}

TEST(tls_wrong_server_key)
{
	int fd[2], rc, rs;

	keys();
	CHECK_INT(0, setup_pair(fd, &other, &ckey, &other));
	run(fd, &rc, &rs);
	CHECK_INT(-SALVAGE_E_TLS_SERVER_KEY, rc);
	CHECK_INT(-SALVAGE_E_TLS_SERVER_KEY, net_tls_error(&cli));
	CHECK_INT(-SALVAGE_E_TLS_KEY_REJECTED, rs); /* our bad_certificate alert */
	CHECK_INT(-1, net_tls_peer(&cli));
	close(fd[0]);
	close(fd[1]);
}

TEST(tls_client_not_authorised)
{
	int fd[2], rc, rs;

	keys();
	CHECK_INT(0, setup_pair(fd, &skey, &other, &other));
	run(fd, &rc, &rs);
	CHECK_INT(-SALVAGE_E_TLS_NOT_AUTHORISED, rs);
	CHECK_INT(-SALVAGE_E_TLS_REFUSED, rc);     /* the access_denied alert */
	CHECK_INT(-1, net_tls_peer(&srv));
	close(fd[0]);
	close(fd[1]);
}

TEST(tls_garbage_is_protocol_error)
{
	int fd[2], rc, rs;
	static const char http[] = "GET / HTTP/1.0\r\n\r\n";

	keys();
	CHECK_INT(0, setup_pair(fd, &skey, &ckey, &ckey));
	CHECK_INT(0, io_writeall(fd[0], http, sizeof http - 1));
	rs = net_tls_pump(&srv, fd[1]);
	CHECK_INT(-SALVAGE_E_TLS_PROTOCOL, rs);
	(void)rc;
	close(fd[0]);
	close(fd[1]);
}

TEST(tls_init_needs_pins)
{
	keys();
	CHECK_INT(-EINVAL, net_tls_client_init(&cli, &ckey, 0, 0));
	CHECK_INT(-EINVAL, net_tls_server_init(&srv, &skey, 0, 0));
}

/* A write of many records, in odd-sized pieces, gathered into fewer
 * send() calls (NET_TLS_GATHER): the reader, another process, gets every
 * byte in order. from/to are the two ends, fds their sockets. */
static void bulk(struct net_tls *from, int ffd, struct net_tls *to, int tfd)
{
	static unsigned char data[1 << 20], got[1 << 20];
	int st;
	size_t off = 0;
	pid_t pid;

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 7 + i / 4096);
	if ((pid = fork()) == 0) {
		size_t have = 0;
		long n;
		while (have < sizeof got && (n = net_tls_read(to, tfd, got + have, sizeof got - have, 10000)) > 0)
			have += (size_t)n;
		_exit(have == sizeof got && !memcmp(got, data, sizeof got) ? 0 : 1);
	}
	while (off < sizeof data) {
		size_t n = sizeof data - off < 7777 ? sizeof data - off : 7777;
		if (!CHECK_INT(0, net_tls_write(from, ffd, data + off, n, 10000)))
			break;
		off += n;
	}
	CHECK_INT(0, net_tls_flush(from, ffd, 10000));
	CHECK_INT(0, from->out_len);
	waitpid(pid, &st, 0);
	CHECK_INT(1, WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

TEST(tls_large_write_gathered)
{
	int fd[2], rc, rs;

	keys();
	CHECK_INT(0, setup_pair(fd, &skey, &other, &ckey));
	run(fd, &rc, &rs);
	CHECK_INT(1, net_tls_peer(&srv));
	bulk(&cli, fd[0], &srv, fd[1]);
	close(fd[0]);
	close(fd[1]);
}

/* How one end is set up: the test switches of net/tls.h. */
struct side {
	int bearssl_gcm, chapol_first;
};

/* A client and a server that pin each other's key, each end set up as
 * told, the handshake done. */
static void connected(int fd[2], struct side c, struct side s)
{
	static unsigned char cp[1][NET_FP_LEN], sp[1][NET_FP_LEN];
	int rc, rs;

	keys();
	memcpy(cp[0], skey.fp, NET_FP_LEN);
	memcpy(sp[0], ckey.fp, NET_FP_LEN);
	CHECK_INT(0, socketpair(AF_UNIX, SOCK_STREAM, 0, fd));
	net_tls_bearssl_gcm = c.bearssl_gcm;
	net_tls_chapol_first = c.chapol_first;
	CHECK_INT(0, net_tls_client_init(&cli, &ckey, (const unsigned char (*)[NET_FP_LEN])cp, 1));
	net_tls_bearssl_gcm = s.bearssl_gcm;
	net_tls_chapol_first = s.chapol_first;
	CHECK_INT(0, net_tls_server_init(&srv, &skey, (const unsigned char (*)[NET_FP_LEN])sp, 1));
	net_tls_bearssl_gcm = net_tls_chapol_first = 0;
	run(fd, &rc, &rs);
	CHECK_INT(0, net_tls_peer(&cli));
	CHECK_INT(0, net_tls_peer(&srv));
}

#define NO_GCM "no AES-NI/PCLMULQDQ here: net/tlsrec.c is not used"

/* Our one-pass AES-GCM records (net/tlsrec.c) at one end, BearSSL's at
 * the other, each way round, data both ways: the Finished messages are
 * the first records each layer seals and opens. */
TEST(tls_our_records_and_bearssls_interoperate)
{
	if (!gcm_usable())
		CHECK_SKIP(NO_GCM);
	for (int ours_at_client = 0; ours_at_client < 2; ours_at_client++) {
		int fd[2];

		connected(fd, (struct side){ .bearssl_gcm = !ours_at_client }, (struct side){ .bearssl_gcm = ours_at_client });
		CHECK_INT(BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, cli.eng->session.cipher_suite);
		CHECK_INT(1, (cli.eng->out.vtable == &net_tlsrec_gcm_out.inner) == ours_at_client);
		CHECK_INT(1, (srv.eng->in.vtable == &net_tlsrec_gcm_in.inner) == !ours_at_client);
		bulk(&cli, fd[0], &srv, fd[1]);
		bulk(&srv, fd[1], &cli, fd[0]);
		close(fd[0]);
		close(fd[1]);
	}
}

/* The peer reads 1 MiB of an 8 MiB write, then closes (close_notify) and
 * keeps reading until ours comes. Our engine answers with a close_notify
 * of its own while the write is under way: it must leave after the
 * records sealed before it (sequence numbers in order: the peer sees no
 * bad MAC) and end the write with -EPIPE; both closes are clean. A small
 * socket buffer makes the write wait on the socket many times. */
TEST(tls_peer_closes_during_a_bulk_write)
{
	static unsigned char data[8 << 20];

	for (int round = 0; round < 6; round++) {
		int fd[2], st, small = 20000;
		pid_t pid;

		connected(fd, (struct side){ .bearssl_gcm = round % 2 }, (struct side){ .bearssl_gcm = round % 2 });
		if ((pid = fork()) == 0) {
			static unsigned char got[1 << 16];
			size_t have = 0;
			long n;
			while (have < (1u << 20) && (n = net_tls_read(&srv, fd[1], got, sizeof got, 10000)) > 0)
				have += (size_t)n;
			if (have < (1u << 20)) {
				fprintf(stderr, "round %d: read %zu, then %s\n", round, have, err_name((int)n));
				_exit(1);
			}
			n = net_tls_close(&srv, fd[1], 10000);
			if (n)
				fprintf(stderr, "round %d: server's close: %s\n", round, err_name((int)n));
			_exit(n ? 2 : 0);
		}
		close(fd[1]);
		setsockopt(fd[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
		CHECK_INT(-EPIPE, net_tls_write(&cli, fd[0], data, sizeof data, 10000));
		CHECK_INT(0, net_tls_close(&cli, fd[0], 10000));
		waitpid(pid, &st, 0);
		CHECK_INT(0, st);
		close(fd[0]);
	}
}

/* The client's order of the suites decides, whatever the server's: a
 * crash kernel on a CPU without AES-NI gets ChaCha20 from a server that
 * has it. (Without AES-NI here, both offer ChaCha20 first.) */
TEST(tls_client_chooses_the_suite)
{
	for (int chapol_client = 0; chapol_client < 2; chapol_client++) {
		int fd[2];

		connected(fd, (struct side){ .chapol_first = chapol_client }, (struct side){ .chapol_first = !chapol_client });
		CHECK_STR(chapol_client || !br_aes_x86ni_ctr_get_vtable() ? "ChaCha20-Poly1305" :
		          gcm_usable() ? "AES-128-GCM (one pass)" : "AES-128-GCM", net_tls_suite(&srv));
		CHECK_STR(net_tls_suite(&srv), net_tls_suite(&cli));
		bulk(&cli, fd[0], &srv, fd[1]);
		close(fd[0]);
		close(fd[1]);
	}
}

/* Records wait in out[] (a small socket buffer), the peer sends its
 * close_notify without reading, takes a little, and hangs up: the flush
 * ends with -EPIPE as soon as the socket says so, not at its timeout
 * after spinning on a dead socket. */
TEST(tls_flush_ends_when_the_peer_closes_and_goes)
{
	static unsigned char data[60000];
	int fd[2], small = 4096, st;
	pid_t pid;

	connected(fd, (struct side){ 0 }, (struct side){ 0 });
	setsockopt(fd[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
	CHECK_INT(0, net_tls_write(&cli, fd[0], data, sizeof data, 5000));
	CHECK_INT(1, cli.out_len > 0);     /* the socket took only part */
	if ((pid = fork()) == 0) {
		static unsigned char some[8192];
		unsigned char *b;
		size_t l;
		usleep(100000);
		br_ssl_engine_close(srv.eng);
		while ((b = br_ssl_engine_sendrec_buf(srv.eng, &l)) && send(fd[1], b, l, MSG_NOSIGNAL) > 0)
			br_ssl_engine_sendrec_ack(srv.eng, l);
		usleep(50000);
		(void)!recv(fd[1], some, sizeof some, 0);
		usleep(100000);
		_exit(0);
	}
	close(fd[1]);
	CHECK_INT(-EPIPE, net_tls_flush(&cli, fd[0], 3000));
	CHECK_INT(0, net_tls_close(&cli, fd[0], 3000));
	waitpid(pid, &st, 0);
	close(fd[0]);
}

/* --- records on the wire, read and given to the other end by hand */

/* What the socket holds now, appended to wire[have..cap): the new
 * length. */
static size_t take(int fd, unsigned char *wire, size_t have, size_t cap)
{
	ssize_t n;

	while (have < cap && (n = recv(fd, wire + have, cap - have, MSG_DONTWAIT)) > 0)
		have += (size_t)n;
	return have;
}

/* The bytes p[0..n) given to t's engine as if they came from its socket,
 * and the application data they carry appended to got[have..cap): the
 * new length, or -1 when the engine failed. */
static long feed(struct net_tls *t, const unsigned char *p, size_t n, unsigned char *got, size_t have,
                 size_t cap)
{
	for (;;) {
		unsigned st = br_ssl_engine_current_state(t->eng);
		unsigned char *b;
		size_t room;

		if (st & BR_SSL_RECVAPP) {
			b = br_ssl_engine_recvapp_buf(t->eng, &room);
			room = room < cap - have ? room : cap - have;
			memcpy(got + have, b, room);
			have += room;
			br_ssl_engine_recvapp_ack(t->eng, room);
		} else if (n && (st & BR_SSL_RECVREC)) {
			b = br_ssl_engine_recvrec_buf(t->eng, &room);
			room = room < n ? room : n;
			memcpy(b, p, room);
			br_ssl_engine_recvrec_ack(t->eng, room);
			p += room;
			n -= room;
		} else {
			return br_ssl_engine_last_error(t->eng) ? -1 : (long)have;
		}
	}
}

static unsigned long long be64(const unsigned char *p)
{
	unsigned long long v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Records from the engine (its buffer, flushed; left in it when a write
 * starts; an alert) and records net_tls_write seals past it
 * (net_tlsrec_seal_app) in turn, from either end: on the wire the
 * explicit nonce of each is its sequence number (the Finished message
 * was 0), which no peer checks, as each takes the nonce from the record;
 * and the other end opens them all, in order. */
TEST(tls_wire_nonces_are_sequence_numbers)
{
	static unsigned char data[40000], wire[1 << 17], want[1 << 16], got[1 << 16];
	static const int types[] = { 23, 23, 23, 23, 23, 23, 21 };

	if (!gcm_usable())
		CHECK_SKIP(NO_GCM);
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 13 + i / 1000);
	for (int from_server = 0; from_server < 2; from_server++) {
		int fd[2], sfd, rfd, records = 0;
		struct net_tls *s, *r;
		size_t have = 0, at = 0, wlen = 0, room;
		unsigned char *b;
		long n;

		connected(fd, (struct side){ 0 }, (struct side){ 0 });
		s = from_server ? &srv : &cli;
		r = from_server ? &cli : &srv;
		sfd = fd[from_server];
		rfd = fd[!from_server];
		CHECK_INT(1, net_tlsrec_out_ours(s->eng));
		/* the engine's record: one byte, flushed */
		b = br_ssl_engine_sendapp_buf(s->eng, &room);
		b[0] = want[wlen++] = '!';
		br_ssl_engine_sendapp_ack(s->eng, 1);
		br_ssl_engine_flush(s->eng, 0);
		CHECK_INT(1, net_tls_pump(s, sfd) >= 0);
		/* past the engine: 16384, 16384, 7232 */
		CHECK_INT(0, net_tls_write(s, sfd, data, sizeof data, 5000));
		CHECK_INT(0, net_tls_flush(s, sfd, 5000));
		memcpy(want + wlen, data, sizeof data);
		wlen += sizeof data;
		/* 100 bytes left in the engine, then a write: its record first */
		b = br_ssl_engine_sendapp_buf(s->eng, &room);
		memcpy(b, data + 1000, 100);
		memcpy(want + wlen, data + 1000, 100);
		wlen += 100;
		br_ssl_engine_sendapp_ack(s->eng, 100);
		CHECK_INT(0, net_tls_write(s, sfd, "tail.", 5, 5000));
		memcpy(want + wlen, "tail.", 5);
		wlen += 5;
		CHECK_INT(0, net_tls_flush(s, sfd, 5000));
		/* the engine's alert */
		br_ssl_engine_close(s->eng);
		CHECK_INT(1, net_tls_pump(s, sfd) >= 0);

		have = take(rfd, wire, 0, sizeof wire);
		while (at + 13 <= have) {
			size_t len = (size_t)wire[at + 3] << 8 | wire[at + 4];

			records++;
			if (records <= 7)
				CHECK_INT(types[records - 1], wire[at]);
			if (!CHECK_INT(records, be64(wire + at + 5)))
				printf("  record %d from the %s\n", records, from_server ? "server" : "client");
			at += 5 + len;
		}
		CHECK_INT(have, at);
		CHECK_INT(7, records);
		n = feed(r, wire, have, got, 0, sizeof got);
		CHECK_INT(wlen, n);
		CHECK_MEM(want, got, wlen);
		/* and the close_notify: it takes no record after it */
		CHECK_INT(0, br_ssl_engine_current_state(r->eng) & BR_SSL_RECVREC);
		close(fd[0]);
		close(fd[1]);
	}
}

/* A record BearSSL's class sealed (at the client), with one bit changed
 * on the wire in the header, the explicit nonce, the ciphertext or the
 * tag: our class (at the server) refuses it as a bad MAC, which ends the
 * connection. The record before it, unchanged, opens. */
TEST(tls_bearssls_record_with_a_bit_flipped_is_refused_by_ours)
{
	static const size_t at[] = { 0, 7, 13 + 3, 13 + 199, 13 + 200, 13 + 215 };
	static unsigned char wire[1024], got[1024], text[200];

	if (!gcm_usable())
		CHECK_SKIP(NO_GCM);
	for (size_t i = 0; i < sizeof text; i++)
		text[i] = (unsigned char)(i * 7);
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		int fd[2];
		size_t have, first, room;
		unsigned char *b;

		connected(fd, (struct side){ .bearssl_gcm = 1 }, (struct side){ 0 });
		CHECK_INT(1, srv.eng->in.vtable == &net_tlsrec_gcm_in.inner);
		CHECK_INT(0, net_tlsrec_out_ours(cli.eng));
		for (int rec = 0; rec < 2; rec++) {
			b = br_ssl_engine_sendapp_buf(cli.eng, &room);
			memcpy(b, text, sizeof text);
			br_ssl_engine_sendapp_ack(cli.eng, sizeof text);
			br_ssl_engine_flush(cli.eng, 0);
			CHECK_INT(1, net_tls_pump(&cli, fd[0]) >= 0);
		}
		have = take(fd[1], wire, 0, sizeof wire);
		first = 5 + ((size_t)wire[3] << 8 | wire[4]);
		CHECK_INT(2 * first, have);
		CHECK_INT(sizeof text, feed(&srv, wire, first, got, 0, sizeof got));
		wire[first + at[i]] ^= 0x08;
		CHECK_INT(-1, feed(&srv, wire + first, have - first, got, 0, sizeof got));
		if (!CHECK_INT(BR_ERR_BAD_MAC, br_ssl_engine_last_error(srv.eng)))
			printf("  bit changed at byte %zu\n", at[i]);
		close(fd[0]);
		close(fd[1]);
	}
}
