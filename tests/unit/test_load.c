#include "../../load/load.h"
#include "check.h"

TEST(load_crash_cmdline_cleans_the_running_one)
{
	char out[256];

	CHECK_INT(0, load_crash_cmdline("BOOT_IMAGE=/vmlinuz root=UUID=1 ro crashkernel=256M "
	                                "console=ttyS0,115200 nr_cpus=8 quiet rdinit=/x "
	                                "hugepages=100 dyndbg=\"file a.c +p\"\n", 1, out, sizeof out));
	CHECK_STR("root=UUID=1 ro console=ttyS0,115200 quiet dyndbg=\"file a.c +p\" "
	          "irqpoll nr_cpus=1 reset_devices", out);
	CHECK_INT(0, load_crash_cmdline("", 1, out, sizeof out));
	CHECK_STR("irqpoll nr_cpus=1 reset_devices", out);
	/* words named exactly are dropped, longer words with the prefix kept */
	CHECK_INT(0, load_crash_cmdline("irqpoll irqpollx reset_devices", 1, out, sizeof out));
	CHECK_STR("irqpollx irqpoll nr_cpus=1 reset_devices", out);
	/* crash-cpus 2: the crash kernel brings up two CPUs, PID 1 two workers */
	CHECK_INT(0, load_crash_cmdline("root=/dev/vda nr_cpus=16 maxcpus=4", 2, out, sizeof out));
	CHECK_STR("root=/dev/vda irqpoll nr_cpus=2 reset_devices", out);
	CHECK_INT(0, load_crash_cmdline("", 0, out, sizeof out));
	CHECK_STR("irqpoll nr_cpus=1 reset_devices", out);
	CHECK_INT(-7 /* -E2BIG */, load_crash_cmdline("console=ttyS0", 1, out, 20));
}
