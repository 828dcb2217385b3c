#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "modules.h"

static int load_one(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
		r = -errno;
	close(fd);
	return r;
}

int init_modules_unlink(const char *path, const char *stop, struct init_freed *f)
{
	char dir[512];
	size_t n = strlen(stop);
	struct stat st;
	char *slash;

	if (lstat(path, &st) < 0 || unlink(path) < 0)
		return -errno;
	f->files++;
	/* what the rootfs (tmpfs or ramfs) held: whole pages */
	f->bytes += ((uint64_t)st.st_size + 4095) & ~(uint64_t)4095;
	/* directories only strictly under stop: no "." or ".." step */
	if (strlen(path) >= sizeof dir || strncmp(path, stop, n) || path[n] != '/' ||
	    strstr(path + n, "/./") || strstr(path + n, "/../"))
		return 0;
	strcpy(dir, path);
	/* its directories, now empty, up to stop (kept) */
	while ((slash = strrchr(dir, '/')) && slash > dir + n) {
		*slash = 0;
		if (rmdir(dir) < 0)
			break;
	}
	return 0;
}

/* The directory a path is in: where the module list lives, the top of
 * the module tree. */
static void dir_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (n >= size)
		n = 0;
	memcpy(dir, path, n);
	dir[n] = 0;
}

int init_modules_load(const char *list_path)
{
	static char list[16384];
	long n = io_readfile(list_path, list, sizeof list);
	int failed = 0, loaded = 0;
	struct init_freed freed = { 0, 0 };
	char top[256];

	if (n == -ENOENT)
		return 0;
	if (n < 0) {
		log_err("module list ", list_path, ": ", err_name((int)n));
		return 1;
	}
	dir_of(list_path, top, sizeof top);
	for (char *line = list, *nl; *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = 0;
		else
			nl = line + strlen(line);
		if (!*line || *line == '#')
			continue;
		int r = load_one(line);
		if (r == -ENODEV) {
			/* e.g. crc32c_intel on a CPU without SSE4.2: another
			 * module listed beside it does the job */
			log_info("module ", line, ": not for this hardware");
		} else if (r) {
			/* kept: the rescue shell may try it again by hand */
			log_err("module ", line, ": ", err_name(r), " (", err_text(r), ")");
			failed++;
			continue;
		} else {
			loaded++;
		}
		/* nothing loads it again (a retry of the capture reuses the
		 * loaded modules): its copy in the rootfs is memory for the
		 * capture, freed before the swap pins the rest (init/swap.c) */
		if ((r = init_modules_unlink(line, top, &freed)))
			log_warn("module ", line, ": unlink: ", err_name(r));
	}
	log_info("modules: ", U64((uint64_t)loaded), " loaded, ", U64((uint64_t)failed), " failed");
	if (freed.files)
		log_info("initramfs: freed ", U64(freed.files), " module files, ", U64(freed.bytes >> 10), " KiB");
	return failed;
}
