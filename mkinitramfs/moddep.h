/* Kernel module load order from a lib/modules/KVER tree: modules.dep for
 * hard dependencies, modules.softdep for pre:/post: soft ones,
 * modules.alias to turn an alias (a softdep's "crc32c") into a module, and
 * modules.builtin(.alias) to know what needs no loading at all.
 * Host-side (used by salvage-mkinitramfs), so it may allocate. */
#ifndef SALVAGE_MODDEP_H
#define SALVAGE_MODDEP_H
#include <stddef.h>

struct moddep;

/* 0 or -errno (modules.dep missing: run depmod). */
int moddep_open(struct moddep **m, const char *dir);
void moddep_close(struct moddep *m);

/* Adds a module (by name, "virtio-blk" == "virtio_blk", or alias) and all
 * it needs, dependencies first, each once. Returns 0, 1 if it is built
 * into the kernel, -SALVAGE_E_MOD_NOT_FOUND, -SALVAGE_E_MOD_LOOP or
 * -SALVAGE_E_MOD_TOO_MANY. Soft dependencies that do not exist are skipped. */
int moddep_add(struct moddep *m, const char *name);

/* The load order so far: paths relative to dir, e.g. kernel/fs/ext4/ext4.ko */
size_t moddep_count(const struct moddep *m);
const char *moddep_path(const struct moddep *m, size_t i);

#endif
