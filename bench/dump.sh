#!/bin/sh
# bench/dump.sh [ELF_VMCORE]: salvage dump -d 31 against makedumpfile 1.7.2
# (-l: LZO, -c: zlib) on the same vmcore, in one run: wall time, peak RSS,
# output size; and salvage convert's time. A measurement, not a test: it
# prints figures and asserts nothing.
set -eu
v=${1:-build/qemu/crash-6.1-raw-elf/out/vmcore}
[ -f "$v" ] || sh tests/qemu/crash.sh 6.1 raw-elf > /dev/null
w=build/bench
mkdir -p "$w"
# One warm-up read so every tool starts with the vmcore in the page cache.
cat "$v" > /dev/null

row() { # NAME OUTPUT CMD...
	name=$1 out=$2
	shift 2
	rm -f "$out"
	/usr/bin/time -f "%e %M" -o "$w/time" "$@" > "$w/$name.log" 2>&1 ||
		{ echo "$name failed:"; cat "$w/$name.log"; return 1; }
	read -r secs kib < "$w/time"
	printf '%-28s %8s s %8s MiB %10s MiB\n' "$name" "$secs" "$((kib / 1024))" \
		"$(awk "BEGIN{printf \"%.1f\", $(stat -c %s "$out") / 1048576}")"
}

echo "vmcore: $v ($(($(stat -c %s "$v") >> 20)) MiB)"
printf '%-28s %10s %12s %14s\n' tool "wall" "peak RSS" "output"
row "salvage dump -d 31"        "$w/out.salvage" build/salvage dump -d 31 -o "$w/out.salvage" "$v"
row "makedumpfile -l -d 31"     "$w/out.lzo"     makedumpfile -l -d 31 "$v" "$w/out.lzo"
row "makedumpfile -c -d 31"     "$w/out.zlib"    makedumpfile -c -d 31 "$v" "$w/out.zlib"
row "salvage convert (zlib)"    "$w/out.kdump"   build/salvage convert "$w/out.salvage" "$w/out.kdump"
row "salvage convert --codec none" "$w/out.none" build/salvage convert --codec none "$w/out.salvage" "$w/out.none"
