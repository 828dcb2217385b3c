/* Client side of the dump channel (docs/protocol.md#client). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "../dump/vmcoreinfo.h"
#include "../lib/clock.h"
#include "../lib/crc32c.h"
#include "../lib/err.h"
#include "../lib/log.h"
#include "send.h"

#define PROGRESS_EVERY_MS 2000
#define BACKOFF_MAX_MS 30000

/* HOST:PORT -> a connected TCP socket, within timeout_ms. */
static int dial(const char *server, int timeout_ms)
{
	char host[256];
	const char *colon = strrchr(server, ':');
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;
	struct pollfd p;
	int fd, e, one = 1, secs = 30;
	unsigned user_timeout = 30000;
	socklen_t el = sizeof e;

	if (!colon || colon == server || (size_t)(colon - server) >= sizeof host || !colon[1])
		return -EINVAL;
	memcpy(host, server, (size_t)(colon - server));
	host[colon - server] = 0;
	if (getaddrinfo(host, colon + 1, &hints, &ai))
		return -EHOSTUNREACH;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		freeaddrinfo(ai);
		return -errno;
	}
	/* docs/protocol.md#transport: notice a vanished receiver mid-write */
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &secs, sizeof secs);
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	e = connect(fd, ai->ai_addr, ai->ai_addrlen) ? errno : 0;
	freeaddrinfo(ai);
	if (e == EINPROGRESS) {
		p = (struct pollfd){ .fd = fd, .events = POLLOUT };
		e = poll(&p, 1, timeout_ms);
		if (e == 0)
			e = SALVAGE_E_TIMEOUT;
		else if (e < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el))
			e = errno;
	}
	if (e) {
		close(fd);
		return -e;
	}
	return fd;
}

static void hangup(struct net_send *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int send_frame(struct net_send *s, const unsigned char *f, long n)
{
	int e;

	if (n < 0)
		return (int)n;
	if ((e = net_tls_write(&s->tls, s->fd, f, (size_t)n, s->conf->timeout_ms)))
		return e;
	return net_tls_flush(&s->tls, s->fd, s->conf->timeout_ms);
}

/* Reads one frame from the receiver; timeout_ms 0 polls. 1 with *f
 * filled, 0 when none is there yet (only with timeout_ms 0), or an error.
 * The frame lives in s->frame until the next call. */
static int read_frame(struct net_send *s, struct net_frame *f, int timeout_ms)
{
	long n, used;
	size_t need;

	if (s->fdone) {
		memmove(s->frame, s->frame + s->fdone, s->nframe - s->fdone);
		s->nframe -= s->fdone;
		s->fdone = 0;
	}
	for (;;) {
		if ((used = net_frame_parse(s->frame, s->nframe, f, &need)) < 0)
			return (int)used;
		if (used) {
			s->fdone = (size_t)used;
			return 1;
		}
		if (need > sizeof s->frame)
			return -SALVAGE_E_PROTO_TOO_BIG;
		n = net_tls_read(&s->tls, s->fd, s->frame + s->nframe, sizeof s->frame - s->nframe, timeout_ms);
		if (n == -SALVAGE_E_TIMEOUT && !timeout_ms)
			return 0;
		if (n == 0)
			return -ECONNRESET;   /* closed by the receiver between frames */
		if (n < 0)
			return (int)n;
		s->nframe += (size_t)n;
	}
}

/* A receiver's ERROR as our error code (its code if it is one of ours). */
static int peer_error(const struct net_frame *f)
{
	int code = (int)f->u.ack.code;

	log_err("receiver: ", err_name(-code), ": ", err_text(-code));
	if (code > SALVAGE_E_BASE && code < SALVAGE_E_END)
		return -code;
	/* a system error on the receiver's side (EIO, EMFILE, ...): another
	 * connection may well work */
	return -ECONNABORTED;
}

static int handle_incoming(struct net_send *s, const struct net_frame *f)
{
	switch (f->type) {
	case NET_ACK:
		if (f->u.ack.offset > s->pos)
			return -SALVAGE_E_PROTO_OFFSET;
		s->acked = f->u.ack.offset;
		return 0;
	case NET_ERROR:
		return peer_error(f);
	}
	return -SALVAGE_E_PROTO_UNEXPECTED;
}

/* ACKs and ERRORs that arrived while we were sending. */
static int poll_incoming(struct net_send *s)
{
	struct net_frame f;
	int r;

	while ((r = read_frame(s, &f, 0)) == 1)
		if ((r = handle_incoming(s, &f)))
			return r;
	return r;
}

static void progress(struct net_send *s, int force)
{
	uint64_t t = clock_now_ms(), ms = t - s->start_ms;
	char line[160];
	long n;

	if (!force && t - s->last_progress_ms < PROGRESS_EVERY_MS)
		return;
	s->last_progress_ms = t;
	line[0] = 0;
	strcat(line, U64(s->pos >> 20));
	strcat(line, " MiB sent, ");
	strcat(line, U64(ms ? s->sent * 1000 / ms >> 20 : 0));
	strcat(line, " MiB/s");
	if (s->conf->size_hint) {
		strcat(line, ", ");
		strcat(line, U64(s->pos * 100 / s->conf->size_hint > 100 ? 100 : s->pos * 100 / s->conf->size_hint));
		strcat(line, "%");
	}
	log_info("send: ", line);
	/* tell the receiver too; a failure here shows on the next write */
	n = net_frame_text(s->small, sizeof s->small, NET_PROGRESS, line, strlen(line));
	if (n > 0)
		net_tls_write(&s->tls, s->fd, s->small, (size_t)n, s->conf->timeout_ms);
}

/* One DATA frame of the n bytes at s->buf + NET_DATA_HEAD, at offset off. */
static int send_data(struct net_send *s, uint64_t off, size_t n)
{
	uint32_t crc;
	int e;

	net_frame_data_head(s->buf, off, n);
	crc = net_frame_data_crc(s->buf, s->buf + NET_DATA_HEAD, n);
	s->buf[NET_DATA_HEAD + n] = (unsigned char)crc;
	s->buf[NET_DATA_HEAD + n + 1] = (unsigned char)(crc >> 8);
	s->buf[NET_DATA_HEAD + n + 2] = (unsigned char)(crc >> 16);
	s->buf[NET_DATA_HEAD + n + 3] = (unsigned char)(crc >> 24);
	if ((e = net_tls_write(&s->tls, s->fd, s->buf, NET_DATA_HEAD + n + 4, s->conf->timeout_ms)))
		return e;
	s->sent += n;
	if ((e = poll_incoming(s)))
		return e;
	progress(s, 0);
	return 0;
}

static int flush_data(struct net_send *s)
{
	size_t n = s->nbuf;

	if (!n)
		return 0;
	s->nbuf = 0;
	return send_data(s, s->pos - n, n);
}

/* docs/protocol.md#resume: the stream's first s->resume bytes, hashed
 * as they were produced again, against what the receiver holds. Nothing
 * is sent before this matched. */
static int prefix_is(struct net_send *s, const unsigned char h[NET_SHA256_LEN])
{
	if (memcmp(h, s->held_sha, NET_SHA256_LEN)) {
		log_err("send: the receiver's first ", U64(s->resume),
		        " bytes of this dump are not this stream's (SHA-256 differs): not resuming onto them");
		return -SALVAGE_E_PROTO_PREFIX;
	}
	s->prefix_checked = 1;
	return 0;
}

static int check_prefix(struct net_send *s)
{
	unsigned char h[NET_SHA256_LEN];

	br_sha256_out(&s->sha, h);
	return prefix_is(s, h);
}

/* docs/protocol.md#resume-window: the window holds the stream's bytes
 * [hashed - ring_len, hashed) in a ring, and the SHA-256 state at every
 * multiple of NET_SEND_CHUNK in that range: the prefix hash at any offset
 * in it is one state and at most a chunk of hashing away. */
static void window_setup(struct net_send *s)
{
	const struct net_send_conf *c = s->conf;
	size_t chunks;

	s->ring_len = 0;
	if (!c->window || c->window_len < NET_SEND_WINDOW_MIN)
		return;
	/* chunks of ring, and one state more than chunks */
	chunks = (c->window_len - NET_SHA256_LEN) / (NET_SEND_CHUNK + NET_SHA256_LEN);
	s->nstates = chunks + 1;
	s->states = (unsigned char (*)[NET_SHA256_LEN])c->window;
	s->ring = c->window + s->nstates * NET_SHA256_LEN;
	s->ring_len = chunks * NET_SEND_CHUNK;
}

static unsigned char *state_at(struct net_send *s, uint64_t off)
{
	return s->states[off / NET_SEND_CHUNK % s->nstates];
}

/* Copies len bytes between the ring at stream offset off and p. */
static void ring_copy(struct net_send *s, uint64_t off, unsigned char *p, size_t len, int in)
{
	while (len) {
		size_t at = (size_t)(off % s->ring_len), n = s->ring_len - at;
		if (n > len)
			n = len;
		if (in)
			memcpy(s->ring + at, p, n);
		else
			memcpy(p, s->ring + at, n);
		off += n, p += n, len -= n;
	}
}

/* The running SHA-256 over len more bytes; with a window, its state kept
 * at each chunk boundary, and the bytes in the ring. */
static void hash(struct net_send *s, const unsigned char *p, size_t len)
{
	if (s->ring_len) {
		size_t skip = len > s->ring_len ? len - s->ring_len : 0;   /* only the last ring_len stay */
		ring_copy(s, s->hashed + skip, (unsigned char *)p + skip, len - skip, 1);
	}
	while (len) {
		size_t n = NET_SEND_CHUNK - (size_t)(s->hashed % NET_SEND_CHUNK);
		if (n > len)
			n = len;
		if (s->ring_len && s->hashed % NET_SEND_CHUNK == 0)
			br_sha256_state(&s->sha, state_at(s, s->hashed));
		br_sha256_update(&s->sha, p, n);
		s->hashed += n, p += n, len -= n;
	}
}

/* Both sums over len bytes; the prefix checked when they reach s->resume. */
static int sum(struct net_send *s, const unsigned char *p, size_t len)
{
	s->crc = crc32c(s->crc, p, len);
	if (!s->prefix_checked && s->pos + len >= s->resume) {
		size_t k = (size_t)(s->resume - s->pos);
		int e;

		hash(s, p, k);
		if ((e = check_prefix(s)))
			return e;
		p += k, len -= k;
	}
	hash(s, p, len);
	return 0;
}

/* Whether the window can serve a resume at off: its prefix hash and the
 * bytes from it to pos are there. */
static int in_window(const struct net_send *s, uint64_t off)
{
	uint64_t base = off - off % NET_SEND_CHUNK;

	return s->ring_len && off <= s->pos && (off == s->hashed || base + s->ring_len >= s->hashed);
}

/* docs/protocol.md#resume-window: the prefix the receiver holds, hashed
 * from the window, against HELLO_ACK's. */
static int window_prefix(struct net_send *s)
{
	uint64_t off = s->resume, base = off - off % NET_SEND_CHUNK;
	unsigned char h[NET_SHA256_LEN];
	br_sha256_context c = s->sha;

	if (off != s->hashed) {
		br_sha256_init(&c);
		br_sha256_set_state(&c, state_at(s, base), base);
		ring_copy(s, base, s->buf, (size_t)(off - base), 0);
		br_sha256_update(&c, s->buf, (size_t)(off - base));
	}
	br_sha256_out(&c, h);
	return prefix_is(s, h);
}

/* The bytes from the receiver's offset to pos, again, from the ring. */
static int resend(struct net_send *s)
{
	for (uint64_t off = s->resume; off < s->pos;) {
		size_t n = s->pos - off < NET_SEND_CHUNK ? (size_t)(s->pos - off) : NET_SEND_CHUNK;
		int e;

		ring_copy(s, off, s->buf + NET_DATA_HEAD, n, 0);
		if ((e = send_data(s, off, n)))
			return e;
		s->window_resent += n, off += n;
	}
	return 0;
}

static int reconnect(struct net_send *s, int e);

/* A break (e) mended where it happened: reconnect, and if the receiver's
 * offset is in the window, check its prefix and send the rest from the
 * ring; the producer then goes on. Else -EAGAIN with s->regen: the
 * producer is unwound and runs again on the new connection. */
static int resume_in_place(struct net_send *s, int e)
{
	s->nbuf = 0;   /* in the ring: resent below */
	for (;;) {
		if ((e = reconnect(s, e))) {
			s->judged = 1;
			return e;
		}
		if (!in_window(s, s->resume)) {
			log_info("send: the receiver's offset ", U64(s->resume), " is not in the resume window (",
			         U64(s->hashed > s->ring_len ? s->hashed - s->ring_len : 0), "-", U64(s->pos),
			         "): producing the stream again");
			s->regen = 1;
			return -EAGAIN;
		}
		if ((e = window_prefix(s)))
			return e;
		s->window_resumes++;
		log_info("send: resuming from the window: ", U64(s->pos - s->resume), " bytes sent again");
		if (!(e = resend(s)))
			return 0;
	}
}

/* The producer's write callback: checksums everything, sends what the
 * receiver does not hold yet. */
static int data_write(void *ctx, const void *buf, size_t len)
{
	struct net_send *s = ctx;
	const unsigned char *p = buf;

	if (s->net_err)
		return s->net_err;
	if ((s->net_err = sum(s, p, len)))
		return s->net_err;
	if (s->pos + len <= s->resume) {
		/* producing again what the receiver holds: PROGRESS lines keep
		 * the connection alive (the receiver judges silence) */
		s->pos += len;
		progress(s, 0);
		return 0;
	}
	if (s->pos < s->resume) {
		size_t skip = (size_t)(s->resume - s->pos);
		p += skip, len -= skip, s->pos += skip;
	}
	while (len) {
		size_t n = NET_SEND_CHUNK - s->nbuf;
		if (n > len)
			n = len;
		memcpy(s->buf + NET_DATA_HEAD + s->nbuf, p, n);
		s->nbuf += n, s->pos += n, p += n, len -= n;
		if (s->nbuf == NET_SEND_CHUNK && (s->net_err = flush_data(s)) && s->ring_len)
			s->net_err = resume_in_place(s, s->net_err);
		if (s->net_err)
			return s->net_err;
	}
	return 0;
}

/* Connect, handshake, HELLO; on success s->resume is the receiver's offset. */
static int open_session(struct net_send *s)
{
	const struct net_send_conf *c = s->conf;
	struct net_frame f;
	long n;
	int e;

	if ((s->fd = dial(c->server, c->timeout_ms)) < 0)
		return s->fd;
	s->connections++;
	if ((e = net_tls_client_init(&s->tls, c->key, c->pins, c->npins)) ||
	    (e = net_tls_handshake(&s->tls, s->fd, c->timeout_ms)))
		return e;
	n = net_frame_hello(s->buf, sizeof s->buf, c->dump_id, c->size_hint, c->meta, c->meta_len);
	if ((e = send_frame(s, s->buf, n)) || (e = read_frame(s, &f, c->timeout_ms)) < 0)
		return e;
	if (f.type == NET_ERROR) {
		if (f.u.ack.code == SALVAGE_E_PROTO_REJECTED)
			log_err("send: the receiver refused our HELLO (protocol version ", U64(NET_PROTO_VERSION),
			        "; a receiver of another version does so)");
		return peer_error(&f);
	}
	if (f.type != NET_HELLO_ACK)
		return -SALVAGE_E_PROTO_UNEXPECTED;
	s->resume = s->acked = f.u.ack.offset;
	memcpy(s->held_sha, f.u.ack.sha256, sizeof s->held_sha);
	return 0;
}

/* The finish note (docs/protocol.md#note), a PROGRESS line. */
static int send_note(struct net_send *s)
{
	const struct net_send_conf *c = s->conf;
	char line[NET_TEXT_MAX];
	size_t k = sizeof NET_NOTE_PREFIX - 1, n;
	long f;

	if (!c->note)
		return 0;
	memcpy(line, NET_NOTE_PREFIX, k);
	n = c->note(c->note_ctx, line + k, sizeof line - k);
	if (n > sizeof line - k)
		n = sizeof line - k;
	f = net_frame_text(s->buf, sizeof s->buf, NET_PROGRESS, line, k + n);
	return f < 0 ? (int)f : net_tls_write(&s->tls, s->fd, s->buf, (size_t)f, c->timeout_ms);
}

static int finish_once(struct net_send *s)
{
	unsigned char h[NET_SHA256_LEN];
	struct net_frame f;
	long n;
	int e;

	if ((e = flush_data(s)))
		return e;
	if (s->pos < s->resume)
		return -SALVAGE_E_PROTO_OFFSET;   /* the receiver holds more than the stream has */
	/* an empty stream never called data_write: its prefix is checked here */
	if (!s->prefix_checked && (e = check_prefix(s)))
		return e;
	if ((e = send_note(s)))
		return e;
	br_sha256_out(&s->sha, h);
	n = net_frame_finish(s->buf, sizeof s->buf, s->pos, s->crc, h);
	if ((e = send_frame(s, s->buf, n)))
		return e;
	/* docs/protocol.md#finish: the final acknowledgement is read before
	 * the connection closes (closing discards unread data). */
	for (;;) {
		if ((e = read_frame(s, &f, s->conf->timeout_ms)) < 0)
			return e;
		if (f.type == NET_FIN_ACK)
			return f.u.ack.code ? peer_error(&f) : 0;
		if ((e = handle_incoming(s, &f)))
			return e;
	}
}

/* FINISH; a break before FIN_ACK mended from the window, if there is one. */
static int finish(struct net_send *s)
{
	int e;

	while ((e = finish_once(s)) && s->ring_len && !(e = resume_in_place(s, e)))
		;
	return e;
}

static void tell_failure(struct net_send *s, int e)
{
	char why[160];
	long n;

	strcpy(why, e == -SALVAGE_E_PROTO_PREFIX ? "refused to resume: " : "the capture failed: ");
	strcat(why, err_name(e));
	strcat(why, ": ");
	strncat(why, err_text(e), sizeof why - strlen(why) - 1);
	n = net_frame_text(s->small, sizeof s->small, NET_FAIL, why, strlen(why));
	if (!send_frame(s, s->small, n))
		net_tls_close(&s->tls, s->fd, s->conf->timeout_ms);
}

/* Errors another connection will not cure. */
static int final(int e)
{
	switch (-e) {
	case SALVAGE_E_TLS_SERVER_KEY:
	case SALVAGE_E_TLS_NOT_AUTHORISED:
	case SALVAGE_E_TLS_REFUSED:
	case SALVAGE_E_PROTO_NO_SPACE:
	case SALVAGE_E_PROTO_REJECTED:
	case SALVAGE_E_PROTO_TOTALS:
	case SALVAGE_E_PROTO_UNEXPECTED:
	case SALVAGE_E_PROTO_OFFSET:
	case SALVAGE_E_PROTO_PREFIX:
	case EINVAL:
		return 1;
	}
	return 0;
}

static void backoff(int *wait_ms)
{
	unsigned r = 0;
	struct timespec t;

	/* no secret: GRND_INSECURE never waits for an unseeded CRNG (5.6+),
	 * where the older kernels' GRND_NONBLOCK may leave r at 0 */
	if (getrandom(&r, sizeof r, GRND_INSECURE) < 0)
		getrandom(&r, sizeof r, GRND_NONBLOCK);
	/* jitter: 75-125 % of the step, so a rack of machines spreads out */
	int ms = *wait_ms * 3 / 4 + (int)(r % (unsigned)(*wait_ms / 2 + 1));
	t.tv_sec = ms / 1000;
	t.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&t, &t) && errno == EINTR)
		;
	*wait_ms = *wait_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : *wait_ms * 2;
}

/* After a break (e; 0 before the first connection): the receiver is
 * told of a refused prefix, and unless e is final or the retry time is
 * over, backoff and connect again until a session is open (0). */
static int reconnect(struct net_send *s, int e)
{
	const struct net_send_conf *c = s->conf;

	for (;;) {
		if (e) {
			if (e == -SALVAGE_E_PROTO_PREFIX)
				tell_failure(s, e);   /* the receiver records why */
			hangup(s);
			s->err = e;
			log_warn("send: ", c->server, ": ", err_name(e), ": ", err_text(e));
			if (final(e) || clock_now_ms() >= s->give_up_ms)
				return e;
			/* a connection that carried data, or left the receiver
			 * holding more, worked: the next wait starts small again */
			if (s->acked > s->conn_acked || s->sent > s->conn_sent) {
				s->wait_ms = c->backoff_ms > 0 ? c->backoff_ms : 1000;
				s->give_up_ms = clock_now_ms() + (uint64_t)c->retry_for_s * 1000;
			}
			backoff(&s->wait_ms);
		}
		s->conn_acked = s->acked, s->conn_sent = s->sent;
		s->nframe = 0, s->fdone = 0;
		if (!(e = open_session(s)))
			break;
	}
	if (s->resume)
		log_info("send: connected to ", c->server, ", the receiver holds ", U64(s->resume), " bytes: resuming");
	else
		log_info("send: connected to ", c->server);
	return 0;
}

int net_send_run(struct net_send *s, const struct net_send_conf *c, net_producer *produce, void *pctx)
{
	int e, runs = 0;

	memset(s, 0, offsetof(struct net_send, tls));
	s->conf = c;
	s->fd = -1;
	s->start_ms = clock_now_ms();
	s->give_up_ms = s->start_ms + (uint64_t)c->retry_for_s * 1000;
	s->wait_ms = c->backoff_ms > 0 ? c->backoff_ms : 1000;
	s->judged = 0; /* after tls: the memset above leaves it */
	window_setup(s);
	if ((e = reconnect(s, 0)))
		return s->err = e;
	for (;;) {
		s->net_err = 0, s->pos = 0, s->hashed = 0, s->crc = 0, s->nbuf = 0;
		s->prefix_checked = 0, s->regen = 0;
		br_sha256_init(&s->sha);
		if (runs++)
			s->regenerations++;
		e = produce(pctx, data_write, s);
		if (!e)
			e = s->net_err;
		if (!e)
			e = finish(s);
		else if (!s->net_err) {
			/* the producer failed, not the network: tell the
			 * receiver why, and stop */
			tell_failure(s, e);
			hangup(s);
			return s->err = e;
		}
		if (!e) {
			s->total = s->pos;
			progress(s, 1);
			net_tls_close(&s->tls, s->fd, c->timeout_ms);
			hangup(s);
			return 0;
		}
		if (s->regen)
			continue;   /* connected, from the receiver's offset */
		if (s->judged || (e = reconnect(s, e)))
			return s->err = e;
	}
}

static void line(char *out, size_t cap, size_t *len, const char *key, const char *v, size_t n)
{
	size_t k = strlen(key);

	if (*len + k + n + 2 >= cap)
		return;
	memcpy(out + *len, key, k);
	out[*len + k] = '=';
	memcpy(out + *len + k + 1, v, n);
	*len += k + n + 1;
	out[(*len)++] = '\n';
}

size_t net_send_meta(char *out, size_t cap, const char *uts, const char *vmcoreinfo,
                     size_t vmcoreinfo_len, const char *source)
{
	struct dump_vmcoreinfo vi = { vmcoreinfo, vmcoreinfo_len };
	const char *v;
	size_t len = 0, n;

	/* struct new_utsname: 65-byte fields sysname, nodename, release, ... */
	if (uts) {
		line(out, cap, &len, "hostname", uts + 65, strnlen(uts + 65, 64));
		line(out, cap, &len, "release", uts + 130, strnlen(uts + 130, 64));
	} else if ((v = dump_vmcoreinfo_get(&vi, "OSRELEASE", &n))) {
		line(out, cap, &len, "release", v, n);
	}
	if ((v = dump_vmcoreinfo_get(&vi, "CRASHTIME", &n)))
		line(out, cap, &len, "crashtime", v, n);
	line(out, cap, &len, "source", source, strlen(source));
	return len;
}

void net_dump_id(unsigned char id[NET_DUMP_ID_LEN], const char *vmcoreinfo, size_t len)
{
	static const char tag[] = "salvage dump id 1";   /* docs/protocol.md#dump-id */
	unsigned char h[32];
	br_sha256_context sc;

	br_sha256_init(&sc);
	br_sha256_update(&sc, tag, sizeof tag);
	br_sha256_update(&sc, vmcoreinfo, len);
	br_sha256_out(&sc, h);
	memcpy(id, h, NET_DUMP_ID_LEN);
}
