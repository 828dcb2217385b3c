#!/bin/sh
# tests/qemu/cpus.sh SERIES: the crash kernel with two CPUs. The guest has
# two vCPUs, stage 1's /etc/salvage.conf says crash-cpus 2, so salvage load
# gives the crash kernel nr_cpus=2 and its PID 1 dumps with two workers.
# The crash kernel writes the stream to vdb, then (swap off, so old memory
# is as it was) the whole vmcore as ELF to vdc (swap-test-elf). On the
# host, `salvage dump -j 1` of that vmcore must give the crash kernel's
# stream byte for byte.
set -eu
series=$1
. tests/qemu/lib.sh
qemu_kernel "$series"
w=$Q/cpus-$series
rm -rf "$w"
mkdir -p "$w"
truncate -s 16M "$w/vda.img"
truncate -s 3G "$w/vdb.img"
truncate -s 3G "$w/vdc.img"
printf 'target raw:/dev/vdb\nswap off\nswap-test-elf /dev/vdc\nfinal-action reboot\n' > "$w/salvage.conf"
qemu_crash_initramfs "$w/salvage.conf" "$w/crash.img" > "$w/mkinitramfs.out"
qemu_stage1 "$w/crash.img" "$w/stage1.img"

say "$KVER cpus: 2 vCPUs, crash-cpus 2 (log: $w/console.log)"
QEMU_SMP=2 qemu_run "$w/console.log" "$w/stage1.img" \
	"crashkernel=${CRASHKERNEL:-256M} stage1=crash stage1cpus=2" \
	"$w/vda.img" "$w/vdb.img" "$w/vdc.img" || true

want() { grep -q -- "$2" "$w/console.log" || qemu_fail "$w/console.log" "$1 (no \"$2\" on the console)"; }
want "salvage load did not give nr_cpus=2" "crash kernel command line: .*nr_cpus=2"
want "no panic" "sysrq triggered crash"
want "the crash kernel did not dump with two workers" "salvage: 2 workers filter, read and compress the pages"
want "the crash kernel did not save a dump" "salvage: dump saved"
want "no copy of the vmcore after the dump" "salvage: swap-test-elf: done"
$SALVAGE collect "$w/vdb.img" "$w/out" > "$w/collect.out" 2>&1
$SALVAGE collect "$w/vdc.img" "$w/after" > "$w/collect-elf.out" 2>&1
$SALVAGE dump -j 1 -d 31 -o "$w/j1.salvage" "$w/after/vmcore" 2> "$w/dump-j1.out"
cmp "$w/out/vmcore.salvage" "$w/j1.salvage" ||
	qemu_fail "$w/console.log" "the crash kernel's stream (2 workers) differs from salvage dump -j 1 of its vmcore"
say "$KVER cpus: ok; the crash kernel's stream ($(stat -c %s "$w/j1.salvage") bytes, 2 workers) is salvage dump -j 1's, byte for byte"
