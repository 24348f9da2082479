#!/usr/bin/env bash
# Installs the Debian packages tandem needs, but only those that are missing.
# Usage: scripts/deps.sh [build|test|bench]   (test and bench include build)
set -euo pipefail
want=${1:-build}
missing=()

need_pc()  { pkg-config --exists "$1" 2>/dev/null || missing+=("$2"); }
need_h()   { [ -e "/usr/include/$1" ] || missing+=("$2"); }
need_bin() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }

need_bin cc gcc
need_bin make make
need_bin cmake cmake
need_bin pkg-config pkg-config
need_pc libuv libuv1-dev
need_pc jansson libjansson-dev
need_pc sqlite3 libsqlite3-dev
need_pc libpq libpq-dev
need_pc libsodium libsodium-dev
need_pc libcrypto libssl-dev
need_pc libcurl libcurl4-openssl-dev
need_pc libutf8proc libutf8proc-dev
need_pc libical libical-dev
need_h http_parser.h libhttp-parser-dev
need_h wslay/wslay.h libwslay-dev
need_h libstemmer.h libstemmer-dev
need_pc cmocka libcmocka-dev   # the build configures unit tests by default
[ -e /usr/share/zoneinfo/America/New_York ] || missing+=(tzdata)

if [ "$want" = test ] || [ "$want" = bench ]; then
  need_bin node nodejs
  need_bin npm npm
  need_bin clang clang
  [ -n "$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null)" ] || missing+=(libclang-rt-14-dev)
  need_bin chromium chromium
  need_bin psql postgresql-client
  need_bin sqlite3 sqlite3
fi
if [ "$want" = bench ]; then
  need_bin wrk wrk
  need_bin nginx nginx-light
  need_bin fasttext fasttext
fi

if [ ${#missing[@]} -gt 0 ]; then
  # shellcheck disable=SC2207
  uniq=($(printf '%s\n' "${missing[@]}" | sort -u))
  echo "deps: installing ${uniq[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "deps: missing packages and not root; install them: apt-get install ${uniq[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${uniq[@]}"
fi
