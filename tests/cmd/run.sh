#!/bin/sh
# Shell tests of the commands as a user runs them: one line per case.
#   t NAME WANT_EXIT PATTERN CMD...   runs CMD; passes when it exits
#                                     WANT_EXIT and its output matches PATTERN
# Run from the project root (make cmdtests). Last line: N passed, N failed.
set -u
S=build/salvage
MK=mkinitramfs/salvage-mkinitramfs
W=build/cmdtests
rm -rf "$W"
mkdir -p "$W"
pass=0 fail=0

t() {
	name=$1 want=$2 pat=$3
	shift 3
	"$@" > "$W/out" 2>&1
	got=$?
	cp "$W/out" "$W/last"
	if [ "$got" = "$want" ] && grep -qE -- "$pat" "$W/out"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $name: exit $got (want $want), output (want /$pat/):"
		sed 's/^/    /' "$W/out"
	fi
}

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
t "collect: usage"          100 "usage: salvage collect" $S collect x
t "collect: missing source" 111 "collect $W/none: No such file" $S collect "$W/none" "$W/o"
head -c 65536 /dev/urandom > "$W/garbage.img"
t "collect: foreign device" 111 "no salvage raw header"  $S collect "$W/garbage.img" "$W/o"
mkdir -p "$W/emptydumps"
t "collect: empty dump dir" 111 "no completed dump found" $S collect "$W/emptydumps" "$W/o"
t "modules: usage"          100 "usage: salvage modules" $S modules virtio_blk
t "modules: no modules.dep" 111 "run depmod"             $S modules --dir "$W" virtio_blk

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
t "mk: /init is salvage"    0   "^init$"                 ls_img "$W/r61.img"
t "mk: config inside"       0   "target raw:/dev/vdb"    img_file "$W/r61.img" etc/salvage.conf
img_file "$W/r61.img" lib/modules/salvage.order > "$W/r61.order"
t "mk: virtio before blk"   0   "virtio before virtio_blk" before "$W/r61.order" virtio virtio_blk
t "mk: ring before blk"     0   "before"                 before "$W/r61.order" virtio_ring virtio_blk
t "mk: 6.1 fs"              0   "modules: .*ext4"        $MK -o "$W/f61.img" -k "$k61" --modules-dir "$m61" --conf "$W/fs.conf"
img_file "$W/f61.img" lib/modules/salvage.order > "$W/f61.order"
t "mk: jbd2 before ext4"    0   "before"                 before "$W/f61.order" jbd2 ext4
t "mk: softdep crc32c"      0   "before"                 before "$W/f61.order" crc32c_generic jbd2
t "mk: every listed file"   0   "^all [0-9]+ present$"   all_listed "$W/f61.img" "$W/f61.order"
t "mk: 6.12 fs"             0   "virtio_pci is built in" $MK -o "$W/f612.img" -k "$k612" --modules-dir "$m612" --conf "$W/fs.conf"
t "mk: .ko.xz unpacked"     0   "ext4/ext4.ko$"          ls_img "$W/f612.img"
t "mk: module is ELF"       0   "^.ELF"                  img_file "$W/f612.img" "lib/modules/$k612/kernel/fs/ext4/ext4.ko"
t "mk: --storage virtio"    0   "modules: virtio_blk .*ext4" $MK -o "$W/v.img" -k "$k612" --modules-dir "$m612" --conf "$W/fs.conf" --storage virtio
t "mk: virtio only"         0   "^no$"                   sh -c "grep -Eq 'ahci|nvme' $W/last && echo yes || echo no"
t "mk: --storage unknown"   1   "no drivers-list/block-floppy" $MK -o "$W/x" -k "$k61" --modules-dir "$m61" --conf "$W/raw.conf" --storage virtio,floppy
t "mk: --storage all"       0   "nvme .*ahci"            $MK -o "$W/x" -k "$k61" --modules-dir "$m61" --conf "$W/raw.conf"
t "mk: --shell, lz4"        0   "\(lz4\)"                $MK -o "$W/s.img" -k "$k61" --modules-dir "$m61" --conf "$W/raw.conf" --shell --compress lz4
t "mk: --shell adds sh"     0   "^bin/sh$"               ls_img "$W/s.img"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
