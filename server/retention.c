/* Retention over the receiver's directory (docs/receiver.md#retention). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "retention.h"

#define GONE 1        /* marks a removed dump in d[].count while it runs */

static int in_progress(const struct server_retention *r, const struct server_dump *d)
{
	if (r->busy)
		return r->busy(d->host, d->name, r->arg);
	return d->class == SERVER_DUMP_IN_PROGRESS || !strcmp(d->state, "complete");
}

/* A partial dump (or one left receiving by a receiver that stopped) whose
 * client may still come back to it. */
static int resumable(const struct server_retention *r, const struct server_dump *d)
{
	return d->class != SERVER_DUMP_COMPLETE && r->now - d->changed < r->keep_partial;
}

static int over_age(const struct server_retention *r, const struct server_dump *d)
{
	return r->max_age && r->now - d->time > r->max_age;
}

/* Whether d may go: never in progress; a resumable partial one only over
 * the age. */
static int removable(const struct server_retention *r, const struct server_dump *d)
{
	return d->count != GONE && !in_progress(r, d) && (!resumable(r, d) || over_age(r, d));
}

static void unlink_index(int hostfd, const struct server_dump *d)
{
	char link[NET_DUMPINDEX_NAME];
	int ixfd;
	ssize_t k;

	if (!d->id[0] || strchr(d->id, '/') || (ixfd = net_dumpindex_open(hostfd)) < 0)
		return;
	/* only the link to this directory: the id may have moved on */
	if ((k = readlinkat(ixfd, d->id, link, sizeof link - 1)) > 0) {
		link[k] = 0;
		if (!strcmp(link, d->name) && !unlinkat(ixfd, d->id, 0))
			fsync(ixfd);
	}
	close(ixfd);
}

static int is_subdir(int fd, const struct dirent *de)
{
	struct stat st;

	if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
		return 0;
	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return !fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) && S_ISDIR(st.st_mode);
}

/* Its files, unless it holds a directory (none of the receiver's: someone
 * put it there): then nothing, rather than a dump without its metadata
 * left behind. */
static int empty_dir(int fd)
{
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0), e = 0;
	DIR *dir;
	struct dirent *de;

	if (dup < 0 || !(dir = fdopendir(dup))) {
		e = -errno;
		if (dup >= 0)
			close(dup);
		return e;
	}
	while (!e && (de = readdir(dir)))
		if (is_subdir(fd, de))
			e = -ENOTEMPTY;
	rewinddir(dir);
	while (!e && (de = readdir(dir)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && unlinkat(fd, de->d_name, 0) < 0)
			e = -errno;
	closedir(dir);
	return e;
}

int server_retention_remove(int rootfd, const struct server_dump *d)
{
	int hostfd = openat(rootfd, d->host, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), fd, e;

	if (hostfd < 0)
		return -errno;
	if ((fd = openat(hostfd, d->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		e = -errno;
		close(hostfd);
		return e;
	}
	e = empty_dir(fd);
	close(fd);
	if (!e && unlinkat(hostfd, d->name, AT_REMOVEDIR) < 0)
		e = -errno;
	if (!e) {
		unlink_index(hostfd, d);
		if (fsync(hostfd) < 0)
			e = -errno;
	}
	close(hostfd);
	return e;
}

static int drop(int rootfd, const struct server_retention *r, struct server_dump *d, const char *why)
{
	int e = server_retention_remove(rootfd, d);

	if (r->removed)
		r->removed(d, why, e, r->arg);
	if (e)
		return 0;
	d->count = GONE;
	return 1;
}

/* Oldest first; by host, then oldest first. */
static int by_time(const void *a, const void *b)
{
	const struct server_dump *x = a, *y = b;

	return x->time != y->time ? (x->time > y->time) - (x->time < y->time) : strcmp(x->name, y->name);
}

static int by_host(const void *a, const void *b)
{
	const struct server_dump *x = a, *y = b;
	int c = strcmp(x->host, y->host);

	return c ? c : by_time(a, b);
}

static size_t by_count(int rootfd, const struct server_retention *r, struct server_dump *d, size_t n)
{
	size_t gone = 0;

	qsort(d, n, sizeof *d, by_host);
	for (size_t i = 0, j; i < n; i = j) {
		size_t have = 0;
		for (j = i; j < n && !strcmp(d[j].host, d[i].host); j++)
			have += d[j].count != GONE;
		for (size_t k = i; k < j && have > r->keep; k++)
			if (removable(r, &d[k]) && drop(rootfd, r, &d[k], "more than --keep dumps of its host"))
				have--, gone++;
	}
	return gone;
}

/* The oldest complete dumps first, then partial ones, until need bytes
 * are freed; the newest dump of all stays. */
static size_t by_space(int rootfd, const struct server_retention *r, struct server_dump *d, size_t n)
{
	uint64_t need = r->min_free - r->free, freed = 0;
	size_t gone = 0;

	qsort(d, n, sizeof *d, by_time);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i + 1 < n && freed < need; i++)
			if ((d[i].class == SERVER_DUMP_COMPLETE) == !pass && removable(r, &d[i]) &&
			    drop(rootfd, r, &d[i], "below --min-free"))
				freed += d[i].allocated, gone++;
	return gone;
}

size_t server_retention_run(int rootfd, const struct server_retention *r, struct server_dump *d, size_t *n)
{
	size_t gone = 0, k = 0;

	for (size_t i = 0; i < *n; i++)
		d[i].count = 0;
	for (size_t i = 0; r->max_age && i < *n; i++)
		if (over_age(r, &d[i]) && removable(r, &d[i]))
			gone += drop(rootfd, r, &d[i], "older than --max-age");
	if (r->keep)
		gone += by_count(rootfd, r, d, *n);
	if (r->min_free && r->free < r->min_free)
		gone += by_space(rootfd, r, d, *n);
	for (size_t i = 0; i < *n; i++)
		if (d[i].count != GONE)
			d[k++] = d[i];
	*n = k;
	return gone;
}
