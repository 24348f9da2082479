#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.c) with clang in build-fuzz and runs
# each for the given number of seconds (default 20) on a copy of its seed corpus.
# Exits non-zero when a target finds a crash, a leak or undefined behaviour, or when
# clang/libFuzzer is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-20}"
build=build-fuzz
CC="${FUZZ_CC:-clang}"

if ! command -v "$CC" >/dev/null 2>&1; then
  echo "fuzz: $CC not found; install clang (Debian: apt-get install clang) to run the fuzzers" >&2
  exit 1
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
  > "$probe/p.c"
if ! "$CC" -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" >/dev/null 2>&1; then
  echo "fuzz: $CC cannot link libFuzzer (-fsanitize=fuzzer); install clang's runtime (libclang-rt / libfuzzer)" >&2
  exit 1
fi

flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
CC="$CC" cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DTANDEM_FUZZ=ON -DTANDEM_TESTS=OFF \
  -DTANDEM_SANITIZE=OFF -DCMAKE_C_FLAGS="$flags" >/dev/null
targets=()
for src in tests/fuzz/fuzz_*.c; do
  [ -e "$src" ] || continue
  targets+=("$(basename "$src" .c)")
done
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no targets in tests/fuzz" >&2
  exit 1
fi
cmake --build "$build" -j"${FUZZ_JOBS:-2}" --target "${targets[@]}"

status=0
for t in "${targets[@]}"; do
  work="$build/corpus/$t"
  mkdir -p "$work" "$build/artifacts/$t"
  if [ -d "tests/fuzz/corpus/$t" ]; then
    cp -n "tests/fuzz/corpus/$t"/* "$work"/ 2>/dev/null || true
  fi
  echo "fuzz: $t for ${secs}s"
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$build/$t" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$build/artifacts/$t/" "$work" \
      > "$build/$t.log" 2>&1; then
    echo "fuzz: $t FAILED; last lines of $build/$t.log:" >&2
    tail -n 40 "$build/$t.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$build/$t.log" | tail -n 2 || true
  fi
done
if [ $status -eq 0 ]; then
  echo "fuzz: all targets clean"
fi
exit $status
