#!/bin/sh
# tests/qemu/pci.sh SERIES: a PCI device the crash kernel drives keeps Bus
# Master Enable, one it does not drive loses it (init/pci.c).
#   SERIES  6.1 | 6.12 | 7
# The guest has an e1000 NIC and two virtio-blk disks. The first kernel
# loads e1000 (whose probe turns bus mastering on) and brings its link up,
# prints every function's command register from sysfs, arms the crash
# kernel and panics. The crash initramfs has virtio but no e1000: in the
# crash kernel e1000 has no driver, the disks have virtio-pci. salvage
# dumps to the second disk and halts. Then, with the guest halted, the
# host reads each function's command register from QEMU's device model
# through its monitor (tests/qemu/pci_config.py: configuration cycles on
# ports 0xCF8/0xCFC), not from anything the guest says: e1000's bit 2 must
# be off, every virtio disk's on. init stops DMA on its way to lending old
# memory, so the configuration says `swap on`; a salvage that has no swap
# (no "swap:" line) or whose /dev/mem does not reach old memory says skip.
set -eu
series=$1
. tests/qemu/lib.sh
qemu_kernel "$series"
w=$Q/pci-$series
rm -rf "$w"
mkdir -p "$w/stage1/lib/modules"

ko=$(find "$MODDIR/" -name 'e1000.ko*' | head -n 1)
[ -n "$ko" ] || { echo "FAIL: no e1000 module in $MODDIR"; exit 1; }
case $ko in
*.xz) xz -dc "$ko" > "$w/stage1/lib/modules/e1000.ko" ;;
*.zst) zstd -qdc "$ko" > "$w/stage1/lib/modules/e1000.ko" ;;
*) cp "$ko" "$w/stage1/lib/modules/e1000.ko" ;;
esac
truncate -s 16M "$w/vda.img"
truncate -s 3G "$w/vdb.img"
# swap on: init stops DMA only before it lends old memory (init/swap.c)
printf 'target raw:/dev/vdb\nfinal-action halt\nswap on\n' > "$w/salvage.conf"
qemu_crash_initramfs "$w/salvage.conf" "$w/crash.img" > "$w/mkinitramfs.out"
qemu_stage1 "$w/crash.img" "$w/stage1.img"
# e1000.ko in a second cpio archive: the kernel unpacks both
(cd "$w/stage1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >> "$w/stage1.img"

say "$KVER: e1000 driven in the first kernel, not in the crash kernel (log: $w/console.log)"
log=$w/console.log
QEMU_NIC=user,model=e1000 QEMU_EXTRA="-qmp unix:$w/qmp.sock,server,nowait" \
	qemu_run "$log" "$w/stage1.img" "crashkernel=${CRASHKERNEL:-256M} stage1=pci" \
	"$w/vda.img" "$w/vdb.img" &
qpid=$!
# the halted guest's QEMU stays up for the monitor; a reboot or panic ends it
while kill -0 "$qpid" 2> /dev/null && ! grep -qs "reboot: System halted" "$log"; do
	sleep 2
done
if ! kill -0 "$qpid" 2> /dev/null; then
	wait "$qpid" || true
	qemu_fail "$log" "QEMU ended before the crash kernel halted"
fi
python3 tests/qemu/pci_config.py "$w/qmp.sock" > "$w/after.txt" || { kill "$qpid"; qemu_fail "$log" "reading QEMU's PCI state failed"; }
wait "$qpid" || true

grep -q "salvage: dump saved" "$log" || qemu_fail "$log" "crash kernel did not save a dump"
if ! grep -q "salvage: PCI DMA:" "$log"; then
	# init_pci_stop_dma() runs only on the way to lending old memory
	if ! grep -q "salvage: swap: " "$log"; then
		say "$KVER: skip: this salvage lends no memory (no swap), so it does not stop DMA"
		exit 0
	fi
	if grep -q "salvage: swap: /dev/mem does not reach old memory" "$log"; then
		say "$KVER: skip: $(grep -m1 -o 'swap: /dev/mem does not reach.*' "$log")"
		exit 0
	fi
	qemu_fail "$log" "swap started but DMA was not stopped"
fi
# the first kernel: e1000 driven with bus mastering on (sysfs config)
e1000=$(grep "stage1: pci after .* 0x8086:0x100e command" "$log" | sed 's/.*stage1: pci after //')
case $e1000 in
*"command "?[4567cdef]??" driver e1000") ;;
*) qemu_fail "$log" "first kernel: e1000 not driven with bus mastering on: '$e1000'" ;;
esac
bdf=${e1000%% *}
before=$(grep "stage1: pci before $bdf " "$log" | sed 's/.*command \([0-9a-f]*\).*/\1/')
say "$KVER: first kernel: e1000 $bdf command (low byte first) $before before its driver, ${e1000#* * command }"

# the crash kernel's result, read from QEMU: bit 2 of the command register
cat "$w/after.txt"
bme() { echo $((0x$1 >> 2 & 1)); }
grep -q " 8086:100e " "$w/after.txt" || qemu_fail "$log" "QEMU shows no e1000"
n=0
while read -r addr ids _ cmd; do
	case $ids in
	8086:100e) [ "$(bme "$cmd")" = 0 ] || qemu_fail "$log" "e1000 $addr kept bus mastering ($cmd)" ;;
	1af4:1001)
		[ "$(bme "$cmd")" = 1 ] || qemu_fail "$log" "virtio disk $addr lost bus mastering ($cmd)"
		n=$((n + 1))
		;;
	esac
done < "$w/after.txt"
[ "$n" = 2 ] || qemu_fail "$log" "QEMU shows $n virtio disks, not 2"
grep -q "salvage: PCI $bdf 8086:100e class 020000: bus mastering off (no driver)" "$log" ||
	qemu_fail "$log" "salvage did not say it cleared e1000 ($bdf)"
grep "salvage: PCI DMA:" "$log" | sed 's/.*salvage: /qemu: /'
say "$KVER: ok; e1000 (no driver) bus mastering off, 2 virtio disks (virtio-pci) on, as QEMU sees them"
