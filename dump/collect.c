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
#include "copy.h"
#include "raw_header.h"
#include "target.h"

/* Copies len bytes of src from src_off into outdir/vmcore, via a .partial
 * name so an interrupted collect never leaves a plausible-looking file. */
static int save(int src, off_t src_off, uint64_t len, const char *outdir,
                void *buf, size_t bufsize)
{
	char partial[512], final[512];
	int fd, r;

	if (mkdir(outdir, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(final, sizeof final, "%s/vmcore", outdir);
	snprintf(partial, sizeof partial, "%s/vmcore.partial", outdir);
	if (lseek(src, src_off, SEEK_SET) < 0)
		return -errno;
	fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = dump_copy(src, fd, 0, len, buf, bufsize, "collect");
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(partial, final) < 0)
		r = -errno;
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
	return save(fd, (off_t)h.data_offset, h.data_length, outdir, buf, bufsize);
}

/* A dump directory holds a complete "vmcore"; dump_fs_write names them
 * by UTC time, so the greatest name is the newest. */
static int newest_dump(const char *dir, char *out, size_t outlen)
{
	char path[512], best[256] = "";
	struct dirent *e;
	struct stat st;
	DIR *d;

	snprintf(path, sizeof path, "%s/vmcore", dir);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		snprintf(out, outlen, "%s", path);
		return 0;
	}
	if (!(d = opendir(dir)))
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, best) <= 0)
			continue;
		snprintf(path, sizeof path, "%s/%s/vmcore", dir, e->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			snprintf(best, sizeof best, "%s", e->d_name);
	}
	closedir(d);
	if (!best[0])
		return -SALVAGE_E_NO_DUMP;
	snprintf(out, outlen, "%s/%s/vmcore", dir, best);
	return 0;
}

int dump_collect(const char *source, const char *outdir, void *buf, size_t bufsize)
{
	char file[512];
	struct stat st;
	int fd, r;

	if (stat(source, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		if ((r = newest_dump(source, file, sizeof file)))
			return r;
		log_info("collecting ", file);
		if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
			return -errno;
		if (fstat(fd, &st) < 0)
			r = -errno;
		else
			r = save(fd, 0, (uint64_t)st.st_size, outdir, buf, bufsize);
	} else {
		if ((fd = open(source, O_RDONLY | O_CLOEXEC)) < 0)
			return -errno;
		r = collect_raw(fd, outdir, buf, bufsize);
	}
	close(fd);
	return r;
}
