#!/bin/sh
# tests/qemu/systemd.sh [SERIES]: the package's whole path in a real systemd
# guest, booting Debian's 6.1 (the default) or 7 (the newest 7.x: crash
# hotplug, modules in /usr/lib/modules, .ko.xz). A bookworm root
# (scripts/systemd-image.sh, cached, with 6.1 installed) gets
# build/salvage_*.deb with apt-get install in a chroot; the kernel hook runs
# as the kernel package runs it (7: the kernel's packages are installed
# after salvage with dpkg -i, then what linux-image-KVER's postinst and
# linux-base's hooks do: vmlinuz and config copied to /boot, the
# /etc/kernel/postinst.d hooks run with run-parts: initramfs-tools' and
# salvage's); /etc/salvage.conf gets `target
# raw:/dev/vdb` (a second virtio disk), which makes the hook's image stale.
# QEMU boots the image's kernel and initrd with crashkernel= and may reboot:
#   boot 1  salvage-load.service builds the crash initramfs for the running
#           kernel and arms; udev replays an add of every memory block: on
#           6.1 the package's rule starts salvage-hotplug@.service for each,
#           which coalesce into fewer reloads than events, at least one (on
#           7 the rule skips: the kernel updates the image); a test unit (salvage-test.service, after it,
#           first boot only: a marker file) prints salvage status (which
#           must name salvage load's image and, for the series, whether
#           the kernel updates it on hot-add), then crashes the guest
#   crash   the crash kernel dumps to /dev/vdb and reboots
#   boot 2  salvage-collect.service saves /var/crash/<UTC time>/vmcore and
#           dmesg.txt; salvage-load arms again; the test unit powers off
# The host reads /var/crash from the root disk with debugfs (no mount) and
# checks: the vmcore is kdump-compressed and crash opens it with the -dbg
# vmlinux (tests/qemu/check-crash.sh), dmesg.txt holds the sysrq panic.
# The units' output goes to the console too (drop-ins in the image), so
# every step is checked in the console log. CRASHKERNEL (256M) and
# QEMU_TIMEOUT (900 s, both boots and the dump) can be set.
set -eu
series=${1:-6.1}
. tests/qemu/lib.sh
ts=$(date +%s)
qemu_kernel "$series"
sh scripts/kernel.sh "$series" dbg > /dev/null
qemu_reader "$series" || { echo "FAIL: no reader for $series dumps"; exit 1; }
w=$Q/systemd-$series
rm -rf "$w"
mkdir -p "$w"
root=$w/root

# the package, rebuilt when what it is made of is newer
deb=$(ls build/salvage_*_amd64.deb 2>/dev/null | tail -n 1 || true)
if [ -z "$deb" ] || [ -n "$(find debian packaging mkinitramfs drivers-list "$SALVAGE" -newer "$deb" | head -n 1)" ]; then
	say "make deb"
	sh scripts/deb.sh > "$w/deb.out" || { cat "$w/deb.out"; echo "FAIL: make deb"; exit 1; }
	deb=$(ls build/salvage_*_amd64.deb | tail -n 1)
fi

t0=$(date +%s)
ikver=$(sh scripts/systemd-image.sh "$root" | tail -n 1)
[ "$series" != 6.1 ] || [ "$ikver" = "$KVER" ] || { echo "FAIL: the image's kernel is $ikver, not $KVER"; exit 1; }
t1=$(date +%s)

# the package, with apt, as a user installs it
cp "$deb" "$root/tmp/"
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "/tmp/$(basename "$deb")" \
	> "$w/apt.out" 2>&1 || { cat "$w/apt.out"; echo "FAIL: apt-get install of $deb"; exit 1; }
rm -f "$root/tmp/$(basename "$deb")"
for u in salvage-load salvage-collect; do
	[ -L "$root/etc/systemd/system/multi-user.target.wants/$u.service" ] ||
		{ echo "FAIL: $u.service is not enabled by the package"; exit 1; }
done
img=/var/lib/salvage/initrd-$KVER.img
if [ "$series" = 6.1 ]; then
	# the kernel hook, as the kernel package's postinst runs the hooks
	chroot "$root" /etc/kernel/postinst.d/salvage "$KVER" "/boot/vmlinuz-$KVER" > "$w/hook.out" 2>&1 ||
		{ cat "$w/hook.out"; echo "FAIL: the kernel hook failed"; exit 1; }
else
	# the kernel installed after salvage, its hooks run as its packages
	# run them: every hook, salvage's among them
	read -r _ kvers < "$KDIR/.unpacked"
	v=$(echo "$kvers" | sed 's/:/%3a/g')
	for p in base binary modules; do
		cp "${SALVAGE_CACHE:-/var/cache/salvage}/debs/linux-$p-${KVER}_${v}_amd64.deb" "$root/tmp/"
	done
	mount -t proc proc "$root/proc"
	rc=0
	{ chroot "$root" sh -c "dpkg -i /tmp/linux-*-${KVER}_*.deb && rm /tmp/linux-*.deb &&
		cp /usr/lib/modules/$KVER/vmlinuz /boot/vmlinuz-$KVER && cp /usr/lib/modules/$KVER/config /boot/config-$KVER &&
		run-parts --report --exit-on-error --arg=$KVER --arg=/boot/vmlinuz-$KVER /etc/kernel/postinst.d"; } \
		> "$w/hook.out" 2>&1 || rc=$?
	umount "$root/proc"
	[ "$rc" = 0 ] || { cat "$w/hook.out"; echo "FAIL: installing $KVER and running its hooks"; exit 1; }
	[ -s "$root/boot/initrd.img-$KVER" ] || { cat "$w/hook.out"; echo "FAIL: no initrd.img-$KVER"; exit 1; }
fi
[ -s "$root$img" ] || { cat "$w/hook.out"; echo "FAIL: the kernel hook built no $img"; exit 1; }

# the target, set after the hook's image: salvage-load rebuilds it at boot.
# It compares change times (an upgrade's dpkg sets mtimes in the past), and
# a change in the image's second would not be newer: wait for the next one
sleep 2
cat >> "$root/etc/salvage.conf" <<EOF

# tests/qemu/systemd.sh: the second virtio disk
target raw:/dev/vdb
EOF

# the units' output on the console as well
for u in salvage-load salvage-collect salvage-hotplug@; do
	mkdir -p "$root/etc/systemd/system/$u.service.d"
	printf '[Service]\nStandardOutput=journal+console\nStandardError=journal+console\n' \
		> "$root/etc/systemd/system/$u.service.d/console.conf"
done
# the test unit: on the first boot, crash once salvage-load is active (else
# power off); on the next, list what was saved and power off
mkdir -p "$root/var/lib/salvage-test"
cat > "$root/usr/local/sbin/salvage-test" <<'EOF'
#!/bin/sh
mark=/var/lib/salvage-test/crashed
if [ ! -e "$mark" ]; then
	if systemctl -q is-active salvage-load.service; then
		salvage status | sed 's/^/salvage-test: status: /'
		setpriv --reuid=nobody --regid=nogroup --clear-groups salvage status |
			sed 's/^/salvage-test: user status: /'
		# an add event for every memory block, a burst as a hot-add sends
		# (replayed): udev's rule, then on 6.1 one
		# salvage-hotplug@SEQNUM.service for each, coalesced into a reload
		echo "salvage-test: memory blocks $(ls -d /sys/devices/system/memory/memory* | wc -l)"
		udevadm trigger --settle --action=add --subsystem-match=memory
		sleep 1
		i=0
		while [ $i -lt 60 ] && { systemctl list-jobs --no-legend | grep -q salvage-hotplug ||
			systemctl list-units --no-legend --state=activating 'salvage-hotplug@*' | grep -q .; }; do
			sleep 1
			i=$((i + 1))
		done
		journalctl -b -o cat -u systemd-udevd | grep -i salvage | sed 's/^/salvage-test: udevd: /'
		echo "salvage-test: salvage-load is active: crashing"
		: > "$mark"
		sync
		echo 1 > /proc/sys/kernel/sysrq
		echo c > /proc/sysrq-trigger
	fi
	echo "salvage-test: salvage-load is not active: $(systemctl is-active salvage-load.service)"
else
	echo "salvage-test: after the crash: salvage-collect $(systemctl show -P Result salvage-collect.service)," \
		"salvage-load $(systemctl is-active salvage-load.service)"
	ls -lR /var/crash
fi
sync
systemctl --no-block poweroff
EOF
chmod 755 "$root/usr/local/sbin/salvage-test"
cat > "$root/etc/systemd/system/salvage-test.service" <<'EOF'
[Unit]
Description=salvage test: crash once armed, power off after collecting
After=salvage-load.service salvage-collect.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/salvage-test
StandardOutput=journal+console

[Install]
WantedBy=multi-user.target
EOF
ln -s /etc/systemd/system/salvage-test.service "$root/etc/systemd/system/multi-user.target.wants/"

# the root disk, made from the tree (no loop mount); the raw target
cp "$root/boot/vmlinuz-$KVER" "$root/boot/initrd.img-$KVER" "$w/"
size=$(du -sm "$root" | cut -f1)
truncate -s $((size + 512))M "$w/root.img"
mkfs.ext4 -q -L root -d "$root" "$w/root.img"
rm -rf "$root"
truncate -s 3G "$w/vdb.img"
t2=$(date +%s)
say "$KVER systemd: image in $((t1 - t0)) s, package and disk in $((t2 - t1)) s; boot, crash, reboot, collect (log: $w/console.log)"

VMLINUZ=$w/vmlinuz-$KVER QEMU_REBOOT=1 QEMU_TIMEOUT=${QEMU_TIMEOUT:-900} \
	qemu_run "$w/console.log" "$w/initrd.img-$KVER" "root=/dev/vda rw crashkernel=${CRASHKERNEL:-256M}" \
	"$w/root.img" "$w/vdb.img" || true
t3=$(date +%s)
c=$w/console.log
grep -q "salvage-load: building $img for $KVER" "$c" ||
	qemu_fail "$c" "salvage-load.service did not build the crash initramfs at boot"
grep -q "crash kernel loaded" "$c" || qemu_fail "$c" "salvage-load.service did not arm"
grep -q "salvage-test: status: loaded by: salvage load (kexec_file_load) --kernel /boot/vmlinuz-$KVER --initrd $img --conf /etc/salvage.conf" "$c" ||
	qemu_fail "$c" "salvage status does not name salvage-load.service's image"
hp="crash hotplug: the kernel updates the loaded image"
[ "$series" = 6.1 ] && hp="crash hotplug: not in this kernel: reload after"
grep -q "salvage-test: status: $hp" "$c" || qemu_fail "$c" "salvage status: no \"$hp\""
# not root: who loaded is unknown, never "not salvage load"
grep -q "salvage-test: user status: loaded by: unknown (/run/salvage/load-args: .*; run as root)" "$c" &&
	grep -q "salvage-test: user status: $hp" "$c" ||
	qemu_fail "$c" "salvage status as a user: not \"loaded by: unknown\" and \"$hp\""
# the replayed memory events: on 6.1 the rule's services reload, coalesced
# (udevd's own RUN could not: its system call filter refuses
# kexec_file_load), on 7 the rule leaves them to the kernel
loads=2
if [ "$series" = 6.1 ]; then
	blocks=$(sed -n 's/.*salvage-test: memory blocks \([0-9]*\).*/\1/p' "$c")
	qemu_coalesced "$c" "$blocks"
	loads=$((2 + RELOADS))
elif grep -q "salvage: hotplug: " "$c"; then
	qemu_fail "$c" "the udev rule ran salvage on a crash hotplug kernel"
fi
grep -q "salvage-test: salvage-load is active: crashing" "$c" || qemu_fail "$c" "the test unit did not crash"
grep -q "sysrq triggered crash" "$c" || qemu_fail "$c" "no panic"
grep -q "salvage: dump saved" "$c" || qemu_fail "$c" "the crash kernel did not save a dump"
grep -q "salvage-collect: saved /var/crash/" "$c" || qemu_fail "$c" "salvage-collect.service saved nothing"
grep -q "salvage-test: after the crash: salvage-collect success, salvage-load active" "$c" ||
	qemu_fail "$c" "the second boot did not collect and arm again"
[ "$(grep -c "crash kernel loaded" "$c")" = $loads ] ||
	qemu_fail "$c" "not $loads loads: salvage-load.service on both boots (and on 6.1 the reload)"

debugfs -R "rdump /var/crash $w" "$w/root.img" 2> "$w/debugfs.out" ||
	{ cat "$w/debugfs.out"; qemu_fail "$c" "debugfs could not read /var/crash"; }
d=$(ls -d "$w"/crash/2*/ 2>/dev/null | head -n 1)
d=${d%/}
[ -n "$d" ] && [ -f "$d/vmcore" ] || { ls -lR "$w/crash"; qemu_fail "$c" "no /var/crash/<time>/vmcore on the root disk"; }
[ "$(head -c 8 "$d/vmcore")" = "KDUMP   " ] || qemu_fail "$c" "$d/vmcore is not kdump-compressed"
grep -q "Kernel panic - not syncing: sysrq triggered crash" "$d/dmesg.txt" ||
	qemu_fail "$c" "$d/dmesg.txt lacks the sysrq panic"
$READER sh tests/qemu/check-crash.sh "$KDIR/vmlinux" "$d/vmcore" || qemu_fail "$c" "crash cannot use $d/vmcore"

tc=$(qemu_when "$c" "sysrq triggered crash")
tl=$(qemu_when "$c" "crash kernel loaded")
say "$KVER systemd: ok; $(basename "$d"): vmcore $(du -h "$d/vmcore" | cut -f1); armed at $tl s after the first boot began; guest $((t3 - t2)) s (2 boots, crash, dump); all $(($(date +%s) - ts)) s"
