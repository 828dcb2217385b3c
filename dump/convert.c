/* What the kdump and ELF writers share: the note blob, utsname and crash
 * time to embed (docs/convert.md#notes), and a buffered pwrite(). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/le.h"
#include "convert.h"
#include "vmcoreinfo.h"

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* blob + a "VMCOREINFO" note of type 0 whose descriptor is the text
 * (Elf64_Nhdr: namesz, descsz, type; name and desc padded to 4). */
static int append_vmcoreinfo(struct dump_convert_src *c, const char *text, size_t len)
{
	size_t at = pad4(c->notes_len), total = at + 12 + 12 + pad4(len);
	unsigned char *p = realloc(c->notes, total);

	if (!p)
		return -ENOMEM;
	memset(p + c->notes_len, 0, total - c->notes_len);
	le32_put(p + at, 11);
	le32_put(p + at + 4, (uint32_t)len);
	le32_put(p + at + 8, 0);
	memcpy(p + at + 12, "VMCOREINFO", 11);
	memcpy(p + at + 24, text, len);
	c->notes = p;
	c->notes_len = total;
	return 0;
}

static void make_utsname(struct dump_convert_src *c, const struct dump_vmcoreinfo *vi)
{
	/* struct new_utsname: six 65-byte fields */
	if (c->r->utsname) {
		memcpy(c->utsname, c->r->utsname, DUMP_STREAM_UTSNAME_LEN);
		return;
	}
	memcpy(c->utsname, "Linux", 6);
	dump_vmcoreinfo_str(vi, "OSRELEASE", c->utsname + 2 * 65, 65);
	memcpy(c->utsname + 4 * 65, "x86_64", 7);
}

int dump_convert_prepare(struct dump_convert_src *c, struct dump_stream_reader *r)
{
	struct dump_vmcoreinfo vi = { r->vmcoreinfo, r->vmcoreinfo_len };
	int e;

	memset(c, 0, sizeof *c);
	c->r = r;
	if (!(c->notes = malloc(r->notes_len ? r->notes_len : 1)))
		return -ENOMEM;
	if (r->notes_len)
		memcpy(c->notes, r->notes, r->notes_len);
	c->notes_len = r->notes_len;
	if ((e = dump_notes_parse(&c->n, c->notes, c->notes_len)))
		return e;
	if (!c->n.vmcoreinfo && r->vmcoreinfo_len) {
		if ((e = append_vmcoreinfo(c, r->vmcoreinfo, r->vmcoreinfo_len)) ||
		    (e = dump_notes_parse(&c->n, c->notes, c->notes_len)))
			return e;
	}
	if (!vi.text && c->n.vmcoreinfo) {
		vi.text = c->n.vmcoreinfo;
		vi.len = c->n.vmcoreinfo_len;
	}
	make_utsname(c, &vi);
	/* A stream writer that left them 0 may not have known them: the
	 * crashed kernel wrote both into VMCOREINFO. */
	c->crashtime = r->crashtime ? r->crashtime
	                            : (uint64_t)dump_vmcoreinfo_num_or(&vi, "CRASHTIME", 0);
	c->phys_base = r->phys_base ? r->phys_base
	                            : (uint64_t)dump_vmcoreinfo_num_or(&vi, "NUMBER(phys_base)", 0);
	return 0;
}

void dump_convert_free(struct dump_convert_src *c)
{
	free(c->notes);
	c->notes = NULL;
}

int dump_outbuf_init(struct dump_outbuf *o, int fd, uint64_t off, size_t cap)
{
	memset(o, 0, sizeof *o);
	o->fd = fd;
	o->off = off;
	o->cap = cap;
	if (!(o->buf = malloc(cap)))
		o->err = -ENOMEM;
	return o->err;
}

static void flush(struct dump_outbuf *o)
{
	int e;

	if (!o->err && o->len && (e = io_pwriteall(o->fd, o->buf, o->len, (off_t)o->off)))
		o->err = e;
	o->off += o->len;
	o->len = 0;
}

void dump_outbuf_put(struct dump_outbuf *o, const void *p, size_t len)
{
	const unsigned char *s = p;

	while (len && !o->err) {
		size_t n = o->cap - o->len < len ? o->cap - o->len : len;
		memcpy(o->buf + o->len, s, n);
		o->len += n;
		s += n;
		len -= n;
		if (o->len == o->cap)
			flush(o);
	}
}

void dump_outbuf_skip(struct dump_outbuf *o, uint64_t n)
{
	flush(o);
	o->off += n;
}

int dump_outbuf_close(struct dump_outbuf *o)
{
	flush(o);
	free(o->buf);
	o->buf = NULL;
	return o->err;
}
