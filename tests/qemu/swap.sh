#!/bin/sh
# tests/qemu/swap.sh SERIES: the swap shim in the first kernel (no crash).
# The guest has 512 MiB and boots with memmap=320M$128M: those 320 MiB are
# RAM the kernel leaves alone (e820 reserved, not busy), reached through
# /dev/mem as old memory is in a crash kernel (below the kernel's highest
# RAM: /dev/mem refuses addresses above it, so not mem=). `salvage
# swaptest` runs a child writing and reading back 200 MiB, more than the
# 192 MiB the kernel has: it is killed without swap, completes on
# the shim; with copy A of 5 % of the blocks corrupted after each write it
# completes with repairs counted; with both copies of 2 % corrupted it
# dies (SIGBUS on the unreadable block) and the errors are counted; with
# a server that stops answering after 50 requests, nbd's timeout drops
# the connection, swaptest sees it and kills the child (reclaim onto a
# dead device spun past the test's 600 s once), and the swap is turned
# off. A
# range beyond the guest's RAM, out of /dev/mem's reach, is left out. The
# stage-1 shell, PID 1 here, is kept out of the swap by a cgroup (in the
# crash kernel PID 1 is salvage, mlocked), and its program, the toybox
# file on the rootfs, by rootfstype=ramfs: on the default tmpfs rootfs
# the file's pages are shmem, charged to the root cgroup at unpacking,
# and global reclaim may swap them out, where a block damaged in both
# copies would kill PID 1 with SIGBUS (ramfs pages are never reclaimed).
set -eu
series=$1
. tests/qemu/lib.sh
qemu_kernel "$series"
w=$Q/swap-$series
rm -rf "$w"
mkdir -p "$w"
nbd=$(ls "$MODDIR"/kernel/drivers/block/nbd.ko*)
: > "$w/none.img"
qemu_stage1 "$w/none.img" "$w/stage1.img" "$nbd"
say "$KVER: swap shim, 512 MiB guest with 320 MiB set aside, child 200 MiB"
GUEST_MEM=512 qemu_run "$w/swap.log" "$w/stage1.img" \
	"memmap=320M\$128M rootfstype=ramfs stage1=swap swapmem=128:320 swapchild=200" || true
log=$w/swap.log

expect() { # PATTERN WHAT
	grep -q -- "$1" "$log" || qemu_fail "$log" "$2: no \"$1\""
}
# the lines of one swaptest run: from its "stage1: swaptest" to its exit
run_of() {
	sed -n "/stage1: swaptest $1\$/,/stage1: exit/p" "$log"
}
counter() { # RUN NAME
	run_of "$1" | sed -n "s/.*shim: pages lent.* $2 \([0-9]*\).*/\1/p" | tail -n 1
}
expect "stage1: done" "guest did not finish"
expect "stage1: insmod nbd: 0" "nbd module"
expect "stage1: rootfs magic 858458f6" "the rootfs is not ramfs"
expect "stage1: init without swap: 0 0::/init" "a cgroup without swap for the stage-1 shell"
run_of "without swap" | grep -q "child: killed by signal 9" ||
	qemu_fail "$log" "the child did not need the swap (not OOM-killed without it)"
run_of "without swap" | grep -q "stage1: exit 1$" || qemu_fail "$log" "without swap: exit"
run_of "inject off" | grep -q "lent pages from 0x25800000 on do not read" ||
	qemu_fail "$log" "pages beyond /dev/mem's reach not left out"
run_of "inject off" | grep -q "shim: the swap's users held below [0-9]* MiB" ||
	qemu_fail "$log" "the child not held in a memory cgroup of its own"
run_of "inject off" | grep -q "child: ok, data verified" || qemu_fail "$log" "child failed on the shim"
run_of "inject off" | grep -q "stage1: exit 0$" || qemu_fail "$log" "shim: exit"
[ "$(counter "inject off" writes)" -gt 10000 ] || qemu_fail "$log" "under 40 MiB swapped out"
[ "$(counter "inject off" errors)" = 0 ] || qemu_fail "$log" "errors without injection"
[ "$(counter "inject off" repairs)" = 0 ] || qemu_fail "$log" "repairs without injection"
[ "$(counter "inject off" scrubbed)" -gt 0 ] || qemu_fail "$log" "nothing scrubbed"
run_of "inject one=50" | grep -q "child: ok, data verified" || qemu_fail "$log" "one copy bad: child failed"
run_of "inject one=50" | grep -q "stage1: exit 0$" || qemu_fail "$log" "one copy bad: exit"
[ "$(counter "inject one=50" repairs)" -gt 0 ] || qemu_fail "$log" "one copy bad: no repair counted"
[ "$(counter "inject one=50" errors)" = 0 ] || qemu_fail "$log" "one copy bad: errors"
run_of "inject both=20" | grep -q "child: killed by signal 7" || qemu_fail "$log" "both copies bad: the child did not die of SIGBUS"
run_of "inject both=20" | grep -q "stage1: exit 1$" || qemu_fail "$log" "both copies bad: exit"
[ "$(counter "inject both=20" errors)" -gt 0 ] || qemu_fail "$log" "both copies bad: no error counted"
# a server that stops answering: nbd's request timeout fails the device,
# the child dies, swapoff completes, the run ends (without the timeout
# the guest hung here)
run_of "inject stall=50" | grep -q "nbd0: Dead connection" || qemu_fail "$log" "stuck server: nbd did not give up on it"
run_of "inject stall=50" | grep -q "SHIM_NBD_LOST: .*; the child is killed" ||
	qemu_fail "$log" "stuck server: the connection's loss not seen, the child not killed"
run_of "inject stall=50" | grep -q "child: ok" && qemu_fail "$log" "stuck server: the child completed"
run_of "inject stall=50" | grep -q "stage1: exit 1$" || qemu_fail "$log" "stuck server: swaptest did not end with the child failed"
grep "swaptest: swap-\|shim: pages lent" "$log" | sed 's/^/qemu: /'
say "$KVER: swap shim ok"
