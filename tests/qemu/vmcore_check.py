#!/usr/bin/env python3
"""vmcore_check.py VMCORE [EXPECTED_OSRELEASE]

Checks that VMCORE is an x86_64 ELF core file whose PT_NOTE holds a
VMCOREINFO note, and prints its OSRELEASE. With EXPECTED_OSRELEASE, exits 1
unless they match. Prints one line saying what is wrong otherwise."""
import struct
import sys


def fail(msg):
    print("vmcore_check: " + msg)
    sys.exit(1)


def notes(data):
    off = 0
    while off + 12 <= len(data):
        namesz, descsz, ntype = struct.unpack_from("<III", data, off)
        off += 12
        name = data[off:off + namesz].rstrip(b"\0")
        off += (namesz + 3) & ~3
        desc = data[off:off + descsz]
        off += (descsz + 3) & ~3
        yield name, ntype, desc


def main():
    path = sys.argv[1]
    with open(path, "rb") as f:
        eh = f.read(64)
        if len(eh) < 64 or eh[:4] != b"\x7fELF":
            fail("%s: not an ELF file" % path)
        if eh[4] != 2 or eh[5] != 1:
            fail("not ELF64 little-endian")
        e_type, e_machine = struct.unpack_from("<HH", eh, 16)
        if e_type != 4:
            fail("ELF type %d, not ET_CORE" % e_type)
        if e_machine != 62:
            fail("machine %d, not x86_64" % e_machine)
        e_phoff, = struct.unpack_from("<Q", eh, 32)
        e_phentsize, e_phnum = struct.unpack_from("<HH", eh, 54)
        f.seek(e_phoff)
        phs = f.read(e_phentsize * e_phnum)
        loads = 0
        info = None
        for i in range(e_phnum):
            p_type, _, p_offset, _, _, p_filesz = struct.unpack_from(
                "<IIQQQQ", phs, i * e_phentsize)
            if p_type == 1:
                loads += 1
            elif p_type == 4:
                f.seek(p_offset)
                for name, ntype, desc in notes(f.read(p_filesz)):
                    if name == b"VMCOREINFO":
                        info = desc.decode("ascii", "replace")
        size = f.seek(0, 2)
    if not loads:
        fail("no PT_LOAD segments")
    if info is None:
        fail("no VMCOREINFO note")
    fields = dict(l.split("=", 1) for l in info.splitlines() if "=" in l)
    rel = fields.get("OSRELEASE")
    print("vmcore: ELF core, %d PT_LOAD, %d MiB, OSRELEASE=%s" % (loads, size >> 20, rel))
    if len(sys.argv) > 2 and rel != sys.argv[2]:
        fail("OSRELEASE %s, expected %s" % (rel, sys.argv[2]))


main()
