#!/usr/bin/python3
"""check_dump.py DUMP DIR [--elf] [--no-ram] [--drgn]

Reads every page of DUMP (kdump-compressed or ELF, written by salvage
convert from a stream of tests/cmd/mkstream synth) by physical address with
libkdumpfile and compares it with DIR/mem.img and DIR/map (one letter per
pfn: k kept, z zero, x excluded, h hole). Kept and zero pages must read back
byte-identical. Excluded pages and holes must be missing, except in ELF,
where a run of fewer than 256 of them between two stored pages is written as
zeros (a hole too when the stream had no RAM record). With --drgn, drgn
opens DUMP too and reads a few pages. Prints one line: "ok: N pages" or what
is wrong."""
import sys

import kdumpfile

PAGE = 4096


def expected_missing(cls, elf, no_ram):
    """Per pfn: True if the page must be missing from the dump."""
    gone = set("xh") if (no_ram or not elf) else set("x")
    missing = [c in "xh" for c in cls]
    if not elf:
        return missing
    n = len(cls)
    i = 0
    while i < n:
        if cls[i] not in gone:
            i += 1
            continue
        j = i
        while j < n and cls[j] in gone:
            j += 1
        held = lambda p: 0 <= p < n and cls[p] in "kz"
        if all(c in gone for c in cls[i:j]) and j - i < 256 and held(i - 1) and held(j):
            for p in range(i, j):
                missing[p] = False
        i = j
    return missing


def main():
    path, d = sys.argv[1], sys.argv[2]
    elf, no_ram = "--elf" in sys.argv, "--no-ram" in sys.argv
    mem = open(d + "/mem.img", "rb").read()
    cls = open(d + "/map").read()
    k = kdumpfile.kdumpfile(path)
    missing = expected_missing(cls, elf, no_ram)
    count = 0
    for pfn, c in enumerate(cls):
        try:
            got = bytes(k.read(kdumpfile.KDUMP_MACHPHYSADDR, pfn * PAGE, PAGE))
        except kdumpfile.exceptions.NoDataException:
            got = None
        if missing[pfn]:
            # libkdumpfile 0.5.1 reads the page before an ELF segment as
            # zeros (the kernel's own /proc/vmcore shows it too)
            quirk = elf and got == bytes(PAGE) and not missing[pfn + 1:pfn + 2] == [True]
            if got is not None and not quirk:
                print("pfn %d (%s) should be missing but reads" % (pfn, c))
                return 1
            continue
        want = mem[pfn * PAGE:(pfn + 1) * PAGE]
        if got is None:
            print("pfn %d (%s) is missing" % (pfn, c))
            return 1
        if got != want:
            print("pfn %d (%s) differs" % (pfn, c))
            return 1
        count += 1
    if "--drgn" in sys.argv:
        import drgn
        prog = drgn.Program()
        prog.set_core_dump(path)
        for pfn in (2, 3, 1501, 4095):
            if prog.read(pfn * PAGE, PAGE, True) != mem[pfn * PAGE:(pfn + 1) * PAGE]:
                print("drgn: pfn %d differs" % pfn)
                return 1
    print("ok: %d pages" % count)
    return 0


sys.exit(main())
