/* Reading a dump back on a normal host. */
#ifndef SALVAGE_DUMP_COLLECT_H
#define SALVAGE_DUMP_COLLECT_H
#include <stddef.h>

/* Copies a dump from a raw device/image or a directory written by
 * dump_fs_write (the dump directory itself, or its parent: the newest
 * complete dump is taken) into outdir/vmcore or outdir/vmcore.salvage.
 * A dump its writer did not finish (raw header WRITING, one COMPLETE
 * whose dump runs past the device's end, or a dump directory holding only
 * NAME.partial) is kept: the stream's sound prefix
 * as outdir/vmcore.salvage.partial with its log as outdir/dmesg.txt, or an
 * ELF vmcore as far as its headers reach as outdir/vmcore.partial, and
 * outdir/PARTIAL says what is missing; that returns DUMP_COLLECT_PARTIAL.
 * 0 for a whole dump; -SALVAGE_E_RAW_COLLECTED for a raw dump marked
 * collected; -SALVAGE_E_RAW_INCOMPLETE for an unfinished dump (raw or
 * NAME.partial) of which nothing is readable; -SALVAGE_E_NO_DUMP, -SALVAGE_E_RAW_BAD_*, -errno. */
#define DUMP_COLLECT_PARTIAL 1
int dump_collect(const char *source, const char *outdir, void *buf, size_t bufsize);

#endif
