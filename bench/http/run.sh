#!/usr/bin/env bash
# run.sh: static-file and /healthz throughput of tandem against nginx, then memory per
# idle WebSocket. Usage: bench/http/run.sh [seconds per run, default 5] [connections, default 64]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
secs=${1:-5}
conns=${2:-64}
threads=2
out="$here/out"
build=${BUILD_DIR:-$repo/build-bench}
mkdir -p "$out"
for tool in wrk nginx node; do
	command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install wrk nginx-light nodejs)" >&2; exit 1; }
done

echo "building a Release tandem..."
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTANDEM_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target tandem >/dev/null
bin="$build/tandem"

work=$(mktemp -d)
chmod 755 "$work" # nginx workers run as an unprivileged user
cleanup() {
	[[ -n "${tpid:-}" ]] && kill "$tpid" 2>/dev/null || true
	[[ -f "$work/nginx.pid" ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
	sleep 0.3
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/www" "$work/nginx"
head -c 10240 /dev/urandom | base64 -w 76 | head -c 10240 > "$work/www/file.txt"
echo '<h1>bench</h1>' > "$work/www/index.html"

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
tport=$(free_port)
nport=$(free_port)

"$bin" serve --port "$tport" --web-root "$work/www" --no-access-log --db "$work/t.db" 2>"$out/tandem.log" &
tpid=$!

cat > "$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx/error.log;
daemon on;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	client_body_temp_path $work/nginx;
	proxy_temp_path $work/nginx;
	fastcgi_temp_path $work/nginx;
	uwsgi_temp_path $work/nginx;
	scgi_temp_path $work/nginx;
	types { text/plain txt; text/html html; }
	server {
		listen 127.0.0.1:$nport;
		root $work/www;
		location = /healthz { return 200 '{"status":"ok"}'; }
	}
}
CONF
nginx -c "$work/nginx.conf" -p "$work" 2>/dev/null

for port in $tport $nport; do
	for i in $(seq 50); do
		curl -sf "http://127.0.0.1:$port/file.txt" >/dev/null && break
		sleep 0.1
	done
done
cmp <(curl -s "http://127.0.0.1:$tport/file.txt") "$work/www/file.txt"
cmp <(curl -s "http://127.0.0.1:$nport/file.txt") "$work/www/file.txt"

# wrk prints "Requests/sec: N" and, with --latency, "99% X.XXms"
measure() { # url -> "rps p99_ms"
	wrk -t$threads -c"$conns" -d"${secs}s" --latency "$1" > "$work/wrk.txt"
	local rps p99
	rps=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt")
	p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' "$work/wrk.txt")
	grep -q "Non-2xx" "$work/wrk.txt" && { echo "errors in run against $1" >&2; cat "$work/wrk.txt" >&2; }
	echo "$rps $p99"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -a t_static_rps t_static_p99 n_static_rps n_static_p99 t_h_rps t_h_p99 n_h_rps n_h_p99
for round in 1 2 3; do
	read -r r p < <(measure "http://127.0.0.1:$tport/file.txt"); t_static_rps+=("$r"); t_static_p99+=("$p")
	read -r r p < <(measure "http://127.0.0.1:$nport/file.txt"); n_static_rps+=("$r"); n_static_p99+=("$p")
	read -r r p < <(measure "http://127.0.0.1:$tport/healthz"); t_h_rps+=("$r"); t_h_p99+=("$p")
	read -r r p < <(measure "http://127.0.0.1:$nport/healthz"); n_h_rps+=("$r"); n_h_p99+=("$p")
	echo "round $round: tandem static ${t_static_rps[-1]} req/s, nginx static ${n_static_rps[-1]} req/s"
done

kill "$tpid"; wait "$tpid" 2>/dev/null || true; tpid=

echo "idle WebSocket memory (10000 sessions)..."
ws_line=$(cd "$here" && bash -c "ulimit -n 65536 2>/dev/null || true; TANDEM_BIN='$bin' node ws_idle.mjs 10000")

m() { printf '%s\n' "$@" | median; }
ts=$(m "${t_static_rps[@]}"); ns=$(m "${n_static_rps[@]}")
echo
echo "wrk: $threads threads, $conns connections, ${secs}s per run, 3 interleaved rounds, medians"
printf 'healthz  tandem: %10.0f req/s  p99 %7.2f ms\n' "$(m "${t_h_rps[@]}")" "$(m "${t_h_p99[@]}")"
printf 'healthz  nginx:  %10.0f req/s  p99 %7.2f ms (nginx return 200)\n' "$(m "${n_h_rps[@]}")" "$(m "${n_h_p99[@]}")"
printf 'static   tandem: %10.0f req/s  p99 %7.2f ms\n' "$ts" "$(m "${t_static_p99[@]}")"
printf 'static   nginx:  %10.0f req/s  p99 %7.2f ms\n' "$ns" "$(m "${n_static_p99[@]}")"
echo "$ws_line"
awk -v a="$ts" -v b="$ns" 'BEGIN {printf "static throughput ratio tandem/nginx: %.2f (goal >= 0.80)\n", a / b}'
