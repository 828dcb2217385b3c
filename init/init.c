#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../dump/raw_header.h"
#include "../dump/target.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "blockdev.h"
#include "init.h"

#define CONF_FILE "/etc/salvage.conf"
#define MODULE_LIST "/lib/modules/salvage.order"
#define MOUNT_DIR "/run/target"

/* The copy buffer: static, so memory use is fixed at link time. */
static char copybuf[1 << 20];

static void load_conf(struct salvage_conf *c)
{
	static char text[8192];
	char bad[128];
	long n;
	int r, line;

	conf_defaults(c);
	n = io_readfile(CONF_FILE, text, sizeof text);
	if (n < 0)
		log_warn(CONF_FILE, ": ", err_name((int)n), "; using defaults");
	else if ((r = conf_parse_text(c, text, &line)))
		log_err(CONF_FILE, " line ", U64((uint64_t)line), ": ", err_text(r));
	n = io_readfile("/proc/cmdline", text, sizeof text);
	if (n >= 0 && (r = conf_parse_cmdline(c, text, bad, sizeof bad)))
		log_err("kernel command line ", bad, ": ", err_text(r));
}

static int wait_device(const struct salvage_conf *c, char *dev, size_t len)
{
	int r;

	log_info("waiting up to ", U64(c->device_timeout), "s for ", c->target.dev);
	r = init_blockdev_wait(c->target.dev, c->device_timeout, dev, len);
	if (r)
		log_err("target device ", c->target.dev, ": ", err_text(r));
	else
		log_info("target device ", dev);
	return r;
}

static int dump_fs(const struct salvage_conf *c, const char *dev, int src, uint64_t len)
{
	char dir[256], made[512];
	int r;

	mkdir(MOUNT_DIR, 0755);
	if (mount(dev, MOUNT_DIR, "ext4", 0, 0) < 0) {
		r = -errno;
		log_err("mount ", dev, " (ext4): ", err_name(r));
		return r;
	}
	snprintf(dir, sizeof dir, "%s%s", MOUNT_DIR, c->target.dir);
	r = dump_fs_write(dir, src, len, "vmcore", made, sizeof made, copybuf, sizeof copybuf);
	if (!r)
		log_info("dump saved in ", made + sizeof MOUNT_DIR - 1, " on ", dev);
	sync();
	if (umount(MOUNT_DIR) < 0)
		log_warn("umount ", MOUNT_DIR, ": ", err_name(-errno));
	return r;
}

static int capture(const struct salvage_conf *c)
{
	char dev[256];
	struct stat st;
	int src, r;

	if (c->target.kind == TARGET_NONE) {
		log_err("no target configured (set `target` in ", CONF_FILE, ")");
		return -EINVAL;
	}
	src = open("/proc/vmcore", O_RDONLY | O_CLOEXEC);
	if (src < 0) {
		log_err("/proc/vmcore: ", err_name(-errno), " (is this a crash kernel?)");
		return -errno;
	}
	if (fstat(src, &st) < 0 || st.st_size <= 0) {
		log_err("/proc/vmcore has no size");
		close(src);
		return -EINVAL;
	}
	log_info("vmcore: ", U64((uint64_t)st.st_size >> 20), " MiB");
	r = wait_device(c, dev, sizeof dev);
	if (!r && c->target.kind == TARGET_RAW) {
		r = dump_raw_write(dev, src, (uint64_t)st.st_size, DUMP_RAW_FORMAT_ELF,
		                   copybuf, sizeof copybuf);
		if (!r)
			log_info("dump saved on ", dev);
	} else if (!r) {
		r = dump_fs(c, dev, src, (uint64_t)st.st_size);
	}
	if (r)
		log_err("dump failed: ", err_name(r), " (", err_text(r), ")");
	close(src);
	return r;
}

void init_main(void)
{
	struct salvage_conf conf;

	init_early();
	log_info("crash capture starting");
	if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
		log_warn("mlockall: ", err_name(-errno));
	load_conf(&conf);
	init_modules_load(MODULE_LIST);
	capture(&conf);
	init_final(&conf);
}
