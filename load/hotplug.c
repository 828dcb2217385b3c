/* Crash hotplug: what the kernel does, and reloads coalesced over a burst
 * of hotplug events where it does nothing (load/hotplug.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../lib/io.h"
#include "hotplug.h"

enum load_hotplug load_hotplug_parse(const char *memory, const char *cpu)
{
	const char *v = memory ? memory : cpu;

	if (!v)
		return LOAD_HOTPLUG_ABSENT;
	return *v == '1' ? LOAD_HOTPLUG_UPDATED : LOAD_HOTPLUG_NOT_THIS;
}

static enum load_hotplug read_once(void)
{
	char mem[16], cpu[16];
	int m = io_readfile("/sys/devices/system/memory/crash_hotplug", mem, sizeof mem) >= 0;
	int c = io_readfile("/sys/devices/system/cpu/crash_hotplug", cpu, sizeof cpu) >= 0;

	return load_hotplug_parse(m ? mem : 0, c ? cpu : 0);
}

/* A 0 is read again a few times: the kernel answers 0 without looking
 * while it cannot take the kexec lock (a load, or its own update for the
 * event before, in flight), and a 0 means "another loader's image" here. */
enum load_hotplug load_hotplug_kernel(void)
{
	enum load_hotplug h = read_once();

	for (int i = 0; i < 4 && h == LOAD_HOTPLUG_NOT_THIS; i++) {
		usleep(50000);
		h = read_once();
	}
	return h;
}

enum load_owner load_hotplug_owner(int loaded, int kept, enum load_hotplug h)
{
	if (!loaded)
		return LOAD_OWNER_NONE;
	if (h == LOAD_HOTPLUG_NOT_THIS)
		return LOAD_OWNER_OTHER;
	return kept ? LOAD_OWNER_SALVAGE : LOAD_OWNER_OTHER;
}

static int open_lock(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return -ENAMETOOLONG;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	return fd < 0 ? -errno : fd;
}

int load_hotplug_lock(const char *dir)
{
	int fd = open_lock(dir, "hotplug.reload");

	if (fd < 0)
		return fd;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return -errno;
	return 0; /* fd stays open: the lock lasts until exit */
}

/* The queue file's mtime in ns; 0 if it cannot be read. */
static long long stamp(int fd)
{
	struct stat st;

	return fstat(fd, &st) < 0 ? 0 : st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

/* Until the queue file's mtime stays the same for settle_s seconds, or
 * max_s seconds passed. */
static void settle(int q, unsigned settle_s, unsigned max_s)
{
	for (unsigned waited = 0; waited < max_s; waited += settle_s) {
		long long before = stamp(q);

		sleep(settle_s);
		if (stamp(q) == before)
			return;
	}
}

int load_hotplug_turn(const char *dir, unsigned settle_s, unsigned max_s)
{
	int q = open_lock(dir, "hotplug.queue"), r;

	if (q < 0)
		return q;
	futimens(q, 0); /* this event: the settle time starts again */
	if (flock(q, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? 0 : -errno;
		close(q);
		return r;
	}
	if ((r = load_hotplug_lock(dir)) < 0) {
		close(q);
		return r;
	}
	settle(q, settle_s ? settle_s : 1, max_s);
	close(q); /* unlocks: from now on an event queues the next reload */
	return 1;
}

int load_hotplug_missed_mark(const char *dir)
{
	int fd = open_lock(dir, LOAD_HOTPLUG_MISSED), r = 0;

	if (fd < 0)
		return fd;
	if (futimens(fd, 0) < 0)
		r = -errno;
	close(fd);
	return r;
}

long long load_hotplug_missed_age(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;
	struct timespec now;

	if (snprintf(path, sizeof path, "%s/%s", dir, LOAD_HOTPLUG_MISSED) >= (int)sizeof path)
		return -ENAMETOOLONG;
	if (stat(path, &st) < 0)
		return -errno;
	clock_gettime(CLOCK_REALTIME, &now);
	return now.tv_sec > st.st_mtim.tv_sec ? now.tv_sec - st.st_mtim.tv_sec : 0;
}
