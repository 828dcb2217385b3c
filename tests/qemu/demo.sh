#!/bin/sh
# make demo: boot Debian's 6.1 kernel under QEMU, arm salvage with
# `salvage load`, panic the guest with sysrq, let salvage's init write the
# filtered dump to an ext4 disk, read it back, convert it to a standard
# kdump-compressed vmcore, and show the crashed kernel's log.
set -eu
. tests/qemu/lib.sh
qemu_kernel 6.1
w=build/demo
rm -rf "$w"
mkdir -p "$w"
truncate -s 16M "$w/vda.img"
truncate -s 3G "$w/dumpdisk.img"
mkfs.ext4 -q -L dumps "$w/dumpdisk.img"
printf 'target fs:LABEL=dumps:/var/crash\nfinal-action reboot\n' > "$w/salvage.conf"
qemu_crash_initramfs "$w/salvage.conf" "$w/crash.img"
qemu_stage1 "$w/crash.img" "$w/stage1.img"

say "booting $KVER (2 GB guest, crashkernel=256M); salvage lines from the console:"
qemu_run "$w/console.log" "$w/stage1.img" "crashkernel=256M stage1=crash" "$w/vda.img" "$w/dumpdisk.img" || true
grep -E "salvage: |sysrq triggered crash" "$w/console.log" | grep -v "dump [0-9]*%" | sed 's/^/  /'
grep -q "salvage: dump saved" "$w/console.log" || qemu_fail "$w/console.log" "no dump was saved"

debugfs -R "rdump /var/crash $w" "$w/dumpdisk.img" 2>/dev/null
$SALVAGE collect "$w/crash" "$w/dump" 2>/dev/null
$SALVAGE convert "$w/dump/vmcore.salvage" "$w/dump/vmcore" 2>/dev/null
echo
echo "The dump, written by salvage in the crash kernel to $(grep -o 'dump saved in [^ ]*' "$w/console.log" | sed 's/dump saved in //')"
echo "on the guest's ext4 disk ($w/dumpdisk.img), read back and converted:"
echo "  $w/dump/vmcore.salvage  $(du -h "$w/dump/vmcore.salvage" | cut -f1)  the salvage stream (lz4, dump level 31)"
echo "  $w/dump/vmcore          $(du -h "$w/dump/vmcore" | cut -f1)  kdump-compressed, for: crash vmlinux $w/dump/vmcore"
echo "  (the guest had 2 GB of RAM; /proc/vmcore was $(grep -o 'vmcore: [0-9]* MiB' "$w/console.log" | head -1 | sed 's/vmcore: //'))"
echo "The crashed kernel's last log lines, from the panic on (salvage dmesg of the dump):"
$SALVAGE dmesg "$w/dump/vmcore" | sed -n '/sysrq: Trigger a crash/,$p' | head -n 12 | cut -c1-110 | sed 's/^/  /'
