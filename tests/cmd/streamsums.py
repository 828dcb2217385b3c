#!/usr/bin/env python3
"""Test helper for tests/cmd/receive-integrity.sh: a second implementation
of the sums the dump channel uses, and a stream that only a content hash
tells from another one.

  streamsums.py sums FILE [N]    "SHA256 CRC32C LENGTH" of the first N bytes
                                 (all by default): hashlib and a CRC-32C of
                                 its own, not salvage's code
  streamsums.py respell IN OUT   IN with one letter of its DMESG record
                                 changed and that record's CRC made right:
                                 a valid stream with the same dump id, the
                                 same record lengths and so the same
                                 whole-stream CRC-32C (docs/protocol.md)
"""
import hashlib
import struct
import sys


def _table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        t.append(c)
    return t


TABLE = _table()


def crc32c(data, crc=0):
    # Castagnoli, reflected 0x82F63B78, as lib/crc32c.h (initial value 0)
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def sums(path, n=None):
    data = open(path, "rb").read()
    if n is not None:
        data = data[:n]
    print(hashlib.sha256(data).hexdigest(), "0x%x" % crc32c(data), len(data))


def respell(src, dst):
    data = bytearray(open(src, "rb").read())
    off = 16  # docs/stream-format.md#header, then records
    while off < len(data):
        rtype, length = struct.unpack_from("<II", data, off)
        if rtype == 2:  # DMESG
            payload = data[off + 8:off + 8 + length]
            at = payload.find(b"crash")
            if at < 0:
                sys.exit("no 'crash' in the DMESG record")
            payload[at:at + 5] = b"CRASH"
            data[off + 8:off + 8 + length] = payload
            struct.pack_into("<I", data, off + 8 + length, crc32c(bytes(data[off:off + 8 + length])))
            open(dst, "wb").write(data)
            return
        off += 12 + length
    sys.exit("no DMESG record")


if __name__ == "__main__":
    if sys.argv[1] == "sums":
        sums(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else None)
    elif sys.argv[1] == "respell":
        respell(sys.argv[2], sys.argv[3])
