#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../init/pci.h"
#include "../../lib/err.h"
#include "check.h"

/* A fake sysfs: ROOT/bus/pci/devices/BDF/config (a 64-byte header) and,
 * for a bound device, a driver symbolic link as sysfs has it. */
static char root[256];

static void tree(void)
{
	char p[320];

	snprintf(root, sizeof root, "%s", check_tmpdir());
	chmod(root, 0755);  /* the refused-write test reads it as nobody */
	snprintf(p, sizeof p, "%s/bus", root);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/bus/pci", root);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/bus/pci/devices", root);
	mkdir(p, 0755);
}

/* Header type ht, class cls (base, sub, prog-if), command cmd; status
 * 0x0010 (capabilities list) and a few BAR bytes that must stay. */
static void fn(const char *bdf, unsigned ht, unsigned cls, unsigned cmd, const char *driver)
{
	unsigned char c[64] = { 0xf4, 0x1a, 0x01, 0x10 };
	char p[512];
	int fd;

	c[4] = (unsigned char)cmd, c[5] = (unsigned char)(cmd >> 8);
	c[6] = 0x10;
	c[9] = (unsigned char)cls, c[10] = (unsigned char)(cls >> 8), c[11] = (unsigned char)(cls >> 16);
	c[14] = (unsigned char)ht;
	c[16] = 0x01, c[17] = 0xc0;
	snprintf(p, sizeof p, "%s/bus/pci/devices/%s", root, bdf);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/bus/pci/devices/%s/config", root, bdf);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, c, sizeof c) != (ssize_t)sizeof c || close(fd))
		printf("FAIL writing %s\n", p);
	if (driver) {
		char link[128];
		snprintf(link, sizeof link, "../../../../bus/pci/drivers/%s", driver);
		snprintf(p, sizeof p, "%s/bus/pci/devices/%s/driver", root, bdf);
		if (symlink(link, p))
			printf("FAIL symlink %s\n", p);
	}
}

static void config(const char *bdf, unsigned char c[64])
{
	char p[512];
	int fd;

	snprintf(p, sizeof p, "%s/bus/pci/devices/%s/config", root, bdf);
	memset(c, 0, 64);
	fd = open(p, O_RDONLY);
	if (fd < 0 || read(fd, c, 64) != 64)
		printf("FAIL reading %s\n", p);
	if (fd >= 0)
		close(fd);
}

static unsigned command(const char *bdf)
{
	unsigned char c[64];

	config(bdf, c);
	return c[4] | c[5] << 8;
}

TEST(pci_unbound_endpoint_loses_bus_master_bound_keeps_it)
{
	struct init_pci_count n;
	unsigned char before[64], after[64];

	tree();
	fn("0000:00:00.0", 0x00, 0x060000, 0x0106, NULL);     /* host bridge */
	fn("0000:00:01.0", 0x81, 0x060400, 0x0107, NULL);     /* PCI-to-PCI, multi-function */
	fn("0000:00:02.0", 0x00, 0x010000, 0x0107, "virtio-pci");
	fn("0000:00:03.0", 0x00, 0x020000, 0x0507, NULL);     /* e1000, INTx disabled */
	fn("0000:00:04.0", 0x00, 0x030000, 0x0003, NULL);     /* VGA, already off */
	fn("0000:00:05.0", 0x80, 0x020000, 0x0106, "vfio-pci");
	fn("0000:00:06.0", 0x00, 0x080600, 0x0006, NULL);     /* IOMMU */
	fn("0000:01:00.0", 0x00, 0x010802, 0x0406, "nvme");
	config("0000:00:03.0", before);

	CHECK_INT(0, init_pci_stop_dma(root, &n));
	CHECK_INT(5, n.endpoints);
	CHECK_INT(2, n.bound);
	CHECK_INT(2, n.cleared);
	CHECK_INT(1, n.already_off);
	CHECK_INT(0, n.failed);
	CHECK_INT(3, n.skipped);

	CHECK_INT(0x0503, command("0000:00:03.0"));
	CHECK_INT(0x0102, command("0000:00:05.0"));
	CHECK_INT(0x0107, command("0000:00:02.0"));
	CHECK_INT(0x0406, command("0000:01:00.0"));
	CHECK_INT(0x0106, command("0000:00:00.0"));
	CHECK_INT(0x0107, command("0000:00:01.0"));
	CHECK_INT(0x0006, command("0000:00:06.0"));
	CHECK_INT(0x0003, command("0000:00:04.0"));
	/* only bit 2 of the command register changed: status and the rest stay */
	config("0000:00:03.0", after);
	before[4] &= ~4;
	CHECK_MEM(before, after, 64);

	/* a second pass finds them off */
	CHECK_INT(0, init_pci_stop_dma(root, &n));
	CHECK_INT(0, n.cleared);
	CHECK_INT(3, n.already_off);
}

TEST(pci_unknown_state_fails)
{
	struct init_pci_count n;
	char p[512];
	int fd;

	tree();
	fn("0000:00:03.0", 0x00, 0x020000, 0x0007, NULL);
	fn("0000:00:04.0", 0x00, 0x020000, 0xffff, NULL);
	/* all ones: a function that does not answer */
	snprintf(p, sizeof p, "%s/bus/pci/devices/0000:00:04.0/config", root);
	fd = open(p, O_WRONLY);
	if (fd < 0 || write(fd, "\xff\xff\xff\xff", 4) != 4 || close(fd))
		printf("FAIL writing %s\n", p);
	/* a header shorter than 16 bytes */
	snprintf(p, sizeof p, "%s/bus/pci/devices/0000:00:05.0", root);
	mkdir(p, 0755);
	check_write(p, "config", "\x86\x80");
	/* a bound device with an unreadable header is still left alone */
	snprintf(p, sizeof p, "%s/bus/pci/devices/0000:00:06.0", root);
	mkdir(p, 0755);
	fn("0000:00:06.0", 0, 0x020000, 0x0007, "e1000");
	snprintf(p, sizeof p, "%s/bus/pci/devices/0000:00:06.0/config", root);
	truncate(p, 2);

	CHECK_INT(-SALVAGE_E_PCI_BUS_MASTER, init_pci_stop_dma(root, &n));
	CHECK_INT(4, n.endpoints);
	CHECK_INT(1, n.cleared);
	CHECK_INT(2, n.failed);
	CHECK_INT(1, n.bound);
	CHECK_INT(0x0003, command("0000:00:03.0"));
}

/* The kernel refuses the write (lockdown, no CAP_SYS_ADMIN): a read-only
 * config file, opened by someone who is not root. */
TEST(pci_refused_write_fails)
{
	struct init_pci_count n = { 0 };
	char p[512];
	int fds[2];
	pid_t pid;
	int r = 0, st;

	tree();
	fn("0000:00:03.0", 0x00, 0x020000, 0x0007, NULL);
	fn("0000:00:04.0", 0x00, 0x020000, 0x0007, NULL);
	snprintf(p, sizeof p, "%s/bus/pci/devices/0000:00:04.0/config", root);
	chmod(p, 0444);
	if (geteuid() != 0) {
		r = init_pci_stop_dma(root, &n);
	} else {
		/* root writes a read-only file: run the scan as nobody */
		snprintf(p, sizeof p, "%s/bus/pci/devices/0000:00:03.0/config", root);
		chown(p, 65534, 65534);
		if (pipe(fds))
			CHECK_SKIP("no pipe");
		if ((pid = fork()) == 0) {
			close(fds[0]);
			if (setgid(65534) || setuid(65534))
				_exit(2);
			r = init_pci_stop_dma(root, &n);
			_exit(write(fds[1], &r, sizeof r) != sizeof r ||
			      write(fds[1], &n, sizeof n) != sizeof n);
		}
		close(fds[1]);
		if (pid < 0 || read(fds[0], &r, sizeof r) != sizeof r || read(fds[0], &n, sizeof n) != sizeof n)
			r = 1;
		close(fds[0]);
		waitpid(pid, &st, 0);
	}
	CHECK_INT(-SALVAGE_E_PCI_BUS_MASTER, r);
	CHECK_INT(1, n.cleared);
	CHECK_INT(1, n.failed);
	CHECK_INT(0x0007, command("0000:00:04.0"));
	CHECK_INT(0x0003, command("0000:00:03.0"));
}

TEST(pci_no_bus_and_no_sysfs)
{
	struct init_pci_count n;
	char p[320];

	snprintf(root, sizeof root, "%s", check_tmpdir());
	snprintf(p, sizeof p, "%s/bus", root);
	mkdir(p, 0755);
	CHECK_INT(0, init_pci_stop_dma(root, &n));
	CHECK_INT(0, n.endpoints + n.skipped);
	snprintf(p, sizeof p, "%s/none", root);
	CHECK_INT(-ENOENT, init_pci_stop_dma(p, &n));
}

/* More devices than the log lists: every one is still cleared and counted. */
TEST(pci_many_devices)
{
	struct init_pci_count n;
	char bdf[16];

	tree();
	for (int i = 0; i < 40; i++) {
		snprintf(bdf, sizeof bdf, "0000:%02x:00.0", i + 1);
		fn(bdf, 0, 0x0c0330, 0x0006, NULL);
	}
	CHECK_INT(0, init_pci_stop_dma(root, &n));
	CHECK_INT(40, n.cleared);
	CHECK_INT(0x0002, command("0000:28:00.0"));
}
