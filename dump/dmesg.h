/* The crashed kernel's log (dmesg), read from its lockless printk ring
 * buffer (Linux 5.10+) through VMCOREINFO alone: docs/formats.md#printk-ring.
 * No heap: records are read in small pieces into a buffer on the stack
 * (about 9 KiB). Every loop is bounded by the ring's size and every length
 * checked against the ring, so a corrupt ring gives an error, not a crash. */
#ifndef SALVAGE_DUMP_DMESG_H
#define SALVAGE_DUMP_DMESG_H
#include <stddef.h>
#include <stdint.h>
#include "mem.h"

/* The output is formatted as makedumpfile 1.7.2 --dump-dmesg prints it
 * (docs/formats.md#printk-ring). With DUMP_DMESG_CALLER, the caller
 * ("[    T123] ") follows the time, as makedumpfile 1.7.5 and later print
 * it; without OFFSET(printk_info.caller_id) it is left out. */
#define DUMP_DMESG_CALLER 1u

/* A record's text longer than this once formatted reaches emit in pieces. */
#define DUMP_DMESG_LINE_MAX 8192

/* Walks the records oldest to newest and calls emit once per record with
 * its formatted line, ending in '\n' (a line longer than
 * DUMP_DMESG_LINE_MAX comes in several calls, only the last ending in
 * '\n'). A non-zero return from emit stops the walk and is returned.
 *
 * Returns 0, or:
 * -SALVAGE_E_VMCOREINFO_MISSING  an entry of the ring's layout is absent
 *                                (also: a kernel before 5.10);
 * -SALVAGE_E_VMCOREINFO_BAD      an offset lies outside its structure;
 * -SALVAGE_E_DMESG_BAD_RING      the ring's header is inconsistent;
 * -SALVAGE_E_DMESG_BAD_RECORD    some records were skipped (a data block
 *                                out of the ring, or not holding the
 *                                record's id), after all others were emitted;
 * the read error of dump_mem_read_virt for the ring's header, or for the
 * first record that could not be read (the others are still emitted,
 * unless thousands in a row cannot be read: then the walk stops). */
int dump_dmesg(struct dump_mem *m, int (*emit)(void *ctx, const char *line, size_t len), void *ctx);

/* The same with DUMP_DMESG_* flags. */
int dump_dmesg_flags(struct dump_mem *m, unsigned flags,
                     int (*emit)(void *ctx, const char *line, size_t len), void *ctx);

/* Where the ring lies in the crashed kernel's memory (virtual addresses
 * and byte lengths): the ring structure prb points to, its descriptors,
 * their infos, and the text data. 0, or the errors of dump_dmesg for the
 * ring's layout and header. */
struct dump_dmesg_ring {
	uint64_t ring, ring_len, descs, descs_len, infos, infos_len, data, data_len;
};
int dump_dmesg_ring(struct dump_mem *m, struct dump_dmesg_ring *out);

#endif
