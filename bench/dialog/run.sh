#!/usr/bin/env bash
# AI turn benchmark: latency of one customer turn through the server's code path
# (cached tenant facts, NLU, policy, slot search, reply, the store write), without and
# with fsync. Prints the figures as its last lines.
# Usage: bench/dialog/run.sh [turns] [durable turns] [dir for the database file]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${BUILD:-$root/build-bench-dialog}"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTANDEM_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target tandem >/dev/null
mkdir -p "$build/bench"
libs=""
for l in app http dialog assist auth store nlu kb schedule route base; do
  [ -f "$build/libtandem_$l.a" ] && libs="$libs $build/libtandem_$l.a"
done
cc -std=c17 -O2 -D_GNU_SOURCE -I"$root/src" "$here/dialog_bench.c" -o "$build/bench/dialog_bench" \
  $libs -lhttp_parser -lwslay -lcrypto -lsqlite3 -lpq -lstemmer \
  $(pkg-config --libs jansson libutf8proc libuv libcurl libsodium) -lm -lpthread
"$build/bench/dialog_bench" "$@"
