#!/usr/bin/env bash
# Benchmark: the cost of being scraped. sockcostd with 10K, 50K and 100K
# established loopback connections held (5% active), scraped every 15 s:
# /metrics latency (curl, median of RUNS), daemon CPU per scrape, a
# scrape's refresh from changes, the daemon's whole CPU averaged over WINDOWS
# intervals with one scrape per interval (utime+stime from /proc/PID/stat),
# and RSS after scraping and its peak. Targets at 100K: scrape <= 50 ms,
# <= 1% of one core at a 15 s interval, RSS <= 64 MB (reported, not
# enforced). Checks that the scrape counts the held connections.
source "$(dirname "$0")/lib.sh"
require_root

SIZES=${SIZES:-"10000 50000 100000"}
RUNS=${RUNS:-5}
INTERVAL=${INTERVAL:-15}
WINDOWS=${WINDOWS:-3}

for n in $SIZES; do
	start_holders "$n" 5 600
	start_daemon -- --no-pin --top-processes 20 --interval "$INTERVAL"
	echo "connections=$n sockets=$((2 * n)) holders=${#HOLDERS[@]}"
	scrape >/dev/null # warm-up
	held=$(metric sockcost_connections)
	[ "$held" -ge $((2 * n)) ] || { echo "  FAIL: sockcost_connections $held < $((2 * n))" >&2; exit 1; }

	lat=() cpu=()
	for ((i = 0; i < RUNS; i++)); do
		# Over a second apart: each scrape then refreshes, as one every 15 s does.
		sleep 1.2
		c0=$(cpu_ticks "$DAEMON")
		lat+=("$(scrape)")
		c1=$(cpu_ticks "$DAEMON")
		cpu+=("$(( (c1 - c0) * 1000 / HZ ))")
	done
	lat_ms=$(printf '%s\n' "${lat[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p" | awk '{ printf "%.1f", $1 * 1000 }')
	cpu_ms=$(printf '%s\n' "${cpu[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")

	# Draining changes every second included.
	pct=$(daemon_cpu_pct "$WINDOWS" "$INTERVAL")
	# The last scrape's refresh: from changes, unless changes were lost.
	refresh_ms=$(metric_ms sockcost_exporter_collect_duration_seconds 1)
	walks=$(metric sockcost_exporter_walks_total)
	rss=$(status_kb "$DAEMON" VmRSS)
	hwm=$(status_kb "$DAEMON" VmHWM)

	printf '  scrape latency (median of %d)  %8s ms\n' "$RUNS" "$lat_ms"
	printf '  daemon CPU per scrape (median) %8s ms\n' "$cpu_ms"
	printf '  refresh at a scrape (wall)     %8s ms (%s walks since start)\n' "$refresh_ms" "$walks"
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
