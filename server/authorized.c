/* The receiver's authorized file (docs/protocol.md#authorized). */
#include <string.h>
#include "../lib/err.h"
#include "authorized.h"

int net_host_ok(const char *s, size_t len)
{
	/* not ".", "..", nor a name the receiver's own files take: a dot
	 * name (hidden from salvage list, index.html and retention, and
	 * .index.html.tmp) or index.html (docs/receiver.md#index) */
	if (!len || len > NET_HOST_MAX || s[0] == '.' || (len == 10 && !memcmp(s, "index.html", 10)))
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One line without its newline: 0 added or skipped, -1 bad. */
static int add_line(struct net_authorized *a, const char *p, const char *end)
{
	char fp[NET_FP_TEXT];
	const char *w, *h, *hend;

	while (p < end && is_space(*p))
		p++;
	if (p == end || *p == '#')
		return 0;
	for (w = p; p < end && !is_space(*p); p++)
		;
	if (p - w != NET_FP_TEXT - 1 || a->n == NET_AUTHORIZED_MAX)
		return -1;
	memcpy(fp, w, NET_FP_TEXT - 1);
	fp[NET_FP_TEXT - 1] = 0;
	while (p < end && is_space(*p))
		p++;
	for (h = p; p < end && !is_space(*p); p++)
		;
	hend = p;
	if (!net_host_ok(h, (size_t)(hend - h)))
		return -1;
	while (p < end && is_space(*p))
		p++;
	if (p != end || net_fp_parse(a->fp[a->n], fp))
		return -1;
	for (size_t i = 0; i < a->n; i++)
		if (!memcmp(a->fp[i], a->fp[a->n], NET_FP_LEN))
			return -1;
	memcpy(a->host[a->n], h, (size_t)(hend - h));
	a->host[a->n][hend - h] = 0;
	a->n++;
	return 0;
}

int net_authorized_parse(struct net_authorized *a, const char *text, size_t len, unsigned *line)
{
	const char *p = text, *end = text + len;

	a->n = 0;
	*line = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		++*line;
		if (memchr(p, 0, (size_t)(eol - p)) || add_line(a, p, eol))
			return -SALVAGE_E_CONF_SYNTAX;
		p = nl ? nl + 1 : end;
	}
	return 0;
}
