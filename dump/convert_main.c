/* salvage convert (its usage: CMD below)
 *
 * Turns a salvage stream IN (docs/stream-format.md) into a standard file
 * OUT that crash, makedumpfile, libkdumpfile and drgn open
 * (docs/convert.md): kdump-compressed with per-page zlib (the default) or
 * raw pages (--codec none), or an ELF64 core (--elf). The whole stream is
 * checked first; OUT appears only when complete (written as OUT.partial,
 * fsync'd, renamed). Exit 0, 100 for a usage error, 111 for a failure. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../lib/cmd.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "convert.h"
#include "elfcore_write.h"
#include "kdump_write.h"
#include "stream_read.h"

CMD(convert, "[--codec zlib|none] [--elf] IN OUT",
    "salvage stream to a kdump-compressed (or ELF) file");

struct opts {
	enum dump_codec codec;
	int codec_set, elf;
	const char *in, *out;
};

static int parse(struct opts *o, int argc, char **argv)
{
	int i = 1;

	memset(o, 0, sizeof *o);
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--elf")) {
			o->elf = 1;
		} else if (!strcmp(argv[i], "--codec") && i + 1 < argc) {
			const char *c = argv[++i];
			if (strcmp(c, "zlib") && strcmp(c, "none"))
				return log_err("convert: unknown codec ", c, " (zlib or none)"), -1;
			o->codec = strcmp(c, "none") ? DUMP_CODEC_ZLIB : DUMP_CODEC_NONE;
			o->codec_set = 1;
		} else {
			return log_err("convert: unknown option ", argv[i]), cmd_usage(&convert_cmd), -1;
		}
	}
	if (argc - i != 2)
		return cmd_usage(&convert_cmd), -1;
	if (o->elf && o->codec_set && o->codec != DUMP_CODEC_NONE)
		return log_err("convert: ELF output has no page compression (--codec none or no --codec)"), -1;
	o->in = argv[i];
	o->out = argv[i + 1];
	return 0;
}

/* One line naming the error and where in the stream it is. */
static void stream_error(const char *in, const struct dump_stream_reader *r, int e)
{
	const char *what = r->err_type ? dump_stream_type_name(r->err_type)
	                 : r->err_offset ? "end of stream" : "header";

	if (e > -SALVAGE_E_BASE)
		log_err("convert: ", in, ": ", err_name(e), ": ", err_text(e));
	else
		log_err("convert: ", in, ": ", err_name(e), " at record ", U64(r->err_record),
		        " (", what, "), offset ", U64(r->err_offset), ": ", err_text(e));
}

static int write_out(const struct opts *o, const struct dump_convert_src *c, const char *partial)
{
	/* 0600: a memory dump holds every secret the machine had */
	int fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), e;

	if (fd < 0)
		return -errno;
	e = o->elf ? dump_elfcore_write(c, fd) : dump_kdump_write(c, fd, o->codec);
	return io_commit(AT_FDCWD, fd, e, partial, o->out);
}

static void report(const struct opts *o, const struct dump_stream_reader *r)
{
	log_info("converted ", o->in, " to ", o->out,
	         o->elf ? " (ELF): " : o->codec == DUMP_CODEC_NONE ? " (kdump, raw pages): "
	                                                           : " (kdump, zlib): ",
	         U64(r->count[DUMP_CLASS_KEPT]), " pages kept, ",
	         U64(r->count[DUMP_CLASS_ZERO]), " zero");
}

static int convert_main(int argc, char **argv)
{
	struct opts o;
	struct dump_stream_reader r;
	struct dump_convert_src c = { 0 };
	char *partial;
	int fd, e;

	if (parse(&o, argc, argv))
		return 100;
	if ((fd = open(o.in, O_RDONLY | O_CLOEXEC)) < 0) {
		log_err("convert: ", o.in, ": ", err_text(-errno));
		return 111;
	}
	if (!(partial = malloc(strlen(o.out) + sizeof ".partial"))) {
		close(fd);
		return 111;
	}
	strcpy(partial, o.out);
	strcat(partial, ".partial");
	e = dump_stream_open(&r, fd);
	if (!e && (e = dump_convert_prepare(&c, &r)))
		log_err("convert: ", o.in, ": notes: ", err_name(e), ": ", err_text(e));
	else if (e)
		stream_error(o.in, &r, e);
	if (!e && (e = write_out(&o, &c, partial))) {
		if (e <= -SALVAGE_E_BASE)
			stream_error(o.in, &r, e);
		else
			log_err("convert: writing ", partial, ": ", err_name(e), ": ", err_text(e));
		unlink(partial);
	}
	if (!e)
		report(&o, &r);
	dump_convert_free(&c);
	dump_stream_close(&r);
	close(fd);
	free(partial);
	return e ? 111 : 0;
}
