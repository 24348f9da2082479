#!/usr/bin/env bash
# run.sh: the WebSocket chat benchmark. tandem's /ws/chat (the full AI turn and a durable
# write per message) against a minimal Node.js relay on the ws package (a canned reply,
# nothing stored), both driven by the same open-loop load generator: round trip from a
# customer message to the AI's reply at a fixed rate over N open sessions, and resident
# memory per idle session. Interleaved rounds (tandem, node, tandem, node, ...), each on a
# freshly started server; medians and ratios are printed last.
# Usage: bench/ws/run.sh [seconds per run, default 20] [messages/s, default 1000]
#                        [sessions, default 5000]
# Environment: ROUNDS (3), IDLE_SESSIONS (10000; 0 skips the idle-only runs), BUILD_DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
secs=${1:-20}
rate=${2:-1000}
sessions=${3:-5000}
rounds=${ROUNDS:-3}
idle_n=${IDLE_SESSIONS:-10000}
warmup=2
build=${BUILD_DIR:-$repo/build-bench}
out="$here/out"
mkdir -p "$out"
for tool in node npm cc curl; do
	command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install nodejs npm gcc curl)" >&2; exit 1; }
done
for h in uv.h wslay/wslay.h jansson.h openssl/sha.h; do
	[ -f "/usr/include/$h" ] || { echo "needs /usr/include/$h (apt-get install libuv1-dev libwslay-dev libjansson-dev libssl-dev)" >&2; exit 1; }
done
[ -d "$here/node_modules/ws" ] || (cd "$here" && npm install --no-audit --no-fund --silent)

echo "building a Release tandem and the load generator..."
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTANDEM_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target tandem >/dev/null
bin="$build/tandem"
cc -O2 -Wall -Wextra -o "$out/loadgen" "$here/loadgen.c" -luv -lwslay -lcrypto -ljansson
cc -O2 -Wall -Wextra -o "$out/disksync" "$here/disksync.c"
loadgen="$out/loadgen"

# every session is a socket at both ends: each process needs that many descriptors
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fds=$(ulimit -n)
if (( fds < sessions + 200 )); then
	echo "open-files limit $fds is below $sessions sessions; raise it (ulimit -n)" >&2
	exit 1
fi
if (( idle_n > 0 && fds < idle_n + 200 )); then
	echo "open-files limit $fds: skipping the $idle_n idle sessions runs" >&2
	idle_n=0
fi

# the databases live on the repository's disk, like a real deployment's
work=$(mktemp -d "$out/run.XXXXXX")
spid=
cleanup() {
	[[ -n "$spid" ]] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
"$bin" init --demo --db "$work/seed.db" >/dev/null

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
port=$(free_port)

start_server() { # tandem*|node* (a fresh copy of the seeded database each time)
	if [[ $1 == tandem* ]]; then
		rm -f "$work"/run.db*
		for f in "$work"/seed.db*; do cp "$f" "$work/run${f#"$work"/seed}"; done
		"$bin" serve --port "$port" --db "$work/run.db" --no-access-log 2>>"$out/tandem.log" &
	else
		node "$here/relay.mjs" "$port" >>"$out/relay.log" 2>&1 &
	fi
	spid=$!
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
		sleep 0.1
	done
	echo "the $1 server did not start" >&2
	exit 1
}
stop_server() {
	kill "$spid"
	wait "$spid" 2>/dev/null || true
	spid=
}

results="$out/results.txt"
: > "$results"
run() { # label round loadgen-args...
	local label=$1 round=$2
	shift 2
	start_server "$label" "$round"
	local line
	line=$("$loadgen" --port "$port" --rss-pid "$spid" --label "$label" --warmup "$warmup" "$@" \
		2> >(sed 's/^/  /' >&2) | grep '^RESULT') || true
	stop_server
	[[ -n "$line" ]] || { echo "  $label: the load generator reported nothing" >&2; return; }
	local n=${line#* sessions=}
	[[ $line == *" ready=${n%% *} "* ]] ||
		echo "  $label: not every session opened; this run is left out of the medians" >&2
	echo "$line round=$round" >> "$results"
}

echo "load: $sessions sessions, $rate messages/s for ${secs}s after a ${warmup}s warm-up, $rounds rounds"
for round in $(seq "$rounds"); do
	echo "round $round"
	run tandem "$round" --sessions "$sessions" --rate "$rate" --seconds "$secs"
	run node "$round" --sessions "$sessions" --rate "$rate" --seconds "$secs"
	# the floor under a durable round trip: one disk flush on the databases' disk
	"$out/disksync" "$work" 2000 | sed "s/\$/ round=$round/" >> "$results"
done
if (( idle_n > 0 )); then
	echo "idle: $idle_n sessions, $rounds rounds"
	for round in $(seq "$rounds"); do
		run tandem-idle "$round" --sessions "$idle_n" --rate 0
		run node-idle "$round" --sessions "$idle_n" --rate 0
	done
fi

# median of field F over the RESULT lines of label L (only rounds with every session up)
med() {
	awk -v L="$1" -v F="$2" '
		{ delete kv; for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
		  if (kv["label"] == L && kv["ready"] == kv["sessions"]) print kv[F] }' "$results" |
		sort -g | awk '{a[NR] = $1} END {if (!NR) print "nan"; else print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a"}'; }

echo
echo "raw results: $results"
cat "$results"
echo
echo "WebSocket chat: $sessions sessions, $rate messages/s scheduled for ${secs}s (open loop, after a ${warmup}s warm-up), medians of $rounds interleaved rounds"
for l in tandem node; do
	what="full AI turn + durable write"
	[[ $l == node ]] && what="ws relay, canned reply, nothing stored"
	printf '%-6s (%s): p50 %s ms  p90 %s ms  p99 %s ms  max %s ms\n' "$l" "$what" \
		"$(med $l p50_ms)" "$(med $l p90_ms)" "$(med $l p99_ms)" "$(med $l max_ms)"
	printf '       first message of a session: p50 %s ms  p99 %s ms; later messages: p50 %s ms  p99 %s ms\n' \
		"$(med $l first_p50_ms)" "$(med $l first_p99_ms)" "$(med $l later_p50_ms)" "$(med $l later_p99_ms)"
	printf '       AI replies %s/s (whole run %s/s), unanswered %s of %s, errors %s, sessions lost %s\n' \
		"$(med $l reply_rate)" "$(med $l all_reply_rate)" "$(med $l unanswered)" \
		"$(med $l scheduled)" "$(med $l errors)" "$(med $l lost)"
done
t_mem=$(med tandem bytes_per_session)
n_mem=$(med node bytes_per_session)
echo "memory per idle session ($sessions sessions): tandem $t_mem bytes, node $n_mem bytes"
echo "memory per session after the load (every session has talked): tandem $(med tandem bytes_per_session_end) bytes, node $(med node bytes_per_session_end) bytes"
if (( idle_n > 0 )); then
	echo "memory per idle session ($idle_n sessions): tandem $(med tandem-idle bytes_per_session) bytes, node $(med node-idle bytes_per_session) bytes"
fi
if [[ $(med tandem late) != 0 || $(med node late) != 0 ]]; then
	echo "(a side that left messages unanswered has its percentiles as lower bounds: each unanswered message counts as answered when the run ended)"
fi
dmed() { awk -v F="$1" '$1 == "DISKSYNC" { for (i = 2; i <= NF; i++) { split($i, p, "="); if (p[1] == F) print p[2] } }' "$results" |
	sort -g | awk '{a[NR] = $1} END {if (!NR) print "nan"; else print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
echo "disk flush (fdatasync of 4 KiB on the databases' disk, between rounds): p50 $(dmed p50_ms) ms  p99 $(dmed p99_ms) ms  max $(dmed max_ms) ms"
echo "p99 ratio node/tandem: $(ratio "$(med node p99_ms)" "$(med tandem p99_ms)") (goal >= 5)"
echo "memory per session ratio node/tandem: $(ratio "$n_mem" "$t_mem") (goal >= 5)"
