/* Test helper, not part of salvage: one end of a pinned-key TLS
 * connection over loopback, for tests/cmd/tls.sh.
 *
 *   tlspeer server PORT KEY PINFILE...
 *       accepts one connection on 127.0.0.1:PORT, handshakes, echoes what
 *       it reads until the client closes. Runs on net_tls_pump, the
 *       event-loop interface. Prints "peer N" (the index of the client's
 *       PINFILE), "closed" at the end, or the error's name.
 *   tlspeer client HOST:PORT KEY SERVERPUB [TEXT]
 *       connects (retrying for 5 s while nobody listens), handshakes,
 *       sends a line, reads its echo, closes. Uses the blocking helpers.
 *       Prints "echo TEXT", "closed", or the error's name.
 *   tlspeer send HOST:PORT KEY SERVERPUB FILE
 *       connects and handshakes as client does, writes FILE's bytes with
 *       net_tls_write in pieces of many sizes, flushes, closes. Prints
 *       "sent N", or the error's name.
 * A PINFILE or SERVERPUB is a .pub or .key file. Exit 0 on success, 1 on
 * a TLS or socket error, 100 on misuse. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "../../lib/err.h"
#include "../../net/tls.h"

#define TIMEOUT_MS 10000
#define MAX_PINS 8

static struct net_tls tls;
static struct net_key key;
static unsigned char pins[MAX_PINS][NET_FP_LEN];

/* The error's name; errno values lib/err.c has no name for as text. */
static int fail(const char *what, int e)
{
	const char *name = err_name(e);

	if (!strcmp(name, "EUNKNOWN"))
		name = strerror(-e);
	printf("%s%s%s\n", what, *what ? " " : "", name);
	fflush(stdout);
	return 1;
}

static int load(const char *keyfile, char **pinfiles, int n)
{
	int r;

	if ((r = net_key_load(&key, keyfile)))
		return fail("key", r);
	for (int i = 0; i < n; i++)
		if ((r = net_pub_load(pins[i], pinfiles[i])))
			return fail("pin", r);
	return 0;
}

/* Echo: what came in goes back out, as far as the engine takes it.
 * Returns the byte count. */
static size_t echo(br_ssl_engine_context *eng)
{
	size_t in, out;
	unsigned char *src = br_ssl_engine_recvapp_buf(eng, &in);
	unsigned char *dst = br_ssl_engine_sendapp_buf(eng, &out);

	if (!src || !dst)
		return 0;
	if (out > in)
		out = in;
	memcpy(dst, src, out);
	br_ssl_engine_sendapp_ack(eng, out);
	br_ssl_engine_recvapp_ack(eng, out);
	br_ssl_engine_flush(eng, 0);
	return out;
}

static int serve(int fd)
{
	long long until = time(0) + TIMEOUT_MS / 1000;
	int said = 0;

	for (;;) {
		int ev = net_tls_pump(&tls, fd);
		struct pollfd p = { .fd = fd };

		if (ev < 0)
			return fail("", ev);
		if (ev == 0)
			break;
		if (!said && net_tls_peer(&tls) >= 0) {
			printf("peer %d\n", net_tls_peer(&tls));
			fflush(stdout);
			said = 1;
		}
		if (echo(tls.eng))
			continue;
		p.events = (short)ev;
		if (time(0) > until || poll(&p, 1, 1000) < 0)
			return fail("", -SALVAGE_E_TIMEOUT);
	}
	printf("closed\n");
	return 0;
}

static int server(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, s, fd, r;

	if (argc < 5 || argc - 4 > MAX_PINS)
		return 100;
	if ((r = load(argv[3], argv + 4, argc - 4)))
		return r;
	a.sin_port = htons((unsigned short)atoi(argv[2]));
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 1))
		return fail("listen", -errno);
	if ((fd = accept(s, 0, 0)) < 0)
		return fail("accept", -errno);
	if ((r = net_tls_server_init(&tls, &key, (const unsigned char (*)[NET_FP_LEN])pins,
	                             (size_t)(argc - 4))))
		return fail("init", r);
	r = serve(fd);
	close(fd);
	close(s);
	return r;
}

static int dial(const char *hostport)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char host[64];
	const char *colon = strrchr(hostport, ':');

	if (!colon || (size_t)(colon - hostport) >= sizeof host)
		return -EINVAL;
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = 0;
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return -EINVAL;
	a.sin_port = htons((unsigned short)atoi(colon + 1));
	for (int tries = 0; tries < 50; tries++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (!connect(fd, (struct sockaddr *)&a, sizeof a))
			return fd;
		close(fd);
		if (errno != ECONNREFUSED)
			return -errno;
		nanosleep(&(struct timespec){ 0, 100000000 }, 0);
	}
	return -ECONNREFUSED;
}

/* argv: ... HOST:PORT KEY SERVERPUB: a socket with the handshake done,
 * or minus the exit code (the error printed). */
static int open_client(char **argv)
{
	int fd, r;

	if ((r = load(argv[3], argv + 4, 1)))
		return -r;
	if ((fd = dial(argv[2])) < 0)
		return -fail("connect", fd);
	if ((r = net_tls_client_init(&tls, &key, (const unsigned char (*)[NET_FP_LEN])pins, 1)))
		return -fail("init", r);
	if ((r = net_tls_handshake(&tls, fd, TIMEOUT_MS)))
		return -fail("", r);
	return fd;
}

static int client(int argc, char **argv)
{
	const char *text = argc > 5 ? argv[5] : "hello, salvage";
	char line[256], buf[256];
	size_t want, got = 0;
	int fd, r;

	if (argc < 5 || argc > 6 || strlen(text) > 200)
		return 100;
	if ((fd = open_client(argv)) < 0)
		return -fd;
	want = (size_t)snprintf(line, sizeof line, "%s\n", text);
	if ((r = net_tls_write(&tls, fd, line, want, TIMEOUT_MS)) ||
	    (r = net_tls_flush(&tls, fd, TIMEOUT_MS)))
		return fail("write", r);
	while (got < want) {
		long n = net_tls_read(&tls, fd, buf + got, sizeof buf - got, TIMEOUT_MS);
		if (n <= 0)
			return fail("read", n ? (int)n : -ECONNRESET);
		got += (size_t)n;
	}
	printf("echo %.*s", (int)got, buf);
	if ((r = net_tls_close(&tls, fd, TIMEOUT_MS)))
		return fail("close", r);
	printf("closed\n");
	close(fd);
	return 0;
}

static int send_file(int argc, char **argv)
{
	static const size_t sizes[] = { 1, 15, 100, 7777, 16383, 16384, 16385, 65536, 70000, 200000 };
	static unsigned char data[8 << 20];
	ssize_t len;
	size_t off = 0;
	int fd, in, r;

	if (argc != 6)
		return 100;
	if ((in = open(argv[5], O_RDONLY)) < 0 || (len = read(in, data, sizeof data)) < 0)
		return fail("file", -errno);
	close(in);
	if ((fd = open_client(argv)) < 0)
		return -fd;
	for (int i = 0; off < (size_t)len; i++) {
		size_t n = sizes[i % (sizeof sizes / sizeof sizes[0])];
		if (n > (size_t)len - off)
			n = (size_t)len - off;
		if ((r = net_tls_write(&tls, fd, data + off, n, TIMEOUT_MS)))
			return fail("write", r);
		off += n;
	}
	if ((r = net_tls_flush(&tls, fd, TIMEOUT_MS)) || (r = net_tls_close(&tls, fd, TIMEOUT_MS)))
		return fail("close", r);
	printf("sent %zu\n", off);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int r = 100;

	if (argc > 1 && !strcmp(argv[1], "server"))
		r = server(argc, argv);
	else if (argc > 1 && !strcmp(argv[1], "client"))
		r = client(argc, argv);
	else if (argc > 1 && !strcmp(argv[1], "send"))
		r = send_file(argc, argv);
	if (r == 100)
		fprintf(stderr, "usage: tlspeer server PORT KEY PINFILE... | client HOST:PORT KEY SERVERPUB [TEXT]\n"
		                "       | send HOST:PORT KEY SERVERPUB FILE\n");
	return r;
}
