/* What `salvage load` was given, kept after a successful load so that a
 * reload after memory or CPU hot-add (load/hotplug.h) arms the same crash
 * kernel the same way. The file (LOAD_ARGS_FILE) is in /run: it lives as
 * long as the loaded image, until the next boot or `salvage unload`. */
#ifndef SALVAGE_LOAD_ARGS_H
#define SALVAGE_LOAD_ARGS_H
#include <stddef.h>

#define LOAD_RUN_DIR "/run/salvage"
#define LOAD_ARGS_FILE LOAD_RUN_DIR "/load-args"

/* An empty string is an option not given (the default applies). */
struct load_args {
	char kernel[1024], initrd[1024], append[4096], conf[1024];
};

/* One "KEY VALUE" line for each option given (kernel, initrd, append,
 * conf), in that order. The length, or -E2BIG when out is too small,
 * -EINVAL when a value holds a newline (it could not be read back). */
long load_args_format(const struct load_args *a, char *out, size_t len);
/* The inverse: 0, -EINVAL for an unknown key, a line without a space or
 * no kernel or initrd, -E2BIG for a value too long for its field. */
int load_args_parse(const char *text, struct load_args *a);

/* Kept in LOAD_ARGS_FILE (LOAD_RUN_DIR made if missing), atomically. */
int load_args_save(const struct load_args *a);
/* Read back: 0, -ENOENT when nothing was saved, another -errno. */
int load_args_read(struct load_args *a);

#endif
