#!/usr/bin/python3
"""holders.py PORT N SECONDS [partial]

Test helper: the lockout attack on a receiver. Holds N TCP connections to
127.0.0.1:PORT that never send a byte (with "partial": only the 5-byte head
of a TLS record that announces 512 bytes, a handshake that never goes on),
and opens a new one as soon as the receiver closes one (or refuses it), for
SECONDS or until killed (SIGTERM).
Prints "holding N" once N are open, and at the end
"made C connections" (C - N of them replaced ones the receiver closed)."""
import select
import selectors
import signal
import socket
import sys
import time


def main(port, n, seconds, first):
    sel = selectors.DefaultSelector()
    made = 0
    said = False
    end = time.monotonic() + seconds
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))

    def dial():
        nonlocal made
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        if first:
            try:
                select.select([], [s], [], 1)
                s.send(first)
            except OSError:
                pass
        sel.register(s, selectors.EVENT_READ)
        made += 1

    for _ in range(n):
        dial()
    while not stop and time.monotonic() < end:
        if not said and made >= n:
            print("holding", n, flush=True)
            said = True
        for key, _ in sel.select(0.2):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                sel.unregister(s)
                s.close()
                dial()
    print("made", made, "connections", flush=True)


partial = len(sys.argv) > 4 and sys.argv[4] == "partial"
main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), b"\x16\x03\x01\x02\x00" if partial else b"")
