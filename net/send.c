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

static int flush_data(struct net_send *s)
{
	size_t n = s->nbuf;
	uint32_t crc;
	int e;

	if (!n)
		return 0;
	net_frame_data_head(s->buf, s->pos - n, n);
	crc = net_frame_data_crc(s->buf, s->buf + NET_DATA_HEAD, n);
	s->buf[NET_DATA_HEAD + n] = (unsigned char)crc;
	s->buf[NET_DATA_HEAD + n + 1] = (unsigned char)(crc >> 8);
	s->buf[NET_DATA_HEAD + n + 2] = (unsigned char)(crc >> 16);
	s->buf[NET_DATA_HEAD + n + 3] = (unsigned char)(crc >> 24);
	s->nbuf = 0;
	if ((e = net_tls_write(&s->tls, s->fd, s->buf, NET_DATA_HEAD + n + 4, s->conf->timeout_ms)))
		return e;
	s->sent += n;
	if ((e = poll_incoming(s)))
		return e;
	progress(s, 0);
	return 0;
}

/* docs/protocol.md#resume: the stream's first s->resume bytes, hashed
 * as they were produced again, against what the receiver holds. Nothing
 * is sent before this matched. */
static int check_prefix(struct net_send *s)
{
	unsigned char h[NET_SHA256_LEN];

	br_sha256_out(&s->sha, h);
	if (memcmp(h, s->held_sha, sizeof h)) {
		log_err("send: the receiver's first ", U64(s->resume),
		        " bytes of this dump are not this stream's (SHA-256 differs): not resuming onto them");
		return -SALVAGE_E_PROTO_PREFIX;
	}
	s->prefix_checked = 1;
	return 0;
}

/* Both sums over len bytes; the prefix checked when they reach s->resume. */
static int sum(struct net_send *s, const unsigned char *p, size_t len)
{
	s->crc = crc32c(s->crc, p, len);
	if (!s->prefix_checked && s->pos + len >= s->resume) {
		size_t k = (size_t)(s->resume - s->pos);
		int e;

		br_sha256_update(&s->sha, p, k);
		if ((e = check_prefix(s)))
			return e;
		p += k, len -= k;
	}
	br_sha256_update(&s->sha, p, len);
	return 0;
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
		if (s->nbuf == NET_SEND_CHUNK && (s->net_err = flush_data(s)))
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

static int finish(struct net_send *s)
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

int net_send_run(struct net_send *s, const struct net_send_conf *c, net_producer *produce, void *pctx)
{
	uint64_t give_up = clock_now_ms() + (uint64_t)c->retry_for_s * 1000;
	int wait = c->backoff_ms > 0 ? c->backoff_ms : 1000, e;

	memset(s, 0, offsetof(struct net_send, tls));
	s->conf = c;
	s->fd = -1;
	s->start_ms = clock_now_ms();
	for (;;) {
		uint64_t acked_before = s->acked, sent_before = s->sent;

		s->net_err = 0, s->pos = 0, s->crc = 0, s->nbuf = 0, s->nframe = 0, s->fdone = 0;
		s->prefix_checked = 0;
		br_sha256_init(&s->sha);
		if (!(e = open_session(s))) {
			if (s->resume)
				log_info("send: connected to ", c->server, ", the receiver holds ",
				         U64(s->resume), " bytes: resuming");
			else
				log_info("send: connected to ", c->server);
			e = produce(pctx, data_write, s);
			if (!e)
				e = s->net_err;
			if (!e)
				e = finish(s);
			else if (e && !s->net_err) {
				/* the producer failed, not the network: tell the
				 * receiver why, and stop */
				tell_failure(s, e);
				hangup(s);
				return s->err = e;
			}
		}
		if (!e) {
			s->total = s->pos;
			progress(s, 1);
			net_tls_close(&s->tls, s->fd, c->timeout_ms);
			hangup(s);
			return 0;
		}
		if (e == -SALVAGE_E_PROTO_PREFIX)
			tell_failure(s, e);   /* the receiver records why */
		hangup(s);
		s->err = e;
		log_warn("send: ", c->server, ": ", err_name(e), ": ", err_text(e));
		if (final(e) || clock_now_ms() >= give_up)
			return e;
		/* a connection that carried data, or left the receiver holding
		 * more, worked: the next wait starts small again */
		if (s->acked > acked_before || s->sent > sent_before) {
			wait = c->backoff_ms > 0 ? c->backoff_ms : 1000;
			give_up = clock_now_ms() + (uint64_t)c->retry_for_s * 1000;
		}
		backoff(&wait);
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
