#include <errno.h>
#include <string.h>
#include "conf.h"
#include "err.h"
#include "io.h"

static int copy(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size)
		return -SALVAGE_E_CONF_TOO_LONG;
	memcpy(dst, src, n);
	dst[n] = 0;
	return 0;
}

int conf_target_parse(struct target *t, const char *s)
{
	struct target n = { 0 };
	const char *sep;
	int r;

	if (!strncmp(s, "raw:", 4)) {
		n.kind = TARGET_RAW;
		if (s[4] != '/')
			return -SALVAGE_E_TARGET_SYNTAX;
		r = copy(n.dev, sizeof n.dev, s + 4, strlen(s + 4));
	} else if (!strncmp(s, "fs:", 3)) {
		n.kind = TARGET_FS;
		s += 3;
		/* The directory is what follows the last ":/"; a label may
		 * itself hold a colon. */
		sep = NULL;
		for (const char *p = s; (p = strstr(p, ":/")); p++)
			sep = p;
		if (!sep)
			sep = s + strlen(s);
		if (sep == s || (strncmp(s, "LABEL=", 6) && strncmp(s, "UUID=", 5) && *s != '/'))
			return -SALVAGE_E_TARGET_SYNTAX;
		if ((!strncmp(s, "LABEL=", 6) && sep == s + 6) || (!strncmp(s, "UUID=", 5) && sep == s + 5))
			return -SALVAGE_E_TARGET_SYNTAX;
		r = copy(n.dev, sizeof n.dev, s, (size_t)(sep - s));
		if (!r)
			r = *sep ? copy(n.dir, sizeof n.dir, sep + 1, strlen(sep + 1))
			         : copy(n.dir, sizeof n.dir, "/", 1);
	} else if (!strncmp(s, "tls://", 6)) {
		const char *port = strrchr(s + 6, ':');
		n.kind = TARGET_TLS;
		if (!port || port == s + 6 || !port[1] || strspn(port + 1, "0123456789") != strlen(port + 1))
			return -SALVAGE_E_TARGET_SYNTAX;
		r = copy(n.dev, sizeof n.dev, s + 6, strlen(s + 6));
	} else {
		return -SALVAGE_E_TARGET_SYNTAX;
	}
	if (r)
		return r;
	*t = n;
	return 0;
}

static int set_target(struct salvage_conf *c, const char *v)
{
	return conf_target_parse(&c->target, v);
}

static int set_fallback(struct salvage_conf *c, const char *v)
{
	if (!strcmp(v, "none")) {
		c->fallback.kind = TARGET_NONE;
		return 0;
	}
	return conf_target_parse(&c->fallback, v);
}

static int set_net(struct salvage_conf *c, const char *v)
{
	return copy(c->net, sizeof c->net, v, strlen(v));
}

static int set_server_key(struct salvage_conf *c, const char *v)
{
	return copy(c->server_key, sizeof c->server_key, v, strlen(v));
}

static int set_client_key(struct salvage_conf *c, const char *v)
{
	return copy(c->client_key, sizeof c->client_key, v, strlen(v));
}

static int set_final(struct salvage_conf *c, const char *v)
{
	static const char *const names[] = {
		[FINAL_REBOOT] = "reboot", [FINAL_POWEROFF] = "poweroff",
		[FINAL_HALT] = "halt", [FINAL_SHELL] = "shell",
	};

	for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
		if (!strcmp(v, names[i])) {
			c->final_action = i;
			return 0;
		}
	return -SALVAGE_E_CONF_BAD_VALUE;
}

int conf_number(const char *v, unsigned long max, unsigned long *out)
{
	unsigned long n = 0;

	if (!*v)
		return -SALVAGE_E_CONF_BAD_VALUE;
	for (; *v; v++) {
		if (*v < '0' || *v > '9' || n > max)
			return -SALVAGE_E_CONF_BAD_VALUE;
		n = n * 10 + (unsigned long)(*v - '0');
	}
	if (n > max)
		return -SALVAGE_E_CONF_BAD_VALUE;
	*out = n;
	return 0;
}

int conf_size(const char *v, uint64_t *out)
{
	uint64_t n = 0;
	int shift = 0;

	if (*v < '0' || *v > '9')
		return -SALVAGE_E_CONF_BAD_VALUE;
	for (; *v >= '0' && *v <= '9'; v++) {
		unsigned d = (unsigned)(*v - '0');
		if (n > (~0ull - d) / 10)
			return -SALVAGE_E_CONF_BAD_VALUE;
		n = n * 10 + d;
	}
	switch (*v) {
	case 'k': case 'K': shift = 10, v++; break;
	case 'm': case 'M': shift = 20, v++; break;
	case 'g': case 'G': shift = 30, v++; break;
	}
	if (*v || n > (~0ull >> shift))
		return -SALVAGE_E_CONF_BAD_VALUE;
	*out = n << shift;
	return 0;
}

/* A number of seconds, up to a day. */
static int seconds(const char *v, unsigned *out)
{
	unsigned long n;
	int r = conf_number(v, 86400, &n);

	if (!r)
		*out = (unsigned)n;
	return r;
}

static int set_device_timeout(struct salvage_conf *c, const char *v)
{
	return seconds(v, &c->device_timeout);
}

static int set_net_timeout(struct salvage_conf *c, const char *v)
{
	return seconds(v, &c->net_timeout);
}

static int set_net_retry(struct salvage_conf *c, const char *v)
{
	return seconds(v, &c->net_retry);
}

static int set_resume_window(struct salvage_conf *c, const char *v)
{
	uint64_t n;
	int r = conf_size(v, &n);

	if (!r && n > (uint64_t)1 << 40)
		r = -SALVAGE_E_CONF_BAD_VALUE;
	if (!r)
		c->resume_window = n;
	return r;
}

static int set_dump_level(struct salvage_conf *c, const char *v)
{
	unsigned long n;
	int r = conf_number(v, 31, &n);

	if (!r)
		c->dump_level = (int)n;
	return r;
}

static int set_crash_cpus(struct salvage_conf *c, const char *v)
{
	unsigned long n;
	int r = conf_number(v, 8, &n);

	if (!r && !n)
		r = -SALVAGE_E_CONF_BAD_VALUE;
	if (!r)
		c->crash_cpus = (unsigned)n;
	return r;
}

static int set_format(struct salvage_conf *c, const char *v)
{
	if (!strcmp(v, "stream"))
		c->format = DUMP_FORMAT_STREAM;
	else if (!strcmp(v, "elf"))
		c->format = DUMP_FORMAT_ELF;
	else
		return -SALVAGE_E_CONF_BAD_VALUE;
	return 0;
}

static int set_swap(struct salvage_conf *c, const char *v)
{
	static const char *const names[] = { [SWAP_AUTO] = "auto", [SWAP_ON] = "on", [SWAP_OFF] = "off" };

	for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
		if (!strcmp(v, names[i])) {
			c->swap = i;
			return 0;
		}
	return -SALVAGE_E_CONF_BAD_VALUE;
}

/* one:N or both:N, N per mille (0-1000); stall:N, N requests */
static int set_swap_corrupt(struct salvage_conf *c, const char *v)
{
	unsigned long n;
	int both = !strncmp(v, "both:", 5), r;

	if (!strncmp(v, "stall:", 6)) {
		if ((r = conf_number(v + 6, 999999999, &n)))
			return r;
		c->swap_stall = (unsigned)n;
		return 0;
	}
	if (!both && strncmp(v, "one:", 4))
		return -SALVAGE_E_CONF_BAD_VALUE;
	if ((r = conf_number(v + (both ? 5 : 4), 1000, &n)))
		return r;
	c->swap_corrupt = (unsigned)n;
	c->swap_corrupt_both = both;
	return 0;
}

static int set_swap_test_elf(struct salvage_conf *c, const char *v)
{
	if (*v != '/')
		return -SALVAGE_E_CONF_BAD_VALUE;
	return copy(c->swap_test_elf, sizeof c->swap_test_elf, v, strlen(v));
}

static const struct {
	const char *key;
	int (*set)(struct salvage_conf *, const char *);
	const char *help;
} keys[] = {
	{ "target", set_target,
	  "where the dump goes: raw:/dev/X, fs:LABEL=NAME:/dir, fs:UUID=U:/dir, tls://HOST:PORT" },
	{ "fallback", set_fallback,
	  "a second target (raw: or fs:) used when the first fails, or none (default)" },
	{ "net", set_net,
	  "the interface for tls://: IFACE:dhcp or IFACE:ADDR/PREFIX[,GW] (IFACE a name or MAC); default: the kernel's ip=" },
	{ "server-key", set_server_key,
	  "the receiver's public key file, pinned (default /etc/salvage/server.pub)" },
	{ "client-key", set_client_key,
	  "this machine's key file (default /etc/salvage/client.key)" },
	{ "net-timeout", set_net_timeout,
	  "seconds to wait for the link and an address (default 60)" },
	{ "net-retry", set_net_retry,
	  "seconds to keep reconnecting to the receiver after a break (default 300)" },
	{ "resume-window", set_resume_window,
	  "bytes of the stream kept to resume after a cut without capturing again: SIZE (K, M, G), 0 none (default 64M)" },
	{ "final-action", set_final,
	  "after the dump: reboot (default), poweroff, halt or shell" },
	{ "device-timeout", set_device_timeout,
	  "seconds to wait for the target device (default 60)" },
	{ "dump-level", set_dump_level,
	  "pages to leave out, as makedumpfile -d: 1 zero, 2 cache, 4 private cache, 8 user, 16 free (default 31)" },
	{ "format", set_format,
	  "stream (default: filtered, lz4) or elf (the whole /proc/vmcore, unfiltered)" },
	{ "crash-cpus", set_crash_cpus,
	  "CPUs the crash kernel brings up (salvage load's nr_cpus=), 1-8; the dump uses one worker per CPU. "
	  "Each costs the crash kernel memory (default 1)" },
	{ "swap", set_swap,
	  "lend the crashed kernel's left-out pages to the crash kernel as swap: auto (default: when memory is short), on, off" },
	{ "swap-test-corrupt", set_swap_corrupt,
	  "test only: damage one:N or both:N per mille of the swap blocks' copies in old memory, "
	  "or stall:N: the swap's server stops answering after N requests" },
	{ "swap-test-elf", set_swap_test_elf,
	  "test only: at the end, the whole vmcore (ELF, as old memory is then) to this raw device" },
};

void conf_defaults(struct salvage_conf *c)
{
	memset(c, 0, sizeof *c);
	c->final_action = FINAL_REBOOT;
	c->device_timeout = 60;
	c->dump_level = 31;
	c->crash_cpus = 1;
	strcpy(c->server_key, "/etc/salvage/server.pub");
	strcpy(c->client_key, "/etc/salvage/client.key");
	c->net_timeout = 60;
	c->net_retry = 300;
	c->resume_window = 64u << 20;
}

int conf_set(struct salvage_conf *c, const char *key, const char *value)
{
	for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (!strcmp(key, keys[i].key))
			return keys[i].set(c, value);
	return -SALVAGE_E_CONF_UNKNOWN_KEY;
}

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

static int parse_line(struct salvage_conf *c, const char *p, const char *end)
{
	char key[64], value[256];
	const char *k;
	int r;

	while (p < end && is_space(*p))
		p++;
	if (p == end || *p == '#')
		return 0;
	for (k = p; p < end && !is_space(*p); p++)
		;
	if ((r = copy(key, sizeof key, k, (size_t)(p - k))))
		return r;
	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	if (p == end)
		return -SALVAGE_E_CONF_SYNTAX;
	if ((r = copy(value, sizeof value, p, (size_t)(end - p))))
		return r;
	return conf_set(c, key, value);
}

int conf_parse_text(struct salvage_conf *c, const char *text, int *line)
{
	*line = 0;
	while (*text) {
		const char *nl = strchr(text, '\n');
		const char *end = nl ? nl : text + strlen(text);
		int r;

		++*line;
		if ((r = parse_line(c, text, end)))
			return r;
		text = nl ? nl + 1 : end;
	}
	return 0;
}

const char *conf_cmdline_word(const char *p, char *w, size_t wlen)
{
	size_t n = 0;
	int quoted = 0;

	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (!*p)
		return NULL;
	for (; *p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n')); p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (n + 1 < wlen)
			w[n++] = *p;
	}
	w[n] = 0;
	return p;
}

int conf_parse_cmdline(struct salvage_conf *c, const char *cmdline,
                       char *bad, size_t badlen)
{
	char word[512];
	int first = 0;

	while ((cmdline = conf_cmdline_word(cmdline, word, sizeof word))) {
		char *eq;
		int r;

		if (strncmp(word, "salvage.", 8) || !(eq = strchr(word, '=')))
			continue;
		*eq = 0;
		r = conf_set(c, word + 8, eq + 1);
		*eq = '=';
		if (r && !first) {
			first = r;
			copy(bad, badlen, word, strnlen(word, badlen - 1));
		}
	}
	return first;
}

void conf_help(int fd)
{
	for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		io_writeall(fd, "  ", 2);
		io_writeall(fd, keys[i].key, strlen(keys[i].key));
		for (size_t n = strlen(keys[i].key); n < 16; n++)
			io_writeall(fd, " ", 1);
		io_writeall(fd, keys[i].help, strlen(keys[i].help));
		io_writeall(fd, "\n", 1);
	}
}
