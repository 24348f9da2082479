#!/usr/bin/env bash
# Fails if src/ uses a banned function (see docs/architecture.md, "Rules").
set -euo pipefail
cd "$(dirname "$0")/.."
pat='\b(sprintf|vsprintf|strcpy|strcat|gets|atoi|atol|strtok)\s*\('
if grep -rnE "$pat" src --include='*.c' --include='*.h' | grep -vE '^\S+:\s*//|snprintf|vsnprintf'; then
  echo "banned function used in src/ (use snprintf, buf_*, strtol...)" >&2
  exit 1
fi
echo "banned-function check: clean"
