#!/bin/sh
# All QEMU crash-injection tests: the Debian kernels (6.1, 6.12, the newest
# 7.x), both disk target kinds (filtered stream), the unfiltered format and the network dump, a
# reservation mostly from CMA (7.x), the page filter checked
# against makedumpfile, crash and drgn, salvage load's error paths, and Bus Master Enable
# off for a PCI device with no driver, 64 GB guests with the 2 GB guest's
# crashkernel=, the package's units in a systemd guest, memory hot-added
# after the load (crash hotplug). Each test's time is printed after it
# (the suite's budget); last line: N passed, N failed.
set -u
pass=0 fail=0
run() {
	t=$(date +%s)
	if sh "$@"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: tests/qemu/$*"
	fi
	echo "time: tests/qemu/$*: $(($(date +%s) - t)) s"
}
for series in 6.1 6.12; do
	run tests/qemu/crash.sh "$series" raw
	run tests/qemu/crash.sh "$series" fs
	run tests/qemu/crash.sh "$series" raw-elf
done
# ChaCha20 on QEMU's default CPU; our AES-GCM records on its "max" model
run tests/qemu/net.sh 6.1
run tests/qemu/net.sh 6.12 aes
# an unseeded crash kernel (no RDRAND, no virtio-rng, armed by kexec-tools)
run tests/qemu/entropy.sh 6.1
run tests/qemu/entropy.sh 7
run tests/qemu/filter.sh 6.1
run tests/qemu/filter.sh 6.12
# the newest Debian 7.x: its dumps read by sid's crash and drgn (a sid chroot)
run tests/qemu/crash.sh 7 raw
run tests/qemu/crash.sh 7 fs
run tests/qemu/net.sh 7
run tests/qemu/filter.sh 7
# crashkernel=FIXED crashkernel=SIZE,cma: the crash kernel's memory mostly CMA
run tests/qemu/cma.sh 7
run tests/qemu/five-level.sh
run tests/qemu/full-disk.sh
run tests/qemu/net-fallback.sh 6.1
run tests/qemu/errors.sh 6.1
# the swap shim in the first kernel: swap needed, repairs, EIO
run tests/qemu/swap.sh 6.1
run tests/qemu/swap.sh 7
# Bus Master Enable off for a device without a driver in the crash kernel
for series in 6.1 7; do run tests/qemu/pci.sh "$series"; done
# the old-memory swap in a crash kernel with a small reservation
run tests/qemu/shim.sh 6.1
run tests/qemu/shim.sh 7
# two CPUs in the crash kernel (crash-cpus 2): the same stream as one thread
run tests/qemu/cpus.sh 6.1
# 1 GiB hot-added over QMP after salvage load: 6.1 reloads (coalesced),
# 7.x updates the image itself; 6.1 armed by kexec-tools' kexec -p: salvage
# does not replace that image, says it lacks the DIMM, and the dump does
run tests/qemu/hotplug.sh 6.1
run tests/qemu/hotplug.sh 6.1 kexec
run tests/qemu/hotplug.sh 7
# a 64 GB guest (RAM mapped, not reserved) with the 2 GB guest's crashkernel=
run tests/qemu/large.sh 6.1
run tests/qemu/large.sh 7
# the Debian package in a bookworm systemd guest: armed at boot, crash,
# reboot, collected at the next boot (6.1 only)
run tests/qemu/systemd.sh
echo "qemu: $pass passed, $fail failed"
[ "$fail" = 0 ]
