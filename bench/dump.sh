#!/bin/sh
# bench/dump.sh [ELF_VMCORE]: salvage dump -d 31 (-j 1 and -j 2: one and
# two worker threads, docs/jobs.md) against makedumpfile (-l: LZO, -c: zlib)
# on the same vmcore, in one run: wall and CPU time, peak RSS, output
# size; the -j 1 / -j 2 streams compared byte for byte, and -j 2's speed
# against makedumpfile -l; then salvage convert's time; then -d 1 (every
# non-zero page kept: compression's share) for -j 1, -j 2 and -l. A measurement, not a test:
# it prints figures and asserts nothing. Run it on an idle machine (the
# workers need free cores).
set -eu
v=${1:-build/qemu/crash-6.1-raw-elf/out/vmcore}
[ -f "$v" ] || sh tests/qemu/crash.sh 6.1 raw-elf > /dev/null
w=build/bench
mkdir -p "$w"
# One warm-up read so every tool starts with the vmcore in the page cache.
cat "$v" > /dev/null

# NAME OUTPUT CMD...: the best wall time of $RUNS runs (default 3; a
# second-long run on a shared machine varies), its CPU time (user +
# system), its peak RSS, the output
row() {
	name=$1 out=$2 secs=
	shift 2
	for _ in $(seq "${RUNS:-3}"); do
		rm -f "$out"
		/usr/bin/time -f "%e %M %U %S" -o "$w/time" "$@" > "$w/$name.log" 2>&1 ||
			{ echo "$name failed:"; cat "$w/$name.log"; return 1; }
		read -r s k u sy < "$w/time"
		[ -z "$secs" ] || awk "BEGIN{exit !($s < $secs)}" && secs=$s kib=$k cpu=$(awk "BEGIN{print $u + $sy}")
	done
	printf '%-28s %8s s %6s s %8s MiB %10s MiB\n' "$name" "$secs" "$cpu" "$((kib / 1024))" \
		"$(awk "BEGIN{printf \"%.1f\", $(stat -c %s "$out") / 1048576}")"
}

echo "vmcore: $v ($(($(stat -c %s "$v") >> 20)) MiB)"
printf '%-28s %10s %8s %12s %14s\n' tool "wall" "CPU" "peak RSS" "output"
row "salvage dump -d 31 -j 1"   "$w/out.salvage" build/salvage dump -d 31 -o "$w/out.salvage" "$v"
row "salvage dump -d 31 -j 2"   "$w/out.j2"      build/salvage dump -d 31 -j 2 -o "$w/out.j2" "$v"
j2=$secs
row "makedumpfile -l -d 31"     "$w/out.lzo"     makedumpfile -l -d 31 "$v" "$w/out.lzo"
lzo=$secs
row "makedumpfile -c -d 31"     "$w/out.zlib"    makedumpfile -c -d 31 "$v" "$w/out.zlib"
row "salvage convert (zlib)"    "$w/out.kdump"   build/salvage convert "$w/out.salvage" "$w/out.kdump"
row "salvage convert --codec none" "$w/out.none" build/salvage convert --codec none "$w/out.salvage" "$w/out.none"
cmp -s "$w/out.salvage" "$w/out.j2" && same="identical" || same="DIFFERENT"
echo "salvage -j 1 and -j 2 streams: $same; -j 2 against makedumpfile -l:" \
	"$(awk "BEGIN{ if ($j2 > 0) printf \"%.2fx\", $lzo / $j2; else print \"(too fast to time)\" }")"
row "salvage dump -d 1 -j 1"    "$w/out.d1"      build/salvage dump -d 1 -o "$w/out.d1" "$v"
row "salvage dump -d 1 -j 2"    "$w/out.d1j2"    build/salvage dump -d 1 -j 2 -o "$w/out.d1j2" "$v"
row "makedumpfile -l -d 1"      "$w/out.d1lzo"   makedumpfile -l -d 1 "$v" "$w/out.d1lzo"
cmp -s "$w/out.d1" "$w/out.d1j2" && same="identical" || same="DIFFERENT"
echo "salvage -d 1 -j 1 and -j 2 streams: $same"
