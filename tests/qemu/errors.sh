#!/bin/sh
# tests/qemu/errors.sh SERIES: salvage load's error paths in a real guest:
# an image too large for the reservation, a kernel refused by lockdown, a
# missing option, status, and a kernel booted without crashkernel=.
# (128M: Debian's kernels need about 64 MiB of the reservation to unpack.)
set -eu
series=$1
. tests/qemu/lib.sh
qemu_kernel "$series"
w=$Q/errors-$series
rm -rf "$w"
mkdir -p "$w"
echo "target raw:/dev/vdb" > "$w/salvage.conf"
qemu_crash_initramfs "$w/salvage.conf" "$w/crash.img" > "$w/mkinitramfs.out"
qemu_stage1 "$w/crash.img" "$w/stage1.img"

expect() { # LOG PATTERN WHAT
	grep -q -- "$2" "$1" || qemu_fail "$1" "$3: no \"$2\""
}

say "$KVER: load errors with crashkernel=128M lockdown=integrity"
qemu_run "$w/lockdown.log" "$w/stage1.img" "crashkernel=128M lockdown=integrity stage1=errors" || true
expect "$w/lockdown.log" "stage1: done" "guest did not finish"
expect "$w/lockdown.log" "do not fit in the crashkernel= reservation (128 MiB)" "too large"
expect "$w/lockdown.log" "refused by kernel lockdown (integrity)" "lockdown"
expect "$w/lockdown.log" "usage: salvage load" "missing --initrd"
expect "$w/lockdown.log" "stage1: exit 100" "usage exit code"
expect "$w/lockdown.log" "crash kernel: not loaded" "status"
expect "$w/lockdown.log" "reservation: 128 MiB" "status reservation"
[ "$(grep -c 'stage1: exit 111' "$w/lockdown.log")" = 2 ] || qemu_fail "$w/lockdown.log" "exit codes"

say "$KVER: load without crashkernel="
qemu_run "$w/noreserve.log" "$w/stage1.img" "stage1=errors" || true
expect "$w/noreserve.log" "stage1: done" "guest did not finish"
expect "$w/noreserve.log" "no crash kernel memory reserved: boot with crashkernel=" "no reservation"
expect "$w/noreserve.log" "reservation: 0 MiB (boot with crashkernel= to reserve memory)" "status"
say "$KVER: load errors ok"
