/* The receiver's dump directory as a list (docs/receiver.md#list). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../lib/grow.h"
#include "../lib/io.h"
#include "dumps.h"

#define META "salvage.meta"
#define META_MAX 4096

/* key's value in a salvage.meta text into out (cut to size), or "". */
static void meta_value(const char *text, const char *key, char *out, size_t size)
{
	size_t k = strlen(key);

	out[0] = 0;
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, k) && p[k] == '=') {
			const char *v = p + k + 1;
			size_t n = strcspn(v, "\n");
			n = n < size - 1 ? n : size - 1;
			memcpy(out, v, n);
			out[n] = 0;
			return;
		}
	}
}

static int64_t time_of_name(const char *name)
{
	struct tm tm = { 0 };
	const char *end = strptime(name, "%Y%m%dT%H%M%SZ", &tm);

	return end ? (int64_t)timegm(&tm) : -1;
}

static enum server_dump_class class_of(const char *state)
{
	if (!strcmp(state, "complete") || !strcmp(state, "stored") || !strcmp(state, "unconverted"))
		return SERVER_DUMP_COMPLETE;
	return strcmp(state, "receiving") ? SERVER_DUMP_PARTIAL : SERVER_DUMP_IN_PROGRESS;
}

/* The dump's files: their sizes, and salvage.meta's text and time. */
static void files(int fd, struct server_dump *d, char *text)
{
	DIR *dir;
	struct dirent *de;
	struct stat st;
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	text[0] = 0;
	if (dup < 0 || !(dir = fdopendir(dup))) {
		if (dup >= 0)
			close(dup);
		return;
	}
	while ((de = readdir(dir))) {
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		d->bytes += (uint64_t)st.st_size;
		d->allocated += (uint64_t)st.st_blocks * 512;
		if (!strcmp(de->d_name, META)) {
			int mfd = openat(fd, META, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
			long n = mfd < 0 ? -1 : io_readall(mfd, text, META_MAX - 1);
			if (mfd >= 0)
				close(mfd);
			text[n > 0 ? n : 0] = 0;
			d->changed = st.st_mtime;
		}
	}
	closedir(dir);
}

/* The signature a converted dump recorded, else one from its log. */
static void signature(int fd, struct server_dump *d, const char *text)
{
	struct server_signature s;

	meta_value(text, "signature", d->sig, sizeof d->sig);
	meta_value(text, "signature_title", d->title, sizeof d->title);
	meta_value(text, "signature_frames", d->frames, sizeof d->frames);
	if (d->sig[0])
		return;
	if (server_signature_file(fd, "dmesg.txt", &s))
		return;
	strcpy(d->sig, s.hash);
	strcpy(d->title, s.title);
	server_signature_frames(&s, d->frames, sizeof d->frames);
}

static void dump_read(int hostfd, const char *host, const char *name, struct server_dump *d)
{
	static char text[META_MAX];
	int fd = openat(hostfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	memset(d, 0, sizeof *d);
	strcpy(d->host, host);
	strcpy(d->name, name);
	if (fd < 0)
		return;
	if (!fstat(fd, &st))
		d->changed = st.st_mtime;
	files(fd, d, text);
	meta_value(text, "state", d->state, sizeof d->state);
	meta_value(text, "dump_id", d->id, sizeof d->id);
	d->class = class_of(d->state);
	d->time = time_of_name(name);
	if (d->time < 0)
		d->time = d->changed;
	signature(fd, d, text);
	close(fd);
}

/* d_type, or the inode's type where the file system gives none */
static int is_dir(int dirfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return !fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) && S_ISDIR(st.st_mode);
}

static int host_scan(int rootfd, const char *host, struct server_dump **out, size_t *n, size_t *cap)
{
	int hostfd = openat(rootfd, host, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), e = 0;
	DIR *dir;
	struct dirent *de;

	if (hostfd < 0)
		return 0;
	if (!(dir = fdopendir(hostfd))) {
		close(hostfd);
		return 0;
	}
	while (!e && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= NET_DUMPINDEX_NAME || !is_dir(hostfd, de))
			continue;
		if (!(e = grow(out, cap, *n, sizeof **out, 64)))
			dump_read(hostfd, host, de->d_name, &(*out)[(*n)++]);
	}
	closedir(dir);
	return e;
}

int server_dumps_scan(int rootfd, struct server_dump **out, size_t *n)
{
	int dup = fcntl(rootfd, F_DUPFD_CLOEXEC, 0), e = 0;
	size_t cap = 0;
	DIR *dir;
	struct dirent *de;

	*out = NULL;
	*n = 0;
	if (dup < 0)
		return -errno;
	if (!(dir = fdopendir(dup))) {
		e = -errno;
		close(dup);
		return e;
	}
	rewinddir(dir);
	while (!e && (de = readdir(dir)))
		if (de->d_name[0] != '.' && is_dir(rootfd, de) && strlen(de->d_name) < sizeof (*out)->host)
			e = host_scan(rootfd, de->d_name, out, n, &cap);
	closedir(dir);
	if (e) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return e;
}

static int by_sig(const void *a, const void *b)
{
	const struct server_dump *x = a, *y = b;
	int c = strcmp(x->sig, y->sig);

	return c ? c : (x->time > y->time) - (x->time < y->time);
}

static int by_group(const void *a, const void *b)
{
	const struct server_dump *x = a, *y = b;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if ((c = strcmp(x->sig, y->sig)))
		return c;
	if (x->time != y->time)
		return x->time > y->time ? -1 : 1;
	return strcmp(x->host, y->host);
}

void server_dumps_group(struct server_dump *d, size_t n)
{
	qsort(d, n, sizeof *d, by_sig);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && !strcmp(d[j].sig, d[i].sig); j++)
			;
		for (size_t k = i; k < j; k++)
			d[k].count = (unsigned)(j - i);
	}
	qsort(d, n, sizeof *d, by_group);
}

const char *server_dump_class_name(enum server_dump_class c)
{
	return c == SERVER_DUMP_COMPLETE ? "complete" : c == SERVER_DUMP_PARTIAL ? "partial" : "in progress";
}

char *server_dump_time(const struct server_dump *d, char sep, char out[24])
{
	time_t t = (time_t)d->time;
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		strcpy(out, "?");
	else
		strftime(out, 24, sep == 'T' ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%SZ", &tm);
	return out;
}
