# salvage: one non-recursive Makefile. `make` builds build/salvage.
CC       ?= musl-gcc
ifeq ($(origin CC),default)
CC       := musl-gcc
endif
CFLAGS   ?= -Os -g
WARN     := -Wall -Wextra
XCFLAGS  := -std=gnu11 -ffunction-sections -fdata-sections -D_GNU_SOURCE \
            -Ibuild/deps/include -Ibuild/deps/kernel-headers
LDFLAGS  ?=
XLDFLAGS := -static -Wl,--gc-sections
LDLIBS    = $(B)/deps/lib/liblz4.a $(B)/deps/lib/libz.a $(B)/deps/lib/libbearssl.a
PREFIX   ?= /usr/local
DESTDIR  ?=
B        := build

SRCS := $(wildcard lib/*.c dump/*.c init/*.c load/*.c mkinitramfs/*.c net/*.c server/*.c shim/*.c)
OBJS := $(SRCS:%.c=$(B)/obj/%.o)
UNIT := $(wildcard tests/unit/*.c)

FUZZ        := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
FUZZ_SECONDS ?= 15
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE

.PHONY: all deps setup check unit cmdtests qemutests fuzz demo bench size install deb clean
all: $(B)/salvage

setup:
	@sh scripts/setup.sh

deps: $(B)/deps/.done
$(B)/deps/.done: scripts/deps.sh scripts/toybox.miniconfig
	sh scripts/deps.sh
	@touch $@

$(B)/obj/%.o: %.c $(B)/deps/.done
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(XCFLAGS) -MMD -MP -c -o $@ $<

$(B)/salvage.debug: $(B)/obj/main.o $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) $(XLDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/salvage: $(B)/salvage.debug
	strip -o $@ $<

$(B)/unit-tests: $(UNIT:%.c=$(B)/obj/%.o) $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) $(XLDFLAGS) -o $@ $^ $(LDLIBS)

unit: $(B)/unit-tests
	$(B)/unit-tests

# Fuzz targets: clang + libFuzzer against the host libc, each run for a
# bounded time from its seed corpus in tests/fuzz/corpus/NAME.
$(B)/fuzz/conf: tests/fuzz/conf.c lib/conf.c lib/io.c lib/err.c
$(B)/fuzz/raw_header: tests/fuzz/raw_header.c dump/raw_header.c lib/crc32c.c lib/err.c
$(B)/fuzz/stream_prefix: tests/fuzz/stream_prefix.c dump/stream_prefix.c lib/crc32c.c lib/err.c lib/io.c
$(B)/fuzz/vmcore: tests/fuzz/vmcore.c dump/dmesg.c dump/elf.c dump/filter.c dump/mem.c dump/notes.c dump/vmcoreinfo.c lib/err.c lib/io.c
$(B)/fuzz/dmesg: tests/fuzz/dmesg.c dump/dmesg.c dump/mem.c dump/vmcoreinfo.c lib/err.c
$(B)/fuzz/dhcp: tests/fuzz/dhcp.c net/dhcp.c net/netconf.c lib/clock.c lib/err.c lib/log.c lib/io.c
$(B)/fuzz/netconf: tests/fuzz/netconf.c net/netconf.c lib/err.c
$(B)/fuzz/estimate: tests/fuzz/estimate.c load/estimate.c load/cma.c lib/err.c lib/io.c
# The stream and kdump readers decode with lz4 and zlib: their sources (from
# scripts/deps.sh) are built into the target, under the sanitizers too.
ZLIB_INFLATE = $(addprefix $(B)/deps/src/zlib/,adler32.c crc32.c inffast.c inflate.c inftrees.c uncompr.c zutil.c)
$(B)/fuzz/stream: tests/fuzz/stream.c dump/stream_read.c lib/grow.c lib/crc32c.c lib/err.c lib/io.c \
	$(B)/deps/src/lz4/lib/lz4.c | $(B)/deps/.done
$(B)/fuzz/kdump: tests/fuzz/kdump.c dump/kdump_read.c lib/err.c lib/io.c $(ZLIB_INFLATE) | $(B)/deps/.done
# convert: the stream reader, both writers, and the kdump reader that
# reads their output back.
$(B)/fuzz/convert: tests/fuzz/convert.c dump/convert.c dump/kdump_write.c dump/elfcore_write.c \
	dump/kdump_read.c dump/stream_read.c dump/notes.c dump/vmcoreinfo.c lib/grow.c lib/crc32c.c \
	lib/err.c lib/io.c $(B)/deps/src/lz4/lib/lz4.c $(ZLIB_INFLATE) \
	$(addprefix $(B)/deps/src/zlib/,deflate.c trees.c) | $(B)/deps/.done
$(B)/fuzz/stream $(B)/fuzz/kdump $(B)/fuzz/convert: FUZZ_CFLAGS += -I$(B)/deps/include
# The pin engine with the BearSSL sources under it (libbearssl.a is musl's).
$(B)/fuzz/x509pin: tests/fuzz/x509pin.c net/pins.c $(addprefix $(B)/deps/src/bearssl/src/,x509/x509_decoder.c hash/sha2small.c codec/dec32be.c codec/enc32be.c) | $(B)/deps/.done
$(B)/fuzz/x509pin: FUZZ_CFLAGS += -I$(B)/deps/include -I$(B)/deps/src/bearssl/src
$(B)/fuzz/frame: tests/fuzz/frame.c net/proto.c lib/crc32c.c lib/err.c
# the crash signature: the log text a client sent, and SHA-256 from BearSSL's source
$(B)/fuzz/signature: tests/fuzz/signature.c server/signature.c lib/io.c \
	$(addprefix $(B)/deps/src/bearssl/src/,hash/sha2small.c codec/dec32be.c codec/enc32be.c) | $(B)/deps/.done
$(B)/fuzz/signature: FUZZ_CFLAGS += -I$(B)/deps/include -I$(B)/deps/src/bearssl/src
$(B)/fuzz/%:
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $^

fuzz: $(FUZZ:%=$(B)/fuzz/%)
	@for f in $(FUZZ); do \
		mkdir -p $(B)/fuzz/corpus-$$f; \
		if $(B)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 -artifact_prefix=$(B)/fuzz/$$f- \
			$(B)/fuzz/corpus-$$f tests/fuzz/corpus/$$f > $(B)/fuzz/$$f.log 2>&1; \
		then echo "fuzz $$f: $$(tail -n 1 $(B)/fuzz/$$f.log)"; \
		else cat $(B)/fuzz/$$f.log; echo "fuzz $$f: FAILED"; exit 1; fi; \
	done

# Test helper: writes salvage streams for tests/cmd/convert.sh.
$(B)/mkstream: $(B)/obj/tests/cmd/mkstream.o $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) $(XLDFLAGS) -o $@ $^ $(LDLIBS)

# Test helper: both ends of a TLS connection for tests/cmd/tls.sh.
$(B)/tlspeer: $(B)/obj/tests/cmd/tlspeer.o $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) $(XLDFLAGS) -o $@ $^ $(LDLIBS)

# Test helper: a client that misbehaves on purpose, for tests/cmd/transfer.sh
# and tests/cmd/receive-attack.sh.
$(B)/rawclient: $(B)/obj/tests/cmd/rawclient.o $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) $(XLDFLAGS) -o $@ $^ $(LDLIBS)

# Test helper: a stand-in for udev in the first-stage guest of
# tests/qemu/hotplug.sh (static, like salvage).
$(B)/uevents: $(B)/obj/tests/qemu/uevents.o
	$(CC) $(CFLAGS) $(LDFLAGS) $(XLDFLAGS) -o $@ $^

# Benchmark helper: loopback TCP against TLS with the same bytes (bench/net.sh).
$(B)/netbench: $(B)/obj/bench/netbench.o $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) $(XLDFLAGS) -o $@ $^ $(LDLIBS)

cmdtests: $(B)/salvage $(B)/mkstream $(B)/tlspeer $(B)/rawclient $(B)/unit-tests
	sh tests/cmd/run.sh
	sh tests/cmd/convert.sh
	sh tests/cmd/tls.sh
	sh tests/cmd/transfer.sh
	sh tests/cmd/window.sh
	sh tests/cmd/receive-integrity.sh
	sh tests/cmd/receive-attack.sh
	sh tests/cmd/receive-damaged.sh
	sh tests/cmd/list.sh
	sh tests/cmd/index.sh
	sh tests/cmd/triage.sh
	sh tests/cmd/net.sh
	sh tests/cmd/jobs.sh
	sh tests/cmd/estimate.sh
	sh tests/cmd/durable.sh
	sh tests/cmd/usage.sh
	sh tests/cmd/deb.sh

# After the guests crashed, run.sh and convert.sh check salvage dmesg and
# salvage convert on their vmcores.
qemutests: $(B)/salvage $(B)/mkstream $(B)/uevents
	sh tests/qemu/run.sh
	sh tests/cmd/run.sh real
	sh tests/cmd/convert.sh real
	sh tests/cmd/jobs.sh

check: setup
	$(MAKE) all $(B)/unit-tests
	$(MAKE) unit cmdtests fuzz qemutests

demo: setup
	$(MAKE) all
	sh tests/qemu/demo.sh

# Figures side by side with makedumpfile and kdump-tools; asserts nothing.
bench: setup
	$(MAKE) all $(B)/netbench
	sh bench/dump.sh
	for gb in 2 64 256; do sh bench/crash-kernel-dump.sh 6.1 $$gb; done
	sh bench/net.sh
	sh bench/crashkernel.sh 6.1 fs
	sh bench/crashkernel.sh 6.1 net
	sh bench/shim.sh 6.1 7
	sh bench/window.sh
	sh bench/crash-memory.sh 6.1 net 96M
	sh bench/shim-window.sh 6.1 "96M 160M"

size: $(B)/salvage
	@ls -l $(B)/salvage | awk '{print "build/salvage: " $$5 " bytes"}'
	@size $(B)/salvage.debug

install: $(B)/salvage
	install -D -m 0755 $(B)/salvage $(DESTDIR)$(PREFIX)/bin/salvage
	install -D -m 0755 mkinitramfs/salvage-mkinitramfs $(DESTDIR)$(PREFIX)/bin/salvage-mkinitramfs
	install -d $(DESTDIR)$(PREFIX)/share/salvage/drivers-list
	install -m 0644 drivers-list/* $(DESTDIR)$(PREFIX)/share/salvage/drivers-list/

# The Debian package (debian/, packaging/): build/salvage_VERSION_amd64.deb.
deb: $(B)/deps/.done
	sh scripts/deb.sh

clean:
	rm -rf $(B)/deb $(B)/salvage_*.deb $(B)/obj $(B)/salvage $(B)/salvage.debug $(B)/unit-tests $(B)/mkstream $(B)/tlspeer $(B)/rawclient $(B)/netbench $(B)/uevents

-include $(OBJS:.o=.d) $(UNIT:%.c=$(B)/obj/%.d) $(B)/obj/main.d $(B)/obj/tests/cmd/mkstream.d $(B)/obj/tests/cmd/tlspeer.d $(B)/obj/tests/cmd/rawclient.d $(B)/obj/bench/netbench.d $(B)/obj/tests/qemu/uevents.d
