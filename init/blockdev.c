#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/le.h"
#include "../lib/log.h"
#include "blockdev.h"

/* ext2/3/4 superblock at byte 1024: s_magic at 0x38, s_uuid at 0x68,
 * s_volume_name at 0x78 (docs/raw-target.md#finding-the-device). */
enum { SB = 1024, SB_MAGIC = 0x38, SB_UUID = 0x68, SB_LABEL = 0x78, EXT_MAGIC = 0xEF53 };

static void uuid_text(const unsigned char *u, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	int n = 0;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[n++] = '-';
		out[n++] = hex[u[i] >> 4];
		out[n++] = hex[u[i] & 15];
	}
	out[n] = 0;
}

int init_blockdev_match(const char *spec, const unsigned char *sb)
{
	char text[37];

	if (le16_get(sb + SB + SB_MAGIC) != EXT_MAGIC)
		return 0;
	if (!strncmp(spec, "LABEL=", 6)) {
		size_t n = strlen(spec + 6);
		return n <= 16 && !memcmp(sb + SB + SB_LABEL, spec + 6, n) &&
		       (n == 16 || !sb[SB + SB_LABEL + n]);
	}
	if (!strncmp(spec, "UUID=", 5)) {
		uuid_text(sb + SB + SB_UUID, text);
		return !strcasecmp(text, spec + 5);
	}
	return 0;
}

static int probe(const char *spec, char *dev, size_t devlen)
{
	unsigned char sb[INIT_BLOCKDEV_PROBE];
	struct dirent *e;
	DIR *d = opendir("/sys/class/block");
	int found = 0;

	if (!d)
		return -errno;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(dev, devlen, "/dev/%s", e->d_name);
		int fd = open(dev, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		found = io_preadall(fd, sb, sizeof sb, 0) == (long)sizeof sb &&
		        init_blockdev_match(spec, sb);
		close(fd);
	}
	closedir(d);
	return found;
}

int init_blockdev_wait(const char *spec, unsigned timeout_s, char *dev, size_t devlen)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	time_t end = time(0) + timeout_s;
	struct stat st;

	for (;;) {
		if (spec[0] == '/') {
			snprintf(dev, devlen, "%s", spec);
			if (stat(dev, &st) == 0)
				return 0;
		} else {
			int r = probe(spec, dev, devlen);
			if (r < 0 && r != -ENOENT)
				return r;
			if (r > 0)
				return 0;
		}
		if (time(0) >= end)
			return -SALVAGE_E_TIMEOUT;
		nanosleep(&tick, 0);
	}
}
