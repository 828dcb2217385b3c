#!/usr/bin/env python3
"""printk_vmcore.py OUT [--pre-5.10]: a small synthetic ELF vmcore holding a printk ring
(docs/formats.md#printk-ring) with the cases real dumps rarely show: a data
block that wraps, records overwritten since (reusable), descriptor slots
reused, ids crossing 2^62, multi-line records, bytes to escape, a text_len
beyond its block, a record without text, and one still being written.
Read by both makedumpfile --dump-dmesg and salvage dmesg (tests/cmd/run.sh).
--pre-5.10 names the ring's pointer SYMBOL(log_buf) instead, as a kernel
without the lockless ring would have it.

Memory: 64 KiB of physical memory at 0, mapped at the direct-map base by
one 1 GiB page, with Linux 6.1's structure layout."""
import struct
import sys

V = 0xffff888000000000
MEM = 64 << 10
PGD, PUD, PRB_PTR, PRB, UTS, MEM_MAP, DESCS, INFOS, DATA = (
    0x0, 0x1000, 0x2000, 0x2100, 0x2800, 0x2f00, 0x3000, 0x4000, 0x5000)
COUNT_BITS, SIZE_BITS = 4, 9
DESC_SIZE, INFO_SIZE = 24, 88
RESERVED, COMMITTED, FINALIZED, REUSABLE = 0, 1, 2, 3
ID_MASK = (1 << 62) - 1
U64 = (1 << 64) - 1
RELEASE = b"6.1.0-synthetic"

mem = bytearray(MEM)


def put(off, fmt, *v):
    struct.pack_into("<" + fmt, mem, off, *v)


class Ring:
    def __init__(self, first_id):
        self.head_lpos = -(1 << SIZE_BITS) & U64
        self.next_id = first_id
        self.ids = []

    def desc(self, rid, state, begin, nxt):
        put(DESCS + (rid & ((1 << COUNT_BITS) - 1)) * DESC_SIZE, "QQQ",
            state << 62 | rid, begin, nxt)

    def info(self, rid, ts, text_len, caller):
        put(INFOS + (rid & ((1 << COUNT_BITS) - 1)) * INFO_SIZE, "QQHxxI",
            rid, ts, text_len, caller)

    def add(self, text, ts, state=FINALIZED, caller=1, text_len=None):
        """data_alloc(): id then text, padded to 8; a block that would
        cross the end goes to offset 0, its id also left at begin."""
        rid = self.next_id & ID_MASK
        self.next_id += 1
        mask = (1 << SIZE_BITS) - 1
        size = (8 + len(text) + 7) & ~7
        begin = self.head_lpos
        nxt = (begin + size) & U64
        at = begin & mask
        put(DATA + at, "Q", rid)
        self.wrapped = begin >> SIZE_BITS != nxt >> SIZE_BITS
        if self.wrapped:
            nxt = ((nxt >> SIZE_BITS << SIZE_BITS) + size) & U64
            at = 0
            put(DATA, "Q", rid)
        mem[DATA + at + 8:DATA + at + 8 + len(text)] = text
        self.head_lpos = nxt
        self.desc(rid, state, begin, nxt)
        self.info(rid, ts, len(text) if text_len is None else text_len, caller)
        self.ids.append((rid, begin))
        return rid

    def dataless(self, ts):
        rid = self.next_id & ID_MASK
        self.next_id += 1
        self.desc(rid, FINALIZED, 1, 1)
        self.info(rid, ts, 0, 1)
        self.ids.append((rid, None))
        return rid

    def finish(self):
        """data_push_tail(): blocks overwritten are reusable; the tail is
        the oldest id whose slot still holds it."""
        for rid, begin in self.ids:
            if begin is not None and (self.head_lpos - begin) & U64 > 1 << SIZE_BITS:
                off = DESCS + (rid & ((1 << COUNT_BITS) - 1)) * DESC_SIZE
                sv, b, n = struct.unpack_from("<QQQ", mem, off)
                if sv & ID_MASK == rid:
                    put(off, "Q", REUSABLE << 62 | rid)
        head = self.ids[-1][0]
        tail = self.ids[max(0, len(self.ids) - (1 << COUNT_BITS))][0]
        put(PRB + 24, "QQ", head, tail)
        put(PRB + 48 + 16, "QQ", self.head_lpos, (self.head_lpos - (1 << SIZE_BITS)) & U64)


def build():
    put(PGD + 273 * 8, "Q", PUD | 1)
    put(PUD, "Q", 0x80 | 1)
    put(PRB_PTR, "Q", V + PRB)
    put(MEM_MAP, "Q", V + 0x8000)  # makedumpfile wants a FLATMEM mem_map
    put(PRB, "IxxxxQQ", COUNT_BITS, V + DESCS, V + INFOS)
    put(PRB + 48, "IxxxxQ", SIZE_BITS, V + DATA)
    for i, s in enumerate([b"Linux", b"synthetic", RELEASE, b"#1 SMP", b"x86_64", b"(none)"]):
        mem[UTS + i * 65:UTS + i * 65 + len(s)] = s

    r = Ring((1 << 62) - 10)
    for i in range(10):
        r.add(b"early record %d, overwritten or not" % i, 1000000 * i, caller=i)
    r.add(b"wrapped: " + b"w" * 40, 2000000000)
    assert r.wrapped
    r.add(b"multi\nline\n\nrecord", 2500000000, caller=0x80000003)
    r.add(b"tab\there\vvt\fff\rcr \x01\x1b[0m \x7f \xe2\x82\xac \xff\x00end", 3000000001)
    r.dataless(3100000000)
    r.add(b"cut at block", 3200000000, text_len=200)
    r.add(b"committed, not finalized", 3300000000, state=COMMITTED, caller=0x7fffffff)
    r.add(b"late", 123456789123456789, caller=0x80000000)
    r.add(b"x" * 100, 99999999999999, caller=4194304)
    r.add(b"being written", 4000000000, state=RESERVED)
    r.finish()


def vmcoreinfo():
    lines = [
        "OSRELEASE=%s" % RELEASE.decode(), "PAGESIZE=4096",
        "SYMBOL(init_uts_ns)=%x" % (V + UTS), "OFFSET(uts_namespace.name)=0",
        "SYMBOL(init_top_pgt)=ffffffff80000000", "NUMBER(phys_base)=0",
        "NUMBER(pgtable_l5_enabled)=0", "KERNELOFFSET=0",
        "SYMBOL(mem_map)=%x" % (V + MEM_MAP), "SIZE(page)=64",
        "OFFSET(page.flags)=0", "OFFSET(page._refcount)=52", "OFFSET(page.mapping)=24",
        "SYMBOL(%s)=%x" % ("log_buf" if PRE_5_10 else "prb", V + PRB_PTR),
        "SIZE(printk_ringbuffer)=88",
        "OFFSET(printk_ringbuffer.desc_ring)=0",
        "OFFSET(printk_ringbuffer.text_data_ring)=48",
        "OFFSET(printk_ringbuffer.fail)=80",
        "SIZE(prb_desc_ring)=48",
        "OFFSET(prb_desc_ring.count_bits)=0", "OFFSET(prb_desc_ring.descs)=8",
        "OFFSET(prb_desc_ring.infos)=16", "OFFSET(prb_desc_ring.head_id)=24",
        "OFFSET(prb_desc_ring.tail_id)=32",
        "SIZE(prb_desc)=24", "OFFSET(prb_desc.state_var)=0",
        "OFFSET(prb_desc.text_blk_lpos)=8",
        "SIZE(prb_data_blk_lpos)=16", "OFFSET(prb_data_blk_lpos.begin)=0",
        "OFFSET(prb_data_blk_lpos.next)=8",
        "SIZE(printk_info)=88", "OFFSET(printk_info.seq)=0",
        "OFFSET(printk_info.ts_nsec)=8", "OFFSET(printk_info.text_len)=16",
        "OFFSET(printk_info.caller_id)=20", "OFFSET(printk_info.dev_info)=24",
        "SIZE(prb_data_ring)=32", "OFFSET(prb_data_ring.size_bits)=0",
        "OFFSET(prb_data_ring.data)=8", "OFFSET(prb_data_ring.head_lpos)=16",
        "OFFSET(prb_data_ring.tail_lpos)=24",
        "SIZE(atomic_long_t)=8", "OFFSET(atomic_long_t.counter)=0",
        "CRASHTIME=1700000000",
    ]
    return ("\n".join(lines) + "\n").encode()


def note(name, ntype, desc):
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", len(name) + 1, len(desc), ntype) + pad(name + b"\0") + pad(desc)


def write(path):
    notes = note(b"VMCOREINFO", 0, vmcoreinfo())
    ehdr_size, phdr_size, nph = 64, 56, 2
    notes_off = ehdr_size + nph * phdr_size
    load_off = (notes_off + len(notes) + 4095) & ~4095
    ehdr = struct.pack("<4sBBBBB7sHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, b"\0" * 7,
                       4, 62, 1, 0, ehdr_size, 0, 0, ehdr_size, phdr_size, nph, 64, 0, 0)
    ph_note = struct.pack("<IIQQQQQQ", 4, 0, notes_off, 0, 0, len(notes), len(notes), 0)
    ph_load = struct.pack("<IIQQQQQQ", 1, 7, load_off, V, 0, MEM, MEM, 4096)
    with open(path, "wb") as f:
        f.write(ehdr + ph_note + ph_load + notes)
        f.write(b"\0" * (load_off - f.tell()))
        f.write(mem)


PRE_5_10 = sys.argv[2:] == ["--pre-5.10"]
build()
write(sys.argv[1])
