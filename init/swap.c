#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../dump/capture.h"
#include "../dump/lend.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "../lib/meminfo.h"
#include "../shim/shim.h"
#include "pci.h"
#include "swap.h"

/* `swap auto` turns the swap on below this much MemAvailable, or when a
 * step asks for more than MemAvailable less the headroom. */
#define SHORT_BYTES (48ull << 20)
#define HEADROOM_BYTES (16ull << 20)
/* swap size: twice what the step asks, within these */
#define SWAP_MIN_BYTES (64ull << 20)
#define SWAP_MAX_BYTES (1ull << 30)
#define OWN_MAX 256

/* PID 1's, locked with it: the plan the capture child inherits. */
static struct dump_lend_plan plan;
static struct shim_run runs[DUMP_LEND_RUNS_MAX];
static struct shim sh;
static struct shim_counters *counters;
static int on, memfd = -1;
static char note[256];

/* The crash kernel's own RAM, never lent: "System RAM" in its iomem. */
static int own_ram(struct dump_range *own, unsigned *n)
{
	static char text[65536];
	long len = io_readfile("/proc/iomem", text, sizeof text);
	int r;

	if (len < 0)
		return (int)len;
	if ((r = dump_lend_own_ram(text, own, OWN_MAX - 1, n)))
		return r;
	/* /dev/mem reads and writes nothing above the crash kernel's own
	 * highest RAM (its high_memory: EFAULT there), so old memory above it
	 * is treated as its own: never planned (docs/shim.md#devmems-reach) */
	if (*n) {
		own[*n] = (struct dump_range){ own[*n - 1].end_pfn, UINT64_MAX };
		++*n;
	}
	return 0;
}

/* Can /dev/mem read and write old memory? The first lent page is read and
 * written back unchanged. A refusal is one line. Opening it fails with
 * EPERM for PID 1 (CAP_SYS_RAWIO) only under the kernel's lockdown
 * (LOCKDOWN_DEV_MEM, integrity and confidentiality); STRICT_DEVMEM lets
 * the open through and refuses the write (EPERM). */
static int open_old_memory(void)
{
	unsigned char page[4096];
	off_t at = (off_t)(plan.run[0].pfn << 12);
	int fd = open("/dev/mem", O_RDWR | O_CLOEXEC), r = 0;

	if (fd < 0) {
		r = -errno;
		if (r == -EPERM)
			log_warn("swap: /dev/mem refused by the kernel's lockdown; no swap");
		else
			log_warn("swap: /dev/mem: ", err_name(r), "; no swap");
		return r;
	}
	errno = 0;
	if (pread(fd, page, sizeof page, at) != (ssize_t)sizeof page ||
	    pwrite(fd, page, sizeof page, at) != (ssize_t)sizeof page)
		r = errno ? -errno : -EIO;
	if (r) {
		log_warn("swap: /dev/mem does not reach old memory (", err_name(r),
		         r == -EPERM ? ": STRICT_DEVMEM" : "", "); no swap");
		close(fd);
		return r;
	}
	return fd;
}

/* The initramfs is tmpfs (shmem), and shmem pages go to swap like
 * anonymous ones: the salvage binary's pages not yet run, the keys, the
 * modules. None of it may depend on old memory (a block that fails both
 * copies would make /init or a key unreadable), so every regular file of
 * the root file system is mapped and locked in PID 1 before swap is on:
 * no copy, it is resident already. Files made later (resolv.conf) are
 * written again by each attempt. */
static void pin_tree(int dirfd, dev_t dev, unsigned depth, uint64_t *files, uint64_t *bytes, unsigned *failed)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *e;

	if (!d) {
		close(dirfd);
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;
		int fd;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) || st.st_dev != dev)
			continue;
		if (S_ISDIR(st.st_mode) && depth < 16) {
			if ((fd = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
				pin_tree(fd, dev, depth + 1, files, bytes, failed);
		} else if (S_ISREG(st.st_mode) && st.st_size > 0 &&
		           (fd = openat(dirfd, e->d_name, O_RDONLY | O_CLOEXEC)) >= 0) {
			/* mlock, not MAP_LOCKED: its failure is silent, and in a
			 * test on 7.3 a key file still went to swap with it */
			void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
			if (p != MAP_FAILED && !mlock(p, (size_t)st.st_size)) {
				++*files;
				*bytes += (uint64_t)st.st_size;
			} else {
				++*failed;
			}
			close(fd);
		}
	}
	closedir(d);
}

static int pin_rootfs(void)
{
	struct stat st;
	uint64_t files = 0, bytes = 0;
	unsigned failed = 0;
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st)) {
		int r = -errno;
		if (fd >= 0)
			close(fd);
		log_warn("swap: /: ", err_name(r), ": the initramfs is not locked in memory");
		return r;
	}
	pin_tree(fd, st.st_dev, 0, &files, &bytes, &failed);
	log_info("swap: the initramfs locked in memory: ", U64(files), " files, ", U64(bytes >> 10), " KiB");
	if (failed)
		log_warn("swap: ", U64(failed), " files of the initramfs could not be locked in memory");
	return failed ? -ENOMEM : 0;
}

/* Swapping to a block device served over a socket needs free pages to
 * send each request (the kernel's nbd allocates them with __GFP_MEMALLOC,
 * from what is left below the watermarks). At crashkernel=96M the kernel's
 * own reserve is under 3 MiB, and a swap-out once found 1 MiB free, failed
 * its send with ENOBUFS and took the device down: the reserve is raised,
 * as for swap over NFS. */
#define RESERVE_KB 8192

static char reserve_was[32]; /* min_free_kbytes before, "" if unchanged */
/* kept open while raised: putting it back must not need an open (a path
 * walk, a struct file) at the moment the crash kernel is out of memory */
static int reserve_fd = -1;

static void raise_reserve(void)
{
	char text[32];
	long n = io_readfile("/proc/sys/vm/min_free_kbytes", text, sizeof text);

	if (n <= 0 || strtoul(text, NULL, 10) >= RESERVE_KB)
		return;
	if ((reserve_fd = open("/proc/sys/vm/min_free_kbytes", O_WRONLY | O_CLOEXEC)) < 0 ||
	    pwrite(reserve_fd, "8192\n", 5, 0) != 5) {
		log_warn("swap: vm.min_free_kbytes: ", err_name(errno ? -errno : -EIO));
		if (reserve_fd >= 0)
			close(reserve_fd);
		reserve_fd = -1;
		return;
	}
	memcpy(reserve_was, text, sizeof text);
	log_info("swap: vm.min_free_kbytes ", U64(strtoul(text, NULL, 10)), " -> 8192");
}

/* Without the swap the reserve only takes memory from the capture, and
 * with its device down nothing can be reclaimed to stay above it. */
static int restore_reserve(void)
{
	size_t len = strlen(reserve_was);

	if (!reserve_was[0])
		return 0;
	if (pwrite(reserve_fd, reserve_was, len, 0) != (ssize_t)len)
		return errno ? -errno : -EIO;
	reserve_was[0] = 0;
	close(reserve_fd);
	reserve_fd = -1;
	return 0;
}

int init_swap_start(const struct salvage_conf *c, struct dump_capture *cap, uint64_t ask)
{
	struct dump_range own[OWN_MAX];
	struct init_pci_count pci;
	struct shim_opts opt = { .prio = 0 };
	uint64_t avail = meminfo_bytes("MemAvailable"), bytes;
	unsigned nown = 0;
	int r;

	if (c->swap == SWAP_OFF)
		return 0;
	if (c->swap == SWAP_AUTO && avail >= SHORT_BYTES && ask + HEADROOM_BYTES <= avail) {
		log_info("swap: not needed (", U64(avail >> 20), " MiB available",
		         ask ? ", the capture asks " : "", ask ? U64(ask >> 20) : "", ask ? " MiB" : "", ")");
		return 0;
	}
	log_info("swap: ", c->swap == SWAP_ON ? "on (swap on)" : avail < SHORT_BYTES ? "short of memory" :
	         "the capture asks for more than is available", ": ", U64(avail >> 20), " MiB available",
	         ask ? ", ask " : "", ask ? U64(ask >> 20) : "", ask ? " MiB" : "");
	if ((r = own_ram(own, &nown))) {
		log_warn("swap: /proc/iomem: ", err_name(r), ": the crash kernel's own RAM is unknown; no swap");
		return 0;
	}
	bytes = 2 * ask < SWAP_MIN_BYTES ? SWAP_MIN_BYTES : 2 * ask > SWAP_MAX_BYTES ? SWAP_MAX_BYTES : 2 * ask;
	if ((r = dump_lend_plan(cap, own, nown, 2 * (bytes >> 12) + 2, &plan))) {
		log_warn("swap: planning the pages to lend: ", err_name(r), ": ", err_text(r), "; no swap");
		return 0;
	}
	if (!plan.pages) {
		log_info("swap: ", plan.why, "; no swap");
		return 0;
	}
	if (plan.why[0])
		log_info("swap: ", plan.why);
	if ((memfd = open_old_memory()) < 0)
		return 0;
	/* no page is lent while a device without a driver may still DMA */
	if ((r = init_pci_stop_dma("/sys", &pci))) {
		log_warn("swap: DMA not known to be stopped (", err_name(r), "); no swap");
		goto fail;
	}
	/* what the dump and PID 1 read from the initramfs never swaps */
	if (pin_rootfs()) {
		log_warn("swap: no swap while the initramfs could go to it");
		goto fail;
	}
	counters = mmap(NULL, sizeof *counters, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counters == MAP_FAILED) {
		counters = NULL;
		log_warn("swap: mmap: ", err_name(-errno), "; no swap");
		goto fail;
	}
	for (unsigned i = 0; i < plan.nrun; i++)
		runs[i] = (struct shim_run){ plan.run[i].pfn << 12, plan.run[i].count << 12 };
	opt.max_bytes = bytes;
	opt.inject.one_permille = c->swap_corrupt_both ? 0 : c->swap_corrupt;
	opt.inject.both_permille = c->swap_corrupt_both ? c->swap_corrupt : 0;
	if (c->swap_corrupt)
		log_warn("swap: TEST ONLY: ", U64(c->swap_corrupt), " per mille of the blocks get ",
		         c->swap_corrupt_both ? "both copies" : "one copy", " damaged in old memory");
	opt.inject.stall_after = c->swap_stall;
	if (c->swap_stall)
		log_warn("swap: TEST ONLY: the server stops answering after ", U64(c->swap_stall), " requests");
	raise_reserve();
	if (shim_start(&sh, memfd, runs, plan.nrun, "/dev/nbd0", &opt, counters))
		goto fail;
	log_info("swap: lent ", U64(plan.pages), " pages (", U64(plan.pages >> 8), " MiB) in ",
	         U64(plan.nrun), " runs: free ", U64(plan.by_class[DUMP_CLASS_FREE]), ", user ",
	         U64(plan.by_class[DUMP_CLASS_USER]), ", cache ",
	         U64(plan.by_class[DUMP_CLASS_CACHE] + plan.by_class[DUMP_CLASS_CACHE_PRIVATE]));
	cap->lent = &plan;
	on = 1;
	return 1;
fail:
	restore_reserve();
	if (counters)
		munmap(counters, sizeof *counters);
	counters = NULL;
	close(memfd);
	memfd = -1;
	return 0;
}

void init_swap_child(void)
{
	int r;

	if (!on)
		return;
	if (sh.fenced && (r = shim_join(&sh)))
		log_warn("swap: the capture process outside the swap users' cgroup: ", err_name(r));
	shim_forget(&sh);
	memfd = -1;
	if (reserve_fd >= 0)
		close(reserve_fd); /* PID 1's to put back */
	reserve_fd = -1;
}

int init_swap_on(void)
{
	return on;
}

int init_swap_check(void)
{
	return on ? shim_check(&sh) : 0;
}

/* The swap's device is down: its server is killed, since nothing can use
 * it and its locked pages are the only ones left to free */
static void drop_dead_server(void)
{
	if (shim_check(&sh))
		shim_drop_server(&sh);
}

void init_swap_ease(void)
{
	if (!on)
		return;
	drop_dead_server();
	restore_reserve();
}

void init_swap_lost(void)
{
	int r;

	if (!on)
		return;
	init_swap_ease();
	if ((r = shim_unfence(&sh)))
		log_warn("swap: the swap users' limit stays: ", err_name(r));
}

int init_swap_stop(void)
{
	int r, e;

	if (!on)
		return 0;
	/* first: swapoff only reads back, and needs memory itself (opening
	 * the device rescans its partitions: on 7.3 at crashkernel=96M, with
	 * free memory just under the raised min watermark, that allocation
	 * met "Out of memory and no killable processes" and a panic) */
	restore_reserve();
	r = shim_stop(&sh);
	if (sh.swap_on) {
		/* swapoff failed: still on, and swapping, unless its device
		 * is down: then nothing can be reclaimed to stay above it */
		if (!shim_check(&sh))
			raise_reserve();
		return r;
	}
	if ((e = restore_reserve())) /* again: the first try may have met no memory */
		log_warn("swap: vm.min_free_kbytes stays 8192: ", err_name(e));
	on = 0;
	close(memfd);
	memfd = -1;
	if (r)
		log_warn("swap: off, but the lent pages may still hold swap data (", err_name(r), ")");
	else
		log_info("swap: off; ", U64(counters->scrubbed), " lent pages that held swap data are zeros again");
	return 0;
}

const struct shim_counters *init_swap_counters(void)
{
	return counters;
}

const char *init_swap_note(void)
{
	const struct shim_counters *n = counters;

	note[0] = 0;
	if (n)
		snprintf(note, sizeof note, "swap lent=%llu reads=%llu writes=%llu repairs=%llu errors=%llu",
		         (unsigned long long)n->pages_lent, (unsigned long long)n->reads,
		         (unsigned long long)n->writes, (unsigned long long)n->repairs,
		         (unsigned long long)n->errors);
	return note;
}
