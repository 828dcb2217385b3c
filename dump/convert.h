/* Stream -> standard file: kdump-compressed or ELF (docs/convert.md).
 * Host side; may use the heap. What both writers (kdump_write.h,
 * elfcore_write.h) take: an opened and fully checked stream
 * (dump/stream_read.h) prepared here, and a file they may pwrite anywhere
 * in; they return 0 or a negative named error / -errno and never print. */
#ifndef SALVAGE_DUMP_CONVERT_H
#define SALVAGE_DUMP_CONVERT_H
#include <stddef.h>
#include <stdint.h>
#include "notes.h"
#include "stream_read.h"

/* What both outputs take from the stream besides its pages. */
struct dump_convert_src {
	struct dump_stream_reader *r;
	unsigned char *notes;   /* the note blob to embed, VMCOREINFO included when the stream has it */
	size_t notes_len;
	struct dump_notes n;    /* parsed from notes */
	char utsname[DUMP_STREAM_UTSNAME_LEN];
	uint64_t crashtime;     /* INFO's, else VMCOREINFO's CRASHTIME */
	uint64_t phys_base;     /* INFO's, else VMCOREINFO's NUMBER(phys_base) */
};

/* docs/convert.md#notes, #kdump-header: the note blob (with a VMCOREINFO
 * note appended when only the VMCOREINFO record has it), utsname,
 * crashtime and phys_base. 0, -SALVAGE_E_NOTES_BAD, -ENOMEM. */
int dump_convert_prepare(struct dump_convert_src *c, struct dump_stream_reader *r);
void dump_convert_free(struct dump_convert_src *c);

/* Buffered pwrite() at an advancing offset; sticky error. */
struct dump_outbuf {
	int fd;
	int err;
	uint64_t off;           /* file offset of buf[0] */
	size_t len, cap;
	unsigned char *buf;
};
int dump_outbuf_init(struct dump_outbuf *o, int fd, uint64_t off, size_t cap);
void dump_outbuf_put(struct dump_outbuf *o, const void *p, size_t len);
/* Moves on n bytes without writing them (a hole that reads as zeros). */
void dump_outbuf_skip(struct dump_outbuf *o, uint64_t n);
/* Writes what is buffered and frees the buffer; returns o->err. */
int dump_outbuf_close(struct dump_outbuf *o);

#endif
