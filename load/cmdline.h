/* The crash kernel's command line (salvage load). */
#ifndef SALVAGE_LOAD_CMDLINE_H
#define SALVAGE_LOAD_CMDLINE_H
#include <stddef.h>

/* The crash kernel's command line from the running one: drops words that
 * must not reach a crash kernel (crashkernel=, rdinit=, initrd=, BOOT_IMAGE=,
 * nr_cpus=, maxcpus=, hugepage and cma reservations, and the words added
 * below), then appends "irqpoll nr_cpus=CPUS reset_devices
 * acpi_no_memhotplug" (CPUS: the
 * config's crash-cpus, 1 by default; 0 counts as 1). console= words are
 * kept. 0 or -E2BIG. */
int load_crash_cmdline(const char *running, unsigned cpus, char *out, size_t outlen);

#endif
