#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "collect.h"
#include "copy.h"
#include "raw_header.h"

/* The names a dump has: the unfiltered ELF vmcore, or the salvage stream
 * (docs/raw-target.md). */
static const char *const names[] = { "vmcore", "vmcore.salvage" };

/* Copies len bytes of src from src_off into outdir/name, via a .partial
 * name so an interrupted collect never leaves a plausible-looking file. */
static int save(int src, off_t src_off, uint64_t len, const char *outdir,
                const char *name, void *buf, size_t bufsize)
{
	char partial[512], final[512];
	int fd, r;

	if (mkdir(outdir, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(final, sizeof final, "%s/%s", outdir, name);
	snprintf(partial, sizeof partial, "%s/%s.partial", outdir, name);
	if (lseek(src, src_off, SEEK_SET) < 0)
		return -errno;
	fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = io_commit(AT_FDCWD, fd, dump_copy(src, fd, 0, len, buf, bufsize, "collect"), partial, final);
	if (!r)
		log_info("saved ", final, " (", U64(len), " bytes)");
	return r;
}

static int collect_raw(int fd, const char *outdir, void *buf, size_t bufsize)
{
	unsigned char b[DUMP_RAW_HEADER_SIZE];
	struct dump_raw_header h;
	long n = io_preadall(fd, b, sizeof b, 0);
	int r;

	if (n < 0)
		return (int)n;
	if (n < (long)sizeof b)
		return -SALVAGE_E_RAW_BAD_MAGIC;
	if ((r = dump_raw_header_decode(&h, b)))
		return r;
	if (h.state != DUMP_RAW_COMPLETE)
		return -SALVAGE_E_RAW_INCOMPLETE;
	return save(fd, (off_t)h.data_offset, h.data_length, outdir,
	            names[h.format == DUMP_RAW_FORMAT_STREAM], buf, bufsize);
}

/* A dump directory holds a complete "vmcore" or "vmcore.salvage" (a
 * .partial is never taken); dump_fs_write names them by UTC time, so the
 * greatest name is the newest. */
static int dump_in(const char *dir, char *out, size_t outlen)
{
	struct stat st;

	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(out, outlen, "%s/%s", dir, names[i]);
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode))
			return (int)i;
	}
	return -1;
}

static int newest_dump(const char *dir, char *out, size_t outlen)
{
	char path[512], best[256] = "";
	struct dirent *e;
	DIR *d;
	int kind;

	if ((kind = dump_in(dir, out, outlen)) >= 0)
		return kind;
	if (!(d = opendir(dir)))
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, best) <= 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (dump_in(path, out, outlen) >= 0)
			snprintf(best, sizeof best, "%s", e->d_name);
	}
	closedir(d);
	if (!best[0])
		return -SALVAGE_E_NO_DUMP;
	snprintf(path, sizeof path, "%s/%s", dir, best);
	return dump_in(path, out, outlen);
}

int dump_collect(const char *source, const char *outdir, void *buf, size_t bufsize)
{
	char file[512];
	struct stat st;
	int fd, r;

	if (stat(source, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		int kind = newest_dump(source, file, sizeof file);
		if (kind < 0)
			return kind;
		log_info("collecting ", file);
		if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
			return -errno;
		if (fstat(fd, &st) < 0)
			r = -errno;
		else
			r = save(fd, 0, (uint64_t)st.st_size, outdir, names[kind], buf, bufsize);
	} else {
		if ((fd = open(source, O_RDONLY | O_CLOEXEC)) < 0)
			return -errno;
		r = collect_raw(fd, outdir, buf, bufsize);
	}
	close(fd);
	return r;
}
