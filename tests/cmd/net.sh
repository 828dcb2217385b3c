#!/bin/sh
# Shell tests of salvage ifup, the crash kernel's network bring-up, for
# real: two network namespaces joined by a veth pair, dnsmasq serving DHCP
# on one end, salvage ifup in the other. One line per case:
#   t NAME WANT_EXIT PATTERN CMD...   (tests/cmd/lib.sh)
# Run as root from the project root (make cmdtests); needs ip (iproute2)
# and dnsmasq (dnsmasq-base). Last line: N passed, N failed, N skipped.
set -u
S=$PWD/build/salvage
W=$PWD/build/cmdtests-net
. tests/cmd/lib.sh

SRV=salvage-srv-$$ CLI=salvage-cli-$$
MAC=52:54:00:5a:17:01
DNSMASQ=

if [ "$(id -u)" != 0 ] || ! command -v ip > /dev/null || ! command -v dnsmasq > /dev/null; then
	echo "FAIL net.sh: needs root, ip and dnsmasq (make setup installs dnsmasq-base)"
	exit 1
fi

cleanup() {
	[ -n "$DNSMASQ" ] && kill "$DNSMASQ" 2> /dev/null
	ip netns del "$SRV" 2> /dev/null
	ip netns del "$CLI" 2> /dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The server end vs (10.9.0.1/24) and the client end vc, with a known MAC.
ip netns add "$SRV" && ip netns add "$CLI" &&
ip link add vs netns "$SRV" type veth peer name vc netns "$CLI" address "$MAC" &&
ip -n "$SRV" addr add 10.9.0.1/24 dev vs &&
ip -n "$SRV" link set vs up || { echo "FAIL net.sh: cannot make namespaces and veth"; exit 1; }

in_cli() { ip netns exec "$CLI" "$@"; }

# dnsmasq on vs: DHCP only (port 0: no DNS), no ping before offering;
# more options may follow.
start_dnsmasq() {
	: > "$W/dnsmasq.log"
	ip netns exec "$SRV" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 \
		--interface=vs --bind-interfaces --no-ping --dhcp-authoritative \
		--dhcp-range=10.9.0.50,10.9.0.60,255.255.255.0,1h \
		--dhcp-option=option:router,10.9.0.1 --dhcp-option=option:dns-server,10.9.0.53 \
		--dhcp-option=option:mtu,1400 --dhcp-leasefile="$W/leases" --pid-file= \
		--log-facility="$W/dnsmasq.log" --log-dhcp --user=root --group=root "$@" &
	DNSMASQ=$!
	for i in 1 2 3 4 5 6 7 8 9 10; do
		grep -q "DHCP, sockets bound" "$W/dnsmasq.log" 2> /dev/null && return
		sleep 0.2
	done
	echo "FAIL net.sh: dnsmasq did not start"
	cat "$W/dnsmasq.log"
	exit 1
}

stop_dnsmasq() {
	kill "$DNSMASQ"
	wait "$DNSMASQ" 2> /dev/null
	DNSMASQ=
}

# Back to a bare client: no address or route, link and lo down, MTU 1500.
reset_cli() {
	ip -n "$CLI" addr flush dev vc
	ip -n "$CLI" link set vc down mtu 1500
	ip -n "$CLI" link set lo down
}

# timed MAX CMD...: CMD's exit, or 99 when it took MAX seconds or more.
timed() {
	max=$1
	shift
	t0=$(date +%s%N)
	"$@"
	rc=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	echo "took $ms ms"
	[ "$ms" -lt $((max * 1000)) ] || return 99
	return $rc
}

# lines CMD...: how many lines CMD prints on stdout, and its exit.
lines() {
	"$@" > "$W/stdout"
	rc=$?
	echo "lines: $(wc -l < "$W/stdout")"
	return $rc
}

# value KEY FILE: the value of ifup's "KEY value" line.
value() { sed -n "s/^$1 //p" "$2" | head -n 1; }

start_dnsmasq

# --- misuse
t "usage"                   100 "usage: salvage ifup"   $S ifup
t "bad timeout"             100 "--timeout wants"       $S ifup --timeout 0 vc:dhcp
t "bad spec"                100 "NET_CONF_SYNTAX"       $S ifup vc:10.9.0.5
t "bad ip="                 100 "NET_CONF_SYNTAX"       $S ifup ip=::::::rarp

# --- DHCP by name, from a bare namespace
reset_cli
t "dhcp: lease"             0   "^addr 10\.9\.0\.(5[0-9]|60)/24$" in_cli $S ifup --timeout 20 vc:dhcp
cp "$W/last" "$W/dhcp.out"
A=$(value addr "$W/dhcp.out")
t "dhcp: log line"          0   "salvage: DHCP lease $A router 10\.9\.0\.1 dns 10\.9\.0\.53 mtu 1400 from 10\.9\.0\.1 in [0-9.]+ s" cat "$W/dhcp.out"
t "dhcp: router"            0   "^router 10\.9\.0\.1$"  cat "$W/dhcp.out"
t "dhcp: dns"               0   "^dns 10\.9\.0\.53$"    cat "$W/dhcp.out"
t "dhcp: mtu"               0   "^mtu 1400$"            cat "$W/dhcp.out"
t "dhcp: server, lease"     0   "^lease 3600$"          grep -A1 "^server 10\.9\.0\.1$" "$W/dhcp.out"
t "dhcp: iface and mac"     0   "^mac $MAC$"            grep -A1 "^iface vc$" "$W/dhcp.out"
t "dhcp: dnsmasq leased it" 0   "$MAC ${A%/24} "        cat "$W/leases"
t "dhcp: address set"       0   "inet $A brd 10\.9\.0\.255 scope global vc" ip -n "$CLI" addr show dev vc
t "dhcp: default route"     0   "^default via 10\.9\.0\.1 dev vc" ip -n "$CLI" route show default
t "dhcp: route works"       0   "via 10\.9\.0\.1 dev vc src ${A%/24} " ip -n "$CLI" route get 10.200.0.1
t "dhcp: mtu set"           0   "vc@.* mtu 1400 .*state UP" ip -n "$CLI" link show dev vc
t "dhcp: lo up"             0   "LOOPBACK,UP"           ip -n "$CLI" link show dev lo
t "dhcp: again, same lease" 0   "^addr $A$"             in_cli $S ifup --timeout 20 vc:dhcp

# --- by MAC, and on whichever Ethernet interface there is
reset_cli
t "dhcp by MAC"             0   "^iface vc$"            in_cli $S ifup --timeout 20 "$MAC:dhcp"
reset_cli
t "dhcp, any interface"     0   "^addr $A$"             in_cli $S ifup --timeout 20 dhcp
reset_cli
t "kernel ip=, dhcp"        0   "^mtu 1400$"            in_cli $S ifup --timeout 20 ip=:::::vc:dhcp

# --- static
reset_cli
t "static"                  0   "^router 10\.9\.0\.1$"  in_cli $S ifup vc:10.9.0.5/24,10.9.0.1
t "static: address"         0   "inet 10\.9\.0\.5/24 "  ip -n "$CLI" addr show dev vc
t "static: default route"   0   "^default via 10\.9\.0\.1 dev vc" ip -n "$CLI" route show default
t "static: mtu left alone"  0   "vc@.* mtu 1500 "       ip -n "$CLI" link show dev vc
reset_cli
t "static by MAC, mtu"      0   "^mtu 1280$"            in_cli $S ifup "$(echo $MAC | tr a-f A-F):10.9.0.7/25,mtu=1280"
t "static by MAC: mtu set"  0   "vc@.* mtu 1280 "       ip -n "$CLI" link show dev vc
t "static by MAC: no route" 0   "^lines: 0$"            lines ip -n "$CLI" route show default
reset_cli
t "kernel ip=, static"      0   "^dns 10\.9\.0\.53$"    in_cli $S ifup ip=10.9.0.6::10.9.0.1:255.255.255.0:crashed:vc:off:10.9.0.53
t "kernel ip=: address"     0   "inet 10\.9\.0\.6/24 "  ip -n "$CLI" addr show dev vc
reset_cli
t "kernel ip=off"           0   "^lines: 0$"            lines in_cli $S ifup ip=off
t "kernel ip=off: lo only"  0   "vc@.*state DOWN"       ip -n "$CLI" link show dev vc

# --- failures, each within its bound
reset_cli
t "no such interface"       111 "ifup eth7:dhcp: no network interface .*\(NET_NO_IFACE\)" in_cli $S ifup eth7:dhcp
t "no such MAC"             111 "NET_NO_IFACE"          in_cli $S ifup 52:54:00:00:00:99:10.9.0.5/24
ip -n "$SRV" link set vs down
t "no carrier"              111 "\(NET_NO_CARRIER\)"    timed 4 in_cli $S ifup --timeout 2 vc:dhcp
t "no carrier: waited 2 s"  0   "took (19[0-9][0-9]|2[0-9]{3}) ms" cat "$W/last"
ip -n "$SRV" link set vs up
stop_dnsmasq
reset_cli
t "no DHCP server"          111 "ifup vc:dhcp: no DHCP lease before the timeout \(DHCP_NO_LEASE\)" timed 5 in_cli $S ifup --timeout 3 vc:dhcp
t "no server: waited 3 s"   0   "took (29[0-9][0-9]|3[0-9]{3}) ms" cat "$W/last"
# A server whose one lease another machine holds offers, then NAKs the
# REQUEST ("no leases left"): the client starts over, and gives up at the
# third NAK.
echo "$(($(date +%s) + 3600)) 52:54:00:99:99:99 10.9.0.59 other *" > "$W/leases"
start_dnsmasq --dhcp-lease-max=1
t "DHCP NAK"                111 "refused the address \(NAK\) \(DHCP_NAK\)" timed 5 in_cli $S ifup --timeout 20 vc:dhcp
stop_dnsmasq
t "NAK: three times"        0   "^3$"                   grep -c "DHCPNAK(vs) .* $MAC no leases left" "$W/dnsmasq.log"
# A link that bounces while DHCP waits: no server, so the timeout is what
# ends it, not the interface going down for a moment.
reset_cli
rm -f "$W/leases"
(sleep 1; ip -n "$CLI" link set vc down; ip -n "$CLI" link set vc up) &
t "link bounce mid-DHCP"    111 "DHCP_NO_LEASE"         timed 6 in_cli $S ifup --timeout 4 vc:dhcp
t "bounce: waited 4 s"      0   "took (39[0-9][0-9]|4[0-9]{3}) ms" cat "$W/last"
wait
# A lease whose router is the subnet's broadcast address: the address is
# used, the router dropped with a warning, no default route.
reset_cli
start_dnsmasq --dhcp-option=option:router,10.9.0.255
t "bad router dropped"      0   "router 10\.9\.0\.255 is not a host" in_cli $S ifup --timeout 20 vc:dhcp
t "bad router: address set" 0   "inet 10\.9\.0\." ip -n "$CLI" addr show dev vc
t "bad router: no route"    0   "^0$"                   sh -c "ip -n $CLI route show default | wc -l"
stop_dnsmasq

summary
