/* salvage load, unload and status (their usage: CMD below)
 *
 * Arms (or disarms) the crash kernel with kexec_file_load(2) and
 * KEXEC_FILE_ON_CRASH, so no kexec-tools are needed. Without --append the
 * crash kernel gets the running kernel's command line, cleaned up for a
 * crash kernel (see load_crash_cmdline in cmdline.h), with nr_cpus= from the
 * config's crash-cpus (--conf FILE, default /etc/salvage.conf; a missing
 * default file means the defaults: nr_cpus=1).
 *
 * A successful load keeps its arguments in /run/salvage/load-args; --reload
 * loads again with them. --reload-after-hotplug is what the udev rule
 * (packaging/udev/90-salvage-hotplug.rules) runs on memory and CPU events:
 * nothing where the kernel updates the loaded image itself (crash hotplug,
 * load/hotplug.h), else one reload for a burst of events, after 1 s
 * without a new one (docs/hotplug.md). unload forgets the arguments. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kexec.h>
#include "../lib/cmd.h"
#include "../lib/conf.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "args.h"
#include "cma.h"
#include "cmdline.h"
#include "estimate.h"
#include "hotplug.h"

CMD(load, "--kernel FILE --initrd FILE [--append ARGS] [--conf FILE] | --reload | --reload-after-hotplug",
    "arm the crash kernel (nr_cpus= from crash-cpus); --reload: again as last loaded; "
    "--reload-after-hotplug: the udev rule's (docs/hotplug.md)");
CMD(unload, "", "disarm the crash kernel");
CMD(status, "", "is a crash kernel loaded, by what; reservation size; crash hotplug");

#define SYSK "/sys/kernel/"
/* the burst's quiet time before a reload, and the longest wait for one
 * (udev kills a RUN program after 180 s) */
#define LOAD_HOTPLUG_SETTLE_S 1
#define LOAD_HOTPLUG_MAX_S 30

/* A number from a sysfs file; -errno if it cannot be read. */
static long long sys_number(const char *path)
{
	char buf[64];
	long n = io_readfile(path, buf, sizeof buf);
	long long v = 0;

	if (n < 0)
		return n;
	for (char *p = buf; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (*p - '0');
	return v;
}

/* A kexec number from its file in /sys/kernel/ (Linux up to now), else
 * from /sys/kernel/kexec/ (6.19+, where the old names are deprecated). */
static long long kexec_number(const char *old, const char *now)
{
	char path[64] = SYSK "kexec/";
	long long v = sys_number(old);

	if (v != -ENOENT)
		return v;
	strncat(path, now, sizeof path - sizeof SYSK "kexec/");
	return sys_number(path);
}

/* The active lockdown mode ("none", "integrity", "confidentiality"), or
 * "unknown" when securityfs is not mounted. */
static void lockdown_mode(char *out, size_t len)
{
	char buf[128], *open_, *close_;

	if (io_readfile(SYSK "security/lockdown", buf, sizeof buf) < 0 ||
	    !(open_ = strchr(buf, '[')) || !(close_ = strchr(open_, ']'))) {
		strncpy(out, "unknown", len);
		return;
	}
	*close_ = 0;
	strncpy(out, open_ + 1, len - 1);
	out[len - 1] = 0;
}

/* Memory the kernel image needs once loaded: the bzImage header's
 * init_size (load/estimate.h), else the file size. */
static unsigned long long image_need(int fd, unsigned long long file_size)
{
	static unsigned char head[LOAD_KERNEL_HEAD];
	struct load_kernel k;
	long n = io_preadall(fd, head, sizeof head, 0);

	if (n > 0 && !load_kernel_parse(head, (size_t)n, &k) && k.init_size > file_size)
		return k.init_size;
	return file_size;
}

static int open_file(const char *what, const char *path, unsigned long long *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		log_err("load: ", what, " ", path, ": ", err_text(-errno));
		return -1;
	}
	*size = (unsigned long long)st.st_size;
	return fd;
}

/* MiB, rounded up; each of the last four calls keeps its text (one
 * message holds up to four) */
static char *mib(unsigned long long bytes)
{
	static char buf[4][24];
	static unsigned i;

	i = (i + 1) % 4;
	return fmt_u64(buf[i], (bytes + (1 << 20) - 1) >> 20);
}

/* cma: the CMA part's bytes (0 without one) */
static void explain(int e, long long reservation, unsigned long long kneed,
                    unsigned long long isize, unsigned long long cma)
{
	char mode[32];

	lockdown_mode(mode, sizeof mode);
	if (e == EPERM && sys_number("/proc/sys/kernel/kexec_load_disabled") == 1)
		log_err("load: kexec is disabled (kernel.kexec_load_disabled = 1) until reboot");
	else if (e == EPERM && strcmp(mode, "none"))
		log_err("load: refused by kernel lockdown (", mode,
		        "): the kernel image must be signed with a key this kernel trusts");
	else if (e == EKEYREJECTED || e == ENOKEY || e == EBADMSG || e == EKEYREVOKED)
		log_err("load: kernel image signature rejected (", err_name(e),
		        "; lockdown ", mode, "): use a kernel signed with a trusted key");
	else if ((e == ENOMEM || e == EADDRNOTAVAIL || e == EBUSY) && cma)
		/* kexec loads into the fixed part only */
		log_err("load: kernel (", mib(kneed), " MiB unpacked) and initramfs (",
		        mib(isize), " MiB) do not fit in the fixed part of the crashkernel= reservation (",
		        U64((unsigned long long)reservation >> 20), " MiB; the ", mib(cma),
		        " MiB CMA part cannot hold them): raise crashkernel=SIZE, not crashkernel=SIZE,cma");
	else if (e == ENOMEM || e == EADDRNOTAVAIL || e == EBUSY)
		log_err("load: kernel (", mib(kneed), " MiB unpacked) and initramfs (",
		        mib(isize), " MiB) do not fit in the crashkernel= reservation (",
		        U64((unsigned long long)reservation >> 20), " MiB): raise crashkernel=");
	else if (e == ENOEXEC)
		log_err("load: not a kernel image this kernel can kexec (ENOEXEC)");
	else if (e == EPERM)
		log_err("load: kexec refused (EPERM) by a security module");
	else
		log_err("load: kexec_file_load: ", err_name(e), " (", err_text(e), ")");
}

/* The CMA part's size in bytes; 0 without one, or when this kernel does
 * not say (before 6.19). */
static unsigned long long cma_bytes(void)
{
	struct load_cma_range r[LOAD_CMA_MAX];
	unsigned n;

	return load_cma_read(r, LOAD_CMA_MAX, &n) ? 0 : load_cma_bytes(r, n);
}

/* Root and a reservation, checked before anything is opened, so the user
 * sees the real reason rather than a syscall's errno. *reservation is the
 * fixed part (kexec_crash_size leaves the CMA part out), *cma the CMA
 * part's bytes. */
static int preflight(long long *reservation, unsigned long long *cma)
{
	if (geteuid() != 0) {
		log_err("must be root (kexec_file_load needs CAP_SYS_BOOT)");
		return 100;
	}
	*reservation = kexec_number(SYSK "kexec_crash_size", "crash_size");
	if (*reservation < 0) {
		log_err("this kernel has no kexec support (no ", SYSK, "kexec_crash_size)");
		return 111;
	}
	/* (crashkernel=SIZE,cma alone reserves nothing: 7.3 wants the fixed part) */
	*cma = cma_bytes();
	if (*reservation == 0) {
		log_err("no crash kernel memory reserved: boot with crashkernel= (e.g. crashkernel=128M)");
		return 111;
	}
	return 0;
}

/* crash-cpus from the config file; 0 (the default) if conf is NULL and
 * the default file is missing, -1 (said) if it cannot be used. */
static int crash_cpus(const char *conf)
{
	static char text[8192];
	struct salvage_conf c;
	const char *path = conf ? conf : "/etc/salvage.conf";
	long n = io_readfile(path, text, sizeof text);
	int r, line;

	conf_defaults(&c);
	if (n == -ENOENT && !conf)
		return (int)c.crash_cpus;
	if (n < 0) {
		log_err("load: ", path, ": ", err_text((int)n));
		return -1;
	}
	if ((r = conf_parse_text(&c, text, &line))) {
		log_err("load: ", path, " line ", U64((uint64_t)line), ": ", err_text(r));
		return -1;
	}
	return (int)c.crash_cpus;
}

/* Arms the crash kernel with what a says; on success keeps a for reloads
 * (load/args.h). An exit code. */
static int arm(const struct load_args *a)
{
	const char *conf = *a->conf ? a->conf : 0;
	char running[4096], cmdline[4096];
	unsigned long long ksize, isize, kneed, cma;
	long long reservation;
	int kfd, ifd, r, cpus;

	if ((cpus = crash_cpus(conf)) < 0)
		return 111;
	if ((r = preflight(&reservation, &cma)))
		return r;
	if (*a->append)
		strcpy(cmdline, a->append);
	else if (io_readfile("/proc/cmdline", running, sizeof running) < 0 ||
	         load_crash_cmdline(running, (unsigned)cpus, cmdline, sizeof cmdline) < 0) {
		log_err("load: cannot build the crash kernel command line from /proc/cmdline");
		return 111;
	}
	if ((kfd = open_file("kernel", a->kernel, &ksize)) < 0)
		return 111;
	if ((ifd = open_file("initrd", a->initrd, &isize)) < 0)
		return 111;
	kneed = image_need(kfd, ksize);
	if (kneed + isize > (unsigned long long)reservation) {
		explain(ENOMEM, reservation, kneed, isize, cma);
		return 111;
	}
	/* the kernel itself adds the CMA part to the crash kernel's memory
	 * map (kexec_file_load only: kexec_load takes the map from its caller) */
	if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1, cmdline,
	            KEXEC_FILE_ON_CRASH) < 0) {
		explain(errno, reservation, kneed, isize, cma);
		return 111;
	}
	log_info("crash kernel loaded: ", a->kernel, " + ", a->initrd, " (",
	         mib(kneed + isize), " of ", U64((unsigned long long)reservation >> 20), " MiB)");
	if (cma)
		log_info("crash kernel memory: ", U64((unsigned long long)reservation >> 20),
		         " MiB fixed + ", mib(cma), " MiB CMA (not dumped; the crash kernel starts 10 s after a panic)");
	log_info("crash kernel command line: ", cmdline);
	if ((r = load_args_save(a)) < 0)
		log_warn("load: cannot keep the arguments for reloads after hotplug in ",
		         LOAD_ARGS_FILE, ": ", err_text(r));
	unlink(LOAD_RUN_DIR "/" LOAD_HOTPLUG_MISSED); /* this image has the memory of now */
	return 0;
}

/* An option's path made absolute (a reload runs from udev, in /), into a
 * field of n bytes; as given when it cannot be resolved (arm() says why,
 * after the checks that come first). 0, or -1 (said) if too long. */
static int absolute(const char *what, const char *path, char *out, size_t n)
{
	char *p = realpath(path, 0);
	const char *v = p ? p : path;

	if (strlen(v) >= n) {
		log_err("load: ", what, " ", path, ": ", err_text(-ENAMETOOLONG));
		free(p);
		return -1;
	}
	strcpy(out, v);
	free(p);
	return 0;
}

/* The reload lock (load/hotplug.h) for salvage load and unload, so none
 * comes between a reload's read of the saved arguments and its load (it
 * would put back the image just replaced or unloaded). Not root: nothing
 * to wait for, preflight refuses. A lock that cannot be made (no /run, a
 * read-only one) is said and gone without: no reload can hold it either,
 * and arming matters more. */
static void wait_reloads(const char *who)
{
	int r;

	if (geteuid() != 0 || (r = load_hotplug_lock(LOAD_RUN_DIR)) >= 0)
		return;
	log_warn(who, ": ", LOAD_RUN_DIR, ": ", err_text(r), " (no reload lock: going on without)");
}

/* salvage load --reload: the last load again, now (the arguments read
 * once a load in flight is done: its own, not the ones it replaces). */
static int reload(void)
{
	struct load_args a;
	int r;

	wait_reloads("load");
	if ((r = load_args_read(&a)) == -ENOENT) {
		log_err("load: nothing to reload: salvage load did not load since boot (no ",
		        LOAD_ARGS_FILE, ")");
		return 111;
	}
	if (r < 0) {
		log_err("load: ", LOAD_ARGS_FILE, ": ", err_text(r));
		return 111;
	}
	return arm(&a);
}

static int crash_loaded(void)
{
	return kexec_number(SYSK "kexec_crash_loaded", "crash_loaded") == 1;
}

/* An event that neither the kernel nor salvage brings to the loaded image,
 * another loader's: said (udev's log) and marked for salvage status. */
static int missed(void)
{
	int r = load_hotplug_missed_mark(LOAD_RUN_DIR);

	log_warn("hotplug: no reload: the loaded crash image is not salvage load's and this kernel "
	         "does not update it: a dump lacks this memory/CPU change until its loader loads it again");
	if (r < 0)
		log_warn("hotplug: ", LOAD_RUN_DIR, "/", LOAD_HOTPLUG_MISSED, ": ", err_text(r));
	return 0;
}

/* salvage load --reload-after-hotplug (the udev rule): nothing where the
 * kernel updates the image, else one reload for a burst of events. Every
 * path that reloads nothing says why in one line and exits 0; another
 * loader's image is never replaced (its events are marked: missed). */
/* 1 (said) where the kernel updates the loaded image itself */
static int kernel_updates(enum load_hotplug h)
{
	if (h != LOAD_HOTPLUG_UPDATED)
		return 0;
	log_info("hotplug: no reload: the kernel updates the loaded crash image (crash hotplug)");
	return 1;
}

static int reload_after_hotplug(void)
{
	enum load_hotplug h = load_hotplug_kernel();
	struct load_args a;
	int r, kept;

	if (kernel_updates(h))
		return 0;
	kept = load_args_read(&a) == 0;
	/* (NOT_THIS with salvage's arguments kept is decided after the turn:
	 * a reload in flight, or a kernel busy updating, reads 0 for a while) */
	if (!kept && crash_loaded())
		return missed();
	if (!kept) {
		log_info("hotplug: no reload: salvage load did not load since boot (no ", LOAD_ARGS_FILE, ")");
		return 0;
	}
	if ((r = load_hotplug_turn(LOAD_RUN_DIR, LOAD_HOTPLUG_SETTLE_S, LOAD_HOTPLUG_MAX_S)) < 0) {
		log_err("hotplug: ", LOAD_RUN_DIR, ": ", err_text(r));
		return 111;
	}
	if (r == 0) {
		log_info("hotplug: reload queued already: it covers this event");
		return 0;
	}
	/* (only now: while a reload runs no image is loaded, and the crash
	 * hotplug files read 0) salvage unload may have run meanwhile */
	if (load_args_read(&a) < 0) {
		log_info("hotplug: no reload: unloaded meanwhile");
		return 0;
	}
	/* on a crash hotplug kernel salvage's image reads 1: a 0 is another
	 * loader's kexec_load image, which a reload would replace */
	if (kernel_updates(h = load_hotplug_kernel()))
		return 0;
	if (load_hotplug_owner(crash_loaded(), 1, h) == LOAD_OWNER_OTHER)
		return missed();
	log_info("hotplug: memory or CPUs changed: reloading the crash kernel (no crash hotplug in this kernel)");
	return arm(&a);
}

static int load_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", 1, 0, 'k' }, { "initrd", 1, 0, 'i' },
		{ "append", 1, 0, 'a' }, { "conf", 1, 0, 'c' },
		{ "reload", 0, 0, 'r' }, { "reload-after-hotplug", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	static struct load_args a;
	const char *kernel = 0, *initrd = 0, *extra = 0, *conf = 0;
	int c, mode = 0;

	while ((c = getopt_long(argc, argv, "", opts, 0)) != -1) {
		if (c == 'k') kernel = optarg;
		else if (c == 'i') initrd = optarg;
		else if (c == 'a') extra = optarg;
		else if (c == 'c') conf = optarg;
		else if (c == 'r' || c == 'h') mode = c;
		else return cmd_usage(&load_cmd);
	}
	if (optind != argc)
		return cmd_usage(&load_cmd);
	if (mode) {
		if (kernel || initrd || extra || conf)
			return cmd_usage(&load_cmd);
		return mode == 'r' ? reload() : reload_after_hotplug();
	}
	if (!kernel || !initrd || (extra && strlen(extra) >= sizeof a.append))
		return cmd_usage(&load_cmd);
	if (extra)
		strcpy(a.append, extra);
	if (absolute("kernel", kernel, a.kernel, sizeof a.kernel) ||
	    absolute("initrd", initrd, a.initrd, sizeof a.initrd) ||
	    (conf && absolute("config", conf, a.conf, sizeof a.conf)))
		return 111;
	wait_reloads("load");
	return arm(&a);
}

static int unload_main(int argc, char **argv)
{
	unsigned long long cma;
	long long reservation;
	int r;

	(void)argv;
	if (argc > 1)
		return cmd_usage(&unload_cmd);
	wait_reloads("unload");
	if ((r = preflight(&reservation, &cma)))
		return r;
	if (syscall(SYS_kexec_file_load, -1, -1, 0, 0,
	            KEXEC_FILE_UNLOAD | KEXEC_FILE_ON_CRASH) < 0) {
		log_err("unload: ", err_name(errno), " (", err_text(errno), ")");
		return 111;
	}
	unlink(LOAD_ARGS_FILE); /* no reload after hotplug brings it back */
	log_info("crash kernel unloaded");
	return 0;
}

/* One line of parts to stdout. */
static void say_parts(const char *const *parts)
{
	for (; *parts; parts++)
		io_writeall(1, *parts, strlen(*parts));
	io_writeall(1, "\n", 1);
}
#define say(...) say_parts((const char *const[]){__VA_ARGS__, 0})

/* The CMA part's lines, if this kernel has one (e 0, n > 0) or cannot
 * say why its file is unreadable (e not -ENOENT). */
static void status_cma(int e, const struct load_cma_range *r, unsigned n)
{
	if (e == -ENOENT || (!e && !n))
		return;
	if (e) {
		say("cma reservation: unknown (", err_name(-e), ")");
		return;
	}
	say("cma reservation: ", mib(load_cma_bytes(r, n)), " MiB in ", U64(n),
	    n == 1 ? " range" : " ranges", " (not dumped; the crash kernel starts 10 s after a panic)");
	for (unsigned i = 0; i < n; i++)
		say("  ", HEX(r[i].start), "-", HEX(r[i].end));
}

/* Which image is loaded, as far as salvage knows, and whether hot-added
 * memory and CPUs reach it (load/hotplug.h). */
static void status_hotplug(int loaded)
{
	static const char *const what[] = {
		[LOAD_HOTPLUG_ABSENT] = "not in this kernel: reload after memory/CPU hot-add "
		                        "(salvage load --reload, or the udev rule)",
		[LOAD_HOTPLUG_UPDATED] = "the kernel updates the loaded image on memory/CPU hot-add (no reload)",
		[LOAD_HOTPLUG_NOT_THIS] = "in this kernel, for an image loaded with kexec_file_load (salvage load)",
	};
	enum load_hotplug h = load_hotplug_kernel();
	struct load_args a;
	int r = load_args_read(&a), kept = !r;
	enum load_owner who = load_hotplug_owner(loaded, kept, h);
	long long age;

	/* (not root: /run/salvage is root's alone; whose the image is stays
	 * unknown, rather than "not salvage's") */
	if (loaded && (r == -EACCES || r == -EPERM) && h != LOAD_HOTPLUG_NOT_THIS) {
		say("loaded by: unknown (", LOAD_ARGS_FILE, ": ", err_text(r), "; run as root)");
		say("crash hotplug: ", what[h]);
		return;
	}
	if (who == LOAD_OWNER_SALVAGE)
		say("loaded by: salvage load (kexec_file_load) --kernel ", a.kernel, " --initrd ", a.initrd,
		    *a.append ? " --append " : "", a.append, *a.conf ? " --conf " : "", a.conf);
	else if (who == LOAD_OWNER_OTHER && kept)
		say("loaded by: not salvage load: a kexec_load image replaced salvage load's "
		    "(the kernel updates salvage's, crash_hotplug 1; this one reads 0)");
	else if (who == LOAD_OWNER_OTHER)
		say("loaded by: not salvage load since boot (no ", LOAD_ARGS_FILE, "): it cannot reload it");
	if (who != LOAD_OWNER_OTHER || h == LOAD_HOTPLUG_UPDATED) {
		say("crash hotplug: ", what[h]);
		return;
	}
	say("crash hotplug: ", h == LOAD_HOTPLUG_ABSENT ? "not in this kernel"
	    : "in this kernel, but not for the loaded image (kexec_load without the hotplug flag, as kexec -p without -s)",
	    "; salvage does not reload another loader's image: after memory/CPU hot-add, "
	    "load it again with that loader, or arm with salvage load");
	if ((age = load_hotplug_missed_age(LOAD_RUN_DIR)) >= 0)
		say("crash hotplug: memory or CPUs changed ", U64((unsigned long long)age),
		    " s ago: the loaded image lacks the change, unless its loader loaded it again since");
}

static int status_main(int argc, char **argv)
{
	long long loaded = kexec_number(SYSK "kexec_crash_loaded", "crash_loaded");
	long long size = kexec_number(SYSK "kexec_crash_size", "crash_size");
	static const char *const state[] = { "not loaded", "loaded" };
	struct load_cma_range r[LOAD_CMA_MAX];
	unsigned n = 0;
	int e;

	(void)argv;
	if (argc > 1)
		return cmd_usage(&status_cmd);
	if (loaded < 0 || size < 0) {
		log_err("this kernel has no kexec support (no ", SYSK, "kexec_crash_loaded)");
		return 111;
	}
	e = load_cma_read(r, LOAD_CMA_MAX, &n);
	say("crash kernel: ", state[loaded != 0]);
	say("reservation: ", U64((unsigned long long)size >> 20),
	    !size ? " MiB (boot with crashkernel= to reserve memory)"
	    : !e && n ? " MiB fixed (holds the kernel and initramfs)" : " MiB");
	status_cma(e, r, n);
	status_hotplug(loaded != 0);
	return 0;
}
