/* salvage modules (its usage: CMD below)
 *
 * Prints the module files (paths relative to --dir) that loading NAME...
 * takes, dependencies first, one per line: the load order for the crash
 * kernel. Built-in modules are noted on stderr; a name the kernel does not
 * have is a warning (a drivers-list names drivers for many kernels), or an
 * error with --strict. salvage-mkinitramfs calls this. */
#include <getopt.h>
#include <string.h>
#include "../lib/cmd.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "moddep.h"

CMD(modules, "--dir LIB_MODULES_KVER [--strict] NAME...",
    "kernel modules in load order (for mkinitramfs)");

static int modules_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", 1, 0, 'd' }, { "strict", 0, 0, 's' }, { 0, 0, 0, 0 },
	};
	const char *dir = 0;
	struct moddep *m;
	int c, strict = 0, failed = 0, r;

	while ((c = getopt_long(argc, argv, "", opts, 0)) != -1) {
		if (c == 'd') dir = optarg;
		else if (c == 's') strict = 1;
		else dir = 0, optind = argc + 1;
	}
	if (!dir || optind > argc)
		return cmd_usage(&modules_cmd);
	if ((r = moddep_open(&m, dir))) {
		log_err("modules: ", dir, "/modules.dep: ", err_text(r), " (run depmod)");
		return 111;
	}
	for (int i = optind; i < argc; i++) {
		r = moddep_add(m, argv[i]);
		if (r == 1)
			log_info("modules: ", argv[i], " is built in");
		else if (r == -SALVAGE_E_MOD_NOT_FOUND && !strict)
			log_warn("modules: ", argv[i], " not in this kernel; skipped");
		else if (r < 0) {
			log_err("modules: ", argv[i], ": ", err_text(r));
			failed = 1;
		}
	}
	for (size_t i = 0; i < moddep_count(m); i++) {
		const char *p = moddep_path(m, i);
		io_writeall(1, p, strlen(p));
		io_writeall(1, "\n", 1);
	}
	moddep_close(m);
	return failed ? 111 : 0;
}
