/* Benchmark helper, not part of salvage: the same bytes over loopback TCP,
 * plain and through salvage's TLS (net/tls.h, the profile the crash kernel
 * uses), one process sending and one receiving, where the scheduler puts
 * them. Rounds alternate plain TCP, TLS with our one-pass AES-GCM records
 * and TLS with BearSSL's, so that a busy moment hits all three alike;
 * prints each round and the medians, with TLS as a share of plain TCP.
 *
 *   netbench FILE MIB ROUNDS SERVER.key CLIENT.key
 *       sends FILE's contents again and again until MIB MiB went through */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../lib/err.h"
#include "../lib/io.h"
#include "../net/gcm.h"
#include "../net/tls.h"

static struct net_tls tls;
static struct net_key skey, ckey;
static unsigned char rbuf[1 << 18];

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int listener(unsigned short *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	bind(fd, (struct sockaddr *)&a, sizeof a);
	listen(fd, 1);
	getsockname(fd, (struct sockaddr *)&a, &al);
	*port = ntohs(a.sin_port);
	return fd;
}

/* The receiving side: counts bytes until the sender closes. */
static void sink(int lfd, int use_tls)
{
	int fd = accept(lfd, NULL, NULL), one = 1;
	unsigned char pin[1][NET_FP_LEN];
	long n;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	memcpy(pin[0], ckey.fp, NET_FP_LEN);
	if (use_tls && (net_tls_server_init(&tls, &skey, (const unsigned char (*)[NET_FP_LEN])pin, 1) ||
	                net_tls_handshake(&tls, fd, 10000)))
		_exit(1);
	do
		n = use_tls ? net_tls_read(&tls, fd, rbuf, sizeof rbuf, 30000) : read(fd, rbuf, sizeof rbuf);
	while (n > 0);
	_exit(n == 0 || n == -ECONNRESET ? 0 : 1);
}

static double run(const unsigned char *data, size_t len, uint64_t total, int use_tls)
{
	unsigned short port;
	int lfd = listener(&port), fd, one = 1, st;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(port) };
	unsigned char pin[1][NET_FP_LEN];
	pid_t pid = fork();
	double t0;

	if (pid == 0)
		sink(lfd, use_tls);
	close(lfd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	t0 = now();
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
		return -1;
	memcpy(pin[0], skey.fp, NET_FP_LEN);
	if (use_tls && (net_tls_client_init(&tls, &ckey, (const unsigned char (*)[NET_FP_LEN])pin, 1) ||
	                net_tls_handshake(&tls, fd, 10000)))
		return -1;
	for (uint64_t sent = 0; sent < total; sent += len) {
		for (size_t off = 0; off < len; off += 1 << 18) {
			size_t n = len - off < (1 << 18) ? len - off : 1 << 18;
			if (use_tls ? net_tls_write(&tls, fd, data + off, n, 30000) : io_writeall(fd, data + off, n))
				return -1;
		}
	}
	if (use_tls && (net_tls_flush(&tls, fd, 30000) || net_tls_close(&tls, fd, 30000)))
		return -1;
	close(fd);
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return (double)(total - total % len + (total % len ? len : 0)) / (now() - t0) / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	static unsigned char data[64 << 20];
	double tcp[16], ours[16], bear[16], ratio[16];
	const char *suite;
	long len;
	uint64_t total;
	int rounds, own;

	if (argc != 6 || (rounds = atoi(argv[3])) < 1 || rounds > 16)
		return fprintf(stderr, "usage: netbench FILE MIB ROUNDS(1-16) SERVER.key CLIENT.key\n"), 2;
	if ((len = io_readfile(argv[1], (char *)data, sizeof data - 1)) <= 0 && len != -EFBIG)
		return fprintf(stderr, "netbench: %s: %s\n", argv[1], err_text((int)len)), 1;
	if (len < 0) {
		int fd = open(argv[1], 0);
		len = io_readall(fd, data, sizeof data);
		close(fd);
	}
	total = strtoull(argv[2], NULL, 10) << 20;
	if (net_key_load(&skey, argv[4]) || net_key_load(&ckey, argv[5]))
		return fprintf(stderr, "netbench: keys\n"), 1;
	own = gcm_usable();
	suite = !br_aes_x86ni_ctr_get_vtable() ? "ChaCha20-Poly1305" : "AES-128-GCM";
	printf("round  plain TCP MB/s  TLS, our records  TLS, BearSSL's records  (%s)\n", suite);
	for (int i = 0; i < rounds; i++) {
		tcp[i] = run(data, (size_t)len, total, 0);
		net_tls_bearssl_gcm = 0;
		ours[i] = run(data, (size_t)len, total, 1);
		net_tls_bearssl_gcm = 1;
		bear[i] = own ? run(data, (size_t)len, total, 1) : ours[i];
		if (tcp[i] <= 0 || ours[i] <= 0 || bear[i] <= 0)
			return fprintf(stderr, "netbench: a transfer failed\n"), 1;
		ratio[i] = 100 * ours[i] / tcp[i];
		printf("%5d  %14.0f  %9.0f (%3.0f %%)  %15.0f (%3.0f %%)\n", i + 1, tcp[i], ours[i], ratio[i], bear[i],
		       100 * bear[i] / tcp[i]);
	}
	printf("median %13.0f  %9.0f (%3.0f %%)  %15.0f          TLS/plain per round, median: %.0f %%\n",
	       median(tcp, rounds), median(ours, rounds), 100 * median(ours, rounds) / median(tcp, rounds),
	       median(bear, rounds), median(ratio, rounds));
	if (!own)
		printf("(no AES-NI/PCLMULQDQ here: both TLS columns are BearSSL's records)\n");
	return 0;
}
