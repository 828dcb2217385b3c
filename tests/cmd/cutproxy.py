#!/usr/bin/python3
"""cutproxy.py PORT TARGET_PORT CUT...

Test helper: a TCP proxy on 127.0.0.1:PORT to 127.0.0.1:TARGET_PORT that
breaks connections on purpose. The k-th connection is cut (both sides closed
at once, mid-record) after CUT[k] bytes went from the client to the server;
connections after the last CUT pass through untouched. Prints "cut N at B"
for every cut, and "ready" once it listens."""
import selectors
import socket
import sys


def serve(port, target, cuts):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(16)
    print("ready", flush=True)
    k = 0
    while True:
        c, _ = ls.accept()
        u = socket.create_connection(("127.0.0.1", target))
        limit = cuts[k] if k < len(cuts) else None
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
                    dst.sendall(data[: limit - up])
                    print(f"cut {k + 1} at {limit}", flush=True)
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
    serve(int(sys.argv[1]), int(sys.argv[2]), [int(x) for x in sys.argv[3:]])
