/* ELF notes of a vmcore's PT_NOTE segment: VMCOREINFO and one
 * CORE/NT_PRSTATUS per CPU. */
#ifndef SALVAGE_DUMP_NOTES_H
#define SALVAGE_DUMP_NOTES_H
#include <stddef.h>
#include <stdint.h>

#define DUMP_NOTES_CPUS 512

struct dump_notes {
	const char *vmcoreinfo; /* descriptor text inside the blob, or NULL */
	size_t vmcoreinfo_len;
	size_t vmcoreinfo_off;  /* its offset inside the blob */
	unsigned nr_prstatus;
	/* each CPU's stack pointer (rsp) when it stopped, for the first
	 * DUMP_NOTES_CPUS PRSTATUS notes long enough to hold it */
	uint64_t sp[DUMP_NOTES_CPUS];
	unsigned nr_sp;
};

/* Walks the notes in blob; every size is bounds-checked. Returns 0, or
 * -SALVAGE_E_NOTES_BAD for a note running past the blob. A missing
 * VMCOREINFO is not an error here (vmcoreinfo stays NULL). */
int dump_notes_parse(struct dump_notes *n, const void *blob, size_t len);

#endif
