#!/bin/sh
# Fetches, checks and builds salvage's third-party dependencies with musl-gcc:
#   BearSSL 0.6  -> build/deps/lib/libbearssl.a, build/deps/include/bearssl*.h
#   lz4 1.9.4    -> build/deps/lib/liblz4.a, build/deps/include/lz4.h, lz4hc.h
#   zlib 1.2.13  -> build/deps/lib/libz.a, build/deps/include/zlib.h, zconf.h
#   toybox 0.8.9 -> build/deps/bin/toybox (static, stripped; scripts/toybox.miniconfig)
# Sources are Debian bookworm's source packages (apt-get source, needs the
# deb-src entry scripts/setup.sh adds), kept in ${SALVAGE_CACHE:-/var/cache/salvage}/src
# and checked against their .dsc's Checksums-Sha256. A stamp per dependency
# (build/deps/.NAME.done) makes a second run a no-op. Each one's source
# package and version, from its .dsc, go to build/deps/.NAME.source, and
# those linked into salvage to build/deps/built-using, one
# "source (= version)" line each (debian/rules' Built-Using).
# Usage, from anywhere: sh scripts/deps.sh
set -eu

CACHE=${SALVAGE_CACHE:-/var/cache/salvage}/src
case $CACHE in /*) ;; *) CACHE=$PWD/$CACHE ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

DEPS=build/deps
SRC=$DEPS/src
MINICONFIG=scripts/toybox.miniconfig
JOBS=2

# Keep the dependency builds independent of whatever called us (a parent
# make's jobserver and variable overrides, the caller's compiler flags).
unset MAKEFLAGS MFLAGS MAKEOVERRIDES GNUMAKEFLAGS MAKELEVEL \
	CFLAGS CPPFLAGS LDFLAGS CROSS_COMPILE OPTIMIZE LDOPTIMIZE STRIP V 2>/dev/null || true

die() {
	echo "deps: error: $*" >&2
	exit 1
}

# fail_log WHAT LOG: report a failed step with the end of its log, and stop.
fail_log() {
	echo "deps: error: $1 failed; last lines of $2:" >&2
	tail -n 40 "$2" >&2 || true
	exit 1
}

# stamp_ok NAME WANT FILE...: the stamp holds WANT and every FILE exists.
stamp_ok() {
	_stamp=$DEPS/.$1.done
	_want=$2
	shift 2
	[ -f "$_stamp" ] || return 1
	IFS= read -r _have <"$_stamp" || return 1
	[ "$_have" = "$_want" ] || return 1
	for _f; do
		[ -e "$_f" ] || return 1
	done
}

tools_checked=0
check_tools() {
	[ "$tools_checked" = 0 ] || return 0
	_missing=
	for _t in musl-gcc gcc make tar xz sha256sum apt-get file strip bash dpkg-architecture; do
		command -v "$_t" >/dev/null 2>&1 || _missing="$_missing $_t"
	done
	[ -z "$_missing" ] || die "missing tools:$_missing (run scripts/setup.sh)"
	tools_checked=1
}

# orig_entry DSC: print "SHA256 SIZE NAME" for the orig tarball in DSC's
# Checksums-Sha256 section (the section ends at the next unindented line).
orig_entry() {
	sed -n '/^Checksums-Sha256:/,/^[^ ]/{
		s/^ \([0-9a-f]\{64\}\) \([0-9][0-9]*\) \([^ /]*\.orig\.tar\.[a-z0-9]*\)$/\1 \2 \3/p
	}' "$1"
}

# find_source PKG UPVER: set DSC, ORIG, ORIG_SUM, ORIG_SIZE from the cache;
# false when the .dsc or its orig tarball is not there.
find_source() {
	DSC=
	for _d in "$CACHE/$1_$2"[-+]*.dsc; do
		[ -f "$_d" ] && DSC=$_d # the glob sorts, keep the last match
	done
	[ -n "$DSC" ] || return 1
	_entry=$(orig_entry "$DSC")
	[ -n "$_entry" ] || die "$DSC lists no orig tarball under Checksums-Sha256"
	# shellcheck disable=SC2086 # split "sum size name"
	set -- $_entry
	[ $# -eq 3 ] || die "$DSC lists more than one orig tarball"
	ORIG_SUM=$1 ORIG_SIZE=$2 ORIG=$CACHE/$3
	[ -f "$ORIG" ]
}

# fetch PKG UPVER: make sure the cache holds PKG's .dsc and orig tarball.
fetch() {
	find_source "$1" "$2" && return 0
	check_tools
	mkdir -p "$CACHE" || die "cannot create $CACHE (set SALVAGE_CACHE?)"
	_log=$DEPS/fetch-$1.log
	echo "deps: downloading $1 $2 source into $CACHE"
	# apt-get exits non-zero when any file fails: toybox's Debian tarball
	# answers 404 but the .dsc and orig tarball arrive, which is all we use.
	(cd "$CACHE" && apt-get source --download-only "$1") >"$_log" 2>&1 || true
	find_source "$1" "$2" || fail_log "download of $1 $2 source" "$_log"
}

# verify: ORIG against the size and SHA-256 its .dsc gives.
verify() {
	_size=$(wc -c <"$ORIG")
	[ "$_size" -eq "$ORIG_SIZE" ] ||
		die "size mismatch for $ORIG: $DSC says $ORIG_SIZE bytes, file has $_size (delete it to download again)"
	_sum=$(sha256sum "$ORIG")
	_sum=${_sum%% *}
	[ "$_sum" = "$ORIG_SUM" ] ||
		die "SHA-256 mismatch for $ORIG: $DSC says $ORIG_SUM, file has $_sum (delete it to download again)"
}

# unpack DIR: a fresh DIR holding ORIG's top directory's contents.
unpack() {
	rm -rf "$1" && mkdir -p "$1" &&
		tar -xf "$ORIG" -C "$1" --strip-components=1 --no-same-owner
}

# The build_* functions run with their output sent to a log, inside an "if",
# where set -e does not apply: every step is chained with &&.

build_bearssl() {
	_d=$SRC/bearssl
	unpack "$_d" &&
		# The Makefile creates build/obj as a plain prerequisite of the
		# library, which races with the objects under -j: make it first.
		mkdir -p "$_d/build/obj" &&
		make -C "$_d" -j"$JOBS" CC=musl-gcc LD=musl-gcc LDDLL=musl-gcc lib &&
		cp "$_d/build/libbearssl.a" "$DEPS/lib/" &&
		cp "$_d"/inc/*.h "$DEPS/include/"
}

build_lz4() {
	_d=$SRC/lz4
	unpack "$_d" &&
		# lz4's own -O3, plus sections so salvage's --gc-sections keeps
		# only the functions it calls (the whole lz4.o is 100 KB).
		make -C "$_d/lib" -j"$JOBS" CC=musl-gcc \
			CFLAGS="-O3 -ffunction-sections -fdata-sections" liblz4.a &&
		cp "$_d/lib/liblz4.a" "$DEPS/lib/" &&
		cp "$_d/lib/lz4.h" "$_d/lib/lz4hc.h" "$DEPS/include/"
}

# zlib's own configure script, static only, its default -O3 plus sections
# as for lz4; Debian's orig tarball is the upstream one with the prebuilt
# Windows bits removed (dfsg).
build_zlib() {
	_d=$SRC/zlib
	unpack "$_d" &&
		(cd "$_d" && CC=musl-gcc CFLAGS="-O3 -ffunction-sections -fdata-sections" \
			./configure --static) &&
		make -C "$_d" -j"$JOBS" libz.a &&
		cp "$_d/libz.a" "$DEPS/lib/" &&
		cp "$_d/zlib.h" "$_d/zconf.h" "$DEPS/include/"
}

# kernel_headers DIR: musl-gcc leaves /usr/include out of its search path, so
# give toybox the kernel's uapi headers through a directory of links.
kernel_headers() {
	_k=$1
	_ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null) || _ma=x86_64-linux-gnu
	for _h in /usr/include/linux /usr/include/asm-generic /usr/include/mtd \
		/usr/include/"$_ma"/asm; do
		[ -d "$_h" ] || { echo "no $_h (install linux-libc-dev)"; return 1; }
	done
	rm -rf "$_k" && mkdir -p "$_k" &&
		ln -s /usr/include/linux "$_k/linux" &&
		ln -s /usr/include/"$_ma"/asm "$_k/asm" &&
		ln -s /usr/include/asm-generic "$_k/asm-generic" &&
		ln -s /usr/include/mtd "$_k/mtd"
}

# miniconfig_applied DIR: every CONFIG_X=y of the miniconfig made it into
# DIR/.config (allnoconfig silently drops misspelt or unknown symbols).
miniconfig_applied() {
	_bad=
	# shellcheck disable=SC2013 # the words are CONFIG_X=y lines
	for _c in $(sed -n 's/^\(CONFIG_[A-Z0-9_]*=y\)[[:space:]]*$/\1/p' "$MINICONFIG"); do
		grep -qx "$_c" "$1/.config" || _bad="$_bad ${_c%=y}"
	done
	[ -z "$_bad" ] || { echo "not in toybox's .config:$_bad"; return 1; }
}

build_toybox() {
	_d=$SRC/toybox
	_k=$ROOT/$DEPS/kernel-headers
	_cfg=$ROOT/$MINICONFIG
	unpack "$_d" &&
		kernel_headers "$_k" &&
		(cd "$_d" && KCONFIG_ALLCONFIG="$_cfg" make allnoconfig KCONFIG_ALLCONFIG="$_cfg") &&
		miniconfig_applied "$_d" &&
		# toybox's make.sh runs its own parallel compiles: CPUS, not -j.
		# (No V=1: 0.8.9's make.sh then ends on a false test and fails.)
		(cd "$_d" && CPUS=$JOBS make toybox CC=musl-gcc HOSTCC=gcc \
			CFLAGS="-I$_k" LDFLAGS=--static) &&
		file "$_d/toybox" &&
		file -b "$_d/toybox" | grep -q 'statically linked' &&
		mkdir -p "$DEPS/bin" &&
		rm -f "$DEPS/bin/toybox.new" &&
		cp "$_d/toybox" "$DEPS/bin/toybox.new" &&
		mv "$DEPS/bin/toybox.new" "$DEPS/bin/toybox" &&
		toybox_smoke "$DEPS/bin/toybox"
}

# toybox_smoke BIN: the shell runs a loop and a test, and the basics exist.
toybox_smoke() {
	# shellcheck disable=SC2016 # $i is for toybox's sh
	_out=$("$1" sh -c 'echo hi; for i in 1 2; do echo $i; done; if [ -e /proc ]; then echo yes; fi') ||
		{ echo "toybox sh smoke test failed"; return 1; }
	if [ "$_out" != "$(printf 'hi\n1\n2\nyes')" ]; then
		echo "toybox sh smoke test printed: $_out"
		return 1
	fi
	for _c in sh mount umount cat ls insmod switch_root; do
		"$1" | tr -s ' \t' '\n' | grep -qx "$_c" ||
			{ echo "toybox lacks $_c"; return 1; }
	done
}

# record_source NAME: DSC's source package and version into .NAME.source.
record_source() {
	_src=$(sed -n 's/^Source: *//p' "$DSC" | head -n 1)
	_v=$(sed -n 's/^Version: *//p' "$DSC" | head -n 1)
	[ -n "$_src" ] && [ -n "$_v" ] || die "$DSC has no Source: or Version: field"
	echo "$_src (= $_v)" >"$DEPS/.$1.source"
}

# dep NAME UPVER STAMPVALUE OUTPUT...: build NAME unless its stamp is current.
dep() {
	_name=$1 _ver=$2 _want=$3
	shift 3
	if stamp_ok "$_name" "$_want" "$@"; then
		# built before the versions were recorded: the .dsc says
		[ -s "$DEPS/.$_name.source" ] || { fetch "$_name" "$_ver" && record_source "$_name"; }
		echo "deps: $_name $_ver ready"
		return 0
	fi
	check_tools
	mkdir -p "$SRC" "$DEPS/lib" "$DEPS/include" "$DEPS/bin"
	rm -f "$DEPS/.$_name.done"
	fetch "$_name" "$_ver"
	verify
	_log=$DEPS/$_name.log
	echo "deps: building $_name $_ver from $(basename "$ORIG") (log: $_log)"
	_t0=$(date +%s)
	if ! "build_$_name" >"$_log" 2>&1; then
		fail_log "building $_name $_ver" "$_log"
	fi
	for _f; do
		[ -e "$_f" ] || fail_log "building $_name $_ver (no $_f)" "$_log"
	done
	record_source "$_name"
	echo "$_want" >"$DEPS/.$_name.done"
	echo "deps: $_name $_ver ready (built in $(($(date +%s) - _t0)) s)"
}

dep bearssl 0.6 "bearssl 0.6" \
	"$DEPS/lib/libbearssl.a" "$DEPS/include/bearssl.h"
dep lz4 1.9.4 "lz4 1.9.4 sections" \
	"$DEPS/lib/liblz4.a" "$DEPS/include/lz4.h" "$DEPS/include/lz4hc.h"
dep zlib 1.2.13.dfsg "zlib 1.2.13 sections" \
	"$DEPS/lib/libz.a" "$DEPS/include/zlib.h" "$DEPS/include/zconf.h"
[ -f "$MINICONFIG" ] || die "no $MINICONFIG"
cfgsum=$(sha256sum "$MINICONFIG")
dep toybox 0.8.9 "toybox 0.8.9 miniconfig ${cfgsum%% *}" \
	"$DEPS/bin/toybox"
# the libraries linked into salvage (toybox is only the rescue shell's,
# taken from this tree by salvage-mkinitramfs --shell, not packaged)
cat "$DEPS/.bearssl.source" "$DEPS/.lz4.source" "$DEPS/.zlib.source" >"$DEPS/built-using"
