/* A crash's signature from the crashed kernel's log (docs/receiver.md#signature):
 * the report that says what went wrong (a BUG or oops line, else the panic
 * line, a WARNING when panic_on_warn turned it into the crash) and the top
 * frames of its call trace, with everything that differs between two
 * machines hitting the same bug taken out: timestamps, addresses, offsets,
 * PIDs, CPU numbers, taint flags, comm names, hex. The same bug on two
 * machines (same kernel) gives the same hash.
 *
 * No heap: the caller holds the context; the log is fed a line at a time,
 * so a log of any size is read through a fixed buffer. */
#ifndef SALVAGE_SERVER_SIGNATURE_H
#define SALVAGE_SERVER_SIGNATURE_H
#include <stddef.h>

#define SERVER_SIG_HASH 12        /* hex digits of SHA-256 kept */
#define SERVER_SIG_TITLE 128      /* normalized title, with NUL */
#define SERVER_SIG_FRAMES 5       /* frames kept */
#define SERVER_SIG_FRAME 64       /* one function name, with NUL */

struct server_signature {
	char hash[SERVER_SIG_HASH + 1];      /* "none" when the log has no report */
	char title[SERVER_SIG_TITLE];
	char frame[SERVER_SIG_FRAMES][SERVER_SIG_FRAME];
	unsigned nframes;
};

/* One report seen in the log: its kind, title and frames. */
struct server_sig_report {
	int kind;                            /* 0: none yet */
	int phase;                           /* before the trace, in it, done */
	unsigned lines;                      /* since the title */
	char title[SERVER_SIG_TITLE];
	char frame[SERVER_SIG_FRAMES + 1][SERVER_SIG_FRAME];
	unsigned nframes;
	char rip[SERVER_SIG_FRAME];          /* the faulting function (RIP:, pc :) */
};

struct server_sig_ctx {
	struct server_sig_report bug;        /* the first BUG, oops or fault */
	struct server_sig_report warn;       /* the last WARNING before the panic */
	struct server_sig_report panic;      /* the first panic */
	struct server_sig_report cur;        /* being read */
	int panicked;                        /* the first panic is read: later lines do not count */
};

void server_signature_init(struct server_sig_ctx *c);
/* One line of the log (without its newline; a prefix of it when long). */
void server_signature_line(struct server_sig_ctx *c, const char *line, size_t n);
/* The signature of the lines fed; a log with no panic, BUG, oops or
 * WARNING has hash "none", a title that says so and no frames. 0. */
int server_signature_end(struct server_sig_ctx *c, struct server_signature *s);
/* The frames as one line, space separated, into out (size bytes, cut
 * there); returns out. */
char *server_signature_frames(const struct server_signature *s, char *out, size_t size);
/* The whole log in memory. */
int server_signature(const char *log, size_t len, struct server_signature *s);
/* The log in the file name under dirfd, read through a fixed buffer: 0,
 * or -errno when it cannot be read (-ENOENT: there is none). */
int server_signature_file(int dirfd, const char *name, struct server_signature *s);

#endif
