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
PREFIX   ?= /usr/local
DESTDIR  ?=
B        := build

SRCS := $(wildcard lib/*.c dump/*.c init/*.c load/*.c mkinitramfs/*.c)
OBJS := $(SRCS:%.c=$(B)/obj/%.o)
UNIT := $(wildcard tests/unit/*.c)

FUZZ        := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
FUZZ_SECONDS ?= 15
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE

.PHONY: all deps setup check unit cmdtests qemutests fuzz demo size install clean
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
	$(CC) $(CFLAGS) $(LDFLAGS) $(XLDFLAGS) -o $@ $^

$(B)/salvage: $(B)/salvage.debug
	strip -o $@ $<

$(B)/unit-tests: $(UNIT:%.c=$(B)/obj/%.o) $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) $(XLDFLAGS) -o $@ $^

unit: $(B)/unit-tests
	$(B)/unit-tests

# Fuzz targets: clang + libFuzzer against the host libc, each run for a
# bounded time from its seed corpus in tests/fuzz/corpus/NAME.
$(B)/fuzz/conf: tests/fuzz/conf.c lib/conf.c lib/io.c lib/err.c
$(B)/fuzz/raw_header: tests/fuzz/raw_header.c dump/raw_header.c lib/crc32c.c lib/err.c
$(B)/fuzz/%:
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $^

fuzz: $(FUZZ:%=$(B)/fuzz/%)
	@for f in $(FUZZ); do \
		mkdir -p $(B)/fuzz/corpus-$$f; \
		if $(B)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
			$(B)/fuzz/corpus-$$f tests/fuzz/corpus/$$f > $(B)/fuzz/$$f.log 2>&1; \
		then echo "fuzz $$f: $$(tail -n 1 $(B)/fuzz/$$f.log)"; \
		else cat $(B)/fuzz/$$f.log; echo "fuzz $$f: FAILED"; exit 1; fi; \
	done

cmdtests: $(B)/salvage
	sh tests/cmd/run.sh

qemutests: $(B)/salvage
	sh tests/qemu/run.sh

check: setup
	$(MAKE) all $(B)/unit-tests
	$(MAKE) unit cmdtests fuzz qemutests

demo: setup
	$(MAKE) all
	sh tests/qemu/demo.sh

size: $(B)/salvage
	@ls -l $(B)/salvage | awk '{print "build/salvage: " $$5 " bytes"}'
	@size $(B)/salvage.debug

install: $(B)/salvage
	install -D -m 0755 $(B)/salvage $(DESTDIR)$(PREFIX)/bin/salvage
	install -D -m 0755 mkinitramfs/salvage-mkinitramfs $(DESTDIR)$(PREFIX)/bin/salvage-mkinitramfs
	install -d $(DESTDIR)$(PREFIX)/share/salvage/drivers-list
	install -m 0644 drivers-list/* $(DESTDIR)$(PREFIX)/share/salvage/drivers-list/

clean:
	rm -rf $(B)/obj $(B)/salvage $(B)/salvage.debug $(B)/unit-tests

-include $(OBJS:.o=.d) $(UNIT:%.c=$(B)/obj/%.d) $(B)/obj/main.d
