#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nbd.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "nbd.h"

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57 /* Linux 5.6, <linux/prctl.h> */
#endif

/* A request on the wire is 28 bytes, a reply 16 (<linux/nbd.h>, packed,
 * big-endian). The type's upper 16 bits are command flags (FUA). */
struct request {
	uint32_t type;
	unsigned char handle[8];
	uint64_t from;
	uint32_t len;
};

static int get_request(int sock, struct request *q, int *bad_magic)
{
	struct nbd_request w;
	long n = io_readall(sock, &w, sizeof w);

	if (n < 0)
		return (int)n;
	if (n == 0)
		return 1;
	if (n != sizeof w)
		return -ECONNRESET;
	*bad_magic = be32toh(w.magic) != NBD_REQUEST_MAGIC;
	q->type = be32toh(w.type) & 0xffff;
	memcpy(q->handle, w.handle, 8);
	q->from = be64toh(w.from);
	q->len = be32toh(w.len);
	return 0;
}

static int reply(int sock, const struct request *q, int err)
{
	struct nbd_reply w;

	w.magic = htobe32(NBD_REPLY_MAGIC);
	w.error = htobe32((uint32_t)err);
	memcpy(w.handle, q->handle, 8);
	return io_writeall(sock, &w, sizeof w);
}

/* An error reply (counted before it goes, so that a client that saw
 * the reply sees the count). 0, or -EPIPE when the socket failed. */
static int refuse(struct shim_store *s, int sock, const struct request *q)
{
	s->c->bad_requests++;
	return reply(sock, q, EIO) ? -EPIPE : 0;
}

/* Inside the device, and (aligned) whole blocks, or 0. */
static int in_range(const struct shim_store *s, const struct request *q, int aligned)
{
	uint64_t size = s->nblocks * SHIM_BLOCK;

	if (aligned && (q->from % SHIM_BLOCK || q->len % SHIM_BLOCK))
		return 0;
	return q->from <= size && q->len <= size - q->from;
}

/* Reads blocks [first, first + n) into buf; 0 or the first error. */
static int read_blocks(struct shim_store *s, uint64_t first, size_t n, unsigned char *buf)
{
	for (size_t k = 0; k < n; k++) {
		int r = shim_store_read(s, first + k, buf + k * SHIM_BLOCK);
		if (r)
			return r;
	}
	return 0;
}

/* A read longer than buf is verified once through buf (which also
 * repairs), answered, then read again and sent; a block that goes bad
 * between the passes cannot be reported any more, so the connection is
 * dropped (the kernel fails the request). */
static int do_read(struct shim_store *s, int sock, const struct request *q,
                   unsigned char *buf, size_t buflen)
{
	uint64_t first = q->from / SHIM_BLOCK, left = q->len / SHIM_BLOCK;
	size_t chunk = buflen / SHIM_BLOCK;
	int r = 0;

	if (q->len <= buflen) {
		if (read_blocks(s, first, (size_t)left, buf))
			return refuse(s, sock, q);
		s->c->read_bytes += q->len;
		if ((r = reply(sock, q, 0)) || (r = io_writeall(sock, buf, q->len)))
			return r;
		return 0;
	}
	for (uint64_t k = 0; k < left && !r; k += chunk)
		r = read_blocks(s, first + k, left - k < chunk ? (size_t)(left - k) : chunk, buf);
	if (r)
		return refuse(s, sock, q);
	s->c->read_bytes += q->len;
	if ((r = reply(sock, q, 0)))
		return r;
	for (uint64_t k = 0; k < left; k += chunk) {
		size_t n = left - k < chunk ? (size_t)(left - k) : chunk;
		if ((r = read_blocks(s, first + k, n, buf)))
			return -EIO;
		if ((r = io_writeall(sock, buf, n * SHIM_BLOCK)))
			return r;
	}
	return 0;
}

/* The payload is always taken off the socket, whatever happens to it, so
 * the next request is read from the right place. */
static int do_write(struct shim_store *s, int sock, const struct request *q,
                    unsigned char *buf, size_t buflen, int ok)
{
	uint64_t left = q->len, blk = q->from / SHIM_BLOCK;
	int err = !ok;

	while (left) {
		size_t n = left < buflen ? (size_t)left : buflen;
		long got = io_readall(sock, buf, n);
		if (got < 0)
			return (int)got;
		if ((size_t)got != n)
			return -ECONNRESET;
		for (size_t k = 0; ok && k + SHIM_BLOCK <= n; k += SHIM_BLOCK)
			if (shim_store_write(s, blk++, buf + k))
				err = 1;
		left -= n;
	}
	if (err)
		return refuse(s, sock, q);
	s->c->write_bytes += q->len;
	return reply(sock, q, 0);
}

/* Discard: forgets the blocks the range covers whole. */
static void do_trim(struct shim_store *s, const struct request *q)
{
	uint64_t first = (q->from + SHIM_BLOCK - 1) / SHIM_BLOCK;
	uint64_t end = (q->from + q->len) / SHIM_BLOCK;

	for (uint64_t i = first; i < end; i++)
		shim_store_trim(s, i);
}

/* One request: 0 answered (an error reply included), -1 disconnect, or a
 * negative errno when the connection is lost. */
static int serve_one(struct shim_store *s, int sock, const struct request *q,
                     unsigned char *buf, size_t buflen)
{
	int ok = in_range(s, q, q->type != NBD_CMD_TRIM);

	switch (q->type) {
	case NBD_CMD_READ:
		return ok ? do_read(s, sock, q, buf, buflen) : refuse(s, sock, q);
	case NBD_CMD_WRITE:
		return do_write(s, sock, q, buf, buflen, ok);
	case NBD_CMD_TRIM:
		if (!ok)
			return refuse(s, sock, q);
		do_trim(s, q);
		return reply(sock, q, 0);
	case NBD_CMD_FLUSH:
		/* pwrite to memory (or a file's page cache) has nothing
		 * volatile to flush that would outlive the machine */
		return reply(sock, q, 0);
	case NBD_CMD_DISC:
		return -1;
	default:
		return refuse(s, sock, q);
	}
}

int shim_nbd_serve(struct shim_store *s, int sock, unsigned char *buf, size_t buflen)
{
	for (;;) {
		struct request q;
		int bad_magic = 0, r = get_request(sock, &q, &bad_magic);

		if (r)
			return r > 0 ? 0 : r;
		s->c->requests++;
		/* test only: a server stuck in reclaim, as far as nbd sees */
		while (s->inject.stall_after && s->c->requests > s->inject.stall_after)
			pause();
		if (bad_magic) {
			refuse(s, sock, &q);
			return -SALVAGE_E_SHIM_NBD_PROTOCOL;
		}
		r = serve_one(s, sock, &q, buf, buflen);
		if (r)
			return r == -1 ? 0 : r;
	}
}

/* Faults in this much stack now, so that serving never needs a new stack
 * page under memory pressure. */
static void touch_stack(void)
{
	volatile unsigned char pad[64 * 1024];

	for (size_t i = 0; i < sizeof pad; i += 4096)
		pad[i] = 0;
}

unsigned char *shim_nbd_server_buf(void)
{
	void *b = mmap(NULL, SHIM_NBD_BUF, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (b == MAP_FAILED)
		return NULL;
	/* mlock faults every page in, whatever mlockall said */
	if (mlock(b, SHIM_NBD_BUF)) {
		int e = errno;
		munmap(b, SHIM_NBD_BUF);
		errno = e;
		return NULL;
	}
	return b;
}

void shim_oom_exempt(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		io_writeall(fd, "-1000", 5);
		close(fd);
	}
}

int shim_nbd_server_prepare(void)
{
	/* first: locking below takes memory, and a small crash kernel's OOM
	 * killer must not pick the server that its swap depends on */
	shim_oom_exempt();
	touch_stack();
	/* ONFAULT: what it touches, not every page of the binary's bss it
	 * inherited from PID 1 (megabytes of capture buffers it never uses) */
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT))
		return -errno;
	/* its own allocations (socket buffers, /dev/mem mappings) reclaim
	 * without starting I/O, so never wait on the swap it serves */
	if (prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0))
		log_warn("shim: server: PR_SET_IO_FLUSHER: ", err_name(-errno));
	/* a real-time task's allocations may go below the min watermark
	 * where every other task waits (ALLOC_HARDER, ALLOC_MIN_RESERVE in
	 * mm/page_alloc.c): the socket buffers of a reply, the /dev/mem
	 * mapping of a page, while the swap's writers wait for it (musl's
	 * sched_setscheduler is ENOSYS by design: the syscall itself) */
	if (syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, &(struct sched_param){ .sched_priority = 10 }))
		log_warn("shim: server: SCHED_FIFO: ", err_name(-errno));
	return 0;
}
