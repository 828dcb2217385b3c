/* Crash hotplug: whether the running kernel keeps the loaded crash image
 * up to date when memory or CPUs are hot-added or removed, and, where it
 * does not, reloads coalesced over a burst of hotplug events.
 *
 * Facts (Linux 6.5+, docs/hotplug.md): with CONFIG_CRASH_HOTPLUG the kernel
 * rewrites the loaded image's elfcorehdr (the crash kernel's list of RAM
 * ranges and CPU notes) on every memory online/offline and CPU
 * online/offline, if the image allows it: always for kexec_file_load, for
 * kexec_load only with KEXEC_UPDATE_ELFCOREHDR (6.5-6.9) or
 * KEXEC_CRASH_HOTPLUG_SUPPORT (6.10+). /sys/devices/system/memory/
 * crash_hotplug and /sys/devices/system/cpu/crash_hotplug exist with the
 * option and read 1 when a crash image is loaded that the kernel updates, 0
 * otherwise (none loaded, or kexec_load without the flag). Without the
 * option (Debian's 6.1) neither file exists and the image keeps the RAM of
 * its load time: hot-added memory is not in the dump until a reload. */
#ifndef SALVAGE_LOAD_HOTPLUG_H
#define SALVAGE_LOAD_HOTPLUG_H

enum load_hotplug {
	LOAD_HOTPLUG_ABSENT,  /* no CRASH_HOTPLUG: reloads are needed */
	LOAD_HOTPLUG_UPDATED, /* the kernel updates the loaded image */
	LOAD_HOTPLUG_NOT_THIS, /* CRASH_HOTPLUG, but no image it updates is loaded */
};

/* From the texts of the two sysfs files (NULL: the file is missing). */
enum load_hotplug load_hotplug_parse(const char *memory, const char *cpu);
/* From the files themselves. */
enum load_hotplug load_hotplug_kernel(void);

/* Who loaded the crash image, as far as the kernel lets salvage tell. */
enum load_owner {
	LOAD_OWNER_NONE,    /* no crash image is loaded */
	LOAD_OWNER_SALVAGE, /* salvage load, the last load it knows of */
	LOAD_OWNER_OTHER,   /* another loader (kexec-tools): not reloaded */
};

/* From kexec_crash_loaded (loaded), whether salvage load kept its
 * arguments since boot (kept) and the kernel's crash hotplug state (h).
 * salvage load's images are kexec_file_load ones, which a crash hotplug
 * kernel always updates (x86): one that reads NOT_THIS is another
 * loader's kexec_load image, even if salvage loaded before it. Without
 * crash hotplug nothing tells a later `kexec -p` apart: kept decides. */
enum load_owner load_hotplug_owner(int loaded, int kept, enum load_hotplug h);

/* DIR/hotplug-missed: its mtime is the last hotplug event that reached
 * neither the loaded image (another loader's, not updated by the kernel)
 * nor a reload. Marked by the udev rule's command, cleared by salvage load. */
#define LOAD_HOTPLUG_MISSED "hotplug-missed"
int load_hotplug_missed_mark(const char *dir);
/* Seconds since that event, or -ENOENT when none was missed. */
long long load_hotplug_missed_age(const char *dir);

/* One reload for a burst of events: each event's process calls this. It
 * marks the event (the mtime of DIR/hotplug.queue), then either leaves the
 * reload to a process already queued (returns 0), or queues itself: waits
 * for the reload in flight (a flock on DIR/hotplug.reload), then until no
 * event came for settle_s seconds (at most max_s in all), and returns 1
 * with the reload lock held until the process exits: the caller reloads.
 * So a burst gives one reload in flight and at most one queued; an event
 * seen by a queued process (before it returns 1) is covered by its reload,
 * since the kernel changes its state before it sends the event. -errno if
 * the lock files cannot be used. */
int load_hotplug_turn(const char *dir, unsigned settle_s, unsigned max_s);
/* The reload lock alone (salvage load, load --reload, unload): waits for
 * a reload in flight; held until the process exits. 0 or -errno. */
int load_hotplug_lock(const char *dir);

#endif
