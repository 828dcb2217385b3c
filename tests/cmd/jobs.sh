#!/bin/sh
# salvage dump -j N: the stream is the same, byte for byte, whatever N is
# (a network resume regenerates it and skips what the receiver holds), at
# every dump level; a vmcore that cannot be dumped fails the same way for
# every N, and nothing hangs (every run under timeout). One line per case.
# Run from the project root (make cmdtests). The QEMU tests' ELF vmcores,
# when tests/qemu/crash.sh left them, are compared too; else skipped.
set -u
S=build/salvage
W=build/cmdtests-jobs
. tests/cmd/lib.sh

# LEVEL VMCORE: dumps with -j 1, 2, 3 and 8; "same: SIZE bytes" if all
# four streams are identical
same_dump() {
	for j in 1 2 3 8; do
		timeout 300 $S dump -j $j -d "$1" -o "$W/j$j" "$2" 2> "$W/j$j.log" ||
			{ echo "-j $j failed"; cat "$W/j$j.log"; return 1; }
		cmp "$W/j1" "$W/j$j" || return 1
	done
	echo "same: $(stat -c %s "$W/j1") bytes"
}

# VMCORE: dumps with -j 1, 2 and 3; the messages and the exit code, on
# one line, if they are the same for all three
same_error() {
	for j in 1 2 3; do
		timeout 60 $S dump -j $j -o "$W/x" "$1" > "$W/e$j" 2>&1
		echo "exit $?" >> "$W/e$j"
	done
	cmp "$W/e1" "$W/e2" && cmp "$W/e1" "$W/e3" && tr '\n' ' ' < "$W/e1"
}

python3 tests/cmd/bigcore.py "$W/big"
python3 tests/cmd/bigcore.py "$W/cut" cut
python3 tests/cmd/badcore.py good "$W/good"
python3 tests/cmd/badcore.py truncated "$W/truncated"
python3 tests/cmd/printk_vmcore.py "$W/printk"

t "jobs: usage -j 0"        100 "usage: salvage dump .*-j N 1-8" $S dump -j 0 "$W/big"
t "jobs: usage -j 9"        100 "usage: salvage dump"   $S dump -j 9 "$W/big"
t "jobs: usage -j x"        100 "usage: salvage dump"   $S dump -j x "$W/big"
t "jobs: usage -j ' 2'"     100 "usage: salvage dump"   $S dump -j ' 2' "$W/big"
# an empty level is no level 0, nor a long one cut to an int level 5
t "dump: usage -d ''"       100 "usage: salvage dump"   $S dump -d '' "$W/big"
t "dump: usage -d 2^32 + 5" 100 "usage: salvage dump"   $S dump -d 4294967301 "$W/big"
t "jobs: big -d 31"         0   "^same: [0-9]+ bytes"   same_dump 31 "$W/big"
t "jobs: many records"      0   "kept 3000, zero 3002"  cat "$W/j2.log"
t "jobs: converts"          0   "converted"             $S convert "$W/j3" "$W/big.kdump"
t "jobs: big -d 0"          0   "^same: [0-9]+ bytes"   same_dump 0 "$W/big"
t "jobs: two pages -d 31"   0   "^same: [0-9]+ bytes"   same_dump 31 "$W/good"
t "jobs: printk -d 31"      0   "^same: [0-9]+ bytes"   same_dump 31 "$W/printk"
t "jobs: -j 2 to /dev/full" 111 "writing /dev/full: No space left" $S dump -j 2 -o /dev/full "$W/big"
t "jobs: cut in the data"   0   "ELF program header out of bounds.* exit 111 $" same_error "$W/cut"
t "jobs: truncated headers" 0   "ELF program header out of bounds.* exit 111 $" same_error "$W/truncated"

# crash-cpus: salvage load reads it before anything else (the command
# line it makes is checked in tests/unit/test_load.c)
printf 'crash-cpus 9\n' > "$W/cpus9.conf"
t "load: crash-cpus 9"      111 "cpus9.conf line 1: .*value" $S load --kernel x --initrd y --conf "$W/cpus9.conf"
t "load: --conf missing"    111 "none.conf: No such file" $S load --kernel x --initrd y --conf "$W/none.conf"
t "help: crash-cpus"        0   "crash-cpus"            $S help

# The real kernels' vmcores (6.1 and 6.12, the filter at work): those
# tests/qemu/crash.sh SERIES raw-elf and tests/qemu/cpus.sh 6.1 leave
for v in build/qemu/crash-6.1-raw-elf/out/vmcore build/qemu/crash-6.12-raw-elf/out/vmcore \
	build/qemu/cpus-6.1/after/vmcore; do
	k=${v#build/qemu/}
	k=${k%%/*}
	if [ ! -f "$v" ]; then
		skip "jobs: $k" "no $v (made by the QEMU tests)"
		continue
	fi
	t "jobs: $k -d 31"          0 "^same: [0-9]+ bytes" same_dump 31 "$v"
	t "jobs: $k -d 1"           0 "^same: [0-9]+ bytes" same_dump 1 "$v"
done
summary
