#!/usr/bin/python3
"""check_pages.py ORIGINAL_ELF DUMP

Every page DUMP (a kdump-compressed file salvage convert wrote) holds must
read back byte-identical to the same physical page of ORIGINAL_ELF (the
unfiltered /proc/vmcore of the same crash). Pages are read by physical
address with libkdumpfile from DUMP and straight from the ELF segments of
the original. Prints "ok: N pages identical, M not in the dump" or the
first differing pfn, and exits 1 on a difference."""
import mmap
import sys

import elfcore
import kdumpfile

PAGE = 4096


def loads(path):
    """(paddr, filesz, offset) of the original's PT_LOADs."""
    with open(path, "rb") as f:
        m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    return [(paddr, filesz, off) for p_type, off, paddr, filesz, _ in elfcore.segments(m)
            if p_type == elfcore.PT_LOAD]


def main():
    orig, dump = sys.argv[1], sys.argv[2]
    k = kdumpfile.kdumpfile(dump)
    same = missing = 0
    seen = set()
    with open(orig, "rb") as f:
        for paddr, filesz, off in loads(orig):
            # whole pages only: partial ones are zero-filled differently
            first = (paddr + PAGE - 1) // PAGE
            last = (paddr + filesz) // PAGE
            for pfn in range(first, last):
                if pfn in seen:
                    continue
                seen.add(pfn)
                try:
                    got = bytes(k.read(kdumpfile.KDUMP_MACHPHYSADDR, pfn * PAGE, PAGE))
                except kdumpfile.exceptions.NoDataException:
                    missing += 1
                    continue
                f.seek(off + pfn * PAGE - paddr)
                if got != f.read(PAGE):
                    print("check_pages: pfn %#x differs from the original" % pfn)
                    sys.exit(1)
                same += 1
    if not same:
        print("check_pages: no page of the dump could be compared")
        sys.exit(1)
    print("ok: %d pages identical, %d not in the dump" % (same, missing))


main()
