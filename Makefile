# sockcost build. `make` builds build/sockcost; `make V=1` shows commands.
.DELETE_ON_ERROR:
.DEFAULT_GOAL := all

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

CFLAGS    ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -MMD -MP \
	-I$(BUILD) -Ibpf -Iuser -Itools
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -I. -Ibpf -MMD -MP
LDLIBS    := -lbpf -lelf -lz -lm -lpthread -lncurses

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
SKEL      := $(BUILD)/sockcost.skel.h

# Library: the model and kernel access; pure parts also go into unit tests.
# The daemon's own files link only into build/sockcostd.
DAEMON_SRCS := user/sockcostd.c user/http_server.c user/metrics.c $(wildcard user/daemon_*.c)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/tools/args_common.o
DAEMON_LDLIBS := -lmicrohttpd -lcap-ng
LIB_SRCS  := $(filter-out $(DAEMON_SRCS),$(wildcard user/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_SRCS  := $(wildcard tools/*.c)
CLI_OBJS  := $(CLI_SRCS:%.c=$(BUILD)/%.o)
# Pure logic, unit-tested without BPF or root.
PURE_SRCS := user/idle.c user/view.c user/snapshot_build.c user/json_writer.c \
	user/snapshot_json.c user/addr.c user/names.c user/kernel_hz.c user/radix.c user/cgroup.c user/summary_from_view.c user/summary_build.c user/idle_events.c user/marginal.c \
	tools/args_common.c tools/snapshot_args.c \
	tools/format.c \
	tools/top_args.c tools/top_model.c tools/top_rows.c tools/top_cells.c \
	user/daemon_args.c user/metrics.c
# What connections cost (issue 4).
PURE_SRCS += user/group.c user/slab.c user/epoll_watch.c user/cost.c user/cost_json.c tools/cost_args.c
# `top` between walks (issue 6).
PURE_SRCS += user/mirror.c user/changes.c
SANITIZE  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
HEADERS   := $(wildcard bpf/*.h user/*.h tools/*.h)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

DEBIAN_PKGS := make gcc libc6-dev clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config \
	libcmocka-dev python3 python3-pytest iproute2 jq time \
	libncurses-dev tmux libmicrohttpd-dev libcap-ng-dev prometheus python3-yaml

.PHONY: all deps run test unit-bins test-helpers bench vmlinux clean help quiet-prometheus

all: $(BUILD)/sockcost $(BUILD)/sockcostd

help:
	@echo "make          build build/sockcost and build/sockcostd"
	@echo "make deps     install missing Debian/Ubuntu packages (root), or print the apt-get line"
	@echo "make run      deps, build, then 'sockcost snapshot' (root)"
	@echo "make test     deps, build, unit and BPF integration tests (root for BPF tests)"
	@echo "make bench    benchmarks: snapshot at scale, hot-path overhead, churn (root, minutes)"
	@echo "make vmlinux  regenerate vmlinux.h from /sys/kernel/btf/vmlinux"

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
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing && \
	case " $$missing " in *" prometheus "*) $(MAKE) --no-print-directory quiet-prometheus;; esac

# The prometheus package starts its own server (:9090) and node exporter
# (:9100) at install and boot; the tests start their own Prometheus. Only run
# right after deps installed the package, never against an admin's own setup.
PACKAGED_SERVICES := prometheus prometheus-node-exporter
quiet-prometheus:
	@for s in $(PACKAGED_SERVICES); do \
		[ -e /lib/systemd/system/$$s.service ] || [ -e /etc/init.d/$$s ] || continue; \
		echo "stopping and disabling the packaged $$s service"; \
		if [ -d /run/systemd/system ]; then systemctl disable --now $$s >/dev/null 2>&1 || true; \
		else systemctl disable $$s >/dev/null 2>&1 || true; \
			[ -x /etc/init.d/$$s ] && /etc/init.d/$$s stop >/dev/null 2>&1 || true; \
			update-rc.d $$s disable >/dev/null 2>&1 || true; fi; \
	done

run: deps
	$(MAKE) all
	$(BUILD)/sockcost snapshot

test: deps
	$(MAKE) all unit-bins test-helpers
	$(PYTHON) tests/run.py --build $(BUILD)

unit-bins: $(UNIT_BINS)

# Programs the integration tests run (plain C where Python cannot do it).
TEST_HELPERS := $(BUILD)/tests/helpers/zombie_leader $(BUILD)/tests/helpers/summary_check \
	$(BUILD)/tests/helpers/live_check
test-helpers: $(TEST_HELPERS)

# A helper that drives the library itself links it.
$(BUILD)/tests/helpers/summary_check $(BUILD)/tests/helpers/live_check: \
		$(BUILD)/tests/helpers/%: tests/integration/%.c tests/integration/print_summary.c \
		tests/integration/print_summary.h $(LIB_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -MMD -MP,$(CFLAGS)) -Itests/integration $(filter %.c %.o,$^) $(LDLIBS) -o $@

$(BUILD)/tests/helpers/%: tests/integration/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $< -lpthread -o $@

BENCH_SCRIPTS := snapshot_scale.sh overhead.sh churn.sh top_cost.sh scrape.sh
bench: deps
	$(MAKE) all $(BUILD)/bench/loadgen
	@for s in $(BENCH_SCRIPTS); do echo "== $$s"; bash tests/bench/$$s || exit 1; done

$(BUILD)/bench/loadgen: tests/bench/loadgen.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $< -o $@

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c vmlinux.h | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# One linked object, so every program shares the same maps.
$(BUILD)/sockcost.bpf.o: $(BPF_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(SKEL): $(BUILD)/sockcost.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name sockcost > $@

# The skeleton must exist before the first compile generates .d files.
$(LIB_OBJS) $(CLI_OBJS) $(DAEMON_OBJS): | $(SKEL)

$(BUILD)/%.o: %.c | $(BUILD)/user $(BUILD)/tools $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/sockcost: $(CLI_OBJS) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/sockcostd: $(DAEMON_OBJS) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) $(DAEMON_LDLIBS) -o $@

# Unit tests link the pure sources, compiled once with ASan and UBSan.
SAN_OBJS  := $(PURE_SRCS:%.c=$(BUILD)/san/%.o)

$(BUILD)/san/%.o: %.c $(HEADERS) | $(SKEL)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $(SANITIZE) -c $< -o $@

$(BUILD)/tests/test_%: tests/unit/test_%.c $(SAN_OBJS) $(HEADERS) | $(BUILD)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $(SANITIZE) $< $(SAN_OBJS) -lcmocka -lz -lm -lpthread -o $@

$(BUILD)/bpf $(BUILD)/user $(BUILD)/tools $(BUILD)/tests:
	$(Q)mkdir -p $@ $(BUILD)/tests/unit

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d)

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
