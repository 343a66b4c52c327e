#!/usr/bin/env bash
# attnkit-tune end to end on a tiny problem (ctest): a campaign writes wisdom,
# records and a summary; a second run with the same key times nothing; a sweep
# records every configuration and --simulate replays it; bad input fails with
# a message; two runs' choices are compared. Behaviour only: no timing is asserted.
#   cli_smoke.sh <attnkit-tune> <scratch dir>
set -euo pipefail
tune="$1"
dir="$2"
rm -rf "$dir"
mkdir -p "$dir"
fail() { echo "cli_smoke: $*" >&2; exit 1; }
quick=(--shape 1,2,2,32,32,16 --dtype f32 --threads 2 --repetitions 3 --max-repetitions 3 --repetition-ms 1 --quiet)

"$tune" "${quick[@]}" --budget 4 --out "$dir/a" >"$dir/first.txt"
for f in wisdom.jsonl records.jsonl summary.json summary.md; do [[ -s "$dir/a/$f" ]] || fail "no $f"; done
[[ $(grep -c '"format":"attnkit-wisdom"' "$dir/a/wisdom.jsonl") == 1 ]] || fail "wisdom should hold one entry"
grep -q '"type":"repetition"' "$dir/a/records.jsonl" || fail "no repetition records"
grep -q '"type":"evaluation"' "$dir/a/records.jsonl" || fail "no evaluation records"
grep -q '"type":"race"' "$dir/a/records.jsonl" || fail "no race of the finalists recorded"

# Same key again: from wisdom, no new record line beyond the environment line.
before=$(wc -l <"$dir/a/records.jsonl")
"$tune" "${quick[@]}" --budget 4 --out "$dir/a" >"$dir/second.txt"
after=$(wc -l <"$dir/a/records.jsonl")
[[ $((after - before)) == 1 ]] || fail "the second run timed something ($((after - before - 1)) new records)"
grep -q "from wisdom" "$dir/second.txt" || fail "the second run's summary does not say 'from wisdom'"

# A second problem into the same directory: the summary keeps both.
"$tune" --shape 1,1,1,16,16,16 --dtype f32 --threads 2 --repetitions 3 --max-repetitions 3 --repetition-ms 1 \
    --quiet --budget 2 --out "$dir/a" >/dev/null
[[ $(grep -c '"name": "shape/f32/' "$dir/a/summary.json") == 2 ]] || fail "summary.json should hold both problems"

# A second, independent campaign (another seed), then the two runs' choices
# compared in one process: every problem both hold is reported.
"$tune" "${quick[@]}" --budget 4 --seed 2 --finalists 2 --out "$dir/b" >/dev/null
grep -q "\"finalists\":\[{.*},{" "$dir/b/records.jsonl" || fail "--finalists 2 raced fewer than two finalists"
status=0
"$tune" "${quick[@]}" --out "$dir/a" --compare-wisdom "$dir/b/wisdom.jsonl" >"$dir/compare.txt" || status=$?
[[ $status == 0 || $status == 3 ]] || fail "--compare-wisdom failed with status $status"
grep -q '"compared": 1' "$dir/a/compare_runs.json" || fail "compare_runs.json should compare one problem"
grep -q "of 1 problems" "$dir/compare.txt" || fail "--compare-wisdom printed no verdict"

# A sweep, then its simulation.
"$tune" "${quick[@]}" --sweep --out "$dir/sweep" >/dev/null
[[ -s "$dir/sweep/sweep.jsonl" ]] || fail "no sweep.jsonl"
"$tune" --simulate "$dir/sweep/sweep.jsonl" --seeds 3 --budget 5 --out "$dir/sim" --quiet >"$dir/sim.txt"
grep -q '"strategies"' "$dir/sim/simulation.json" || fail "simulation.json has no strategies"

# A sweep in two passes: each configuration once per pass, its samples pooled.
"$tune" "${quick[@]}" --sweep --sweep-passes 2 --out "$dir/sweep2" >/dev/null
[[ $(wc -l <"$dir/sweep2/sweep.jsonl") == $(wc -l <"$dir/sweep/sweep.jsonl") ]] || fail "two passes should write one line per configuration"
grep -q '"passes":2' "$dir/sweep2/sweep.jsonl" || fail "the sweep's lines do not say how many passes"
/usr/bin/python3 - "$dir/sweep2/sweep.jsonl" <<'PY' || fail "a two-pass sweep line should hold 2 x 3 samples"
import json, sys
assert all(len(json.loads(line)["samples_s"]) == 6 for line in open(sys.argv[1]))
PY

# Bad input: non-zero exit and a message naming the problem.
if "$tune" --shape 1,2,3 --out "$dir/bad" 2>"$dir/bad.txt"; then fail "a bad shape was accepted"; fi
grep -q "want B,Hq,Hkv,Sq,Skv,D" "$dir/bad.txt" || fail "the bad shape's message is missing"
echo "cli_smoke: ok"
