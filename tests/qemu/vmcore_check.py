#!/usr/bin/env python3
"""vmcore_check.py VMCORE [EXPECTED_OSRELEASE]

Checks that VMCORE is an x86_64 ELF core file whose PT_NOTE holds a
VMCOREINFO note, and prints its OSRELEASE. With EXPECTED_OSRELEASE, exits 1
unless they match. Prints one line saying what is wrong otherwise."""
import mmap
import sys

import elfcore


def fail(msg):
    print("vmcore_check: " + msg)
    sys.exit(1)


def main():
    path = sys.argv[1]
    with open(path, "rb") as f:
        m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    kind = elfcore.header(m)
    if kind is None:
        fail("%s: not an ELF64 little-endian file" % path)
    if kind[0] != 4:
        fail("ELF type %d, not ET_CORE" % kind[0])
    if kind[1] != 62:
        fail("machine %d, not x86_64" % kind[1])
    segs = elfcore.segments(m)
    loads = sum(1 for s in segs if s[0] == elfcore.PT_LOAD)
    blob = b"".join(m[s[1]:s[1] + s[3]] for s in segs if s[0] == elfcore.PT_NOTE)
    info = elfcore.vmcoreinfo(blob)
    if not loads:
        fail("no PT_LOAD segments")
    if info is None:
        fail("no VMCOREINFO note")
    rel = info.get("OSRELEASE")
    print("vmcore: ELF core, %d PT_LOAD, %d MiB, OSRELEASE=%s" % (loads, len(m) >> 20, rel))
    if len(sys.argv) > 2 and rel != sys.argv[2]:
        fail("OSRELEASE %s, expected %s" % (rel, sys.argv[2]))


main()
