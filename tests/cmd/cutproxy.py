#!/usr/bin/python3
"""cutproxy.py PORT TARGET_PORT CUT...

Test helper: a TCP proxy on 127.0.0.1:PORT to 127.0.0.1:TARGET_PORT that
breaks connections on purpose. The k-th connection is cut (both sides closed
at once, mid-record) after CUT[k] bytes went from the client to the server;
connections after the last CUT pass through untouched. A CUT of the form
B+S forwards B bytes, then swallows S more from the client (sent, never
delivered: the client is ahead of the server by S) before it cuts; B+inf
swallows until one side closes. Prints "cut N at B (clock T)" for every
cut, T the time (time.time(), for bench/window.sh),
"swallowing N at B" when swallowing starts, and "ready" once it listens."""
import selectors
import socket
import sys
import time


def serve(port, target, cuts):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(16)
    print("ready", flush=True)
    k = 0
    while True:
        c, _ = ls.accept()
        try:
            u = socket.create_connection(("127.0.0.1", target))
        except OSError:  # the server is down (restarted by the test)
            c.close()
            continue
        spec = cuts[k] if k < len(cuts) else None
        limit = swallow = None
        if spec is not None:
            limit, _, sw = spec.partition("+")
            limit = int(limit)
            swallow = (-1 if sw == "inf" else int(sw)) if sw else None
        swallowed = 0
        sel = selectors.DefaultSelector()
        sel.register(c, selectors.EVENT_READ, u)
        sel.register(u, selectors.EVENT_READ, c)
        up = 0
        done = False
        while not done:
            for key, _ in sel.select():
                src, dst = key.fileobj, key.data
                data = src.recv(65536)
                if not data:
                    done = True
                    break
                if src is c and limit is not None and up + len(data) >= limit:
                    if up < limit:
                        dst.sendall(data[: limit - up])
                        if swallow is not None:
                            print(f"swallowing {k + 1} at {limit}", flush=True)
                    swallowed += up + len(data) - max(up, limit)
                    up += len(data)
                    if swallow is not None and (swallow < 0 or swallowed < swallow):
                        continue
                    print(f"cut {k + 1} at {limit} (clock {time.time():.3f})", flush=True)
                    done = True
                    break
                if src is c:
                    up += len(data)
                dst.sendall(data)
        sel.close()
        c.close()
        u.close()
        k += 1


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:])
