#!/usr/bin/env python3
"""bigcore.py OUT [cut]: writes an ELF vmcore of about 24 MiB for the tests
of salvage dump -j (tests/cmd/jobs.sh): many PAGES records' worth of
pages, so that every worker gets units. Two PT_LOADs of 3,000 pages each
with a hole between them, and a third of 5,000 bytes at an unaligned
address (pages read with pread, not mapped). Pages are a fixed mix of
zero, text-like, random and repeated ones (repeats make linked LZ4 chains).
Its VMCOREINFO has no symbols, so dump levels above 1 fall to 1.
  cut   the file ends in the middle of the second PT_LOAD's data"""
import random
import struct
import sys

INFO = b"OSRELEASE=6.1.0-test\nPAGESIZE=4096\n"
V = 0xffff888000000000


def note(name, ntype, desc):
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", len(name), len(desc), ntype) + pad(name) + pad(desc)


def page(i, prev):
    kind = (i * 7919) % 10
    if kind < 3:
        return bytes(4096)
    if kind < 6:
        words = b"".join(b"slab-object-%d:%d " % (i, k) for k in range(400))
        return (words * 2)[:4096]
    if kind < 8:
        return random.Random(i).randbytes(4096)
    return prev[2048:] + prev[:2048]


def core(cut):
    loads = [(0x100000, 3000 * 4096), (0x4000000, 3000 * 4096), (0x8000800, 5000)]
    notes = note(b"CORE\0", 1, b"\0" * 336) + note(b"VMCOREINFO\0", 0, INFO)
    phoff, phnum = 64, 1 + len(loads)
    note_off = phoff + 56 * phnum
    off = (note_off + len(notes) + 4095) & ~4095
    eh = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8 + struct.pack(
        "<HHIQQQIHHHHHH", 4, 62, 1, 0, phoff, 0, 0, 64, 56, phnum, 0, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 4, 0, note_off, 0, 0, len(notes), len(notes), 0)
    data = []
    for paddr, size in loads:
        ph += struct.pack("<IIQQQQQQ", 1, 7, off, V + paddr, paddr, size, size, 4096)
        prev, blob = bytes(4096), []
        for i in range((size + 4095) // 4096):
            prev = page(paddr // 4096 + i, prev)
            blob.append(prev)
        data.append(b"".join(blob)[:size])
        off += (size + 4095) & ~4095
    out = eh + ph + notes
    out += b"\0" * (-len(out) % 4096)
    for d in data:
        out += d + b"\0" * (-len(d) % 4096)
    if cut:
        out = out[:len(out) - 2000 * 4096]
    return out


open(sys.argv[1], "wb").write(core(len(sys.argv) > 2 and sys.argv[2] == "cut"))
