/* salvage collect (its usage: CMD below)
 *
 * Reads a dump written by the crash kernel back on a normal host: SOURCE is
 * a raw device or image (target raw:) or a directory (target fs:, either a
 * dump's own directory or the one holding dated dumps: the newest complete
 * one is taken). Writes OUTDIR/vmcore (the unfiltered ELF vmcore) or
 * OUTDIR/vmcore.salvage (a salvage stream), as the dump was written.
 *
 * A dump the crash kernel did not finish (a raw header still WRITING, or
 * COMPLETE with a dump past the device's end, a dump directory holding
 * only vmcore.partial or vmcore.salvage.partial) is
 * kept as far as it is sound: OUTDIR/vmcore.salvage.partial (every whole
 * record of the stream) with OUTDIR/dmesg.txt (its log, when that record
 * made it), or OUTDIR/vmcore.partial (an ELF vmcore), and OUTDIR/PARTIAL
 * saying what is missing.
 *
 * --mark-collected DEV marks the raw dump on DEV collected (one write of
 * its 512-byte header, synced; the dump's bytes stay): collect then
 * refuses it, until the crash kernel's next dump clears the mark. Marking
 * a marked dump again changes nothing. A device without a salvage raw
 * header is refused and left as it is; a damaged one (salvage's magic, a
 * bad checksum), which collect refuses, gets a new header saying only
 * collected.
 *
 * Exit status: 0 a whole dump saved (or DEV marked), 2 a partial dump
 * saved, 3 the raw dump was marked collected already (nothing saved), 4
 * an unfinished dump of which nothing is readable (nothing saved: the
 * crash kernel began one and wrote no stream or ELF header), 100 usage,
 * 111 failure (nothing saved, nothing marked). */
#include <string.h>
#include <time.h>
#include "../lib/cmd.h"
#include "../lib/err.h"
#include "../lib/log.h"
#include "collect.h"
#include "target_raw.h"

CMD(collect, "SOURCE OUTDIR | --mark-collected DEV",
    "read a dump back from a raw device/image or a directory (exit 2: partial, kept; "
    "3: collected already; 4: unfinished, nothing readable); mark a raw dump collected");

enum { EXIT_PARTIAL = 2, EXIT_COLLECTED = 3, EXIT_UNREADABLE = 4 };

static int mark(const char *dev)
{
	int r = dump_raw_mark_collected(dev, (uint64_t)time(0));

	if (r < 0) {
		log_err("collect --mark-collected ", dev, ": ", err_text(r), " (left as it is)");
		return 111;
	}
	log_info(dev, r ? ": marked collected already" : ": marked collected");
	return 0;
}

static int collect_main(int argc, char **argv)
{
	static char buf[1 << 20];
	int r;

	if (argc == 3 && !strcmp(argv[1], "--mark-collected"))
		return mark(argv[2]);
	if (argc != 3 || argv[1][0] == '-')
		return cmd_usage(&collect_cmd);
	r = dump_collect(argv[1], argv[2], buf, sizeof buf);
	if (r == DUMP_COLLECT_PARTIAL) {
		log_warn("collect ", argv[1], ": PARTIAL dump kept in ", argv[2], " (see its PARTIAL)");
		return EXIT_PARTIAL;
	}
	if (r == -SALVAGE_E_RAW_COLLECTED) {
		log_info("collect ", argv[1], ": ", err_text(r));
		return EXIT_COLLECTED;
	}
	if (r) {
		log_err("collect ", argv[1], ": ", err_text(r));
		return r == -SALVAGE_E_RAW_INCOMPLETE ? EXIT_UNREADABLE : 111;
	}
	return 0;
}
