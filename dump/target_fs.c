#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "copy.h"
#include "target_fs.h"

static int join(char *out, size_t size, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la + 1 + lb + 1 > size)
		return -ENAMETOOLONG;
	memcpy(out, a, la);
	out[la] = '/';
	memcpy(out + la + 1, b, lb + 1);
	return 0;
}

static int mkdir_p(char *path)
{
	for (char *p = path + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;
		*p = 0;
		int r = mkdir(path, 0755);
		*p = c;
		if (r < 0 && errno != EEXIST)
			return -errno;
		if (!c)
			return 0;
	}
}

/* DIR/YYYYMMDD-HHMMSS, with -N appended if two dumps share a second. */
static int make_dump_dir(const char *dir, char *made, size_t madelen)
{
	char stamp[32], name[48];
	time_t now = time(0);
	struct tm tm;
	int r;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	if ((r = join(made, madelen, dir, "")) || (r = mkdir_p(made)))
		return r;
	for (int i = 0; i < 100; i++) {
		memcpy(name, stamp, sizeof stamp);
		if (i)
			snprintf(name, sizeof name, "%s-%d", stamp, i);
		if ((r = join(made, madelen, dir, name)))
			return r;
		if (mkdir(made, 0755) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int dump_fs_begin(struct dump_fs_target *t, const char *dir, const char *name)
{
	char tmpname[64];
	int fd, r;

	if ((r = make_dump_dir(dir, t->dir, sizeof t->dir)))
		return r;
	snprintf(tmpname, sizeof tmpname, "%s.partial", name);
	if ((r = join(t->partial, sizeof t->partial, t->dir, tmpname)) ||
	    (r = join(t->final, sizeof t->final, t->dir, name)))
		return r;
	fd = open(t->partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	log_info("writing ", t->partial);
	dump_sink_init(&t->sink, fd, 0, UINT64_MAX);
	return 0;
}

int dump_fs_end(struct dump_fs_target *t, int ok)
{
	int r = dump_sink_flush(&t->sink);

	if (close(t->sink.fd) < 0 && !r)
		r = -errno;
	/* a failed dump keeps its .partial: something is better than nothing */
	if (r || !ok)
		return r;
	return io_publish(AT_FDCWD, t->partial, t->final);
}

int dump_fs_write(const char *dir, int src, uint64_t len, const char *name,
                  char *made, size_t madelen, void *buf, size_t bufsize)
{
	struct dump_fs_target t;
	int r = dump_fs_begin(&t, dir, name);

	if (r)
		return r;
	snprintf(made, madelen, "%s", t.dir);
	r = dump_copy(src, t.sink.fd, 0, len, buf, bufsize, "dump");
	return dump_fs_end(&t, !r) ?: r;
}
