#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/nbd.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "../lib/meminfo.h"
#include "nbd.h"
#include "shim.h"
#include "swap.h"

static void sleep_ms(unsigned ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

/* A process of the shim shrugs off the signals a console or a process
 * group gets: it must outlive the swap's users. */
static void steady_signals(void)
{
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
}

static void run_server(struct shim *sh, int sock)
{
	unsigned char *buf;
	int r;

	steady_signals();
	close(sh->nbd); /* the block device is the kernel's side, not ours */
	if ((r = shim_nbd_server_prepare()))
		log_warn("shim: server: mlockall: ", err_name(r), " (serving anyway)");
	if (!(buf = shim_nbd_server_buf())) {
		log_err("shim: server: its buffer: ", err_name(-errno));
		_exit(111);
	}
	r = shim_nbd_serve(&sh->store, sock, buf, SHIM_NBD_BUF);
	if (r)
		log_err("shim: server: ", err_name(r), ": ", err_text(r));
	_exit(r ? 111 : 0);
}

static void run_holder(int nbd)
{
	steady_signals();
	shim_oom_exempt();
	mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT);
	/* returns when the device is disconnected */
	_exit(ioctl(nbd, NBD_DO_IT) ? 111 : 0);
}

/* Waits up to ms for pid; 1 if it ended, 0 if not. */
static int reap(pid_t pid, unsigned ms)
{
	for (unsigned t = 0;; t += 10) {
		pid_t r = waitpid(pid, NULL, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD))
			return 1;
		if (t >= ms)
			return 0;
		sleep_ms(10);
	}
}

static void end_process(pid_t *pid, unsigned ms)
{
	if (*pid <= 0)
		return;
	if (!reap(*pid, ms)) {
		log_warn("shim: process ", U64((uint64_t)*pid), " did not end: killed");
		kill(*pid, SIGKILL);
		reap(*pid, ms);
	}
	*pid = 0;
}

/* The device is up once the kernel gave it its size (nbd sets the
 * capacity when NBD_DO_IT starts it). */
static int wait_up(struct shim *sh)
{
	for (unsigned t = 0; t < sh->timeout_ms; t += 10) {
		uint64_t size = 0;
		if (!ioctl(sh->nbd, BLKGETSIZE64, &size) && size == sh->store.nblocks * SHIM_BLOCK)
			return 0;
		if (waitpid(sh->holder, NULL, WNOHANG) == sh->holder) {
			sh->holder = 0;
			return -SALVAGE_E_SHIM_NBD_DOWN;
		}
		sleep_ms(10);
	}
	return -SALVAGE_E_SHIM_NBD_DOWN;
}

/* Requests of at most 32 KiB (best effort: sysfs may be absent): within
 * the server's buffer, so that a read is verified whole before its
 * reply, and small, for the reason below. */
static void limit_requests(const char *dev)
{
	char path[128];
	const char *name = strrchr(dev, '/');
	int fd;

	name = name ? name + 1 : dev;
	if (strlen(name) > 64)
		return;
	strcpy(path, "/sys/block/");
	strcat(path, name);
	strcat(path, "/queue/max_sectors_kb");
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) >= 0) {
		/* small requests: each is one socket buffer the kernel must
		 * allocate while it is short of memory (a 256 KiB one failed
		 * with ENOBUFS at crashkernel=96M and took the device down) */
		io_writeall(fd, "32", 2);
		close(fd);
	}
}

/* A request the server leaves unanswered for io_timeout_s seconds ends the
 * connection and fails, and so does every later one (EIO): the swap's
 * users get SIGBUS and swapoff completes. Without a timeout nbd only logs
 * "Possible stuck request" and waits for ever, and PID 1 with it. */
static int configure(struct shim *sh, int sock, unsigned io_timeout_s)
{
	ioctl(sh->nbd, NBD_CLEAR_SOCK);
	if (ioctl(sh->nbd, NBD_SET_BLKSIZE, (unsigned long)SHIM_BLOCK)
	    || ioctl(sh->nbd, NBD_SET_TIMEOUT, (unsigned long)(io_timeout_s ? io_timeout_s : 60))
	    || ioctl(sh->nbd, NBD_SET_SIZE_BLOCKS, (unsigned long)sh->store.nblocks)
	    || ioctl(sh->nbd, NBD_SET_FLAGS, (unsigned long)(NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_TRIM))
	    || ioctl(sh->nbd, NBD_SET_SOCK, (unsigned long)sock))
		return -errno;
	return 0;
}

static int fail(struct shim *sh, const char *step, int r)
{
	log_err("shim: ", step, ": ", err_name(r), ": ", err_text(r), "; no swap on old memory");
	shim_stop(sh);
	return r;
}

/* The store over the pages memfd reaches: a lent page it does not is
 * left out, with the pages after it, in one log line. */
static int init_store(struct shim *sh, int memfd, const struct shim_run *runs, unsigned nrun,
                      const struct shim_opts *opt, struct shim_counters *shared)
{
	unsigned char page[SHIM_BLOCK];
	uint64_t limit = shim_store_reach(memfd, runs, nrun, page);

	if (limit != UINT64_MAX)
		log_warn("shim: the lent pages from ", HEX(limit), " on do not read (beyond /dev/mem's reach, "
		         "the crash kernel's highest RAM): left out");
	return shim_store_init_below(&sh->store, memfd, runs, nrun, opt->max_bytes / SHIM_BLOCK, shared, limit);
}

/* The memory cgroup of the swap's users (shim.h, SHIM_ROOM): cgroup2
 * mounted where it is not, the memory controller on for the root's
 * children, and memory.max of SHIM_CGROUP at MemAvailable - room (at
 * least room, so that a crash kernel already short of memory still lets
 * its users start). */
static int fence(struct shim *sh, uint64_t room)
{
	uint64_t avail = meminfo_bytes("MemAvailable"), max;
	char ctl[256];
	int r;

	if (!avail)
		return -ENOENT; /* no /proc/meminfo: no figure to hold them to */
	/* mounted only by PID 1 (the crash kernel's, where nothing else
	 * does): on a host it would hide a cgroup v1 tree */
	if (access(SHIM_CGROUP_ROOT "/cgroup.controllers", F_OK) &&
	    (getpid() != 1 || mount("cgroup2", SHIM_CGROUP_ROOT, "cgroup2", 0, NULL)))
		return getpid() != 1 ? -EOPNOTSUPP : -errno;
	if ((r = io_readfile(SHIM_CGROUP_ROOT "/cgroup.controllers", ctl, sizeof ctl)) < 0)
		return r;
	if (!strstr(ctl, "memory"))
		return -EOPNOTSUPP;
	if ((r = io_writefile(SHIM_CGROUP_ROOT "/cgroup.subtree_control", "+memory", 7)))
		return r;
	if (mkdir(SHIM_CGROUP, 0700) && errno != EEXIST)
		return -errno;
	max = avail > 2 * room ? avail - room : room;
	if ((r = io_writefile(SHIM_CGROUP "/memory.max", U64(max), strlen(U64(max))))) {
		rmdir(SHIM_CGROUP);
		return r;
	}
	sh->fenced = 1;
	log_info("shim: the swap's users held below ", U64(max >> 20), " MiB (memory.max; ",
	         U64(avail >> 20), " MiB available)");
	return 0;
}

int shim_join(const struct shim *sh)
{
	if (!sh->fenced)
		return -ENOENT;
	return io_writefile(SHIM_CGROUP "/cgroup.procs", "0", 1);
}

int shim_unfence(const struct shim *sh)
{
	if (!sh->fenced)
		return 0;
	return io_writefile(SHIM_CGROUP "/memory.max", "max", 3);
}

int shim_start(struct shim *sh, int memfd, const struct shim_run *runs, unsigned nrun,
               const char *nbd_dev, const struct shim_opts *opt, struct shim_counters *shared)
{
	struct shim_opts none = { 0 };
	int sv[2], r;

	opt = opt ? opt : &none;
	memset(sh, 0, sizeof *sh);
	sh->nbd = -1;
	sh->timeout_ms = opt->timeout_ms ? opt->timeout_ms : 10000;
	if (strlen(nbd_dev) >= sizeof sh->dev)
		return fail(sh, nbd_dev, -ENAMETOOLONG);
	strcpy(sh->dev, nbd_dev);
	if ((r = init_store(sh, memfd, runs, nrun, opt, shared)))
		return fail(sh, "lent memory", r);
	/* written before the server starts: the store has one user at a time */
	if ((r = shim_swap_header(&sh->store)))
		return fail(sh, "swap header", r);
	shim_store_set_inject(&sh->store, &opt->inject);
	if ((sh->nbd = open(nbd_dev, O_RDWR | O_CLOEXEC)) < 0)
		return fail(sh, nbd_dev, -errno);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return fail(sh, "socketpair", -errno);
	if ((r = configure(sh, sv[0], opt->io_timeout_s))) {
		close(sv[0]), close(sv[1]);
		return fail(sh, nbd_dev, r);
	}
	close(sv[0]); /* the kernel holds its end */
	if ((sh->server = fork()) == 0)
		run_server(sh, sv[1]);
	close(sv[1]);
	if (sh->server < 0 || (sh->holder = fork()) < 0)
		return fail(sh, "fork", -errno);
	if (sh->holder == 0)
		run_holder(sh->nbd);
	if ((r = wait_up(sh)))
		return fail(sh, nbd_dev, r);
	limit_requests(nbd_dev);
	if ((r = shim_swap_on(nbd_dev, opt->prio)))
		return fail(sh, "swapon", r);
	sh->swap_on = 1;
	log_info("shim: swap on ", nbd_dev, ": ", U64(sh->store.nblocks * SHIM_BLOCK >> 20),
	         " MiB in two copies at least ", U64(sh->store.c->min_distance >> 20), " MiB apart");
	if ((r = fence(sh, opt->room ? opt->room : SHIM_ROOM)))
		log_warn("shim: no memory cgroup for the swap's users (", err_name(r),
		         r == -EOPNOTSUPP ? ": no memory controller; cgroup_disable=memory?" : "",
		         "): a swap-out may wait for a server that waits for memory");
	return 0;
}

int shim_stop(struct shim *sh)
{
	long scrubbed;
	int r = 0;

	if (sh->swap_on) {
		if ((r = shim_swap_off(sh->dev))) {
			log_err("shim: swapoff ", sh->dev, ": ", err_name(r), " (swap still on)");
			return r;
		}
		sh->swap_on = 0;
	}
	if (sh->nbd >= 0) {
		ioctl(sh->nbd, NBD_DISCONNECT);
		ioctl(sh->nbd, NBD_CLEAR_SOCK);
	}
	if (sh->fenced && !rmdir(SHIM_CGROUP))
		sh->fenced = 0;
	end_process(&sh->holder, sh->timeout_ms);
	end_process(&sh->server, sh->timeout_ms);
	if (sh->nbd >= 0)
		close(sh->nbd);
	sh->nbd = -1;
	if (!sh->store.arena)
		return 0;
	/* after the server: nobody else writes the lent pages now */
	if ((scrubbed = shim_store_scrub(&sh->store)) < 0) {
		r = (int)scrubbed;
		log_err("shim: scrub: ", err_name(r));
	}
	shim_store_free(&sh->store);
	return r;
}

void shim_forget(struct shim *sh)
{
	if (sh->store.arena)
		close(sh->store.fd);
	shim_store_free(&sh->store);
	if (sh->nbd >= 0)
		close(sh->nbd);
	sh->nbd = -1;
	sh->server = sh->holder = 0;
	sh->swap_on = 0;
}

int shim_check(struct shim *sh)
{
	if (sh->server > 0 && waitpid(sh->server, NULL, WNOHANG) == sh->server)
		sh->server = 0;
	if (sh->holder > 0 && waitpid(sh->holder, NULL, WNOHANG) == sh->holder)
		sh->holder = 0;
	if (sh->server <= 0)
		return -SALVAGE_E_SHIM_SERVER_DIED;
	return sh->holder > 0 ? 0 : -SALVAGE_E_SHIM_NBD_LOST;
}

void shim_drop_server(struct shim *sh)
{
	if (sh->server > 0)
		kill(sh->server, SIGKILL);
}

void shim_log_counters(const struct shim_counters *c)
{
	log_info("shim: pages lent ", U64(c->pages_lent), ", reads ", U64(c->reads),
	         ", writes ", U64(c->writes), ", trims ", U64(c->trims),
	         ", repairs ", U64(c->repairs), ", errors ", U64(c->errors),
	         ", injected ", U64(c->injected), ", scrubbed ", U64(c->scrubbed),
	         ", MiB written ", U64(c->write_bytes >> 20), ", read ", U64(c->read_bytes >> 20));
}
