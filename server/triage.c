/* The receiver's triage after each stored dump (docs/receiver.md). */
#include <stdlib.h>
#include <sys/statvfs.h>
#include <time.h>
#include "../lib/err.h"
#include "../lib/log.h"
#include "dumps.h"
#include "index_html.h"
#include "retention.h"
#include "triage.h"

static void removed(const struct server_dump *d, const char *why, int err, void *arg)
{
	(void)arg;
	if (err)
		log_warn("receive: retention: ", d->host, "/", d->name, " (", why, ") not removed: ", err_text(err));
	else
		log_info("receive: retention: removed ", d->host, "/", d->name, ", ",
		         server_dump_class_name(d->class), ", ", U64(d->bytes), " bytes: ", why);
}

void server_triage(int rootfd, const struct server_triage_conf *c,
                   int (*busy)(const char *host, const char *name, void *arg), void *arg)
{
	struct server_retention r = {
		.keep = c->keep, .max_age = (int64_t)c->max_age_s, .keep_partial = (int64_t)c->keep_partial_s,
		.min_free = c->reclaim ? c->min_free : 0, .now = time(NULL), .busy = busy, .removed = removed,
		.arg = arg,
	};
	struct server_dump *d;
	struct statvfs s;
	size_t n;
	int e;

	if ((e = server_dumps_scan(rootfd, &d, &n))) {
		log_warn("receive: cannot list the dumps for retention and index.html: ", err_text(e));
		return;
	}
	if (r.min_free && !fstatvfs(rootfd, &s))
		r.free = (uint64_t)s.f_bavail * s.f_frsize;
	else
		r.min_free = 0;
	server_retention_run(rootfd, &r, d, &n);
	server_dumps_group(d, n);
	if ((e = server_index_html_write(rootfd, d, n, r.now)))
		log_warn("receive: " SERVER_INDEX_HTML " not written: ", err_text(e));
	free(d);
}
