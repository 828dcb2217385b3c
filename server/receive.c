/* The collection server's loop (docs/protocol.md#receiver): non-blocking
 * sockets and one poll(), a BearSSL engine per connection, no thread per
 * client. Conversions run in child processes. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../lib/clock.h"
#include "../lib/err.h"
#include "../lib/log.h"
#include "../net/proto.h"
#include "receive.h"
#include "store.h"
#include "triage.h"

enum phase { HANDSHAKE, HELLO, DATA, CLOSING };

struct conn {
	int fd;
	enum phase phase;
	char peer[48];                   /* address:port */
	uint32_t addr;                   /* the peer's IPv4 address */
	int host;                        /* index in the authorized list, -1 before */
	uint64_t since_ms;               /* start of the phase */
	uint64_t heard_ms;               /* last frame in */
	uint64_t moved_ms;               /* HELLO, or the last DATA */
	uint64_t said_ms;                /* the last PROGRESS logged */
	int got;                         /* enum progress, in the handshake */
	uint64_t win_ms, win_bytes;      /* rate window */
	uint64_t synced_ms;
	uint64_t last_end;               /* what was stored at HELLO */
	int has_dump;
	struct net_store d;
	unsigned char *in;               /* frame being read */
	size_t nin;
	unsigned char out[2048];         /* frames to send */
	size_t nout;
	struct net_tls tls;
};

static volatile sig_atomic_t stopping, children;
static uint64_t accept_paused_until;   /* out of file descriptors: wait */
static uint64_t room;                  /* may be written before statvfs again */

/* docs/protocol.md#log: lines that strangers or a flood can cause come at
 * most QUIET_LINES per kind every QUIET_MS; the rest are counted, and the
 * count is logged when the period ends. */
#define QUIET_LINES 20
#define QUIET_MS 10000
struct quiet {
	const char *what;
	uint64_t since;
	unsigned said, held;
};
static struct quiet q_turned = { .what = "connections turned away or closed to make room" },
                    q_stranger = { .what = "lines about connections before authentication" },
                    q_client = { .what = "lines about clients' sessions and errors" },
                    q_progress = { .what = "PROGRESS lines" };
static struct quiet *const quiets[] = { &q_turned, &q_stranger, &q_client, &q_progress };

/* docs/protocol.md#limits: a connection whose whole ClientHello has not
 * come within FIRST_FLIGHT_MS is closed, and when the slots for
 * unauthenticated connections are full, one that sent nothing or got less
 * far (enum progress), or else the oldest, once its handshake has lasted
 * more than HANDSHAKE_GRACE_MS (for a newcomer with a whole ClientHello),
 * makes room for a new one. One peer address holds at most 1/ADDR_SHARE
 * of those slots (at least 2): a new connection from an address that
 * holds its share makes room among that address's alone, with no grace.
 * At most ACCEPT_BATCH
 * connections are taken per round of the loop, so a connection flood
 * cannot keep it from serving the others. */
#define FIRST_FLIGHT_MS 2000
#define HANDSHAKE_GRACE_MS 1000
#define ACCEPT_BATCH 16
#define ADDR_SHARE 8   /* a peer address's share: 1/ADDR_SHARE */
/* docs/protocol.md#limits: authenticated connections one host name
 * holds; its newest one closes its oldest */
#define HOST_CONNS 2
/* a client's reproduction of what the receiver holds, before its first
 * DATA, is judged at this rate when --min-rate is 0 */
#define REPRODUCE_RATE (16u << 10)
/* the free space is measured again after at most this much was written */
#define ROOM_STEP (16u << 20)

/* Ends the period when it is over (or now, when the receiver stops),
 * saying what it held back. */
static void quiet_end(struct quiet *q, uint64_t t, int now)
{
	if (t - q->since < QUIET_MS && !now)
		return;
	if (q->held)
		log_warn("receive: ", U64(q->held), " more ", q->what, " in the last ",
		         U64((t - q->since) / 1000), " s, not logged one by one");
	q->since = t;
	q->said = q->held = 0;
}

/* 1 when a line of this kind may be logged now; else it is counted. */
static int loud(struct quiet *q)
{
	quiet_end(q, clock_now_ms(), 0);
	if (q->said < QUIET_LINES)
		return ++q->said;
	q->held++;
	return 0;
}

static void on_signal(int sig)
{
	if (sig == SIGCHLD)
		children = 1;
	else
		stopping = 1;
}

static int listen_on(const char *spec)
{
	char host[64];
	const char *colon = strrchr(spec, ':');
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd, one = 1;
	char *end;
	unsigned long port;

	if (!colon || (size_t)(colon - spec) >= sizeof host)
		return -EINVAL;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = 0;
	port = strtoul(colon + 1, &end, 10);
	if (*end || !colon[1] || port > 65535 || (host[0] && inet_pton(AF_INET, host, &a.sin_addr) != 1))
		return -EINVAL;
	a.sin_port = htons((uint16_t)port);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 128) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* Queues a frame for the client (frames out are small). */
static void queue(struct conn *c, const unsigned char *f, long n)
{
	if (n > 0 && (size_t)n <= sizeof c->out - c->nout) {
		memcpy(c->out + c->nout, f, (size_t)n);
		c->nout += (size_t)n;
	}
}

static void queue_ack(struct conn *c, uint32_t type, uint64_t off, int code, const char *text)
{
	unsigned char f[NET_TEXT_MAX + 64];

	queue(c, f, net_frame_ack(f, sizeof f, type, off, (uint32_t)-code, 0, text, text ? strlen(text) : 0));
}

static const char *who(const struct net_receive_conf *rc, const struct conn *c)
{
	return c->host >= 0 ? rc->auth->host[c->host] : c->peer;
}

/* Ends the dump's part of the connection: what arrived stays, synced,
 * and the metadata says why (an error with no state of its own: failed). */
static void drop_dump(struct conn *c, const char *state, const char *reason)
{
	if (!c->has_dump)
		return;
	net_store_close(&c->d, c->d.complete ? NULL : state ? state : "failed", reason);
	c->has_dump = 0;
}

/* Sends ERROR (when the session is up) and closes after it went out. */
static void fail(const struct net_receive_conf *rc, struct conn *c, int e, const char *state)
{
	char why[160];

	if (e == -ENOSPC || e == -EDQUOT)
		e = -SALVAGE_E_PROTO_NO_SPACE;
	if (loud(c->phase == HANDSHAKE ? &q_stranger : &q_client))
		log_warn("receive: ", who(rc, c), " (", c->peer, "): ", err_name(e), ": ", err_text(e),
		         c->has_dump ? "; kept " : "", c->has_dump ? c->d.rel : "",
		         c->has_dump ? " at " : "", c->has_dump ? U64(c->d.end) : "");
	if (c->phase != HANDSHAKE)
		queue_ack(c, NET_ERROR, c->has_dump ? c->d.end : 0, e, err_text(e));
	snprintf(why, sizeof why, "%s: %s", err_name(e), err_text(e));
	drop_dump(c, state, why);
	c->phase = CLOSING;
	c->since_ms = clock_now_ms();
}

static int free_space_ok(const struct net_receive_conf *rc)
{
	struct statvfs s;

	if (!rc->min_free || statvfs(rc->dir, &s) < 0)
		return 1;
	return (uint64_t)s.f_bavail * s.f_frsize >= rc->min_free;
}

/* docs/protocol.md#limits: --min-free holds between the checks at HELLO
 * and ACK too: before n more bytes are written, the space above it is
 * measured again once what may be written (half of that space, at most
 * ROOM_STEP) is used up. 1 when the bytes may be written. */
static int room_for(const struct net_receive_conf *rc, uint64_t n)
{
	struct statvfs s;
	uint64_t avail;

	if (!rc->min_free)
		return 1;
	if (n > room) {
		if (statvfs(rc->dir, &s) < 0)
			return 1;
		avail = (uint64_t)s.f_bavail * s.f_frsize;
		room = avail > rc->min_free ? (avail - rc->min_free) / 2 : 0;
		if (room > ROOM_STEP)
			room = ROOM_STEP;
		if (n > room)
			return 0;
	}
	room -= n;
	return 1;
}

static void sync_and_ack(const struct net_receive_conf *rc, struct conn *c)
{
	int e;

	if ((e = net_store_sync(&c->d)))
		return fail(rc, c, e, "failed");
	c->synced_ms = clock_now_ms();
	if (!free_space_ok(rc))
		return fail(rc, c, -SALVAGE_E_PROTO_NO_SPACE, "failed");
	queue_ack(c, NET_ACK, c->d.durable, 0, NULL);
}

/* Whether all[a] came before all[b] (by time, then by slot). */
static int older(struct conn **all, long a, long b)
{
	return all[a]->since_ms < all[b]->since_ms || (all[a]->since_ms == all[b]->since_ms && a < b);
}

/* o gives way to c, a newer connection of its host; capped: because the
 * host holds HOST_CONNS connections. */
static void replace(const struct net_receive_conf *rc, struct conn *o, const struct conn *c, int capped)
{
	if (loud(&q_client))
		log_info("receive: ", who(rc, o), ": a new connection (", c->peer, ") takes over from ", o->peer,
		         capped ? ": one host holds at most " : "", capped ? U64(HOST_CONNS) : "",
		         capped ? " connections" : "");
	drop_dump(o, "interrupted", "connection replaced");
	o->phase = CLOSING;
	o->since_ms = clock_now_ms();
}

/* A connection that takes over from others of its host: those that hold
 * the dump id (NULL: none), and, when the host has more than
 * HOST_CONNS authenticated connections with it, the oldest one. */
static void take_over(const struct net_receive_conf *rc, struct conn **all, size_t n, struct conn *c,
                      const unsigned char *id)
{
	long oldest = -1;
	size_t held = 0;

	for (size_t i = 0; i < n; i++) {
		struct conn *o = all[i];
		/* by name: two keys may map to one host (a key being rotated) */
		if (!o || o == c || o->host < 0 || o->phase == CLOSING ||
		    strcmp(rc->auth->host[o->host], rc->auth->host[c->host]))
			continue;
		if (id && o->has_dump && !memcmp(o->d.id, id, NET_DUMP_ID_LEN))
			replace(rc, o, c, 0);
		else if (held++, oldest < 0 || older(all, (long)i, oldest))
			oldest = (long)i;
	}
	/* docs/protocol.md#limits: one host cannot hold every slot; the
	 * newest wins, as a crash kernel's new connection must win over its
	 * half-open one */
	if (!id && held >= HOST_CONNS)
		replace(rc, all[oldest], c, 1);
}

static void on_hello(const struct net_receive_conf *rc, int rootfd, struct conn **all, size_t n,
                     struct conn *c, const struct net_frame *f)
{
	char fp[NET_FP_TEXT];
	int e;

	unsigned char sha[NET_SHA256_LEN], ack[NET_FRAME_OVERHEAD + 16 + NET_SHA256_LEN];

	if (f->u.hello.version != NET_PROTO_VERSION) {
		/* docs/protocol.md#versions: PROTO_REJECTED is a code every
		 * version knows, and stops the client */
		log_warn("receive: ", who(rc, c), " (", c->peer, "): ", err_name(-SALVAGE_E_PROTO_VERSION),
		         ": the client speaks version ", U64(f->u.hello.version), ", this receiver ",
		         U64(NET_PROTO_VERSION));
		return fail(rc, c, -SALVAGE_E_PROTO_REJECTED, NULL);
	}
	if (!free_space_ok(rc))
		return fail(rc, c, -SALVAGE_E_PROTO_NO_SPACE, NULL);
	take_over(rc, all, n, c, f->u.hello.dump_id);
	net_fp_text(fp, rc->auth->fp[c->host]);
	e = net_store_open(&c->d, rootfd, rc->auth->host[c->host], f->u.hello.dump_id,
	                   f->u.hello.meta, f->u.hello.meta_len, c->peer, fp);
	if (e)
		return fail(rc, c, e, NULL);
	c->has_dump = 1;
	c->phase = DATA;
	c->synced_ms = c->heard_ms = c->moved_ms = clock_now_ms();
	c->win_ms = c->win_bytes = 0;
	c->last_end = c->d.end;
	if (loud(&q_client))
		log_info("receive: ", who(rc, c), " (", c->peer, ", ", net_tls_suite(&c->tls), "): ",
		         c->d.complete ? "already complete: " : c->d.end ? "resuming " : "new dump ",
		         c->d.rel, c->d.end && !c->d.complete ? " at " : "",
		         c->d.end && !c->d.complete ? U64(c->d.end) : "");
	net_store_prefix_sha(&c->d, sha);
	queue(c, ack, net_frame_hello_ack(ack, sizeof ack, c->d.end, sha));
}

/* Conversions: at most rc->convert_jobs children at once, the others
 * wait here in order (docs/protocol.md#limits). */
#define CONVERT_QUEUE 64
static char waiting[CONVERT_QUEUE][sizeof ((struct net_store *)0)->rel];
static unsigned nwaiting, converting;
/* the conversions running, for retention (docs/receiver.md#retention) */
static struct { pid_t pid; char rel[sizeof ((struct net_store *)0)->rel]; } running[64];

static void fork_conversion(const struct net_receive_conf *rc, int rootfd, const char *rel)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct rlimit mem = { rc->convert_mem, rc->convert_mem };
		/* the child keeps no socket or dump file of the parent's open */
		for (int fd = 3; fd < 65536; fd++)
			if (fd != rootfd)
				close(fd);
		/* a stop signal to the whole process group (systemd's, a
		 * terminal's ^C) is the receiver's to act on: it waits for its
		 * conversions, so a conversion is never cut off half-written */
		signal(SIGTERM, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		if (rc->convert_mem && setrlimit(RLIMIT_AS, &mem) < 0)
			_exit(1);
		_exit(net_store_convert(rootfd, rel, rc->min_free, rc->convert_max) ? 1 : 0);
	}
	if (pid < 0)
		log_err("receive: ", rel, ": cannot start the conversion: ", err_text(-errno));
	else
		converting++;
	for (size_t i = 0; pid > 0 && i < sizeof running / sizeof running[0]; i++)
		if (!running[i].pid) {
			running[i].pid = pid;
			strcpy(running[i].rel, rel);
			break;
		}
}

static void start_conversion(const struct net_receive_conf *rc, int rootfd, const char *rel)
{
	if (converting < rc->convert_jobs)
		return fork_conversion(rc, rootfd, rel);
	if (nwaiting == CONVERT_QUEUE) {
		log_err("receive: ", rel, ": not converted: ", U64(CONVERT_QUEUE),
		        " conversions already waiting; the stream stays (salvage convert)");
		return;
	}
	log_info("receive: ", rel, ": conversion waits for one of ", U64(converting), " running");
	strcpy(waiting[nwaiting++], rel);
}

static void on_finish(const struct net_receive_conf *rc, int rootfd, struct conn *c, const struct net_frame *f)
{
	int was_complete = c->d.complete, e;
	char rel[sizeof c->d.rel];

	if ((e = net_store_finish(&c->d, f->u.finish.total, f->u.finish.crc, f->u.finish.sha256)))
		return fail(rc, c, e, "failed");
	/* a first completion is always logged; one again, like HELLO, is a
	 * session line an authorized client could repeat in a loop */
	if (!was_complete || loud(&q_client))
		log_info("receive: ", who(rc, c), ": ", c->d.rel, ": complete, ", U64(c->d.total),
		         " bytes, checksum ok", was_complete ? " (again)" : "");
	queue_ack(c, NET_FIN_ACK, c->d.total, 0, NULL);
	strcpy(rel, c->d.rel);
	drop_dump(c, NULL, NULL);
	if (!was_complete)
		start_conversion(rc, rootfd, rel);
	c->phase = CLOSING;
	c->since_ms = clock_now_ms();
}

static void on_data(const struct net_receive_conf *rc, struct conn *c, const struct net_frame *f)
{
	int e;

	if (c->d.complete || f->u.data.offset != c->d.end)
		return fail(rc, c, -SALVAGE_E_PROTO_OFFSET, NULL);
	if (!room_for(rc, f->u.data.n))
		return fail(rc, c, -SALVAGE_E_PROTO_NO_SPACE, "failed");
	c->moved_ms = clock_now_ms();
	if ((e = net_store_append(&c->d, f->u.data.bytes, f->u.data.n)))
		return fail(rc, c, e, "failed");
	/* the rate is judged from the first DATA on: before it, a resuming
	 * client may spend a while producing the part already stored */
	if (!c->win_ms)
		c->win_ms = clock_now_ms(), c->win_bytes = 0;
	c->win_bytes += f->u.data.n;
	if (c->d.end - c->d.durable >= rc->ack_every || clock_now_ms() - c->synced_ms >= 2000)
		sync_and_ack(rc, c);
}

static void on_frame(const struct net_receive_conf *rc, int rootfd, struct conn **all, size_t n,
                     struct conn *c, const struct net_frame *f)
{
	char text[NET_TEXT_MAX + 1];

	c->heard_ms = clock_now_ms();
	if (f->type == NET_HELLO && c->phase == HELLO)
		return on_hello(rc, rootfd, all, n, c, f);
	if (c->phase != DATA)
		return fail(rc, c, -SALVAGE_E_PROTO_UNEXPECTED, NULL);
	switch (f->type) {
	case NET_DATA:
		return on_data(rc, c, f);
	case NET_FINISH:
		return on_finish(rc, rootfd, c, f);
	case NET_PROGRESS:
		if (f->text_len >= sizeof NET_NOTE_PREFIX - 1 &&
		    !memcmp(f->text, NET_NOTE_PREFIX, sizeof NET_NOTE_PREFIX - 1)) {
			/* docs/protocol.md#note: kept for salvage.meta */
			net_store_note(&c->d, f->text + sizeof NET_NOTE_PREFIX - 1,
			               f->text_len - (sizeof NET_NOTE_PREFIX - 1));
			return;
		}
		/* fall through */
	case NET_FAIL:
		for (size_t i = 0; i < f->text_len; i++)
			text[i] = f->text[i] >= 0x20 && f->text[i] < 0x7f ? f->text[i] : '?';
		text[f->text_len] = 0;
		if (f->type == NET_PROGRESS) {
			/* docs/protocol.md#session: one line every 2 s is logged */
			if (c->heard_ms - c->said_ms < 2000 || !loud(&q_progress))
				return;
			c->said_ms = c->heard_ms;
			log_info("receive: ", who(rc, c), ": ", text);
			return;
		}
		if (loud(&q_client))
			log_warn("receive: ", who(rc, c), ": the client gave up: ", text);
		drop_dump(c, "failed", text);
		c->phase = CLOSING;
		c->since_ms = clock_now_ms();
		return;
	}
	fail(rc, c, -SALVAGE_E_PROTO_UNEXPECTED, NULL);
}

/* Application bytes from the engine into frames. */
static void app_in(const struct net_receive_conf *rc, int rootfd, struct conn **all, size_t n, struct conn *c)
{
	br_ssl_engine_context *eng = c->tls.eng;
	struct net_frame f;
	size_t len, need;
	long used;

	/* closing: what still comes in is read and dropped, so the engine
	 * can reach the peer's close_notify */
	while (c->phase == CLOSING && (br_ssl_engine_current_state(eng) & BR_SSL_RECVAPP)) {
		br_ssl_engine_recvapp_buf(eng, &len);
		br_ssl_engine_recvapp_ack(eng, len);
	}
	while (c->phase == HELLO || c->phase == DATA) {
		unsigned char *p = (br_ssl_engine_current_state(eng) & BR_SSL_RECVAPP)
		                 ? br_ssl_engine_recvapp_buf(eng, &len) : NULL;
		if ((used = net_frame_parse(c->in, c->nin, &f, &need)) < 0)
			return fail(rc, c, (int)used, NULL);
		if (used) {
			on_frame(rc, rootfd, all, n, c, &f);
			memmove(c->in, c->in + used, c->nin - (size_t)used);
			c->nin -= (size_t)used;
			continue;
		}
		if (!p)
			return;
		/* take only up to the end of the frame: c->in holds one */
		if (!need)
			need = NET_FRAME_HEAD;
		if (len > need - c->nin)
			len = need - c->nin;
		memcpy(c->in + c->nin, p, len);
		c->nin += len;
		br_ssl_engine_recvapp_ack(eng, len);
	}
}

static void app_out(struct conn *c)
{
	br_ssl_engine_context *eng = c->tls.eng;
	size_t len;

	while (c->nout && (br_ssl_engine_current_state(eng) & BR_SSL_SENDAPP)) {
		unsigned char *p = br_ssl_engine_sendapp_buf(eng, &len);
		if (len > c->nout)
			len = c->nout;
		memcpy(p, c->out, len);
		br_ssl_engine_sendapp_ack(eng, len);
		memmove(c->out, c->out + len, c->nout - len);
		c->nout -= len;
		br_ssl_engine_flush(eng, 0);
	}
	if (c->phase == CLOSING && !c->nout && !(br_ssl_engine_current_state(eng) & BR_SSL_CLOSED))
		br_ssl_engine_close(eng);
}

static void close_conn(const struct net_receive_conf *rc, struct conn **slot)
{
	struct conn *c = *slot;

	drop_dump(c, "interrupted", "connection lost");
	close(c->fd);
	free(c->in);
	free(c);
	*slot = NULL;
	(void)rc;
}

/* How far an unauthenticated connection got, from what the kernel counted
 * on its socket: nothing; some bytes; a whole first record (ClientHello)
 * waiting to be read, or an answer from us. */
enum progress { MUTE, SPOKE, HELLOED };

static enum progress progress(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;
	unsigned char h[5];
	int waiting;

	/* a kernel that cannot tell: as far as it matters */
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof ti.tcpi_bytes_received)
		return HELLOED;
	if (!ti.tcpi_bytes_received)
		return MUTE;
	if (len >= offsetof(struct tcp_info, tcpi_bytes_sent) + sizeof ti.tcpi_bytes_sent ? ti.tcpi_bytes_sent
	                                                                                   : ti.tcpi_bytes_acked)
		return HELLOED;
	/* not read yet: a TLS record head (type, version, length) and as
	 * many bytes as it announces */
	if (recv(fd, h, sizeof h, MSG_PEEK | MSG_DONTWAIT) == sizeof h && !ioctl(fd, FIONREAD, &waiting) &&
	    waiting >= (int)sizeof h + (h[3] << 8 | h[4]))
		return HELLOED;
	return SPOKE;
}

/* A connection's progress, asked of the kernel until it got all the way. */
static enum progress got(struct conn *c)
{
	if (c->got != HELLOED)
		c->got = progress(c->fd);
	return c->got;
}

/* docs/protocol.md#limits: the unauthenticated connection that makes room
 * for a new one that got as far as p, among those from *from (NULL: all):
 * the oldest of those that sent nothing or got less far; else, for a
 * whole ClientHello, the oldest of them if its handshake has lasted more
 * than HANDSHAKE_GRACE_MS (among one address's: at once); -1 when none
 * may go. They are
 * looked at oldest first, so under a flood of connections that send
 * nothing the first one asked about is usually the one. */
static long victim(struct conn **all, size_t n, enum progress p, const uint32_t *from)
{
	long prev = -1, first = -1;

	for (;;) {
		long o = -1;
		enum progress cp;
		for (size_t i = 0; i < n; i++)
			if (all[i] && all[i]->phase == HANDSHAKE && (!from || all[i]->addr == *from) &&
			    (prev < 0 || older(all, prev, (long)i)) && (o < 0 || older(all, (long)i, o)))
				o = (long)i;
		if (o < 0)
			break;
		if (first < 0)
			first = o;
		if ((cp = got(all[o])) == MUTE || cp < p)
			return o;
		prev = o;
	}
	/* a slow handshake goes only for a newcomer with a whole ClientHello:
	 * a flood of connections that send nothing never takes its slot */
	return p == HELLOED && first >= 0 &&
	       (from || clock_now_ms() - all[first]->since_ms > HANDSHAKE_GRACE_MS) ? first : -1;
}

/* A free slot for a new connection, making room if it must: -1 when the
 * connection is to be turned away. */
static long slot_for(const struct net_receive_conf *rc, struct conn **all, size_t n, int fd, uint32_t addr)
{
	size_t unauth = 0, mine = 0, share = (n + 1) / 2 / ADDR_SHARE, i, free_at = n;
	long v;

	for (i = 0; i < n; i++) {
		unauth += all[i] && all[i]->phase == HANDSHAKE;
		mine += all[i] && all[i]->phase == HANDSHAKE && all[i]->addr == addr;
		if (!all[i] && free_at == n)
			free_at = i;
	}
	/* docs/protocol.md#limits: one address's flood of ClientHellos that
	 * are never answered churns its own share of the handshake slots
	 * only */
	if (mine >= (share > 2 ? share : 2))
		v = victim(all, n, progress(fd), &addr);
	/* connections not yet authenticated get at most half the slots, so
	 * scanners and stalled handshakes cannot lock out the machines that
	 * crashed */
	else if (free_at < n && unauth < (n + 1) / 2)
		return (long)free_at;
	else
		v = unauth ? victim(all, n, progress(fd), NULL) : -1;
	if (v < 0)
		return -1;
	if (loud(&q_turned))
		log_warn("receive: ", all[v]->peer, ": closed to make room: ", U64(unauth),
		         " connections not authenticated yet, ", U64(mine), " from the new one's address");
	close_conn(rc, &all[v]);
	return v;
}

static void on_accept(const struct net_receive_conf *rc, int lfd, struct conn **all, size_t n)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	int fd = -1, one = 1;
	long i;
	struct conn *c = NULL;
	char ip[INET_ADDRSTRLEN];

	for (int k = 0; k < ACCEPT_BATCH && (fd = accept4(lfd, (struct sockaddr *)&a, &al,
	                                                  SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0; k++) {
		inet_ntop(AF_INET, &a.sin_addr, ip, sizeof ip);
		c = (i = slot_for(rc, all, n, fd, a.sin_addr.s_addr)) >= 0 ? calloc(1, sizeof *c) : NULL;
		if (c && !(c->in = malloc(NET_FRAME_MAX + NET_FRAME_OVERHEAD))) {
			free(c);
			c = NULL;
		}
		if (!c) {
			/* docs/protocol.md#limits: over max-clients the connection
			 * is closed at once; the client backs off and retries */
			if (loud(&q_turned))
				log_warn("receive: ", ip, ": turned away: no slot free (", U64(n),
				         " at most, half of them for handshakes, an eighth of those for one address)",
				         " and none to make room");
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c->fd = fd;
		c->host = -1;
		c->addr = a.sin_addr.s_addr;
		c->since_ms = c->heard_ms = clock_now_ms();
		snprintf(c->peer, sizeof c->peer, "%s:%u", ip, ntohs(a.sin_port));
		if (net_tls_server_init(&c->tls, rc->key, (const unsigned char (*)[NET_FP_LEN])rc->auth->fp,
		                        rc->auth->n)) {
			log_err("receive: TLS set-up failed");
			free(c->in);
			free(c);
			close(fd);
			continue;
		}
		all[i] = c;
	}
	if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
		/* the pending connection stays in the backlog; polling for it
		 * again at once would spin */
		log_warn("receive: out of file descriptors: not accepting for a second");
		accept_paused_until = clock_now_ms() + 1000;
	}
}

/* Deadlines per phase, and the minimum rate. -1 when the connection is
 * to be closed at once. */
static int check_time(const struct net_receive_conf *rc, struct conn *c)
{
	uint64_t t = clock_now_ms(), allowed;

	switch (c->phase) {
	case HANDSHAKE:
		if (t - c->since_ms > FIRST_FLIGHT_MS && got(c) != HELLOED) {
			if (loud(&q_stranger))
				log_warn("receive: ", c->peer, ": closed: no ClientHello in ",
				         U64(FIRST_FLIGHT_MS / 1000), " s");
			return -1;
		}
		/* fall through */
	case HELLO:
		if (t - c->since_ms > rc->handshake_s * 1000ull)
			fail(rc, c, -SALVAGE_E_TIMEOUT, NULL);
		return 0;
	case DATA:
		if (t - c->heard_ms > rc->idle_s * 1000ull)
			return fail(rc, c, -SALVAGE_E_TIMEOUT, "interrupted"), 0;
		/* docs/protocol.md#limits: PROGRESS alone does not hold a slot:
		 * DATA must come within the silence limit, and before the first
		 * DATA the client may reproduce what is stored at the minimum
		 * rate */
		allowed = rc->idle_s * 1000ull;
		if (!c->win_ms)
			allowed += c->last_end * 1000 / (rc->min_rate ? rc->min_rate : REPRODUCE_RATE);
		if (t - c->moved_ms > allowed)
			return fail(rc, c, -SALVAGE_E_TIMEOUT, "interrupted"), 0;
		if (c->win_ms && t - c->win_ms >= rc->rate_window_s * 1000ull) {
			if (rc->min_rate && c->win_bytes * 1000 / (t - c->win_ms) < rc->min_rate)
				return fail(rc, c, -SALVAGE_E_PROTO_TOO_SLOW, "interrupted"), 0;
			c->win_ms = t, c->win_bytes = 0;
		}
		if (c->d.end > c->d.durable && t - c->synced_ms >= 2000)
			sync_and_ack(rc, c);
		return 0;
	case CLOSING:
		return 0;
	}
	return 0;
}

/* Moves TLS records, then frames, until the engine has no more
 * application data for us or this connection had its share of the round
 * (so one fast client cannot starve the others). Returns the events to
 * poll for, or -1 when the connection is finished; *more is set when data
 * was left in the engine for the next round. */
static int step(const struct net_receive_conf *rc, int rootfd, struct conn **all, size_t n, struct conn *c,
                int *more)
{
	int ev = 0, e;

	for (int round = 0; round < 32; round++) {
		unsigned st;

		if ((ev = net_tls_pump(&c->tls, c->fd)) < 0) {
			if (c->phase == HANDSHAKE) {
				e = net_tls_error(&c->tls);
				if (loud(&q_stranger))
					log_warn("receive: ", c->peer, ": handshake failed: ", err_name(e ? e : ev),
					         ": ", err_text(e ? e : ev));
			} else if (c->phase != CLOSING && loud(&q_client)) {
				log_warn("receive: ", who(rc, c), " (", c->peer, "): connection lost: ", err_name(ev));
			}
			return -1;
		}
		st = br_ssl_engine_current_state(c->tls.eng);
		if (c->phase == HANDSHAKE && (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP))) {
			if ((c->host = net_tls_peer(&c->tls)) < 0)
				return -1;
			c->phase = HELLO;
			c->since_ms = clock_now_ms();
			take_over(rc, all, n, c, NULL);
		}
		if (c->phase == HANDSHAKE || !(st & BR_SSL_RECVAPP) || ev == 0) {
			if (c->phase != HANDSHAKE && c->nout) {
				app_out(c);
				continue;
			}
			break;
		}
		app_in(rc, rootfd, all, n, c);
		app_out(c);
		if (round == 31)
			*more = 1;
	}
	if (c->phase == CLOSING) {
		app_out(c);
		if ((ev = net_tls_pump(&c->tls, c->fd)) < 0)
			return -1;
		if (clock_now_ms() - c->since_ms > 5000)
			return -1;
	}
	return ev == 0 ? -1 : ev;
}

/* Whether the receiver holds host/name: a connection's dump, a
 * conversion running or waiting (docs/receiver.md#retention). */
struct held { struct conn **all; size_t n; };

static int busy(const char *host, const char *name, void *arg)
{
	const struct held *h = arg;
	char rel[sizeof waiting[0]];

	if ((size_t)snprintf(rel, sizeof rel, "%s/%s", host, name) >= sizeof rel)
		return 0;
	for (size_t i = 0; i < h->n; i++)
		if (h->all[i] && h->all[i]->has_dump && !strcmp(h->all[i]->d.rel, rel))
			return 1;
	for (size_t i = 0; i < nwaiting; i++)
		if (!strcmp(waiting[i], rel))
			return 1;
	for (size_t i = 0; i < sizeof running / sizeof running[0]; i++)
		if (running[i].pid && !strcmp(running[i].rel, rel))
			return 1;
	return 0;
}

static void triage(const struct net_receive_conf *rc, int rootfd, struct conn **all)
{
	struct held h = { all, rc->max_clients };
	struct server_triage_conf t = rc->triage;

	t.min_free = rc->min_free;
	server_triage(rootfd, &t, busy, &h);
}

static void reap(const struct net_receive_conf *rc, int rootfd, struct conn **all)
{
	int st, done = 0;
	pid_t pid;

	if (!children)
		return;
	children = 0;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (converting)
			converting--;
		for (size_t i = 0; i < sizeof running / sizeof running[0]; i++)
			if (running[i].pid == pid)
				running[i].pid = 0;
		done = 1;
	}
	/* docs/receiver.md: after each stored dump, retention and index.html */
	if (done)
		triage(rc, rootfd, all);
	while (nwaiting && converting < rc->convert_jobs) {
		fork_conversion(rc, rootfd, waiting[0]);
		memmove(waiting[0], waiting[1], --nwaiting * sizeof waiting[0]);
	}
}

int net_receive_run(const struct net_receive_conf *rc)
{
	struct conn **all = calloc(rc->max_clients, sizeof *all);
	struct pollfd *p = calloc(rc->max_clients + 1, sizeof *p);
	int lfd, rootfd;
	struct sigaction sa = { .sa_handler = on_signal };
	struct rlimit rl;

	if (!all || !p)
		return -ENOMEM;
	if ((rootfd = open(rc->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	if ((lfd = listen_on(rc->listen)) < 0)
		return lfd;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	/* each client holds a socket and a file, and a conversion a few */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	log_info("receive: listening on ", rc->listen, ", storing in ", rc->dir, ", ",
	         U64(rc->auth->n), " authorized clients");
	triage(rc, rootfd, all);
	while (!stopping) {
		size_t np = 0;
		int more = 0;

		p[np++] = (struct pollfd){ .fd = lfd, .events = clock_now_ms() >= accept_paused_until ? POLLIN : 0 };
		for (size_t i = 0; i < rc->max_clients; i++) {
			struct conn *c = all[i];
			int ev;
			if (!c)
				continue;
			if (check_time(rc, c) < 0 || (ev = step(rc, rootfd, all, rc->max_clients, c, &more)) < 0) {
				close_conn(rc, &all[i]);
				continue;
			}
			p[np++] = (struct pollfd){ .fd = c->fd, .events = (short)ev };
		}
		if (poll(p, np, more ? 0 : 500) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN)
			on_accept(rc, lfd, all, rc->max_clients);
		reap(rc, rootfd, all);
		for (size_t i = 0; i < sizeof quiets / sizeof quiets[0]; i++)
			quiet_end(quiets[i], clock_now_ms(), 0);
	}
	for (size_t i = 0; i < sizeof quiets / sizeof quiets[0]; i++)
		quiet_end(quiets[i], clock_now_ms(), 1);
	log_info("receive: stopping: syncing dumps under way");
	for (size_t i = 0; i < rc->max_clients; i++)
		if (all[i])
			close_conn(rc, &all[i]);
	close(lfd);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	close(rootfd);
	free(all);
	free(p);
	log_info("receive: stopped");
	return 0;
}
