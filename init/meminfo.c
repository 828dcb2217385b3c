#include <stdlib.h>
#include <string.h>
#include "../lib/io.h"
#include "../lib/log.h"
#include "meminfo.h"

/* The /proc/meminfo fields that say where a small crash kernel's memory
 * went, in the order logged. */
static const char *const fields[] = {
	"MemTotal", "MemFree", "MemAvailable", "Shmem", "Unevictable", "Cached", "Buffers",
	"Dirty", "Writeback", "AnonPages", "Mlocked", "SUnreclaim", "SReclaimable",
	"KernelStack", "PageTables", "Percpu",
};
#define NFIELDS (sizeof fields / sizeof fields[0])

/* The number after "NAME:" in text, or 0 if absent. */
static const char *value(const char *text, const char *name, char *buf, size_t len)
{
	size_t n = strlen(name), i = 0;
	const char *p = text;

	while ((p = strstr(p, name)) && ((p != text && p[-1] != '\n') || p[n] != ':'))
		p += n;
	if (!p)
		return 0;
	for (p += n + 1; *p == ' '; p++)
		;
	while (i + 1 < len && *p >= '0' && *p <= '9')
		buf[i++] = *p++;
	buf[i] = 0;
	return i ? buf : 0;
}

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
		if (!value(text, fields[i], num[i], sizeof num[i]))
			continue;
		parts[k++] = " ";
		parts[k++] = fields[i];
		parts[k++] = " ";
		parts[k++] = num[i];
	}
	parts[k] = 0;
	log_parts(LOG_LVL_INFO, parts);
}

uint64_t init_mem_field(const char *name)
{
	char text[8192], num[24];

	if (io_readfile("/proc/meminfo", text, sizeof text) <= 0 || !value(text, name, num, sizeof num))
		return 0;
	return strtoull(num, NULL, 10) << 10;
}
