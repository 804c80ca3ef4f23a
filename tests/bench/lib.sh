# Shared by the benchmark scripts: build paths, load holders, timing, cleanup.
# shellcheck shell=bash
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
SOCKCOST=${SOCKCOST:-$BUILD/sockcost}
LOADGEN=${LOADGEN:-$BUILD/bench/loadgen}
PAIRS_PER_PROCESS=9900 # the fd hard limit here is 20,000: 2 fds a pair, plus a few

HOLDER_PIDS=()
HOLDER_FIFO_DIR=$(mktemp -d /tmp/sockcost-bench.XXXXXX)
HOLDER_NETNS= # set while unaccepted holders run in a namespace of our own

cleanup() {
	local pid
	for pid in "${HOLDER_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${HOLDER_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	HOLDER_PIDS=()
	if [ -n "$HOLDER_NETNS" ]; then
		ip netns del "$HOLDER_NETNS" 2>/dev/null || true
		HOLDER_NETNS=
	fi
	rm -rf "$HOLDER_FIFO_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "benchmarks load BPF programs: run as root" >&2
		exit 1
	fi
	[ -x "$SOCKCOST" ] && [ -x "$LOADGEN" ] || { echo "run 'make bench' (builds first)" >&2; exit 1; }
}

# start_holders CONNECTIONS ACTIVE_PERCENT SECONDS [unaccepted]: spreads
# CONNECTIONS loopback pairs over as many processes as the fd limit needs; sets
# HOLDERS (pids). With "unaccepted", the server ends of idle pairs stay in
# accept queues, held by no process, as a server's remote peers would be: the
# holders then run in a network namespace made here, whose somaxconn can be
# raised without touching the host's.
start_holders() {
	local total=$1 active_pct=$2 seconds=$3 mode=${4:-}
	local procs=$(( (total + PAIRS_PER_PROCESS - 1) / PAIRS_PER_PROCESS ))
	local i pairs out run=() extra=()
	HOLDERS=()
	if [ "$mode" = unaccepted ]; then
		HOLDER_NETNS=sockcost-bench-$$
		ip netns add "$HOLDER_NETNS"
		ip netns exec "$HOLDER_NETNS" ip link set lo up
		ip netns exec "$HOLDER_NETNS" sysctl -qw net.core.somaxconn=$((PAIRS_PER_PROCESS + 100))
		run=(ip netns exec "$HOLDER_NETNS")
		extra=(--unaccepted)
	fi
	for ((i = 0; i < procs; i++)); do
		pairs=$(( total / procs + (i < total % procs ? 1 : 0) ))
		out="$HOLDER_FIFO_DIR/holder.$i"
		"${run[@]}" "$LOADGEN" hold --pairs "$pairs" --active $(( pairs * active_pct / 100 )) \
			--interval-ms 500 --bytes 64 "${extra[@]}" --seconds "$seconds" >"$out" &
		HOLDER_PIDS+=($!)
		HOLDERS+=($!)
	done
	for ((i = 0; i < procs; i++)); do
		wait_for_line "$HOLDER_FIFO_DIR/holder.$i" '^ready' "${HOLDERS[$i]}"
	done
}

# wait_for_line FILE PATTERN PID: until FILE has PATTERN, PID dies (fail) or 60 s pass (fail).
wait_for_line() {
	local file=$1 pattern=$2 pid=$3 deadline=$((SECONDS + 60))
	until grep -q "$pattern" "$file" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || { echo "process $pid died:" >&2; cat "$file" >&2; exit 1; }
		[ "$SECONDS" -lt "$deadline" ] || { echo "timed out waiting for '$pattern'" >&2; exit 1; }
		sleep 0.05
	done
}

# forget PID: it was waited for; cleanup must not signal a reused pid.
forget() {
	local pid keep=()
	for pid in "${HOLDER_PIDS[@]}"; do
		[ "$pid" = "$1" ] || keep+=("$pid")
	done
	HOLDER_PIDS=("${keep[@]}")
}

stop_holders() {
	cleanup
	HOLDER_FIFO_DIR=$(mktemp -d /tmp/sockcost-bench.XXXXXX)
}

# timed OUTVAR CMD...: runs CMD with output discarded; OUTVAR gets "WALL_S MAXRSS_KB".
timed() {
	local __var=$1 f=$HOLDER_FIFO_DIR/time.out
	shift
	/usr/bin/time -f '%e %M' -o "$f" "$@" >/dev/null 2>&1
	printf -v "$__var" '%s' "$(tail -n 1 "$f")"
}

# median_timed OUTVAR RUNS CMD...: the run with the median wall time.
median_timed() {
	local __var=$1 runs=$2
	shift 2
	local i r all=()
	for ((i = 0; i < runs; i++)); do
		timed r "$@"
		all+=("$r")
	done
	r=$(printf '%s\n' "${all[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
	printf -v "$__var" '%s' "$r"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }
