/* Pinned-key TLS 1.2 over BearSSL 0.6 for both ends of the dump channel
 * (net/tls.h; the profile and its reasons: docs/keys.md#tls-profile).
 *
 * The profile is built from a zeroed context rather than narrowed from
 * a "full" one, so only what is named here is linked in: TLS 1.2,
 * ECDHE-ECDSA on P-256 with AES-128-GCM or ChaCha20-Poly1305, SHA-256,
 * the pin engine as the only certificate check. */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "../lib/clock.h"
#include "../lib/err.h"
#include "gcm.h"
#include "tls.h"
#include "random.h"
#include "tlsrec.h"

/* AES-GCM is four times faster than ChaCha20 with AES-NI and twelve
 * times slower without: offer the fast one first. */
static const uint16_t gcm_first[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
};
static const uint16_t chapol_first[] = {
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
};
int net_tls_bearssl_gcm, net_tls_chapol_first;

static const char *alpn[] = { NET_ALPN };
/* The server's CertificateRequest must name at least one CA; one empty
 * DN (DER 30 00) is enough, and clients ignore it. */
static unsigned char empty_dn[] = { 0x30, 0x00 };
static const br_x500_name any_ca = { empty_dn, sizeof empty_dn };

/* RFC 5246 7.2 alert descriptions */
enum { BAD_CERTIFICATE = 42, UNSUPPORTED_CERTIFICATE = 43, CERTIFICATE_REVOKED = 44,
       CERTIFICATE_EXPIRED = 45, CERTIFICATE_UNKNOWN = 46, UNKNOWN_CA = 48,
       ACCESS_DENIED = 49, CERTIFICATE_REQUIRED = 116 };

/* 0.6 seeds its DRBG from RDRAND alone when the CPU has it, without
 * checking the output: the kernel's RNG goes in too, always, with our
 * private key and the clocks besides (a secret and a value that never
 * repeats, as BearSSL's documentation asks for when a source is in doubt;
 * the DRBG mixes them all, one good input is enough). */
static int seed(br_ssl_engine_context *eng, const struct net_key *me)
{
	unsigned char buf[32];
	struct timespec t[2];
	int r = net_random(buf, sizeof buf);

	if (r)
		return r;
	br_ssl_engine_inject_entropy(eng, buf, sizeof buf);
	explicit_bzero(buf, sizeof buf);
	br_ssl_engine_inject_entropy(eng, me->priv, sizeof me->priv);
	clock_gettime(CLOCK_REALTIME, &t[0]);
	clock_gettime(CLOCK_BOOTTIME, &t[1]);
	br_ssl_engine_inject_entropy(eng, t, sizeof t);
	return 0;
}

/* What client and server share; t->eng and t->is_server are set. */
static int setup(struct net_tls *t, const struct net_key *me,
                 const unsigned char (*pins)[NET_FP_LEN], size_t npins)
{
	br_ssl_engine_context *eng = t->eng;
	int aesni = br_aes_x86ni_ctr_get_vtable() != 0 && !net_tls_chapol_first;

	if (!npins || !me->cert_len || me->cert_len > sizeof t->cert)
		return -EINVAL;
	memcpy(t->priv, me->priv, sizeof t->priv);
	memcpy(t->cert, me->cert, me->cert_len);
	t->sk = (br_ec_private_key){ BR_EC_secp256r1, t->priv, sizeof t->priv };
	t->chain = (br_x509_certificate){ t->cert, me->cert_len };
	t->err = t->ready = t->alerted = t->gone = t->batch = 0;
	t->out_len = 0;

	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(eng, aesni ? gcm_first : chapol_first, 2);
	/* The engine's DRBG takes its hash from here: before seed(). */
	br_ssl_engine_set_hash(eng, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_default_aes_gcm(eng);
	/* its two passes over each record are a third of the time a bulk
	 * transfer takes: our one-pass record layer where the CPU allows */
	if (!net_tls_bearssl_gcm && gcm_usable())
		br_ssl_engine_set_gcm(eng, &net_tlsrec_gcm_in, &net_tlsrec_gcm_out);
	br_ssl_engine_set_default_chapol(eng);
	/* P-256 for ECDHE and the peer's signature. Each side verifies one
	 * (ServerKeyExchange, CertificateVerify): without a verifier the
	 * server requests no ECDSA client certificate at all. */
	br_ssl_engine_set_ec(eng, &br_ec_p256_m31);
	br_ssl_engine_set_ecdsa(eng, br_ecdsa_i31_vrfy_asn1);
	/* The client's order of the two suites decides: it knows whether its
	 * CPU has AES-NI (a crash kernel without it would do portable
	 * AES-GCM at a twelfth of ChaCha20's speed); the server takes either. */
	br_ssl_engine_add_flags(eng, BR_OPT_NO_RENEGOTIATION | BR_OPT_FAIL_ON_ALPN_MISMATCH);
	br_ssl_engine_set_protocol_names(eng, alpn, 1);
	net_pins_init(&t->pins, pins, npins);
	br_ssl_engine_set_x509(eng, &t->pins.vtable);
	br_ssl_engine_set_buffer(eng, t->iobuf, sizeof t->iobuf, 1);
	return seed(eng, me);
}

int net_tls_client_init(struct net_tls *t, const struct net_key *me,
                        const unsigned char (*pins)[NET_FP_LEN], size_t npins)
{
	br_ssl_client_context *cc = &t->u.client;
	int r;

	br_ssl_client_zero(cc);
	t->eng = &cc->eng;
	t->is_server = 0;
	if ((r = setup(t, me, pins, npins)))
		return r;
	br_ssl_client_set_single_ec(cc, &t->chain, 1, &t->sk, BR_KEYTYPE_SIGN, BR_KEYTYPE_EC,
	                            &br_ec_p256_m31, br_ecdsa_i31_sign_asn1);
	/* No server name: no SNI, and the pin is the only check. */
	if (!br_ssl_client_reset(cc, 0, 0))
		return net_tls_error(t);
	return 0;
}

int net_tls_server_init(struct net_tls *t, const struct net_key *me,
                        const unsigned char (*pins)[NET_FP_LEN], size_t npins)
{
	br_ssl_server_context *sc = &t->u.server;
	int r;

	br_ssl_server_zero(sc);
	t->eng = &sc->eng;
	t->is_server = 1;
	if ((r = setup(t, me, pins, npins)))
		return r;
	br_ssl_server_set_single_ec(sc, &t->chain, 1, &t->sk, BR_KEYTYPE_SIGN, BR_KEYTYPE_EC,
	                            &br_ec_p256_m31, br_ecdsa_i31_sign_asn1);
	br_ssl_server_set_trust_anchor_names(sc, &any_ca, 1);
	if (!br_ssl_server_reset(sc))
		return net_tls_error(t);
	return 0;
}

int net_tls_peer(const struct net_tls *t)
{
	return t->ready ? t->pins.matched : -1;
}

/* Fatal alerts by which a TLS server says it will not take this client's
 * certificate. */
static int refusal_alert(int alert)
{
	return (alert >= BAD_CERTIFICATE && alert <= CERTIFICATE_UNKNOWN) ||
	       alert == UNKNOWN_CA || alert == ACCESS_DENIED || alert == CERTIFICATE_REQUIRED;
}

/* The pin engine refused the peer's key (or the client sent none). */
static int refused_peer(int e, int is_server)
{
	return e == BR_ERR_X509_NOT_TRUSTED || (is_server && e == BR_ERR_NO_CLIENT_AUTH);
}

const char *net_tls_suite(const struct net_tls *t)
{
	switch (t->eng->session.cipher_suite) {
	case BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:
		return net_tlsrec_out_ours(t->eng) ? "AES-128-GCM (one pass)" : "AES-128-GCM";
	case BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256:
		return "ChaCha20-Poly1305";
	}
	return "none";
}

int net_tls_error(const struct net_tls *t)
{
	int e = br_ssl_engine_last_error(t->eng);

	if (e == BR_ERR_OK || e == BR_ERR_IO)
		return t->err;
	if (refused_peer(e, t->is_server))
		return t->is_server ? -SALVAGE_E_TLS_NOT_AUTHORISED : -SALVAGE_E_TLS_SERVER_KEY;
	if (e >= BR_ERR_RECV_FATAL_ALERT && e < BR_ERR_SEND_FATAL_ALERT &&
	    refusal_alert(e - BR_ERR_RECV_FATAL_ALERT))
		return t->is_server ? -SALVAGE_E_TLS_KEY_REJECTED : -SALVAGE_E_TLS_REFUSED;
	return -SALVAGE_E_TLS_PROTOCOL;
}

/* BearSSL fails without a word to the peer, which then sees only a closed
 * connection. When the pin engine refused the peer's key, tell it with a
 * fatal alert: bad_certificate from a client, access_denied from a
 * server (RFC 5246 7.2.2). The key is checked as its Certificate message
 * arrives, before either side's ChangeCipherSpec, and after our whole
 * flight went out (the peer answered it), so the alert is a record of
 * its own in the clear (RFC 5246 6.2.1). Best effort. */
static void refuse(struct net_tls *t, int fd)
{
	const unsigned char rec[7] = { 21, 3, 3, 0, 2, 2, t->is_server ? ACCESS_DENIED : BAD_CERTIFICATE };

	if (t->alerted || !refused_peer(br_ssl_engine_last_error(t->eng), t->is_server))
		return;
	t->alerted = 1;
	(void)send(fd, rec, sizeof rec, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* After the handshake: the peer must have agreed on NET_ALPN. */
static int check_ready(struct net_tls *t, unsigned st)
{
	if (t->ready || !(st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)))
		return 0;
	if (!br_ssl_engine_get_selected_protocol(t->eng))
		return t->err = -SALVAGE_E_TLS_PROTOCOL;
	t->ready = 1;
	return 0;
}

static int again(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

/* A socket error. After the peer's close_notify the engine takes no more
 * records and holds no data for us, only our reply close_notify, which
 * the peer need not wait for (RFC 5246 7.2.1): then the peer is just
 * gone, a clean end. */
static int sock_error(struct net_tls *t, unsigned st, int e)
{
	if (t->ready && !(st & (BR_SSL_RECVREC | BR_SSL_RECVAPP))) {
		t->gone = 1;
		return 0;
	}
	return t->err = e;
}

/* Feeds the engine what already arrived. A peer that refuses us sends
 * an alert and hangs up while our next records are on their way; the
 * send then fails, but the alert, read now, says why (net_tls_error
 * puts the engine's error before the socket's). */
static void drain(struct net_tls *t, int fd)
{
	unsigned char *buf;
	size_t len;
	ssize_t n;

	while ((buf = br_ssl_engine_recvrec_buf(t->eng, &len)) &&
	       (n = recv(fd, buf, len, MSG_DONTWAIT)) > 0)
		br_ssl_engine_recvrec_ack(t->eng, (size_t)n);
}

/* After a send() that moved nothing: 0 if it would block, else the
 * error (and what the peer said before it went, read). */
static int send_failed(struct net_tls *t, int fd, unsigned st, ssize_t n)
{
	int e;

	if (n >= 0 || again(errno))
		return 0;
	if ((e = sock_error(t, st, -errno)))
		drain(t, fd);
	return e;
}

/* Sends what out[] holds, as far as the socket takes it: 1 if bytes
 * moved, 0 if not, or a negative error. */
static int send_out(struct net_tls *t, int fd, unsigned st)
{
	ssize_t n = send(fd, t->out, t->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n > 0) {
		memmove(t->out, t->out + n, t->out_len - (size_t)n);
		t->out_len -= (size_t)n;
		return 1;
	}
	return send_failed(t, fd, st, n);
}

/* Sends or receives what it can without blocking: 1 if bytes moved,
 * 0 if not, or a negative error. */
static int move(struct net_tls *t, int fd)
{
	unsigned st = br_ssl_engine_current_state(t->eng);
	unsigned char *buf;
	size_t len;
	ssize_t n;
	int r;

	/* records gathered before a clean close, our close_notify among
	 * them, still go out */
	if (st & BR_SSL_CLOSED)
		return t->out_len && !net_tls_error(t) ? send_out(t, fd, st) : 0;
	/* Inside a write, records go to out[] while it has room for a whole
	 * one; out[] goes to the socket when full, and at once otherwise. */
	if ((st & BR_SSL_SENDREC) && t->batch) {
		buf = br_ssl_engine_sendrec_buf(t->eng, &len);
		if (len <= sizeof t->out - t->out_len) {
			memcpy(t->out + t->out_len, buf, len);
			t->out_len += len;
			br_ssl_engine_sendrec_ack(t->eng, len);
			return 1;
		}
	}
	if (t->out_len && (!t->batch || (st & BR_SSL_SENDREC))) {
		if ((r = send_out(t, fd, st)))
			return r;
	} else if (st & BR_SSL_SENDREC) {
		buf = br_ssl_engine_sendrec_buf(t->eng, &len);
		n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			br_ssl_engine_sendrec_ack(t->eng, (size_t)n);
			return 1;
		}
		if ((r = send_failed(t, fd, st, n)))
			return r;
	}
	if (st & BR_SSL_RECVREC) {
		buf = br_ssl_engine_recvrec_buf(t->eng, &len);
		n = recv(fd, buf, len, MSG_DONTWAIT);
		if (n > 0) {
			br_ssl_engine_recvrec_ack(t->eng, (size_t)n);
			return 1;
		}
		if (n == 0)
			return t->err = -ECONNRESET;
		if (!again(errno))
			return sock_error(t, st, -errno);
	}
	return 0;
}

int net_tls_pump(struct net_tls *t, int fd)
{
	unsigned st;
	int r;

	do {
		if (t->err)
			return net_tls_error(t);
		if (t->gone)
			return 0;
	} while ((r = move(t, fd)) > 0);
	if (r < 0)
		return net_tls_error(t);
	if (t->gone)
		return 0;
	st = br_ssl_engine_current_state(t->eng);
	if (st & BR_SSL_CLOSED) {
		if ((r = net_tls_error(t)))
			refuse(t, fd);
		return r || !t->out_len ? r : POLLOUT;
	}
	if ((r = check_ready(t, st)))
		return r;
	r = st & BR_SSL_SENDREC || (t->out_len && !t->batch) ? POLLOUT : 0;
	if ((st & BR_SSL_RECVREC) || !(st & BR_SSL_SENDREC))
		r |= POLLIN;
	return r;
}

/* --- the blocking helpers */

static long long deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : (long long)clock_now_ms() + timeout_ms;
}

static int wait_fd(int fd, int events, long long until)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = (short)events };
		long long left = until < 0 ? -1 : until - (long long)clock_now_ms();
		int r;

		if (until >= 0 && left <= 0)
			return -SALVAGE_E_TIMEOUT;
		r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static void discard(struct net_tls *t)
{
	size_t n;

	while (br_ssl_engine_current_state(t->eng) & BR_SSL_RECVAPP) {
		br_ssl_engine_recvapp_buf(t->eng, &n);
		br_ssl_engine_recvapp_ack(t->eng, n);
	}
}

/* Pumps until the engine's state has one of the target bits: 0, 1 if
 * it closed cleanly first, or a negative error. */
static int drive(struct net_tls *t, int fd, unsigned target, long long until)
{
	for (;;) {
		unsigned st;
		int ev, r;

		/* closing: 0.6's engine keeps application data it decrypted,
		 * and takes no record (the peer's close_notify) until it is
		 * read: drop it, or the loop would spin */
		if (target == BR_SSL_CLOSED)
			discard(t);
		ev = net_tls_pump(t, fd);

		if (ev < 0)
			return ev;
		st = br_ssl_engine_current_state(t->eng);
		if ((st & target) && !(target == BR_SSL_CLOSED && t->out_len))
			return 0;
		/* closed cleanly: only net_tls_close waits for out[] to go */
		if ((st & BR_SSL_CLOSED) && target != BR_SSL_CLOSED)
			return 1;
		if (ev == 0)
			return 1;
		if ((r = wait_fd(fd, ev, until)))
			return r;
	}
}

int net_tls_handshake(struct net_tls *t, int fd, int timeout_ms)
{
	int one = 1, r;

	/* Without it each handshake flight and each record's last segment
	 * waits for a delayed ACK: 93 ms handshakes, a third of the
	 * throughput. Not a TCP socket (tests): nothing to do. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	r = drive(t, fd, BR_SSL_SENDAPP | BR_SSL_RECVAPP, deadline(timeout_ms));
	return r == 1 ? -ECONNRESET : r;
}

/* Sends from out[] until it has room for len more bytes. */
static int make_room(struct net_tls *t, int fd, size_t len, long long until)
{
	while (sizeof t->out - t->out_len < len) {
		int ev = net_tls_pump(t, fd), r;

		if (ev < 0)
			return ev;
		if (ev == 0)
			return -EPIPE;
		if (sizeof t->out - t->out_len < len && (r = wait_fd(fd, POLLOUT, until)))
			return r;
	}
	return 0;
}

/* Bulk data past the engine: each record sealed from buf straight into
 * out[] (net/tlsrec.h), which saves copying the data into the engine and
 * the record out of it. The engine holds no data of ours then (what an
 * earlier write left in it went out first, as a record of its own), but
 * what comes in may make it seal a record itself (an alert, our
 * close_notify): that record joins out[] before our next one, so that
 * records leave in the order of their sequence numbers. */
static int write_direct(struct net_tls *t, int fd, const unsigned char *p, size_t len, long long until)
{
	while (len) {
		unsigned st = br_ssl_engine_current_state(t->eng);
		size_t n, sealed;
		int r;

		if (st & BR_SSL_SENDREC) {
			t->batch = 1;
			r = net_tls_pump(t, fd);
			t->batch = 0;
			if (r <= 0)
				return r < 0 ? r : (r = net_tls_error(t)) ? r : -EPIPE;
			if ((br_ssl_engine_current_state(t->eng) & BR_SSL_SENDREC) &&
			    (r = wait_fd(fd, POLLOUT, until)))
				return r;
			continue;
		}
		if (!(st & BR_SSL_SENDAPP))
			return (r = net_tls_error(t)) ? r : -EPIPE;
		br_ssl_engine_sendapp_buf(t->eng, &n);
		if (n > len)
			n = len;
		if (sizeof t->out - t->out_len < n + NET_TLSREC_OVERHEAD) {
			if ((r = make_room(t, fd, n + NET_TLSREC_OVERHEAD, until)))
				return r;
			continue;
		}
		/* n is at most a record and the records are ours: never 0 */
		if (!(sealed = net_tlsrec_seal_app(t->eng, p, n, t->out + t->out_len)))
			return -EINVAL;
		t->out_len += sealed;
		p += n;
		len -= n;
	}
	return 0;
}

int net_tls_write(struct net_tls *t, int fd, const void *buf, size_t len, int timeout_ms)
{
	long long until = deadline(timeout_ms);
	const unsigned char *p = buf;
	int r;

	if (t->ready && net_tlsrec_out_ours(t->eng)) {
		br_ssl_engine_flush(t->eng, 0);
		t->batch = 1;
		r = drive(t, fd, BR_SSL_SENDAPP, until);
		t->batch = 0;
		if (r || (r = write_direct(t, fd, p, len, until)))
			return r == 1 ? -EPIPE : r;
		len = 0;
	}
	t->batch = 1;
	while (len) {
		unsigned char *dst;
		size_t room;

		r = drive(t, fd, BR_SSL_SENDAPP, until);
		if (r) {
			t->batch = 0;
			return r == 1 ? -EPIPE : r;
		}
		dst = br_ssl_engine_sendapp_buf(t->eng, &room);
		if (room > len)
			room = len;
		memcpy(dst, p, room);
		br_ssl_engine_sendapp_ack(t->eng, room);
		p += room;
		len -= room;
	}
	/* Send what filled a record now, if the socket takes it. */
	t->batch = 0;
	r = net_tls_pump(t, fd);
	return r < 0 ? r : 0;
}

int net_tls_flush(struct net_tls *t, int fd, int timeout_ms)
{
	long long until = deadline(timeout_ms);
	int r;

	br_ssl_engine_flush(t->eng, 0);
	if ((r = drive(t, fd, BR_SSL_SENDAPP, until)))
		return r == 1 ? -EPIPE : r;
	/* and what a write gathered but the socket did not take yet */
	return make_room(t, fd, sizeof t->out, until);
}

long net_tls_read(struct net_tls *t, int fd, void *buf, size_t len, int timeout_ms)
{
	unsigned char *src;
	size_t n;
	int r;

	if (!len)
		return 0;
	if ((r = drive(t, fd, BR_SSL_RECVAPP, deadline(timeout_ms))))
		return r == 1 ? 0 : r;
	src = br_ssl_engine_recvapp_buf(t->eng, &n);
	if (n > len)
		n = len;
	memcpy(buf, src, n);
	br_ssl_engine_recvapp_ack(t->eng, n);
	return (long)n;
}

int net_tls_close(struct net_tls *t, int fd, int timeout_ms)
{
	int r;

	if (t->gone || ((br_ssl_engine_current_state(t->eng) & BR_SSL_CLOSED) && !t->out_len))
		return net_tls_error(t);
	/* closed already (the peer closed first): what a write gathered,
	 * our close_notify last, still goes out */
	br_ssl_engine_close(t->eng);
	r = drive(t, fd, BR_SSL_CLOSED, deadline(timeout_ms));
	/* Our close_notify went out and the peer hung up without its own:
	 * the same end for the data (RFC 5246 7.2.1). */
	if ((r == -ECONNRESET || r == -EPIPE) && t->ready &&
	    !(br_ssl_engine_current_state(t->eng) & BR_SSL_SENDREC))
		return 0;
	return r < 0 ? r : 0;
}
