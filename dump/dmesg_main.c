/* salvage dmesg (its usage: CMD below)
 *
 * Prints the crashed kernel's log from a dump, line for line as
 * makedumpfile --dump-dmesg does (docs/formats.md#printk-ring); --caller
 * adds the caller after the time, as makedumpfile 1.7.5 and later do.
 * DUMP is an ELF vmcore, a salvage stream or a kdump-compressed file,
 * told apart by its magic. The log is read from the dump's memory; when
 * that fails, a stream's DMESG record (the log its writer saved as text)
 * is printed instead. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "../lib/cmd.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "dmesg.h"
#include "elf.h"
#include "kdump.h"
#include "mem.h"
#include "notes.h"
#include "stream.h"
#include "stream_read.h"

CMD(dmesg, "[--caller] DUMP",
    "the crashed kernel's log from a vmcore, stream or kdump file");

#define NOTES_MAX (512u << 10)

/* An open dump, whatever the file's kind: its VMCOREINFO and memory. */
struct source {
	struct dump_vmcoreinfo vi;
	struct dump_mem mem;
	const char *saved;      /* the log as text, if the file carries it */
	size_t saved_len;
	void (*close)(struct source *s);
	struct dump_elf elf;
	struct dump_stream_reader stream;
	struct dump_kdump kdump;
};

static void close_elf(struct source *s)
{
	dump_elf_close(&s->elf);
}

static int open_elf(struct source *s, int fd)
{
	static unsigned char notes[NOTES_MAX];
	struct dump_notes n;
	long len;
	int r;

	if ((r = dump_elf_open(&s->elf, fd)))
		return r;
	s->close = close_elf;
	if ((len = dump_elf_read_notes(&s->elf, notes, sizeof notes)) < 0)
		return (int)len;
	if ((r = dump_notes_parse(&n, notes, (size_t)len)))
		return r;
	s->vi = (struct dump_vmcoreinfo){ n.vmcoreinfo, n.vmcoreinfo_len };
	s->mem.read_phys = dump_elf_read_phys;
	s->mem.ctx = &s->elf;
	return 0;
}

static void close_stream(struct source *s)
{
	dump_stream_close(&s->stream);
}

static int open_stream(struct source *s, int fd)
{
	struct dump_stream_reader *r = &s->stream;
	int e;

	s->close = close_stream;
	if ((e = dump_stream_open(r, fd)))
		return e;
	s->vi = (struct dump_vmcoreinfo){ r->vmcoreinfo, r->vmcoreinfo_len };
	s->saved = r->dmesg;
	s->saved_len = r->dmesg_len;
	s->mem.read_phys = dump_stream_read_phys;
	s->mem.ctx = r;
	return 0;
}

static void close_kdump(struct source *s)
{
	dump_kdump_close(&s->kdump);
}

static int open_kdump(struct source *s, int fd)
{
	struct dump_kdump *k = &s->kdump;
	int e;

	s->close = close_kdump;
	if ((e = dump_kdump_open(k, fd)))
		return e;
	s->vi = (struct dump_vmcoreinfo){ k->vmcoreinfo, k->vmcoreinfo_len };
	s->mem.read_phys = dump_kdump_read_phys;
	s->mem.ctx = k;
	return 0;
}

/* The kinds of dump, by the magic at offset 0. A kind without a reader
 * has open NULL. */
static const struct {
	const char *magic;
	size_t len;
	const char *name;
	int (*open)(struct source *s, int fd);
} kinds[] = {
	{ "\177ELF", 4, "ELF vmcore", open_elf },
	{ DUMP_STREAM_MAGIC, DUMP_STREAM_MAGIC_LEN, "salvage stream", open_stream },
	{ DUMP_KDUMP_SIGNATURE, 8, "kdump-compressed file", open_kdump },
};

/* Opens fd as whichever kind of dump it is: 0, -SALVAGE_E_DUMP_UNKNOWN,
 * -ENOTSUP (a kind salvage cannot read yet), or the reader's error. */
static int open_source(struct source *s, int fd, const char **kind)
{
	unsigned char magic[8];
	long n = io_preadall(fd, magic, sizeof magic, 0);

	if (n < 0)
		return (int)n;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if ((size_t)n < kinds[i].len || memcmp(magic, kinds[i].magic, kinds[i].len))
			continue;
		*kind = kinds[i].name;
		return kinds[i].open ? kinds[i].open(s, fd) : -ENOTSUP;
	}
	return -SALVAGE_E_DUMP_UNKNOWN;
}

/* stdout, in 64 KiB writes */
struct writer {
	size_t len;
	uint64_t total;         /* bytes emitted */
	int err;
	char buf[64 << 10];
};

static int flush(struct writer *w)
{
	if (w->len && !w->err)
		w->err = io_writeall(1, w->buf, w->len);
	w->len = 0;
	return w->err;
}

static int emit(void *ctx, const char *line, size_t len)
{
	struct writer *w = ctx;

	w->total += len;
	if (len > sizeof w->buf - w->len && flush(w))
		return w->err;
	if (len > sizeof w->buf)
		return w->err = io_writeall(1, line, len);
	memcpy(w->buf + w->len, line, len);
	w->len += len;
	return 0;
}

/* Before 5.10 the log was a plain log_buf, which salvage does not read. */
static int old_kernel(const struct dump_vmcoreinfo *vi)
{
	size_t len;

	return vi->text && !dump_vmcoreinfo_get(vi, "SYMBOL(prb)", &len) &&
	       dump_vmcoreinfo_get(vi, "SYMBOL(log_buf)", &len);
}

/* The log of an open source to stdout; 0 or an error already logged. */
static int print_log(struct source *s, const char *path, unsigned flags)
{
	static struct writer w;
	int r = -SALVAGE_E_VMCOREINFO_MISSING;

	s->mem.info = &s->vi;
	if (s->vi.text && !(r = dump_mem_setup(&s->mem)))
		r = dump_dmesg_flags(&s->mem, flags, emit, &w);
	if (r && !w.err && !w.total && s->saved) {
		log_warn("dmesg ", path, ": ", err_text(r), "; printing the log saved in the dump");
		emit(&w, s->saved, s->saved_len);
		r = 0;
	}
	flush(&w);
	if (w.err)
		log_err("dmesg: writing the log: ", err_text(w.err));
	else if (r && old_kernel(&s->vi))
		log_err("dmesg ", path, ": the kernel predates the lockless printk ring (5.10); its log_buf is not read");
	else if (r)
		log_err("dmesg ", path, ": ", err_text(r));
	return w.err ? w.err : r;
}

static int dmesg_main(int argc, char **argv)
{
	static struct source s;
	const char *kind = "dump";
	unsigned flags = 0;
	int fd, r;

	if (argc == 3 && !strcmp(argv[1], "--caller")) {
		flags |= DUMP_DMESG_CALLER;
		argv++;
		argc--;
	}
	if (argc != 2 || argv[1][0] == '-')
		return cmd_usage(&dmesg_cmd);
	if ((fd = open(argv[1], O_RDONLY | O_CLOEXEC)) < 0) {
		log_err("dmesg ", argv[1], ": ", err_text(-errno));
		return 111;
	}
	r = open_source(&s, fd, &kind);
	if (r == -ENOTSUP)
		log_err("dmesg ", argv[1], ": reading a ", kind, " is not supported yet");
	else if (r)
		log_err("dmesg ", argv[1], " (", kind, "): ", err_text(r));
	else
		r = print_log(&s, argv[1], flags);
	if (s.close)
		s.close(&s);
	close(fd);
	return r ? 111 : 0;
}
