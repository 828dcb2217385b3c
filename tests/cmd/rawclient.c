/* Test helper, not part of salvage: a client that misbehaves on purpose,
 * for tests/cmd/transfer.sh, receive-integrity.sh and receive-attack.sh. It
 * handshakes with real keys (or not at all) and then sends what MODE says, and prints what the receiver answers:
 * "frame ERROR PROTO_TOO_BIG", "closed", "error NAME".
 *
 *   rawclient HOST:PORT SERVER.pub CLIENT.key MODE [DUMP-ID]
 *     garbage      64 bytes of noise after the handshake
 *     oversize     a frame head announcing 2 MiB
 *     data-first   a valid DATA frame before any HELLO
 *     stall        nothing after the handshake
 *     hello-stall  a HELLO, then nothing
 *     trickle      a HELLO, then 16 bytes of DATA every 0.2 s
 *     fat-hello    a HELLO with 1024 bytes of a=b lines, then closes
 *     plain        no TLS: an HTTP request in clear text
 *     hello-time   a HELLO; prints the answer and the milliseconds it took
 *     progress     a HELLO, then a PROGRESS line every 0.2 s, for 20 s at most
 *     progress-flood  a HELLO, then 1000-byte PROGRESS lines as fast as it
 *                  can for 3 s; prints how many went
 *     data-flood MIB  a HELLO, then MIB MiB of DATA as fast as it can
 *     hello-v1     a HELLO of protocol version 1
 *     hog          a HELLO, then 4 KiB of DATA every 0.1 s (above the
 *                  minimum rate) for 20 s: holds a slot; prints "held"
 *     hello+MODE   a HELLO (its own dump id), then MODE: oversize,
 *                  garbage, hello (a second HELLO), offset (DATA at 5),
 *                  finish-empty (FINISH of 0 bytes with their sums),
 *                  five (DATA "abcde", FINISH with its sums)
 *   rawclient HOST:PORT SERVER.pub CLIENT.key upload STREAM N
 *       the dump of STREAM from the receiver's offset up to byte N, then a
 *       clean close (the receiver keeps N bytes)
 *   rawclient HOST:PORT SERVER.pub CLIENT.key splice STREAM
 *       STREAM's bytes from the receiver's offset, whatever it holds
 *       before (HELLO_ACK's hash ignored), and FINISH with STREAM's sums
 * DUMP-ID (hex, up to 32 digits) replaces the id of the modes that send a
 * HELLO; for data-flood the argument is the size in MiB. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "../../dump/stream_read.h"
#include "../../lib/clock.h"
#include "../../lib/crc32c.h"
#include "../../lib/io.h"
#include "../../lib/err.h"
#include "../../lib/le.h"
#include "../../net/proto.h"
#include "../../net/send.h"
#include "../../net/tls.h"

static struct net_tls tls;
static struct net_key key;
static unsigned char buf[1 << 16];
static size_t have;   /* bytes of buf already read from the receiver */
static int cut;       /* repeat() stopped because the receiver spoke or went */

static int send_frame(int fd, const void *f, size_t n)
{
	int e = net_tls_write(&tls, fd, f, n, 10000);

	return e ? e : net_tls_flush(&tls, fd, 10000);
}

/* send_frame, printing its error */
static int put(int fd, const void *p, size_t n)
{
	int e = send_frame(fd, p, n);

	if (e)
		printf("error %s\n", err_name(e));
	return e;
}

/* Sends f every gap_ms for at most ms (as fast as it can when gap_ms is
 * 0), and stops when the receiver says something: its word stays in buf.
 * The number of frames sent. */
static long repeat(int fd, const unsigned char *f, size_t n, int gap_ms, uint64_t ms)
{
	uint64_t t0 = clock_now_ms();
	long sent = 0, r;

	while (clock_now_ms() - t0 < ms) {
		if (send_frame(fd, f, n))
			break;
		sent++;
		r = net_tls_read(&tls, fd, buf, sizeof buf, gap_ms);
		if (r > 0)
			have = (size_t)r;
		if (r != -SALVAGE_E_TIMEOUT) {
			cut = 1;
			break;
		}
	}
	return sent;
}

/* A HELLO, its answer left unread: 0, or what it printed as an error. */
static int hello_only(int fd, const unsigned char *id)
{
	long n = net_frame_hello(buf, sizeof buf, id, 0, "source=rawclient\n", 17);

	return put(fd, buf, (size_t)n);
}

/* After a HELLO: the receiver's first frame into buf (have). */
static void first_answer(int fd)
{
	long r = net_tls_read(&tls, fd, buf, sizeof buf, 10000);

	have = r > 0 ? (size_t)r : 0;
}

static int dial(const char *spec)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char host[64];
	const char *colon = strrchr(spec, ':');
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
	inet_pton(AF_INET, host, &a.sin_addr);
	a.sin_port = htons((unsigned short)atoi(colon + 1));
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
		return perror("connect"), -1;
	return fd;
}

/* Prints every frame the receiver sends until it closes. */
static int answers(int fd)
{
	size_t n = have;
	long r;
	struct net_frame f;

	for (;;) {
		long used = net_frame_parse(buf, n, &f, NULL);
		if (used > 0) {
			printf("frame %s %s\n", f.type == NET_ERROR ? "ERROR" : f.type == NET_HELLO_ACK ? "HELLO_ACK"
			       : f.type == NET_FIN_ACK ? "FIN_ACK" : f.type == NET_ACK ? "ACK" : "OTHER",
			       f.type == NET_ERROR ? err_name(-(int)f.u.ack.code) : "");
			memmove(buf, buf + used, n - (size_t)used);
			n -= (size_t)used;
			continue;
		}
		r = net_tls_read(&tls, fd, buf + n, sizeof buf - n, 30000);
		if (r == 0) {
			printf("closed\n");
			return 0;
		}
		if (r < 0) {
			printf(r == -ECONNRESET || r == -EPIPE || r == -SALVAGE_E_TLS_PROTOCOL ? "closed (%s)\n" : "error %s\n",
			       err_name((int)r));
			return 0;
		}
		n += (size_t)r;
	}
}

/* A HELLO, and the offset in the receiver's HELLO_ACK. */
static int hello(int fd, const unsigned char id[NET_DUMP_ID_LEN], uint64_t *offset)
{
	struct net_frame f;
	long n = net_frame_hello(buf, sizeof buf, id, 0, "source=rawclient\n", 17), r, used;

	char hex[2 * NET_DUMP_ID_LEN + 1];

	printf("dump %s\n", net_hex(hex, id, NET_DUMP_ID_LEN));
	if (put(fd, buf, (size_t)n))
		return -1;
	for (have = 0;;) {
		if ((used = net_frame_parse(buf, have, &f, NULL)) > 0)
			break;
		if ((r = net_tls_read(&tls, fd, buf + have, sizeof buf - have, 10000)) <= 0)
			return printf("no HELLO_ACK\n"), -1;
		have += (size_t)r;
	}
	if (f.type != NET_HELLO_ACK)
		return answers(fd), -1;
	*offset = f.u.ack.offset;
	printf("frame HELLO_ACK at %llu\n", (unsigned long long)*offset);
	memmove(buf, buf + used, have - (size_t)used);
	have -= (size_t)used;
	return 0;
}

/* The mode after "hello+": what goes after a good HELLO. */
static long after_hello(const char *mode, unsigned char *out)
{
	static const unsigned char empty_sha[NET_SHA256_LEN] = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
		0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
	};
	static const unsigned char id[NET_DUMP_ID_LEN] = { 9 };

	if (!strcmp(mode, "oversize")) {
		le32_put(out, NET_DATA);
		le32_put(out + 4, 2u << 20);
		return 8;
	}
	if (!strcmp(mode, "garbage")) {
		for (int i = 0; i < 64; i++)
			out[i] = (unsigned char)(i * 37 + 11);
		le32_put(out + 4, 52);
		return 64;
	}
	if (!strcmp(mode, "hello"))
		return net_frame_hello(out, 4096, id, 0, "", 0);
	if (!strcmp(mode, "offset")) {
		net_frame_data_head(out, 5, 4);
		memcpy(out + NET_DATA_HEAD, "abcd", 4);
		le32_put(out + NET_DATA_HEAD + 4, net_frame_data_crc(out, "abcd", 4));
		return NET_DATA_HEAD + 8;
	}
	if (!strcmp(mode, "finish-empty"))
		return net_frame_finish(out, 4096, 0, 0, empty_sha);
	if (!strcmp(mode, "five")) {
		/* five bytes and a FINISH with their right sums: no stream */
		unsigned char sha[NET_SHA256_LEN];
		br_sha256_context sc;
		br_sha256_init(&sc);
		br_sha256_update(&sc, "abcde", 5);
		br_sha256_out(&sc, sha);
		net_frame_data_head(out, 0, 5);
		memcpy(out + NET_DATA_HEAD, "abcde", 5);
		le32_put(out + NET_DATA_HEAD + 5, net_frame_data_crc(out, "abcde", 5));
		return NET_DATA_HEAD + 9 + net_frame_finish(out + NET_DATA_HEAD + 9, 4096, 5,
		                                            crc32c(0, "abcde", 5), sha);
	}
	return -1;
}

/* The dump id, length, CRC-32C and SHA-256 of the stream in fd. */
static int stream_sums(int fd, unsigned char id[NET_DUMP_ID_LEN], uint64_t *len, uint32_t *crc,
                       unsigned char sha[NET_SHA256_LEN])
{
	static struct dump_stream_reader r;
	br_sha256_context sc;
	long n;

	/* a splice's trailer disagrees with its records, but its
	 * VMCOREINFO, read before that, names the dump */
	if (dump_stream_open(&r, fd) && !r.vmcoreinfo)
		return -1;
	net_dump_id(id, r.vmcoreinfo, r.vmcoreinfo_len);
	dump_stream_close(&r);
	br_sha256_init(&sc);
	*len = 0, *crc = 0;
	while ((n = io_preadall(fd, buf, sizeof buf, (off_t)*len)) > 0) {
		br_sha256_update(&sc, buf, (size_t)n);
		*crc = crc32c(*crc, buf, (size_t)n);
		*len += (uint64_t)n;
	}
	br_sha256_out(&sc, sha);
	return n < 0 ? -1 : 0;
}

/* upload and splice: DATA from the receiver's offset to end. */
static int send_range(int fd, int sfd, uint64_t from, uint64_t end)
{
	static unsigned char f[NET_DATA_HEAD + 65536 + 4];

	while (from < end) {
		size_t n = end - from < 65536 ? (size_t)(end - from) : 65536;
		if (io_preadall(sfd, f + NET_DATA_HEAD, n, (off_t)from) != (long)n)
			return printf("short stream\n"), -1;
		net_frame_data_head(f, from, n);
		le32_put(f + NET_DATA_HEAD + n, net_frame_data_crc(f, f + NET_DATA_HEAD, n));
		if (put(fd, f, NET_DATA_HEAD + n + 4))
			return -1;
		from += n;
	}
	return 0;
}

static int stream_mode(int fd, const char *mode, const char *path, const char *upto)
{
	unsigned char id[NET_DUMP_ID_LEN], sha[NET_SHA256_LEN];
	uint64_t len, at;
	uint32_t crc;
	int sfd = open(path, O_RDONLY);
	long n;

	if (sfd < 0 || stream_sums(sfd, id, &len, &crc, sha))
		return fprintf(stderr, "rawclient: %s: not a stream\n", path), 2;
	if (hello(fd, id, &at))
		return 0;
	if (!strcmp(mode, "upload")) {
		uint64_t end = upto ? strtoull(upto, NULL, 10) : len;
		if (!send_range(fd, sfd, at, end < len ? end : len))
			printf("sent up to %llu\n", (unsigned long long)(end < len ? end : len));
		net_tls_close(&tls, fd, 5000);
		return 0;
	}
	if (send_range(fd, sfd, at, len))
		return 0;
	n = net_frame_finish(buf + have, sizeof buf - have, len, crc, sha);
	if (put(fd, buf + have, (size_t)n))
		return 0;
	return answers(fd);
}

int main(int argc, char **argv)
{
	unsigned char pin[1][NET_FP_LEN], id[NET_DUMP_ID_LEN] = { 7 };
	const char *mode;
	long n = 0;
	int fd, e;

	if (argc < 5 || argc > 7)
		return fprintf(stderr, "usage: rawclient HOST:PORT SERVER.pub CLIENT.key MODE [DUMP-ID | MIB | STREAM [N]]\n"), 2;
	mode = argv[4];
	int id_arg = argc == 6 && strcmp(mode, "upload") && strcmp(mode, "splice") && strcmp(mode, "data-flood");
	for (size_t i = 0; id_arg && argv[5][i] && i < 2 * NET_DUMP_ID_LEN; i++) {
		unsigned v;
		if (sscanf((char[]){ argv[5][i], 0 }, "%x", &v) != 1)
			return fprintf(stderr, "rawclient: bad id %s\n", argv[5]), 2;
		id[i / 2] = (unsigned char)(i % 2 ? id[i / 2] | v : v << 4);
	}
	if (net_pub_load(pin[0], argv[2]) || net_key_load(&key, argv[3]) || (fd = dial(argv[1])) < 0)
		return 2;
	if (!strcmp(mode, "plain")) {
		static const char req[] = "GET / HTTP/1.0\r\n\r\n";
		write(fd, req, sizeof req - 1);
		n = read(fd, buf, sizeof buf);
		printf(n <= 0 ? "closed\n" : "answered %ld bytes\n", n);
		return 0;
	}
	if ((e = net_tls_client_init(&tls, &key, (const unsigned char (*)[NET_FP_LEN])pin, 1)) ||
	    (e = net_tls_handshake(&tls, fd, 10000)))
		return printf("handshake %s\n", err_name(e)), 0;
	if (!strcmp(mode, "upload") || !strcmp(mode, "splice")) {
		if (argc < 6)
			return fprintf(stderr, "rawclient: %s needs a stream\n", mode), 2;
		return stream_mode(fd, mode, argv[5], argc > 6 ? argv[6] : NULL);
	}
	if (!strncmp(mode, "hello+", 6)) {
		uint64_t at;
		/* each mode its own dump */
		id[1] = (unsigned char)crc32c(0, mode, strlen(mode));
		id[2] = 0x5a;
		if (hello(fd, id, &at))
			return 0;
		if ((n = after_hello(mode + 6, buf + have)) < 0)
			return fprintf(stderr, "rawclient: unknown mode %s\n", mode), 2;
		if (put(fd, buf + have, (size_t)n))
			return 0;
		return answers(fd);
	}
	if (!strcmp(mode, "hello-v1")) {
		n = net_frame_hello(buf, sizeof buf, id, 0, "source=rawclient\n", 17);
		le32_put(buf + NET_FRAME_HEAD, 1);
		le32_put(buf + n - 4, crc32c(0, buf, (size_t)n - 4));
	} else if (!strcmp(mode, "garbage")) {
		/* noise, but with a length the receiver will wait for: the
		 * checksum is what catches it */
		for (int i = 0; i < 64; i++)
			buf[i] = (unsigned char)(i * 37 + 11);
		le32_put(buf + 4, 52);
		n = 64;
	} else if (!strcmp(mode, "oversize")) {
		le32_put(buf, NET_DATA);
		le32_put(buf + 4, 2u << 20);
		n = 8;
	} else if (!strcmp(mode, "data-first")) {
		net_frame_data_head(buf, 0, 4);
		memcpy(buf + NET_DATA_HEAD, "abcd", 4);
		le32_put(buf + NET_DATA_HEAD + 4, net_frame_data_crc(buf, "abcd", 4));
		n = NET_DATA_HEAD + 8;
	} else if (!strcmp(mode, "hello-stall")) {
		n = net_frame_hello(buf, sizeof buf, id, 0, "source=rawclient\n", 17);
	} else if (!strcmp(mode, "fat-hello")) {
		static char meta[NET_TEXT_MAX];
		for (size_t i = 0; i + 4 <= sizeof meta; i += 4)
			memcpy(meta + i, "a=b\n", 4);
		id[1] = 1;
		n = net_frame_hello(buf, sizeof buf, id, 0, meta, sizeof meta);
		if ((e = net_tls_write(&tls, fd, buf, (size_t)n, 10000)) || (e = net_tls_flush(&tls, fd, 10000)))
			return printf("error %s\n", err_name(e)), 0;
		n = net_tls_read(&tls, fd, buf, sizeof buf, 10000);
		have = n > 0 ? (size_t)n : 0;
		net_tls_close(&tls, fd, 2000);
		return answers(fd);
	} else if (!strcmp(mode, "trickle")) {
		n = net_frame_hello(buf, sizeof buf, id, 0, "source=rawclient\n", 17);
		if ((e = net_tls_write(&tls, fd, buf, (size_t)n, 10000)) || (e = net_tls_flush(&tls, fd, 10000)))
			return printf("error %s\n", err_name(e)), 0;
		/* the offset follows what was sent; the receiver answers
		 * HELLO_ACK 0 (a new dump), and cuts us off for the rate */
		for (uint64_t off = 0; off < 16 * 200; off += 16) {
			unsigned char f[NET_DATA_HEAD + 20];
			net_frame_data_head(f, off, 16);
			memset(f + NET_DATA_HEAD, 'x', 16);
			le32_put(f + NET_DATA_HEAD + 16, net_frame_data_crc(f, f + NET_DATA_HEAD, 16));
			if (net_tls_write(&tls, fd, f, sizeof f, 10000) || net_tls_flush(&tls, fd, 10000))
				break;
			/* wait 0.2 s, but read the receiver's word as soon as it comes */
			long r = net_tls_read(&tls, fd, buf, sizeof buf, 200);
			if (r > 0)
				have = (size_t)r;
			if (r != -SALVAGE_E_TIMEOUT)
				break;
		}
		return answers(fd);
	} else if (!strcmp(mode, "hog")) {
		static unsigned char f[NET_DATA_HEAD + 4096 + 4];
		uint64_t t0 = clock_now_ms(), off;
		if (hello_only(fd, id))
			return 0;
		first_answer(fd);
		have = 0;   /* the HELLO_ACK */
		memset(f + NET_DATA_HEAD, 'h', 4096);
		for (off = 0; clock_now_ms() - t0 < 20000; off += 4096) {
			net_frame_data_head(f, off, 4096);
			le32_put(f + NET_DATA_HEAD + 4096, net_frame_data_crc(f, f + NET_DATA_HEAD, 4096));
			if (net_tls_write(&tls, fd, f, sizeof f, 10000) || net_tls_flush(&tls, fd, 10000))
				break;
			long r = net_tls_read(&tls, fd, buf, sizeof buf, 100);
			if (r > 0 && le32_get(buf) != NET_ACK) {
				have = (size_t)r;
				break;
			}
			if (r < 0 && r != -SALVAGE_E_TIMEOUT)
				break;
		}
		printf(clock_now_ms() - t0 >= 20000 ? "held\n" : "cut\n");
		return 0;
	} else if (!strcmp(mode, "hello-time")) {
		uint64_t t0 = clock_now_ms();
		if (hello_only(fd, id))
			return 0;
		first_answer(fd);
		printf("answered in %llu ms\n", (unsigned long long)(clock_now_ms() - t0));
		net_tls_close(&tls, fd, 2000);
		return answers(fd);
	} else if (!strcmp(mode, "progress") || !strcmp(mode, "progress-flood")) {
		int flood = !strcmp(mode, "progress-flood");
		static char line[1000];
		unsigned char f[NET_TEXT_MAX + 64];
		long sent;
		if (hello_only(fd, id))
			return 0;
		first_answer(fd);
		have = 0;   /* the HELLO_ACK */
		memset(line, 'p', sizeof line);
		n = net_frame_text(f, sizeof f, NET_PROGRESS, line, flood ? sizeof line : 40);
		sent = repeat(fd, f, (size_t)n, flood ? 0 : 200, flood ? 3000 : 20000);
		printf("sent %ld PROGRESS lines%s\n", sent, cut || flood ? "" : ", not cut");
		if (flood)
			return 0;
		return answers(fd);
	} else if (!strcmp(mode, "data-flood")) {
		static unsigned char f[NET_DATA_HEAD + (64 << 10) + 4];
		uint64_t size = (argc == 6 ? strtoull(argv[5], NULL, 10) : 1) << 20;
		memset(id, 0x5a, sizeof id);
		if (hello_only(fd, id))
			return 0;
		first_answer(fd);
		memset(f + NET_DATA_HEAD, 'u', 64 << 10);
		for (uint64_t off = 0; off < size; off += 64 << 10) {
			net_frame_data_head(f, off, 64 << 10);
			le32_put(f + NET_DATA_HEAD + (64 << 10), net_frame_data_crc(f, f + NET_DATA_HEAD, 64 << 10));
			if (net_tls_write(&tls, fd, f, sizeof f, 10000))
				break;
		}
		net_tls_flush(&tls, fd, 10000);
		return answers(fd);
	} else if (strcmp(mode, "stall")) {
		return fprintf(stderr, "rawclient: unknown mode %s\n", mode), 2;
	}
	if (n && ((e = net_tls_write(&tls, fd, buf, (size_t)n, 10000)) || (e = net_tls_flush(&tls, fd, 10000))))
		return printf("error %s\n", err_name(e)), 0;
	return answers(fd);
}
