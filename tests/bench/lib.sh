# Shared by the benchmark scripts: build paths, load holders, timing, cleanup.
# shellcheck shell=bash
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
SOCKCOST=${SOCKCOST:-$BUILD/sockcost}
LOADGEN=${LOADGEN:-$BUILD/bench/loadgen}
SOCKCOSTD=${SOCKCOSTD:-$BUILD/sockcostd}
PYTHON=${PYTHON:-/usr/bin/python3}
# shellcheck disable=SC2034 # clock ticks of /proc/PID/stat, for the scripts that source this
HZ=$(getconf CLK_TCK)
PAIRS_PER_PROCESS=9900 # the fd hard limit here is 20,000: 2 fds a pair, plus a few
# Unaccepted holders need one fd a connection (two for an active one); a
# bench that wants them packed sets this from fit_unaccepted.
UNACCEPTED_PER_PROCESS=${UNACCEPTED_PER_PROCESS:-$PAIRS_PER_PROCESS}
ACTIVE_INTERVAL_MS=${ACTIVE_INTERVAL_MS:-500} # active clients send ACTIVE_BYTES this often
ACTIVE_BYTES=${ACTIVE_BYTES:-64}
HOLD_READY_TIMEOUT=${HOLD_READY_TIMEOUT:-60} # seconds for each holder to connect all its pairs

HOLDER_PIDS=()
HOLDER_FIFO_DIR=$(mktemp -d /tmp/sockcost-bench.XXXXXX)
HOLDER_NETNS= # set while unaccepted holders run in a namespace of our own
# The daemons started here serve `snapshot`'s table on a socket of the run's
# own, and the CLI asks there: never the host's sockcostd.
export SOCKCOST_SOCKET=$HOLDER_FIFO_DIR/sockcostd.sock

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

# start_holders CONNECTIONS ACTIVE_PERCENT SECONDS [unaccepted|netns]: spreads
# CONNECTIONS loopback pairs over as many processes as the fd limit needs; sets
# HOLDERS (pids) and HOLD_ACTIVE (active pairs in all). With "unaccepted", the
# server ends of idle pairs stay in accept queues, held by no process, as a
# server's remote peers would be: the holders then run in a network namespace
# made here (HOLDER_NETNS), whose somaxconn can be raised without touching the
# host's; "netns" holds both ends there, away from the host's own traffic.
# Each process's clients connect from source addresses of their own, at most
# half the ephemeral port range each. Sets HOLD_SETUP_S and the kernel memory
# the load took (HOLD_SLAB_KB, HOLD_SUNRECLAIM_KB: /proc/meminfo after minus
# before; see report_load).
start_holders() {
	local total=$1 active_pct=$2 seconds=$3 mode=${4:-}
	local per=$PAIRS_PER_PROCESS
	[ "$mode" = unaccepted ] && per=$UNACCEPTED_PER_PROCESS
	local procs=$(( (total + per - 1) / per ))
	local i pairs out run=() extra=() lo hi per_src srcs t0 slab0 sunr0
	HOLDERS=()
	HOLD_ACTIVE=0
	if [ -n "$mode" ]; then
		HOLDER_NETNS=sockcost-bench-$$
		ip netns add "$HOLDER_NETNS"
		ip netns exec "$HOLDER_NETNS" ip link set lo up
		ip netns exec "$HOLDER_NETNS" sysctl -qw net.core.somaxconn=$((per + 100))
		run=(ip netns exec "$HOLDER_NETNS")
	fi
	[ "$mode" = unaccepted ] && extra=(--unaccepted)
	read -r lo hi < <("${run[@]}" sysctl -n net.ipv4.ip_local_port_range)
	per_src=$(( (hi - lo + 1) / 2 ))
	[ "$per_src" -le 10000 ] || per_src=10000
	srcs=$(( (per + per_src - 1) / per_src ))
	slab0=$(meminfo_kb Slab)
	sunr0=$(meminfo_kb SUnreclaim)
	t0=$(date +%s.%N)
	for ((i = 0; i < procs; i++)); do
		pairs=$(( total / procs + (i < total % procs ? 1 : 0) ))
		HOLD_ACTIVE=$(( HOLD_ACTIVE + pairs * active_pct / 100 ))
		out="$HOLDER_FIFO_DIR/holder.$i"
		# Sources from 127.1.0.1 up: clear of churn's 127.0.0.1-64.
		"${run[@]}" "$LOADGEN" hold --pairs "$pairs" --active $(( pairs * active_pct / 100 )) \
			--interval-ms "$ACTIVE_INTERVAL_MS" --bytes "$ACTIVE_BYTES" "${extra[@]}" \
			--src-first $(( 65536 + i * srcs )) --per-src "$per_src" \
			--seconds "$seconds" >"$out" &
		HOLDER_PIDS+=($!)
		HOLDERS+=($!)
	done
	for ((i = 0; i < procs; i++)); do
		wait_for_line "$HOLDER_FIFO_DIR/holder.$i" '^ready' "${HOLDERS[$i]}" "$HOLD_READY_TIMEOUT"
	done
	HOLD_SETUP_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	HOLD_SLAB_KB=$(( $(meminfo_kb Slab) - slab0 ))
	HOLD_SUNRECLAIM_KB=$(( $(meminfo_kb SUnreclaim) - sunr0 ))
	HOLD_SOURCES=$(( procs * srcs ))
}

meminfo_kb() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }

# report_load SOCKETS: what start_holders' load took, per established socket.
# Kernel memory is host-wide: whatever else runs meanwhile is in it too.
report_load() {
	awk -v s="$1" -v slab="$HOLD_SLAB_KB" -v sunr="$HOLD_SUNRECLAIM_KB" -v t="$HOLD_SETUP_S" \
		-v src="$HOLD_SOURCES" 'BEGIN {
		printf "  load set up in %s s (%d source addresses); kernel memory it took: Slab %+.1f MiB", t, src, slab / 1024
		printf " (SUnreclaim %+.1f MiB), %.0f B per established socket\n", sunr / 1024, (s > 0 ? slab * 1024 / s : 0) }'
}

# wait_for_line FILE PATTERN PID [SECS]: until FILE has PATTERN, PID dies (fail) or SECS (60) pass (fail).
wait_for_line() {
	local file=$1 pattern=$2 pid=$3 deadline=$((SECONDS + ${4:-60}))
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

# fit_unaccepted ACTIVE_PERCENT: the most unaccepted connections one holder
# keeps under the fd hard limit, with 100 fds spare (listener, stdio).
fit_unaccepted() { echo $(( ($(ulimit -Hn) - 100) * 100 / (100 + $1) )); }

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }

# start_daemon [SECS] -- ARGS...: sockcostd serving on a free loopback port
# with ARGS, its log appended to DAEMON_LOG (kept across restarts until
# stop_holders); sets DAEMON and PORT. Fails if it does not answer /healthz
# within SECS (60): its first walk comes first.
start_daemon() {
	local secs=60 deadline
	DAEMON_LOG=$HOLDER_FIFO_DIR/sockcostd.log
	if [ "$1" != -- ]; then secs=$1; shift; fi
	shift
	[ -x "$SOCKCOSTD" ] || { echo "run 'make bench' (builds sockcostd first)" >&2; exit 1; }
	PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$SOCKCOSTD" --listen "127.0.0.1:$PORT" "$@" 2>>"$DAEMON_LOG" &
	DAEMON=$!
	HOLDER_PIDS+=("$DAEMON") # cleanup stops it
	deadline=$((SECONDS + secs))
	until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do
		kill -0 "$DAEMON" 2>/dev/null || { cat "$DAEMON_LOG" >&2; exit 1; }
		[ "$SECONDS" -lt "$deadline" ] || { echo "sockcostd did not start" >&2; exit 1; }
		sleep 0.1
	done
}

stop_daemon() {
	kill -TERM "$DAEMON"
	wait "$DAEMON" || { echo "  FAIL: sockcostd exited $?" >&2; tail "$DAEMON_LOG" >&2; exit 1; }
	forget "$DAEMON"
}

# scrape: /metrics into $HOLDER_FIFO_DIR/metrics; prints its wall time in seconds.
scrape() { curl -sf -o "$HOLDER_FIFO_DIR/metrics" -w '%{time_total}' "http://127.0.0.1:$PORT/metrics"; }
metric() { awk -v m="$1" '$1 == m { print $2 }' "$HOLDER_FIFO_DIR/metrics"; }
# metric_ms NAME DECIMALS: a seconds metric of the last scrape, in ms.
metric_ms() { awk -v s="$(metric "$1")" -v d="$2" 'BEGIN { printf "%.*f", d, s * 1000 }'; }

# pct_of_core TICKS T0 T1: CPU ticks over a wall-clock span, % of one core.
pct_of_core() { awk -v c="$1" -v hz="$HZ" -v a="$2" -v b="$3" 'BEGIN { printf "%.2f", 100 * c / hz / (b - a) }'; }

# daemon_cpu_pct WINDOWS INTERVAL: sockcostd's whole CPU, % of one core, over
# WINDOWS intervals with one scrape each, as Prometheus scrapes.
daemon_cpu_pct() {
	local c0 c1 t0 t1 i
	c0=$(cpu_ticks "$DAEMON")
	t0=$(date +%s.%N)
	for ((i = 0; i < $1; i++)); do
		scrape >/dev/null
		sleep "$2"
	done
	c1=$(cpu_ticks "$DAEMON")
	t1=$(date +%s.%N)
	pct_of_core $((c1 - c0)) "$t0" "$t1"
}

# `sockcost top -b` frames written to FILE so far.
frames_written() { grep -c '^sockcost top - ' "$1" 2>/dev/null || true; }

# wait_frames FILE N PID: until FILE holds N frames (fails if PID dies or 10 min pass).
wait_frames() {
	local file=$1 n=$2 pid=$3 deadline=$((SECONDS + 600))
	until [ "$(frames_written "$file")" -ge "$n" ]; do
		kill -0 "$pid" 2>/dev/null || { echo "sockcost top died" >&2; exit 1; }
		[ "$SECONDS" -lt "$deadline" ] || { echo "timed out waiting for frame $n" >&2; exit 1; }
		sleep 0.05
	done
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }

# rounds NAME:CMD...: RUNS rounds of every command in turn; sets R_<NAME> to
# "MEDIAN_S MAXRSS_KB MIN_S MAX_S". Commands are strings, split on spaces; RUNS is
# the caller's.
rounds() {
	local i spec name r
	declare -A by_name=()
	for ((i = 0; i < ${RUNS:?}; i++)); do
		for spec in "$@"; do
			name=${spec%%:*}
			# shellcheck disable=SC2086 # the command is words
			timed r ${spec#*:}
			by_name[$name]+="$r"$'\n'
		done
	done
	for spec in "$@"; do
		name=${spec%%:*}
		printf -v "R_$name" '%s' "$(printf '%s' "${by_name[$name]}" | sort -n | awk -v m=$(( (RUNS + 1) / 2 )) '
			NR == 1 { lo = $1 } NR == m { med = $1; kb = $2 } { hi = $1 }
			END { print med, kb, lo, hi }')"
	done
}
