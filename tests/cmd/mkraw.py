#!/usr/bin/env python3
"""Writes a raw dump target image as the crash kernel leaves it
(docs/raw-target.md): the 512-byte header at 0, the dump from 4096.
usage: mkraw.py complete|writing DUMP IMAGE [STARTED]"""
import struct
import sys


def crc32c(data, crc=0):
    # Castagnoli, reflected 0x82F63B78, as lib/crc32c.h (initial value 0)
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


state, dump, image = sys.argv[1:4]
started = int(sys.argv[4]) if len(sys.argv) > 4 else 1764633600
data = open(dump, "rb").read()
complete = state == "complete"
h = bytearray(512)
struct.pack_into("<8sIII", h, 0, b"SALVRAW1", 1, 2 if complete else 1, 2)
struct.pack_into("<QQQQ", h, 24, 4096, len(data) if complete else 0,
                 started, started + 5 if complete else 0)
struct.pack_into("<I", h, 508, crc32c(bytes(h[:508])))
with open(image, "wb") as f:
    f.write(h + bytes(4096 - 512) + data + bytes(65536))
