#!/usr/bin/env python3
"""cpu_notes.py KDUMP N

Counts the CPU register notes (ELF notes "CORE", type NT_PRSTATUS) in a
kdump-compressed file's note blob (the sub-header's offset_note and
size_note, docs/convert.md#sub-header): the crash kernel's /proc/vmcore has
one per CPU that the loaded elfcorehdr names and that was online at the
crash. Prints one line; exits 1 unless the count is N."""
import struct
import sys

NT_PRSTATUS = 1


def notes(path):
    with open(path, "rb") as f:
        h = f.read(4096)
        if h[:8] not in (b"KDUMP   ", b"DISKDUMP"):
            sys.exit("cpu_notes: %s: not a kdump-compressed file" % path)
        block = struct.unpack_from("<i", h, 428)[0]
        f.seek(block)
        off, size = struct.unpack_from("<QQ", f.read(64), 48)
        f.seek(off)
        return f.read(size)


def prstatus(blob):
    n, p = 0, 0
    while p + 12 <= len(blob):
        namesz, descsz, kind = struct.unpack_from("<III", blob, p)
        if namesz == 0 and descsz == 0:
            break
        name = blob[p + 12:p + 12 + namesz].rstrip(b"\0")
        n += name == b"CORE" and kind == NT_PRSTATUS
        p += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return n


def main():
    path, want = sys.argv[1], int(sys.argv[2])
    n = prstatus(notes(path))
    print("cpu_notes: %d CPU register notes in the dump (want %d)" % (n, want))
    sys.exit(0 if n == want else 1)


main()
