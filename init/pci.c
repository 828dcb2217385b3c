#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/le.h"
#include "../lib/log.h"
#include "pci.h"

/* The type 0/1 configuration header (PCI Local Bus 3.0, 6.1; the same
 * offsets in every PCIe function): vendor and device IDs, the command
 * register, the class code (prog-if, subclass, base class) and the header
 * type, whose bit 7 only says "multi-function". */
enum {
	CFG_VENDOR = 0x00, CFG_DEVICE = 0x02, CFG_COMMAND = 0x04, CFG_CLASS = 0x09,
	CFG_HEADER_TYPE = 0x0e, CFG_HEADER_LEN = 16,
	CMD_BUS_MASTER = 1 << 2,
	HEADER_ENDPOINT = 0,
	CLASS_BRIDGE = 0x06,    /* host, ISA, PCI-to-PCI, CardBus... bridges */
	CLASS_IOMMU = 0x0806,   /* base system peripheral, IOMMU */
	LOG_DEVICES = 16,       /* lines for cleared devices, and for failed ones */
};

/* What the scan does with one function. */
enum verdict { SKIP, BOUND, CLEARED, ALREADY_OFF, FAILED };

struct pci_fn {
	const char *name;       /* BDF, the directory's name */
	unsigned char cfg[CFG_HEADER_LEN];
};

/* A bridge's Bus Master Enable gates the DMA of everything behind it; the
 * chipset's own functions (host and ISA bridges, class 06, header type 0)
 * and an IOMMU with no PCI driver (AMD's is set up from ACPI) carry the
 * crash kernel's own DMA. */
static int left_alone(const struct pci_fn *f)
{
	unsigned cls = le16_get(f->cfg + CFG_CLASS + 1);

	return (f->cfg[CFG_HEADER_TYPE] & 0x7f) != HEADER_ENDPOINT ||
	       cls >> 8 == CLASS_BRIDGE || cls == CLASS_IOMMU;
}

/* 1 when a driver the crash kernel uses is bound. pci-stub and vfio-pci
 * only hold a device away from other drivers (vfio-pci for a crashed
 * host's virtual machines, whose DMA into old memory is what we stop). */
static int driven(int dirfd, const char *name)
{
	char path[300], target[256];
	const char *base;
	ssize_t len;

	snprintf(path, sizeof path, "%s/driver", name);
	len = readlinkat(dirfd, path, target, sizeof target - 1);
	if (len < 0)
		return errno != ENOENT;   /* unreadable: assume in use, never clear */
	target[len] = 0;
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	return strcmp(base, "pci-stub") && strcmp(base, "vfio-pci");
}

/* Clears Bus Master Enable of an endpoint with no driver, with a 2-byte
 * write: a 4-byte one would also write the status register, whose error
 * bits clear when written with 1. The other command bits are kept. */
static enum verdict clear(int dirfd, const struct pci_fn *f, const char **why)
{
	char path[300];
	unsigned char cmd[2];
	unsigned old = le16_get(f->cfg + CFG_COMMAND);
	enum verdict v = CLEARED;
	int fd;

	snprintf(path, sizeof path, "%s/config", f->name);
	fd = openat(dirfd, path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return *why = err_name(-errno), FAILED;
	le16_put(cmd, old & ~CMD_BUS_MASTER);
	if (io_pwriteall(fd, cmd, 2, CFG_COMMAND))
		v = FAILED, *why = "write refused";
	else if (io_preadall(fd, cmd, 2, CFG_COMMAND) != 2 || le16_get(cmd) & CMD_BUS_MASTER)
		v = FAILED, *why = "still on after the write";
	else if (driven(dirfd, f->name)) {
		/* a driver bound meanwhile (asynchronous probe): give it back */
		le16_put(cmd, old);
		io_pwriteall(fd, cmd, 2, CFG_COMMAND);
		v = BOUND;
	}
	close(fd);
	return v;
}

/* The verdict on one function; why says what failed. */
static enum verdict examine(int dirfd, struct pci_fn *f, const char **why)
{
	char path[300];
	int fd;
	long got;

	snprintf(path, sizeof path, "%s/config", f->name);
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	got = fd < 0 ? -errno : io_preadall(fd, f->cfg, sizeof f->cfg, 0);
	if (fd >= 0)
		close(fd);
	if (got == sizeof f->cfg && le16_get(f->cfg + CFG_VENDOR) != 0xffff && left_alone(f))
		return SKIP;
	if (driven(dirfd, f->name))
		return BOUND;
	if (got != sizeof f->cfg) {
		memset(f->cfg, 0, sizeof f->cfg);
		return *why = got < 0 ? err_name((int)got) : "config header short", FAILED;
	}
	if (le16_get(f->cfg + CFG_VENDOR) == 0xffff)
		return *why = "config reads all ones", FAILED;
	if (!(le16_get(f->cfg + CFG_COMMAND) & CMD_BUS_MASTER))
		return ALREADY_OFF;
	return clear(dirfd, f, why);
}

static void say(const struct pci_fn *f, enum verdict v, const char *why)
{
	const unsigned char *c = f->cfg;
	char id[48];

	snprintf(id, sizeof id, "%04x:%04x class %02x%02x%02x", le16_get(c + CFG_VENDOR),
	         le16_get(c + CFG_DEVICE), c[CFG_CLASS + 2], c[CFG_CLASS + 1], c[CFG_CLASS]);
	if (v == CLEARED)
		log_info("PCI ", f->name, " ", id, ": bus mastering off (no driver)");
	else
		log_err("PCI ", f->name, " ", id, ": bus mastering not known to be off: ", why);
}

static void report(const struct init_pci_count *n, unsigned unlogged)
{
	log_info("PCI DMA: ", U64(n->endpoints), " endpoints: ", U64(n->bound), " with a driver kept, ",
	         U64(n->cleared), " bus mastering cleared, ", U64(n->already_off), " already off, ",
	         U64(n->failed), " failed", unlogged ? " (" : "", unlogged ? U64(unlogged) : "",
	         unlogged ? " not listed)" : "", "; ", U64(n->skipped), " bridges and IOMMUs left alone");
}

int init_pci_stop_dma(const char *sysfs_root, struct init_pci_count *n)
{
	char path[256];
	struct dirent *e;
	unsigned unlisted = 0;
	DIR *d;

	memset(n, 0, sizeof *n);
	snprintf(path, sizeof path, "%s/bus/pci/devices", sysfs_root);
	if (!(d = opendir(path))) {
		int r = -errno;
		snprintf(path, sizeof path, "%s/bus", sysfs_root);
		if (r == -ENOENT && !access(path, F_OK)) {
			log_info("PCI DMA: no PCI bus");
			return 0;
		}
		log_err(path, "/pci/devices: ", err_name(r));
		return r;
	}
	while ((e = readdir(d))) {
		struct pci_fn f = { .name = e->d_name };
		const char *why = "";
		enum verdict v;

		if (e->d_name[0] == '.')
			continue;
		v = examine(dirfd(d), &f, &why);
		n->skipped += v == SKIP;
		n->endpoints += v != SKIP;
		n->bound += v == BOUND;
		n->cleared += v == CLEARED;
		n->already_off += v == ALREADY_OFF;
		n->failed += v == FAILED;
		/* the failed ones apart: many cleared never hide one */
		if (v == CLEARED || v == FAILED) {
			if ((v == CLEARED ? n->cleared : n->failed) <= LOG_DEVICES)
				say(&f, v, why);
			else
				unlisted++;
		}
	}
	closedir(d);
	report(n, unlisted);
	return n->failed ? -SALVAGE_E_PCI_BUS_MASTER : 0;
}
