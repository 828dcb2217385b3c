/* Test helper, not part of salvage: a client that misbehaves on purpose,
 * for tests/cmd/transfer.sh. It handshakes with real keys (or not at all)
 * and then sends what MODE says, and prints what the receiver answers:
 * "frame ERROR PROTO_TOO_BIG", "closed", "error NAME".
 *
 *   rawclient HOST:PORT SERVER.pub CLIENT.key MODE
 *     garbage      64 bytes of noise after the handshake
 *     oversize     a frame head announcing 2 MiB
 *     data-first   a valid DATA frame before any HELLO
 *     stall        nothing after the handshake
 *     hello-stall  a HELLO, then nothing
 *     trickle      a HELLO, then 16 bytes of DATA every 0.2 s
 *     fat-hello    a HELLO with 1024 bytes of a=b lines, then closes
 *     plain        no TLS: an HTTP request in clear text */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "../../lib/err.h"
#include "../../lib/le.h"
#include "../../net/proto.h"
#include "../../net/tls.h"

static struct net_tls tls;
static struct net_key key;
static unsigned char buf[1 << 16];
static size_t have;   /* bytes of buf already read from the receiver */

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
			printf("frame %s %s\n", f.type == NET_ERROR ? "ERROR" : f.type == NET_HELLO_ACK ? "HELLO_ACK" : "OTHER",
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

int main(int argc, char **argv)
{
	unsigned char pin[1][NET_FP_LEN], id[NET_DUMP_ID_LEN] = { 7 };
	const char *mode;
	long n = 0;
	int fd, e;

	if (argc != 5)
		return fprintf(stderr, "usage: rawclient HOST:PORT SERVER.pub CLIENT.key MODE\n"), 2;
	mode = argv[4];
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
	if (!strcmp(mode, "garbage")) {
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
	} else if (strcmp(mode, "stall")) {
		return fprintf(stderr, "rawclient: unknown mode %s\n", mode), 2;
	}
	if (n && ((e = net_tls_write(&tls, fd, buf, (size_t)n, 10000)) || (e = net_tls_flush(&tls, fd, 10000))))
		return printf("error %s\n", err_name(e)), 0;
	return answers(fd);
}
