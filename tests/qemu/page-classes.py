#!/usr/bin/python3
"""page-classes.py ELF_VMCORE [DUMPFILE] | --list CLASS ELF_VMCORE

A reference page classifier, independent of makedumpfile and of salvage:
reads the struct pages of an unfiltered ELF vmcore (mem_section walk,
VMCOREINFO only, no vmlinux; drgn translates the virtual addresses) and
decides every RAM page the way `-d 31` should, following the rules of
docs/filtering.md, with the kernel era taken
from VMCOREINFO (6.1: PG_slab, compound_dtor/order in the first tail page;
6.9+: page types in _mapcount, order in the first tail's flags).

Prints "name value" lines like tests/qemu/filter.sh: zero, cache,
cache_private, user, free, hwpoison, offline, excluded, ram, kept, and how
the kept pages split: kept_slab, kept_tail (tails of kept compound pages),
kept_nomap (RAM without a struct page), kept_other. On 6.1 the class counts
must equal makedumpfile 1.7.2's; on 6.12, 1.7.2 is wrong and these are
the expected ones.

With DUMPFILE (kdump-compressed or ELF, any dump of the same crash), also
compares it page by page with the classification:
  missing CLASS N   pages the dump lacks although -d 31 keeps them (data
                    lost; zero pages may be left out and are not counted)
  extra CLASS N     pages the dump holds although -d 31 excludes them
and exits 1 if any page is missing. An ELF dump cannot mark a page
excluded (it reads as zeros): there only pages with data count as held.

page-classes.py --ram KDUMP ELF_DUMP classifies a filtered dump, for a
guest too large to keep its unfiltered vmcore (tests/qemu/large.sh): RAM
is the first bitmap of KDUMP, a kdump-compressed file, and ELF_DUMP is
the same dump as ELF (salvage convert --elf), whose PT_LOADs cover only
the pages held. The struct pages are kernel data and held, so every
class decided from them comes out as from the original; a page the dump
left out reads as zeros, so the zero count includes any kept page the
dump lost (its class counts then disagree with the dumper's). Prints the
counts only.

page-classes.py --list CLASS ELF_VMCORE prints the pfns of one class (e.g.
kept_slab), one per line, (a list of pfns to drop from a dump in negative tests).

Needs Debian's python3-drgn (/usr/bin/python3).
"""
import mmap
import struct
import sys
import time
from collections import Counter

import elfcore

try:
    import drgn
except ImportError as e:
    sys.exit("page-classes: cannot import drgn (%s): install python3-drgn, "
             "run with /usr/bin/python3" % e)

PAGE = 4096
ZERO = bytes(PAGE)


def elf_loads(m):
    """(paddr, filesz, memsz, offset) of the PT_LOADs, and the notes."""
    if elfcore.header(m) is None:
        return None, b""
    segs = elfcore.segments(m)
    loads = [(paddr, filesz, memsz, off) for p_type, off, paddr, filesz, memsz in segs
             if p_type == elfcore.PT_LOAD]
    notes = b"".join(m[off:off + filesz] for p_type, off, _, filesz, _ in segs
                     if p_type == elfcore.PT_NOTE)
    return loads, notes


vmcoreinfo = elfcore.vmcoreinfo


class Info:
    def __init__(self, d):
        self.d = d

    def num(self, key, default=None):
        v = self.d.get(key)
        if v is None:
            return default
        return int(v, 0) if v.startswith(("0x", "-0x")) else int(v)

    def sym(self, key):
        v = self.d.get("SYMBOL(%s)" % key)
        return int(v, 16) if v is not None else None


def s32(v):
    v &= 0xffffffff
    return v - (1 << 32) if v & 0x80000000 else v


def kdump_bitmaps(path):
    """the two bitmaps of a kdump-compressed file (RAM, pages held)"""
    with open(path, "rb") as f:
        h = f.read(4096)
        if h[:8] not in (b"KDUMP   ", b"DISKDUMP"):
            return None
        bs, sub, bb = struct.unpack_from("<iiI", h, 428)
        half = bb // 2 * bs
        f.seek((1 + sub) * bs)
        return f.read(half), f.read(half)


def bits(b):
    """the numbers of the bits set in bytes b, lowest first"""
    out = []
    for i, byte in enumerate(b):
        if byte:
            out.extend(i * 8 + j for j in range(8) if byte >> j & 1)
    return out


def classify(path, ram_from=None):
    f = open(path, "rb")
    m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
    loads, notes = elf_loads(m)
    if loads is None:
        sys.exit("page-classes: %s is not an ELF vmcore" % path)
    vi = vmcoreinfo(notes)
    if vi is None:
        sys.exit("page-classes: %s has no VMCOREINFO note" % path)
    I = Info(vi)
    where = {}
    if ram_from is not None:
        bm = kdump_bitmaps(ram_from)
        if bm is None:
            sys.exit("page-classes: %s is not kdump-compressed" % ram_from)
        where = dict.fromkeys(bits(bm[0]))
    for paddr, filesz, memsz, off in reversed(loads):
        for i in range(memsz // PAGE):
            if ram_from is not None and paddr // PAGE + i not in where:
                sys.exit("page-classes: %s holds pfn 0x%x, outside %s's RAM"
                         % (path, paddr // PAGE + i, ram_from))
            where[paddr // PAGE + i] = off + i * PAGE if i * PAGE < filesz \
                else None
    ram = sorted(where)

    prog = drgn.Program()
    # (drgn cannot walk the page tables of salvage convert --elf's output:
    # it has no PT_LOAD at the kernel image's addresses; the kdump file)
    prog.set_core_dump(ram_from or path)

    N = lambda k: I.num("NUMBER(%s)" % k)
    O = lambda k: I.num("OFFSET(%s)" % k)
    size_page = I.num("SIZE(page)")
    o_flags, o_map = O("page.flags"), O("page.mapping")
    o_mapc, o_priv = O("page._mapcount"), O("page.private")
    o_head = O("page.compound_head")
    if o_head is None:
        o_head = O("page.compound_info")  # 7.1+
    o_dtor, o_order = O("page.compound_dtor"), O("page.compound_order")
    if o_dtor is None and O("folio._folio_dtor") is not None:   # 6.3-6.5
        o_dtor = O("folio._folio_dtor") - size_page
        o_order = O("folio._folio_order") - size_page
    PG_lru, PG_private = 1 << N("PG_lru"), 1 << N("PG_private")
    PG_swapcache = 1 << N("PG_swapcache")
    PG_swapbacked = 1 << N("PG_swapbacked")
    head_mask = N("PG_head_mask")
    PG_slab = N("PG_slab")
    PG_hwpoison = N("PG_hwpoison")
    PG_hugetlb = N("PG_hugetlb")
    slab_v = N("PAGE_SLAB_MAPCOUNT_VALUE")
    buddy_v = N("PAGE_BUDDY_MAPCOUNT_VALUE")
    offline_v = N("PAGE_OFFLINE_MAPCOUNT_VALUE")
    hugetlb_v = N("PAGE_HUGETLB_MAPCOUNT_VALUE")
    hugetlb_dtor = N("HUGETLB_PAGE_DTOR")
    nr_orders = I.num("LENGTH(zone.free_area)")
    slab_v = s32(slab_v) if slab_v is not None else None
    buddy_v = s32(buddy_v) if buddy_v is not None else None
    offline_v = s32(offline_v) if offline_v is not None else None
    hugetlb_v = s32(hugetlb_v) if hugetlb_v is not None else None

    # mem_section walk (SPARSEMEM_EXTREME): struct page address per pfn
    sec_bits = I.num("NUMBER(SECTION_SIZE_BITS)", 27)
    per_sec = 1 << (sec_bits - 12)
    ms_size = I.num("SIZE(mem_section)", 16)
    per_root = PAGE // ms_size
    ms_root = I.sym("mem_section")
    o_smm = I.num("OFFSET(mem_section.section_mem_map)", 0)
    max_pfn = ram[-1] + 1

    def u64(addr):
        return struct.unpack("<Q", prog.read(addr, 8))[0]

    pages = {}   # section nr -> bytes of its struct pages
    for nr in range((max_pfn + per_sec - 1) // per_sec):
        try:
            root = u64(ms_root + (nr // per_root) * 8)
            if not root:
                continue
            smm = u64(root + (nr % per_root) * ms_size + o_smm)
        except drgn.FaultError:
            continue
        if not smm & 1:   # SECTION_MARKED_PRESENT
            continue
        base = (smm & ~((1 << 5) - 1)) + nr * per_sec * size_page
        try:
            pages[nr] = prog.read(base, per_sec * size_page)
        except drgn.FaultError:
            continue

    def page(pfn):
        b = pages.get(pfn // per_sec)
        if b is None:
            return None
        return b, (pfn % per_sec) * size_page

    cls = {}       # pfn -> class of every RAM page
    covered = 0    # exclusions of 2^order pages run up to here
    for pfn in ram:
        if pfn < covered:
            continue
        p = page(pfn)
        if p is None:
            cls[pfn] = "kept_nomap"
            continue
        b, o = p
        flags, = struct.unpack_from("<Q", b, o + o_flags)
        mapping, = struct.unpack_from("<Q", b, o + o_map)
        mapc = s32(struct.unpack_from("<I", b, o + o_mapc)[0])
        private, = struct.unpack_from("<Q", b, o + o_priv)
        chead, = struct.unpack_from("<Q", b, o + o_head)
        if slab_v is not None:
            slab = mapc == slab_v
        else:
            slab = PG_slab is not None and bool(flags & (1 << PG_slab))
        order, hugetlb = 0, False
        if flags & head_mask:
            t = page(pfn + 1)
            if t is not None:
                tb, to = t
                tflags, = struct.unpack_from("<Q", tb, to + o_flags)
                if hugetlb_v is not None:            # 6.9+
                    order = tflags & 0xff
                    hugetlb = mapc == hugetlb_v
                elif PG_hugetlb is not None:         # 6.6-6.8
                    order = tflags & 0xff
                    hugetlb = bool(tflags & (1 << PG_hugetlb))
                elif o_order is not None:            # up to 6.5
                    order = tb[to + o_order]
                    if o_dtor is not None and hugetlb_dtor is not None:
                        hugetlb = tb[to + o_dtor] == hugetlb_dtor
            if order >= 64 or pfn & ((1 << order) - 1):
                order = 0
        n = 1 << order
        c = None
        if chead & 1:
            cls[pfn] = "kept_tail"
            continue
        anon = bool(mapping & 1) and not slab
        cache = bool(flags & PG_lru) or (
            bool(flags & PG_swapcache) and bool(flags & PG_swapbacked))
        if not slab and buddy_v is not None and mapc == buddy_v:
            if nr_orders is not None and private >= nr_orders:
                cls[pfn] = "kept_other"
                continue
            c, n = "free", 1 << private
        elif cache and not anon:
            c = "cache_private" if flags & PG_private else "cache"
        elif anon or hugetlb:
            c = "user"
        elif PG_hwpoison is not None and flags & (1 << PG_hwpoison):
            c = "hwpoison"
        elif offline_v is not None and not slab and mapc == offline_v:
            c = "offline"
        if c is None:
            cls[pfn] = "kept_slab" if slab else "kept_other"
            continue
        for q in range(pfn, pfn + n):
            if q in where:
                cls[q] = c
        covered = pfn + n
    # zero: pages -d 31 would keep, found by content
    for pfn, c in cls.items():
        if c.startswith("kept_"):
            off = where[pfn]
            if off is None or m[off:off + PAGE] == ZERO:
                cls[pfn] = "zero"
    return cls, I


def held_pfns(path):
    """pfns a dump holds: kdump 2nd bitmap (zero pages included), ELF
    pages with data that is not all zero"""
    with open(path, "rb") as f:
        h = f.read(4096)
        if h[:8] in (b"KDUMP   ", b"DISKDUMP"):
            return set(bits(kdump_bitmaps(path)[1]))
    with open(path, "rb") as f:
        m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
        loads, _ = elf_loads(m)
        if loads is None:
            sys.exit("page-classes: %s: neither kdump-compressed nor ELF"
                     % path)
        # ELF cannot mark a page excluded: one inside a PT_LOAD reads as
        # zeros. Count only pages with data as held
        out = set()
        for paddr, filesz, _, off in loads:
            for i in range(filesz // PAGE):
                if m[off + i * PAGE:off + (i + 1) * PAGE] != ZERO:
                    out.add(paddr // PAGE + i)
    return out


ORDER = ["zero", "cache", "cache_private", "user", "free", "hwpoison",
         "offline"]
KEPT = ["kept_slab", "kept_tail", "kept_nomap", "kept_other"]


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--list":
        cls, _ = classify(sys.argv[3])
        for pfn in sorted(p for p, c in cls.items() if c == sys.argv[2]):
            print("0x%x" % pfn)
        return 0
    ram_from = None
    if len(sys.argv) == 4 and sys.argv[1] == "--ram":
        ram_from = sys.argv[2]
        del sys.argv[1:3]
    elif len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    t0 = time.time()
    cls, _ = classify(sys.argv[1], ram_from)
    count = Counter(cls.values())
    for c in ORDER:
        print(c, count[c])
    print("excluded", sum(count[c] for c in ORDER))
    print("ram", len(cls))
    print("kept", sum(count[c] for c in KEPT))
    for c in KEPT:
        print(c, count[c])
    print("seconds %.2f" % (time.time() - t0))
    if len(sys.argv) == 2:
        return 0
    held = held_pfns(sys.argv[2])
    missing, extra = Counter(), Counter()
    for pfn, c in cls.items():
        if c.startswith("kept_") and pfn not in held:
            missing[c] += 1
        elif c != "zero" and not c.startswith("kept_") and pfn in held:
            extra[c] += 1
    outside = len(held - set(cls))
    for c in KEPT:
        print("missing", c, missing[c])
    for c in ORDER[1:]:
        print("extra", c, extra[c])
    print("held_outside_ram", outside)
    if sum(missing.values()) or outside:
        print("page-classes: %s lacks %d pages -d 31 keeps"
              % (sys.argv[2], sum(missing.values())), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
