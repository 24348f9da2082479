#!/usr/bin/env bash
# Routing benchmark: enqueue, drain and full-cycle throughput of src/route with 1,000
# agents. Prints the figures (medians) as its last lines.
# Usage: bench/route/run.sh [backlog entries] [runs]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${BUILD:-$root/build-bench}"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTANDEM_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target tandem_route tandem_base >/dev/null
mkdir -p "$build/bench"
cc -std=c17 -O2 -D_GNU_SOURCE -I"$root/src" "$here/route_bench.c" -o "$build/bench/route_bench" \
  "$build/libtandem_route.a" "$build/libtandem_base.a" \
  $(pkg-config --libs jansson libutf8proc libuv) -lm -lpthread
"$build/bench/route_bench" "$@"
