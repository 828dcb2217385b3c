/* salvage load --kernel FILE --initrd FILE [--append ARGS]
 * salvage unload
 * salvage status
 *
 * Arms (or disarms) the crash kernel with kexec_file_load(2) and
 * KEXEC_FILE_ON_CRASH, so no kexec-tools are needed. Without --append the
 * crash kernel gets the running kernel's command line, cleaned up for a
 * crash kernel (see load_crash_cmdline in load.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kexec.h>
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "estimate.h"
#include "load.h"

#define SYSK "/sys/kernel/"

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

static char *mib(unsigned long long bytes)
{
	static char buf[2][24];
	static int i;

	i ^= 1;
	return fmt_u64(buf[i], (bytes + (1 << 20) - 1) >> 20);
}

static void explain(int e, long long reservation, unsigned long long kneed,
                    unsigned long long isize)
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

static int usage(void)
{
	log_err("usage: salvage load --kernel FILE --initrd FILE [--append ARGS]");
	return 100;
}

/* Root and a reservation, checked before anything is opened, so the user
 * sees the real reason rather than a syscall's errno. */
static int preflight(long long *reservation)
{
	if (geteuid() != 0) {
		log_err("must be root (kexec_file_load needs CAP_SYS_BOOT)");
		return 100;
	}
	*reservation = sys_number(SYSK "kexec_crash_size");
	if (*reservation < 0) {
		log_err("this kernel has no kexec support (no ", SYSK, "kexec_crash_size)");
		return 111;
	}
	if (*reservation == 0) {
		log_err("no crash kernel memory reserved: boot with crashkernel= (e.g. crashkernel=128M)");
		return 111;
	}
	return 0;
}

int load_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", 1, 0, 'k' }, { "initrd", 1, 0, 'i' },
		{ "append", 1, 0, 'a' }, { 0, 0, 0, 0 },
	};
	const char *kernel = 0, *initrd = 0, *extra = 0;
	char running[4096], cmdline[4096];
	unsigned long long ksize, isize, kneed;
	long long reservation;
	int c, kfd, ifd, r;

	while ((c = getopt_long(argc, argv, "", opts, 0)) != -1) {
		if (c == 'k') kernel = optarg;
		else if (c == 'i') initrd = optarg;
		else if (c == 'a') extra = optarg;
		else return usage();
	}
	if (!kernel || !initrd || optind != argc)
		return usage();
	if ((r = preflight(&reservation)))
		return r;
	if (extra) {
		if (strlen(extra) >= sizeof cmdline)
			return usage();
		strcpy(cmdline, extra);
	} else if (io_readfile("/proc/cmdline", running, sizeof running) < 0 ||
	           load_crash_cmdline(running, cmdline, sizeof cmdline) < 0) {
		log_err("load: cannot build the crash kernel command line from /proc/cmdline");
		return 111;
	}
	if ((kfd = open_file("kernel", kernel, &ksize)) < 0)
		return 111;
	if ((ifd = open_file("initrd", initrd, &isize)) < 0)
		return 111;
	kneed = image_need(kfd, ksize);
	if (kneed + isize > (unsigned long long)reservation) {
		explain(ENOMEM, reservation, kneed, isize);
		return 111;
	}
	if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1, cmdline,
	            KEXEC_FILE_ON_CRASH) < 0) {
		explain(errno, reservation, kneed, isize);
		return 111;
	}
	log_info("crash kernel loaded: ", kernel, " + ", initrd, " (",
	         mib(kneed + isize), " of ", U64((unsigned long long)reservation >> 20), " MiB)");
	log_info("crash kernel command line: ", cmdline);
	return 0;
}

int load_unload_main(int argc, char **argv)
{
	long long reservation;
	int r;

	(void)argv;
	if (argc > 1) {
		log_err("usage: salvage unload");
		return 100;
	}
	if ((r = preflight(&reservation)))
		return r;
	if (syscall(SYS_kexec_file_load, -1, -1, 0, 0,
	            KEXEC_FILE_UNLOAD | KEXEC_FILE_ON_CRASH) < 0) {
		log_err("unload: ", err_name(errno), " (", err_text(errno), ")");
		return 111;
	}
	log_info("crash kernel unloaded");
	return 0;
}

int load_status_main(int argc, char **argv)
{
	long long loaded = sys_number(SYSK "kexec_crash_loaded");
	long long size = sys_number(SYSK "kexec_crash_size");
	static const char *const state[] = { "not loaded", "loaded" };

	(void)argv;
	if (argc > 1) {
		log_err("usage: salvage status");
		return 100;
	}
	if (loaded < 0 || size < 0) {
		log_err("this kernel has no kexec support (no ", SYSK, "kexec_crash_loaded)");
		return 111;
	}
	io_writeall(1, "crash kernel: ", 14);
	io_writeall(1, state[loaded != 0], strlen(state[loaded != 0]));
	io_writeall(1, "\nreservation: ", 14);
	const char *mib = U64((unsigned long long)size >> 20);
	io_writeall(1, mib, strlen(mib));
	io_writeall(1, size ? " MiB\n" : " MiB (boot with crashkernel= to reserve memory)\n",
	            size ? 5 : 48);
	return 0;
}
