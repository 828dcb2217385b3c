/* salvage: a kdump capture tool in one static binary.
 * As PID 1 it is the crash kernel's init; otherwise the first argument is
 * a command. Each command's usage is its file's CMD() (lib/cmd.h). */
#include <string.h>
#include <unistd.h>
#include "init/init.h"
#include "lib/cmd.h"
#include "lib/conf.h"
#include "lib/io.h"
#include "lib/log.h"

extern const struct cmd load_cmd, unload_cmd, status_cmd, estimate_cmd, dump_cmd, collect_cmd,
	dmesg_cmd, convert_cmd, ifup_cmd, modules_cmd, keygen_cmd, keycheck_cmd, receive_cmd,
	list_cmd, send_cmd, swaptest_cmd;

CMD(help, "", "this text");

static const struct cmd *const commands[] = {
	&load_cmd, &unload_cmd, &status_cmd, &estimate_cmd, &dump_cmd, &collect_cmd, &dmesg_cmd,
	&convert_cmd, &ifup_cmd, &modules_cmd, &keygen_cmd, &keycheck_cmd, &receive_cmd, &list_cmd, &send_cmd,
	&swaptest_cmd, &help_cmd,
};

static void put(const char *s)
{
	io_writeall(1, s, strlen(s));
}

static void overview(void)
{
	put("usage: salvage COMMAND [ARGS]\n\ncommands:\n");
	for (unsigned i = 0; i < sizeof commands / sizeof commands[0]; i++)
		cmd_line(commands[i]);
	put("\nAs PID 1 (the crash kernel's /init) salvage captures the dump.\n"
	    "/etc/salvage.conf keys (override with salvage.KEY=VALUE on the kernel command line):\n");
	conf_help(1);
}

static int help_main(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return cmd_usage(&help_cmd);
	overview();
	return 0;
}

int main(int argc, char **argv)
{
	if (getpid() == 1)
		init_main();
	if (argc < 2) {
		overview();
		return 100;
	}
	if (!strcmp(argv[1], "--help"))
		return help_main(1, argv + 1);
	for (unsigned i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		const struct cmd *c = commands[i];
		if (strcmp(argv[1], c->name))
			continue;
		if (argc == 3 && !strcmp(argv[2], "--help"))
			return cmd_help(c), 0;
		return c->main(argc - 1, argv + 1);
	}
	log_err("unknown command ", argv[1], " (salvage help lists them)");
	return 100;
}
