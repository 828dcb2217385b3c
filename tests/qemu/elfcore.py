"""The ELF core layout the QEMU test scripts read, in one place:
segments(data) gives the program headers of an ELF64 little-endian core
(given as bytes or an mmap), notes(blob) walks a PT_NOTE blob, and
vmcoreinfo(blob) returns the VMCOREINFO note as a dict (or None)."""
import struct

PT_LOAD, PT_NOTE = 1, 4


def header(data):
    """(e_type, e_machine) of an ELF64 little-endian file, or None."""
    if len(data) < 64 or data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return None
    return struct.unpack_from("<HH", data, 16)


def segments(data):
    """(p_type, p_offset, p_paddr, p_filesz, p_memsz) per program header."""
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    out = []
    for i in range(phnum):
        p_type, _, off, _, paddr, filesz, memsz = struct.unpack_from(
            "<IIQQQQQ", data, phoff + i * phentsize)
        out.append((p_type, off, paddr, filesz, memsz))
    return out


def notes(blob):
    """(name, type, desc) of each note; names without their NUL."""
    off = 0
    while off + 12 <= len(blob):
        namesz, descsz, ntype = struct.unpack_from("<III", blob, off)
        off += 12
        name = bytes(blob[off:off + namesz]).rstrip(b"\0")
        off += (namesz + 3) & ~3
        desc = bytes(blob[off:off + descsz])
        off += (descsz + 3) & ~3
        yield name, ntype, desc


def vmcoreinfo(blob):
    """The VMCOREINFO note's KEY=value lines as a dict, or None."""
    for name, _, desc in notes(blob):
        if name == b"VMCOREINFO":
            text = desc.rstrip(b"\0").decode("ascii", "replace")
            return dict(l.split("=", 1) for l in text.splitlines() if "=" in l)
    return None
