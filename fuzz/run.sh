#!/usr/bin/env bash
# Builds fuzz/sdpa_fuzzer.cpp with clang++ (libFuzzer + ASan + UBSan) and runs
# it from the seed corpus for a bounded time.
# Usage: fuzz/run.sh [seconds, default 90] [extra libFuzzer flags...]
# Environment: CXX (default clang++-14, else clang++), FUZZ_BUILD_DIR (default build/fuzz).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECONDS_BOUND="${1:-90}"
shift || true
CXX="${CXX:-$(command -v clang++-14 || command -v clang++)}"
OUT="${FUZZ_BUILD_DIR:-build/fuzz}"
mkdir -p "$OUT/corpus"
"$CXX" -std=c++17 -O1 -g -march=native -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -I include -I tests fuzz/sdpa_fuzzer.cpp -o "$OUT/sdpa_fuzzer"
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# New inputs go to $OUT/corpus (not committed); fuzz/corpus is read as seeds.
"$OUT/sdpa_fuzzer" -max_total_time="$SECONDS_BOUND" -max_len=256 -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$OUT/" "$@" "$OUT/corpus" fuzz/corpus
