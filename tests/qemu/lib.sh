# Shared by the QEMU tests; sourced from the project root.
# A test boots a real Debian kernel (unpacked by scripts/kernel.sh) under
# QEMU/TCG with a first-stage initramfs (toybox sh + salvage) that arms the
# crash kernel with `salvage load` and panics; the crash kernel runs
# salvage's init from an initramfs built by salvage-mkinitramfs.

Q=build/qemu
SALVAGE=build/salvage
QEMU_TIMEOUT=${QEMU_TIMEOUT:-600}
GUEST_MEM=${GUEST_MEM:-2048}
mkdir -p "$Q"

say() { echo "qemu: $*"; }

# qemu_kernel 6.1|6.12|7: sets KVER, KDIR, VMLINUZ, MODDIR.
qemu_kernel() {
	KVER=$(sh scripts/kernel.sh "$1" | tail -n 1) || return 1
	KDIR=build/kernels/$KVER
	VMLINUZ=$KDIR/boot/vmlinuz-$KVER
	MODDIR=$KDIR/lib/modules/$KVER
}

# qemu_reader SERIES: sets READER, the prefix of a command that runs crash
# or drgn able to read that kernel's dumps: the host's for 6.1 and 6.12,
# sid's (in a chroot, with the project root as the working directory) for 7.
qemu_reader() {
	READER=""
	if [ "$1" = 7 ]; then
		sh scripts/sid-chroot.sh > /dev/null || return 1
		READER="sh scripts/sid-chroot.sh run"
	fi
}

# qemu_crash_initramfs CONF OUT [mkinitramfs options]: the crash initramfs.
qemu_crash_initramfs() {
	conf=$1 out=$2
	shift 2
	sh mkinitramfs/salvage-mkinitramfs -o "$out" -k "$KVER" --storage virtio \
		--modules-dir "$MODDIR" --conf "$conf" --binary "$SALVAGE" "$@"
}

# qemu_stage1 CRASHIMG OUT [MODULE...]: the first-stage initramfs, holding
# toybox, salvage, the kernel to kexec and the crash initramfs; each MODULE
# (a .ko or .ko.xz path) goes to /lib/modules/NAME.ko, uncompressed.
qemu_stage1() {
	s=$(mktemp -d)
	mkdir -p "$s/bin" "$s/boot" "$s/proc" "$s/sys" "$s/dev" "$s/lib/modules"
	img=$1 out=$2
	shift 2
	for m in "$@"; do
		n=$(basename "$m" | sed 's/\.ko.*$//')
		case $m in
		*.xz) xz -dc "$m" > "$s/lib/modules/$n.ko" ;;
		*.zst) zstd -qdc "$m" > "$s/lib/modules/$n.ko" ;;
		*) cp "$m" "$s/lib/modules/$n.ko" ;;
		esac
	done
	cp build/deps/bin/toybox "$s/bin/toybox"
	for c in $(build/deps/bin/toybox); do ln -sf toybox "$s/bin/$c"; done
	ln -sf toybox "$s/bin/sh"
	cp "$SALVAGE" "$s/bin/salvage"
	cp tests/qemu/stage1-init "$s/init"
	chmod 755 "$s/init"
	cp "$VMLINUZ" "$s/boot/vmlinuz"
	cp "$img" "$s/boot/crash.img"
	(cd "$s" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$out"
	rm -rf "$s"
}

# qemu_kexec_tools DIR: DIR/extra.cpio, an archive to append to a
# first-stage initramfs that holds Debian's kexec-tools (/sbin/kexec, for
# arming the crash kernel as a Debian user would) and the libraries it
# links: kexec-tools and the Xen libraries from Debian's packages (apt-get
# download into the cache), glibc and its loader from the host.
qemu_kexec_tools() {
	debs=${SALVAGE_CACHE:-/var/cache/salvage}/debs
	kt=$1 x=$1/kexec-root e=$1/extra
	mkdir -p "$debs" "$x" "$e/sbin" "$e/lib64" "$e/lib/x86_64-linux-gnu"
	for p in kexec-tools libxenmisc4.17 libxentoollog1 libxencall1 libxenevtchn1 libxengnttab1 \
		libxenforeignmemory1 libxendevicemodel1 libxentoolcore1; do
		set -- "$debs/${p}"_*.deb
		[ -e "$1" ] || (cd "$debs" && apt-get download "$p" > /dev/null 2>&1) || {
			echo "FAIL: cannot download $p (apt-get download)"
			return 1
		}
		set -- "$debs/${p}"_*.deb
		dpkg-deb -x "$1" "$x"
	done
	if ! LD_LIBRARY_PATH=$x/usr/lib/x86_64-linux-gnu ldd "$x/sbin/kexec" > "$e.ldd" ||
		grep -q "not found" "$e.ldd"; then
		cat "$e.ldd"
		echo "FAIL: kexec-tools' libraries are incomplete"
		return 1
	fi
	cp "$x/sbin/kexec" "$e/sbin/kexec"
	# every library ldd resolved, under the name the loader looks for
	awk '$2 == "=>" && $3 != "not" { print $1, $3 }' "$e.ldd" | while read -r name path; do
		cp -L "$path" "$e/lib/x86_64-linux-gnu/$name"
	done
	cp -L /lib64/ld-linux-x86-64.so.2 "$e/lib64/"
	(cd "$e" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$kt/extra.cpio"
}

# qemu_run LOG INITRD APPEND [DISK...]: boots the kernel, serial console
# time-stamped into LOG; returns when the guest powers off or reboots.
# QEMU_CPU: the CPU model (qemu64), QEMU_SMP: vCPUs (1), QEMU_EXTRA: more
# QEMU options (word-split), QEMU_REBOOT=1: a reboot restarts the guest
# (the same kernel, initrd and command line) rather than ending the run.
qemu_run() {
	log=$1 initrd=$2 append=$3
	shift 3
	set -- $(for d in "$@"; do printf '%s ' -drive "file=$d,if=virtio,format=raw"; done)
	timeout "$QEMU_TIMEOUT" qemu-system-x86_64 -accel tcg -cpu "${QEMU_CPU:-qemu64}" -m "$GUEST_MEM" -smp "${QEMU_SMP:-1}" \
		-nographic $([ "${QEMU_REBOOT:-0}" = 1 ] || echo -no-reboot) -nic "${QEMU_NIC:-none}" -serial stdio -monitor none \
		-kernel "$VMLINUZ" -initrd "$initrd" -append "console=ttyS0 panic=1 $append" ${QEMU_EXTRA:-} "$@" \
		< /dev/null 2>&1 | python3 tests/qemu/stamp.py > "$log"
}

# qemu_when LOG PATTERN: seconds since boot of the first line matching.
qemu_when() {
	grep -m1 -- "$2" "$1" | sed 's/^\[ *\([0-9.]*\)\].*/\1/'
}

# qemu_fail LOG MESSAGE: print why, the end of the guest's console (first:
# a CI excerpt that cuts a long console keeps it) and the whole console,
# then fail.
# qemu_coalesced LOG EVENTS: salvage load --reload-after-hotplug's lines in
# LOG after EVENTS hotplug events: at least one reload, fewer reloads than
# events, and every event reloaded or covered by a queued reload. Sets
# RELOADS and QUEUED.
qemu_coalesced() {
	RELOADS=$(grep -c "hotplug: memory or CPUs changed: reloading the crash kernel" "$1" || true)
	QUEUED=$(grep -c "hotplug: reload queued already" "$1" || true)
	[ "$RELOADS" -ge 1 ] || qemu_fail "$1" "no reload after $2 events"
	[ "$RELOADS" -lt "$2" ] || qemu_fail "$1" "$RELOADS reloads for $2 events: not coalesced"
	[ $((RELOADS + QUEUED)) = "$2" ] ||
		qemu_fail "$1" "$2 events, $RELOADS reloads, $QUEUED covered by a queued one: some went nowhere"
}

qemu_fail() {
	echo "FAIL: $2"
	echo "---- the last 40 lines of the guest console ($1) ----"
	tail -n 40 "$1"
	echo "---- guest console ($1) ----"
	cat "$1"
	echo "----"
	return 1
}

# The network tests: the guest's NIC is virtio-net on QEMU's user network,
# with this MAC; the host's loopback is 10.0.2.2 from inside.
QEMU_MAC=52:54:00:12:34:56

# qemu_receiver DIR HOST: keys in DIR/keys (the receiver's, and HOST's in
# DIR/authorized), then `salvage receive` on the loopback storing in
# DIR/dumps, logging to DIR/receive.log. Sets PORT and RPID.
qemu_receiver() {
	mkdir -p "$1/keys" "$1/dumps"
	$SALVAGE keygen "$1/keys/receiver" > /dev/null
	$SALVAGE keygen "$1/keys/$2" > "$1/authorized"
	PORT=$((21000 + $$ % 3000))
	$SALVAGE receive --listen 127.0.0.1:$PORT --dir "$1/dumps" --key "$1/keys/receiver.key" \
		--authorized "$1/authorized" --min-free 0 > "$1/receive.log" 2>&1 &
	RPID=$!
}

# qemu_net_initramfs CONF OUT SERVER.pub CLIENT.key: a crash initramfs that
# sends to the receiver at 10.0.2.2:PORT, DHCP on the NIC with QEMU_MAC.
qemu_net_initramfs() {
	qemu_crash_initramfs "$1" "$2" --server "10.0.2.2:$PORT" --server-key "$3" --client-key "$4" \
		--net "$QEMU_MAC:dhcp" --nic virtio
}

# qemu_net_run LOG INITRD APPEND [DISK...]: qemu_run with the NIC.
qemu_net_run() {
	QEMU_NIC=user,model=virtio-net-pci,mac=$QEMU_MAC qemu_run "$@"
}

# qemu_stored DIR: waits up to 60 s for the receiver to have converted a
# dump under DIR (HOST/TIME/salvage.meta saying state=stored).
qemu_stored() {
	i=0
	while [ $i -lt 60 ] && ! grep -qs "^state=stored" "$1"/*/*/salvage.meta; do
		sleep 1
		i=$((i + 1))
	done
}

# qemu_net_stored DIR HOST LOG: after a network dump, waits for the receiver
# (RPID) to have converted it, stops the receiver, and checks the stored
# dump holds the panic in dmesg.txt; sets D to its directory.
qemu_net_stored() {
	qemu_stored "$1/dumps"
	kill -TERM "$RPID"
	wait "$RPID" || { cat "$1/receive.log"; qemu_fail "$3" "salvage receive did not stop cleanly"; return 1; }
	trap - EXIT INT TERM
	D=$(ls -d "$1/dumps/$2"/*/)
	grep -q "^state=stored" "$D/salvage.meta" || { cat "$D/salvage.meta" "$1/receive.log"; qemu_fail "$3" "not stored"; return 1; }
	grep -q "sysrq triggered crash" "$D/dmesg.txt" || { qemu_fail "$3" "dmesg.txt lacks the panic"; return 1; }
}

# qemu_cut_crash DIR APPEND CUT CONF_LINES [EXTRA_CPIO]: a network dump
# through a proxy that cuts the first connection (tests/cmd/cutproxy.py
# CUT), with those config lines, the first kernel booted with APPEND (its
# crashkernel= and stage1=), EXTRA_CPIO (if it exists) appended to the
# stage-1 image, and a spare disk DIR/elf.img (GUEST_MEM + 1 GiB) as
# /dev/vda. The receiver (RPID) is left running for qemu_net_stored; the
# proxy is stopped.
qemu_cut_crash() {
	mkdir -p "$1"
	qemu_receiver "$1" "guest"
	proxy=$((PORT + 3000))
	python3 tests/cmd/cutproxy.py "$proxy" "$PORT" "$3" > "$1/proxy.log" 2>&1 &
	ppid_=$!
	trap 'kill $RPID $ppid_ 2>/dev/null || true' EXIT INT TERM
	printf 'final-action reboot\n%s\n' "$4" > "$1/salvage.conf"
	qemu_crash_initramfs "$1/salvage.conf" "$1/crash.img" --server "10.0.2.2:$proxy" \
		--server-key "$1/keys/receiver.pub" --client-key "$1/keys/guest.key" \
		--net "$QEMU_MAC:dhcp" --nic virtio > "$1/mkinitramfs.out"
	qemu_stage1 "$1/crash.img" "$1/stage1.img"
	[ -z "${5:-}" ] || [ ! -f "$5" ] || cat "$5" >> "$1/stage1.img"
	truncate -s $((GUEST_MEM + 1024))M "$1/elf.img"
	qemu_net_run "$1/console.log" "$1/stage1.img" "$2" "$1/elf.img" || true
	kill "$ppid_" 2>/dev/null || true
}
