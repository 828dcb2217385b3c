#include <string.h>
#include "../lib/err.h"
#include "vmcoreinfo.h"

const char *dump_vmcoreinfo_get(const struct dump_vmcoreinfo *vi, const char *key, size_t *len)
{
	size_t klen = strlen(key);
	const char *p = vi->text, *end;

	if (!p) /* a stream without VMCOREINFO: NULL + 0 is undefined too */
		return NULL;
	end = p + vi->len;
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		if ((size_t)(eol - p) > klen && !memcmp(p, key, klen) && p[klen] == '=') {
			*len = (size_t)(eol - p - klen - 1);
			return p + klen + 1;
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static int digit(char c, int base)
{
	int d = c >= '0' && c <= '9' ? c - '0'
	      : c >= 'a' && c <= 'f' ? c - 'a' + 10
	      : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
	return d < base ? d : -1;
}

int dump_vmcoreinfo_num(const struct dump_vmcoreinfo *vi, const char *key, int64_t *out)
{
	size_t len, i = 0;
	const char *v = dump_vmcoreinfo_get(vi, key, &len);
	int base = 10, neg = 0;
	uint64_t n = 0;

	if (!v)
		return -SALVAGE_E_VMCOREINFO_MISSING;
	/* kernel/vmcore_info.c prints SYMBOL() and KERNELOFFSET with %lx */
	if (!strncmp(key, "SYMBOL(", 7) || !strcmp(key, "KERNELOFFSET"))
		base = 16;
	if (i < len && v[i] == '-')
		neg = 1, i++;
	if (len - i > 2 && v[i] == '0' && (v[i + 1] == 'x' || v[i + 1] == 'X'))
		base = 16, i += 2;
	if (i == len || len - i > 20)
		return -SALVAGE_E_VMCOREINFO_BAD;
	for (; i < len; i++) {
		int d = digit(v[i], base);
		if (d < 0)
			return -SALVAGE_E_VMCOREINFO_BAD;
		n = n * (uint64_t)base + (uint64_t)d;
	}
	*out = neg ? (int64_t)(0 - n) : (int64_t)n;
	return 0;
}

int64_t dump_vmcoreinfo_num_or(const struct dump_vmcoreinfo *vi, const char *key, int64_t dflt)
{
	int64_t v;

	return dump_vmcoreinfo_num(vi, key, &v) ? dflt : v;
}

int dump_vmcoreinfo_str(const struct dump_vmcoreinfo *vi, const char *key, char *out, size_t outlen)
{
	size_t len;
	const char *v = dump_vmcoreinfo_get(vi, key, &len);

	if (!v)
		return -SALVAGE_E_VMCOREINFO_MISSING;
	if (len >= outlen)
		len = outlen - 1;
	memcpy(out, v, len);
	out[len] = 0;
	return 0;
}
