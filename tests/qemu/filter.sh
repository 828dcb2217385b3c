#!/bin/sh
# tests/qemu/filter.sh SERIES: the page filter on a real crash of a Debian
# kernel whose guest held page cache, anonymous, free and zero pages (the
# stage-1 workload). From the unfiltered /proc/vmcore of that crash
# (tests/qemu/crash.sh SERIES raw-elf), salvage dump -d 31 and convert, then:
#  - every page the dump keeps is byte-identical to the original's
#    (check_pages.py, libkdumpfile);
#  - 6.1: per class (zero, cache, private cache, user, free) the excluded
#    counts agree with makedumpfile 1.7.2 within 0.5 %, and crash with the
#    debug vmlinux runs log, bt, ps, kmem -i and slab walks on the converted
#    file (check-crash.sh);
#  - 6.12 and 7 (makedumpfile 1.7.2 and crash 8.0.2 predate them): drgn with
#    the debug vmlinux reads init_uts_ns, every task and the whole log
#    exactly as from the original; per class the counts equal an independent
#    classifier's (page-classes.py), which finds no page -d 31 keeps missing
#    from the dump; the pages kept stay close to 6.1's;
#  - 7 (the newest 7.x): drgn is sid's 0.3.0, and sid's crash 9.0.2 also runs
#    the check-crash.sh walks (slab, mounts, files, ...) on the converted
#    file, both from a sid chroot (scripts/sid-chroot.sh). makedumpfile
#    1.7.8 is no reference there: it drops about 1,100 live slab pages.
set -eu
series=$1
. tests/qemu/lib.sh
qemu_kernel "$series"
elf=$Q/crash-$series-raw-elf/out/vmcore
[ -f "$elf" ] || sh tests/qemu/crash.sh "$series" raw-elf
w=$Q/filter-$series
rm -rf "$w"
mkdir -p "$w"
fail() { echo "FAIL: filter $series: $*"; exit 1; }

$SALVAGE dump -d 31 -o "$w/vmcore.salvage" "$elf" 2> "$w/dump.out" || { cat "$w/dump.out"; fail "salvage dump"; }
$SALVAGE convert "$w/vmcore.salvage" "$w/vmcore" 2> "$w/convert.out" || { cat "$w/convert.out"; fail "convert"; }
counts=$(sed -n 's/^salvage: pages: //p' "$w/dump.out")
say "$KVER: salvage -d 31: $counts"
/usr/bin/python3 tests/qemu/check_pages.py "$elf" "$w/vmcore" || fail "pages differ"

sh scripts/kernel.sh "$series" dbg > /dev/null
qemu_reader "$series" || fail "no reader for $series dumps"
vmlinux=$KDIR/vmlinux
ours() { echo "$counts" | tr ',' '\n' | sed -n "s/^ *$1 //p"; }
kept=$(( $(ours kept) + $(ours zero) ))
echo "$kept" > "$w/dumpable"

case $series in
6.1)
	makedumpfile -d 31 --message-level 31 "$elf" "$w/mdf.kdump" > "$w/mdf.out" 2>&1 ||
		{ cat "$w/mdf.out"; fail "makedumpfile"; }
	theirs() { printf '%d' "$(sed -n "s/^ *$1 *: *\(0x[0-9a-f]*\)/\1/p" "$w/mdf.out")"; }
	for pair in "zero:Pages filled with zero" "cache:Non-private cache pages" \
		"cache_private:Private cache pages" "user:User process data pages" "free:Free pages"; do
		cls=${pair%%:*} a=$(ours "${pair%%:*}") b=$(theirs "${pair#*:}")
		awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d; m = a > b ? a : b; exit !(d <= 0.005 * m) }' ||
			fail "$cls: salvage $a, makedumpfile $b (more than 0.5 % apart)"
		say "$KVER: $cls: salvage $a, makedumpfile 1.7.2 $b"
	done
	CHECK_CRASH_OUT=$w/crash.out sh tests/qemu/check-crash.sh "$vmlinux" "$w/vmcore" > "$w/check-crash.out" ||
		{ cat "$w/check-crash.out"; fail "crash"; }
	say "$KVER: crash: sys, bt, log, ps, kmem -i, files, mount, net, dev, kmem -s ok"
	;;
*)
	$READER /usr/bin/python3 tests/qemu/check_drgn.py "$vmlinux" "$w/vmcore" "$elf" || fail "drgn"
	if [ "$series" = 7 ]; then
		CHECK_CRASH_OUT=$w/crash.out $READER sh tests/qemu/check-crash.sh "$vmlinux" "$w/vmcore" \
			> "$w/check-crash.out" || { cat "$w/check-crash.out"; fail "crash"; }
		say "$KVER: sid's crash: $(grep -c '^ok: ' "$w/check-crash.out") checks ok, $(grep -c '^skip: ' "$w/check-crash.out") skipped ($w/check-crash.out)"
	fi
	# an independent classifier (drgn for translation, the -d 31 rules
	# written again): same classes, and no page it keeps missing
	/usr/bin/python3 tests/qemu/page-classes.py "$elf" "$w/vmcore" > "$w/classes.out" ||
		{ cat "$w/classes.out"; fail "page-classes: pages missing from the dump"; }
	for cls in zero cache cache_private user free; do
		want=$(sed -n "s/^$cls //p" "$w/classes.out")
		[ "$(ours "$cls")" = "$want" ] || fail "$cls: salvage $(ours "$cls"), reference classifier $want"
	done
	say "$KVER: classes equal the reference classifier's; no kept page missing"
	k61=$Q/filter-6.1/dumpable
	if [ -f "$k61" ]; then
		awk -v a="$kept" -v b="$(cat "$k61")" 'BEGIN { exit !(a <= 1.5 * b && b <= 1.5 * a) }' ||
			fail "$series keeps $kept pages, 6.1 $(cat "$k61"): not close"
		say "$KVER: dumpable pages $kept (6.1: $(cat "$k61"))"
	fi
	;;
esac
say "$KVER: filter ok"
