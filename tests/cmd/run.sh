#!/bin/sh
# Shell tests of the commands as a user runs them: one line per case.
#   t NAME WANT_EXIT PATTERN CMD...   runs CMD; passes when it exits
#                                     WANT_EXIT and its output matches PATTERN
# Run from the project root (make cmdtests). Last line: N passed, N failed, N skipped.
# `run.sh real` runs only the salvage dmesg cases on the QEMU tests' six
# vmcores (make qemutests, right after tests/qemu/run.sh made them): there
# a missing vmcore is a failure, not a skip.
set -u
S=build/salvage
MK=mkinitramfs/salvage-mkinitramfs
W=build/cmdtests
[ "${1:-}" = real ] && W=build/cmdtests-real
. tests/cmd/lib.sh

# makedumpfile --dump-dmesg and salvage dmesg of one vmcore, byte for byte
same_dmesg() { # VMCORE
	rm -f "$W/md.txt"
	makedumpfile --dump-dmesg "$1" "$W/md.txt" > /dev/null 2>&1 || { echo "makedumpfile failed"; return 1; }
	$S dmesg "$1" > "$W/sd.txt" || return 1
	cmp "$W/md.txt" "$W/sd.txt" && echo "identical: $(wc -l < "$W/sd.txt") lines"
}

# The dumps tests/qemu/crash.sh left: real kernels' logs against makedumpfile.
real_dmesg() {
	if ! command -v makedumpfile > /dev/null; then
		skip "dmesg real vmcores" "no makedumpfile to compare with"
		return
	fi
	for k in 6.1-raw-elf 6.12-raw-elf 6.1-raw 6.12-raw 6.1-fs 6.12-fs; do
		v=build/qemu/crash-$k/out/vmcore
		t "dmesg: $k vmcore is there" 0 "vmcore$" ls "$v"
		[ -f "$v" ] || continue
		t "dmesg: $k as makedumpfile" 0 "^identical"   same_dmesg "$v"
		t "dmesg: $k has the panic" 0 "sysrq triggered crash" $S dmesg "$v"
		t "dmesg: $k --caller"      0 "^\[ +[0-9]+\.[0-9]{6}\] \[ +T0\] Linux version" $S dmesg --caller "$v"
		case $k in *-elf) continue ;; esac # format elf leaves no stream
		t "dmesg: $k stream"        0 "sysrq triggered crash" $S dmesg "${v%/vmcore}/vmcore.salvage"
	done
}
if [ "${1:-}" = real ]; then
	real_dmesg
	summary
	exit
fi

# Lists what an initramfs holds.
ls_img() { # IMG
	case $(od -An -tx1 -N4 "$1" | tr -d ' ') in
	28b52ffd) zstd -dc "$1" ;;
	02214c18) lz4 -dc "$1" ;;
	*) cat "$1" ;;
	esac | cpio -it --quiet 2>/dev/null
}
img_file() { # IMG PATH: print one file of an initramfs
	d=$(mktemp -d)
	(cd "$d" && case $(od -An -tx1 -N4 "$OLDPWD/$1" | tr -d ' ') in
		28b52ffd) zstd -dc "$OLDPWD/$1" ;;
		02214c18) lz4 -dc "$OLDPWD/$1" ;;
		*) cat "$OLDPWD/$1" ;;
	esac | cpio -id --quiet 2>/dev/null)
	cat "$d/$2"
	rm -rf "$d"
}
same_file() { # IMG PATH FILE: is PATH in the initramfs FILE, byte for byte?
	img_file "$1" "$2" > "$W/img.file"
	cmp "$W/img.file" "$3" && echo "same as $3"
}
all_listed() { # IMG ORDERFILE: is every file of the load order in the image?
	ls_img "$1" > "$W/listing"
	n=0
	for f in $(cat "$2"); do
		grep -qx "${f#/}" "$W/listing" || { echo "missing $f"; return; }
		n=$((n + 1))
	done
	echo "all $n present"
}
# Line numbers of module names in an order file, for "a before b" checks.
before() { # ORDERFILE A B: A's line comes before B's
	a=$(grep -n "/$2.ko" "$1" | head -1 | cut -d: -f1)
	b=$(grep -n "/$3.ko" "$1" | head -1 | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] && echo "$2 before $3"
}

# --- salvage itself
t "no args: usage"          100 "usage: salvage COMMAND" $S
t "help lists commands"     0   "salvage load --kernel"  $S help
t "help lists conf keys"    0   "final-action"           $S help
t "unknown command"         100 "unknown command frob"   $S frob
t "load: usage"             100 "usage: salvage load"    $S load --kernel x
t "load: not root"          100 "must be root"           setpriv --reuid=65534 --regid=65534 --clear-groups $S load --kernel x --initrd y
t "unload: not root"        100 "must be root"           setpriv --reuid=65534 --regid=65534 --clear-groups $S unload
if [ "$(cat /sys/kernel/kexec_crash_size 2>/dev/null || echo 0)" = 0 ]; then
	t "load: no reservation here" 111 "no kexec support|no crash kernel memory reserved" $S load --kernel x --initrd y
fi
# a reload in flight holds the reload lock (load/hotplug.h): load, load
# --reload and unload wait for it, so none comes between its read of the
# saved arguments and its load (in a /run of their own)
if [ "$(id -u)" = 0 ] && unshare -m true 2> /dev/null && command -v flock > /dev/null; then
	for c in "load --kernel x --initrd y" "load --reload" unload; do
		t "$c: waits for a reload" 0 "^waited$" unshare -m sh -c "mount -t tmpfs tmpfs /run && mkdir /run/salvage &&
			{ flock /run/salvage/hotplug.reload sleep 3 & sleep 0.5; timeout 1 $S $c; [ \$? = 124 ] && echo waited; }"
	done
	# no /run to lock in (a minimal first stage): said, and the load goes
	# on to its own checks (here: no reservation), not stopped by the lock
	t "load: no reload lock" 111 "no reload lock: going on without.*(no kexec support|no crash kernel memory reserved|crash kernel)" \
		unshare -m sh -c "mount -t tmpfs -o ro tmpfs /run && { $S load --kernel x --initrd y > $W/nolock 2>&1; r=\$?; tr '\n' ' ' < $W/nolock; exit \$r; }"
else
	skip "load: waits for a reload" "needs root, unshare -m and flock"
fi
t "collect: usage"          100 "usage: salvage collect" $S collect x
t "collect: missing source" 111 "collect $W/none: No such file" $S collect "$W/none" "$W/o"
head -c 65536 /dev/urandom > "$W/garbage.img"
t "collect: foreign device" 111 "no salvage raw header"  $S collect "$W/garbage.img" "$W/o"
mkdir -p "$W/emptydumps"
t "collect: empty dump dir" 111 "no completed dump found" $S collect "$W/emptydumps" "$W/o"
t "modules: usage"          100 "usage: salvage modules" $S modules virtio_blk
t "modules: no modules.dep" 111 "run depmod"             $S modules --dir "$W" virtio_blk

# --- salvage dmesg: usage and errors, then real dumps against makedumpfile
t "dmesg: usage"            100 "usage: salvage dmesg"   $S dmesg
t "dmesg: bad option"       100 "usage: salvage dmesg"   $S dmesg --frob "$W/garbage.img"
t "dmesg: missing file"     111 "dmesg $W/none: No such file" $S dmesg "$W/none"
t "dmesg: not a dump"       111 "not an ELF vmcore, salvage stream or kdump-compressed" $S dmesg "$W/garbage.img"
t "dmesg: ELF, not a core"  111 "ELF vmcore\): ELF file is not a core dump" $S dmesg $S
printf 'KDUMP   \6\0\0\0' > "$W/kdump.img"
t "dmesg: bad kdump"        111 "kdump-compressed file\): not a kdump-compressed file" $S dmesg "$W/kdump.img"
# a synthetic ring with what real dumps rarely show: wrap, multi-line, escapes
python3 tests/cmd/printk_vmcore.py "$W/printk.vmcore"
t "dmesg: wrapped block"    0 "^\[    2\.000000\] wrapped: w{40}$" $S dmesg "$W/printk.vmcore"
t "dmesg: multi-line"       0 "^ {15}record$"         $S dmesg "$W/printk.vmcore"
$S dump -d 0 -o "$W/printk.stream" "$W/printk.vmcore" > /dev/null 2>&1
$S convert "$W/printk.stream" "$W/printk.kdump" > /dev/null 2>&1
$S dmesg "$W/printk.vmcore" > "$W/printk.txt"
python3 tests/cmd/printk_vmcore.py "$W/old.vmcore" --pre-5.10
t "dmesg: before 5.10"      111 "predates the lockless printk ring" $S dmesg "$W/old.vmcore"
t "dmesg: from a stream"    0 "^same$"                sh -c "$S dmesg $W/printk.stream | cmp - $W/printk.txt && echo same"
t "dmesg: from kdump"       0 "^same$"                sh -c "$S dmesg $W/printk.kdump | cmp - $W/printk.txt && echo same"
if command -v makedumpfile > /dev/null; then
	t "dmesg: synthetic as makedumpfile" 0 "^identical" same_dmesg "$W/printk.vmcore"
	t "dmesg: kdump as makedumpfile" 0 "^identical" same_dmesg "$W/printk.kdump"
else
	skip "dmesg synthetic" "no makedumpfile to compare with"
fi
# (the real kernels' dumps: `run.sh real`, after the QEMU tests)

# --- salvage dump on vmcores that are not right: one line naming what is wrong
for k in good truncated notes novmcoreinfo loadpast hugetail beyondphys manyloads bignotes notelf; do
	python3 tests/cmd/badcore.py $k "$W/core.$k"
done
t "dump: usage"             100 "usage: salvage dump"   $S dump
t "dump: bad level"         100 "usage: salvage dump"   $S dump -d 32 "$W/core.good"
t "dump: missing file"      111 "No such file"          $S dump -o "$W/x" "$W/core.none"
t "dump: good core"         0   "dump level 1 instead of 31: .*no SYMBOL\(init_top_pgt\)" $S dump -o "$W/good.salvage" "$W/core.good"
t "dump: kept its pages"    0   "pages: kept 2, zero 0" cat "$W/last"
t "dump: truncated"         111 "ELF program header out of bounds" $S dump -o "$W/x" "$W/core.truncated"
t "dump: garbage notes"     111 "ELF note runs past the PT_NOTE segment" $S dump -o "$W/x" "$W/core.notes"
t "dump: no VMCOREINFO"     111 "vmcore has no VMCOREINFO note" $S dump -o "$W/x" "$W/core.novmcoreinfo"
t "dump: PT_LOAD past end"  111 "ELF program header out of bounds" $S dump -o "$W/x" "$W/core.loadpast"
# p_memsz past p_filesz holds no bytes: not walked page by page (2^28
# pages here took 85 s), not dumped, and said so
t "dump: 1 TiB p_memsz tail" 0  "1073741816 KiB of memory past PT_LOADs' file data .* not dumped" $S dump -o "$W/tail.salvage" "$W/core.hugetail"
t "dump: the tail left out" 0   "pages: kept 2, zero 0" cat "$W/last"
t "dump: past 2^52 bytes"   111 "ELF PT_LOAD reaches past x86_64's 52-bit physical address space" $S dump -o "$W/x" "$W/core.beyondphys"
# limits of the fixed budget are named, not "out of bounds"
t "dump: 258 PT_LOADs"      111 "more PT_LOAD segments than salvage reads" $S dump -o "$W/x" "$W/core.manyloads"
t "dump: 1,600 CPUs' notes" 111 "ELF notes are larger than salvage reads" $S dump -o "$W/x" "$W/core.bignotes"
t "dump: not ELF"           111 "not an ELF64 little-endian file" $S dump -o "$W/x" "$W/core.notelf"
t "dump: to stdout"         0   "^ok$"                  sh -c "$S dump $W/core.good 2>/dev/null | cmp -s - $W/good.salvage && echo ok"

# --- salvage-mkinitramfs against real Debian module trees
k61=$(sh scripts/kernel.sh 6.1 2>/dev/null | tail -n 1)
k612=$(sh scripts/kernel.sh 6.12 2>/dev/null | tail -n 1)
m61=build/kernels/$k61/lib/modules/$k61
m612=build/kernels/$k612/lib/modules/$k612
echo "target raw:/dev/vdb" > "$W/raw.conf"
echo "target fs:LABEL=dumps:/var/crash" > "$W/fs.conf"
echo "target nfs:server:/x" > "$W/bad.conf"

t "mk: usage"               2   "usage: salvage-mkinitramfs" $MK
t "mk: unknown option"      2   "unknown option --frob"  $MK -o "$W/x" --frob
t "mk: no modules.dep"      1   "modules.dep missing"    $MK -o "$W/x" -k 0.0 --modules-dir "$W" --conf "$W/raw.conf"
t "mk: bad target"          1   "target nfs:server:/x"   $MK -o "$W/x" -k "$k61" --modules-dir "$m61" --conf "$W/bad.conf"
t "mk: bad compressor"      1   "zstd, lz4 or none"      $MK -o "$W/x" -k "$k61" --modules-dir "$m61" --compress gz
t "mk: 6.1 raw"             0   "modules: .*virtio_pci .*virtio_blk" $MK -o "$W/r61.img" -k "$k61" --modules-dir "$m61" --conf "$W/raw.conf"
cp "$W/last" "$W/mk.out"
t "mk: reports sizes"       0   "bytes \(zstd\), [0-9]+ bytes unpacked, [0-9]+ files" cat "$W/mk.out"
t "mk: raw has no ext4"     0   "^no$"                   sh -c "grep -q ext4 $W/mk.out && echo yes || echo no"
t "mk: /init is salvage"    0   "^same as build/salvage$" same_file "$W/r61.img" init $S
t "mk: config inside"       0   "target raw:/dev/vdb"    img_file "$W/r61.img" etc/salvage.conf
img_file "$W/r61.img" lib/modules/salvage.order > "$W/r61.order"
t "mk: virtio before blk"   0   "virtio before virtio_blk" before "$W/r61.order" virtio virtio_blk
t "mk: ring before blk"     0   "before"                 before "$W/r61.order" virtio_ring virtio_blk
t "mk: 6.1 fs"              0   "modules: .*ext4"        $MK -o "$W/f61.img" -k "$k61" --modules-dir "$m61" --conf "$W/fs.conf"
img_file "$W/f61.img" lib/modules/salvage.order > "$W/f61.order"
t "mk: jbd2 before ext4"    0   "before"                 before "$W/f61.order" jbd2 ext4
t "mk: softdep crc32c"      0   "before"                 before "$W/f61.order" crc32c_generic jbd2
t "mk: every listed file"   0   "^all [1-9][0-9]* present$" all_listed "$W/f61.img" "$W/f61.order"
t "mk: 6.12 fs"             0   "virtio_pci is built in" $MK -o "$W/f612.img" -k "$k612" --modules-dir "$m612" --conf "$W/fs.conf"
t "mk: .ko.xz unpacked"     0   "ext4/ext4.ko$"          ls_img "$W/f612.img"
t "mk: module is ELF"       0   "^.ELF"                  img_file "$W/f612.img" "lib/modules/$k612/kernel/fs/ext4/ext4.ko"
# The network target: keys in, conf lines appended (a conf without its
# last newline included), the disk target kept as the fallback, image 0600.
$S keygen "$W/rcv" > /dev/null; $S keygen "$W/cli" > /dev/null
printf 'target fs:LABEL=dumps:/var/crash' > "$W/nonl.conf"
t "mk: tls target"          0   "modules: .*virtio_net .*ext4" $MK -o "$W/n61.img" -k "$k61" --modules-dir "$m61" \
	--conf "$W/nonl.conf" --server 10.0.2.2:9622 --server-key "$W/rcv.pub" --client-key "$W/cli.key" --net eth0:dhcp --nic virtio
t "mk: tls conf lines"      0   "^target tls://10.0.2.2:9622$" img_file "$W/n61.img" etc/salvage.conf
t "mk: disk target is fallback" 0 "^fallback fs:LABEL=dumps:/var/crash$" img_file "$W/n61.img" etc/salvage.conf
t "mk: key paths in conf"   0   "^client-key /etc/salvage/client.key$" img_file "$W/n61.img" etc/salvage.conf
t "mk: client key in image" 0   "^salvage-key 1" img_file "$W/n61.img" etc/salvage/client.key
t "mk: image is 0600"       0   "^-rw-------" ls -l "$W/n61.img"
t "mk: tls needs keys"      1   "needs --server-key"     $MK -o "$W/x" -k "$k61" --modules-dir "$m61" --server 10.0.2.2:9622
t "mk: tls bad key"         1   "not salvage keys"       $MK -o "$W/x" -k "$k61" --modules-dir "$m61" --server 1.2.3.4:1 \
	--server-key "$W/nonl.conf" --client-key "$W/cli.key"
t "mk: unknown nic list"    1   "no drivers-list/net-frob" $MK -o "$W/x" -k "$k61" --modules-dir "$m61" --server 1.2.3.4:1 \
	--server-key "$W/rcv.pub" --client-key "$W/cli.key" --nic frob
t "mk: --storage virtio"    0   "modules: virtio_blk .*ext4" $MK -o "$W/v.img" -k "$k612" --modules-dir "$m612" --conf "$W/fs.conf" --storage virtio
t "mk: virtio only"         0   "^no$"                   sh -c "grep -Eq 'ahci|nvme' $W/last && echo yes || echo no"
t "mk: --storage unknown"   1   "no drivers-list/block-floppy" $MK -o "$W/x" -k "$k61" --modules-dir "$m61" --conf "$W/raw.conf" --storage virtio,floppy
t "mk: --storage all"       0   "nvme .*ahci"            $MK -o "$W/x" -k "$k61" --modules-dir "$m61" --conf "$W/raw.conf"
t "mk: --shell, lz4"        0   "\(lz4\)"                $MK -o "$W/s.img" -k "$k61" --modules-dir "$m61" --conf "$W/raw.conf" --shell --compress lz4
t "mk: --shell adds sh"     0   "^bin/sh$"               ls_img "$W/s.img"
# the swap shim's block device: nbd unless the config says swap off
printf 'target raw:/dev/vdb\nswap off \n' > "$W/swapoff.conf"
printf 'target raw:/dev/vdb\nswap on\n' > "$W/swapon.conf"
t "mk: nbd by default"      0   "modules: .*nbd"         $MK -o "$W/x" -k "$k61" --modules-dir "$m61" --conf "$W/raw.conf"
t "mk: nbd in the image"    0   "block/nbd.ko$"          ls_img "$W/x"
t "mk: nbd with swap on"    0   "modules: .*nbd"         $MK -o "$W/x" -k "$k612" --modules-dir "$m612" --conf "$W/swapon.conf"
t "mk: .ko.xz nbd unpacked" 0   "^.ELF"                  img_file "$W/x" "lib/modules/$k612/kernel/drivers/block/nbd.ko"
t "mk: no nbd with swap off" 0  "^no$"                   sh -c "$MK -o $W/x -k $k61 --modules-dir $m61 --conf $W/swapoff.conf | grep -q nbd && echo yes || echo no"

summary
