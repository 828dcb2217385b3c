/* salvage collect SOURCE OUTDIR
 *
 * Reads a dump written by the crash kernel back on a normal host: SOURCE is
 * a raw device or image (target raw:) or a directory (target fs:, either a
 * dump's own directory or the one holding dated dumps: the newest complete
 * one is taken). Writes OUTDIR/vmcore (the unfiltered ELF vmcore) or
 * OUTDIR/vmcore.salvage (a salvage stream), as the dump was written. */
#include "../lib/err.h"
#include "../lib/log.h"
#include "target.h"

int collect_main(int argc, char **argv)
{
	static char buf[1 << 20];
	int r;

	if (argc != 3) {
		log_err("usage: salvage collect SOURCE OUTDIR");
		return 100;
	}
	if ((r = dump_collect(argv[1], argv[2], buf, sizeof buf))) {
		log_err("collect ", argv[1], ": ", err_text(r));
		return 111;
	}
	return 0;
}
