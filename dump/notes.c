#include <string.h>
#include "../lib/err.h"
#include "../lib/le.h"
#include "notes.h"

/* Elf64_Nhdr: namesz, descsz, type (u32 each); name and desc padded to
 * 4 bytes. The kernel writes "CORE"/NT_PRSTATUS (1) per CPU and
 * "VMCOREINFO"/0 (docs/formats.md#notes). */
#define NT_PRSTATUS 1
/* struct elf_prstatus on x86_64: pr_reg (struct user_regs_struct) at 112;
 * rsp is its 20th register */
#define PRSTATUS_RSP (112 + 19 * 8)

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

int dump_notes_parse(struct dump_notes *n, const void *blob, size_t len)
{
	const unsigned char *p = blob;
	size_t off = 0;

	memset(n, 0, sizeof *n);
	while (len - off >= 12) {
		uint32_t namesz = le32_get(p + off), descsz = le32_get(p + off + 4);
		uint32_t type = le32_get(p + off + 8);
		size_t name = off + 12, desc, next;

		if (namesz == 0 && descsz == 0 && type == 0)
			break; /* zero padding after the last note */
		if (pad4(namesz) > len - name)
			return -SALVAGE_E_NOTES_BAD;
		desc = name + pad4(namesz);
		if (descsz > len - desc)
			return -SALVAGE_E_NOTES_BAD;
		next = desc + pad4(descsz);
		if (namesz == 11 && !memcmp(p + name, "VMCOREINFO", 11)) {
			n->vmcoreinfo = (const char *)p + desc;
			n->vmcoreinfo_len = strnlen(n->vmcoreinfo, descsz);
			n->vmcoreinfo_off = desc;
		} else if (namesz == 5 && !memcmp(p + name, "CORE", 5) && type == NT_PRSTATUS) {
			n->nr_prstatus++;
			if (descsz >= PRSTATUS_RSP + 8 && n->nr_sp < DUMP_NOTES_CPUS)
				n->sp[n->nr_sp++] = le64_get(p + desc + PRSTATUS_RSP);
		}
		if (next > len)
			break;
		off = next;
	}
	return 0;
}
