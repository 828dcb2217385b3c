#!/usr/bin/env python3
"""Writes a raw dump target image as the crash kernel leaves it
(docs/raw-target.md): the 512-byte header at 0, the dump from 4096.
usage: mkraw.py complete|writing|writing:CUT [--elf] DUMP IMAGE [STARTED]
writing:CUT: the crash kernel stopped after CUT bytes of the dump; what
follows them on the device is stale (random bytes, as a former use left).
--elf: the header says the dump is an ELF vmcore (format 1), not a stream."""
import random
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


args = sys.argv[1:]
fmt = 2
if "--elf" in args:
    args.remove("--elf")
    fmt = 1
state, dump, image = args[:3]
started = int(args[3]) if len(args) > 3 else 1764633600
data = open(dump, "rb").read()
complete = state == "complete"
tail = bytes(65536)
if state.startswith("writing:"):
    cut = int(state.split(":", 1)[1])
    tail = random.Random(cut).randbytes(len(data) - cut + 65536)
    data = data[:cut]
h = bytearray(512)
struct.pack_into("<8sIII", h, 0, b"SALVRAW1", 1, 2 if complete else 1, fmt)
struct.pack_into("<QQQQ", h, 24, 4096, len(data) if complete else 0,
                 started, started + 5 if complete else 0)
struct.pack_into("<I", h, 508, crc32c(bytes(h[:508])))
with open(image, "wb") as f:
    f.write(h + bytes(4096 - 512) + data + tail)
