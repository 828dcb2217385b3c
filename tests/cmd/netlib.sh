# The dump channel's shell helpers, sourced by tests/cmd/transfer.sh,
# tests/cmd/receive-integrity.sh and tests/cmd/receive-attack.sh after
# tests/cmd/lib.sh (which sets up $W)
# and after they set S (the salvage binary):
#   netkeys NAME...                 a key pair per name in $W
#   receiver DIR PORT [OPTIONS]     salvage receive in the background ($rpid),
#                                   authorized by $W/authorized, log in DIR.log
#   send PORT CLIENT STREAM [OPTIONS]   salvage send with CLIENT's key
#   stored DIR HOST                 the dump directory of HOST once converted
#                                   (waits up to 10 s)

netkeys() {
	for k in "$@"; do
		$S keygen "$W/$k" > "$W/$k.fp" || { echo "FAIL keygen $k"; exit 1; }
	done
}

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

send() {
	port=$1 client=$2 stream=$3
	shift 3
	$S send --server 127.0.0.1:$port --server-key "$W/receiver.pub" --client-key "$W/$client.key" \
		--retry-for 30 "$@" "$stream"
}

stored() {
	i=0
	while [ $i -lt 100 ] && ! grep -qs "^state=stored" "$1"/"$2"/*/salvage.meta; do sleep 0.1; i=$((i + 1)); done
	grep -ls "^state=stored" "$1"/"$2"/*/salvage.meta | head -n 1 | xargs -r dirname
}
