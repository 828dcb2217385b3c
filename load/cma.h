/* The CMA part of the crashkernel= reservation (salvage load and
 * status). */
#ifndef SALVAGE_LOAD_CMA_H
#define SALVAGE_LOAD_CMA_H

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

#endif
