#!/bin/sh
# tests/qemu/full-disk.sh: the crash kernel's target fills up. A 24 MB ext4
# disk cannot hold the ~40 MB stream of the 2 GB guest: init must say the
# target is full, not retry with the bigger unfiltered vmcore, keep what it
# wrote (dmesg.txt whole, vmcore.salvage.partial), and still reboot;
# salvage collect must refuse the partial dump.
set -eu
. tests/qemu/lib.sh
qemu_kernel 6.1
w=$Q/full-disk
rm -rf "$w"
mkdir -p "$w"
truncate -s 16M "$w/vda.img"
truncate -s 24M "$w/vdb.img"
mkfs.ext4 -q -L dumps "$w/vdb.img"
printf 'target fs:LABEL=dumps:/var/crash\nfinal-action reboot\n' > "$w/salvage.conf"
qemu_crash_initramfs "$w/salvage.conf" "$w/crash.img" > "$w/mkinitramfs.out"
qemu_stage1 "$w/crash.img" "$w/stage1.img"
say "$KVER: dump to a disk too small for it (log: $w/console.log)"
qemu_run "$w/console.log" "$w/stage1.img" "crashkernel=256M stage1=crash" "$w/vda.img" "$w/vdb.img" || true

expect() { grep -qE -- "$1" "$w/console.log" || qemu_fail "$w/console.log" "$2"; }
expect "salvage: the target failed \(ENOSPC\)" "no clear full-disk error"
expect "salvage: rebooting" "no final action after the failure"
grep -q "falling back" "$w/console.log" && qemu_fail "$w/console.log" "retried unfiltered on a full disk"
debugfs -R "rdump /var/crash $w" "$w/vdb.img" 2>/dev/null
ls "$w"/crash/*/vmcore.salvage.partial > /dev/null || qemu_fail "$w/console.log" "the partial dump is gone"
grep -q "sysrq triggered crash" "$w"/crash/*/dmesg.txt || qemu_fail "$w/console.log" "dmesg.txt lost"
if $SALVAGE collect "$w/crash" "$w/out" 2> "$w/collect.err"; then
	qemu_fail "$w/console.log" "collect took a partial dump"
fi
grep -q "no completed dump found" "$w/collect.err" || { cat "$w/collect.err"; exit 1; }
say "$KVER: full disk ok: $(grep -o 'the target failed ([A-Z]*)' "$w/console.log"), dmesg.txt and the partial stream kept"
