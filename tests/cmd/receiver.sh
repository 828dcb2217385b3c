# The receiver for the shell tests of the dump channel, sourced by
# tests/cmd/transfer.sh and tests/cmd/receive-attack.sh after lib.sh; they
# set S (the binary) and keep $W/receiver.key and $W/authorized.
#   receiver DIR PORT [OPTIONS]   starts one in the background ($rpid),
#                                 logging to DIR.log, and waits until it
#                                 listens
receiver() {
	d=$1 port=$2
	shift 2
	mkdir -p "$d"
	$S receive --listen 127.0.0.1:$port --dir "$d" --key "$W/receiver.key" \
		--authorized "$W/authorized" --min-free 0 "$@" > "$d.log" 2>&1 &
	rpid=$!
	i=0
	while [ $i -lt 50 ] && ! grep -q "listening" "$d.log"; do sleep 0.1; i=$((i + 1)); done
}
