#include "../lib/io.h"
#include "../lib/log.h"
#include "../lib/meminfo.h"
#include "meminfo.h"

/* The /proc/meminfo fields that say where a small crash kernel's memory
 * went, in the order logged. */
static const char *const fields[] = {
	"MemTotal", "MemFree", "MemAvailable", "Shmem", "Unevictable", "Cached", "Buffers",
	"Dirty", "Writeback", "AnonPages", "Mlocked", "SUnreclaim", "SReclaimable",
	"KernelStack", "PageTables", "Percpu",
};
#define NFIELDS (sizeof fields / sizeof fields[0])

void init_log_memory(const char *when)
{
	static char text[8192];
	char num[NFIELDS][24];
	const char *parts[3 + 4 * NFIELDS + 1];
	size_t k = 0;

	if (io_readfile("/proc/meminfo", text, sizeof text) <= 0)
		return;
	parts[k++] = "memory ";
	parts[k++] = when;
	parts[k++] = " (kB):";
	for (size_t i = 0; i < NFIELDS; i++) {
		if (!meminfo_value(text, fields[i], num[i], sizeof num[i]))
			continue;
		parts[k++] = " ";
		parts[k++] = fields[i];
		parts[k++] = " ";
		parts[k++] = num[i];
	}
	parts[k] = 0;
	log_parts(LOG_LVL_INFO, parts);
}
