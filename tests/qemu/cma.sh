#!/bin/sh
# tests/qemu/cma.sh [SERIES]: a crash kernel whose memory is mostly a CMA
# reservation (crashkernel=FIXED crashkernel=CMA,cma; Linux 6.17+, Debian's
# 7.x have CONFIG_CMA). The first kernel reserves both parts; `salvage load`
# loads the kernel and initramfs into the fixed part and says the CMA part
# is there; `salvage status` shows both; after the panic the crash kernel
# runs with both (the RAM it boots with is more than the fixed part) and salvage
# writes the filtered stream to a raw disk. Checks on the host: the dump
# converts, its VMCOREINFO is the guest kernel's, the panic is in its log,
# no PT_LOAD of the converted ELF core covers a byte of the CMA part (the
# kernel leaves it out of /proc/vmcore), and sid's crash (a sid chroot)
# runs the check-crash.sh walks on the kdump-compressed file. A second boot
# with a fixed part of 32M: salvage load refuses and says the CMA part
# cannot hold the kernel.
#   SERIES     7 (default: the newest 7.x, see scripts/kernel.sh)
#   CMA_FIXED  the fixed part (default 72M. With 7.3.4, whose bzImage asks
#              for 62.3 MiB to start (init_size) and a 0.5 MiB initramfs:
#              64M is refused by kexec_file_load, 66M and 68M work)
#   CMA_SIZE   the CMA part (default 160M)
set -eu
series=${1:-7}
. tests/qemu/lib.sh
qemu_kernel "$series"
fixed=${CMA_FIXED:-72M} cma=${CMA_SIZE:-160M}
w=$Q/cma-$series
rm -rf "$w"
mkdir -p "$w"
clog=$w/console.log # (not "log": qemu_run sets log)

truncate -s 16M "$w/vda.img"
truncate -s 3G "$w/vdb.img"
printf 'target raw:/dev/vdb\nfinal-action reboot\n' > "$w/salvage.conf"
qemu_crash_initramfs "$w/salvage.conf" "$w/crash.img" > "$w/mkinitramfs.out"
qemu_stage1 "$w/crash.img" "$w/stage1.img"

say "$KVER crashkernel=$fixed crashkernel=$cma,cma: boot, load, panic, dump (log: $clog)"
qemu_run "$clog" "$w/stage1.img" "crashkernel=$fixed crashkernel=$cma,cma stage1=crash" \
	"$w/vda.img" "$w/vdb.img" || true

expect() { # PATTERN WHAT
	grep -q -- "$1" "$clog" || qemu_fail "$clog" "$2: no \"$1\""
}
mb=${cma%M}
expect "crashkernel CMA reserved: $mb MB in" "the first kernel did not reserve the CMA part"
expect "crash kernel loaded" "salvage load did not load"
expect "crash kernel memory: ${fixed%M} MiB fixed + $mb MiB CMA" "salvage load did not see the CMA part"
expect "^\[ *[0-9.]*\] reservation: ${fixed%M} MiB fixed" "salvage status: the fixed part"
expect "cma reservation: $mb MiB in [0-9]* range" "salvage status: the CMA part"
expect "sysrq triggered crash" "no panic"
expect "salvage: dump saved" "crash kernel did not save a dump"
grep -q "falling back" "$clog" && qemu_fail "$clog" "the filtered dump failed"

# the crash kernel's memory: the RAM its boot counts ("Memory: A/TK
# available", the last such line: the crash kernel's) is more than the
# fixed part and the 640 KiB below 1 MiB it also gets, with 4 MiB to
# spare. (Not MemTotal: that is what is left after the kernel's
# own image and early allocations, under the fixed part when the CMA
# part is small, as with salvage estimate's 72M + 24M,cma.)
total=$(sed -n 's/.*salvage: memory at the start (kB): MemTotal \([0-9]*\).*/\1/p' "$clog" | head -1)
[ -n "$total" ] || qemu_fail "$clog" "no MemTotal from the crash kernel"
ram=$(sed -n 's/.* Memory: [0-9]*K\/\([0-9]*\)K available.*/\1/p' "$clog" | tail -n 1)
[ "${ram:-0}" -gt $((${fixed%M} * 1024 + 4096)) ] ||
	qemu_fail "$clog" "the crash kernel's RAM (${ram:-none} kB) is not above the fixed part ($fixed): no CMA memory"
# the CMA ranges as salvage status printed them: "  0xSTART-0xEND"
sed -n 's/^\[ *[0-9.]*\]   \(0x[0-9a-f]*-0x[0-9a-f]*\)$/\1/p' "$clog" > "$w/cma-ranges"
[ -s "$w/cma-ranges" ] || qemu_fail "$clog" "salvage status printed no CMA range"

$SALVAGE collect "$w/vdb.img" "$w/out"
[ -f "$w/out/vmcore.salvage" ] || qemu_fail "$clog" "no stream collected"
$SALVAGE convert "$w/out/vmcore.salvage" "$w/out/vmcore"
$SALVAGE convert --elf "$w/out/vmcore.salvage" "$w/out/vmcore.elf"
python3 tests/qemu/vmcore_check.py "$w/out/vmcore.elf" "$KVER" || qemu_fail "$clog" "bad vmcore"
$SALVAGE dmesg "$w/out/vmcore" > "$w/salvage-dmesg.txt"
grep -q "sysrq triggered crash" "$w/salvage-dmesg.txt" || qemu_fail "$clog" "salvage dmesg lacks the panic"
python3 - "$w/out/vmcore.elf" "$w/cma-ranges" <<'EOF' || qemu_fail "$clog" "the dump holds CMA pages"
import mmap, sys
sys.path.insert(0, "tests/qemu")
import elfcore
with open(sys.argv[1], "rb") as f:
    data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
loads = [(p[2], p[2] + p[4]) for p in elfcore.segments(data) if p[0] == elfcore.PT_LOAD]
bad = 0
for line in open(sys.argv[2]):
    s, e = (int(x, 16) for x in line.split("-"))
    for a, b in loads:
        if a <= e and s < b:
            print("cma: PT_LOAD %#x-%#x covers CMA %#x-%#x" % (a, b - 1, s, e))
            bad = 1
print("cma: %d PT_LOADs, none in the CMA part" % len(loads) if not bad else "cma: CMA pages dumped")
sys.exit(bad)
EOF

sh scripts/kernel.sh "$series" dbg > /dev/null
qemu_reader "$series" || qemu_fail "$clog" "no reader for $series dumps"
CHECK_CRASH_OUT=$w/crash.out $READER sh tests/qemu/check-crash.sh "$KDIR/vmlinux" "$w/out/vmcore" \
	> "$w/check-crash.out" || { cat "$w/check-crash.out"; qemu_fail "$clog" "crash"; }

# a fixed part too small for the kernel: salvage load says the CMA part
# cannot hold it (a second, short boot: stage 1 powers off when load fails)
small=$w/small.log
say "$KVER crashkernel=32M crashkernel=$cma,cma: load refused (log: $small)"
qemu_run "$small" "$w/stage1.img" "crashkernel=32M crashkernel=$cma,cma stage1=crash" || true
grep -q "do not fit in the fixed part of the crashkernel= reservation (32 MiB; the $mb MiB CMA part cannot hold them)" "$small" ||
	qemu_fail "$small" "salvage load did not explain the fixed part"
grep -q "sysrq triggered crash" "$small" && qemu_fail "$small" "armed and panicked with a 32M fixed part"

t0=$(qemu_when "$clog" "sysrq triggered crash")
t1=$(qemu_when "$clog" "salvage: dump saved")
say "$KVER: crashkernel=$fixed + $cma,cma: crash kernel RAM $ram kB, MemTotal $total kB; crash: $(grep -c '^ok: ' "$w/check-crash.out") checks ok, $(grep -c '^skip: ' "$w/check-crash.out") skipped; panic to dump saved $(awk "BEGIN{print $t1 - $t0}") s (the kernel waits 10 s for DMA)"
say "$KVER: cma ok"
