/* Stopping DMA from PCI devices the crash kernel does not drive, before
 * the crashed kernel's memory is lent as swap (docs/shim.md#dma). */
#ifndef SALVAGE_INIT_PCI_H
#define SALVAGE_INIT_PCI_H

struct init_pci_count {
	unsigned endpoints;   /* header type 0 functions, bridges and IOMMUs left out */
	unsigned bound;       /* endpoints with a driver: left as they are */
	unsigned cleared;     /* no driver, Bus Master Enable was on: now off, read back */
	unsigned already_off; /* no driver, Bus Master Enable already off */
	unsigned failed;      /* no driver, and not known to be off: unreadable
	                       * config, write refused, or still on after the write */
	unsigned skipped;     /* bridges (header type 1 or 2, class 06) and IOMMUs: left alone */
};

/* For every function in SYSFS_ROOT/bus/pci/devices (sysfs_root is "/sys"
 * in the crash kernel; a parameter so tests can point it at a fake tree):
 * an endpoint with no driver bound gets Bus Master Enable (bit 2 of the
 * command register, config offset 4) cleared by a 2-byte write to its
 * sysfs config file, then read back. A function with a driver (built in or
 * a module) is never touched: the crash kernel may be using it. Bridges are
 * never touched: their bit gates the DMA of every device behind them,
 * the crash kernel's disk or NIC included. Drivers that only hold a device
 * (pci-stub, vfio-pci) count as no driver.
 *
 * Call it after the crash kernel's modules are loaded (PID 1 does: a PCI
 * driver binds in its module's init, before insmod returns; the target's
 * block device may appear later, its PCI function is bound by then). A
 * driver that binds later still sets the bit again itself
 * (pci_set_master); a device that appears later is not seen.
 *
 * Logs one line per cleared or failed device (at most 16 of each) and
 * one line of counts. n is filled in every case. Returns 0 when every
 * endpoint without a driver is known to have bus mastering off
 * (n->failed == 0): only then may old memory be lent.
 * -SALVAGE_E_PCI_BUS_MASTER when n->failed > 0; -errno when the device
 * list cannot be read. No PCI bus at all
 * (SYSFS_ROOT/bus but no bus/pci) is 0 with every count 0. */
int init_pci_stop_dma(const char *sysfs_root, struct init_pci_count *n);

#endif
