/* The crash kernel's memory, logged for sizing crashkernel= (docs/shim.md,
 * "Memory in the crash kernel"). */
#ifndef SALVAGE_INIT_MEMINFO_H
#define SALVAGE_INIT_MEMINFO_H

/* One line "memory WHEN (kB): MemTotal N MemAvailable N ..." from
 * /proc/meminfo: total, free and available, the unpacked initramfs (Shmem:
 * the rootfs is tmpfs; Unevictable), page cache and dirty pages, anonymous
 * and locked memory (salvage), and the kernel's own (slab, stacks, page
 * tables, per-CPU). Nothing is logged when /proc/meminfo cannot be read. */
void init_log_memory(const char *when);

#endif
