/* Writing a dump to its target, and reading it back on a normal host.
 * The source is read sequentially (a pipe would do); len is its size. */
#ifndef SALVAGE_DUMP_TARGET_H
#define SALVAGE_DUMP_TARGET_H
#include <stddef.h>
#include <stdint.h>
#include "raw_header.h"
#include "sink.h"

/* Streaming form: begin, write through t->sink (dump_sink_write), end.
 * dump_*_end closes the target and returns the first error met; only a
 * dump the caller says is whole (ok) is marked complete. */
struct dump_raw_target {
	struct dump_sink sink;
	struct dump_raw_header h;
};
int dump_raw_begin(struct dump_raw_target *t, const char *dev, uint32_t format);
int dump_raw_end(struct dump_raw_target *t, int ok);

struct dump_fs_target {
	struct dump_sink sink;
	char dir[512], partial[576], final[576];
};
/* Makes DIR/<UTC time>/ and opens NAME.partial in it. */
int dump_fs_begin(struct dump_fs_target *t, const char *dir, const char *name);
/* Syncs, and renames NAME.partial to NAME if the dump is whole (ok). */
int dump_fs_end(struct dump_fs_target *t, int ok);

/* Raw device or image file: header, data at DUMP_RAW_DATA_OFFSET, header
 * again once the data is stable. -SALVAGE_E_RAW_TOO_SMALL before anything
 * is written if the device cannot hold the dump. */
int dump_raw_write(const char *dev, int src, uint64_t len, uint32_t format,
                   void *buf, size_t bufsize);

/* Marks the dump on a raw device or image collected (saved on the host):
 * one header write (the same 512 bytes with collected = when) and fsync;
 * the data and the rest of the header stay. 0 when marked, 1 when it was
 * marked already (nothing written), or -SALVAGE_E_RAW_BAD_MAGIC / _BAD_CRC /
 * _BAD_VERSION for a device that holds no salvage raw header (nothing
 * written), or -errno. The next dump_raw_begin() writes collected = 0. */
int dump_raw_mark_collected(const char *dev, uint64_t when);

/* Directory on a mounted filesystem: creates DIR/<UTC time>/, writes
 * vmcore.partial, syncs, renames it to vmcore. The new directory's path is
 * copied to made (size madelen). */
int dump_fs_write(const char *dir, int src, uint64_t len, const char *name,
                  char *made, size_t madelen, void *buf, size_t bufsize);

/* Copies a dump from a raw device/image or a directory written by
 * dump_fs_write (the dump directory itself, or its parent: the newest
 * complete dump is taken) into outdir/vmcore or outdir/vmcore.salvage.
 * A dump its writer did not finish (raw header WRITING, or a dump
 * directory holding only NAME.partial) is kept: the stream's sound prefix
 * as outdir/vmcore.salvage.partial with its log as outdir/dmesg.txt, or an
 * ELF vmcore as far as its headers reach as outdir/vmcore.partial, and
 * outdir/PARTIAL says what is missing; that returns DUMP_COLLECT_PARTIAL.
 * 0 for a whole dump; -SALVAGE_E_RAW_COLLECTED for a raw dump marked
 * collected; -SALVAGE_E_RAW_INCOMPLETE for an unfinished dump (raw or
 * NAME.partial) of which nothing is readable; -SALVAGE_E_NO_DUMP, -SALVAGE_E_RAW_BAD_*, -errno. */
#define DUMP_COLLECT_PARTIAL 1
int dump_collect(const char *source, const char *outdir, void *buf, size_t bufsize);

#endif
