#!/bin/sh
# tests/qemu/crash.sh SERIES TARGET: crash a real Debian kernel under QEMU
# and check the dump salvage's init wrote to a second virtio disk.
#   SERIES  6.1 | 6.12 | 7 (the newest 7.x, see scripts/kernel.sh)
#   TARGET  raw | fs       the filtered salvage stream (the default format)
#           raw-elf        `format elf`: the whole /proc/vmcore, unfiltered
#                          (left in build/qemu/crash-SERIES-raw-elf/out/vmcore
#                          for the filter tests)
# Checks on the host: the dump is collected; a stream converts to a
# kdump-compressed file and to an ELF core; the ELF core's VMCOREINFO
# OSRELEASE is the guest kernel's; makedumpfile --dump-dmesg and salvage dmesg
# find "sysrq triggered crash" in it.
set -eu
series=$1 kind=$2
. tests/qemu/lib.sh
qemu_kernel "$series"
w=$Q/crash-$series-$kind
rm -rf "$w"
mkdir -p "$w"

truncate -s 16M "$w/vda.img"
truncate -s 3G "$w/vdb.img"
case $kind in
raw) echo "target raw:/dev/vdb" > "$w/salvage.conf" ;;
raw-elf) printf 'target raw:/dev/vdb\nformat elf\n' > "$w/salvage.conf" ;;
fs)
	echo "target fs:LABEL=dumps:/var/crash" > "$w/salvage.conf"
	mkfs.ext4 -q -L dumps "$w/vdb.img"
	;;
esac
echo "final-action reboot" >> "$w/salvage.conf"
qemu_crash_initramfs "$w/salvage.conf" "$w/crash.img" > "$w/mkinitramfs.out"
qemu_stage1 "$w/crash.img" "$w/stage1.img"

say "$KVER $kind: boot, load, panic, dump (log: $w/console.log)"
qemu_run "$w/console.log" "$w/stage1.img" "crashkernel=${CRASHKERNEL:-256M} stage1=crash" \
	"$w/vda.img" "$w/vdb.img" || true

grep -q "crash kernel loaded" "$w/console.log" || qemu_fail "$w/console.log" "salvage load did not load"
grep -q "sysrq triggered crash" "$w/console.log" || qemu_fail "$w/console.log" "no panic"
grep -q "salvage: dump saved" "$w/console.log" || qemu_fail "$w/console.log" "crash kernel did not save a dump"
# the loaded modules' files left the rootfs (init/modules.c)
grep -q "salvage: initramfs: freed [1-9][0-9]* module files, [0-9]* KiB" "$w/console.log" ||
	qemu_fail "$w/console.log" "init did not free the loaded modules' files"

case $kind in
raw*) $SALVAGE collect "$w/vdb.img" "$w/out" ;;
fs)
	debugfs -R "rdump /var/crash $w" "$w/vdb.img" 2>/dev/null
	$SALVAGE collect "$w/crash" "$w/out"
	grep -q "sysrq triggered crash" "$w"/crash/*/dmesg.txt ||
		qemu_fail "$w/console.log" "no dmesg.txt beside the dump"
	;;
esac
if [ "$kind" = raw-elf ]; then
	grep -q "falling back" "$w/console.log" && qemu_fail "$w/console.log" "elf format fell back"
	elf=$w/out/vmcore
	kdump=$w/out/vmcore
else
	grep -q "falling back" "$w/console.log" && qemu_fail "$w/console.log" "the filtered dump failed"
	[ -f "$w/out/vmcore.salvage" ] || qemu_fail "$w/console.log" "no stream collected"
	$SALVAGE convert "$w/out/vmcore.salvage" "$w/out/vmcore"
	$SALVAGE convert --elf "$w/out/vmcore.salvage" "$w/out/vmcore.elf"
	elf=$w/out/vmcore.elf
	kdump=$w/out/vmcore
	say "$KVER $kind: stream $(du -h "$w/out/vmcore.salvage" | cut -f1), kdump-compressed $(du -h "$kdump" | cut -f1)"
fi
python3 tests/qemu/vmcore_check.py "$elf" "$KVER" || qemu_fail "$w/console.log" "bad vmcore"
makedumpfile --dump-dmesg "$kdump" "$w/dmesg.txt" > "$w/makedumpfile.out" 2>&1 ||
	{ cat "$w/makedumpfile.out"; qemu_fail "$w/console.log" "makedumpfile --dump-dmesg failed"; }
grep -q "sysrq triggered crash" "$w/dmesg.txt" || qemu_fail "$w/console.log" "dmesg from the dump lacks the panic"
$SALVAGE dmesg "$w/out/$(basename "$kdump")" > "$w/salvage-dmesg.txt"
grep -q "sysrq triggered crash" "$w/salvage-dmesg.txt" || qemu_fail "$w/console.log" "salvage dmesg lacks the panic"

t0=$(qemu_when "$w/console.log" "sysrq triggered crash")
t1=$(qemu_when "$w/console.log" "salvage: dump saved")
say "$KVER $kind: ok; panic to dump saved: $(awk "BEGIN{print $t1 - $t0}") s"
