// attnkit benchmarks: the machine facts (common/machine.hpp) as Google
// Benchmark context, so that every JSON record of a benchmark program carries
// the commit, dirty flag, build flags, CPU and OpenMP settings it ran with.
#pragma once

#include <benchmark/benchmark.h>

#include "common/machine.hpp"

namespace attnkit_bench {

inline void add_benchmark_context() {
    for (const auto& [name, value] : machine_facts()) benchmark::AddCustomContext(name, value);
#if defined(NDEBUG)
    benchmark::AddCustomContext("attnkit_bench_ndebug", "yes");
#else
    benchmark::AddCustomContext("attnkit_bench_ndebug", "no");
#endif
#if defined(__OPTIMIZE__)
    // Debian's libbenchmark prints "Library was built as DEBUG": that is the
    // benchmark library's own build; this line is about attnkit's.
    benchmark::AddCustomContext("attnkit_bench_optimized", "yes");
#else
    benchmark::AddCustomContext("attnkit_bench_optimized", "no (numbers are not meaningful)");
#endif
}

}  // namespace attnkit_bench
