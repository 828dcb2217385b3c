#!/bin/sh
# bench/net.sh: the network dump's figures. A measurement, not a test: it
# prints and asserts nothing.
#  - the same bytes (a salvage stream from the 6.1 QEMU crash) over loopback
#    TCP, plain and through salvage's TLS profile, with our record layer and
#    with BearSSL's (bench/netbench.c), where the scheduler puts the two
#    ends, then both on one CPU;
#  - salvage send -> salvage receive of that stream, end to end (TLS,
#    frames, CRC, fdatasync, the receiver's file), and the conversion after,
#    against a plain TCP copy into a synced file (bench/plaincopy.py);
#  - the crash initramfs for a network target, against a disk target;
#  - panic to "stored" in the QEMU network test, and kdump-tools' figures.
set -eu
. tests/qemu/lib.sh
w=build/bench/net
rm -rf "$w"
mkdir -p "$w/dumps"
s=build/qemu/crash-6.1-raw/out/vmcore.salvage
[ -f "$s" ] || sh tests/qemu/crash.sh 6.1 raw > /dev/null
$SALVAGE keygen "$w/receiver" > /dev/null
$SALVAGE keygen "$w/client" > "$w/authorized"

echo "== loopback, $(($(stat -c %s "$s") >> 20)) MiB stream sent until 1 GiB went through"
build/netbench "$s" 1024 7 "$w/receiver.key" "$w/client.key"
# Both ends on one CPU: each byte's whole CPU cost, both sides added up,
# rather than a pipeline; what a network between two machines never shows.
echo "-- both ends on CPU 0"
taskset -c 0 build/netbench "$s" 1024 3 "$w/receiver.key" "$w/client.key"

echo "== salvage send -> salvage receive, end to end"
port=$((25000 + $$ % 1000))
$SALVAGE receive --listen 127.0.0.1:$port --dir "$w/dumps" --key "$w/receiver.key" \
	--authorized "$w/authorized" --min-free 0 > "$w/receive.log" 2>&1 &
rpid=$!
sleep 0.3
/usr/bin/time -f "%e %M" -o "$w/time" $SALVAGE send --server 127.0.0.1:$port --server-key "$w/receiver.pub" \
	--client-key "$w/client.key" "$s" > "$w/send.log" 2>&1
read -r secs kib < "$w/time"
echo "salvage send: $(($(stat -c %s "$s") >> 20)) MiB stored and verified in $secs s, client peak RSS $((kib / 1024)) MiB"
python3 bench/plaincopy.py "$s" "$w"
i=0
while [ $i -lt 60 ] && ! grep -qs "^state=stored" "$w"/dumps/client/*/salvage.meta; do sleep 0.5; i=$((i + 1)); done
grep "converted" "$w/receive.log" | sed 's/^salvage: /receiver: /'
kill -TERM $rpid; wait $rpid || true

echo "== crash initramfs (Debian 6.1, zstd -19)"
qemu_kernel 6.1 > /dev/null
echo "target fs:LABEL=dumps:/var/crash" > "$w/fs.conf"
echo "final-action reboot" > "$w/net.conf"
qemu_crash_initramfs "$w/fs.conf" "$w/fs.img" | head -n 1 | sed 's/^salvage-mkinitramfs: /disk (ext4, virtio): /'
qemu_crash_initramfs "$w/net.conf" "$w/net.img" --server 192.0.2.1:9622 --server-key "$w/receiver.pub" \
	--client-key "$w/client.key" --net eth0:dhcp --nic virtio | head -n 1 |
	sed 's/^salvage-mkinitramfs: /network (virtio-net, TLS): /'
qemu_crash_initramfs "$w/net.conf" "$w/net-all.img" --server 192.0.2.1:9622 --server-key "$w/receiver.pub" \
	--client-key "$w/client.key" --nic virtio,intel,realtek,broadcom,mellanox | head -n 1 |
	sed 's/^salvage-mkinitramfs: /network, every NIC list: /'
echo "kdump-tools (Debian 12): 7.66 MB compressed, 22 MB unpacked, 451 files (measured for issue 2)"

echo "== panic to stored, 2 GB guest, QEMU user network (tests/qemu/net.sh)"
echo "(ChaCha20 on QEMU's default CPU; \"aes\": its max model, our AES-GCM records, AES-NI emulated by TCG)"
for args in 6.1 6.12 "6.1 aes" "6.12 aes"; do
	# shellcheck disable=SC2086
	sh tests/qemu/net.sh $args | tail -n 1 | sed "s/^qemu: /qemu ($args): /"
done
