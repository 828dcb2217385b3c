#!/bin/sh
# Readers of dumps of the newest kernels: a Debian sid chroot with sid's
# crash, drgn (python3-drgn) and makedumpfile, kept in the cache and built
# once (debootstrap --variant=minbase, about 6 minutes the first time).
# Debian 12's crash 8.0.2 and drgn 0.0.22 cannot read 7.x dumps.
#
#   sh scripts/sid-chroot.sh                 build it if missing; the last line
#                                            of stdout is its directory
#   sh scripts/sid-chroot.sh run CMD...      run CMD inside, in the project
#                                            root mounted at /salvage (give
#                                            paths relative to the root)
#
# Run from the project root. The chroot is ${SALVAGE_CACHE:-/var/cache/salvage}/sid;
# it is built in a temporary directory and renamed when complete, so an
# interrupted build leaves nothing half-made behind. "run" mounts in a
# private mount namespace (unshare), so the mounts vanish with the command
# on every exit path, and runs of several tests at once do not meet.
# Progress goes to stderr; needs root, debootstrap and unshare.
set -eu

prog=sid-chroot.sh
say() { echo "$prog: $*" >&2; }
die() { echo "$prog: error: $*" >&2; exit 1; }

cache=${SALVAGE_CACHE:-/var/cache/salvage}
mkdir -p "$cache" || die "cannot create cache directory $cache (set SALVAGE_CACHE?)"
cache=$(cd "$cache" && pwd)
sid=$cache/sid
tools="crash python3-drgn makedumpfile"

# ready DIR: the chroot in DIR is complete (the stamp is written last) and
# has every tool
ready() {
	[ -f "$1/.salvage-ready" ] && [ "$(missing "$1")" = none ]
}

# missing DIR: the tools DIR lacks, or "none"
missing() {
	m=""
	ls "$1"/usr/bin/crash >/dev/null 2>&1 || m="$m crash"
	ls "$1"/usr/*bin/makedumpfile >/dev/null 2>&1 || m="$m makedumpfile"
	ls -d "$1"/usr/lib/python3/dist-packages/drgn* >/dev/null 2>&1 || m="$m drgn"
	echo "${m:-none}"
}

# in_chroot DIR CMD...: CMD in DIR with /proc, /dev and /sys from the host,
# mounted in a namespace of its own; with BIND set, that host directory is
# also mounted at /salvage and CMD runs there
in_chroot() {
	root=$1
	shift
	unshare --mount --propagation private sh -eu -c '
		d=$1 bind=$2
		shift 2
		mount -t proc proc "$d/proc"
		mount --rbind /dev "$d/dev"
		mount --rbind /sys "$d/sys"
		if [ -n "$bind" ]; then
			mkdir -p "$d/salvage"
			mount --bind "$bind" "$d/salvage"
			exec chroot "$d" sh -c "cd /salvage && exec \"\$@\"" sh "$@"
		fi
		exec chroot "$d" "$@"' sh "$root" "${BIND:-}" "$@"
}

build() {
	for t in debootstrap unshare chroot; do
		command -v "$t" >/dev/null 2>&1 ||
			die "$t not found (sh scripts/setup.sh installs debootstrap)"
	done
	tmp=$sid.tmp.$$
	rm -rf "$tmp"
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 1' HUP INT TERM
	t0=$(date +%s)
	say "debootstrap sid into $tmp (minbase; several minutes)"
	# in a mount namespace of its own: the mounts debootstrap makes in the
	# target go with it, even when it is interrupted
	unshare --mount --propagation private \
		debootstrap --variant=minbase sid "$tmp" http://deb.debian.org/debian >"$tmp.log" 2>&1 ||
		{ tail -20 "$tmp.log" >&2; die "debootstrap sid failed (log: $tmp.log)"; }
	rm -f "$tmp.log"
	say "installing $tools in the chroot"
	in_chroot "$tmp" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends $tools >"$tmp.log" 2>&1 ||
		{ tail -20 "$tmp.log" >&2; die "apt-get install $tools in the sid chroot failed (log: $tmp.log)"; }
	rm -f "$tmp.log"
	in_chroot "$tmp" apt-get clean
	mkdir -p "$tmp/salvage"
	in_chroot "$tmp" dpkg-query -W $tools >"$tmp/.salvage-ready" ||
		die "dpkg-query: $tools not all installed in the sid chroot"
	m=$(missing "$tmp")
	[ "$m" = none ] || die "the sid chroot lacks $m after the install"
	# another build may have finished first: keep the one already there
	if ready "$sid"; then
		rm -rf "$tmp"
	else
		rm -rf "$sid"
		mv "$tmp" "$sid"
	fi
	trap - EXIT HUP INT TERM
	say "sid chroot ready in $(($(date +%s) - t0)) s: $(tr '\n' ' ' <"$sid/.salvage-ready")"
}

if ! ready "$sid"; then
	# one builder at a time; the others wait for it and find it ready
	exec 9>"$cache/sid.lock"
	flock 9
	ready "$sid" || build
	exec 9>&-
fi

if [ "${1:-}" = run ]; then
	[ $# -ge 2 ] || die "usage: sh scripts/sid-chroot.sh run CMD..."
	shift
	BIND=$(pwd) in_chroot "$sid" "$@"
	exit
fi
echo "$sid"
