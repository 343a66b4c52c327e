// attnkit benchmarks: prefill-style attention (whole sequences at once).
//
// Benchmark names:   sdpa/<dtype>/<shape>/<mask>/<variant>/threads:<n>/real_time
//   dtype   f32 | f64
//   shape   B<batch>_H<heads>_S<seq>_D<head_dim>   (seq_q = seq_kv, head_dim_v = head_dim)
//   mask    full (no mask) | causal (top-left, PyTorch's is_causal)
//   variant naive | blocked | flash | parallel | automatic
//   n       options.tiles.threads given to the kernel
// and the probe:     BM_fma_peak/<dtype>/threads:<n>/real_time   (widest ISA)
//                    BM_fma_isa/<isa>/<dtype>/threads:<n>/real_time
//   (counters GFLOPS, by wall-clock time, and GFLOPS_cpu, by the threads' CPU
//   time; fma_peak_gflops() is the latter's best trial, see fma_peak.hpp)
//
// Counters:
//   GFLOPS       FLOP / second, FLOP as defined by attention_flop() below
//   pct_peak     GFLOPS / fma_peak_gflops(dtype, threads) * 100
//   peak_GFLOPS  that FMA peak (measured once by this process, or given with
//                --attnkit_peak)
//
// Standard Google Benchmark flags apply (--benchmark_filter,
// --benchmark_repetitions, --benchmark_enable_random_interleaving,
// --benchmark_report_aggregates_only, --benchmark_format=json, ...). Flags of
// this binary, given before or among those:
//   --attnkit_threads=LIST        kernel thread counts for the multi-threaded
//                                 variants (parallel, automatic); comma list of
//                                 numbers or "all" (omp_get_num_procs()).
//                                 Default: 1,all
//   --attnkit_naive_max_gflop=X   register naive only where one call is at most
//                                 X GFLOP (non-causal count). Default: 0.6
//   --attnkit_peak=LIST           use these FMA peaks instead of measuring them:
//                                 comma list of <dtype>:<threads>=<GFLOP/s>,
//                                 e.g. f32:1=145,f64:1=73 (others are measured)
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <attnkit/attnkit.hpp>
#include <benchmark/benchmark.h>

#include "common/benchmark_context.hpp"
#include "common/flags.hpp"
#include "common/inputs.hpp"
#include "common/sdpa_benchmark.hpp"
#include "common/shape.hpp"
#include "probes/fma_peak.hpp"

namespace {

using attnkit::index_t;
using attnkit_bench::dtype;

using attnkit_bench::shape;
using attnkit_bench::square;

// The library's own names (validate.hpp), as in every error message.
using attnkit::detail::variant_name;

// Variants that use options.tiles.threads; the others run on one thread and
// are registered with threads:1 only.
bool uses_threads(attnkit::variant v) {
    return v == attnkit::variant::parallel || v == attnkit::variant::automatic;
}

template <class T>
void bm_sdpa(benchmark::State& state, shape s, attnkit::variant kernel, int threads) {
    const double flop = attnkit_bench::attention_flop(s);
    const double peak = attnkit_bench::fma_peak_gflops(attnkit_bench::dtype_of<T>(), threads);
    if (!attnkit_bench::time_sdpa<T>(state, s, kernel, threads)) return;
    using benchmark::Counter;
    state.counters["GFLOPS"] = Counter(flop * 1e-9, Counter::kIsIterationInvariantRate);
    state.counters["pct_peak"] = Counter(flop * 1e-9 / peak * 100.0, Counter::kIsIterationInvariantRate);
    state.counters["peak_GFLOPS"] = Counter(peak);
}

void bm_fma(benchmark::State& state, dtype t, attnkit_bench::fma_isa isa, int threads) {
    // About 2-10 ms per iteration on current cores.
    constexpr std::int64_t steps = std::int64_t(1) << 18;
    double flop = 0, cpu_gflops = 0;
    try {
        for (auto _ : state) {
            const attnkit_bench::fma_measurement m = attnkit_bench::measure_fma(t, isa, threads, steps);
            flop = m.flop;
            cpu_gflops += m.cpu_gflops;
        }
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        return;
    }
    state.counters["GFLOPS"] = benchmark::Counter(flop * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    // Sum over threads of FLOP per thread CPU second: what the cores do while
    // they run the probe, whoever else shares the machine.
    state.counters["GFLOPS_cpu"] = benchmark::Counter(cpu_gflops, benchmark::Counter::kAvgIterations);
    state.SetLabel(attnkit_bench::isa_name(isa));
}

double min_of(const std::vector<double>& v) { return v.empty() ? 0 : *std::min_element(v.begin(), v.end()); }

template <class B>
B* configure(B* b) {
    // Median is one of the default aggregates; min is added for noisy machines.
    return b->UseRealTime()->Unit(benchmark::kMillisecond)->ComputeStatistics("min", min_of);
}

struct settings {
    std::vector<int> threads;  // for the multi-threaded variants
    double naive_max_gflop = 0.6;
    std::string peaks;  // --attnkit_peak, as given
};

[[noreturn]] void usage_error(const std::string& what) {
    std::fprintf(stderr, "attnkit_bench_prefill: %s\n", what.c_str());
    std::exit(1);
}

// Applies --attnkit_peak=f32:1=145,f64:2=140,...
void apply_peaks(const std::string& list) {
    for (const auto& [key, value] : attnkit_bench::parse_assignments(list, "--attnkit_peak")) {
        const std::size_t colon = key.find(':');
        if (colon == std::string::npos)
            throw std::invalid_argument("bad item '" + key + "' in --attnkit_peak (want <dtype>:<threads>=<GFLOP/s>)");
        const auto type = attnkit_bench::parse_dtype(key.substr(0, colon));
        if (!type) throw std::invalid_argument("bad dtype '" + key.substr(0, colon) + "' in --attnkit_peak");
        const long threads = attnkit_bench::parse_count(key.substr(colon + 1), "--attnkit_peak", 1, 4096);
        attnkit_bench::set_fma_peak_gflops(*type, static_cast<int>(threads),
                                           attnkit_bench::parse_positive(value, "--attnkit_peak"));
    }
}

// Takes this binary's own flags (--attnkit_*) out of argv, leaving Google Benchmark's.
settings parse_own_flags(int* argc, char** argv) {
    settings cfg;
    std::string threads = "1,all";
    for (const auto& [name, value] : attnkit_bench::take_flags(argc, argv, "--attnkit_")) {
        if (name == "threads")
            threads = value;
        else if (name == "peak")
            cfg.peaks = value;
        else if (name == "naive_max_gflop") {
            cfg.naive_max_gflop = attnkit_bench::parse_positive(value, "--attnkit_naive_max_gflop");
        } else
            throw std::invalid_argument("unknown flag --attnkit_" + name);
    }
    cfg.threads = attnkit_bench::parse_thread_list(threads, "--attnkit_threads");
    return cfg;
}

struct shape_set {
    shape s;
    std::vector<dtype> dtypes;
    std::vector<attnkit::causal> masks;
};

shape with_mode(shape s, attnkit::causal mode) {
    s.mode = mode;
    return s;
}

std::vector<shape_set> shape_sets() {
    using attnkit::causal;
    const std::vector<causal> both{causal::none, causal::top_left};
    std::vector<shape_set> sets{
        // Smoke: small enough for every variant, both dtypes, both masks.
        {square(1, 2, 64, 32), {dtype::f32, dtype::f64}, both},
        // The goal shapes.
        {square(1, 16, 2048, 128), {dtype::f32, dtype::f64}, both},
        {square(1, 16, 1024, 64), {dtype::f32, dtype::f64}, both},
    };
    // The study's square shapes: one head, seq = head_dim = dim (Q, K, V dim x dim).
    for (index_t dim : {64, 128, 256, 400, 512, 768, 1024})
        sets.push_back({square(1, 1, dim, dim), {dtype::f32}, {causal::none}});
    return sets;
}

void register_all(const settings& cfg) {
    using attnkit::variant;
    const variant variants[] = {variant::naive, variant::blocked, variant::flash, variant::parallel,
                                variant::automatic};
    for (const shape_set& set : shape_sets()) {
        for (const dtype t : set.dtypes) {
            for (const attnkit::causal mode : set.masks) {
                for (const variant kernel : variants) {
                    if (kernel == variant::naive &&
                        attnkit_bench::attention_flop(with_mode(set.s, attnkit::causal::none)) * 1e-9 >
                            cfg.naive_max_gflop)
                        continue;
                    const std::vector<int> thread_counts = uses_threads(kernel) ? cfg.threads : std::vector<int>{1};
                    for (const int n : thread_counts) {
                        const std::string name = std::string("sdpa/") + attnkit_bench::dtype_name(t) + "/" +
                                                 attnkit_bench::shape_name(set.s) + "/" +
                                                 (mode == attnkit::causal::none ? "full" : "causal") + "/" +
                                                 variant_name(kernel) + "/threads:" + std::to_string(n);
                        auto* b = t == dtype::f32 ? benchmark::RegisterBenchmark(name.c_str(), bm_sdpa<float>,
                                                                                  with_mode(set.s, mode), kernel, n)
                                                  : benchmark::RegisterBenchmark(name.c_str(), bm_sdpa<double>,
                                                                                  with_mode(set.s, mode), kernel, n);
                        configure(b);
                    }
                }
            }
        }
    }

    const std::vector<attnkit_bench::fma_isa> isas = attnkit_bench::supported_isas();
    for (const dtype t : {dtype::f32, dtype::f64})
        for (const int n : cfg.threads) {
            const std::string name =
                std::string("BM_fma_peak/") + attnkit_bench::dtype_name(t) + "/threads:" + std::to_string(n);
            configure(benchmark::RegisterBenchmark(name.c_str(), bm_fma, t, isas.front(), n));
        }
    for (const auto isa : isas)
        for (const dtype t : {dtype::f32, dtype::f64})
            for (const int n : cfg.threads) {
                const std::string name = std::string("BM_fma_isa/") + attnkit_bench::isa_name(isa) + "/" +
                                         attnkit_bench::dtype_name(t) + "/threads:" + std::to_string(n);
                configure(benchmark::RegisterBenchmark(name.c_str(), bm_fma, t, isa, n));
            }
}

}  // namespace

int main(int argc, char** argv) try {
    const settings cfg = parse_own_flags(&argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    attnkit_bench::add_benchmark_context();
    benchmark::AddCustomContext("attnkit_isa", attnkit::isa_name(attnkit::selected_isa()));
    benchmark::AddCustomContext("fma_isa", attnkit_bench::isa_name(attnkit_bench::widest_isa()));
    apply_peaks(cfg.peaks);
    benchmark::AddCustomContext("fma_peak_given", cfg.peaks.empty() ? "none (measured)" : cfg.peaks);
    register_all(cfg);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
} catch (const std::invalid_argument& e) {
    usage_error(e.what());
}
