/* salvage: a kdump capture tool in one static binary.
 * As PID 1 it is the crash kernel's init; otherwise the first argument is
 * a command. */
#include <string.h>
#include <unistd.h>
#include "init/init.h"
#include "lib/conf.h"
#include "lib/io.h"
#include "lib/log.h"
#include "load/load.h"

int collect_main(int argc, char **argv);
int convert_main(int argc, char **argv);
int dump_main(int argc, char **argv);
int dmesg_main(int argc, char **argv);
int estimate_main(int argc, char **argv);
int ifup_main(int argc, char **argv);
int modules_main(int argc, char **argv);
int keygen_main(int argc, char **argv);
int keycheck_main(int argc, char **argv);
int receive_main(int argc, char **argv);
int send_main(int argc, char **argv);
int swaptest_main(int argc, char **argv);

static int help_main(int argc, char **argv);

static const struct {
	const char *name;
	int (*main)(int, char **);
	const char *help;
} commands[] = {
	{ "load", load_main, "--kernel FILE --initrd FILE [--append ARGS] [--conf FILE]  arm the crash kernel (nr_cpus= from crash-cpus);\n"
	  "          --reload: again as last loaded; --reload-after-hotplug: the udev rule's (docs/hotplug.md)" },
	{ "unload", load_unload_main, "  disarm the crash kernel" },
	{ "status", load_status_main, "  is a crash kernel loaded, by what; reservation size; crash hotplug" },
	{ "estimate", estimate_main, "[--kernel VMLINUZ] [--initrd IMG] [--conf FILE]  the crashkernel= to reserve, and how it was derived" },
	{ "dump", dump_main, "[-d LEVEL] [-j N] [-o OUT] VMCORE  filter a vmcore into a salvage stream (-j: N threads, same bytes)" },
	{ "collect", collect_main, "SOURCE OUTDIR  read a dump back from a raw device/image or a directory" },
	{ "dmesg", dmesg_main, "[--caller] DUMP  the crashed kernel's log from a vmcore, stream or kdump file" },
	{ "convert", convert_main, "[--codec zlib|none] [--elf] IN OUT  salvage stream to a kdump-compressed (or ELF) file" },
	{ "ifup", ifup_main, "[--timeout SECONDS] IFACE:dhcp|IFACE:ADDR/PREFIX[,GW]|ip=...  bring the network up (as the crash kernel does)" },
	{ "modules", modules_main, "--dir DIR NAME...  kernel modules in load order (for mkinitramfs)" },
	{ "keygen", keygen_main, "NAME  write NAME.key (private, 0600) and NAME.pub; print the fingerprint" },
	{ "keycheck", keycheck_main, "SERVER.pub CLIENT.key  check the keys for a crash initramfs; print their fingerprints" },
	{ "receive", receive_main, "--listen ADDR:PORT --dir DIR --key FILE --authorized FILE [--max-clients N] [--min-free SIZE]  store dumps sent over TLS" },
	{ "send", send_main, "--server HOST:PORT --server-key FILE --client-key FILE STREAM  send a saved stream to a receiver" },
	{ "swaptest", swaptest_main, "--file PATH --size-mb N | --mem START_MB:MB...  [--child-mb N] [--inject one=N,both=N]  swap on the shim, a memory-hungry child, MB/s and counters" },
	{ "help", help_main, "  this text" },
};

static void put(const char *s)
{
	io_writeall(1, s, strlen(s));
}

static int help_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	put("usage: salvage COMMAND [ARGS]\n\ncommands:\n");
	for (unsigned i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		put("  salvage ");
		put(commands[i].name);
		put(" ");
		put(commands[i].help);
		put("\n");
	}
	put("\nAs PID 1 (the crash kernel's /init) salvage captures the dump.\n"
	    "/etc/salvage.conf keys (override with salvage.KEY=VALUE on the kernel command line):\n");
	conf_help(1);
	return 0;
}

int main(int argc, char **argv)
{
	if (getpid() == 1)
		init_main();
	if (argc < 2) {
		help_main(argc, argv);
		return 100;
	}
	for (unsigned i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].main(argc - 1, argv + 1);
	log_err("unknown command ", argv[1], " (salvage help lists them)");
	return 100;
}
