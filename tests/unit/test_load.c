#include <errno.h>
#include <string.h>
#include "../../load/args.h"
#include "../../load/cma.h"
#include "../../load/cmdline.h"
#include "check.h"

TEST(load_crash_cmdline_cleans_the_running_one)
{
	char out[256];

	CHECK_INT(0, load_crash_cmdline("BOOT_IMAGE=/vmlinuz root=UUID=1 ro crashkernel=256M "
	                                "console=ttyS0,115200 nr_cpus=8 quiet rdinit=/x "
	                                "hugepages=100 dyndbg=\"file a.c +p\"\n", 1, out, sizeof out));
	CHECK_STR("root=UUID=1 ro console=ttyS0,115200 quiet dyndbg=\"file a.c +p\" "
	          "irqpoll nr_cpus=1 reset_devices acpi_no_memhotplug", out);
	CHECK_INT(0, load_crash_cmdline("", 1, out, sizeof out));
	CHECK_STR("irqpoll nr_cpus=1 reset_devices acpi_no_memhotplug", out);
	/* words named exactly are dropped, longer words with the prefix kept */
	CHECK_INT(0, load_crash_cmdline("irqpoll irqpollx reset_devices acpi_no_memhotplug", 1, out, sizeof out));
	CHECK_STR("irqpollx irqpoll nr_cpus=1 reset_devices acpi_no_memhotplug", out);
	/* crash-cpus 2: the crash kernel brings up two CPUs, PID 1 two workers */
	CHECK_INT(0, load_crash_cmdline("root=/dev/vda nr_cpus=16 maxcpus=4", 2, out, sizeof out));
	CHECK_STR("root=/dev/vda irqpoll nr_cpus=2 reset_devices acpi_no_memhotplug", out);
	CHECK_INT(0, load_crash_cmdline("", 0, out, sizeof out));
	CHECK_STR("irqpoll nr_cpus=1 reset_devices acpi_no_memhotplug", out);
	CHECK_INT(-7 /* -E2BIG */, load_crash_cmdline("console=ttyS0", 1, out, 20));
}

/* /sys/kernel/kexec/crash_cma_ranges: "%08llx-%08llx\n" per range, the end
 * inclusive (kernel/kexec_core.c); empty without a CMA part. The first
 * vector is the kernel's ABI document's example. */
TEST(load_cma_parse_reads_the_kernels_ranges)
{
	struct load_cma_range r[LOAD_CMA_MAX];
	unsigned n = 99;

	CHECK_INT(0, load_cma_parse("100000000-10c7fffff\n", r, LOAD_CMA_MAX, &n));
	CHECK_INT(1, n);
	CHECK_INT(0x100000000LL, (long long)r[0].start);
	CHECK_INT(0x10c7fffffLL, (long long)r[0].end);
	CHECK_INT(200LL << 20, (long long)load_cma_bytes(r, n));
	/* several ranges (the kernel halves its request when one does not fit),
	 * zero-padded to 8 digits, the last newline optional */
	CHECK_INT(0, load_cma_parse("06000000-07ffffff\n76000000-79ffffff", r, LOAD_CMA_MAX, &n));
	CHECK_INT(2, n);
	CHECK_INT(0x76000000LL, (long long)r[1].start);
	CHECK_INT(0x79ffffffLL, (long long)r[1].end);
	CHECK_INT(96LL << 20, (long long)load_cma_bytes(r, n));
	/* no CMA part: an empty file */
	CHECK_INT(0, load_cma_parse("", r, LOAD_CMA_MAX, &n));
	CHECK_INT(0, n);
	CHECK_INT(0, (long long)load_cma_bytes(r, n));
	/* a one-page range */
	CHECK_INT(0, load_cma_parse("00001000-00001fff\n", r, LOAD_CMA_MAX, &n));
	CHECK_INT(4096, (long long)load_cma_bytes(r, n));
}

TEST(load_cma_parse_refuses_what_the_kernel_never_writes)
{
	struct load_cma_range r[2];
	unsigned n = 7;

	CHECK_INT(-EINVAL, load_cma_parse("6e000000\n", r, 2, &n));
	CHECK_INT(-EINVAL, load_cma_parse("6e000000-\n", r, 2, &n));
	CHECK_INT(-EINVAL, load_cma_parse("-77ffffff\n", r, 2, &n));
	CHECK_INT(-EINVAL, load_cma_parse("0x6e000000-0x77ffffff\n", r, 2, &n));
	CHECK_INT(-EINVAL, load_cma_parse("6e000000-77ffffff \n", r, 2, &n));
	CHECK_INT(-EINVAL, load_cma_parse("6e000000 - 77ffffff\n", r, 2, &n));
	CHECK_INT(-EINVAL, load_cma_parse("1000-1fff 3000-3fff\n", r, 2, &n));
	CHECK_INT(-EINVAL, load_cma_parse("\n", r, 2, &n));
	CHECK_INT(-EINVAL, load_cma_parse("6e000000-77ffffff\n\n", r, 2, &n));
	CHECK_INT(-EINVAL, load_cma_parse("77ffffff-6e000000\n", r, 2, &n)); /* ends before it starts */
	CHECK_INT(-EINVAL, load_cma_parse("10000000000000000-10000000000000001\n", r, 2, &n));
	CHECK_INT(-EINVAL, load_cma_parse("6g000000-77ffffff\n", r, 2, &n));
	CHECK_INT(-E2BIG, load_cma_parse("1000-1fff\n3000-3fff\n5000-5fff\n", r, 2, &n));
	CHECK_INT(7, n); /* untouched on failure */
	/* 16 digits is the most there is */
	CHECK_INT(0, load_cma_parse("fffffffffffff000-ffffffffffffffff\n", r, 2, &n));
	CHECK_INT(1, n);
	CHECK_INT(4096, (long long)load_cma_bytes(r, n));
}

/* salvage load's arguments kept for reloads: one "KEY VALUE" line per
 * option given, read back the same */
TEST(load_args_round_trip)
{
	struct load_args a = { "/boot/vmlinuz-6.1.0-57-amd64", "/boot/salvage.img",
	                       "root=/dev/vda console=ttyS0 salvage.dump-level=1", "" }, b;
	char text[8192];

	CHECK_INT(117, load_args_format(&a, text, sizeof text));
	CHECK_STR("kernel /boot/vmlinuz-6.1.0-57-amd64\ninitrd /boot/salvage.img\n"
	          "append root=/dev/vda console=ttyS0 salvage.dump-level=1\n", text);
	CHECK_INT(0, load_args_parse(text, &b));
	CHECK_STR(a.kernel, b.kernel);
	CHECK_STR(a.initrd, b.initrd);
	CHECK_STR(a.append, b.append);
	CHECK_STR("", b.conf);
	/* a path with spaces stays whole; the last line may lack its newline */
	CHECK_INT(0, load_args_parse("kernel /a b\ninitrd /c\nconf /etc/s c.conf", &b));
	CHECK_STR("/a b", b.kernel);
	CHECK_STR("/etc/s c.conf", b.conf);
	CHECK_STR("", b.append);
}

TEST(load_args_refuses_what_it_could_not_read_back)
{
	struct load_args a = { "/k", "/i", "a\nb", "" }, b;
	char text[64];

	CHECK_INT(-EINVAL, load_args_format(&a, text, sizeof text));
	a.append[0] = 0;
	CHECK_INT(-E2BIG, load_args_format(&a, text, 10));
	CHECK_INT(-EINVAL, load_args_parse("kernel /k\n", &b));           /* no initrd */
	CHECK_INT(-EINVAL, load_args_parse("kernel /k\ninitrd /i\nx y\n", &b)); /* unknown key */
	CHECK_INT(-EINVAL, load_args_parse("kernel\ninitrd /i\n", &b));   /* no space */
	CHECK_INT(0, load_args_parse("kernel /k\ninitrd /i\n", &b));
	{
		static char big[2048];
		memset(big, 'x', sizeof big - 1);
		memcpy(big, "kernel ", 7);
		CHECK_INT(-E2BIG, load_args_parse(big, &b));
	}
}
