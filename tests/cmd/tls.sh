#!/bin/sh
# Shell tests of salvage keygen and of pinned-key TLS between two
# processes over loopback (build/tlspeer, tests/cmd/tlspeer.c), with
# openssl as the independent check of fingerprints and as a peer.
#   t NAME WANT_EXIT PATTERN CMD...   runs CMD; passes when it exits
#                                     WANT_EXIT and its output matches PATTERN
# Run from the project root (make cmdtests). Last line: N passed, N failed, N skipped.
set -u
S=$PWD/build/salvage
P=$PWD/build/tlspeer
W=build/cmdtests-tls
. tests/cmd/lib.sh
umask 022
port=$((20000 + $$ % 1000 * 10))

# --- salvage keygen
t "keygen: usage"           100 "usage: salvage keygen NAME" $S keygen
t "keygen: two names"       100 "usage: salvage keygen NAME" $S keygen a b
t "keygen: name too long"   100 "1 to 64 printable" $S keygen "$W/$(printf '%065d' 0)"
t "keygen: writes, prints"  0   "^[0-9a-f]{64} srv$" $S keygen "$W/srv"
fp=$(cut -d' ' -f1 "$W/last")
t "keygen: key is 0600"     0   "^600$" stat -c %a "$W/srv.key"
t "keygen: pub is 0644"     0   "^644$" stat -c %a "$W/srv.pub"
t "keygen: key format"      0   "^salvage-key 1$" head -n 1 "$W/srv.key"
sum=$(cat "$W/srv.key" "$W/srv.pub" | sha256sum)
t "keygen: no overwrite"    111 "srv.key or .*srv.pub exists; not overwriting" $S keygen "$W/srv"
t "keygen: files untouched" 0   "^same$" sh -c '[ "$(cat "$1" "$2" | sha256sum)" = "$3" ] && echo same' - "$W/srv.key" "$W/srv.pub" "$sum"
mv "$W/srv.key" "$W/srv.key.bak"
t "keygen: pub in the way"  111 "not overwriting" $S keygen "$W/srv"
t "keygen: no key left"     2   "No such file" ls "$W/srv.key"
mv "$W/srv.key.bak" "$W/srv.key"
t "keygen: missing dir"     111 "keygen $W/none/x: No such file" $S keygen "$W/none/x"

# openssl reads the certificate and finds the same fingerprint
spki_fp() { # PUB: the fingerprint openssl computes
	openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1
}
t "openssl: fingerprint"    0   "^$fp$" spki_fp "$W/srv.pub"
t "openssl: self-signed"    0   "OK" openssl verify -check_ss_sig -CAfile "$W/srv.pub" "$W/srv.pub"
t "openssl: fields"         0   "Subject: CN ?= ?srv" openssl x509 -in "$W/srv.pub" -noout -text
t "openssl: key's cert"     0   "^$fp$" spki_fp "$W/srv.key"

# --- handshakes between two processes
$S keygen "$W/cli" > /dev/null
$S keygen "$W/other" > /dev/null

serve() { # KEY PINFILE...: tlspeer server in the background, on a new port
	port=$((port + 1))
	$P server $port "$@" > "$W/server.out" 2>&1 &
	spid=$!
}
served() { # how the server ended: "exit N: its output on one line"
	wait $spid
	printf 'exit %s: %s\n' $? "$(tr '\n' ' ' < "$W/server.out")"
}

serve "$W/srv.key" "$W/other.pub" "$W/cli.pub"
t "tls: right keys"         0   "^echo hello, salvage$" $P client 127.0.0.1:$port "$W/cli.key" "$W/srv.pub"
t "tls: client closed"      0   "^closed$" cat "$W/last"
t "tls: server saw pin 1"   0   "^exit 0: peer 1 closed $" served

serve "$W/srv.key" "$W/cli.pub"
t "tls: wrong server pin"   1   "^TLS_SERVER_KEY$" $P client 127.0.0.1:$port "$W/cli.key" "$W/other.pub"
t "tls: server told"        0   "^exit 1: TLS_KEY_REJECTED $" served

serve "$W/srv.key" "$W/other.pub"
t "tls: client refused"     1   "^TLS_REFUSED$" $P client 127.0.0.1:$port "$W/cli.key" "$W/srv.pub"
t "tls: not authorised"     0   "^exit 1: TLS_NOT_AUTHORISED $" served

serve "$W/srv.key" "$W/cli.pub"
garbage() { # PORT: an HTTP request where a ClientHello belongs
	python3 - "$1" <<-'EOF'
	import socket, sys, time
	for _ in range(50):
	    try:
	        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	        break
	    except ConnectionRefusedError:
	        time.sleep(0.1)
	s.sendall(b"GET / HTTP/1.0\r\n\r\n")
	try:
	    print("got", len(s.recv(100)), "bytes")
	except ConnectionResetError:
	    print("reset")
	EOF
}
t "tls: garbage in"         0   "got 0 bytes|reset" garbage $port
t "tls: garbage refused"    0   "^exit 1: TLS_PROTOCOL $" served

# a server that is not TLS at all
port=$((port + 1))
python3 - $port > "$W/fake.out" 2>&1 <<-'EOF' &
	import socket, sys
	s = socket.socket()
	s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.bind(("127.0.0.1", int(sys.argv[1])))
	s.listen(1)
	c, _ = s.accept()
	c.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
	c.recv(4096)
	c.close()
	EOF
fake=$!
t "tls: not a receiver"     1   "^TLS_PROTOCOL$" $P client 127.0.0.1:$port "$W/cli.key" "$W/srv.pub"
wait $fake

# --- openssl as the peer: its key from the scalar in the .key file, as
# a SEC1 ECPrivateKey (RFC 5915) around the scalar and the point
openssl_key() { # NAME: NAME.pem for openssl
	pub=$(openssl x509 -in "$W/$1.pub" -noout -pubkey | openssl pkey -pubin -outform DER |
		tail -c 65 | od -An -tx1 | tr -d ' \n')
	printf '30770201010420%sa00a06082a8648ce3d030107a144034200%s' "$(sed -n 2p "$W/$1.key")" "$pub" |
		xxd -r -p | openssl ec -inform DER -out "$W/$1.pem" 2>/dev/null
}
openssl_key cli
openssl_key srv
t "openssl: same key"       0   "^$(spki_fp "$W/cli.pub")$" sh -c 'openssl ec -in "$1" -pubout 2>/dev/null | openssl pkey -pubin -outform DER | sha256sum | cut -d" " -f1' - "$W/cli.pem"

serve "$W/srv.key" "$W/cli.pub"
s_client() { # PORT ARGS...
	p=$1
	shift
	echo hello | timeout 10 openssl s_client -connect 127.0.0.1:$p "$@" 2>&1
}
t "openssl s_client"        0   "ALPN protocol: salvage/1" s_client $port -tls1_2 -alpn salvage/1 -cert "$W/cli.pub" -key "$W/cli.pem"
t "openssl client's pin"    0   "^exit [01]: peer 0 " served
serve "$W/srv.key" "$W/cli.pub"
t "openssl without cert"    1   "alert access denied" s_client $port -tls1_2 -alpn salvage/1
t "server: no client cert"  0   "^exit 1: TLS_NOT_AUTHORISED $" served
serve "$W/srv.key" "$W/cli.pub"
t "openssl without ALPN"    1   "No ALPN negotiated" s_client $port -tls1_2 -cert "$W/cli.pub" -key "$W/cli.pem"
t "server: ALPN required"   0   "^exit 1: TLS_PROTOCOL $" served

# bulk data both ways through OpenSSL's AES-GCM (Python's ssl module):
# records of every size, sealed by OpenSSL and opened by our record layer
# (net/tlsrec.c), then sealed by ours and opened by OpenSSL
bulk() { # PORT
	python3 - "$1" "$W/cli.pub" "$W/cli.pem" "$W/srv.pub" <<-'EOF'
	import hashlib, random, socket, ssl, sys, threading, time
	port, cert, key, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
	ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
	ctx.check_hostname = False
	ctx.load_verify_locations(ca)
	ctx.load_cert_chain(cert, key)
	ctx.set_alpn_protocols(["salvage/1"])
	for _ in range(50):
	    try:
	        raw = socket.create_connection(("127.0.0.1", port))
	        break
	    except ConnectionRefusedError:
	        time.sleep(0.1)
	s = ctx.wrap_socket(raw)
	rng = random.Random(7)
	data = rng.randbytes(3 << 20)
	got = []
	def reader():
	    n = 0
	    while n < len(data):
	        b = s.recv(65536)
	        if not b:
	            break
	        got.append(b)
	        n += len(b)
	t = threading.Thread(target=reader)
	t.start()
	off = 0
	while off < len(data):
	    n = rng.choice([1, 15, 16, 17, 127, 128, 129, 1000, 16383, 16384, 16385, 40000])
	    s.sendall(data[off:off + n])
	    off += n
	t.join()
	echo = b"".join(got)
	print(s.cipher()[0], len(echo), "bytes echoed",
	      "identical" if hashlib.sha256(echo).digest() == hashlib.sha256(data).digest() else "DIFFERENT")
	s.close()
	EOF
}
serve "$W/srv.key" "$W/cli.pub"
t "openssl: bulk both ways" 0   "^ECDHE-ECDSA-AES128-GCM-SHA256 3145728 bytes echoed identical$" bulk $port
t "server: bulk closed"     0   "^exit [01]: peer 0 " served

# and bulk data from our writer (records sealed past the engine, straight
# from the caller's buffer) to an OpenSSL server
sink() { # PORT: accepts one client, prints the cipher, byte count, SHA-256
	python3 - "$1" "$W/srv.pub" "$W/srv.pem" "$W/cli.pub" <<-'EOF'
	import hashlib, socket, ssl, sys
	port, cert, key, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
	ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
	ctx.verify_mode = ssl.CERT_REQUIRED
	ctx.load_verify_locations(ca)
	ctx.load_cert_chain(cert, key)
	ctx.set_alpn_protocols(["salvage/1"])
	ls = socket.socket()
	ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	ls.bind(("127.0.0.1", port))
	ls.listen(1)
	c, _ = ls.accept()
	s = ctx.wrap_socket(c, server_side=True)
	h, n = hashlib.sha256(), 0
	while True:
	    try:
	        b = s.recv(1 << 16)
	    except ssl.SSLEOFError:
	        break
	    if not b:
	        break
	    h.update(b)
	    n += len(b)
	print(s.cipher()[0], n, h.hexdigest())
	EOF
}
head -c 5000000 /dev/urandom > "$W/bulk"
port=$((port + 1))
sink $port > "$W/sink.out" 2>&1 &
sinkpid=$!
t "bulk to openssl: sent"   0   "^sent 5000000$" $P send 127.0.0.1:$port "$W/cli.key" "$W/srv.pub" "$W/bulk"
wait $sinkpid
t "bulk to openssl: same"   0   "^ECDHE-ECDSA-AES128-GCM-SHA256 5000000 $(sha256sum < "$W/bulk" | cut -d' ' -f1)$" cat "$W/sink.out"

port=$((port + 1))
timeout 10 openssl s_server -accept 127.0.0.1:$port -naccept 1 -rev -tls1_2 -alpn salvage/1 -Verify 1 \
	-cert "$W/srv.pub" -key "$W/srv.pem" > "$W/s_server.out" 2>&1 &
sspid=$!
t "openssl s_server"        0   "^echo egavlas ,olleh$" $P client 127.0.0.1:$port "$W/cli.key" "$W/srv.pub"
wait $sspid
t "s_server saw our cert"   0   "Peer certificate: CN ?= ?cli" cat "$W/s_server.out"

summary
