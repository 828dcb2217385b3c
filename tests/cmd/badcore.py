#!/usr/bin/env python3
"""badcore.py KIND OUT: writes a broken ELF vmcore for the error tests of
salvage dump, starting from a small valid core (a note segment with a
VMCOREINFO and one PT_LOAD of two pages). KIND:
  good        the valid core
  truncated   cut inside the program headers
  notes       the VMCOREINFO note's size runs past its segment
  novmcoreinfo  no VMCOREINFO note at all
  loadpast    a PT_LOAD whose data lies beyond the end of the file
  hugetail    a PT_LOAD whose p_memsz claims 1 TiB (p_filesz two pages)
  beyondphys  a PT_LOAD ending past x86_64's 2^52 bytes of physical memory
  manyloads   257 PT_LOADs of a page each, one more than salvage reads
  bignotes    1,600 CPUs' PRSTATUS notes: more than salvage reads
  notelf      not an ELF file"""
import struct
import sys

INFO = b"OSRELEASE=6.1.0-test\nPAGESIZE=4096\n"


def note(name, ntype, desc, descsz=None):
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", len(name), len(desc) if descsz is None else descsz, ntype) + pad(name) + pad(desc)


def core(kind):
    if kind == "notelf":
        return b"this is not a vmcore\n" * 100
    notes = note(b"CORE\0", 1, b"\0" * 336) * (1600 if kind == "bignotes" else 1)
    if kind != "novmcoreinfo":
        notes += note(b"VMCOREINFO\0", 0, INFO, 100000 if kind == "notes" else None)
    extra = 257 if kind == "manyloads" else 0   # more PT_LOADs, a page each
    phoff, phnum = 64, 2 + extra
    note_off = phoff + 56 * phnum
    load_off = (note_off + len(notes) + 4095) & ~4095
    filesz = 8192 + (1 << 30 if kind == "loadpast" else 0)
    eh = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8 + struct.pack(
        "<HHIQQQIHHHHHH", 4, 62, 1, 0, phoff, 0, 0, 64, 56, phnum, 0, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 4, 0, note_off, 0, 0, len(notes), len(notes), 0)
    memsz = 1 << 40 if kind == "hugetail" else filesz
    paddr = (1 << 52) - 4096 if kind == "beyondphys" else 0x100000
    ph += struct.pack("<IIQQQQQQ", 1, 7, load_off, (0xffff888000000000 + paddr) % (1 << 64), paddr, filesz, memsz, 4096)
    for i in range(extra):
        pa = 0x200000 + i * 8192
        ph += struct.pack("<IIQQQQQQ", 1, 7, load_off + 8192 + i * 4096, 0xffff888000000000 + pa, pa, 4096, 4096, 4096)
    out = eh + ph + notes
    out += b"\0" * (load_off - len(out)) + bytes(range(256)) * 32 + b"\xab" * 4096 * extra
    return out[:100] if kind == "truncated" else out


open(sys.argv[2], "wb").write(core(sys.argv[1]))
