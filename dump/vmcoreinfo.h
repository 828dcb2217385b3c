/* VMCOREINFO: the KEY=value lines the crashed kernel left in its ELF note
 * (docs/formats.md#vmcoreinfo, kernel/vmcore_info.c). Lookups scan the
 * text; callers that need a value often cache it. */
#ifndef SALVAGE_DUMP_VMCOREINFO_H
#define SALVAGE_DUMP_VMCOREINFO_H
#include <stddef.h>
#include <stdint.h>

struct dump_vmcoreinfo {
	const char *text; /* not NUL-terminated necessarily */
	size_t len;
};

/* Value text of KEY (e.g. "OSRELEASE", "SYMBOL(prb)", "OFFSET(page.flags)")
 * and its length, or NULL. */
const char *dump_vmcoreinfo_get(const struct dump_vmcoreinfo *vi, const char *key, size_t *len);

/* The value as a number: SYMBOL(...) and KERNELOFFSET are hex without
 * 0x; everything else decimal (a leading '-' allowed), or hex with 0x.
 * 0, or -SALVAGE_E_VMCOREINFO_MISSING, or -SALVAGE_E_VMCOREINFO_BAD. */
int dump_vmcoreinfo_num(const struct dump_vmcoreinfo *vi, const char *key, int64_t *out);

/* Same, with a default when the key is absent (bad values also give the
 * default). */
int64_t dump_vmcoreinfo_num_or(const struct dump_vmcoreinfo *vi, const char *key, int64_t dflt);

/* Copies a string value into out (NUL-terminated, truncated); 0 or
 * -SALVAGE_E_VMCOREINFO_MISSING. */
int dump_vmcoreinfo_str(const struct dump_vmcoreinfo *vi, const char *key, char *out, size_t outlen);

#endif
