#!/bin/sh
# tests/qemu/five-level.sh: the 6.1 crash again on QEMU's "max" CPU, which
# has LA57, so Debian's kernel runs with 5-level page tables; the vmcore
# must say so (NUMBER(pgtable_l5_enabled)=1) and filter.sh must pass on it.
# Leaves the 5-level vmcore in build/qemu/crash-6.1-raw-elf.
set -eu
QEMU_CPU=max sh tests/qemu/crash.sh 6.1 raw-elf
elf=build/qemu/crash-6.1-raw-elf/out/vmcore
head -c 1048576 "$elf" | tr -c '[:print:]' '\n' | grep -qx 'NUMBER(pgtable_l5_enabled)=1' ||
	{ echo "FAIL: five-level: the guest did not run with 5-level paging"; exit 1; }
echo "qemu: 5-level paging in the crashed kernel"
sh tests/qemu/filter.sh 6.1
