#!/usr/bin/env bash
# Builds attnkit_ab (ab_main.cpp) with two revisions of the library, each in a
# namespace of its own, and runs it: the two are called alternately on the
# same inputs, and the median of the paired ratios b/a judges the change. The
# outputs column says whether the two revisions' outputs are bitwise equal.
#
# Usage: bench/ab/run.sh REV_A REV_B [ROUNDS CASE... [--json FILE]]
#   REV: a git revision (its include/ is taken from git), or "worktree" for
#   the working tree's include/. Without ROUNDS it only builds.
#   bench/ab/run.sh HEAD~1 worktree 21 f32:flash1:full:16:16:2048:2048:128 f32:parallel16:full:16:16:2048:2048:128
#   bench/ab/run.sh main worktree 15 f32:decode1:full:32:8:1:32768:128
# Environment: CXX (default g++), AB_ARCH_FLAGS (default -march=native; give
# the target's flags to run the binary on another machine, e.g. "-mavx512f
# -mavx512cd -mavx512dq -mavx512bw -mavx512vl -mavx2 -mfma", the library's
# AVX-512 dispatch unit), AB_STATIC=1 (link libstdc++ and libgcc statically),
# AB_BUILD_DIR (default build/ab), AB_LIBS (more link arguments: for the
# LIBXSMM backend, -DATTNKIT_WITH_LIBXSMM in AB_ARCH_FLAGS and
# "-lxsmm -lxsmmnoblas -lpthread -ldl" here, libxsmm before its BLAS
# substitute). The binary is $AB_BUILD_DIR/attnkit_ab.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[[ $# -ge 2 ]] || { sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2; }
rev_a="$1"
rev_b="$2"
shift 2
CXX="${CXX:-g++}"
OUT="${AB_BUILD_DIR:-build/ab}"
read -r -a arch <<<"${AB_ARCH_FLAGS:--march=native}"
flags=(-std=c++17 -O3 -DNDEBUG -fopenmp "${arch[@]}")
link=()
[[ -n "${AB_STATIC:-}" ]] && link+=(-static-libstdc++ -static-libgcc)
read -r -a extra_libs <<<"${AB_LIBS:-}"
link+=("${extra_libs[@]}")
mkdir -p "$OUT"

# The include/ folder of a revision.
headers_of() {
    local rev="$1" dir
    if [[ "$rev" == worktree ]]; then
        echo "$PWD/include"
        return
    fi
    dir="$OUT/rev-$(git rev-parse --short "$rev^{commit}")"
    if [[ ! -d "$dir/include" ]]; then
        mkdir -p "$dir"
        git archive "$rev" include | tar -x -C "$dir"
    fi
    echo "$PWD/$dir/include"
}

inc_a="$(headers_of "$rev_a")"
inc_b="$(headers_of "$rev_b")"
echo "attnkit_ab: a = $rev_a, b = $rev_b; compiling ($CXX ${flags[*]})" >&2
"$CXX" "${flags[@]}" -I "$inc_a" -Dattnkit=attnkit_rev_a -DATTNKIT_AB_ENTRY=run_a -c bench/ab/ab_unit.cpp -o "$OUT/a.o" &
"$CXX" "${flags[@]}" -I "$inc_b" -Dattnkit=attnkit_rev_b -DATTNKIT_AB_ENTRY=run_b -c bench/ab/ab_unit.cpp -o "$OUT/b.o" &
"$CXX" "${flags[@]}" -I bench -c bench/ab/ab_main.cpp -o "$OUT/main.o" &
wait %1 && wait %2 && wait %3
"$CXX" "${flags[@]}" "$OUT/main.o" "$OUT/a.o" "$OUT/b.o" "${link[@]}" -o "$OUT/attnkit_ab"
[[ $# -eq 0 ]] && { echo "attnkit_ab: built $OUT/attnkit_ab" >&2; exit 0; }
exec "$OUT/attnkit_ab" "$@"
