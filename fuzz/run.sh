#!/usr/bin/env bash
# Builds the differential fuzzer (fuzz/sdpa_fuzzer.cpp) with clang++ (libFuzzer +
# ASan + UBSan; on x86-64 the kernels of SSE2, AVX2 and AVX-512 compiled in, as
# attnkit_add_isa_dispatch does; OpenMP when the compiler has it) and runs it
# from the seed corpus for a bounded time. Exits non-zero on any finding (a
# crash-* file is left in the build folder) or build failure.
#
# Usage: fuzz/run.sh [seconds, default 90] [extra libFuzzer flags...]
#   fuzz/run.sh 60                        # what CI runs
#   fuzz/run.sh 1800 -jobs=2 -workers=2   # two processes (logs: fuzz-<n>.log in the build folder)
#   fuzz/run.sh 0 crash-XXXX              # 0: build only, or replay the given inputs
# Environment: CXX (default clang++-14, else clang++), FUZZ_BUILD_DIR (default
# build/fuzz), FUZZ_BUILD_JOBS (parallel compiles, default nproc), FUZZ_OPT
# (default -O2), FUZZ_STATIC=1 (link libstdc++ and libgcc
# statically too, for a binary to carry to another machine with libomp.so.5).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECONDS_BOUND="${1:-90}"
shift || true
CXX="${CXX:-$(command -v clang++-14 || command -v clang++ || true)}"
if [[ -z "$CXX" ]]; then
    echo "fuzz/run.sh: clang++ not found (Debian: apt-get install clang-14 libclang-rt-14-dev)" >&2
    exit 2
fi
OUT="${FUZZ_BUILD_DIR:-build/fuzz}"
mkdir -p "$OUT/corpus" "$OUT/obj"

common=(-std=c++17 "${FUZZ_OPT:--O2}" -g -fno-omit-frame-pointer -I include -I tests)
# The library's units: sanitizers, and coverage of attnkit's functions only
# (fuzz/coverage_allowlist.txt). The harness unit (oracle, decoding, judging)
# has neither: its checks would otherwise cost more than the library's work.
san=(-fsanitize=address,undefined -fno-sanitize-recover=all -fsanitize=fuzzer-no-link
     -fsanitize-coverage-allowlist=fuzz/coverage_allowlist.txt -fno-sanitize-coverage=trace-cmp)
link=(-fsanitize=fuzzer,address,undefined)
if echo 'int main() { return 0; }' | "$CXX" -fopenmp -x c++ - -o "$OUT/obj/omp-check" 2>/dev/null; then
    common+=(-fopenmp)
    link+=(-fopenmp)
else
    echo "fuzz/run.sh: $CXX has no OpenMP (Debian: libomp-14-dev); parallel and decode run on one thread" >&2
fi
# FUZZ_STATIC=1: the sanitizer and libFuzzer runtimes are static anyway; add
# libstdc++ and libgcc, and look for libomp.so.5 next to the binary first
# (Debian ships no static libomp: copy it along).
[[ -n "${FUZZ_STATIC:-}" ]] && link+=(-static-libstdc++ -static-libgcc '-Wl,-rpath,$ORIGIN')

# Units: name|source|flags|what it depends on besides include/, in link order: the library's call first and the
# instruction sets narrowest first (so the copy of an inline function the
# linker keeps is instrumented and never wider than its callers: see
# cmake/attnkitIsaDispatch.cmake), the harness last.
units=("call|fuzz/sdpa_call.cpp|${san[*]}|fuzz/sdpa_call.hpp fuzz/coverage_allowlist.txt")
case "$(uname -m)" in
    x86_64 | amd64)
        common+=(-DATTNKIT_ISA_DISPATCH=1 -DATTNKIT_HAVE_ISA_SSE2=1 -DATTNKIT_HAVE_ISA_AVX2=1
                 -DATTNKIT_HAVE_ISA_AVX512=1)
        # The x86 rows of the ISA table (include/attnkit/detail/isa_table.hpp;
        # the ctest test lint.isa_table checks this copy against it).
        for isa in "sse2|xsimd::sse2|" "avx2|xsimd::fma3<xsimd::avx2>|-mavx2 -mfma" \
                   "avx512|xsimd::avx512bw|-mavx512f -mavx512cd -mavx512dq -mavx512bw -mavx512vl -mavx2 -mfma"; do
            IFS='|' read -r name arch flags <<<"$isa"
            src="$OUT/obj/isa_$name.cpp"
            text="#include <attnkit/isa_instance.hpp>
template struct attnkit::detail::isa_kernels<$arch>;"
            [[ -f "$src" && "$(cat "$src")" == "$text" ]] || printf '%s\n' "$text" >"$src"
            units+=("isa_$name|$src|${san[*]} $flags|fuzz/coverage_allowlist.txt")
        done
        ;;
    *) ;;  # header-only: the kernels of the compiler's default instruction set, in the call unit
esac
units+=("harness|fuzz/sdpa_fuzzer.cpp||fuzz/sdpa_call.hpp tests/support")

# A unit is compiled again when its command changed or a file it may include
# is newer than its object.
# shellcheck disable=SC2086  # $more: paths without spaces
objects=()
pids=()
status=0
max_jobs="${FUZZ_BUILD_JOBS:-$(nproc)}"
for unit in "${units[@]}"; do
    IFS='|' read -r name src flags more <<<"$unit"
    obj="$OUT/obj/$name.o"
    objects+=("$obj")
    # shellcheck disable=SC2206  # flags: words without spaces
    cmd=("$CXX" "${common[@]}" $flags -c "$src" -o "$obj")
    if [[ ! -f "$obj" || "$(cat "$obj.cmd" 2>/dev/null)" != "${cmd[*]}" ||
          -n "$(find include "$src" $more -type f -newer "$obj" | head -n 1)" ]]; then
        while (($(jobs -rp | wc -l) >= max_jobs)); do wait -n || true; done
        echo "fuzz/run.sh: compiling $name"
        rm -f "$obj" "$obj.cmd"
        ("${cmd[@]}" && echo "${cmd[*]}" >"$obj.cmd") &
        pids+=($!)
    fi
done
wait
# A unit compiled when its .cmd file is there (written after a successful compile).
for obj in "${objects[@]}"; do [[ -f "$obj.cmd" ]] || status=1; done
if [[ $status != 0 ]]; then
    echo "fuzz/run.sh: build failed" >&2
    exit 1
fi
link_cmd=("$CXX" "${common[@]}" "${link[@]}" "${objects[@]}" -o "$OUT/sdpa_fuzzer")
if [[ ${#pids[@]} -gt 0 || ! -x "$OUT/sdpa_fuzzer" || "$(cat "$OUT/sdpa_fuzzer.cmd" 2>/dev/null)" != "${link_cmd[*]}" ]]; then
    rm -f "$OUT/sdpa_fuzzer.cmd"
    "${link_cmd[@]}"
    echo "${link_cmd[*]}" >"$OUT/sdpa_fuzzer.cmd"
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
# The OpenMP runtime's own leak at exit (see the file).
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0}"
# threads = 0 means OpenMP's default: keep it small on many-core machines, and
# let idle OpenMP threads sleep at once (several fuzzing processes share the cores).
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
export KMP_BLOCKTIME="${KMP_BLOCKTIME:-0}"

if [[ "$SECONDS_BOUND" == 0 ]]; then
    [[ $# -eq 0 ]] && { echo "fuzz/run.sh: built $OUT/sdpa_fuzzer"; exit 0; }
    exec "$OUT/sdpa_fuzzer" "$@"
fi
# New inputs go to $OUT/corpus (not committed); fuzz/corpus is read as seeds.
# -max_len: the header is at most about 50 bytes; the values come from a
# generator. -use_counters=0 -entropic=0: edge coverage and the plain schedule;
# hit counts and entropic bookkeeping doubled the time per input (loop trip
# counts vary with every shape) for no more edges in as many runs. Flags given
# after the seconds override these. It runs in $OUT, where -jobs=N leaves its
# fuzz-<n>.log files.
root="$PWD"
cd "$OUT"
rm -f fuzz-*.log
status=0
./sdpa_fuzzer -max_total_time="$SECONDS_BOUND" -max_len=64 -use_counters=0 -entropic=0 -timeout=20 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$PWD/" "$@" corpus "$root/fuzz/corpus" || status=$?
# With -jobs the statistics are in the jobs' logs: their sum.
if compgen -G "fuzz-*.log" >/dev/null; then
    cat fuzz-*.log | awk '/^stat::number_of_executed_units:/ { n += $2; jobs++ }
                          /^stat::average_exec_per_sec:/ { r += $2 }
                          END { printf "fuzz/run.sh: %d jobs, %d executions, %d exec/s together\n", jobs, n, r }'
    grep -h -A3 "^FINDING" fuzz-*.log || true
fi
exit "$status"
