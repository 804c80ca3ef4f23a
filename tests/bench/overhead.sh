#!/usr/bin/env bash
# Benchmark 2: hot-path overhead. A loopback request/response of 64-byte
# messages (every message is a send and a receive on each side: the worst
# case per byte), alternately with and without sockcost's programs attached.
source "$(dirname "$0")/lib.sh"
require_root

ROUNDS=${ROUNDS:-16}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-2}
SIZE=${SIZE:-64}
# Client and server on fixed CPUs: otherwise runs differ by up to 15% by
# where the scheduler put them, more than the effect being measured.
PIN=--cpus
[ "$(nproc)" -ge 2 ] || PIN=

run_pingpong() {
	"$LOADGEN" pingpong --size "$SIZE" --seconds "$SECONDS_PER_RUN" $PIN | awk '{ print $2 }'
}

# Attaches sockcost (all its programs) for the length of one run.
start_sockcost() {
	local log=$HOLDER_FIFO_DIR/sockcost.err
	"$SOCKCOST" snapshot --json --observe $((SECONDS_PER_RUN + 30)) >/dev/null 2>"$log" &
	SOCKCOST_PID=$!
	HOLDER_PIDS+=("$SOCKCOST_PID")
	wait_for_line "$log" 'watching activity' "$SOCKCOST_PID"
}

# Detaching frees programs and maps in the background: let that settle
# before the next run, which may be one without sockcost.
stop_sockcost() {
	kill -INT "$SOCKCOST_PID"
	wait "$SOCKCOST_PID" || true
	forget "$SOCKCOST_PID"
	sleep 0.5
}

run_with() {
	start_sockcost
	run_pingpong
	stop_sockcost
}

# The kernel's own accounting of the programs' run time (kernel.bpf_stats_enabled).
prog_stats() {
	bpftool prog show --json | jq -r --arg n "$1" \
		'[.[] | select(.name == $n)] | map([.run_cnt // 0, .run_time_ns // 0]) | .[0] // [0, 0] | @tsv'
}

stats_was=$(sysctl -n kernel.bpf_stats_enabled)
restore_stats() { sysctl -q -w kernel.bpf_stats_enabled="$stats_was"; cleanup; }
trap restore_stats EXIT

without=()
with=()
ratios=()
echo "pingpong: $SIZE-byte request/response on one loopback connection, $ROUNDS rounds of ${SECONDS_PER_RUN}s each way"
for ((r = 1; r <= ROUNDS; r++)); do
	# Alternate which run goes first, so neither side always follows the other.
	if ((r % 2)); then
		a=$(run_pingpong)
		b=$(run_with)
	else
		b=$(run_with)
		a=$(run_pingpong)
	fi
	[ -n "$a" ] && [ -n "$b" ] || { echo "round $r failed" >&2; exit 1; }
	without+=("$a")
	with+=("$b")
	ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN { print b / a }')")
	printf '  round %d: without %s round trips/s, with %s round trips/s\n' "$r" "$a" "$b"
done

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# One more run with the kernel's run-time accounting on (it costs a little
# itself, so it stays out of the throughput rounds).
sysctl -q -w kernel.bpf_stats_enabled=1
start_sockcost
run_pingpong >/dev/null
calls=0
prog_ns=0
for p in sc_tp_send sc_tp_recv sc_fexit_send sc_fexit_recv; do
	read -r c t < <(prog_stats "$p")
	calls=$((calls + c))
	prog_ns=$((prog_ns + t))
done
stop_sockcost
sysctl -q -w kernel.bpf_stats_enabled="$stats_was"

# The spread of the per-round ratios: min, quartiles, max, as a loss in percent.
spread_loss() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = (1 - $1) * 100 } END { printf "%.2f%% (best round) .. %.2f%% .. %.2f%% (quartiles) .. %.2f%% (worst round)", v[NR], v[int((3 * NR + 3) / 4)], v[int((NR + 3) / 4)], v[1] }'; }
mw=$(median "${without[@]}")
mwith=$(median "${with[@]}")
mratio=$(median "${ratios[@]}")
# The loss is the median of each round's with/without ratio: the two runs of
# a round are adjacent in time, so slow drifts of this shared VM cancel.
awk -v a="$mw" -v b="$mwith" -v r="$mratio" -v calls="$calls" -v prog_ns="$prog_ns" \
	-v rounds="$ROUNDS" -v spread="$(spread_loss "${ratios[@]}")" 'BEGIN {
	loss = (1 - r) * 100
	# A round trip is 4 hooked calls in series (send and receive on each side).
	ns = (1e9 / b - 1e9 / a) / 4
	printf "  median without sockcost: %.0f round trips/s (%.0f messages/s)\n", a, 2 * a
	printf "  median with sockcost:    %.0f round trips/s (%.0f messages/s)\n", b, 2 * b
	printf "  throughput loss (median of per-round ratios): %.2f%% (target <= 3%%)\n", loss
	printf "  cost per hooked call from throughput: %.0f ns (noisy: the difference of two rates)\n", ns
	printf "  spread of the per-round loss over %d rounds: %s\n", rounds, spread
	if (calls > 0)
		printf "  BPF program run time per send/receive call (kernel accounting, including its own clock reads: hot_path.sh subtracts them): %.0f ns over %d calls\n", prog_ns / calls, calls
}'
