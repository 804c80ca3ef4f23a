#!/usr/bin/env bash
# shellcheck disable=SC2154 # R_* and tnp are set through printf -v (rounds, timed)
# Benchmark 1: `sockcost snapshot --json` against `ss -tn` and `ss -tnp` at
# 10K, 50K and 100K established loopback connections (2 sockets each), 5% of
# them active; the table (per-process and per-port summary, no per-socket
# output) shows the cost of attribution alone. At 100K it also asserts the
# snapshot is right. The commands take turns, RUNS rounds (ss -tnp runs
# once): each gets its median, its spread (fastest-slowest) and the peak RSS of
# its median run, so a busy host slows them alike. Issue 16's targets are the
# ratios to ss -tn: --json below 1, the table at most 0.5. sockcost walks
# every network namespace and ss -tn only its own: "walked" says how many
# sockets each saw (other namespaces' sockets are sockcost's extra work).
# SOCKCOST_BASE=path adds the same turns for another build (before/after).
source "$(dirname "$0")/lib.sh"
require_root

SIZES=${SIZES:-"10000 50000 100000"}
RUNS=${RUNS:-3}
SOCKCOST_BASE=${SOCKCOST_BASE:-}


report() {
	local label=$1 r=$2 med kb lo hi
	read -r med kb lo hi <<<"$r"
	printf '  %-26s %6.2f s (%.2f-%.2f)  peak RSS %7d KB  / ss -tn %s\n' "$label" "$med" "$lo" "$hi" \
		"$kb" "$(ratio "$med" "${R_tn%% *}")"
}

check_correctness() {
	local doc=$1 n=$2 pid fds ss_est snap_est held
	local own_ns
	own_ns=$(stat -L -c %i /proc/self/ns/net)
	ss_est=$(ss -H -tn state established | wc -l)
	# ss sees only this network namespace.
	snap_est=$(jq --argjson ns "$own_ns" \
		'[.sockets[] | select(.state == "ESTAB" and .netns == $ns) | .cookie] | unique | length' "$doc")
	echo "  check: ESTABLISHED sockets: snapshot $snap_est, ss -tn $ss_est"
	[ "$snap_est" -eq "$ss_est" ] || { echo "  FAIL: counts differ" >&2; return 1; }
	held=0
	for pid in "${HOLDERS[@]}"; do
		fds=$(find /proc/"$pid"/fd -mindepth 1 -maxdepth 1 | wc -l)
		# Each holder: its listener plus 2 sockets a pair, every one attributed.
		jq -e --argjson pid "$pid" --argjson fds "$fds" \
			'[.processes[] | select(.pid == $pid)][0] | .fds == $fds and .connections == .tcp_sockets - 1' \
			"$doc" >/dev/null || { echo "  FAIL: process $pid fds or attribution" >&2; return 1; }
		held=$(( held + $(jq --argjson pid "$pid" '[.processes[] | select(.pid == $pid)][0].connections' "$doc") ))
	done
	echo "  check: holders' fds equal /proc/PID/fd; holders hold $held established sockets (expected $((2 * n)))"
	[ "$held" -eq $((2 * n)) ] || { echo "  FAIL: attribution" >&2; return 1; }
}

for n in $SIZES; do
	start_holders "$n" 5 600
	echo "connections=$n sockets=$((2 * n)) processes=${#HOLDERS[@]} rounds=$RUNS"
	specs=("json:$SOCKCOST snapshot --json" "tbl:$SOCKCOST snapshot" "tn:ss -tn")
	[ -z "$SOCKCOST_BASE" ] || specs+=("bjson:$SOCKCOST_BASE snapshot --json" "btbl:$SOCKCOST_BASE snapshot")
	rounds "${specs[@]}"
	timed tnp ss -tnp
	read -r tnp_s tnp_kb <<<"$tnp"
	report "sockcost snapshot --json" "$R_json"
	report "sockcost snapshot (table)" "$R_tbl"
	if [ -n "$SOCKCOST_BASE" ]; then
		report "base snapshot --json" "$R_bjson"
		report "base snapshot (table)" "$R_btbl"
	fi
	report "ss -tn" "$R_tn"
	printf '  %-26s %6.2f s               peak RSS %7d KB\n' "ss -tnp" "$tnp_s" "$tnp_kb"
	echo "  ss -tnp / sockcost --json = $(ratio "$tnp_s" "${R_json%% *}")x"
	doc=$HOLDER_FIFO_DIR/snapshot.json
	"$SOCKCOST" snapshot --json >"$doc"
	echo "  walked: sockcost $(jq '.sockets | map(.cookie) | unique | length' "$doc") sockets in" \
		"$(jq .host.netns_walked "$doc") namespaces, ss -tn $(ss -H -tn | wc -l)"
	if [ "$n" = "${SIZES##* }" ]; then # the largest size
		check_correctness "$doc" "$n"
	fi
	stop_holders
done
