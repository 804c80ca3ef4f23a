#!/usr/bin/env bash
# Per-call cost of sockcost's activity hook on this kernel: which hook it got
# (tracepoint on 6.3+, fexit before), then tests/bench/overhead.sh's ping-pong
# rounds with and without sockcost and the kernel's own accounting of the
# programs' run time (kernel.bpf_stats_enabled: run_time_ns / run_cnt).
# Runs on the host or, through `make vmtest-hook-cost`, in the qemu guest.
# run_time_ns covers the program body only, not the trampoline (fexit) or
# the tracepoint's call into it; the with/without throughput includes both.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
[ -x "$BUILD/bench/loadgen" ] || { echo "hook_cost.sh: build $BUILD/bench/loadgen first" >&2; exit 1; }

hook=$("$BUILD/sockcost" snapshot --json | jq -r .activity_hook)
echo "kernel $(uname -r), activity hook: $hook, $(nproc) CPUs"
ROUNDS=${ROUNDS:-3} SECONDS_PER_RUN=${SECONDS_PER_RUN:-3} BUILD=$BUILD bash "$ROOT/tests/bench/overhead.sh"
