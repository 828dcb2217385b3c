/* Writing a dump to a directory on a mounted filesystem. The source is
 * read sequentially (a pipe would do); len is its size. */
#ifndef SALVAGE_DUMP_TARGET_FS_H
#define SALVAGE_DUMP_TARGET_FS_H
#include <stddef.h>
#include <stdint.h>
#include "sink.h"

/* Streaming form: begin, write through t->sink (dump_sink_write), end.
 * dump_fs_end closes the target and returns the first error met; only a
 * dump the caller says is whole (ok) is published under its name. */
struct dump_fs_target {
	struct dump_sink sink;
	char dir[512], partial[576], final[576];
};
/* Makes DIR/<UTC time>/ and opens NAME.partial in it. */
int dump_fs_begin(struct dump_fs_target *t, const char *dir, const char *name);
/* Syncs, and renames NAME.partial to NAME if the dump is whole (ok). */
int dump_fs_end(struct dump_fs_target *t, int ok);

/* Creates DIR/<UTC time>/, writes NAME.partial, syncs, renames it to NAME.
 * The new directory's path is copied to made (size madelen). */
int dump_fs_write(const char *dir, int src, uint64_t len, const char *name,
                  char *made, size_t madelen, void *buf, size_t bufsize);

#endif
