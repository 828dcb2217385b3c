# chflood.py PORT SECONDS [SOURCE-ADDRESS [RATE]]: one ClientHello, made
# by Python's ssl, sent on new TCP connections to 127.0.0.1:PORT from
# SOURCE-ADDRESS (any loopback address on Linux) as fast as it can (or
# RATE a second), never reading; prints how many it made.
import socket, ssl, sys, time

port, secs = int(sys.argv[1]), float(sys.argv[2])
src = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
rate = float(sys.argv[4]) if len(sys.argv) > 4 else 0
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305")
ctx.set_alpn_protocols(["salvage/1"])
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
o = ctx.wrap_bio(inc, out)
try:
    o.do_handshake()
except ssl.SSLWantReadError:
    pass
hello = out.read()
socks, made, t0 = [], 0, time.time()
print("flooding", flush=True)
while time.time() - t0 < secs:
    try:
        s = socket.socket()
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(hello)
        socks.append(s)
        made += 1
    except OSError:
        s.close()
    if rate:
        time.sleep(1 / rate)
    if len(socks) > 200:
        for s in socks[:100]:
            s.close()
        del socks[:100]
print("made", made, "connections in", secs, "s; hello", len(hello), "bytes")
