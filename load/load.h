/* Arming the crash kernel with kexec_file_load(2). */
#ifndef SALVAGE_LOAD_H
#define SALVAGE_LOAD_H
#include <stddef.h>

/* The crash kernel's command line from the running one: drops words that
 * must not reach a crash kernel (crashkernel=, rdinit=, initrd=, BOOT_IMAGE=,
 * nr_cpus=, maxcpus=, hugepage and cma reservations, and the words added
 * below), then appends "irqpoll nr_cpus=CPUS reset_devices
 * acpi_no_memhotplug" (CPUS: the
 * config's crash-cpus, 1 by default; 0 counts as 1). console= words are
 * kept. 0 or -E2BIG. */
int load_crash_cmdline(const char *running, unsigned cpus, char *out, size_t outlen);

/* The CMA part of the reservation (crashkernel=SIZE,cma, Linux 6.17+): RAM
 * the running system uses until a crash, then the crash kernel's too (its
 * memory map gets it); its pages are never in the dump. Not in /proc/iomem
 * nor in kexec_crash_size, which count the fixed part only. */
struct load_cma_range {
	unsigned long long start, end; /* physical bytes, end inclusive */
};
#define LOAD_CMA_MAX 8 /* the kernel keeps at most 4 (CRASHKERNEL_CMA_RANGES_MAX) */

/* The ranges from the text of /sys/kernel/kexec/crash_cma_ranges: one
 * "START-END" line each, in hex without 0x; empty without a CMA part. Up
 * to max in r, *n of them. 0, -E2BIG for more than max, -EINVAL for a line
 * that does not parse or ends before it starts. */
int load_cma_parse(const char *text, struct load_cma_range *r, unsigned max, unsigned *n);
/* Their size in bytes. */
unsigned long long load_cma_bytes(const struct load_cma_range *r, unsigned n);
/* load_cma_parse of the kernel's file (/sys/kernel/kexec/crash_cma_ranges,
 * else /sys/kernel/kexec_crash_cma_ranges); -ENOENT when the kernel has
 * neither (before 6.19), or another -errno. */
int load_cma_read(struct load_cma_range *r, unsigned max, unsigned *n);

int load_main(int argc, char **argv);
int load_unload_main(int argc, char **argv);
int load_status_main(int argc, char **argv);

#endif
