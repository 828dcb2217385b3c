/* Loading the crash initramfs's kernel modules, freeing their files. */
#ifndef SALVAGE_INIT_MODULES_H
#define SALVAGE_INIT_MODULES_H
#include <stdint.h>

/* finit_module(2) for every module file listed in path, in order; a module
 * already present is fine. A module loaded (or not for this hardware) has
 * its file unlinked, with its emptied directories up to the list's own;
 * one line says what was freed. Returns how many failed to load; their
 * files stay. */
int init_modules_load(const char *list_path);

struct init_freed {
	uint64_t files;
	uint64_t bytes;          /* in whole 4 KiB pages */
};
/* Unlinks path and adds it to f; then removes its parent directories
 * while they are empty, up to stop (a prefix of path, kept). 0 or
 * -errno of the unlink. */
int init_modules_unlink(const char *path, const char *stop, struct init_freed *f);

#endif
