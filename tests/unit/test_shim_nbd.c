/* The shim's NBD server driven over a socketpair by a test client, the
 * way the kernel's nbd driver talks to it (<linux/nbd.h>): read, write,
 * trim, flush, disconnect, a bad magic, requests out of range. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nbd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../lib/err.h"
#include "../../lib/io.h"
#include "../../shim/nbd.h"
#include "../../shim/store.h"
#include "check.h"

#define PG 4096
#define NPAGES 64 /* 32 blocks */

struct peer {
	struct shim_store s;
	int sock, fd;
	pid_t pid;
	unsigned char buf[2 * PG]; /* small: reads over 8 KiB take two passes */
};

/* A store over a file and a server in a child process (the store's
 * arena is shared, so its counters show here). */
static int start(struct peer *p)
{
	struct shim_run runs[] = { { 0, NPAGES * PG } };
	char path[512];
	int sv[2];

	signal(SIGPIPE, SIG_IGN); /* a server that quit fails a check, not the run */
	snprintf(path, sizeof path, "%s/mem", check_tmpdir());
	p->fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (p->fd < 0 || ftruncate(p->fd, NPAGES * PG) || shim_store_init(&p->s, p->fd, runs, 1, 0, NULL)
	    || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	if ((p->pid = fork()) == 0) {
		int r;
		close(sv[0]);
		r = shim_nbd_serve(&p->s, sv[1], p->buf, sizeof p->buf);
		_exit(r == 0 ? 0 : r == -SALVAGE_E_SHIM_NBD_PROTOCOL ? 2 : 1);
	}
	close(sv[1]);
	p->sock = sv[0];
	return 0;
}

/* The server's exit status after the client is done. */
static int finish(struct peer *p)
{
	int st;

	close(p->sock);
	waitpid(p->pid, &st, 0);
	shim_store_free(&p->s);
	close(p->fd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

static void send_req(struct peer *p, uint32_t magic, uint32_t type, uint64_t from, uint32_t len, uint32_t handle)
{
	struct nbd_request q;

	q.magic = htobe32(magic);
	q.type = htobe32(type);
	memset(q.handle, 0, 8);
	memcpy(q.handle, &handle, 4);
	q.from = htobe64(from);
	q.len = htobe32(len);
	io_writeall(p->sock, &q, sizeof q);
}

/* The reply's error, or -1 if the reply is missing or malformed. */
static int get_reply(struct peer *p, uint32_t handle)
{
	struct nbd_reply w;

	if (io_readall(p->sock, &w, sizeof w) != sizeof w || be32toh(w.magic) != NBD_REPLY_MAGIC
	    || memcmp(w.handle, &handle, 4))
		return -1;
	return (int)be32toh(w.error);
}

static int request(struct peer *p, uint32_t type, uint64_t from, uint32_t len, const void *data, void *out)
{
	static uint32_t handle = 100;
	int e;

	send_req(p, NBD_REQUEST_MAGIC, type, from, len, ++handle);
	if (type == NBD_CMD_WRITE)
		io_writeall(p->sock, data, len);
	e = get_reply(p, handle);
	if (!e && type == NBD_CMD_READ && io_readall(p->sock, out, len) != len)
		return -1;
	return e;
}

static void fill(unsigned char *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(seed + i * 13 + i / PG);
}

TEST(shim_nbd_read_write_trim_flush)
{
	static struct peer p;
	unsigned char w[5 * PG], r[5 * PG], zero[PG] = { 0 };

	if (start(&p))
		CHECK_SKIP("no temporary file or socketpair");
	fill(w, sizeof w, 1);
	CHECK_INT(0, request(&p, NBD_CMD_WRITE, PG, 5 * PG, w, NULL));
	memset(r, 0, sizeof r);
	CHECK_INT(0, request(&p, NBD_CMD_READ, PG, 5 * PG, NULL, r));
	CHECK_MEM(w, r, sizeof r);
	CHECK_INT(0, request(&p, NBD_CMD_READ, 2 * PG, PG, NULL, r));
	CHECK_MEM(w + PG, r, PG);
	/* never written */
	CHECK_INT(0, request(&p, NBD_CMD_READ, 20 * PG, PG, NULL, r));
	CHECK_MEM(zero, r, PG);
	/* trim forgets whole blocks only: 2 KiB into block 2 up to the end of 4 */
	CHECK_INT(0, request(&p, NBD_CMD_TRIM, 2 * PG + 2048, 2 * PG + 2048, NULL, NULL));
	CHECK_INT(2, p.s.c->trims);
	CHECK_INT(0, request(&p, NBD_CMD_READ, PG, 5 * PG, NULL, r));
	CHECK_MEM(w, r, 2 * PG);
	CHECK_MEM(zero, r + 2 * PG, PG);
	CHECK_MEM(zero, r + 3 * PG, PG);
	CHECK_MEM(w + 4 * PG, r + 4 * PG, PG);
	CHECK_INT(0, request(&p, NBD_CMD_FLUSH, 0, 0, NULL, NULL));
	CHECK_INT(5 * PG, p.s.c->write_bytes);
	CHECK_INT(12 * PG, p.s.c->read_bytes);
	CHECK_INT(0, p.s.c->bad_requests);
	send_req(&p, NBD_REQUEST_MAGIC, NBD_CMD_DISC, 0, 0, 1);
	CHECK_INT(0, finish(&p));
}

TEST(shim_nbd_errors_answered)
{
	static struct peer p;
	unsigned char w[3 * PG], r[3 * PG];
	uint64_t end = NPAGES / 2 * PG;

	if (start(&p))
		CHECK_SKIP("no temporary file or socketpair");
	fill(w, sizeof w, 9);
	/* out of range, unaligned, unknown: EIO, and the stream stays in
	 * step (a refused write's payload is taken off the socket) */
	CHECK_INT(EIO, request(&p, NBD_CMD_READ, end, PG, NULL, r));
	CHECK_INT(EIO, request(&p, NBD_CMD_READ, end - PG, 2 * PG, NULL, r));
	CHECK_INT(EIO, request(&p, NBD_CMD_WRITE, end - PG, 2 * PG, w, NULL));
	CHECK_INT(EIO, request(&p, NBD_CMD_WRITE, ~0ull - PG + 1, PG, w, NULL));
	CHECK_INT(EIO, request(&p, NBD_CMD_READ, 100, PG, NULL, r));
	CHECK_INT(EIO, request(&p, NBD_CMD_TRIM, end, PG, NULL, NULL));
	CHECK_INT(EIO, request(&p, 9, 0, 0, NULL, NULL));
	CHECK_INT(7, p.s.c->bad_requests);
	CHECK_INT(0, p.s.c->writes);
	/* a block with both copies damaged: EIO, then serving goes on */
	CHECK_INT(0, request(&p, NBD_CMD_WRITE, 0, 3 * PG, w, NULL));
	pwrite(p.fd, "x", 1, PG + 5);
	pwrite(p.fd, "x", 1, (NPAGES / 2 + 1) * PG + 5);
	CHECK_INT(EIO, request(&p, NBD_CMD_READ, 0, 3 * PG, NULL, r));
	CHECK_INT(1, p.s.c->errors);
	CHECK_INT(0, request(&p, NBD_CMD_READ, 2 * PG, PG, NULL, r));
	CHECK_MEM(w + 2 * PG, r, PG);
	/* only copy A damaged: repaired, in a read over the buffer's size */
	CHECK_INT(0, request(&p, NBD_CMD_WRITE, 0, 3 * PG, w, NULL));
	pwrite(p.fd, "x", 1, 2 * PG + 5);
	CHECK_INT(0, request(&p, NBD_CMD_READ, 0, 3 * PG, NULL, r));
	CHECK_MEM(w, r, sizeof r);
	CHECK_INT(1, p.s.c->repairs);
	/* a bad magic: an error reply, then the server stops */
	send_req(&p, 0x12345678, NBD_CMD_READ, 0, PG, 77);
	CHECK_INT(EIO, get_reply(&p, 77));
	CHECK_INT(0, (int)io_readall(p.sock, r, 1));
	CHECK_INT(2, finish(&p));
}

TEST(shim_nbd_end_of_stream)
{
	static struct peer p;

	if (start(&p))
		CHECK_SKIP("no temporary file or socketpair");
	/* the kernel's end closes mid-request: the server ends, no hang */
	io_writeall(p.sock, "\x25\x60\x95\x13", 4);
	CHECK_INT(1, finish(&p));
}

/* The server runs under mlockall(MCL_ONFAULT): its buffer must be in
 * memory before the first request all the same. */
TEST(shim_nbd_server_buf_resident)
{
	int st = 0;
	pid_t pid = fork();

	if (pid == 0) {
		unsigned char v[SHIM_NBD_BUF / PG], *b;
		int n = 0;
		if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT))
			_exit(100);
		if (!(b = shim_nbd_server_buf()) || mincore(b, SHIM_NBD_BUF, v))
			_exit(101);
		for (unsigned i = 0; i < sizeof v; i++)
			n += v[i] & 1;
		_exit(n == (int)sizeof v ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) >= 100)
		CHECK_SKIP("mlockall or mlock refused (RLIMIT_MEMLOCK?)");
	CHECK_INT(1, WIFEXITED(st));
	CHECK_INT(0, WEXITSTATUS(st));
}
