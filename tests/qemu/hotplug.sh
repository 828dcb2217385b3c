#!/bin/sh
# tests/qemu/hotplug.sh SERIES [none|kexec]: memory hot-added after salvage
# load armed the crash kernel, then a crash: the dump must hold the new memory.
# The guest starts with 2 GB of 8 (-m 2G,slots=4,maxmem=8G), one CPU of two
# (-smp 1,maxcpus=2) and a QMP socket; once armed, the host hot-adds a 1 GiB
# DIMM and a CPU over QMP (tests/qemu/qmp_hotplug.py), the guest onlines
# them (7.x onlines the memory itself) and /bin/uevents, a stand-in for
# udev, runs what packaging/udev/90-salvage-hotplug.rules runs for each
# memory or cpu event: salvage load --reload-after-hotplug.
#   6.1   no crash hotplug: salvage status says a reload is needed, the
#         events' processes coalesce into a reload (fewer reloads than
#         events, at least one)
#   7     the newest 7.x (crash hotplug): status says the kernel updates
#         the image, every event's process says so and reloads nothing
#   none  (6.1 none) nothing runs on the events: the negative check
#   kexec (6.1 kexec; 7 kexec too) armed by Debian's kexec-tools, `kexec -p` (kexec_load),
#         as a kdump-tools user: the events' processes must not replace
#         that image (no reload), each says the image lacks the change,
#         and salvage status says so after them; the negative check too
# Then: sysrq crash, the filtered stream to a raw disk, and on the host
# the kdump-compressed file's RAM (the crash kernel's /proc/vmcore PT_LOADs)
# covers the DIMM's range (with none, kexec: holds none of it), its notes hold
# the registers of both CPUs (none, kexec: of the first only: 6.1's elfcorehdr
# names the CPUs present at load time), and crash
# opens the dump (tests/qemu/check-crash.sh; sid's crash for 7).
set -eu
series=$1 runs=${2:-reload}
. tests/qemu/lib.sh
qemu_kernel "$series"
make -s build/uevents
w=$Q/hotplug-$series-$runs
rm -rf "$w"
mkdir -p "$w/extra/bin"
clog=$w/console.log

truncate -s 16M "$w/vda.img"
truncate -s 3G "$w/vdb.img"
printf 'target raw:/dev/vdb\nfinal-action reboot\n' > "$w/salvage.conf"
qemu_crash_initramfs "$w/salvage.conf" "$w/crash.img" > "$w/mkinitramfs.out"
qemu_stage1 "$w/crash.img" "$w/stage1.img"
cp build/uevents "$w/extra/bin/uevents"
(cd "$w/extra" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >> "$w/stage1.img"
# kexec: kexec-tools armed (stage1loader=kexecload), acpi_no_memhotplug
# given as docs/hotplug.md tells kexec-tools users
loader=""
if [ "$runs" = kexec ]; then
	qemu_kexec_tools "$w/kt" || exit 1
	cat "$w/kt/extra.cpio" >> "$w/stage1.img"
	loader="stage1loader=kexecload crashargs=acpi_no_memhotplug"
fi

say "$KVER hotplug ($runs): boot, load, hot-add 1 GiB and a CPU over QMP, panic, dump (log: $clog)"
python3 tests/qemu/qmp_hotplug.py "$w/qmp.sock" "$clog" "$w/dimm" > "$w/qmp.out" 2>&1 &
qpid=$!
GUEST_MEM=2048,slots=4,maxmem=8G QEMU_SMP=1,maxcpus=2 QEMU_EXTRA="-qmp unix:$w/qmp.sock,server=on,wait=off" \
	qemu_run "$clog" "$w/stage1.img" "crashkernel=256M stage1=hotplug stage1hotplug=$runs $loader" \
	"$w/vda.img" "$w/vdb.img" || true
wait "$qpid" || { cat "$w/qmp.out"; qemu_fail "$clog" "QMP hot-add failed"; }
cat "$w/qmp.out"

expect() { # PATTERN WHAT
	grep -q -- "$1" "$clog" || qemu_fail "$clog" "$2: no \"$1\""
}
count() { grep -c -- "$1" "$clog" || true; }
if [ "$runs" = kexec ]; then
	expect "stage1: armed with kexec -p, kexec_crash_loaded 1" "kexec -p did not load"
	expect "loaded by: not salvage load since boot" "salvage status: the loader"
else
	expect "crash kernel loaded" "salvage load did not load"
	expect "loaded by: salvage load (kexec_file_load) --kernel /boot/vmlinuz" "salvage status: the loader"
fi
expect "stage1: hotplug: [1-9][0-9]* memory blocks added" "no memory block appeared"
# the CPU part needs a kernel that allows a second CPU: Debian's 6.1 does
# on QEMU's -smp 1,maxcpus=2; 7.3 does not ("CPU topo: Allowing 1 present
# CPUs plus 0 hotplug CPUs", then "ACPI: Unable to map lapic to logical
# cpu number" when the CPU comes), so there it is said and skipped
cpus=2
if grep -q "stage1: hotplug: CPUs online 0, present 0, possible 0[^-0-9]*$" "$clog" && [ "$series" != 6.1 ]; then
	say "$KVER hotplug: SKIP the CPU part: this kernel allows no CPU beyond the boot one on this QEMU (possible 0)"
	cpus=1
else
	expect "stage1: hotplug: CPUs online 0-1," "the hot-added CPU is not online"
	case $runs in none | kexec) cpus=1 ;; esac
fi
expect "sysrq triggered crash" "no panic"
expect "salvage: dump saved" "crash kernel did not save a dump"
grep -q "falling back" "$clog" && qemu_fail "$clog" "the filtered dump failed"
events=$(count "uevents: \(add\|online\) \(memory\|cpu\)")
reloads=$(count "hotplug: memory or CPUs changed: reloading")
queued=$(count "hotplug: reload queued already")
kept=$(count "hotplug: no reload: the kernel updates the loaded crash image")
missed=$(count "hotplug: no reload: the loaded crash image is not salvage load's and this kernel does not update it")
case $series-$runs in
6.1-reload)
	expect "crash hotplug: not in this kernel: reload after memory/CPU hot-add" "salvage status on 6.1"
	[ "$(count "uevents: \(add\|online\) cpu")" -ge 1 ] || qemu_fail "$clog" "no cpu event reached /bin/uevents"
	[ "$events" -gt 1 ] || qemu_fail "$clog" "no memory events reached /bin/uevents"
	qemu_coalesced "$clog" "$events"
	[ "$(count "crash kernel loaded")" = $((reloads + 1)) ] || qemu_fail "$clog" "a reload did not load"
	;;
*-kexec)
	# 7.x: bookworm's kexec-tools (2.0.25) passes no hotplug flag, so
	# the kernel does not update its kexec_load image either
	how="not in this kernel"
	[ "$series" = 6.1 ] || how="in this kernel, but not for the loaded image (kexec_load without the hotplug flag, as kexec -p without -s)"
	expect "crash hotplug: $how; salvage does not reload another loader's image" "salvage status, a kexec -p image"
	expect "stage1: kexec_crash_loaded 1, crash_hotplug memory $([ "$series" = 6.1 ] && echo absent || echo 0)" \
		"the kernel's crash_hotplug for a kexec -p image"
	[ "$events" -gt 1 ] || qemu_fail "$clog" "no memory events reached /bin/uevents"
	[ "$reloads" = 0 ] || qemu_fail "$clog" "$reloads reloads replaced kexec-tools' image"
	[ "$missed" = "$events" ] || qemu_fail "$clog" "$missed of $events events said the image lacks the change"
	# the last status, after the events
	expect "crash hotplug: memory or CPUs changed [0-9]* s ago: the loaded image lacks the change" \
		"salvage status after the hot-add"
	;;
*-none)
	if [ "$events" != 0 ] || [ "$reloads" != 0 ]; then
		qemu_fail "$clog" "something ran on the events"
	fi
	;;
*)
	expect "crash hotplug: the kernel updates the loaded image on memory/CPU hot-add (no reload)" "salvage status"
	[ "$cpus" = 1 ] || [ "$(count "uevents: \(add\|online\) cpu")" -ge 1 ] ||
		qemu_fail "$clog" "no cpu event reached /bin/uevents"
	[ "$events" -gt 1 ] || qemu_fail "$clog" "no memory events reached /bin/uevents"
	[ "$reloads" = 0 ] || qemu_fail "$clog" "$reloads reloads on a crash hotplug kernel"
	[ "$kept" -ge "$events" ] || qemu_fail "$clog" "$kept of $events events said the kernel updates the image"
	;;
esac

$SALVAGE collect "$w/vdb.img" "$w/out"
[ -f "$w/out/vmcore.salvage" ] || qemu_fail "$clog" "no stream collected"
$SALVAGE convert "$w/out/vmcore.salvage" "$w/out/vmcore"
read -r addr size < "$w/dimm"
want=covers
case $runs in none | kexec) want=lacks ;; esac
python3 tests/qemu/ram_covers.py "$want" "$w/out/vmcore" "$addr" "$size" ||
	qemu_fail "$clog" "the dump's RAM is not as expected ($want the hot-added range)"
python3 tests/qemu/cpu_notes.py "$w/out/vmcore" "$cpus" ||
	qemu_fail "$clog" "the dump's CPU notes are not as expected"
$SALVAGE dmesg "$w/out/vmcore" > "$w/salvage-dmesg.txt"
grep -q "sysrq triggered crash" "$w/salvage-dmesg.txt" || qemu_fail "$clog" "salvage dmesg lacks the panic"
if [ "$runs" = reload ]; then
	sh scripts/kernel.sh "$series" dbg > /dev/null
	qemu_reader "$series" || qemu_fail "$clog" "no reader for $series dumps"
	CHECK_CRASH_OUT=$w/crash.out $READER sh tests/qemu/check-crash.sh "$KDIR/vmlinux" "$w/out/vmcore" \
		> "$w/check-crash.out" || { cat "$w/check-crash.out"; qemu_fail "$clog" "crash"; }
	say "$KVER hotplug: crash: $(grep -c '^ok: ' "$w/check-crash.out") checks ok, $(grep -c '^skip: ' "$w/check-crash.out") skipped"
fi
say "$KVER hotplug ($runs): ok; $events memory and cpu events, $reloads reloads, $queued coalesced, $kept left to the kernel, $missed left to kexec-tools"
