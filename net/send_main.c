/* salvage send (its usage: CMD below)
 *
 * Sends a saved salvage stream (for example one collected from a local
 * disk after the reboot) to a receiver, with the crash kernel's protocol:
 * pinned keys, resume after a broken connection, verified totals
 * (docs/protocol.md). A send that was cut off can simply be run again: it
 * resumes where the receiver stands. --window keeps the last SIZE bytes
 * sent (K, M, G; 0 none, the default) so a cut is mended without reading
 * the stream again; --note sends TEXT as the finish note (salvage.meta's
 * note=). With --vmcore, STREAM is an ELF vmcore captured at dump level
 * LEVEL as the crash kernel does, again after a cut the window does not
 * cover: what bench/window.sh measures. Exit 0 when the receiver has stored
 * and verified the dump, 100 for a usage error, 111 otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../dump/capture.h"
#include "../dump/stream_read.h"
#include "../lib/cmd.h"
#include "../lib/conf.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "send.h"

CMD(send, "--server HOST:PORT --server-key FILE --client-key FILE "
          "[--retry-for SECONDS] [--window SIZE] [--note TEXT] [--vmcore LEVEL] STREAM",
    "send a saved stream to a receiver");

struct file_src {
	int fd;
	unsigned char buf[1 << 20];
};

/* net_producer: the file from its first byte. */
static int produce_file(void *ctx, int (*write)(void *, const void *, size_t), void *wctx)
{
	struct file_src *f = ctx;
	off_t off = 0;
	long n;
	int e;

	while ((n = io_preadall(f->fd, f->buf, sizeof f->buf, off)) > 0) {
		if ((e = write(wctx, f->buf, (size_t)n)))
			return e;
		off += n;
	}
	return n < 0 ? (int)n : 0;
}

/* net_producer: the capture of an ELF vmcore, from its first byte. */
static int produce_capture(void *ctx, int (*write)(void *, const void *, size_t), void *wctx)
{
	return dump_capture_run(ctx, write, wctx);
}

static size_t note(void *ctx, char *line, size_t cap)
{
	size_t n = strlen(ctx);

	n = n < cap ? n : cap;
	memcpy(line, ctx, n);
	return n;
}

/* The window, as the crash kernel's: anonymous memory, touched only as
 * the stream fills it. */
static int window(struct net_send_conf *c, uint64_t len)
{
	void *p;

	if (!len)
		return 0;
	if (len > SIZE_MAX || (p = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
	    == MAP_FAILED)
		return -ENOMEM;
	c->window = p;
	c->window_len = (size_t)len;
	return 0;
}

static struct net_send s;
static struct net_key key;
static struct file_src src;
static struct dump_capture cap;

/* The dump id, HELLO's lines and the size hint of STREAM, checked whole
 * (a saved stream) or read from its headers (a vmcore, opened for the
 * capture). */
static int describe(struct net_send_conf *c, char *meta, size_t cap_meta, int level)
{
	struct dump_stream_reader r;
	int e;

	if (level >= 0) {
		if ((e = dump_capture_open(&cap, src.fd, level)))
			return e;
		dump_capture_report(&cap, level);
		net_dump_id(c->dump_id, cap.vi.text, cap.vi.len);
		c->meta_len = net_send_meta(meta, cap_meta, cap.utsname, cap.vi.text, cap.vi.len, "salvage send");
		return 0;
	}
	/* the whole stream is checked before anything is sent; its VMCOREINFO
	 * names the crash (the dump id, the same as the live capture's) */
	if ((e = dump_stream_open(&r, src.fd)))
		return e;
	net_dump_id(c->dump_id, r.vmcoreinfo ? r.vmcoreinfo : "", r.vmcoreinfo_len);
	c->meta_len = net_send_meta(meta, cap_meta, r.utsname, r.vmcoreinfo, r.vmcoreinfo_len, "salvage send");
	c->size_hint = r.size;
	dump_stream_close(&r);
	return 0;
}

static int send_main(int argc, char **argv)
{
	const char *server = NULL, *server_key = NULL, *client_key = NULL, *path = NULL;
	unsigned char pin[1][NET_FP_LEN];
	struct net_send_conf c = { .timeout_ms = 15000, .retry_for_s = 300, .backoff_ms = 500 };
	char meta[512];
	uint64_t wlen = 0;
	int e, i, level = -1;
	char *end;

	for (i = 1; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "--server"))
			server = argv[i + 1];
		else if (!strcmp(argv[i], "--server-key"))
			server_key = argv[i + 1];
		else if (!strcmp(argv[i], "--client-key"))
			client_key = argv[i + 1];
		else if (!strcmp(argv[i], "--retry-for"))
			c.retry_for_s = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--window") && !conf_size(argv[i + 1], &wlen))
			;
		else if (!strcmp(argv[i], "--note"))
			c.note = note, c.note_ctx = argv[i + 1];
		else if (!strcmp(argv[i], "--vmcore") && (level = (int)strtol(argv[i + 1], &end, 10)) >= 0 &&
		         level <= 31 && !*end && end != argv[i + 1])
			;
		else
			return log_err("send: unknown option ", argv[i]), cmd_usage(&send_cmd);
	}
	if (i + 1 != argc || !server || !server_key || !client_key)
		return cmd_usage(&send_cmd);
	path = argv[i];
	if ((e = window(&c, wlen)))
		return log_err("send: a window of ", U64(wlen), " bytes: ", err_text(e)), 111;
	if ((e = net_pub_load(pin[0], server_key)))
		return log_err("send: ", server_key, ": ", err_name(e), ": ", err_text(e)), 111;
	if ((e = net_key_load(&key, client_key)))
		return log_err("send: ", client_key, ": ", err_name(e), ": ", err_text(e)), 111;
	if ((src.fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return log_err("send: ", path, ": ", err_text(-errno)), 111;
	if ((e = describe(&c, meta, sizeof meta, level)))
		return log_err("send: ", path, ": ", err_name(e), ": ", err_text(e)), 111;
	c.meta = meta;
	c.server = server;
	c.key = &key;
	c.pins = (const unsigned char (*)[NET_FP_LEN])pin;
	c.npins = 1;
	e = level >= 0 ? net_send_run(&s, &c, produce_capture, &cap) : net_send_run(&s, &c, produce_file, &src);
	close(src.fd);
	if (e)
		return log_err("send: ", path, " to ", server, ": ", err_name(e), ": ", err_text(e)), 111;
	log_info("send: ", path, ": stored by ", server, " (", U64(s.total), " bytes, ",
	         U64(s.connections), s.connections == 1 ? " connection)" : " connections)");
	log_info("send: ", U64(s.window_resumes), " resumes from the window (", U64(s.window_resent),
	         " bytes sent again), ", U64(s.regenerations), " regenerations");
	return 0;
}
