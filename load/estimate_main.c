/* salvage estimate (its usage: CMD below)
 *
 * Prints the crashkernel= to reserve for this crash kernel and initramfs,
 * then one line for each number saying how it was derived:
 *   --kernel VMLINUZ  the crash kernel (default /boot/vmlinuz-$(uname -r)):
 *                     its bzImage header's init_size is what it needs to
 *                     decompress and start
 *   --initrd IMG      the crash initramfs (default /boot/salvage.img if it
 *                     exists): its packed size (kexec loads it) and its
 *                     unpacked size (the rootfs holds it); without one, the
 *                     test guests' images for the configured targets
 *   --conf FILE       the configuration (default /etc/salvage.conf): its
 *                     target and fallback pick the measured reservation the
 *                     estimate never goes below
 * The sum (init_size + packed + unpacked + the kernel's and salvage's
 * run-time memory, a constant fitted to bisection) is rounded up to 8 MiB
 * steps. For kernels 6.17 and later it also prints the split into a fixed
 * reservation that holds what kexec loads and the rest as ,cma
 * (docs/crashkernel.md). Exit 0, 100 on misuse, 111 if a file cannot be
 * read or the answer cannot be written. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "../dump/jobs.h"
#include "../lib/cmd.h"
#include "../lib/conf.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "estimate.h"

CMD(estimate, "[--kernel VMLINUZ] [--initrd IMG] [--conf FILE]",
    "the crashkernel= to reserve, and how it was derived");

#define DEFAULT_INITRD "/boot/salvage.img"
#define DEFAULT_CONF "/etc/salvage.conf"

/* One line on stdout; the first write error stays in *err. */
static void out(int *err, const char *const *parts)
{
	for (; *parts && !*err; parts++)
		*err = io_writeall(1, *parts, strlen(*parts));
	if (!*err)
		*err = io_writeall(1, "\n", 1);
}
#define say(...) out(&err, (const char *const[]){ __VA_ARGS__, 0 })

/* bytes as MiB with one decimal, e.g. "63.6" */
static char *fmt_mib(char *buf, uint64_t bytes)
{
	uint64_t tenths = (bytes * 10 + LOAD_MIB / 2) / LOAD_MIB;
	size_t n;

	fmt_u64(buf, tenths / 10);
	n = strlen(buf);
	buf[n] = '.';
	buf[n + 1] = (char)('0' + tenths % 10);
	buf[n + 2] = 0;
	return buf;
}
#define MIB1(v) fmt_mib((char[32]){0}, (v))
#define MIBS(v) U64((v) / LOAD_MIB)

static int read_kernel(const char *path, struct load_kernel *k)
{
	static unsigned char head[LOAD_KERNEL_HEAD];
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;
	struct stat st;
	long n;

	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		log_err("estimate: kernel ", path, ": ", err_text(r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	n = io_preadall(fd, head, sizeof head, 0);
	close(fd);
	r = n < 0 ? (int)n : load_kernel_parse(head, (size_t)n, k);
	/* a cut image still has its header: kexec would refuse it */
	if (!r && (uint64_t)st.st_size < k->file_min)
		r = -SALVAGE_E_SHORT_FILE;
	if (r)
		log_err("estimate: kernel ", path, ": ", err_text(r));
	return r;
}

static int read_initrd(const char *path, struct load_initrd *i)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		log_err("estimate: initrd ", path, ": ", err_text(r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	r = load_initrd_sizes(fd, (uint64_t)st.st_size, i);
	close(fd);
	if (r)
		log_err("estimate: initrd ", path, ": ", err_text(r));
	return r;
}

/* The target and fallback kinds and crash-cpus from the configuration;
 * TARGET_NONE for both and one CPU if it cannot be read (said). */
static void read_targets(const char *path, int explicit, int kind[2], unsigned *cpus)
{
	static char text[8192];
	struct salvage_conf c;
	long n = io_readfile(path, text, sizeof text);
	int line, r;

	kind[0] = kind[1] = TARGET_NONE;
	*cpus = 1;
	conf_defaults(&c);
	if (n < 0) {
		if (explicit || n != -ENOENT)
			log_warn("estimate: ", path, ": ", err_text((int)n));
		return;
	}
	if ((r = conf_parse_text(&c, text, &line))) {
		log_warn("estimate: ", path, " line ", U64((uint64_t)line), ": ", err_text(r));
		return;
	}
	kind[0] = c.target.kind;
	kind[1] = c.fallback.kind;
	*cpus = c.crash_cpus;
}

static const char *kind_name(int kind)
{
	return kind == TARGET_TLS ? "net" : kind == TARGET_FS ? "fs" : kind == TARGET_RAW ? "raw" : "none";
}

static const char *how_text(int how)
{
	return how == LOAD_UNPACKED_ZSTD ? "the zstd frame's content size" :
	       how == LOAD_UNPACKED_CPIO ? "its cpio's files in whole pages" :
	       "a guess: " "5 x packed for an unknown compression";
}

/* The estimate and how it was derived: 0 or -errno of a write. */
static int print(const char *kpath, const struct load_kernel *k, const char *ipath,
                 const struct load_initrd *i, const int kind[2], const struct load_estimate *e)
{
	int err = 0;

	say("crashkernel=", MIBS(e->total), "M");
	say("  kernel ", kpath, " (", k->version[0] ? k->version : "version unknown", "): init_size ",
	    MIB1(k->init_size), " MiB (bzImage header, offset 0x260: to decompress and start)");
	if (ipath)
		say("  initramfs ", ipath, ": ", MIB1(i->packed), " MiB packed (its size: kexec loads it), ",
		    MIB1(i->unpacked), " MiB unpacked (", how_text(i->how), ": the rootfs holds it)");
	else
		say("  initramfs: ", MIB1(i->packed), " MiB packed, ", MIB1(i->unpacked),
		    " MiB unpacked (no --initrd: the test guests' images for target ", kind_name(kind[0]),
		    kind[1] ? ", fallback " : "", kind[1] ? kind_name(kind[1]) : "", ", virtio drivers)");
	say("  run-time memory of the crash kernel and salvage: ", MIBS(LOAD_ESTIMATE_RUN),
	    " MiB (fitted to the smallest crashkernel= bisection found on 6.1 and 7.3, 2 GB guest)");
	if (e->workers)
		say("  the dump's workers (crash-cpus > 1, docs/jobs.md): ", MIB1(e->workers),
		    " MiB (the kernel's own memory per CPU not counted: not measured)");
	say("  sum ", MIB1(e->sum), " MiB, rounded up to 8 MiB steps: ", MIBS((e->sum + LOAD_ESTIMATE_STEP - 1) /
	    LOAD_ESTIMATE_STEP * LOAD_ESTIMATE_STEP), "M");
	if (e->floor)
		say("  measured smallest that dumped with this kernel series and target (bench/crashkernel.sh): ",
		    MIBS(e->floor), "M with one CPU; never below it", e->workers ? " (+ the workers)" : "");
	else
		say("  no measured smallest for this kernel series and target: the sum alone");
	if (!e->cma)
		return err;
	say("or, this kernel taking crashkernel=,cma (6.17+): crashkernel=", MIBS(e->fixed), "M crashkernel=",
	    MIBS(e->rest), "M,cma");
	say("  fixed: init_size + initramfs packed + ", MIBS(LOAD_ESTIMATE_KEXEC_EXTRA),
	    " MiB (purgatory, boot parameters, ELF headers) = ", MIB1(e->kexec),
	    " MiB, rounded up: what kexec loads, which CMA cannot hold");
	say("  cma: the rest of ", MIBS(e->total), "M (the crash kernel's run-time memory; split not measured)");
	return err;
}

static int estimate_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", 1, 0, 'k' }, { "initrd", 1, 0, 'i' },
		{ "conf", 1, 0, 'c' }, { 0, 0, 0, 0 },
	};
	const char *kpath = 0, *ipath = 0, *cpath = DEFAULT_CONF;
	char kdefault[128 + sizeof ((struct utsname *)0)->release];
	struct load_kernel k;
	struct load_initrd i = { 0, 0, 0 };
	struct load_estimate e;
	int c, kind[2], conf_given = 0, err = 0;
	unsigned cpus;
	uint64_t floor;

	while ((c = getopt_long(argc, argv, "", opts, 0)) != -1) {
		if (c == 'k') kpath = optarg;
		else if (c == 'i') ipath = optarg;
		else if (c == 'c') cpath = optarg, conf_given = 1;
		else return cmd_usage(&estimate_cmd);
	}
	if (optind != argc)
		return cmd_usage(&estimate_cmd);
	if (!kpath) {
		struct utsname u;
		if (uname(&u) < 0)
			return 111;
		strcpy(kdefault, "/boot/vmlinuz-");
		strcat(kdefault, u.release);
		kpath = kdefault;
	}
	if (!ipath && access(DEFAULT_INITRD, R_OK) == 0)
		ipath = DEFAULT_INITRD;
	if (read_kernel(kpath, &k) || (ipath && read_initrd(ipath, &i)))
		return 111;
	read_targets(cpath, conf_given, kind, &cpus);
	if (!kind[0]) {
		/* no configuration: the disk target, whose image is the larger */
		say("(no target in ", cpath, ": a file system target assumed)");
		kind[0] = TARGET_FS;
	}
	if (!ipath) {
		load_initrd_typical(kind[0], &i);
		if (kind[1] && kind[1] != kind[0])
			load_initrd_typical(kind[1], &i);
	}
	floor = load_estimate_measured(&k, kind[0]);
	if (kind[1] && load_estimate_measured(&k, kind[1]) > floor)
		floor = load_estimate_measured(&k, kind[1]);
	/* PID 1 runs one worker per CPU, none with one (init/init.c) */
	load_estimate(&k, &i, floor, cpus > 1 ? dump_jobs_size(cpus < DUMP_JOBS_MAX ? cpus : DUMP_JOBS_MAX) : 0, &e);
	if ((err = print(kpath, &k, ipath, &i, kind, &e))) {
		log_err("estimate: writing stdout: ", err_text(err));
		return 111;
	}
	return 0;
}
