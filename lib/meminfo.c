#include <stdlib.h>
#include <string.h>
#include "io.h"
#include "meminfo.h"

const char *meminfo_value(const char *text, const char *name, char *buf, size_t len)
{
	size_t n = strlen(name), i = 0;
	const char *p = text;

	while ((p = strstr(p, name)) && ((p != text && p[-1] != '\n') || p[n] != ':'))
		p += n;
	if (!p)
		return NULL;
	for (p += n + 1; *p == ' '; p++)
		;
	while (i + 1 < len && *p >= '0' && *p <= '9')
		buf[i++] = *p++;
	buf[i] = 0;
	return i ? buf : NULL;
}

uint64_t meminfo_bytes(const char *name)
{
	char text[8192], num[24];

	if (io_readfile("/proc/meminfo", text, sizeof text) <= 0 || !meminfo_value(text, name, num, sizeof num))
		return 0;
	return strtoull(num, NULL, 10) << 10;
}
