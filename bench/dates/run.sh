#!/usr/bin/env bash
# Date/time benchmark: tandem's extractor and chrono-node on data/dates/dates.jsonl,
# same reference instants and zones. Prints both accuracies as the last lines.
# Usage: bench/dates/run.sh [-v]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${BUILD:-$root/build-bench}"
data="${DATES_FILE:-$root/data/dates/dates.jsonl}"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTANDEM_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target tandem_nlu tandem_base >/dev/null
mkdir -p "$build/bench"
cc -std=c17 -O2 -D_GNU_SOURCE -I"$root/src" "$here/tandem_dates.c" -o "$build/bench/tandem_dates" \
  "$build/libtandem_nlu.a" "$build/libtandem_base.a" \
  $(pkg-config --libs jansson libutf8proc libuv) -lm -lpthread

if [ ! -d "$here/node_modules/chrono-node" ]; then
  (cd "$here" && npm install --no-audit --no-fund --silent)
fi
echo "cases: $(wc -l < "$data") in $(basename "$data")"
DATES_FILE="$data" node "$here/chrono.mjs" "$@"
"$build/bench/tandem_dates" "$@" "$data"
