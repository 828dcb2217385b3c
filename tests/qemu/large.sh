#!/bin/sh
# tests/qemu/large.sh SERIES [GB]: a large guest (64 GB unless GB says
# otherwise) crashes into a crash kernel with the same crashkernel= as the
# 2 GB guest: the one `salvage estimate` gives for this kernel and crash
# initramfs (the smallest bench/crashkernel.sh found at 2 GB, never less).
# QEMU maps the guest's RAM without reserving it (memory-backend-ram,
# reserve=off), so only what the guest touches costs the host memory.
# The workload is the 2 GB guest's and, on top, about 2 GiB of page cache,
# anonymous THP memory, hugetlb and tmpfs inodes (stage1big=2).
# Checks on the host:
#  - the dump is saved, filtered (no fallback), and its page classes are
#    those of an independent classifier reading the struct pages the dump
#    holds (tests/qemu/page-classes.py --ram: the unfiltered vmcore of a
#    64 GB guest is not kept);
#  - crash with the debug vmlinux (sid's for 7) walks it as filter.sh's
#    checks do (tests/qemu/check-crash.sh), and its free-page count (kmem
#    -i, the kernel's own counter) is within 1 % of the pages salvage left
#    out as free;
#  - the crash kernel's time and init's peak memory are printed, not
#    asserted (bench/crash-kernel-dump.sh compares them with makedumpfile).
# For bench/crashkernel.sh: CRASHKERNEL=SIZE replaces the estimate, and
# LARGE_CHECKS=0 stops once the dump is saved (no host-side checks).
set -eu
series=$1 gb=${2:-64}
. tests/qemu/lib.sh
qemu_kernel "$series"
w=$Q/large-$series-$gb
rm -rf "$w"
mkdir -p "$w"
fail() { qemu_fail "$w/console.log" "$*"; }

truncate -s 16M "$w/vda.img"
truncate -s 4G "$w/vdb.img"
printf 'target raw:/dev/vdb\nfinal-action reboot\n' > "$w/salvage.conf"
qemu_crash_initramfs "$w/salvage.conf" "$w/crash.img" > "$w/mkinitramfs.out"
ck=$($SALVAGE estimate --kernel "$VMLINUZ" --initrd "$w/crash.img" --conf "$w/salvage.conf" | head -n 1)
[ -z "${CRASHKERNEL:-}" ] || ck=crashkernel=$CRASHKERNEL
case $ck in crashkernel=[0-9]*M) ;; *) echo "FAIL: salvage estimate printed \"$ck\""; exit 1 ;; esac
qemu_stage1 "$w/crash.img" "$w/stage1.img"

say "$KVER ${gb} GB: $ck (${CRASHKERNEL:+given, not }salvage estimate), boot, load, panic, dump (log: $w/console.log)"
GUEST_MEM=${gb}G QEMU_EXTRA="-object memory-backend-ram,id=m0,size=${gb}G,reserve=off -machine pc,memory-backend=m0" \
	qemu_run "$w/console.log" "$w/stage1.img" "$ck stage1=crash stage1big=2" "$w/vda.img" "$w/vdb.img" || true

log=$w/console.log
total=$(sed -n 's/.*stage1: meminfo: MemTotal \([0-9]*\) kB.*/\1/p' "$log")
[ "${total:-0}" -gt $((gb * 1024 * 1024 * 9 / 10)) ] || fail "the guest does not have ${gb} GB"
grep -q "stage1: bigload: AnonHugePages" "$log" || fail "the large workload did not run"
grep -q "crash kernel loaded" "$log" || fail "salvage load did not load"
grep -q "sysrq triggered crash" "$log" || fail "no panic"
grep -q "salvage: dump saved" "$log" || fail "the crash kernel did not save a dump with $ck"
grep -q "falling back" "$log" && fail "the filtered dump failed"
[ "${LARGE_CHECKS:-1}" = 0 ] && { say "$KVER ${gb} GB: dump saved with $ck (not checked: LARGE_CHECKS=0)"; exit 0; }

$SALVAGE collect "$w/vdb.img" "$w/out" > "$w/collect.out" 2>&1 || { cat "$w/collect.out"; fail "collect"; }
$SALVAGE convert "$w/out/vmcore.salvage" "$w/out/vmcore" 2> "$w/convert.out" || { cat "$w/convert.out"; fail "convert"; }
$SALVAGE convert --elf "$w/out/vmcore.salvage" "$w/out/vmcore.elf" 2>> "$w/convert.out" ||
	{ cat "$w/convert.out"; fail "convert --elf"; }
python3 tests/qemu/vmcore_check.py "$w/out/vmcore.elf" "$KVER" || fail "bad vmcore"

# the classes salvage counted in the crash kernel, and the classifier's
counts=$(sed -n 's/.*salvage: pages: //p' "$log" | tail -n 1)
ours() { echo "$counts" | tr ',' '\n' | sed -n "s/^ *$1 //p"; }
/usr/bin/python3 tests/qemu/page-classes.py --ram "$w/out/vmcore" "$w/out/vmcore.elf" > "$w/classes.out" ||
	{ cat "$w/classes.out"; fail "page-classes"; }
for cls in zero cache cache_private user free kept; do
	want=$(sed -n "s/^$cls //p" "$w/classes.out")
	[ "$(ours "$cls")" = "$want" ] || fail "$cls: salvage $(ours "$cls"), reference classifier $want"
done
# the workload's scale shows: 1 GiB each of cache and user pages, and
# most of the RAM free
[ "$(ours cache)" -gt 262144 ] || fail "under 1 GiB of cache pages left out: $(ours cache)"
[ "$(ours user)" -gt 262144 ] || fail "under 1 GiB of user pages left out: $(ours user)"
[ "$(ours free)" -gt $((gb * 262144 * 8 / 10)) ] || fail "under 80 % of the RAM free: $(ours free)"
say "$KVER ${gb} GB: pages: $counts; the reference classifier's ($(sed -n 's/^seconds //p' "$w/classes.out") s)"

sh scripts/kernel.sh "$series" dbg > /dev/null
qemu_reader "$series" || fail "no reader for $series dumps"
CHECK_CRASH_OUT=$w/crash.out $READER sh tests/qemu/check-crash.sh "$KDIR/vmlinux" "$w/out/vmcore" \
	> "$w/check-crash.out" || { cat "$w/check-crash.out"; fail "crash"; }
kfree=$(sed -n 's/^ *FREE *\([0-9]*\) .*/\1/p' "$w/crash.out" | head -n 1)
[ -n "$kfree" ] || fail "no FREE line in crash's kmem -i ($w/crash.out)"
awk -v a="$(ours free)" -v b="$kfree" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.01 * b) }' ||
	fail "salvage left out $(ours free) free pages, the kernel counted $kfree (kmem -i): more than 1 % apart"
say "$KVER ${gb} GB: crash: $(grep -c '^ok: ' "$w/check-crash.out") checks ok, $(grep -c '^skip: ' "$w/check-crash.out") skipped; free pages $(ours free), kmem -i $kfree"

t0=$(qemu_when "$log" "sysrq triggered crash")
t1=$(qemu_when "$log" "salvage: dump saved")
say "$KVER ${gb} GB: ok with $ck; stream $(du -h "$w/out/vmcore.salvage" | cut -f1); panic to dump saved $(awk "BEGIN{print $t1 - $t0}") s; $(sed -n 's/.*salvage: \(peak memory of the capture process: .*\)/\1/p' "$log" | tail -n 1)"
