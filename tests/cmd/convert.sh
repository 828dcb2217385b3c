#!/bin/sh
# salvage convert as a user runs it: streams from build/mkstream (a test
# helper) converted to kdump-compressed and ELF files, then read back with
# Debian's tools: file, crash, libkdumpfile (every page by physical address,
# tests/cmd/check_dump.py), drgn, makedumpfile. One line per case:
#   t NAME WANT_EXIT PATTERN CMD...
# Run from the project root (make cmdtests). Last line: N passed, N failed, N skipped.
# `convert.sh real` runs only the cases on the QEMU tests' vmcores (make
# qemutests, after them; a missing vmcore fails there); without it, only
# the synthetic ones.
set -u
S=build/salvage
MK=build/mkstream
PY=/usr/bin/python3 # Debian's, where python3-libkdumpfile and python3-drgn live
W=build/cmdtests-convert
. tests/cmd/lib.sh

exists() { for f; do [ -e "$f" ] && echo "yes $f" || echo "no $f"; done; }
# cut FILE BYTES OUT / flip FILE OFFSET OUT: damaged copies of a stream
cut_to() { head -c "$2" "$1" > "$3" && echo cut; }
flip() { cp "$1" "$3" && printf '\377' | dd of="$3" bs=1 seek="$2" conv=notrunc 2>/dev/null && echo flipped; }
# offset of stream record N (0 = INFO): header 16, records of 12 + length
record_at() {
	$PY -c 'import struct,sys; b=open(sys.argv[1],"rb").read(); o=16
for _ in range(int(sys.argv[2])): o += 12 + struct.unpack_from("<I", b, o + 4)[0]
print(o)' "$1" "$2"
}
drgn_opt=
$PY -c 'import drgn' 2>/dev/null && drgn_opt=--drgn

synthetic() {
	# A synthetic machine: 4096 pfns, holes, short and long excluded runs.
	mkdir -p "$W/a" "$W/l0" "$W/nn" "$W/nr"
	t "mkstream synth"          0   "^mkstream: wrote"         $MK synth "$W/a.stream" "$W/a"
	t "convert: kdump zlib"     0   "converted .* \(kdump, zlib\): 3105 pages kept, 410 zero" $S convert "$W/a.stream" "$W/a.kdump"
	t "convert: no .partial"    0   "^no .*partial$"           exists "$W/a.kdump.partial"
	t "file: kdump v6"          0   "Kdump compressed dump v6, system Linux, node testhost, release 6.1.0-salvage-test" file "$W/a.kdump"
	t "crash --osrelease"       0   "^6.1.0-salvage-test$"     crash --osrelease "$W/a.kdump"
	t "libkdumpfile: pages"     0   "^ok: 3515 pages$"         $PY tests/cmd/check_dump.py "$W/a.kdump" "$W/a" $drgn_opt
	t "convert: --codec none"   0   "raw pages"                $S convert --codec none "$W/a.stream" "$W/a.raw"
	t "libkdumpfile: raw pages" 0   "^ok: 3515 pages$"         $PY tests/cmd/check_dump.py "$W/a.raw" "$W/a"
	t "zlib is smaller"         0   "^smaller$"                sh -c "[ \$(wc -c < $W/a.kdump) -lt \$(wc -c < $W/a.raw) ] && echo smaller"
	t "convert: --elf"          0   "\(ELF\)"                  $S convert --elf "$W/a.stream" "$W/a.elf"
	t "file: ELF core"          0   "ELF 64-bit LSB core file, x86-64" file "$W/a.elf"
	t "elf: 4 PT_LOADs"         0   "There are 5 program headers" readelf -lW "$W/a.elf"
	t "crash --osrelease elf"   0   "^6.1.0-salvage-test$"     crash --osrelease "$W/a.elf"
	t "libkdumpfile: elf pages" 0   "^ok: 3525 pages$"         $PY tests/cmd/check_dump.py "$W/a.elf" "$W/a" --elf $drgn_opt
	# Level 0: zero pages still read back as zeros (shared zero page).
	t "mkstream level 0"        0   "^mkstream: wrote"         $MK synth --level 0 "$W/l0.stream" "$W/l0"
	t "convert: level 0"        0   "410 zero"                 $S convert "$W/l0.stream" "$W/l0.kdump"
	t "libkdumpfile: level 0"   0   "^ok: 3515 pages$"         $PY tests/cmd/check_dump.py "$W/l0.kdump" "$W/l0"
	# No NOTES record: the VMCOREINFO record becomes a note.
	t "mkstream no notes"       0   "^mkstream: wrote"         $MK synth --no-notes "$W/nn.stream" "$W/nn"
	t "convert: no notes"       0   "converted"                $S convert "$W/nn.stream" "$W/nn.kdump"
	t "crash: note appended"    0   "^6.1.0-salvage-test$"     crash --osrelease "$W/nn.kdump"
	t "convert: no notes, elf"  0   "converted"                $S convert --elf "$W/nn.stream" "$W/nn.elf"
	t "crash: elf note"         0   "^6.1.0-salvage-test$"     crash --osrelease "$W/nn.elf"
	# No RAM record: holes look like excluded pages.
	t "mkstream no ram"         0   "^mkstream: wrote"         $MK synth --no-ram "$W/nr.stream" "$W/nr"
	t "convert: no ram, elf"    0   "converted"                $S convert --elf "$W/nr.stream" "$W/nr.elf"
	t "libkdumpfile: no ram"    0   "^ok: "                    $PY tests/cmd/check_dump.py "$W/nr.elf" "$W/nr" --elf --no-ram
	t "convert: no ram, kdump"  0   "converted"                $S convert "$W/nr.stream" "$W/nr.kdump"
	t "libkdumpfile: no ram k"  0   "^ok: 3515 pages$"         $PY tests/cmd/check_dump.py "$W/nr.kdump" "$W/nr"

	# Damaged input: one line saying what and where, exit 111, no OUT.
	p7=$(record_at "$W/a.stream" 7)
	t "cut mid-record"          0   "^cut$"                    cut_to "$W/a.stream" $((p7 + 1000)) "$W/cut.stream"
	t "convert: truncated"      111 "STREAM_TRUNCATED at record 7 \(PAGES\), offset $p7: salvage stream is cut short" $S convert "$W/cut.stream" "$W/cut.kdump"
	t "truncated: no output"    0   "^no .*cut.kdump$"         exists "$W/cut.kdump"
	t "truncated: no .partial"  0   "^no .*partial$"           exists "$W/cut.kdump.partial"
	t "cut at a record"         0   "^cut$"                    cut_to "$W/a.stream" "$p7" "$W/cut2.stream"
	t "convert: no trailer"     111 "STREAM_TRUNCATED at record 7 \(end of stream\), offset $p7" $S convert "$W/cut2.stream" "$W/cut2.kdump"
	t "flip a page byte"        0   "^flipped$"                flip "$W/a.stream" $((p7 + 5000)) "$W/crc.stream"
	t "convert: bad crc"        111 "STREAM_BAD_CRC at record 7 \(PAGES\), offset $p7" $S convert "$W/crc.stream" "$W/crc.kdump"
	t "bad crc: no output"      0   "^no .*crc.kdump$"         exists "$W/crc.kdump"
	t "convert: not a stream"   111 "STREAM_BAD_MAGIC at record 0 \(header\), offset 0: not a salvage stream" $S convert "$W/a.kdump" "$W/x"
	t "convert: missing input"  111 "ENOENT|No such file"      $S convert "$W/nothing" "$W/x"
	t "convert: bad out dir"    111 "writing .*/nodir/x.partial: ENOENT" $S convert "$W/a.stream" "$W/nodir/x"
	t "convert: usage"          100 "usage: salvage convert"   $S convert "$W/a.stream"
	t "convert: bad codec"      100 "unknown codec lzo"        $S convert --codec lzo "$W/a.stream" "$W/x"
	t "convert: elf + zlib"     100 "ELF output has no page compression" $S convert --elf --codec zlib "$W/a.stream" "$W/x"
	t "convert: in help"        0   "salvage convert \[--codec" $S help
}

# A real vmcore from the QEMU tests, when one is there (6.1 first: Debian's
# crash 8.0.2 does not read 6.12 kernels). Unfiltered, every page goes into
# a stream (build/mkstream): makedumpfile must find the same log in the
# converted files as in the original, and re-filtering the converted file
# must give the same bytes as re-filtering the original. Filtered by
# `salvage dump`, converted, crash with the kernel's vmlinux must start and
# walk the panic task, the task list and the memory counters.
crash_session() { # VMLINUX DUMP
	printf 'sys\nbt\nps\nkmem -i\nexit\n' | crash -s "$1" "$2" 2>&1
}
real() {
	found=
	# the unfiltered ELF vmcores (format elf) of tests/qemu/crash.sh
	for v in build/qemu/crash-6.1-raw-elf/out/vmcore build/qemu/crash-6.12-raw-elf/out/vmcore; do
		[ -f "$v" ] || continue
		found=$v
		t "real: mkstream elf"      0   "^mkstream: wrote"     $MK elf "$v" "$W/r.stream"
		t "real: convert"           0   "converted"            $S convert "$W/r.stream" "$W/r.kdump"
		t "real: convert --elf"     0   "converted"            $S convert --elf "$W/r.stream" "$W/r.elf"
		t "real: dmesg original"    0   "Completed"            makedumpfile --dump-dmesg "$v" "$W/r.orig.log"
		t "real: dmesg kdump"       0   "Completed"            makedumpfile --dump-dmesg "$W/r.kdump" "$W/r.kdump.log"
		t "real: dmesg elf"         0   "Completed"            makedumpfile --dump-dmesg "$W/r.elf" "$W/r.elf.log"
		t "real: same log (kdump)"  0   "^same$"               sh -c "cmp $W/r.orig.log $W/r.kdump.log && echo same"
		t "real: same log (elf)"    0   "^same$"               sh -c "cmp $W/r.orig.log $W/r.elf.log && echo same"
		t "real: refilter original" 0   "Completed"            makedumpfile -c -d 31 "$v" "$W/r.orig.31"
		t "real: refilter kdump"    0   "Completed"            makedumpfile -c -d 31 "$W/r.kdump" "$W/r.kdump.31"
		t "real: refilter same"     0   "^same$"               sh -c "cmp $W/r.orig.31 $W/r.kdump.31 && echo same"
		rm -f "$W"/r.*
		rel=$(crash --osrelease "$v")
		vmlinux=build/kernels/$rel/vmlinux
		case $rel in 6.1.*) ;; *) vmlinux=/nonexistent ;; esac
		if [ -f "$vmlinux" ]; then
			t "real: salvage dump"  0   "dump done"            $S dump -o "$W/d.stream" "$v"
			t "real: convert dump"  0   "converted"            $S convert "$W/d.stream" "$W/d.kdump"
			for f in kdump elf; do
				[ $f = elf ] && t "real: convert elf" 0 "converted" $S convert --elf "$W/d.stream" "$W/d.elf"
				t "real: crash $f: sys" 0   "PANIC: .*sysrq triggered crash" crash_session "$vmlinux" "$W/d.$f"
				t "real: crash $f: bt"  0   "sysrq_handle_crash"   cat "$W/last"
				t "real: crash $f: ps"  0   "^>? +[0-9]+ +[0-9]+ +[0-9]+ +ffff" cat "$W/last"
				t "real: crash $f: kmem" 0  "TOTAL MEM"            cat "$W/last"
				t "real: crash $f: clean" 0 "^clean$"              sh -c "grep -qiE 'excluded|invalid|error' $W/last && echo dirty || echo clean"
			done
			rm -f "$W"/d.*
		else
			skip "crash session $rel" "no vmlinux for $rel (or crash 8.0.2 cannot read it)"
		fi
		break
	done

	# after the QEMU tests a missing vmcore is their failure to say
	t "real: a vmcore from the QEMU tests" 0 "^found" sh -c "[ -n \"$found\" ] && echo found"
}

if [ "${1:-}" = real ]; then real; else synthetic; fi
summary
