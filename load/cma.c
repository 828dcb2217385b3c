/* The CMA part of the crash kernel's memory (crashkernel=SIZE,cma, Linux
 * 6.17+): where the kernel says it is and the text it says it in. */
#include <errno.h>
#include "../lib/io.h"
#include "cma.h"

/* A hex number of at most 16 digits (no 0x: the kernel prints "%08llx"). */
static const char *hex(const char *p, unsigned long long *v)
{
	int n = 0;

	*v = 0;
	for (;; p++, n++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0'
		      : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
		      : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10 : -1;
		if (d < 0)
			return n ? p : 0;
		if (n == 16)
			return 0;
		*v = *v << 4 | (unsigned)d;
	}
}

int load_cma_parse(const char *text, struct load_cma_range *r, unsigned max, unsigned *n)
{
	unsigned k = 0;

	for (const char *p = text; *p;) {
		unsigned long long s, e;

		if (!(p = hex(p, &s)) || *p++ != '-' || !(p = hex(p, &e)) ||
		    (*p && *p != '\n') || e < s)
			return -EINVAL;
		if (*p)
			p++;
		if (k == max)
			return -E2BIG;
		r[k++] = (struct load_cma_range){ s, e };
	}
	*n = k;
	return 0;
}

unsigned long long load_cma_bytes(const struct load_cma_range *r, unsigned n)
{
	unsigned long long sum = 0;

	for (unsigned i = 0; i < n; i++)
		sum += r[i].end - r[i].start + 1;
	return sum;
}

int load_cma_read(struct load_cma_range *r, unsigned max, unsigned *n)
{
	/* 6.19 moved the kexec files to /sys/kernel/kexec/ and kept the old
	 * names, deprecated; 6.17 and 6.18 have neither */
	static const char *const paths[] = {
		"/sys/kernel/kexec/crash_cma_ranges", "/sys/kernel/kexec_crash_cma_ranges",
	};
	char text[64 * LOAD_CMA_MAX];
	long len = -ENOENT;

	for (unsigned i = 0; i < 2 && len == -ENOENT; i++)
		len = io_readfile(paths[i], text, sizeof text);
	if (len < 0)
		return (int)len;
	return load_cma_parse(text, r, max, n);
}
