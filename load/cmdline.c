#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cmdline.h"

static const char *const dropped[] = {
	"crashkernel=", "rdinit=", "initrd=", "BOOT_IMAGE=", "nr_cpus=",
	"maxcpus=", "hugepages=", "hugepagesz=", "default_hugepagesz=",
	"cma=", "hugetlb_cma=", "irqpoll", "reset_devices", "acpi_no_memhotplug",
};

static int drop(const char *w, size_t len)
{
	for (unsigned i = 0; i < sizeof dropped / sizeof dropped[0]; i++) {
		size_t n = strlen(dropped[i]);
		int whole = dropped[i][n - 1] != '=';
		if (len >= n && !memcmp(w, dropped[i], n) && (!whole || len == n))
			return 1;
	}
	return 0;
}

static int append(char *out, size_t outlen, size_t *at, const char *w, size_t len)
{
	if (*at + (*at ? 1 : 0) + len + 1 > outlen)
		return -E2BIG;
	if (*at)
		out[(*at)++] = ' ';
	memcpy(out + *at, w, len);
	*at += len;
	out[*at] = 0;
	return 0;
}

int load_crash_cmdline(const char *running, unsigned cpus, char *out, size_t outlen)
{
	char extra[64];
	const char *p = running;
	size_t at = 0;
	int r;

	if (!outlen)
		return -E2BIG;
	out[0] = 0;
	/* acpi_no_memhotplug: the crash kernel must not add the DIMMs hot-added
	 * to the crashed one as its own RAM (ACPI still lists them; 7.x onlines
	 * them at once): it would overwrite the dump's pages (docs/hotplug.md) */
	snprintf(extra, sizeof extra, "irqpoll nr_cpus=%u reset_devices acpi_no_memhotplug", cpus ? cpus : 1);
	for (;;) {
		const char *w;
		int quoted = 0;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		for (w = p; *p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n')); p++)
			if (*p == '"')
				quoted = !quoted;
		if (!drop(w, (size_t)(p - w)) && (r = append(out, outlen, &at, w, (size_t)(p - w))))
			return r;
	}
	return append(out, outlen, &at, extra, strlen(extra));
}
