#!/bin/sh
# tests/qemu/shim.sh SERIES: the old-memory swap (docs/shim.md) in a real
# crash kernel with a small reservation. The memory-hungry step is the
# network dump's resume window (64 MiB of the stream kept so that a resume
# after a cut sends from it instead of capturing again from the start); a
# TCP proxy on the host cuts the first connection mid-stream. Six crashes:
#   off    swap off: the window does not fit in the crash kernel's memory,
#          so the resume captures the vmcore again from the start
#   auto   swap auto: the window asks for more than the crash kernel has,
#          so the crashed kernel's left-out pages are lent as swap; the
#          resume is sent from the window (swapped out and read back)
#   one    as auto, with one copy of 10 % of the swap blocks damaged in
#          old memory as they are written: every damaged read is repaired
#          from the other copy, none fails
#   both   as auto, with both copies of half the blocks damaged: the
#          capture child dies of SIGBUS at the resume, PID 1 turns the swap
#          off and captures again without it, and the dump is stored
#   stall  as auto, with the swap's server made to stop answering after
#          200 requests: nbd drops the connection after its 60 s timeout,
#          PID 1 sees it and kills the capture child (which could go on
#          reclaiming onto the dead device) or the child dies of SIGBUS
#          first; PID 1 turns the swap off and stores the dump without it
#   locked as auto, with only the crash kernel booted with
#          lockdown=integrity (stage 1's `salvage load --append`; a first
#          kernel under lockdown refuses to load an image signed with a
#          key it does not trust): /dev/mem is refused, salvage says so in
#          one line and sends the dump without swap (the resume captures
#          again)
# Every dump must be stored whole by the receiver. The auto and one dumps
# are checked against old memory as it was after the dump (the whole
# vmcore copied to a raw disk at the end, swap-test-elf): every page the
# dump holds is byte-identical, and an independent classifier finds no
# page that -d 31 keeps missing (a lent page holding swap data, zeroed
# after, would show as a difference); and they open in crash (6.1) or drgn.
#
# SHIM_RUNS: the crashes to run (default: off auto one both stall locked).
# SHIM_LOADER=kexec|kexecload: the crash kernel armed with Debian's
# kexec-tools, `kexec -s -p` or `kexec -p`, instead of `salvage load`.
# SHIM_CRASHARGS=A,B: words added to the crash kernel's command line (e.g.
# nr_cpus=2).
# SHIM_LOCKDOWN: the locked case's lockdown mode (integrity).
set -eu
series=$1
. tests/qemu/lib.sh
qemu_kernel "$series"
W=$Q/shim-$series
rm -rf "$W"
mkdir -p "$W"
CK=${SHIM_CRASHKERNEL:-96M}
# the first 2 MB pass, the next 20 MB are swallowed (as by a receiver that
# restarted and lost what it had not acknowledged), then the cut: the
# resume must go 20 MB back (the streams of this guest are 28-49 MB)
CUT=${SHIM_CUT:-2000000+20000000}
STAGE1="crashkernel=$CK stage1=crash"
case ${SHIM_LOADER:=salvage} in
kexec) armed="kexec -s -p" ;;
kexecload) armed="kexec -p" ;;
*) armed="" ;;
esac
if [ -n "$armed" ]; then
	qemu_kexec_tools "$W" || exit 1
	STAGE1="$STAGE1 stage1loader=$SHIM_LOADER"
fi
fail() {
	if [ -f "$W/$1/console.log" ]; then
		qemu_fail "$W/$1/console.log" "shim $series $1: $2"
	else
		echo "FAIL: shim $series $1: $2"
	fi
	exit 1
}
want() { grep -q -- "$3" "$W/$1/console.log" || fail "$1" "$2 (no \"$3\" on the console)"; }
# the last number after "NAME=" in the crash kernel's swap counters line
count() { sed -n "s/.*salvage: swap lent=.* $2=\([0-9]*\).*/\1/p" "$W/$1/console.log" | tail -n 1; }

# crash NAME CONF_LINES [CRASHARGS]: one crash with those config lines
# (and those words added to the crash kernel's command line, commas between);
# leaves the stored dump's directory in D
crash() {
	name=$1 w=$W/$1 args=${3:-${SHIM_CRASHARGS:-}}
	say "$KVER shim $name: crashkernel=$CK${args:+, crash kernel +$args}, the first connection cut at $CUT bytes (log: $w/console.log)"
	qemu_cut_crash "$w" "$STAGE1${args:+ crashargs=$args}" "$CUT" "$2" "$W/extra.cpio"
	if [ -n "$armed" ]; then
		want "$name" "$armed did not arm the crash kernel" "stage1: armed with $armed, kexec_crash_loaded 1"
		! grep -q "salvage: crash kernel loaded" "$w/console.log" || fail "$name" "salvage load armed it, not $armed"
	fi
	# (in "both" and "stall" the capture may die before the cut)
	case $name in both | stall) ;; *)
		grep -q "^cut 1" "$w/proxy.log" || fail "$name" "the proxy never cut the connection" ;;
	esac
	want "$name" "the dump was not stored" "salvage: dump stored by"
	qemu_net_stored "$w" guest "$w/console.log" || fail "$name" "the receiver did not store it"
}

# verify NAME: the stored dump against the vmcore copied after it
verify() {
	w=$W/$1
	want "$1" "no copy of the vmcore after the dump" "salvage: swap-test-elf: done"
	$SALVAGE collect "$w/elf.img" "$w/after" > "$w/collect.out" 2>&1 || fail "$1" "cannot collect the copy"
	/usr/bin/python3 tests/qemu/check_pages.py "$w/after/vmcore" "$D/vmcore" > "$w/pages.out" ||
		{ cat "$w/pages.out"; fail "$1" "a page of the dump differs from old memory"; }
	/usr/bin/python3 tests/qemu/page-classes.py "$w/after/vmcore" "$D/vmcore" > "$w/classes.out" ||
		{ cat "$w/classes.out"; fail "$1" "a page -d 31 keeps is missing from the dump"; }
	say "$KVER shim $1: $(cat "$w/pages.out"); no kept page missing"
	rm -rf "$w/after" "$w/elf.img" # 2 GB each
}

run_off() {
	crash off "swap off"
	want off "the window fitted without swap" "resume window: 64 MiB asked"
	want off "the resume did not capture again" "0 from the resume window"
	! grep -q "salvage: shim: swap on" "$W/off/console.log" || fail off "swap was on"
}

run_auto() {
	crash auto "$(printf 'swap auto\nswap-test-elf /dev/vda')"
	want auto "swap auto did not turn the swap on" "MiB available, ask 64 MiB"
	want auto "no swap on old memory" "salvage: shim: swap on /dev/nbd0"
	want auto "the capture not held apart from the server" "salvage: shim: the swap's users held below"
	want auto "the window was not whole" "salvage: resume window: 64 MiB (the old-memory swap"
	want auto "the resume was not sent from the window" "resumes: 1 from the resume window"
	want auto "the resume captured again" "0 by capturing again"
	[ "$(count auto writes)" -gt 0 ] || fail auto "nothing was swapped out"
	[ "$(count auto reads)" -gt 0 ] || fail auto "nothing was swapped in"
	[ "$(count auto errors)" = 0 ] || fail auto "swap errors"
	grep -q "^note=swap lent=" "$D/salvage.meta" || fail auto "the receiver's salvage.meta has no swap counters"
	verify auto
	sh scripts/kernel.sh "$series" dbg > /dev/null
	if [ "$series" = 6.1 ]; then
		CHECK_CRASH_OUT=$W/auto/crash.out sh tests/qemu/check-crash.sh "$KDIR/vmlinux" "$D/vmcore" > "$W/auto/check-crash.out" ||
			{ cat "$W/auto/check-crash.out"; fail auto "crash cannot use the dump"; }
	else
		qemu_reader "$series" || fail auto "no reader for $series dumps"
		$READER /usr/bin/python3 tests/qemu/drgn_open.py "$KDIR/vmlinux" "$D/vmcore" "$KVER" > "$W/auto/drgn.out" ||
			{ cat "$W/auto/drgn.out"; fail auto "drgn cannot use the dump"; }
	fi
	say "$KVER shim auto: swap $(sed -n 's/.*salvage: swap lent=//p' "$W/auto/console.log" | tail -n 1)"
}

run_one() {
	crash one "$(printf 'swap auto\nswap-test-corrupt one:100\nswap-test-elf /dev/vda')"
	want one "the resume was not sent from the window" "resumes: 1 from the resume window"
	[ "$(count one repairs)" -gt 0 ] || fail one "no repair counted"
	[ "$(count one errors)" = 0 ] || fail one "a read failed although one copy was good"
	verify one
}

run_both() {
	crash both "$(printf 'swap auto\nswap-test-corrupt both:500')"
	want both "the capture child did not die of the bad swap" "killed by signal 7 (SIGBUS"
	want both "PID 1 did not go on without the swap" "trying again without the old-memory swap"
	want both "the swap was not turned off" "salvage: swap: off;"
	[ "$(count both errors)" -gt 0 ] || fail both "no swap error counted"
	# what the killed attempt left in the tmpfs root may read back EIO
	! grep -q "salvage: .*: EIO" "$W/both/console.log" || fail both "the retry met an EIO"
}

# the server stops answering: nbd's timeout drops the connection 60 s
# later, PID 1 sees it and kills the capture (it would reclaim onto the
# dead device), turns the swap off and saves the dump without it
run_stall() {
	crash stall "$(printf 'swap auto\nswap-test-corrupt stall:200')"
	want stall "the server did not stall" "the server stops answering after 200 requests"
	# PID 1 kills the capture once it sees the connection lost (the
	# child may also die of SIGBUS on a swap-in, first by itself or
	# from the fault it was in at PID 1's kill: all seen; without PID 1's check a child that only swaps out can spin,
	# which tests/qemu/swap.sh's stall case holds deterministically)
	grep -q -e "capture process was killed by signal 9 (by PID 1: the swap's device is down)" \
		-e "capture process was killed by signal 7 (SIGBUS" "$W/stall/console.log" ||
		fail stall "the capture neither killed by PID 1 nor dead of SIGBUS"
	want stall "PID 1 did not go on without the swap" "trying again without the old-memory swap"
	want stall "the swap was not turned off" "salvage: swap: off;"
}

run_locked() {
	crash locked "swap auto" "lockdown=${SHIM_LOCKDOWN:-integrity}"
	want locked "the crash kernel was not locked down" "Kernel is locked down from command line; see man kernel_lockdown.7"
	want locked "the swap was not asked for" "MiB available, ask 64 MiB"
	n=$(grep -c "salvage: swap:.*/dev/mem" "$W/locked/console.log") || true
	[ "$n" = 1 ] || fail locked "$n lines about /dev/mem, not one"
	want locked "the line does not say lockdown refused /dev/mem" "salvage: swap: /dev/mem refused by the kernel's lockdown; no swap"
	! grep -q "salvage: shim: swap on" "$W/locked/console.log" || fail locked "swap was on"
	want locked "the resume did not capture again" "0 from the resume window"
}

# off: the step fails without the shim; auto: the shim makes it work;
# one: one copy damaged, repaired, the dump right; both: both copies
# damaged, the child dies, PID 1 saves the dump without swap; stall: the
# server stops answering, PID 1 kills the child and saves the dump without
# swap; locked: a locked-down crash kernel refuses /dev/mem, the dump is
# saved without swap
for r in ${SHIM_RUNS:-off auto one both stall locked}; do
	run_$r
done
say "$KVER shim: ok"
