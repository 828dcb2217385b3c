#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../dump/capture.h"
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

/* Static, so memory use is fixed at link time: the capture's state and
 * the buffer of the unfiltered fallback copy. */
static struct dump_capture cap;
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

static int wait_device(const struct salvage_conf *c, const struct target *t, char *dev, size_t len)
{
	int r;

	log_info("waiting up to ", U64(c->device_timeout), "s for ", t->dev);
	r = init_blockdev_wait(t->dev, c->device_timeout, dev, len);
	if (r)
		log_err("target device ", t->dev, ": ", err_text(r));
	else
		log_info("target device ", dev);
	return r;
}

/* The filtered stream to the target; 0, or why it could not be written
 * (then the caller falls back to the unfiltered copy). */
/* Set when the target itself failed (full, read-only, I/O error): then an
 * unfiltered copy, which is bigger, would fail as well. */
static int target_failed;

static int stream_raw(const char *dev)
{
	struct dump_raw_target t;
	int r = dump_raw_begin(&t, dev, DUMP_RAW_FORMAT_STREAM);

	if (r)
		return target_failed = r;
	r = dump_capture_run(&cap, dump_sink_write, &t.sink);
	if (t.sink.err)
		target_failed = t.sink.err;
	return dump_raw_end(&t, !r) ?: r;
}

static int stream_fs(const char *dir, char *made, size_t madelen)
{
	struct dump_fs_target t;
	char path[640];
	int r = dump_fs_begin(&t, dir, "vmcore.salvage");

	if (r)
		return target_failed = r;
	snprintf(made, madelen, "%s", t.dir);
	/* the log first: the smallest and most read part of a dump */
	snprintf(path, sizeof path, "%s/dmesg.txt", t.dir);
	if (cap.dmesg_len && (r = io_writefile(path, cap.dmesg, cap.dmesg_len)))
		log_warn(path, ": ", err_text(r));
	r = dump_capture_run(&cap, dump_sink_write, &t.sink);
	if (t.sink.err)
		target_failed = t.sink.err;
	return dump_fs_end(&t, !r) ?: r;
}

/* The unfiltered ELF vmcore, as /proc/vmcore presents it. */
static int copy_raw(const char *dev, int src, uint64_t len)
{
	return dump_raw_write(dev, src, len, DUMP_RAW_FORMAT_ELF, copybuf, sizeof copybuf);
}

static int copy_fs(const char *dir, int src, uint64_t len, char *made, size_t madelen)
{
	return dump_fs_write(dir, src, len, "vmcore", made, madelen, copybuf, sizeof copybuf);
}

/* The capture, opened once: a fallback target reuses it. */
static int cap_state;  /* 0 not yet, 1 open, <0 cannot filter */

static int open_capture(const struct salvage_conf *c, int src)
{
	if (!cap_state) {
		int r = dump_capture_open(&cap, src, c->dump_level);
		if (r)
			log_err("cannot filter this vmcore: ", err_name(r), " (", err_text(r), ")");
		else
			dump_capture_report(&cap, c->dump_level);
		cap_state = r ? r : 1;
	}
	return cap_state < 0 ? cap_state : 0;
}

static int filtered(const struct salvage_conf *c, const struct target *t, const char *dev, const char *dir,
                    int src, char *made, size_t madelen)
{
	int r = open_capture(c, src);

	if (r)
		return r;
	r = t->kind == TARGET_RAW ? stream_raw(dev) : stream_fs(dir, made, madelen);
	if (r)
		log_err("filtered dump failed: ", err_name(r), " (", err_text(r), ")");
	return r;
}

/* The filtered stream if the vmcore allows it, else the whole vmcore:
 * something is always saved. */
static int write_dump(const struct salvage_conf *c, const struct target *t, const char *dev, const char *dir,
                      int src, uint64_t len, char *made, size_t madelen)
{
	target_failed = 0;
	if (c->format == DUMP_FORMAT_STREAM) {
		int r = filtered(c, t, dev, dir, src, made, madelen);
		if (!r)
			return 0;
		if (target_failed) {
			log_err("the target failed (", err_name(target_failed),
			        "): what was written stays, marked incomplete");
			return r;
		}
		log_warn("falling back to the unfiltered vmcore");
	}
	if (lseek(src, 0, SEEK_SET) < 0)
		return -errno;
	return t->kind == TARGET_RAW ? copy_raw(dev, src, len) : copy_fs(dir, src, len, made, madelen);
}

static int dump_fs(const struct salvage_conf *c, const struct target *t, const char *dev, int src, uint64_t len)
{
	char dir[256], made[512] = "";
	int r;

	mkdir(MOUNT_DIR, 0755);
	if (mount(dev, MOUNT_DIR, "ext4", 0, 0) < 0) {
		r = -errno;
		log_err("mount ", dev, " (ext4): ", err_name(r));
		return r;
	}
	snprintf(dir, sizeof dir, "%s%s", MOUNT_DIR, t->dir);
	r = write_dump(c, t, dev, dir, src, len, made, sizeof made);
	if (!r)
		log_info("dump saved in ", made + sizeof MOUNT_DIR - 1, " on ", dev);
	sync();
	if (umount(MOUNT_DIR) < 0)
		log_warn("umount ", MOUNT_DIR, ": ", err_name(-errno));
	return r;
}

/* One target: a disk (raw or file system) or a receiver. */
static int dump_to(const struct salvage_conf *c, const struct target *t, int src, uint64_t len)
{
	char dev[256];
	int r;

	if (t->kind == TARGET_TLS) {
		if ((r = open_capture(c, src)))
			return r;   /* the unfiltered vmcore is not sent over the network */
		return init_net_dump(c, t, &cap);
	}
	r = wait_device(c, t, dev, sizeof dev);
	if (!r && t->kind == TARGET_RAW) {
		r = write_dump(c, t, dev, NULL, src, len, NULL, 0);
		if (!r)
			log_info("dump saved on ", dev);
	} else if (!r) {
		r = dump_fs(c, t, dev, src, len);
	}
	return r;
}

static int capture(const struct salvage_conf *c)
{
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
	r = dump_to(c, &c->target, src, (uint64_t)st.st_size);
	if (r)
		log_err("dump failed: ", err_name(r), " (", err_text(r), ")");
	if (r && c->fallback.kind != TARGET_NONE) {
		log_warn("trying the fallback target ", c->fallback.kind == TARGET_TLS ? "tls://" : "",
		         c->fallback.dev);
		if ((r = dump_to(c, &c->fallback, src, (uint64_t)st.st_size)))
			log_err("fallback dump failed: ", err_name(r), " (", err_text(r), ")");
	}
	close(src);
	return r;
}

/* The peak resident memory of this init, for sizing crashkernel=. */
static void log_peak_memory(void)
{
	char status[4096], *hwm;

	if (io_readfile("/proc/self/status", status, sizeof status) > 0 &&
	    (hwm = strstr(status, "VmHWM:"))) {
		char *end = strchr(hwm, '\n');
		if (end)
			*end = 0;
		for (hwm += 6; *hwm == ' ' || *hwm == '\t'; hwm++)
			;
		log_info("peak memory of this init: ", hwm);
	}
}

void init_main(void)
{
	struct salvage_conf conf;

	init_early();
	log_info("crash capture starting");
	/* ONFAULT: lock what is used, not the bss of every other command */
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) < 0)
		log_warn("mlockall: ", err_name(-errno));
	load_conf(&conf);
	init_modules_load(MODULE_LIST);
	capture(&conf);
	log_peak_memory();
	init_final(&conf);
}
