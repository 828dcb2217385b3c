#!/bin/sh
# tests/qemu/net.sh SERIES [aes]: the network dump end to end. A real Debian
# kernel crashes under QEMU; salvage's init in the crash kernel loads
# virtio_net, brings the interface up by its MAC with DHCP from QEMU's user
# network, and sends the filtered stream over pinned-key TLS to
# `salvage receive` on the host's loopback (10.0.2.2 inside the guest).
# Checks on the host: the receiver stored and converted the dump; dmesg.txt
# holds the panic; the vmcore opens with the debug vmlinux (crash on 6.1,
# drgn on 6.12, which Debian's crash 8.0.2 cannot read, sid's drgn on the
# newest 7.x, SERIES 7, which Debian 12's drgn cannot read); the receiver's log
# shows the client's progress and the suite the client chose: ChaCha20 on
# QEMU's default CPU, which lacks AES-NI; with "aes" the guest gets QEMU's
# "max" CPU model (AES-NI and PCLMULQDQ emulated) and both ends seal with
# our one-pass AES-GCM records. Prints the panic-to-stored time.
set -eu
series=$1
suite="ChaCha20-Poly1305"
if [ "${2:-}" = aes ]; then
	QEMU_CPU=max
	export QEMU_CPU
	suite="AES-128-GCM (one pass)"
fi
. tests/qemu/lib.sh
qemu_kernel "$series"
w=$Q/net-$series
rm -rf "$w"
mkdir -p "$w"
qemu_receiver "$w" "guest-$series"
trap 'kill $RPID 2>/dev/null || true' EXIT INT TERM

echo "final-action reboot" > "$w/salvage.conf"
qemu_net_initramfs "$w/salvage.conf" "$w/crash.img" "$w/keys/receiver.pub" "$w/keys/guest-$series.key" \
	> "$w/mkinitramfs.out"
qemu_stage1 "$w/crash.img" "$w/stage1.img"

say "$KVER net: boot, load, panic, send to the receiver on port $PORT (log: $w/console.log)"
qemu_net_run "$w/console.log" "$w/stage1.img" "crashkernel=${CRASHKERNEL:-256M} stage1=crash" || true

grep -q "sysrq triggered crash" "$w/console.log" || qemu_fail "$w/console.log" "no panic"
grep -q "salvage: dump stored by" "$w/console.log" || { cat "$w/receive.log"; qemu_fail "$w/console.log" "the crash kernel did not send the dump"; }
grep -q "salvage: initramfs: freed [1-9][0-9]* module files, [0-9]* KiB" "$w/console.log" ||
	qemu_fail "$w/console.log" "init did not free the loaded modules' files"
# the receiver converts in a child process: wait for it
qemu_net_stored "$w" "guest-$series" "$w/console.log"
d=$D
grep -q "release=$KVER" "$d/salvage.meta" || qemu_fail "$w/console.log" "salvage.meta lacks the client's release"
grep -q "MiB sent" "$w/receive.log" || qemu_fail "$w/console.log" "no progress in the receiver's log"
# the client's choice wins over the receiver's (which has AES-NI)
grep -qF ", $suite): new dump" "$w/receive.log" ||
	{ cat "$w/receive.log"; qemu_fail "$w/console.log" "the crash kernel did not get $suite"; }
[ ! -e "$d/vmcore.salvage.partial" ] || qemu_fail "$w/console.log" "a partial file was left"
makedumpfile --dump-dmesg "$d/vmcore" "$w/dmesg.txt" > "$w/makedumpfile.out" 2>&1 ||
	{ cat "$w/makedumpfile.out"; qemu_fail "$w/console.log" "makedumpfile cannot read the received vmcore"; }

sh scripts/kernel.sh "$series" dbg > /dev/null
vmlinux=$KDIR/vmlinux
if [ "$series" = 6.1 ]; then
	CHECK_CRASH_OUT=$w/crash.out sh tests/qemu/check-crash.sh "$vmlinux" "$d/vmcore" > "$w/check-crash.out" ||
		{ cat "$w/check-crash.out"; qemu_fail "$w/console.log" "crash cannot use the received vmcore"; }
else
	qemu_reader "$series" || qemu_fail "$w/console.log" "no reader for $series dumps"
	$READER /usr/bin/python3 tests/qemu/drgn_open.py "$vmlinux" "$d/vmcore" "$KVER" > "$w/drgn.out" ||
		{ cat "$w/drgn.out"; qemu_fail "$w/console.log" "drgn cannot use the received vmcore"; }
fi

t0=$(qemu_when "$w/console.log" "sysrq triggered crash")
t1=$(qemu_when "$w/console.log" "salvage: dump stored by")
say "$KVER net: ok; $(du -h "$d/vmcore" | cut -f1) vmcore in $d; panic to stored: $(awk "BEGIN{print $t1 - $t0}") s"
