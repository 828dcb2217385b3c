/* salvage list (its usage: CMD below)
 *
 * The dumps a receiver stored under DIR (default: the current directory),
 * grouped by crash signature, the largest group first: per group its
 * signature, count, title and frames; per dump its host, start time (UTC),
 * state (complete, partial, in progress), bytes and directory
 * (docs/receiver.md#list). --json prints the same as one JSON object;
 * --index rewrites DIR/index.html as the receiver does after each dump
 * (after dumps were removed by hand), and prints nothing.
 * Exit 0, 100 for a usage error, 111 when DIR cannot be read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "../lib/cmd.h"
#include "../lib/err.h"
#include "../lib/log.h"
#include "dumps.h"
#include "index_html.h"

CMD(list, "[--dir DIR] [--json] [--index]", "a receiver's dumps grouped by crash signature");

/* Text from a dump's directory or log, one printable line. */
static void text(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s >= 0x20 && *s < 0x7f ? *s : '?', f);
}

/* A JSON string: quotes, backslashes and control bytes escaped, bytes
 * above 0x7f as \u00XX (a name need not be UTF-8). */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void json_frames(FILE *f, const char *frames)
{
	char buf[sizeof ((struct server_dump *)0)->frames], *save, *w;

	strcpy(buf, frames);
	fputc('[', f);
	for (int i = 0; (w = strtok_r(i ? NULL : buf, " ", &save)); i++) {
		fputs(i ? ", " : "", f);
		json_str(f, w);
	}
	fputc(']', f);
}

static void json_dump(FILE *f, const struct server_dump *d)
{
	char t[24], path[sizeof d->host + sizeof d->name + 1];

	snprintf(path, sizeof path, "%s/%s", d->host, d->name);
	fputs("{\"host\": ", f);
	json_str(f, d->host);
	fputs(", \"dir\": ", f);
	json_str(f, path);
	fprintf(f, ", \"time\": \"%s\", \"bytes\": %llu, \"state\": \"%s\", \"meta_state\": ",
	        server_dump_time(d, 'T', t), (unsigned long long)d->bytes, server_dump_class_name(d->class));
	json_str(f, d->state);
	fputs(", \"id\": ", f);
	json_str(f, d->id);
	fputc('}', f);
}

static void json(FILE *f, const char *dir, const struct server_dump *d, size_t n)
{
	fputs("{\"dir\": ", f);
	json_str(f, dir);
	fprintf(f, ", \"dumps\": %zu, \"groups\": [", n);
	for (size_t i = 0; i < n; i++) {
		int first = !i || strcmp(d[i].sig, d[i - 1].sig);
		if (first) {
			fputs(i ? "]},\n  {\"signature\": " : "\n  {\"signature\": ", f);
			json_str(f, d[i].sig);
			fputs(", \"title\": ", f);
			json_str(f, d[i].title);
			fputs(", \"frames\": ", f);
			json_frames(f, d[i].frames);
			fprintf(f, ", \"count\": %u, \"dumps\": [\n    ", d[i].count);
		} else {
			fputs(",\n    ", f);
		}
		json_dump(f, &d[i]);
	}
	fputs(n ? "]}\n]}\n" : "]}\n", f);
}

static void plain(FILE *f, const struct server_dump *d, size_t n)
{
	char t[24];

	for (size_t i = 0; i < n; i++) {
		if (!i || strcmp(d[i].sig, d[i - 1].sig)) {
			fputs(i ? "\n" : "", f);
			text(f, d[i].sig[0] ? d[i].sig : "-");
			fprintf(f, "  %u dump%s  ", d[i].count, d[i].count == 1 ? "" : "s");
			text(f, d[i].sig[0] ? d[i].title : "no dmesg.txt");
			fputc('\n', f);
			if (d[i].frames[0]) {
				fputs("  frames: ", f);
				text(f, d[i].frames);
				fputc('\n', f);
			}
		}
		fputs("  ", f);
		text(f, d[i].host);
		fprintf(f, "  %s  %-11s  %12llu  ", server_dump_time(&d[i], ' ', t), server_dump_class_name(d[i].class),
		        (unsigned long long)d[i].bytes);
		text(f, d[i].host);
		fputc('/', f);
		text(f, d[i].name);
		fputc('\n', f);
	}
	if (!n)
		fputs("no dumps\n", f);
}

static int list_main(int argc, char **argv)
{
	const char *dir = ".";
	int as_json = 0, index = 0, rootfd, e;
	struct server_dump *d;
	size_t n;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			as_json = 1;
		else if (!strcmp(argv[i], "--index"))
			index = 1;
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else
			return log_err("list: bad option: ", argv[i]), cmd_usage(&list_cmd);
	}
	if ((rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return log_err("list: ", dir, ": ", err_text(-errno)), 111;
	e = server_dumps_scan(rootfd, &d, &n);
	if (!e)
		server_dumps_group(d, n);
	if (!e && index)
		e = server_index_html_write(rootfd, d, n, time(NULL));
	close(rootfd);
	if (e)
		return free(d), log_err("list: ", dir, ": ", err_text(e)), 111;
	if (index)
		;
	else if (as_json)
		json(stdout, dir, d, n);
	else
		plain(stdout, d, n);
	free(d);
	return fflush(stdout) ? 111 : 0;
}
