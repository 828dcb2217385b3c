/* A crash's signature from its log (docs/receiver.md#signature). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bearssl_hash.h>
#include "../lib/io.h"
#include "signature.h"

enum kind { NONE, BUG, WARN, PANIC };
enum phase { BEFORE, TRACE, DONE };

/* a report whose call trace has not begun this many lines after its
 * title has none (a register dump is about 20 lines) */
#define TRACE_WITHIN 80
#define PANIC_PREFIX "Kernel panic - not syncing: "

/* Lines that open a BUG-class report: the kernel's own wording. */
static const char *const bug_prefixes[] = {
	"BUG: ", "kernel BUG at ", "Oops", "general protection fault", "Unable to handle kernel ",
	"invalid opcode:", "divide error:", "Internal error:", "UBSAN: ", "INFO: task ", "INFO: rcu_",
};

/* Frames every report of its kind has: the printing, the panic and the
 * exception entry, not the bug's own code path. */
static const char *const generic_frames[] = {
	"dump_stack", "dump_stack_lvl", "show_stack", "show_regs", "show_trace_log_lvl", "panic", "vpanic",
	"nmi_panic", "__warn", "warn_slowpath_fmt", "warn_slowpath_null", "__warn_printk", "report_bug",
	"handle_bug", "exc_invalid_op", "asm_exc_invalid_op", "die", "__die", "__die_body", "die_body",
	"oops_end", "do_trap", "do_error_trap", "bust_spinlocks", "check_panic_on_warn", "page_fault_oops",
	"kernelmode_fixup_or_oops", "__bad_area_nosemaphore", "bad_area_nosemaphore", "do_user_addr_fault",
	"exc_page_fault", "asm_exc_page_fault", "exc_general_protection", "asm_exc_general_protection",
	"kasan_report", "print_report", "print_address_description", "ubsan_epilogue",
};
static const char *const generic_prefixes[] = { "__asan_", "__kasan_", "__ubsan_handle_", "__pfx_" };

/* Panics that follow a report rather than say what went wrong. */
static const char *const consequences[] = {
	"Fatal exception", "panic_on_warn", "panic_on_oops", "softlockup", "hung_task", "Hard LOCKUP",
	"hard LOCKUP", "Attempted to kill init", "Oops", "RCU Stall",
};

#define N(a) (sizeof a / sizeof a[0])

static int starts(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && !memcmp(s, p, k);
}

static int is_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
}

static int is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* The text of a log line without its time stamps and caller ids
 * ("[    8.43] ", "[  27.70] [    0.92] ", "[T1] ") and syslog level. */
static const char *strip_prefix(const char *s, size_t *n)
{
	for (;;) {
		size_t i = 0;
		if (*n >= 3 && s[0] == '<' && s[1] >= '0' && s[1] <= '9' && s[2] == '>') {
			s += 3, *n -= 3;
			continue;
		}
		if (!*n || s[0] != '[')
			break;
		for (i = 1; i < *n && ((s[i] >= '0' && s[i] <= '9') || s[i] == ' ' || s[i] == '.' || s[i] == 'T' ||
		                       s[i] == 'C'); i++)
			;
		if (i >= *n || s[i] != ']' || i == 1)
			break;
		i++;
		if (i < *n && s[i] == ' ')
			i++;
		s += i, *n -= i;
	}
	return s;
}

static int kind_of(const char *s, size_t n)
{
	if (starts(s, n, PANIC_PREFIX))
		return PANIC;
	if (starts(s, n, "WARNING: "))
		return WARN;
	/* "watchdog: BUG: soft lockup", "rcu: INFO: rcu_sched ..." */
	if (starts(s, n, "watchdog: "))
		s += 10, n -= 10;
	else if (starts(s, n, "rcu: "))
		s += 5, n -= 5;
	for (size_t i = 0; i < N(bug_prefixes); i++)
		if (starts(s, n, bug_prefixes[i]))
			return BUG;
	return NONE;
}

static int in_name(char ch)
{
	return is_alnum(ch) || ch == '.' || ch == '$';
}

/* Whether the name's run of in_name bytes ending at s[i] is followed by
 * a symbol offset, "+0x": no frame starts in a run that is not. */
static int offset_at(const char *s, size_t n, size_t i)
{
	return i + 3 <= n && s[i] == '+' && s[i + 1] == '0' && s[i + 2] == 'x';
}

/* A function name as a frame: "name+0x1a/0x20", suffixes the compiler
 * adds (.cold, .isra.0, .constprop.0, .part.0) dropped. Its length in
 * s (0: not a frame); the name into out. */
static size_t frame_name(const char *s, size_t n, char out[SERVER_SIG_FRAME])
{
	size_t i = 0, k = 0, dot = 0;

	while (i < n && in_name(s[i])) {
		if (s[i] == '.')
			dot = 1;
		if (!dot && k < SERVER_SIG_FRAME - 1)
			out[k++] = s[i];
		i++;
	}
	out[k] = 0;
	if (!k || !offset_at(s, n, i))
		return 0;
	for (i += 3; i < n && (is_hex(s[i]) || s[i] == '/' || s[i] == 'x'); i++)
		;
	return i;
}

static int generic(const char *f)
{
	for (size_t i = 0; i < N(generic_frames); i++)
		if (!strcmp(f, generic_frames[i]))
			return 1;
	for (size_t i = 0; i < N(generic_prefixes); i++)
		if (!strncmp(f, generic_prefixes[i], strlen(generic_prefixes[i])))
			return 1;
	return 0;
}

/* Appends to out (cap bytes) the word w of n bytes, normalized: symbol
 * offsets, 0x numbers, long hex words and numbers dropped, a source
 * file's line number kept. */
static void put_word(char *out, size_t cap, const char *w, size_t n)
{
	size_t len = strlen(out), start = len, i = 0, plain = 0;

	if (len && len + 1 < cap)
		out[len++] = ' ';
	while (i < n && len + 1 < cap) {
		size_t j = i;
		char name[SERVER_SIG_FRAME];
		if ((i == 0 || !is_alnum(w[i - 1])) && i >= plain) {
			if ((j = frame_name(w + i, n - i, name))) {
				for (size_t k = 0; name[k] && len + 1 < cap; k++)
					out[len++] = name[k];
				i += j;
				continue;
			}
			/* none starts in the rest of this run either: "a.b.c..."
			 * was read again from each dot, quadratic in a long word */
			for (j = i; j < n && in_name(w[j]); j++)
				;
			if (!offset_at(w, n, j))
				plain = j;
			j = i;
		}
		if (w[i] == '0' && i + 1 < n && (w[i + 1] == 'x' || w[i + 1] == 'X') && (i == 0 || !is_alnum(w[i - 1]))) {
			for (i += 2; i < n && is_hex(w[i]); i++)
				;
			continue;
		}
		if (is_hex(w[i]) && (i == 0 || !is_alnum(w[i - 1]))) {
			int digits = 0, line = 0;
			for (j = i; j < n && is_hex(w[j]); j++)
				digits += w[j] >= '0' && w[j] <= '9';
			/* "file.c:123": a line number stays */
			line = i >= 3 && w[i - 1] == ':' && (w[i - 3] == '.' || (i >= 4 && w[i - 4] == '.')) && digits == (int)(j - i);
			if (!line && ((j - i >= 8) || (digits == (int)(j - i)))) {
				i = j;
				continue;
			}
			while (i < j && len + 1 < cap)
				out[len++] = w[i++];
			continue;
		}
		out[len++] = w[i++];
	}
	out[len] = 0;
	/* a word that became nothing leaves no space behind */
	if (len == start + 1 && out[start] == ' ')
		out[start] = 0;
}

/* The title of a report line, normalized (docs/receiver.md#signature). */
static void title_of(const char *s, size_t n, char out[SERVER_SIG_TITLE])
{
	const char *end = s + n, *cut;
	int drop_next = 0, in_bracket = 0;

	out[0] = 0;
	/* "Oops: 0000 [#1] PREEMPT SMP PTI": the oops count and the kernel's
	 * configuration */
	if ((cut = memmem(s, n, "[#", 2)))
		end = cut;
	while (s < end) {
		const char *w = s;
		size_t k;
		while (w < end && *w == ' ')
			w++;
		for (s = w; s < end && *s != ' '; s++)
			;
		if (!(k = (size_t)(s - w)))
			break;
		if (in_bracket || w[0] == '[') {
			/* "[kworker/3:1:123]", "[ext4]" */
			in_bracket = w[k - 1] != ']';
			continue;
		}
		if (drop_next) {
			drop_next = 0;
			continue;
		}
		if ((k == 4 && (!memcmp(w, "CPU:", 4) || !memcmp(w, "PID:", 4) || !memcmp(w, "UID:", 4))) ||
		    (k == 5 && !memcmp(w, "Comm:", 5))) {
			drop_next = 1;
			continue;
		}
		if (k >= 4 && !memcmp(w, "CPU#", 4)) {
			/* "..., CPU#1: kworker/1:2/1234" */
			drop_next = w[k - 1] == ':';
			continue;
		}
		put_word(out, SERVER_SIG_TITLE, w, k);
		/* the comm name after these */
		drop_next = (k == 4 && !memcmp(w, "task", 4)) || (k == 7 && !memcmp(w, "process", 7)) ||
		            (k == 7 && !memcmp(w, "atomic:", 7));
	}
	for (size_t len = strlen(out); len && (out[len - 1] == ' ' || out[len - 1] == ','); len--)
		out[len - 1] = 0;
}

static void add_frame(struct server_sig_report *r, const char *f)
{
	if (generic(f) || r->nframes >= SERVER_SIG_FRAMES)
		return;
	/* the faulting function again, as the first frame of the trace */
	if (r->nframes && !strcmp(r->frame[r->nframes - 1], f))
		return;
	strcpy(r->frame[r->nframes++], f);
	if (r->nframes == SERVER_SIG_FRAMES)
		r->phase = DONE;
}

/* The report read so far goes to its place: the first BUG, the last
 * WARNING, the first panic (after which nothing counts). */
static void finish(struct server_sig_ctx *c)
{
	struct server_sig_report *r = &c->cur;

	if (r->kind == BUG && !c->bug.kind)
		c->bug = *r;
	else if (r->kind == WARN)
		c->warn = *r;
	else if (r->kind == PANIC && !c->panic.kind)
		c->panic = *r, c->panicked = 1;
	memset(r, 0, sizeof *r);
}

static void start(struct server_sig_ctx *c, int kind, const char *s, size_t n)
{
	struct server_sig_report *r = &c->cur;
	char name[SERVER_SIG_FRAME];

	/* "BUG: unable to handle page fault ...", then "Oops: ...": one report */
	if (kind == BUG && r->kind == BUG && r->phase == BEFORE)
		return;
	finish(c);
	if (c->panicked)
		return;
	r->kind = kind;
	if (starts(s, n, "watchdog: "))
		s += 10, n -= 10;
	else if (starts(s, n, "rcu: "))
		s += 5, n -= 5;
	title_of(s, n, r->title);
	/* "WARNING: CPU: 0 PID: 1 at file.c:10 func+0x1/0x2": the function */
	if (kind == WARN) {
		const char *at = memmem(s, n, " at ", 4);
		for (; at && at < s + n; at++)
			if (*at == ' ' && frame_name(at + 1, (size_t)(s + n - at - 1), name)) {
				strcpy(r->rip, name);
				break;
			}
	}
}

/* "RIP: 0010:func+0x1a/0x20" (x86, kernel mode), "pc : func+0x1a/0x20"
 * (arm64): the function the report stopped in. */
static void rip(struct server_sig_report *r, const char *s, size_t n)
{
	char name[SERVER_SIG_FRAME];

	if (starts(s, n, "RIP: 0010:"))
		s += 10, n -= 10;
	else if (starts(s, n, "pc : "))
		s += 5, n -= 5;
	else
		return;
	if (frame_name(s, n, name) && !r->rip[0])
		strcpy(r->rip, name);
}

static int marker(const char *s, size_t n)
{
	return n >= 3 && s[0] == '<' && s[n - 1] == '>';
}

/* A line of the call trace: a frame, an unreliable "? " one, a marker
 * (<TASK>, <IRQ>), or the end of the trace. */
static void trace_line(struct server_sig_report *r, const char *s, size_t n)
{
	char name[SERVER_SIG_FRAME];
	int unreliable = 0;

	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	if (marker(s, n))
		return;
	/* old kernels: " [<ffffffff81234567>] func+0x1a/0x20" */
	if (starts(s, n, "[<")) {
		const char *e = memchr(s, ']', n);
		if (!e)
			return;
		n -= (size_t)(e + 1 - s), s = e + 1;
		while (n && *s == ' ')
			s++, n--;
	}
	if (starts(s, n, "? "))
		unreliable = 1, s += 2, n -= 2;
	if (!frame_name(s, n, name)) {
		r->phase = DONE;
		return;
	}
	if (!unreliable) {
		if (r->rip[0] && !r->nframes)
			add_frame(r, r->rip);
		add_frame(r, name);
	}
}

void server_signature_init(struct server_sig_ctx *c)
{
	memset(c, 0, sizeof *c);
}

void server_signature_line(struct server_sig_ctx *c, const char *line, size_t n)
{
	struct server_sig_report *r = &c->cur;
	const char *s;
	int kind;

	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		n--;
	s = strip_prefix(line, &n);
	if (c->panicked)
		return;
	if ((kind = kind_of(s, n)))
		return start(c, kind, s, n);
	if (!r->kind || r->phase == DONE)
		return;
	if (r->phase == BEFORE) {
		const char *t = s;
		size_t m = n;
		while (m && *t == ' ')
			t++, m--;
		if (starts(t, m, "Call Trace:") || starts(t, m, "Call trace:"))
			r->phase = TRACE;
		else if (++r->lines > TRACE_WITHIN)
			r->phase = DONE;
		else
			rip(r, t, m);
		return;
	}
	trace_line(r, s, n);
	if (r->phase == DONE && r->kind == PANIC)
		finish(c);
}

static int consequence(const char *title)
{
	for (size_t i = 0; i < N(consequences); i++)
		if (strstr(title, consequences[i]))
			return 1;
	return 0;
}

/* The report that says what the crash was. */
static const struct server_sig_report *choose(const struct server_sig_ctx *c)
{
	if (c->panic.kind && consequence(c->panic.title)) {
		if (strstr(c->panic.title, "panic_on_warn") && c->warn.kind)
			return &c->warn;
		if (c->bug.kind)
			return &c->bug;
		return &c->panic;
	}
	if (c->panic.kind)
		return &c->panic;
	if (c->bug.kind)
		return &c->bug;
	return c->warn.kind ? &c->warn : NULL;
}

int server_signature_end(struct server_sig_ctx *c, struct server_signature *s)
{
	const struct server_sig_report *r;
	br_sha256_context h;
	unsigned char d[32];
	static const char hex[] = "0123456789abcdef";

	finish(c);
	memset(s, 0, sizeof *s);
	if (!(r = choose(c))) {
		strcpy(s->hash, "none");
		strcpy(s->title, "no panic, BUG, oops or WARNING in the log");
		return 0;
	}
	memcpy(s->title, r->title, sizeof s->title);
	/* a report with a faulting function but no trace: that function */
	if (!r->nframes && r->rip[0])
		strcpy(s->frame[s->nframes++], r->rip);
	for (unsigned i = 0; i < r->nframes && s->nframes < SERVER_SIG_FRAMES; i++)
		strcpy(s->frame[s->nframes++], r->frame[i]);
	br_sha256_init(&h);
	br_sha256_update(&h, s->title, strlen(s->title));
	for (unsigned i = 0; i < s->nframes; i++) {
		br_sha256_update(&h, "\n", 1);
		br_sha256_update(&h, s->frame[i], strlen(s->frame[i]));
	}
	br_sha256_out(&h, d);
	for (unsigned i = 0; i < SERVER_SIG_HASH; i++)
		s->hash[i] = hex[d[i / 2] >> (i % 2 ? 0 : 4) & 15];
	return 0;
}

char *server_signature_frames(const struct server_signature *s, char *out, size_t size)
{
	size_t len = 0;

	out[0] = 0;
	for (unsigned i = 0; i < s->nframes && len + 1 < size; i++) {
		int k = snprintf(out + len, size - len, "%s%s", i ? " " : "", s->frame[i]);
		len += k > 0 ? (size_t)k : 0;
	}
	return out;
}

int server_signature(const char *log, size_t len, struct server_signature *s)
{
	static struct server_sig_ctx c;
	const char *end = log + len;

	server_signature_init(&c);
	while (log < end) {
		const char *nl = memchr(log, '\n', (size_t)(end - log));
		size_t n = nl ? (size_t)(nl - log) : (size_t)(end - log);
		server_signature_line(&c, log, n);
		log += n + (nl != NULL);
	}
	return server_signature_end(&c, s);
}

int server_signature_file(int dirfd, const char *name, struct server_signature *s)
{
	static struct server_sig_ctx c;
	static char buf[1 << 16], line[1024];
	size_t n = 0;
	long got;
	int fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);

	struct stat st;

	if (fd < 0)
		return -errno;
	/* a FIFO or device planted there is no log */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	server_signature_init(&c);
	/* a line longer than line[] counts by its first bytes */
	while ((got = io_readall(fd, buf, sizeof buf)) > 0) {
		for (long i = 0; i < got; i++) {
			if (buf[i] == '\n') {
				server_signature_line(&c, line, n);
				n = 0;
			} else if (n < sizeof line) {
				line[n++] = buf[i];
			}
		}
		if ((size_t)got < sizeof buf)
			break;
	}
	close(fd);
	if (got < 0)
		return (int)got;
	if (n)
		server_signature_line(&c, line, n);
	return server_signature_end(&c, s);
}
