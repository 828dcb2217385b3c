#!/bin/sh
# salvage estimate on the real Debian kernels (scripts/kernel.sh, from the
# cache) and crash initramfs images built as the QEMU tests build them: the
# crashkernel= it prints must be within one 8 MiB step of the smallest
# bench/crashkernel.sh found on the 2 GB test guest (docs/shim.md, "Memory
# in the crash kernel": 96M for 6.1 fs and net, 96M for 7.3 fs, 88M for
# 7.3 net). Run from the project root; last line: N passed, N failed, N skipped.
set -u
S=build/salvage
MK=mkinitramfs/salvage-mkinitramfs
W=build/cmdtests-estimate
. tests/cmd/lib.sh

# within M CMD: the estimate's first line crashkernel=N is within 8 of M
# (t's own variables are global: these have other names)
within() { # MEASURED CMD...
	measured=$1
	shift
	"$@" > "$W/est" 2>&1 || { cat "$W/est"; return 1; }
	cat "$W/est"
	est=$(sed -n '1s/^crashkernel=\([0-9]*\)M$/\1/p' "$W/est")
	[ -n "$est" ] && [ "$est" -ge $((measured - 8)) ] && [ "$est" -le $((measured + 8)) ] &&
		echo "within: $est of $measured"
}

$S keygen "$W/server" > /dev/null && $S keygen "$W/client" > /dev/null
echo "target fs:LABEL=dumps:/var/crash" > "$W/fs.conf"
echo "target tls://10.0.2.2:9622" > "$W/net.conf"

for series in 6.1 7; do
	kver=$(sh scripts/kernel.sh "$series" 2> /dev/null | tail -n 1)
	kdir=build/kernels/$kver
	vmlinuz=$kdir/boot/vmlinuz-$kver
	if [ -z "$kver" ] || [ ! -f "$vmlinuz" ]; then
		skip "estimate $series" "no $series kernel (sh scripts/kernel.sh $series)"
		continue
	fi
	case $kver in 6.1.*) fs=96 net=96 ;; *) fs=96 net=88 ;; esac
	mk() {
		kind=$1
		shift
		sh $MK -o "$W/$kind-$series.img" -k "$kver" --storage virtio --modules-dir "$kdir/lib/modules/$kver" \
			--conf "$W/$kind.conf" --binary $S "$@" > /dev/null 2>&1
	}
	mk fs
	mk net --server-key "$W/server.pub" --client-key "$W/client.key" --net 52:54:00:12:34:56:dhcp --nic virtio
	t "estimate $series fs" 0 "^within" within $fs $S estimate --kernel "$vmlinuz" --initrd "$W/fs-$series.img" --conf "$W/fs.conf"
	t "estimate $series fs says how" 0 "zstd frame's content size" $S estimate --kernel "$vmlinuz" --initrd "$W/fs-$series.img" --conf "$W/fs.conf"
	t "estimate $series net" 0 "^within" within $net $S estimate --kernel "$vmlinuz" --initrd "$W/net-$series.img" --conf "$W/net.conf"
	t "estimate $series net, every NIC list: more" 0 "^crashkernel=1[0-9][0-9]M" sh -c "$MK -o $W/nics.img -k $kver --modules-dir $kdir/lib/modules/$kver --conf $W/net.conf --binary $S --server-key $W/server.pub --client-key $W/client.key > /dev/null 2>&1 && $S estimate --kernel $vmlinuz --initrd $W/nics.img --conf $W/net.conf"
	t "estimate $series net, no initrd" 0 "^within" within $net $S estimate --kernel "$vmlinuz" --conf "$W/net.conf"
	case $kver in
	6.1.*) t "estimate $series: no cma split" 0 "^crashkernel=[0-9]+M$" sh -c "$S estimate --kernel $vmlinuz --conf $W/net.conf | grep -c cma, | grep -qx 0 && head -1 $W/last" ;;
	*) t "estimate $series: cma split" 0 "^or, .*crashkernel=72M crashkernel=16M,cma$" $S estimate --kernel "$vmlinuz" --initrd "$W/net-$series.img" --conf "$W/net.conf" ;;
	esac
	# crash-cpus 2: two workers' 4.4 MiB on top (6.1 fs: 96M + 4.4 -> 104M)
	printf 'target fs:LABEL=dumps:/var/crash\ncrash-cpus 2\n' > "$W/cpus2.conf"
	case $kver in 6.1.*) t "estimate $series fs, crash-cpus 2" 0 "^crashkernel=104M" $S estimate --kernel "$vmlinuz" --initrd "$W/fs-$series.img" --conf "$W/cpus2.conf" ;; esac
	# a cut image keeps its header and its init_size
	head -c 1000000 "$vmlinuz" > "$W/cut"
	t "estimate $series: stdout full" 111 "writing stdout: No space" sh -c "$S estimate --kernel $vmlinuz --conf $W/fs.conf > /dev/full"
	t "estimate $series: cut kernel" 111 "cut: file ended early" $S estimate --kernel "$W/cut" --conf "$W/fs.conf"
done

head -c 4096 /dev/zero > "$W/notakernel"
t "estimate: not a bzImage" 111 "not an x86 bzImage" $S estimate --kernel "$W/notakernel" --conf "$W/fs.conf"
t "estimate: missing kernel" 111 "No such file" $S estimate --kernel "$W/nothing" --conf "$W/fs.conf"
# a header alone: "HdrS", protocol 2.15, init_size 64 MiB
cp "$W/notakernel" "$W/header"
printf 'HdrS\017\002' | dd of="$W/header" bs=1 seek=$((0x202)) conv=notrunc 2> /dev/null
printf '\000\000\000\004' | dd of="$W/header" bs=1 seek=$((0x260)) conv=notrunc 2> /dev/null
printf 'target tls://10.0.2.2:9622\nbogus 1\n' > "$W/bad.conf"
t "estimate: bad conf line" 0 "bad.conf line 2: unknown config key" $S estimate --kernel "$W/header" --conf "$W/bad.conf"
t "estimate: misuse" 100 "usage: salvage estimate" $S estimate --bogus
summary
