#!/usr/bin/env bash
# shellcheck disable=SC2154 # R_* are set through printf -v (rounds)
# Benchmark: a filtered snapshot (`--port P`, `--pid PID`: the filter goes
# into the kernel walks) beside the unfiltered one, MATCH connections of one
# process among BIG connections of others. Issue 14's target: 2K matching
# among 200K+ sockets costs at most 25% of the unfiltered time and 20 MB peak
# RSS. Twice: loading its own programs, as a snapshot does with no daemon
# (the load, the same filtered or not, is in every run), and reading a
# daemon's pinned programs (no load: the walks are the time). Each command's
# median of RUNS rounds, taken in turns; the walk times come from -v. Checks
# that each filtered document equals the unfiltered one filtered by jq.
source "$(dirname "$0")/lib.sh"
require_root

BIG=${BIG:-100000}   # connections (2 sockets each) of processes no filter matches
MATCH=${MATCH:-2000} # connections of the matching process: on its port, 2x its sockets
RUNS=${RUNS:-3}
PIN=/sys/fs/bpf/sockcost-bench-filter-$$

unload_pin() { "$SOCKCOSTD" --unload --pin-dir "$PIN" >/dev/null 2>&1 || true; }
trap 'cleanup; unload_pin' EXIT


# walk_ms ARGS...: the walks' time as sockcost -v reports it.
walk_ms() {
	"$SOCKCOST" snapshot --json -v "$@" 2>&1 >/dev/null |
		sed -n 's/.*snapshot: walks \([0-9.]*\) ms.*/\1/p'
}

row() {
	local label=$1 r=$2 base=$3 walk=$4 med kb bmed
	read -r med kb _ <<<"$r"
	bmed=${base%% *}
	printf '  %-24s %6.3f s  %5s%% of unfiltered  walks %7s ms  peak RSS %7d KB (%.1f MB)\n' \
		"$label" "$med" "$(awk -v a="$med" -v b="$bmed" 'BEGIN { printf "%.0f", 100 * a / b }')" \
		"$walk" "$kb" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
}

# check: each filtered document equals the unfiltered one filtered afterwards (sockets).
check() {
	local whole=$HOLDER_FIFO_DIR/whole.json part=$HOLDER_FIFO_DIR/part.json a b
	"$SOCKCOST" snapshot --json --fields pid,fd,lport,cookie,state >"$whole"
	"$SOCKCOST" snapshot --json --fields pid,fd,lport,cookie,state --port "$MPORT" >"$part"
	a=$(jq -c --argjson p "$MPORT" '[.sockets[] | select(.lport == $p and .pid == '"$MPID"')] | length' "$whole")
	b=$(jq -c '[.sockets[] | select(.pid == '"$MPID"')] | length' "$part")
	echo "  check --port: the holder's rows on its port: whole $a, filtered $b (expected $((MATCH + 1)))"
	[ "$a" = "$b" ] && [ "$b" = $((MATCH + 1)) ] || { echo "  FAIL" >&2; exit 1; }
	"$SOCKCOST" snapshot --json --fields pid,fd,lport,cookie,state --pid "$MPID" >"$part"
	a=$(jq -c '[.sockets[] | select(.pid == '"$MPID"')] | sort_by(.fd)' "$whole" | md5sum)
	b=$(jq -c '.sockets | sort_by(.fd)' "$part" | md5sum)
	echo "  check --pid: the holder's rows identical: $([ "$a" = "$b" ] && echo yes || echo NO)"
	[ "$a" = "$b" ] || { echo "  FAIL" >&2; exit 1; }
}

measure() {
	local title=$1
	echo "$title"
	rounds "all:$SOCKCOST snapshot --json" "port:$SOCKCOST snapshot --json --port $MPORT" \
		"pid:$SOCKCOST snapshot --json --pid $MPID" \
		"both:$SOCKCOST snapshot --json --pid $MPID --port $MPORT"
	row "unfiltered" "$R_all" "$R_all" "$(walk_ms)"
	row "--port (${MATCH} conns)" "$R_port" "$R_all" "$(walk_ms --port "$MPORT")"
	row "--pid ($((2 * MATCH + 1)) sockets)" "$R_pid" "$R_all" "$(walk_ms --pid "$MPID")"
	row "--pid --port" "$R_both" "$R_all" "$(walk_ms --pid "$MPID" --port "$MPORT")"
}

start_holders "$MATCH" 5 900
MPID=${HOLDERS[0]}
MPORT=$(ss -Hltnp | awk -v p="pid=$MPID," 'index($0, p) { n = split($4, a, ":"); print a[n]; exit }')
[ -n "$MPORT" ] || { echo "no listener of the matching holder $MPID" >&2; exit 1; }
start_holders "$BIG" 5 900
echo "matching: pid $MPID, port $MPORT, $MATCH connections; others: $BIG connections" \
	"in ${#HOLDERS[@]} processes; $(ss -Htn | wc -l) TCP sockets here; rounds=$RUNS"
check
measure "own programs (loaded in each run):"
start_daemon -- --pin --pin-dir "$PIN" --interval 60
export SOCKCOST_PIN_DIR=$PIN
measure "a daemon's pinned programs (no load):"
stop_daemon
unset SOCKCOST_PIN_DIR
unload_pin
