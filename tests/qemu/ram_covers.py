#!/usr/bin/env python3
"""ram_covers.py covers|lacks KDUMP ADDR SIZE

Whether the RAM of a kdump-compressed file (its first bitmap: the
vmcore's PT_LOAD ranges, docs/convert.md#bitmaps, whatever the dump level
left out) covers the physical range [ADDR, ADDR + SIZE): "covers" exits 1
unless every page of it is RAM, "lacks" unless none is. Prints one line."""
import struct
import sys


def ram_bitmap(path):
    with open(path, "rb") as f:
        h = f.read(4096)
        if h[:8] not in (b"KDUMP   ", b"DISKDUMP"):
            sys.exit("ram_covers: %s: not a kdump-compressed file" % path)
        block, sub, bitmap_blocks = struct.unpack_from("<iiI", h, 428)
        f.seek((1 + sub) * block)
        return f.read(bitmap_blocks // 2 * block)


def main():
    want, path, addr, size = sys.argv[1], sys.argv[2], int(sys.argv[3], 0), int(sys.argv[4], 0)
    ram = ram_bitmap(path)
    first, end = addr >> 12, (addr + size) >> 12
    n = sum(1 for p in range(first, end) if p >> 3 < len(ram) and ram[p >> 3] >> (p & 7) & 1)
    total = end - first
    print("ram_covers: %d of the %d pages at %#x-%#x are RAM in the dump" % (n, total, addr, addr + size - 1))
    sys.exit(0 if (n == total if want == "covers" else n == 0) else 1)


main()
