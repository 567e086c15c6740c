# iocage for Linux. Plain GNU make: `make`, `make check`, `make SAN=1 check`, `make lint`,
# `make install PREFIX=/usr DESTDIR=...`.

PREFIX   ?= /usr/local
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
UNITDIR  ?= $(PREFIX)/lib/systemd/system
DESTDIR  ?=

VERSION  := 0.1.0
CC       ?= cc
B        ?= build
ifeq ($(SAN),1)
B        := build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
# The libFuzzer build (make fuzz): the library again with clang, instrumented, in build-fuzz/.
ifeq ($(FUZZ),1)
B        := build-fuzz
CC       := clang
CFLAGS   := -O1 -g
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
# clang (not gcc) flags a designated initializer that leaves a field to zero.
WARN_FUZZ := -Wno-missing-field-initializers
endif

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral -Wvla -Wpointer-arith -Wundef
CFLAGS   ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -DIOCAGE_VERSION='"$(VERSION)"' -Isrc
# V=1 shows the compiler's command lines.
ifeq ($(V),1)
Q :=
else
Q := @
endif
ALLCFLAGS = -std=gnu11 $(WARN) $(WARN_FUZZ) $(CFLAGS) $(SANFLAGS) -fstack-protector-strong -D_FORTIFY_SOURCE=2 -MMD -MP
# libseccomp (start, chroot) and libarchive (fetch, images) are dlopen()ed where they are
# needed: every other command starts without them. The unit tests link libarchive to write
# their archives.
TEST_LDLIBS := $(shell pkg-config --libs libarchive 2>/dev/null || echo -larchive)
LDFLAGS  += $(SANFLAGS) -Wl,-z,relro,-z,now -Wl,--as-needed

LIB_SRC  := $(sort $(wildcard src/util/*.c src/core/*.c src/store/*.c src/cli/*.c src/run/*.c \
              src/limits/*.c src/net/*.c src/pkg/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
MAIN_OBJ := $(B)/src/main.o
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all check unit e2e lint format install uninstall clean bench man check-vm check-debian \
	fuzz fuzz-ci fuzz-build fuzz-bins

all: iocage

iocage: $(B)/iocage
	@if [ "$(B)" = build ]; then cp $(B)/iocage iocage; fi

$(B)/iocage: $(MAIN_OBJ) $(B)/libiocage.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/libiocage.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The jail's own program (PID 1 and the last step of exec): static and small, built with musl,
# embedded in iocage (src/run/blob.c) and run from a sealed memfd.
INIT_CC  ?= musl-gcc
$(B)/init: src/init/init.c
	@mkdir -p $(dir $@)
	$(Q)$(INIT_CC) -static -Os -s -std=gnu11 $(WARN) -o $@ $<

$(B)/src/run/blob.o: $(B)/init
$(B)/src/run/blob.o: CPPFLAGS += -DIOC_INIT_PATH='"$(B)/init"'

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(ALLCFLAGS) -c -o $@ $<

$(B)/tests/%: tests/unit/%.c tests/unit/tap.h $(B)/libiocage.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) -Itests/unit $(ALLCFLAGS) $(LDFLAGS) -o $@ $< $(B)/libiocage.a $(LDLIBS) $(TEST_LDLIBS)

# The whole suite: unit tests, then end-to-end tests on both backends (tests/e2e/run).
check: $(B)/iocage $(UNIT_BIN)
	tests/run --bin $(B)/iocage --unit $(B)/tests

unit: $(UNIT_BIN)
	tests/run --unit $(B)/tests --no-e2e

e2e: $(B)/iocage
	tests/run --bin $(B)/iocage

# The suite in a KVM guest with OpenZFS and pure cgroup v2 (scripts/check-vm; exit 77: no KVM).
check-vm:
	scripts/check-vm

# The slow suite on real Debian releases (debootstrap from the host's mirror; root and network;
# a few minutes): pkglist, pkg, update, a basejail upgraded bookworm -> trixie.
check-debian: $(B)/iocage
	tests/debian/run --bin $(B)/iocage

# iocage beside LXC, crun, bubblewrap, podman and the floor, in one run (bench/compare.sh; as
# root; about 10 minutes): bench/results/compare-DATE.md and .png. BENCH_ARGS=-Q: a quick pass.
bench: iocage
	bench/compare.sh $(BENCH_ARGS)

# Regenerate the manual's property list from the registry.
man: $(B)/tests/test_manpage
	IOC_WRITE_MAN=1 $(B)/tests/test_manpage >/dev/null

lint:
	scripts/lint

# libFuzzer harnesses, one per parser (fuzz/fuzz_*.c): each runs FUZZ_SECONDS from its seed
# corpus (fuzz/corpus/NAME) and prints executions, exec/s, cov, ft and crashes (scripts/fuzz).
# fuzz-ci is the short bounded run CI does. FUZZ_ONLY=a,b runs those harnesses only.
FUZZ_SRC     := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60
FUZZ_CI_SECONDS ?= 4

fuzz: fuzz-build
	scripts/fuzz --seconds $(FUZZ_SECONDS) $(if $(FUZZ_ONLY),--only $(FUZZ_ONLY))

fuzz-ci: fuzz-build
	scripts/fuzz --seconds $(FUZZ_CI_SECONDS) $(if $(FUZZ_ONLY),--only $(FUZZ_ONLY))

fuzz-build:
	$(MAKE) FUZZ=1 fuzz-bins

ifeq ($(FUZZ),1)
fuzz-bins: $(FUZZ_SRC:fuzz/%.c=$(B)/fuzz/%)
else
fuzz-bins: fuzz-build
endif

$(B)/fuzz/%: fuzz/%.c fuzz/fuzz.h $(B)/libiocage.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) -Ifuzz $(ALLCFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< \
		$(B)/libiocage.a $(LDLIBS) -ldl

format:
	clang-format -i $$(git ls-files 'src/*.[ch]' 'tests/unit/*.[ch]' 'fuzz/*.[ch]')

install: $(B)/iocage
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(B)/iocage $(DESTDIR)$(SBINDIR)/iocage
	install -m 0644 doc/iocage.8 $(DESTDIR)$(MANDIR)/man8/iocage.8
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|g' dist/iocage.service.in >$(DESTDIR)$(UNITDIR)/iocage.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/iocage.service

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/iocage $(DESTDIR)$(MANDIR)/man8/iocage.8 \
	      $(DESTDIR)$(UNITDIR)/iocage.service

clean:
	rm -rf build build-san build-fuzz iocage

-include $(shell find $(B) -name '*.d' 2>/dev/null)
