/* DIR/index.html (docs/receiver.md#index). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "../lib/io.h"
#include "index_html.h"


static const char head[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	"<title>salvage: crash dumps</title>\n<style>\n"
	"body { font-family: sans-serif; margin: 1em 2em; }\n"
	"table { border-collapse: collapse; margin-bottom: 1.5em; }\n"
	"th, td { padding: 2px 10px; text-align: left; border-bottom: 1px solid #ddd; }\n"
	"td.bytes { text-align: right; font-variant-numeric: tabular-nums; }\n"
	"h2 { font-size: 1.1em; margin-bottom: 0.2em; } .frames { color: #555; margin: 0 0 0.5em; }\n"
	"</style></head>\n<body>\n";

/* Text as HTML: the five special characters as entities, bytes that are
 * not printable ASCII as '?'. */
static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s >= 0x20 && *s < 0x7f ? *s : '?', f);
		}
	}
}

/* A path component in a link: all but unreserved bytes percent-encoded
 * (which leaves nothing HTML would read). */
static void url(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~')
			fputc(*p, f);
		else
			fprintf(f, "%%%02X", *p);
	}
}

static void group_head(FILE *f, const struct server_dump *d)
{
	fputs("<section class=\"group\">\n<h2><span class=\"count\">", f);
	fprintf(f, "%u dump%s</span> <code class=\"sig\">", d->count, d->count == 1 ? "" : "s");
	esc(f, d->sig[0] ? d->sig : "-");
	fputs("</code> <span class=\"title\">", f);
	esc(f, d->sig[0] ? d->title : "no dmesg.txt");
	fputs("</span></h2>\n", f);
	if (d->frames[0]) {
		fputs("<p class=\"frames\">frames: <code>", f);
		esc(f, d->frames);
		fputs("</code></p>\n", f);
	}
	fputs("<table>\n<tr><th>host</th><th>started (UTC)</th><th>state</th><th>bytes</th><th>directory</th></tr>\n", f);
}

static void row(FILE *f, const struct server_dump *d)
{
	char t[24];

	fputs("<tr><td class=\"host\">", f);
	esc(f, d->host);
	fprintf(f, "</td><td>%s</td><td class=\"state\">%s</td><td class=\"bytes\">%llu</td><td><a href=\"",
	        server_dump_time(d, ' ', t), server_dump_class_name(d->class), (unsigned long long)d->bytes);
	url(f, d->host);
	fputc('/', f);
	url(f, d->name);
	fputs("/\">", f);
	esc(f, d->host);
	fputc('/', f);
	esc(f, d->name);
	fputs("</a></td></tr>\n", f);
}

static void page(FILE *f, const struct server_dump *d, size_t n, int64_t now)
{
	size_t groups = 0;
	char t[24];
	struct server_dump at = { .time = now };

	for (size_t i = 0; i < n; i++)
		groups += !i || strcmp(d[i].sig, d[i - 1].sig);
	fputs(head, f);
	fprintf(f, "<h1>salvage: %zu dump%s, %zu signature%s</h1>\n<p>Written %s by salvage receive; "
	        "the same as <code>salvage list</code>.</p>\n", n, n == 1 ? "" : "s", groups,
	        groups == 1 ? "" : "s", server_dump_time(&at, ' ', t));
	for (size_t i = 0; i < n; i++) {
		if (!i || strcmp(d[i].sig, d[i - 1].sig)) {
			if (i)
				fputs("</table>\n</section>\n", f);
			group_head(f, &d[i]);
		}
		row(f, &d[i]);
	}
	if (n)
		fputs("</table>\n</section>\n", f);
	fputs("</body></html>\n", f);
}

int server_index_html_write(int rootfd, const struct server_dump *d, size_t n, int64_t now)
{
	char *buf = NULL, tmp[40];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int fd, e;

	/* one temporary per writer: the receiver and a salvage list --index
	 * by root may write at once, and one left by a killed root run must
	 * not stop the receiver's user (EACCES on its O_TRUNC) */
	snprintf(tmp, sizeof tmp, ".index.html.%ld.tmp", (long)getpid());
	if (!f)
		return -ENOMEM;
	page(f, d, n, now);
	if (fclose(f) || !buf) {
		free(buf);
		return -ENOMEM;
	}
	fd = openat(rootfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		e = -errno;
		free(buf);
		return e;
	}
	e = io_commit(rootfd, fd, io_writeall(fd, buf, len), tmp, SERVER_INDEX_HTML);
	free(buf);
	return e;
}
