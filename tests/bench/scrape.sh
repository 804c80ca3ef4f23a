#!/usr/bin/env bash
# Benchmark: the cost of being scraped. sockcostd with 10K, 50K and 100K
# established loopback connections held (5% active), walking every 15 s:
# /metrics latency (curl, median of RUNS), daemon CPU per scrape, the
# walk's own duration, the daemon's whole CPU averaged over WINDOWS walk
# intervals with one scrape per interval (utime+stime from /proc/PID/stat),
# and RSS after scraping and its peak. Targets at 100K: scrape <= 50 ms,
# <= 1% of one core at a 15 s interval, RSS <= 64 MB (reported, not
# enforced). Checks that the scrape counts the held connections.
source "$(dirname "$0")/lib.sh"
require_root

SOCKCOSTD=${SOCKCOSTD:-$BUILD/sockcostd}
SIZES=${SIZES:-"10000 50000 100000"}
RUNS=${RUNS:-5}
INTERVAL=${INTERVAL:-15}
WINDOWS=${WINDOWS:-3}
HZ=$(getconf CLK_TCK)
[ -x "$SOCKCOSTD" ] || { echo "run 'make bench' (builds sockcostd first)" >&2; exit 1; }

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

start_daemon() {
	local log=$HOLDER_FIFO_DIR/sockcostd.log
	PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$SOCKCOSTD" --no-pin --listen "127.0.0.1:$PORT" --top-processes 20 \
		--interval "$INTERVAL" 2>"$log" &
	DAEMON=$!
	HOLDER_PIDS+=("$DAEMON") # lib.sh's cleanup stops it
	local deadline=$((SECONDS + 60))
	until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do
		kill -0 "$DAEMON" 2>/dev/null || { cat "$log" >&2; exit 1; }
		[ "$SECONDS" -lt "$deadline" ] || { echo "sockcostd did not start" >&2; exit 1; }
		sleep 0.1
	done
}

stop_daemon() {
	kill -TERM "$DAEMON"
	wait "$DAEMON" || { echo "  FAIL: sockcostd exited $?" >&2; exit 1; }
	forget "$DAEMON"
}

scrape() { curl -sf -o "$HOLDER_FIFO_DIR/metrics" -w '%{time_total}' "http://127.0.0.1:$PORT/metrics"; }
metric() { awk -v m="$1" '$1 == m { print $2 }' "$HOLDER_FIFO_DIR/metrics"; }

for n in $SIZES; do
	start_holders "$n" 5 600
	start_daemon
	echo "connections=$n sockets=$((2 * n)) holders=${#HOLDERS[@]}"
	scrape >/dev/null # warm-up
	held=$(metric sockcost_connections)
	[ "$held" -ge $((2 * n)) ] || { echo "  FAIL: sockcost_connections $held < $((2 * n))" >&2; exit 1; }

	lat=() cpu=()
	for ((i = 0; i < RUNS; i++)); do
		c0=$(cpu_ticks "$DAEMON")
		lat+=("$(scrape)")
		c1=$(cpu_ticks "$DAEMON")
		cpu+=("$(( (c1 - c0) * 1000 / HZ ))")
	done
	lat_ms=$(printf '%s\n' "${lat[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p" | awk '{ printf "%.1f", $1 * 1000 }')
	cpu_ms=$(printf '%s\n' "${cpu[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")

	walk_ms=$(awk -v s="$(metric sockcost_exporter_collect_duration_seconds)" 'BEGIN { printf "%.1f", s * 1000 }')

	# One scrape per interval, as Prometheus does: the daemon's whole CPU
	# (walks included) over several intervals, so the walks' phase is moot.
	c0=$(cpu_ticks "$DAEMON")
	t0=$(date +%s.%N)
	for ((i = 0; i < WINDOWS; i++)); do
		scrape >/dev/null
		sleep "$INTERVAL"
	done
	c1=$(cpu_ticks "$DAEMON")
	t1=$(date +%s.%N)
	pct=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", 100 * c / hz / (b - a) }')
	rss=$(status_kb "$DAEMON" VmRSS)
	hwm=$(status_kb "$DAEMON" VmHWM)

	printf '  scrape latency (median of %d)  %8s ms\n' "$RUNS" "$lat_ms"
	printf '  daemon CPU per scrape (median) %8s ms\n' "$cpu_ms"
	printf '  walk of the host (wall)        %8s ms, every %ss\n' "$walk_ms" "$INTERVAL"
	printf '  daemon CPU at %ss interval    %8s %% of one core (over %d intervals)\n' \
		"$INTERVAL" "$pct" "$WINDOWS"
	printf '  daemon RSS after scrapes       %8d KB (peak %d KB)\n' "$rss" "$hwm"
	if [ "$n" -ge 100000 ]; then
		awk -v l="$lat_ms" -v p="$pct" -v r="$rss" 'BEGIN {
			printf "  targets at 100K: scrape <= 50 ms %s, CPU <= 1%% %s, RSS <= 64 MB %s\n",
				(l <= 50 ? "met" : "MISSED"), (p <= 1 ? "met" : "MISSED"),
				(r <= 65536 ? "met" : "MISSED") }'
	fi
	stop_daemon
	stop_holders
done
