/* salvage collect (its usage: CMD below)
 *
 * Reads a dump written by the crash kernel back on a normal host: SOURCE is
 * a raw device or image (target raw:) or a directory (target fs:, either a
 * dump's own directory or the one holding dated dumps: the newest complete
 * one is taken). Writes OUTDIR/vmcore (the unfiltered ELF vmcore) or
 * OUTDIR/vmcore.salvage (a salvage stream), as the dump was written. */
#include "../lib/cmd.h"
#include "../lib/err.h"
#include "../lib/log.h"
#include "collect.h"

CMD(collect, "SOURCE OUTDIR",
    "read a dump back from a raw device/image or a directory");

static int collect_main(int argc, char **argv)
{
	static char buf[1 << 20];
	int r;

	if (argc != 3)
		return cmd_usage(&collect_cmd);
	if ((r = dump_collect(argv[1], argv[2], buf, sizeof buf))) {
		log_err("collect ", argv[1], ": ", err_text(r));
		return 111;
	}
	return 0;
}
