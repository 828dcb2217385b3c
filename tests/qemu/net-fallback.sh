#!/bin/sh
# tests/qemu/net-fallback.sh SERIES: the network dump refused, the disk
# fallback used. The crash initramfs pins a receiver key that is not the
# listening receiver's (a man in the middle, or a re-keyed server), with an
# ext4 target in the config that --server turns into the fallback. The
# crash kernel must refuse the receiver (TLS_SERVER_KEY, not retried), say
# so, and save the dump on the disk instead; the receiver logs the refused
# handshake and stores nothing.
set -eu
series=${1:-6.1}
. tests/qemu/lib.sh
qemu_kernel "$series"
w=$Q/net-fallback-$series
rm -rf "$w"
mkdir -p "$w"
truncate -s 3G "$w/vdb.img"
mkfs.ext4 -q -L dumps "$w/vdb.img"

qemu_receiver "$w" guest
$SALVAGE keygen "$w/keys/impostor" > /dev/null
trap 'kill $RPID 2>/dev/null || true' EXIT INT TERM

printf 'target fs:LABEL=dumps:/var/crash\nfinal-action reboot\n' > "$w/salvage.conf"
qemu_net_initramfs "$w/salvage.conf" "$w/crash.img" "$w/keys/impostor.pub" "$w/keys/guest.key" > "$w/mkinitramfs.out"
qemu_stage1 "$w/crash.img" "$w/stage1.img"

say "$KVER net-fallback: a receiver with another key, then the ext4 fallback (log: $w/console.log)"
qemu_net_run "$w/console.log" "$w/stage1.img" "crashkernel=${CRASHKERNEL:-256M} stage1=crash" "$w/vdb.img" || true
kill -TERM $RPID
wait $RPID || true
trap - EXIT INT TERM

grep -q "sysrq triggered crash" "$w/console.log" || qemu_fail "$w/console.log" "no panic"
grep -q "TLS_SERVER_KEY" "$w/console.log" || qemu_fail "$w/console.log" "the wrong receiver key was not reported"
[ "$(grep -c 'send: connected' "$w/console.log")" = 0 ] || qemu_fail "$w/console.log" "a session was opened"
grep -q "trying the fallback target" "$w/console.log" || qemu_fail "$w/console.log" "no fallback"
grep -q "salvage: dump saved in" "$w/console.log" || qemu_fail "$w/console.log" "the fallback saved nothing"
grep -q "handshake failed: TLS_KEY_REJECTED" "$w/receive.log" || { cat "$w/receive.log"; qemu_fail "$w/console.log" "the receiver did not log the refused handshake"; }
# the receiver's own index.html (written at start, docs/receiver.md) is
# not a dump; anything else there is
[ -z "$(ls "$w/dumps" | grep -vx index.html)" ] || qemu_fail "$w/console.log" "the receiver stored something"
debugfs -R "rdump /var/crash $w" "$w/vdb.img" 2>/dev/null
$SALVAGE collect "$w/crash" "$w/out" > /dev/null
$SALVAGE dmesg "$w/out/vmcore.salvage" | grep -q "sysrq triggered crash" ||
	qemu_fail "$w/console.log" "the fallback dump lacks the panic"
say "$KVER net-fallback: ok; refused in the crash kernel: $(grep -o 'TLS_SERVER_KEY: [^(]*' "$w/console.log" | head -n 1)"
