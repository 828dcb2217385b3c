#!/bin/sh
# bench/crash-kernel-dump.sh [SERIES] [GB]: salvage dump against
# makedumpfile where it matters, in the crash kernel on /proc/vmcore: a
# guest of GB GB (2 unless said; larger ones map their RAM without
# reserving it, memory-backend-ram reserve=off, and add about 2 GiB to the
# test workload, stage1big=2) panics into a crash kernel with two CPUs
# (QEMU_SMP, 2 unless said: nr_cpus=2) whose /init is a toybox script that
# runs, one after the other, `salvage dump -d 31` on one worker and on
# two, `makedumpfile -F -l -d 31` and `makedumpfile -F -c -d 31` (Debian's
# binary with its shared libraries copied in; -c on the 2 GB guest only),
# each writing to /dev/null, timed with /proc/uptime. Under QEMU/TCG, so the times are emulated ones,
# the same for both tools; multi-threaded TCG runs the two vCPUs on the
# host's two cores. Prints seconds and seconds per GB of RAM. A
# measurement, not a test.
set -eu
series=${1:-6.1} gb=${2:-2}
. tests/qemu/lib.sh
qemu_kernel "$series"
w=$Q/bench-crash-$series-$gb
smp=${QEMU_SMP:-2}
rm -rf "$w"
mkdir -p "$w/root/bin" "$w/root/proc" "$w/root/sys" "$w/root/dev" "$w/root/tmp"
cp build/deps/bin/toybox "$w/root/bin/toybox"
for c in $(build/deps/bin/toybox); do ln -sf toybox "$w/root/bin/$c"; done
ln -sf toybox "$w/root/bin/sh"
cp "$SALVAGE" "$w/root/bin/salvage"
cp /usr/bin/makedumpfile "$w/root/bin/makedumpfile"
for lib in $(ldd /usr/bin/makedumpfile | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^\t\(\/[^ ]*\) .*/\1/p'); do
	mkdir -p "$w/root$(dirname "$lib")"
	cp -L "$lib" "$w/root$lib"
done
cat > "$w/root/init" <<'EOT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
now() { cut -d' ' -f1 /proc/uptime; }
# toysh 0.8.9 has no awk and its functions ignore shift: print raw
# uptimes, the host does the arithmetic
# (output to /dev/null: a large guest's would not fit in the crash
# kernel's memory, and toysh 0.8.9 hung on a pipeline into wc there)
run() {
	t0=$(now)
	"$@" > /dev/null 2> /tmp/err
	rc=$?
	t1=$(now)
	echo "bench: $t0 $t1 $rc $*"
	[ $rc = 0 ] || tail -n 3 /tmp/err
}
run salvage dump -j 1 -d 31 /proc/vmcore
run salvage dump -j 2 -d 31 /proc/vmcore
run makedumpfile -F -l -d 31 /proc/vmcore
EOT
# makedumpfile -c (zlib) takes 4 times -l's time: the 2 GB guest only
[ "$gb" -gt 2 ] || cat >> "$w/root/init" <<'EOT'
run makedumpfile -F -c -d 31 /proc/vmcore
run salvage dump -j 1 -d 31 /proc/vmcore
EOT
cat >> "$w/root/init" <<'EOT'
poweroff -f
EOT
chmod 755 "$w/root/init"
(cd "$w/root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | zstd -q -3 > "$w/crash.img"
qemu_stage1 "$w/crash.img" "$w/stage1.img"
big=""
if [ "$gb" -gt 2 ]; then
	big="stage1big=2"
	QEMU_EXTRA="-object memory-backend-ram,id=m0,size=${gb}G,reserve=off -machine pc,memory-backend=m0"
	export QEMU_EXTRA
fi
GUEST_MEM=${gb}G QEMU_SMP=$smp qemu_run "$w/console.log" "$w/stage1.img" \
	"crashkernel=${CRASHKERNEL:-384M} stage1=crash $big crashargs=nr_cpus=$smp" || true
grep -q "bench:" "$w/console.log" || qemu_fail "$w/console.log" "no figures"
echo "in the $KVER crash kernel (QEMU/TCG, $smp vCPUs), over /proc/vmcore of the $gb GB guest, output to /dev/null:"
sed -n 's/^\[ *[0-9.]*\] bench: //p' "$w/console.log" |
	awk -v gb="$gb" '{ printf "  %-40s %7.2f s %6.3f s/GB  exit %s\n", substr($0, index($0, $4)), $2 - $1, ($2 - $1) / gb, $3 }'

