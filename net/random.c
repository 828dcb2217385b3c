/* Randomness for keys and TLS: the kernel's CRNG, waited for within a
 * deadline (docs/design-notes.md#entropy).
 *
 * A crash kernel on a CPU without RDRAND and without virtio-rng starts
 * with its CRNG unseeded when the crashed kernel's never was (kexec
 * carries a seed forward only from a seeded kernel). Polling
 * getrandom(GRND_NONBLOCK) then waits for ever: since Linux 5.18 it is a
 * *blocking* getrandom() that makes the kernel generate jitter entropy
 * from the cycle counter, seeding it within seconds. So a child process
 * blocks in getrandom() while PID 1 waits for it, never longer than the
 * deadline: a child can always be killed, PID 1's own system call could
 * not be taken back. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../lib/clock.h"
#include "../lib/err.h"
#include "../lib/log.h"
#include "random.h"

/* len bytes without blocking: 0, -EAGAIN while the CRNG is not ready, or
 * -errno. */
static int take(unsigned char *buf, size_t len)
{
	while (len) {
		ssize_t r = getrandom(buf, len, GRND_NONBLOCK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		buf += r;
		len -= (size_t)r;
	}
	return 0;
}

/* The child: blocks until the CRNG is ready, then exits, which closes the
 * pipe's write end it holds and wakes the parent. */
static _Noreturn void block_in_getrandom(void)
{
	unsigned char b;

	while (getrandom(&b, 1, 0) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* Until fd reads end of file or ms pass: 0 or -SALVAGE_E_RANDOM_NOT_READY. */
static int wait_eof(int fd, int ms)
{
	uint64_t end = clock_now_ms() + (uint64_t)ms, now;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	while ((now = clock_now_ms()) < end) {
		int n = poll(&p, 1, (int)(end - now));
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && read(fd, &c, 1) <= 0)
			return 0;
	}
	return -SALVAGE_E_RANDOM_NOT_READY;
}

/* Makes the kernel seed its CRNG, waiting at most ms: 0 when the child
 * came back (ready, or its getrandom() failed: the caller's next read
 * says which), or a negative error. */
static int seed_kernel(int ms)
{
	int fds[2], r;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		block_in_getrandom();
	}
	r = pid < 0 ? -errno : 0;
	close(fds[1]);
	if (!r && (r = wait_eof(fds[0], ms)))
		kill(pid, SIGKILL);
	close(fds[0]);
	/* a killed getrandom() returns at once; ECHILD when a SIGCHLD
	 * handler (the receiver's) reaped it first */
	while (pid > 0 && waitpid(pid, 0, 0) < 0 && errno == EINTR)
		;
	return r;
}

int net_random(void *buf, size_t len)
{
	uint64_t start;
	int r = take(buf, len);

	if (r != -EAGAIN)
		return r;
	log_warn("waiting for the kernel's random number generator, blocked in getrandom() so that it",
	         " gathers entropy (up to ", U64(NET_RANDOM_WAIT_S), " s)");
	start = clock_now_ms();
	if ((r = seed_kernel(NET_RANDOM_WAIT_S * 1000)))
		return r;
	if ((r = take(buf, len)) == -EAGAIN)
		return -SALVAGE_E_RANDOM_NOT_READY;
	if (!r)
		log_info("the kernel's random number generator is ready after ",
		         U64(clock_now_ms() - start), " ms");
	return r;
}
