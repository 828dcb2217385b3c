#!/bin/sh
# bench/crash-memory.sh SERIES TARGET [CRASHKERNEL]: where the crash
# kernel's memory goes at the smallest working crashkernel= (found with
# bench/crashkernel.sh unless given, e.g. 120M) for the 2 GB test guest:
# TARGET fs (tests/qemu/crash.sh) or net (tests/qemu/net.sh). Prints the
# reservation, the crash kernel's own boot accounting ("Memory:" line), the
# initramfs (packed, and its unpacked rootfs as Shmem), salvage's peak, and
# the "memory ... (kB)" lines of salvage's init (init_log_memory, before
# the capture and, where init logs one, after it). A measurement, not a test.
set -u
series=${1:-6.1} kind=${2:-fs} ck=${3:-}
export QEMU_TIMEOUT=${QEMU_TIMEOUT:-300}
if [ -z "$ck" ]; then
	ck=$(sh bench/crashkernel.sh "$series" "$kind" | sed -n 's/.*smallest crashkernel= \([0-9]*M\).*/\1/p')
	[ -n "$ck" ] || { echo "crash-memory: no working crashkernel= found"; exit 1; }
fi
if [ "$kind" = net ]; then
	w=build/qemu/net-$series
	CRASHKERNEL=$ck sh tests/qemu/net.sh "$series" > build/bench-mem.log 2>&1
else
	w=build/qemu/crash-$series-$kind
	CRASHKERNEL=$ck sh tests/qemu/crash.sh "$series" "$kind" > build/bench-mem.log 2>&1
fi
r=$?
log=$w/console.log
# the crash kernel's lines: all after the first kernel's panic
crash() { sed -n '/stage1: panicking/,$p' "$log" | sed 's/^\[ *[0-9.]*\] //'; }
kb() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }'; }
echo "== salvage $series $kind, crashkernel=$ck: $([ "$r" = 0 ] && echo dump ok || echo "FAILED (build/bench-mem.log)")"
echo "reserved:   $(grep -m1 -o 'Reserving [0-9]*MB of memory at [0-9]*MB for crashkernel\|crashkernel reserved: .*' "$log")"
echo "kernel:     $(crash | grep -m1 -o 'Memory: .*')"
echo "initramfs:  $(du -k "$w/crash.img" | cut -f1) kB packed; $(crash | grep -m1 -o 'Freeing initrd memory: .*')"
# init logs one line before the capture and may log one after it
start=$(crash | grep -m1 'salvage: memory .*(kB):')
after=$(crash | grep 'salvage: memory .*after.*(kB):' | tail -n 1)
for f in MemTotal MemFree MemAvailable Shmem Unevictable Cached Buffers Dirty AnonPages Mlocked SUnreclaim SReclaimable KernelStack PageTables Percpu; do
	printf '%-13s %8s kB at capture start %8s kB after\n' "$f" "$(echo "$start" | kb "$f")" "$(echo "$after" | kb "$f")"
done
crash | grep -o 'peak memory of .*' | sed 's/^/salvage:    /'
