#!/usr/bin/python3
"""plaincopy.py FILE OUTDIR: the baseline for salvage send -> receive: the
same file over plain loopback TCP into a file on the receiving side, synced
(write + fsync, as the receiver's partial file), no TLS, no framing, no
checksums. Prints the wall time from connect to the synced file and MB/s."""
import os
import socket
import sys
import time


def main():
    src, outdir = sys.argv[1:3]
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    port = ls.getsockname()[1]
    pid = os.fork()
    if pid == 0:
        c, _ = ls.accept()
        with open(os.path.join(outdir, "plain.copy"), "wb") as f:
            while True:
                b = c.recv(1 << 20)
                if not b:
                    break
                f.write(b)
            f.flush()
            os.fsync(f.fileno())
        os._exit(0)
    data = open(src, "rb").read()
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(data)
    s.close()
    os.waitpid(pid, 0)
    dt = time.monotonic() - t0
    print(f"plain TCP copy: {len(data) >> 20} MiB into a synced file in {dt:.3f} s, {len(data) / dt / 1e6:.0f} MB/s")


if __name__ == "__main__":
    main()
