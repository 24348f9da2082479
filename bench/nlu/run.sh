#!/usr/bin/env bash
# run.sh: tandem's intent classifier against fastText and nlp.js on the same training
# and held-out files: accuracy, macro-F1, out-of-scope recall/precision, examples/s per
# core and resident memory. Usage: bench/nlu/run.sh [rounds, default 3]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rounds=${1:-3}
train=${TRAIN:-$repo/data/nlu/train.jsonl}
test=${HELDOUT:-$repo/data/nlu/heldout.jsonl}
out="$here/out"
build=${BUILD_DIR:-$repo/build-bench}
lines=100000
mkdir -p "$out"
for tool in fasttext node npm /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install fasttext nodejs npm time)" >&2; exit 1; }
done
[ -d "$here/node_modules/@nlpjs/basic" ] || (cd "$here" && npm install --no-audit --no-fund --silent)

if [ -z "${TANDEM_BIN:-}" ]; then
	echo "building a Release tandem..."
	cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTANDEM_TESTS=OFF >/dev/null
	cmake --build "$build" -j2 --target tandem >/dev/null
fi
bin=${TANDEM_BIN:-$build/tandem}
tools() { node "$here/tools.mjs" "$@"; }
field() { node -e 'const o=JSON.parse(require("fs").readFileSync(0,"utf8").trim().split("\n").pop()); console.log(o[process.argv[1]])' "$1"; }
secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
ft_opts=(-epoch 25 -lr 0.5 -wordNgrams 2 -minn 3 -maxn 5 -dim 100 -thread 1 -seed 1 -verbose 0)

echo "== accuracy (train $(wc -l <"$train") lines, held-out $(wc -l <"$test") lines)"
"$bin" nlu train --data "$train" --out "$out/tandem.model"
"$bin" nlu eval --model "$out/tandem.model" --data "$test" --json >"$out/tandem.eval.json"

# fastText: the tutorial's preprocessing, the recommended settings, and a probability
# threshold for out_of_scope chosen on a validation split of the training data.
tools fasttext-data "$train" "$out/ft.train.txt"
tools fasttext-text "$test" "$out/ft.test.txt"
tools split "$train" "$out/split.train.jsonl" "$out/split.val.jsonl" 0.15 1
tools fasttext-data "$out/split.train.jsonl" "$out/ft.split.train.txt"
tools fasttext-text "$out/split.val.jsonl" "$out/ft.val.txt"
fasttext supervised -input "$out/ft.split.train.txt" -output "$out/ft.val" "${ft_opts[@]}"
fasttext predict-prob "$out/ft.val.bin" "$out/ft.val.txt" 1 >"$out/ft.val.probs"
thr=$(tools threshold "$out/split.val.jsonl" "$out/ft.val.probs")
fasttext supervised -input "$out/ft.train.txt" -output "$out/ft" "${ft_opts[@]}"
fasttext predict-prob "$out/ft.bin" "$out/ft.test.txt" 1 >"$out/ft.test.probs"
tools score-fasttext "$test" "$out/ft.test.probs" 0 >"$out/ft.eval.json"
tools score-fasttext "$test" "$out/ft.test.probs" "$thr" >"$out/ft-thr.eval.json"

echo "== speed ($rounds interleaved rounds, $lines lines) and memory"
tools repeat "$test" "$lines" "$out/big.jsonl"
tools fasttext-text "$out/big.jsonl" "$out/big.txt"
head -1 "$out/big.txt" >"$out/one.txt"
t_eps=() f_eps=() n_eps=() n_json=""
for r in $(seq "$rounds"); do
	t_eps+=("$("$bin" nlu eval --model "$out/tandem.model" --data "$out/big.jsonl" --json | field examples_per_sec)")
	big=$(secs fasttext predict "$out/ft.bin" "$out/big.txt")
	one=$(secs fasttext predict "$out/ft.bin" "$out/one.txt")
	f_eps+=("$(echo "$lines / ($big - $one)" | bc -l)")
	n_json=$(node "$here/nlpjs.mjs" "$train" "$test" 5000 2>/dev/null | tail -1)
	n_eps+=("$(echo "$n_json" | field examples_per_sec)")
	echo "round $r: tandem ${t_eps[-1]%.*}/s  fastText ${f_eps[-1]%.*}/s  nlp.js ${n_eps[-1]%.*}/s"
done
echo "$n_json" >"$out/nlpjs.eval.json"
t_rss=$(/usr/bin/time -f %M "$bin" nlu predict --model "$out/tandem.model" "hi" 2>&1 >/dev/null | tail -1)
f_rss=$(/usr/bin/time -f %M fasttext predict "$out/ft.bin" "$out/one.txt" 2>&1 >/dev/null | tail -1)
n_rss=$(echo "$n_json" | field rss_mb)
b_ms=$( { /usr/bin/time -f %e "$bin" nlu predict hi >/dev/null; } 2>&1 | tail -1)

row() { # name eval.json eps rss_mb
	local j; j=$(cat "$2")
	printf "%-22s %8.4f %8.4f %10.4f %13.4f %12.0f %8.1f\n" "$1" \
		"$(echo "$j" | field accuracy)" "$(echo "$j" | field macro_f1)" \
		"$(echo "$j" | field oos_recall)" "$(echo "$j" | field oos_precision)" "$3" "$4"
}
t_med=$(tools median "${t_eps[@]}")
f_med=$(tools median "${f_eps[@]}")
n_med=$(tools median "${n_eps[@]}")
echo
echo "fastText out-of-scope threshold (validation split): $thr; built-in model start-up (train + one prediction): ${b_ms}s"
printf "%-22s %8s %8s %10s %13s %12s %8s\n" system accuracy macro_f1 oos_recall oos_precision "ex/s/core" rss_MB
row tandem "$out/tandem.eval.json" "$t_med" "$(echo "$t_rss / 1024" | bc -l)"
row fastText "$out/ft.eval.json" "$f_med" "$(echo "$f_rss / 1024" | bc -l)"
row "fastText + threshold" "$out/ft-thr.eval.json" "$f_med" "$(echo "$f_rss / 1024" | bc -l)"
row nlp.js "$out/nlpjs.eval.json" "$n_med" "$n_rss"
printf "speed ratio tandem/fastText: %.2f   tandem/nlp.js: %.1f\n" "$(echo "$t_med / $f_med" | bc -l)" "$(echo "$t_med / $n_med" | bc -l)"
