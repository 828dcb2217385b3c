#!/bin/sh
# make demo: the network dump, end to end. On this host `salvage receive`
# listens on the loopback with a key of its own and an authorized file
# holding the guest's key. A QEMU guest boots Debian's 6.1 kernel, arms
# salvage with `salvage load` (a crash initramfs built with --server, the
# receiver's pinned key and the guest's own key), and panics with sysrq. The
# crash kernel's salvage init brings up virtio-net with DHCP from QEMU's
# user network and streams the filtered dump over TLS to the receiver,
# which stores it as a standard kdump-compressed vmcore with dmesg.txt.
set -eu
. tests/qemu/lib.sh
qemu_kernel 6.1
w=build/demo
rm -rf "$w"
mkdir -p "$w"
qemu_receiver "$w" demo-guest
trap 'kill $RPID 2>/dev/null || true' EXIT INT TERM

echo "final-action reboot" > "$w/salvage.conf"
qemu_net_initramfs "$w/salvage.conf" "$w/crash.img" "$w/keys/receiver.pub" "$w/keys/demo-guest.key" \
	> "$w/mkinitramfs.out"
say "receiver on 127.0.0.1:$PORT (the guest reaches it as 10.0.2.2), dumps in $w/dumps"
say "crash initramfs: $(grep -o '[0-9]* bytes (zstd)' "$w/mkinitramfs.out")"
qemu_stage1 "$w/crash.img" "$w/stage1.img"

say "booting $KVER (2 GB guest, crashkernel=256M); salvage lines from the console:"
qemu_net_run "$w/console.log" "$w/stage1.img" "crashkernel=256M stage1=crash" || true
grep -E "salvage: |sysrq triggered crash" "$w/console.log" | grep -v "dump [0-9]*%" | sed 's/^/  /'
grep -q "salvage: dump stored by" "$w/console.log" || qemu_fail "$w/console.log" "the dump was not sent"
qemu_stored "$w/dumps"
kill -TERM $RPID
wait $RPID || true
trap - EXIT INT TERM
d=$(dirname "$(ls "$w"/dumps/demo-guest/*/salvage.meta)")
echo
echo "The receiver's log:"
sed 's/^/  /' "$w/receive.log"
echo
echo "What it stored in $d:"
ls -l "$d" | tail -n +2 | sed 's/^/  /'
echo "  open it with: crash build/kernels/$KVER/vmlinux $d/vmcore"
echo "  (the debug vmlinux: sh scripts/kernel.sh 6.1 dbg)"
echo
echo "The crashed kernel's last log lines, from $d/dmesg.txt:"
sed -n '/sysrq: Trigger a crash/,$p' "$d/dmesg.txt" | head -n 12 | cut -c1-110 | sed 's/^/  /'
