# sockcost build. `make` builds build/sockcost; `make V=1` shows commands.
.DELETE_ON_ERROR:
.DEFAULT_GOAL := all
# run, test and bench call $(MAKE) again: no "Entering directory" lines.
MAKEFLAGS += --no-print-directory

BUILD     ?= build
CLANG     ?= clang
BPFTOOL   ?= bpftool
CC        ?= cc
PYTHON    ?= /usr/bin/python3
ARCH      := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

PKG_CONFIG ?= pkg-config
# Warnings are errors in development and CI; packagers may set WERROR=0.
WERROR    ?= 1
CFLAGS    ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -MMD -MP
ifeq ($(WERROR),1)
override CFLAGS += -Werror
endif
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -I. -Ibpf -MMD -MP
pc_libs    = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null || echo $(2))
LDLIBS    := $(call pc_libs,libbpf libelf zlib,-lbpf -lelf -lz) -lm -lpthread
CLI_LDLIBS := $(call pc_libs,ncurses,-lncurses)
DAEMON_LDLIBS := $(call pc_libs,libmicrohttpd,-lmicrohttpd) $(call pc_libs,libcap-ng,-lcap-ng)
# --web.config.file: YAML (libyaml), TLS client certificates (GnuTLS), bcrypt (libxcrypt).
DAEMON_LDLIBS += $(call pc_libs,yaml-0.1 gnutls libcrypt,-lyaml -lgnutls -lcrypt)

# sock_destroy.bpf.c is its own object: its kfunc (6.5+) must not keep older
# kernels from loading the rest.
DESTROY_SRC := bpf/sock_destroy.bpf.c
BPF_SRCS  := $(filter-out $(DESTROY_SRC),$(wildcard bpf/*.bpf.c))
BPF_OBJS  := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
SKEL      := $(BUILD)/sockcost.skel.h
DESTROY_SKEL := $(BUILD)/sock_destroy.skel.h

# Layers, lowest first. A folder's files see only their own layer and those
# below it on the include path, so an include that reaches up fails to
# compile. The pure layers (base, model, render, args) never see the
# skeleton, the loader or the /proc readers.
#   base    logging, clocks, version, shared definitions
#   model   the data model and its pure logic
#   render  JSON, metrics and text renderers of the model
#   args    option parsers (they fill the model's idle policy)
#   sys     readers of /proc and /sys that fill the model's types
#   kernel  the BPF loader, iterators and change ring
#   daemon  sockcostd; tools/ holds the sockcost commands (tools/top: top)
INC_base   := -Ibpf -Iuser/base
INC_model  := $(INC_base) -Iuser/model
INC_render := $(INC_model) -Iuser/render
INC_args   := $(INC_model) -Iuser/args
INC_sys    := $(INC_model) -Iuser/sys
INC_kernel := $(INC_sys) -Iuser/kernel -I$(BUILD)
INC_daemon := $(INC_sys) -Iuser/kernel -Iuser/render -Iuser/args -Iuser/daemon
INC_tools  := $(INC_sys) -Iuser/kernel -Iuser/render -Iuser/args -Itools -Itools/top
PURE_LAYERS := base model render args
LIB_LAYERS  := $(PURE_LAYERS) sys kernel

$(foreach l,$(LIB_LAYERS) daemon,$(eval $(BUILD)/user/$(l)/%.o: LAYER_INC := $(INC_$(l))))
$(foreach l,$(PURE_LAYERS),$(eval $(BUILD)/san/user/$(l)/%.o: LAYER_INC := $(INC_$(l))))
$(BUILD)/tools/%.o $(BUILD)/san/tools/%.o: LAYER_INC := $(INC_tools)

# Everything but the daemon is one archive both binaries link, so the
# linker, not a list, decides what each carries.
LIB_SRCS  := $(foreach l,$(LIB_LAYERS),$(wildcard user/$(l)/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/libsockcost.a
DAEMON_SRCS := $(wildcard user/daemon/*.c)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(BUILD)/%.o)
CLI_SRCS  := $(wildcard tools/*.c tools/top/*.c)
CLI_OBJS  := $(CLI_SRCS:%.c=$(BUILD)/%.o)
SANITIZE  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
HEADERS   := $(wildcard bpf/*.h user/*/*.h tools/*.h tools/*/*.h)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

DEBIAN_PKGS := make gcc libc6-dev clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config \
	libcmocka-dev python3 python3-pytest iproute2 jq time \
	libncurses-dev tmux libmicrohttpd-dev libcap-ng-dev prometheus python3-yaml \
	postgresql nginx
DEBIAN_PKGS += podman runc debootstrap  # make image and its test (runc: crun refuses hybrid cgroup hosts)
DEBIAN_PKGS += libyaml-dev libgnutls28-dev libcrypt-dev openssl  # web config: YAML, TLS, bcrypt; test certificates
DEBIAN_PKGS += clang-14 libclang-rt-14-dev  # libFuzzer and the sanitizer runtimes (make fuzz, make test)

.PHONY: all man image install uninstall deps run check test tsan tsan-bins unit-bins test-helpers bench bench-memory bench-million soak vmlinux clean help quiet-services quiet-prometheus

all: $(BUILD)/sockcost $(BUILD)/sockcostd man

help:
	@echo "make          build build/sockcost, build/sockcostd and their man pages (build/man)"
	@echo "make deps     install missing Debian/Ubuntu packages (root), or print the apt-get line"
	@echo "make run      deps, build, then 'sockcost snapshot' (root)"
	@echo "make check    build, unit, command-line and install tests: no root, no BPF, no network"
	@echo "make test     deps, build, unit, command-line, BPF integration and e2e tests, daemon tests under TSan (root; CI)"
	@echo "make tsan     only the daemon tests and threaded unit tests, built with ThreadSanitizer"
	@echo "make fuzz     libFuzzer harnesses (tests/fuzz), FUZZ_SECONDS each (default 300), FUZZ_JOBS at once"
	@echo "make bench    benchmarks: snapshot at scale, hot-path overhead, churn (root, minutes)"
	@echo "make bench-million  sockcostd, top and snapshot at 100K and 1M connections (root, about 20 minutes; SIZES=...)"
	@echo "make bench-memory   sockcostd's bytes per socket by structure at 1M synthetic sockets (no root, seconds)"
	@echo "make soak     an hour of churn with sockcostd restarted and upgraded (root; DURATION=SECS, HELD=N)"
	@echo "make vmlinux  regenerate vmlinux.h from /sys/kernel/btf/vmlinux"
	@echo "make image    the container image $(IMAGE) under podman (root; builds its Debian base once)"
	@echo "make install  install under PREFIX (default /usr/local; DESTDIR for staging); make uninstall"

deps:
	@missing=$$(for p in $(DEBIAN_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done | tr '\n' ' '); \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	missing=$$(echo $$missing); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" -ne 0 ]; then \
		echo "missing packages; install them with:"; \
		echo "  sudo apt-get install -y $$missing"; exit 1; \
	fi; \
	echo "installing: $$missing"; \
	had=$$(for s in $(PACKAGED_SERVICES); do $(call has_service,$$s) && echo $$s; done); \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing || exit 1; \
	new=$$(for s in $(PACKAGED_SERVICES); do case " "$$had" " in *" $$s "*) continue;; esac; \
		$(call has_service,$$s) && echo $$s; done); \
	[ -z "$$new" ] || $(MAKE) --no-print-directory quiet-services SERVICES="$$(echo $$new)"

# Packages in DEBIAN_PKGS start their own servers at install and boot:
# prometheus (:9090) and its node exporter (:9100), postgresql (:5432),
# nginx (:80). The tests start their own, on free loopback ports. deps quiets
# only the services that its own install brought (no unit or init script
# before), never an admin's own setup; `make quiet-services SERVICES=...`
# does it by hand.
PACKAGED_SERVICES := prometheus prometheus-node-exporter postgresql nginx
SERVICES := $(PACKAGED_SERVICES)
has_service = { [ -e /lib/systemd/system/$(1).service ] || [ -e /etc/init.d/$(1) ]; }
quiet-prometheus:
	@$(MAKE) --no-print-directory quiet-services SERVICES="prometheus prometheus-node-exporter"
quiet-services:
	@for s in $(SERVICES); do \
		$(call has_service,$$s) || continue; \
		echo "stopping and disabling the packaged $$s service"; \
		if [ -d /run/systemd/system ]; then systemctl disable --now $$s >/dev/null 2>&1 || true; \
		else systemctl disable $$s >/dev/null 2>&1 || true; \
			[ -x /etc/init.d/$$s ] && /etc/init.d/$$s stop >/dev/null 2>&1 || true; \
			update-rc.d $$s disable >/dev/null 2>&1 || true; fi; \
	done

run: deps
	$(MAKE) all
	$(BUILD)/sockcost snapshot

# For contributors: what runs without root, apt or the network (no deps).
check:
	$(MAKE) all unit-bins
	$(PYTHON) tests/run.py --check --build $(BUILD)

test: deps
	$(MAKE) all unit-bins test-helpers tsan-bins fuzz-bins
	$(PYTHON) tests/run.py --build $(BUILD) --tsan $(TSAN_BUILD) \
		--fuzz-seconds $(TEST_FUZZ_SECONDS) --fuzz-jobs $(FUZZ_JOBS)

# ThreadSanitizer: sockcostd and sockcost from the same sources and layer
# rules in their own build directory; the daemon tests run against them and
# any TSan report fails (tests/run.py --tsan). -Wno-tsan: the change ring's
# reader (user/model/changes.c) fences reads of slots the BPF programs write,
# a fence gcc's TSan does not model, and the kernel's side it cannot see.
TSAN_BUILD  := $(BUILD)/tsan
TSAN_CFLAGS := -O1 -g -fsanitize=thread -fno-omit-frame-pointer -Wno-tsan
TSAN_UNITS  := $(TSAN_BUILD)/tests/test_json_items
tsan-bins: $(TSAN_UNITS)
	$(MAKE) BUILD=$(TSAN_BUILD) CFLAGS='$(TSAN_CFLAGS)' $(TSAN_BUILD)/sockcost $(TSAN_BUILD)/sockcostd

# Unit tests of code that runs threads, under TSan too (tests/run.py --tsan
# runs every test_* in $(TSAN_BUILD)/tests): built from the sources they test,
# not the ASan libraries the other unit tests link.
$(TSAN_BUILD)/tests/test_json_items: tests/unit/test_json_items.c user/render/json_items.c \
		user/render/json_writer.c user/base/force.c user/base/utf8.c $(HEADERS)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $(TSAN_CFLAGS) $(INC_render) $(filter %.c,$^) -lcmocka -lm -lpthread -o $@

tsan: deps
	$(MAKE) tsan-bins
	$(PYTHON) tests/run.py --build $(BUILD) --tsan $(TSAN_BUILD) --tsan-only

unit-bins: $(UNIT_BINS)

# Programs the integration tests run (plain C where Python cannot do it).
TEST_HELPERS := $(BUILD)/tests/helpers/zombie_leader $(BUILD)/tests/helpers/summary_check \
	$(BUILD)/tests/helpers/live_check
test-helpers: $(TEST_HELPERS)

# A helper that drives the library itself links it.
$(BUILD)/tests/helpers/summary_check $(BUILD)/tests/helpers/live_check: \
		$(BUILD)/tests/helpers/%: tests/integration/%.c tests/integration/print_summary.c \
		tests/integration/print_summary.h $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $(INC_tools) -Itests/integration $(filter %.c %.a,$^) $(LDLIBS) -o $@

$(BUILD)/tests/helpers/%: tests/integration/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $< -lpthread -o $@

BENCH_SCRIPTS := snapshot_scale.sh filter.sh overhead.sh churn.sh top_cost.sh scrape.sh
bench: deps
	$(MAKE) all $(BUILD)/bench/loadgen
	@for s in $(BENCH_SCRIPTS); do echo "== $$s"; bash tests/bench/$$s || exit 1; done

# Issue 16's scale (1M connections) and soak: too long for bench and CI.
bench-million: deps
	$(MAKE) all $(BUILD)/bench/loadgen
	BUILD=$(BUILD) bash tests/bench/million.sh

soak: deps
	$(MAKE) all $(BUILD)/bench/loadgen
	BUILD=$(BUILD) bash tests/bench/soak.sh

$(BUILD)/bench/loadgen: tests/bench/loadgen.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $< -o $@

bench-memory: $(BUILD)/bench/mirror_mem
	$(BUILD)/bench/mirror_mem --walks 2

# sockcostd's per-socket memory from synthetic records (issue 16): no sockets, no root.
$(BUILD)/bench/mirror_mem: tests/bench/mirror_mem.c $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $(INC_model) $(filter %.c %.a,$^) $(LDLIBS) -o $@

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# One linked object, so every program shares the same maps.
$(BUILD)/sockcost.bpf.o: $(BPF_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(SKEL): $(BUILD)/sockcost.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name sockcost > $@

$(BUILD)/sock_destroy.bpf.o: $(BUILD)/bpf/sock_destroy.bpf.o
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(DESTROY_SKEL): $(BUILD)/sock_destroy.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name sc_sock_destroy > $@

# The skeletons must exist before the first compile generates .d files.
$(LIB_OBJS) $(CLI_OBJS) $(DAEMON_OBJS): | $(SKEL) $(DESTROY_SKEL)

$(BUILD)/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LAYER_INC) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/sockcost: $(CLI_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) $(CLI_LDLIBS) -o $@

$(BUILD)/sockcostd: $(DAEMON_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) $(DAEMON_LDLIBS) -o $@

# Unit tests link the pure layers (every file in them) and top's files,
# compiled once with ASan and UBSan into archives: a test pulls in only what
# it calls, and one that reaches the loader or /proc fails to link.
PURE_SRCS := $(foreach l,$(PURE_LAYERS),$(wildcard user/$(l)/*.c))
SAN_PURE  := $(BUILD)/san/libpure.a
SAN_TOP   := $(BUILD)/san/libtop.a
SAN_CFLAGS = $(filter-out -MMD -MP,$(CFLAGS)) $(SANITIZE)

$(BUILD)/san/%.o: %.c $(HEADERS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN_CFLAGS) $(LAYER_INC) -c $< -o $@

$(SAN_PURE): $(PURE_SRCS:%.c=$(BUILD)/san/%.o)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(SAN_TOP): $(patsubst %.c,$(BUILD)/san/%.o,$(wildcard tools/top/*.c)) | $(SKEL)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/tests/test_%: tests/unit/test_%.c $(SAN_TOP) $(SAN_PURE) $(HEADERS)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN_CFLAGS) $(INC_tools) $< $(SAN_TOP) $(SAN_PURE) -lcmocka $(call pc_libs,yaml-0.1,-lyaml) -lz -lm -lpthread -o $@

# libFuzzer harnesses over what outsiders feed sockcost (tests/fuzz/fuzz_*.c):
# every user/ source (and top's option parser) again with clang, libFuzzer's
# coverage, ASan and UBSan into $(FUZZ_DIR), since gcc's objects carry no
# coverage. tests/fuzz/runner.py replays tests/fuzz/regressions/NAME/ and the
# seeds, then fuzzes each harness FUZZ_SECONDS on a copy of
# tests/fuzz/corpus/NAME/ (the committed seeds are never written), FUZZ_JOBS
# at once; a crash, leak, UB report or hang fails. make test runs each for
# TEST_FUZZ_SECONDS.
FUZZ_SECONDS ?= 300
TEST_FUZZ_SECONDS ?= 30
FUZZ_JOBS    ?= 2
FUZZ_CC      ?= clang-14
FUZZ_DIR     := $(BUILD)/fuzz
# -Wno-string-concatenation: clang reads the metric tables' long help texts,
# literals split over lines, as a missing comma; -Wno-sign-compare: glibc's
# NLMSG_OK compares signed with unsigned, which gcc forgives a system macro
# and clang does not (the gcc build keeps both warnings).
FUZZ_CFLAGS  := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-string-concatenation -Wno-sign-compare \
	-fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_LIB_SRCS := $(LIB_SRCS) $(DAEMON_SRCS) tools/top/top_args.c tools/top/top_model.c
FUZZ_LIB     := $(FUZZ_DIR)/libfuzz.a
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_DIR)/%)

$(foreach l,$(LIB_LAYERS) daemon,$(eval $(FUZZ_DIR)/user/$(l)/%.o: LAYER_INC := $(INC_$(l))))
$(FUZZ_DIR)/tools/%.o: LAYER_INC := $(INC_tools)

$(FUZZ_DIR)/%.o: %.c | $(SKEL) $(DESTROY_SKEL)
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP $(LAYER_INC) -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_SRCS:%.c=$(FUZZ_DIR)/%.o)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# A harness reaches any layer: it feeds the parsers of every one.
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	$(call msg,FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP $(INC_tools) -Iuser/daemon \
		$< $(FUZZ_LIB) $(LDLIBS) $(DAEMON_LDLIBS) -o $@

.PHONY: fuzz fuzz-bins
fuzz-bins: $(FUZZ_BINS)

fuzz: deps
	$(MAKE) fuzz-bins
	$(PYTHON) tests/fuzz/runner.py --seconds $(FUZZ_SECONDS) --jobs $(FUZZ_JOBS) $(FUZZ_BINS)

# Man pages, generated from each command's --help (tools/mkman.sh): one for
# sockcost, one per sockcost command, one for sockcostd.
CLI_COMMANDS := snapshot top cost close
MAN_DIR   := $(BUILD)/man
MAN1      := $(MAN_DIR)/sockcost.1 $(CLI_COMMANDS:%=$(MAN_DIR)/sockcost-%.1)
MAN8      := $(MAN_DIR)/sockcostd.8
man: $(MAN1) $(MAN8)

$(MAN_DIR)/sockcost.1: $(BUILD)/sockcost tools/mkman.sh
	$(call msg,MAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)tools/mkman.sh -a '$(foreach c,$(CLI_COMMANDS),sockcost-$(c)(1)) sockcostd(8)' 1 $< > $@

$(MAN_DIR)/sockcost-%.1: $(BUILD)/sockcost tools/mkman.sh
	$(call msg,MAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)tools/mkman.sh -a 'sockcost(1) sockcostd(8)' 1 $< $* > $@

$(MAN_DIR)/sockcostd.8: $(BUILD)/sockcostd tools/mkman.sh
	$(call msg,MAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)tools/mkman.sh -a 'sockcost(1)' 8 $< > $@

# The container image deploy/kubernetes/sockcostd-daemonset.yaml runs: these
# binaries on Debian 12 slim (deploy/image/). The base is debootstrapped once
# from the machine's Debian mirror and cached in IMAGE_BASE_CACHE.
VERSION   := $(shell sed -n 's/^#define SOCKCOST_VERSION "\(.*\)"/\1/p' user/base/version.h)
IMAGE     ?= localhost/sockcost:$(VERSION)
IMAGE_BASE_CACHE ?= /var/cache/sockcost/base-bookworm.tar
image: $(BUILD)/sockcost $(BUILD)/sockcostd
	IMAGE_BASE_CACHE=$(IMAGE_BASE_CACHE) deploy/image/build.sh $(BUILD) $(IMAGE)

# make install [PREFIX=/usr/local] [DESTDIR=staging dir]: sockcost to
# BINDIR, sockcostd to SBINDIR, the man pages to MANDIR, the systemd unit
# to SYSTEMD_UNIT_DIR with ExecStart pointing at SBINDIR (the file in deploy/
# names /usr/local/sbin), and the Prometheus rules and Grafana dashboard to
# SHAREDIR for the monitoring setup to pick up. Nothing is enabled or started.
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
SBINDIR   ?= $(PREFIX)/sbin
MANDIR    ?= $(PREFIX)/share/man
SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system
SHAREDIR  ?= $(PREFIX)/share/sockcost
INSTALL   ?= install
UNIT      := deploy/systemd/sockcostd.service
PROM_RULES := deploy/prometheus/sockcost-rules.yml
DASHBOARD := deploy/grafana/sockcost.json

install: $(BUILD)/sockcost $(BUILD)/sockcostd $(MAN1) $(MAN8) $(UNIT) $(PROM_RULES) $(DASHBOARD)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSTEMD_UNIT_DIR) \
		$(DESTDIR)$(SHAREDIR)/prometheus $(DESTDIR)$(SHAREDIR)/grafana
	$(INSTALL) -m 0644 $(PROM_RULES) $(DESTDIR)$(SHAREDIR)/prometheus
	$(INSTALL) -m 0644 $(DASHBOARD) $(DESTDIR)$(SHAREDIR)/grafana
	$(INSTALL) -m 0755 $(BUILD)/sockcost $(DESTDIR)$(BINDIR)/sockcost
	$(INSTALL) -m 0755 $(BUILD)/sockcostd $(DESTDIR)$(SBINDIR)/sockcostd
	$(INSTALL) -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8
	sed 's|/usr/local/sbin/sockcostd|$(SBINDIR)/sockcostd|g' $(UNIT) \
		> $(DESTDIR)$(SYSTEMD_UNIT_DIR)/sockcostd.service
	chmod 0644 $(DESTDIR)$(SYSTEMD_UNIT_DIR)/sockcostd.service

# Only the files install wrote, and SHAREDIR's folders once empty; stop the
# service first (systemctl disable --now sockcostd).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sockcost $(DESTDIR)$(SBINDIR)/sockcostd \
		$(MAN1:$(MAN_DIR)/%=$(DESTDIR)$(MANDIR)/man1/%) \
		$(MAN8:$(MAN_DIR)/%=$(DESTDIR)$(MANDIR)/man8/%) \
		$(DESTDIR)$(SYSTEMD_UNIT_DIR)/sockcostd.service \
		$(DESTDIR)$(SHAREDIR)/prometheus/$(notdir $(PROM_RULES)) \
		$(DESTDIR)$(SHAREDIR)/grafana/$(notdir $(DASHBOARD))
	for d in $(DESTDIR)$(SHAREDIR)/prometheus $(DESTDIR)$(SHAREDIR)/grafana $(DESTDIR)$(SHAREDIR); do \
		[ ! -d $$d ] || rmdir --ignore-fail-on-non-empty $$d; done

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d $(BUILD)/*/*/*/*.d)

# --- vmtest: the BPF integration and e2e suites in a qemu guest (tests/vm/) ---
# Debian 12's 6.1 kernel under TCG, on the host's own root over 9p: the fexit
# activity hook, which this host refuses. vmtest-all adds the cloud and
# PREEMPT_RT flavours. VMTEST_NOCONFIG=1: no kernel config in the guest (HZ
# from jiffies_64); VMTEST_SERIES=6.12: bookworm's 6.12 kernels instead.
VM_PKGS := qemu-system-x86 busybox-static
VM_FLAVOURS_ALL := amd64 cloud-amd64 rt-amd64

.PHONY: vmtest vmtest-all vmtest-hook-cost vm-deps

vm-deps:
	@missing=$$(for p in $(VM_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done | tr '\n' ' '); missing=$$(echo $$missing); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" -ne 0 ]; then \
		echo "missing packages; install them with:"; \
		echo "  sudo apt-get install -y $$missing"; exit 1; \
	fi; \
	echo "installing: $$missing"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing

vmtest: deps vm-deps
	$(MAKE) all test-helpers
	BUILD=$(BUILD) bash tests/vm/run.sh amd64

vmtest-all: deps vm-deps
	$(MAKE) all test-helpers
	BUILD=$(BUILD) bash tests/vm/run.sh $(VM_FLAVOURS_ALL)

# Per-call run time of the activity programs (fexit on 6.1) under ping-pong load.
vmtest-hook-cost: deps vm-deps
	$(MAKE) all $(BUILD)/bench/loadgen
	BUILD=$(BUILD) VMTEST_MODE=hook_cost bash tests/vm/run.sh amd64
