/* Reading a dump back on a normal host. */
#ifndef SALVAGE_DUMP_COLLECT_H
#define SALVAGE_DUMP_COLLECT_H
#include <stddef.h>

/* Copies a dump from a raw device/image or a directory written by
 * dump_fs_write (the dump directory itself, or its parent: the newest
 * complete dump is taken) into outdir/vmcore. */
int dump_collect(const char *source, const char *outdir, void *buf, size_t bufsize);

#endif
