#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "io.h"
#include "log.h"

static int kmsg_fd = -1;
static int console_level; /* kernel prints kmsg lines below this level */

int log_to_kmsg(void)
{
	char buf[32];
	int fd = open("/proc/sys/kernel/printk", O_RDONLY | O_CLOEXEC);
	long n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);

	if (fd >= 0)
		close(fd);
	console_level = 0;
	for (long i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		console_level = console_level * 10 + buf[i] - '0';
	/* The default devkmsg rate limit (10 lines / 5 s) would drop progress
	 * lines from the crash kernel's log. */
	fd = open("/proc/sys/kernel/printk_devkmsg", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)!write(fd, "on\n", 3);
		close(fd);
	}
	kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	return kmsg_fd < 0 ? -errno : 0;
}

void log_parts(int level, const char *const *parts)
{
	int saved = errno;
	char line[1024];
	size_t n = 3;

	memcpy(line, "<0>", 3);
	line[1] = (char)('0' + level);
	for (const char *s = "salvage: "; *s && n < sizeof line - 1; s++)
		line[n++] = *s;
	for (; *parts; parts++)
		for (const char *s = *parts; *s && n < sizeof line - 1; s++)
			line[n++] = *s;
	line[n++] = '\n';
	if (kmsg_fd >= 0)
		(void)io_writeall(kmsg_fd, line, n);
	if (kmsg_fd < 0 || level >= console_level)
		(void)io_writeall(2, line + 3, n - 3);
	errno = saved;
}

char *fmt_u64(char *buf, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while (v /= 10);
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = 0;
	return buf;
}

char *fmt_hex(char *buf, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[20];
	int n = 0;

	do
		tmp[n++] = digits[v & 15];
	while (v >>= 4);
	buf[0] = '0';
	buf[1] = 'x';
	for (int i = 0; i < n; i++)
		buf[2 + i] = tmp[n - 1 - i];
	buf[2 + n] = 0;
	return buf;
}
