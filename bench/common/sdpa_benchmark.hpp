// attnkit benchmarks: the timed loop every sdpa benchmark runs, in one place:
// the shape's seeded inputs, the output filled with NaN first (so that the
// finiteness check also catches elements the kernel never wrote), sdpa in
// Google Benchmark's loop, then the check. The programs add their counters.
#pragma once

#include <attnkit/attnkit.hpp>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>

#include "common/inputs.hpp"
#include "common/shape.hpp"

namespace attnkit_bench {

// False when the call threw or left a non-finite element (the state is then
// marked with the error and its counters must not be set).
template <class T>
bool time_sdpa(benchmark::State& state, const shape& s, attnkit::variant kernel, int threads) {
    inputs<T>& t = inputs_for<T>(s);
    std::fill(t.out.begin(), t.out.end(), std::numeric_limits<T>::quiet_NaN());
    attnkit::options<T> opt;
    opt.kernel = kernel;
    opt.causal_mode = s.mode;
    opt.tiles.threads = threads;
    const auto q = t.q_view(), k = t.k_view(), v = t.v_view();
    const auto out = t.out_view();
    try {
        for (auto _ : state) {
            attnkit::sdpa<T>(q, k, v, out, opt);
            benchmark::ClobberMemory();
        }
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        return false;
    }
    if (!std::all_of(t.out.begin(), t.out.end(), [](T e) { return std::isfinite(e); })) {
        state.SkipWithError("output has non-finite elements");
        return false;
    }
    return true;
}

}  // namespace attnkit_bench
