#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../dump/capture.h"
#include "../dump/jobs.h"
#include "../dump/raw_header.h"
#include "../dump/target_fs.h"
#include "../dump/target_raw.h"
#include "../lib/conf.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "blockdev.h"
#include "early.h"
#include "final.h"
#include "init.h"
#include "meminfo.h"
#include "modules.h"
#include "net.h"
#include "swap.h"

#define CONF_FILE "/etc/salvage.conf"
#define MODULE_LIST "/lib/modules/salvage.order"
#define MOUNT_DIR "/run/target"

/* Static, so memory use is fixed at link time: the capture's state and
 * the buffer of the unfiltered fallback copy. PID 1 opens the capture
 * once; each attempt runs in a child that inherits it. */
static struct dump_capture cap;
static char copybuf[1 << 20];

static void load_conf(struct salvage_conf *c)
{
	static char text[8192];
	char bad[128];
	long n;
	int r, line;

	conf_defaults(c);
	n = io_readfile(CONF_FILE, text, sizeof text);
	if (n < 0)
		log_warn(CONF_FILE, ": ", err_name((int)n), "; using defaults");
	else if ((r = conf_parse_text(c, text, &line)))
		log_err(CONF_FILE, " line ", U64((uint64_t)line), ": ", err_text(r));
	n = io_readfile("/proc/cmdline", text, sizeof text);
	if (n >= 0 && (r = conf_parse_cmdline(c, text, bad, sizeof bad)))
		log_err("kernel command line ", bad, ": ", err_text(r));
}

/* One dump: where it comes from, where it goes, and what came of it. It
 * lives in memory shared with the capture child, which fills the results
 * in; PID 1 reads them after the child is gone. */
struct dest {
	const struct salvage_conf *conf;
	const struct target *t;
	int src;                 /* /proc/vmcore */
	uint64_t len;            /* its size */
	int cap_err;             /* 0: the capture is open and filters; else why not */
	int no_fork;             /* d is PID 1's own memory: a child could not
	                          * report back, so PID 1 captures itself */
	char dev[256];           /* the target's device node, once found */
	char dir[320];           /* fs: the directory the dump goes in, mounted */
	/* results */
	char made[512];          /* fs: the dump's own directory, once made */
	int lean;                /* no optional memory-hungry step: set for a
	                          * retry and kept for the fallback target */
	int saved;               /* the dump is committed on the target: an
	                          * attempt that dies after must not redo it */
	int swap_suspect;        /* failed with the old-memory swap on, in a way
	                          * a page that could not be read back explains */
	int target_failed;       /* the target itself failed (full, read-only,
	                          * I/O error): an unfiltered copy, bigger,
	                          * would fail as well */
	int r;                   /* the attempt's result */
};

static int wait_device(struct dest *d)
{
	int r;

	log_info("waiting up to ", U64(d->conf->device_timeout), "s for ", d->t->dev);
	r = init_blockdev_wait(d->t->dev, d->conf->device_timeout, d->dev, sizeof d->dev);
	if (r)
		log_err("target device ", d->t->dev, ": ", err_text(r));
	else
		log_info("target device ", d->dev);
	return r;
}

static int stream_raw(struct dest *d)
{
	struct dump_raw_target t;
	int r = dump_raw_begin(&t, d->dev, DUMP_RAW_FORMAT_STREAM);

	if (r)
		return d->target_failed = r;
	r = dump_capture_run(&cap, dump_sink_write, &t.sink);
	if (t.sink.err)
		d->target_failed = t.sink.err;
	if ((r = dump_raw_end(&t, !r) ?: r) == 0)
		d->saved = 1;
	return r;
}

static int stream_fs(struct dest *d)
{
	struct dump_fs_target t;
	char path[640];
	int r = dump_fs_begin(&t, d->dir, "vmcore.salvage");

	if (r)
		return d->target_failed = r;
	snprintf(d->made, sizeof d->made, "%s", t.dir);
	/* the log first: the smallest and most read part of a dump */
	snprintf(path, sizeof path, "%s/dmesg.txt", t.dir);
	if (cap.dmesg_len && (r = io_writefile(path, cap.dmesg, cap.dmesg_len)))
		log_warn(path, ": ", err_text(r));
	r = dump_capture_run(&cap, dump_sink_write, &t.sink);
	if (t.sink.err)
		d->target_failed = t.sink.err;
	if ((r = dump_fs_end(&t, !r) ?: r) == 0)
		d->saved = 1;
	return r;
}

/* The unfiltered ELF vmcore, as /proc/vmcore presents it. */
static int copy_whole(struct dest *d)
{
	int r;

	if (lseek(d->src, 0, SEEK_SET) < 0)
		return -errno;
	if (d->t->kind == TARGET_RAW)
		r = dump_raw_write(d->dev, d->src, d->len, DUMP_RAW_FORMAT_ELF, copybuf, sizeof copybuf);
	else
		r = dump_fs_write(d->dir, d->src, d->len, "vmcore", d->made, sizeof d->made, copybuf, sizeof copybuf);
	if (!r)
		d->saved = 1;
	return r;
}

/* The filtered stream if the vmcore allows it, else the whole vmcore:
 * something is always saved. */
static int write_dump(struct dest *d)
{
	d->target_failed = 0;
	if (d->conf->format == DUMP_FORMAT_STREAM && !d->cap_err) {
		int r = d->t->kind == TARGET_RAW ? stream_raw(d) : stream_fs(d);
		if (!r)
			return 0;
		log_err("filtered dump failed: ", err_name(r), " (", err_text(r), ")");
		/* a swap-in that fails inside a system call is EFAULT, not
		 * SIGBUS; and the unfiltered copy must not run while lent pages
		 * hold swap data: PID 1 turns the swap off first */
		if (init_swap_on()) {
			d->swap_suspect = 1;
			return r;
		}
		if (d->target_failed) {
			log_err("the target failed (", err_name(d->target_failed),
			        "): what was written stays, marked incomplete");
			return r;
		}
	}
	if (d->conf->format == DUMP_FORMAT_STREAM)
		log_warn("falling back to the unfiltered vmcore");
	return copy_whole(d);
}

static int dump_fs(struct dest *d)
{
	int r;

	mkdir(MOUNT_DIR, 0755);
	if (mount(d->dev, MOUNT_DIR, "ext4", 0, 0) < 0) {
		r = -errno;
		log_err("mount ", d->dev, " (ext4): ", err_name(r));
		return r;
	}
	snprintf(d->dir, sizeof d->dir, "%s%s", MOUNT_DIR, d->t->dir);
	r = write_dump(d);
	if (!r)
		log_info("dump saved in ", d->made + sizeof MOUNT_DIR - 1, " on ", d->dev);
	sync();
	if (umount(MOUNT_DIR) < 0)
		log_warn("umount ", MOUNT_DIR, ": ", err_name(-errno));
	return r;
}

/* One target: a disk (raw or file system) or a receiver. */
static int dump_to(struct dest *d)
{
	int r;

	if (d->t->kind == TARGET_TLS)
		/* the unfiltered vmcore is not sent over the network */
		return d->cap_err ? d->cap_err : init_net_dump(d->conf, d->t, &cap, d->lean);
	if ((r = wait_device(d)))
		return r;
	if (d->t->kind == TARGET_FS)
		return dump_fs(d);
	if (!(r = write_dump(d)))
		log_info("dump saved on ", d->dev);
	return r;
}

/* The peak resident memory of this process, for sizing crashkernel=. */
static void log_peak_memory(const char *who)
{
	char status[4096], *hwm;

	if (io_readfile("/proc/self/status", status, sizeof status) > 0 &&
	    (hwm = strstr(status, "VmHWM:"))) {
		char *end = strchr(hwm, '\n');
		if (end)
			*end = 0;
		for (hwm += 6; *hwm == ' ' || *hwm == '\t'; hwm++)
			;
		log_info("peak memory of ", who, ": ", hwm);
	}
}

/* Waits for the capture child. With the swap on, checks its device every
 * 100 ms: once it is down, every page the child had swapped out is lost
 * and a child reclaiming onto it may spin without ever meeting the OOM
 * killer, so it is killed (the retry then goes without swap). Returns
 * 1 if PID 1 killed it, 0 if it ended by itself, -1 if waitpid failed. */
static int wait_capture(pid_t pid, int *st)
{
	/* a device already down (a swapoff that failed after it dropped)
	 * is not watched: it would kill every retry at once */
	int watch = init_swap_on() && !init_swap_check(), killed = 0, e;
	pid_t r;

	while ((r = waitpid(pid, st, watch ? WNOHANG : 0)) != pid) {
		if (r < 0 && errno != EINTR) {
			log_err("waitpid: ", err_name(-errno), "; the capture process is killed");
			kill(pid, SIGKILL);
			return -1;
		}
		if (r == 0 && !killed && (e = init_swap_check())) {
			/* killed and the reserve put back first: the log
			 * line allocates, and may not find a page until then */
			kill(pid, SIGKILL);
			init_swap_lost();
			log_err("swap: ", err_name(e), ": ", err_text(e), "; the capture process is killed");
			killed = 1;
		}
		if (r == 0)
			usleep(100000);
	}
	return killed;
}

/* dump_to in a child process, so that whatever kills it (the OOM killer,
 * a swap-in error that cannot be repaired) leaves PID 1 to try again.
 * The child inherits the open capture and writes its results into d,
 * which is shared. Where fork fails (or d is not shared), PID 1 does it
 * itself, lean: what it touches stays locked. */
static int attempt(struct dest *d)
{
	pid_t pid;
	int st, killed;

	d->r = -SALVAGE_E_CAPTURE_KILLED;
	d->target_failed = d->swap_suspect = 0;
	d->made[0] = 0;
	pid = d->no_fork ? -1 : fork();
	if (pid < 0) {
		if (!d->no_fork)
			log_warn("fork: ", err_name(-errno), "; capturing in PID 1");
		d->lean = 1;
		return d->r = dump_to(d);
	}
	if (pid == 0) {
		init_swap_child();
		d->r = dump_to(d);
		if (d->r && init_swap_on() && (d->r == -EFAULT || d->r == -EIO || d->target_failed == -EFAULT))
			d->swap_suspect = 1;
		log_peak_memory("the capture process");
		_exit(0);
	}
	if ((killed = wait_capture(pid, &st)) < 0)
		return d->r;
	/* the retry goes without the swap: eased before any line (a child
	 * that met a failed swap-in in a system call exits, with EFAULT) */
	if (WIFSIGNALED(st) || d->swap_suspect || init_swap_check())
		init_swap_ease();
	if (WIFSIGNALED(st)) {
		/* the signal that ended it, which after PID 1's kill may
		 * still be a SIGBUS from the swap-in it was in */
		log_err("the capture process was killed by signal ", U64((uint64_t)WTERMSIG(st)),
		        killed && WTERMSIG(st) == SIGKILL ? " (by PID 1: the swap's device is down)" :
		        WTERMSIG(st) == SIGKILL ? " (SIGKILL: out of memory?)" :
		        WTERMSIG(st) == SIGBUS ? " (SIGBUS: a page it had could not be read back)" : "",
		        killed && WTERMSIG(st) != SIGKILL ? "; PID 1 had killed it: the swap's device is down" : "");
	}
	return d->r;
}

/* After an attempt: a dump committed before its process died counts as
 * saved; a file system the killed process had mounted is detached. */
static int settle(struct dest *d, int r)
{
	if (r && d->t->kind == TARGET_FS && !umount2(MOUNT_DIR, MNT_DETACH))
		log_warn("unmounted ", MOUNT_DIR, ", left by the capture process");
	if (r && d->saved) {
		log_warn("the capture process ended after the dump was saved: ", err_name(r), " ignored");
		return 0;
	}
	return r;
}

static int dump_target(struct dest *d, const struct target *t)
{
	int r;

	d->t = t;
	d->saved = 0;
	r = settle(d, attempt(d));
	if (r == -SALVAGE_E_CAPTURE_KILLED || d->swap_suspect) {
		/* a swap-in that failed both copies' checks kills the child with
		 * SIGBUS (or fails a system call with EFAULT); whatever killed
		 * it, the retry takes no chances */
		if (init_swap_on()) {
			log_warn("trying again without the old-memory swap");
			if (init_swap_stop())
				log_err("the swap is still on: the retry may use it");
		} else {
			log_warn("trying again");
		}
		d->lean = 1;
		cap.jobs = NULL; /* one thread: the same bytes in less memory */
		r = settle(d, attempt(d));
	}
	return r;
}

/* Test only (swap-test-elf): the whole vmcore as old memory is now, after
 * the dump and the swap, to a raw device, for a test to hold the dump
 * against. */
static void copy_after(struct dest *d, const char *spec)
{
	char dev[256];
	int r;

	log_info("swap-test-elf: copying the whole vmcore to ", spec);
	if ((r = init_blockdev_wait(spec, d->conf->device_timeout, dev, sizeof dev)) ||
	    (r = lseek(d->src, 0, SEEK_SET) < 0 ? -errno : 0) ||
	    (r = dump_raw_write(dev, d->src, d->len, DUMP_RAW_FORMAT_ELF, copybuf, sizeof copybuf)))
		log_err("swap-test-elf: ", spec, ": ", err_name(r));
	else
		log_info("swap-test-elf: done");
}

/* What the capture asks for beyond its fixed budget: the network
 * target's resume window. */
static uint64_t capture_ask(const struct salvage_conf *c)
{
	return c->target.kind == TARGET_TLS || c->fallback.kind == TARGET_TLS ? c->resume_window : 0;
}

/* One worker per online CPU (crash-cpus, through salvage load's
 * nr_cpus=), at most DUMP_JOBS_MAX; none with one CPU. Their memory is
 * mapped here, once; the capture child is the one that touches it. */
static void start_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n > DUMP_JOBS_MAX)
		n = DUMP_JOBS_MAX;
	if (n < 2)
		return;
	if (!(cap.jobs = dump_jobs_map((unsigned)n)))
		log_warn("no memory for ", U64((uint64_t)n), " workers (", err_name(-errno),
		         "): one thread compresses");
}

static int capture(const struct salvage_conf *c, struct dest *d)
{
	struct stat st;
	int r;

	if (c->target.kind == TARGET_NONE) {
		log_err("no target configured (set `target` in ", CONF_FILE, ")");
		return -EINVAL;
	}
	d->conf = c;
	d->src = open("/proc/vmcore", O_RDONLY | O_CLOEXEC);
	if (d->src < 0) {
		log_err("/proc/vmcore: ", err_name(-errno), " (is this a crash kernel?)");
		return -errno;
	}
	if (fstat(d->src, &st) < 0 || st.st_size <= 0) {
		log_err("/proc/vmcore has no size");
		close(d->src);
		return -EINVAL;
	}
	d->len = (uint64_t)st.st_size;
	log_info("vmcore: ", U64(d->len >> 20), " MiB");
	init_log_memory("at the start");
	/* the capture, opened once: every attempt and target reuses it */
	if (c->format == DUMP_FORMAT_STREAM || c->target.kind == TARGET_TLS ||
	    c->fallback.kind == TARGET_TLS) {
		if ((d->cap_err = dump_capture_open(&cap, d->src, c->dump_level))) {
			log_err("cannot filter this vmcore: ", err_name(d->cap_err), " (", err_text(d->cap_err), ")");
		} else {
			start_workers();
			dump_capture_report(&cap, c->dump_level);
		}
	}
	if (!d->cap_err && c->format == DUMP_FORMAT_STREAM)
		init_swap_start(c, &cap, capture_ask(c));
	else if (c->swap == SWAP_ON)
		log_info("swap: ", d->cap_err ? "the vmcore cannot be filtered" : "format elf keeps every page",
		         ": nothing to lend");
	if ((r = dump_target(d, &c->target)))
		log_err("dump failed: ", err_name(r), " (", err_text(r), ")");
	if (r && c->fallback.kind != TARGET_NONE) {
		log_warn("trying the fallback target ", c->fallback.kind == TARGET_TLS ? "tls://" : "",
		         c->fallback.dev);
		if ((r = dump_target(d, &c->fallback)))
			log_err("fallback dump failed: ", err_name(r), " (", err_text(r), ")");
	}
	init_swap_stop();
	if (init_swap_counters())
		log_info(init_swap_note());
	if (c->swap_test_elf[0])
		copy_after(d, c->swap_test_elf);
	close(d->src);
	return r;
}

void init_main(void)
{
	struct salvage_conf conf;
	static struct dest solo;
	struct dest *d = mmap(NULL, sizeof *d, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	init_early();
	log_info("crash capture starting");
	/* ONFAULT: lock what is used, not the bss of every other command */
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) < 0)
		log_warn("mlockall: ", err_name(-errno));
	load_conf(&conf);
	init_modules_load(MODULE_LIST);
	if (d == MAP_FAILED) {
		log_warn("mmap: ", err_name(-errno), "; capturing in PID 1");
		d = &solo;
		d->no_fork = 1;
	}
	capture(&conf, d);
	log_peak_memory("PID 1");
	init_final(&conf);
}
