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

.PHONY: all deps setup check unit cmdtests qemutests demo size install clean
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

cmdtests: $(B)/salvage
	sh tests/cmd/run.sh

qemutests: $(B)/salvage
	sh tests/qemu/run.sh

check: setup
	$(MAKE) all $(B)/unit-tests
	$(MAKE) unit cmdtests qemutests

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
