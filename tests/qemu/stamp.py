#!/usr/bin/env python3
"""Copies stdin to stdout, each line prefixed with the seconds since start
("[  12.345] "), so the tests can time events seen on a guest's serial
console (the guest's own clocks restart in the crash kernel)."""
import sys
import time

start = time.monotonic()
for raw in sys.stdin.buffer:
    line = raw.decode("utf-8", "replace").rstrip("\r\n")
    sys.stdout.write("[%8.3f] %s\n" % (time.monotonic() - start, line))
    sys.stdout.flush()
