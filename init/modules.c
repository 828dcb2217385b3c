#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "init.h"

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

int init_modules_load(const char *list_path)
{
	static char list[16384];
	long n = io_readfile(list_path, list, sizeof list);
	int failed = 0, loaded = 0;

	if (n == -ENOENT)
		return 0;
	if (n < 0) {
		log_err("module list ", list_path, ": ", err_name((int)n));
		return 1;
	}
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
			log_err("module ", line, ": ", err_name(r), " (", err_text(r), ")");
			failed++;
		} else {
			loaded++;
		}
	}
	log_info("modules: ", U64((uint64_t)loaded), " loaded, ", U64((uint64_t)failed), " failed");
	return failed;
}
