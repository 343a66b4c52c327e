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

#include "aligned_buffer.hpp"
#include "flop.hpp"
#include "fma_peak.hpp"

namespace {

using attnkit::index_t;
using attnkit_bench::dtype;

struct shape {
    index_t batch, heads, seq_q, seq_kv, head_dim, head_dim_v;
};

shape square(index_t batch, index_t heads, index_t seq, index_t dim) { return {batch, heads, seq, seq, dim, dim}; }

std::string shape_name(const shape& s) {
    std::string n = "B" + std::to_string(s.batch) + "_H" + std::to_string(s.heads);
    if (s.seq_q == s.seq_kv)
        n += "_S" + std::to_string(s.seq_q);
    else
        n += "_Sq" + std::to_string(s.seq_q) + "_Skv" + std::to_string(s.seq_kv);
    n += "_D" + std::to_string(s.head_dim);
    if (s.head_dim_v != s.head_dim) n += "_Dv" + std::to_string(s.head_dim_v);
    return n;
}

// FLOP of one call under the benchmarks' one convention (flop.hpp).
double attention_flop(const shape& s, attnkit::causal c) {
    const index_t offset = c == attnkit::causal::bottom_right ? s.seq_kv - s.seq_q : 0;
    const double pairs = attnkit_bench::visible_pairs(s.seq_q, s.seq_kv, c != attnkit::causal::none, offset);
    return attnkit_bench::attention_flop(s.batch, s.heads, pairs, s.head_dim, s.head_dim_v);
}

// Inputs of one shape, seeded random in [-1, 1], made once and reused by every
// benchmark of that shape and dtype (only the latest shape is kept, to bound
// memory). Made outside any timed region.
template <class T>
struct tensors {
    shape s{};
    attnkit_bench::aligned_vector<T> q, k, v, out;
};

template <class T>
tensors<T>& tensors_for(const shape& s) {
    static std::unique_ptr<tensors<T>> cached;
    const auto same = [&](const shape& a) {
        return a.batch == s.batch && a.heads == s.heads && a.seq_q == s.seq_q && a.seq_kv == s.seq_kv &&
               a.head_dim == s.head_dim && a.head_dim_v == s.head_dim_v;
    };
    if (cached && same(cached->s)) return *cached;
    cached.reset();  // free the previous shape first
    auto t = std::make_unique<tensors<T>>();
    t->s = s;
    std::mt19937_64 rng(20240611);
    std::uniform_real_distribution<T> dist(T(-1), T(1));
    const auto fill = [&](attnkit_bench::aligned_vector<T>& x, index_t n) {
        x.resize(static_cast<std::size_t>(n));
        for (auto& e : x) e = dist(rng);
    };
    fill(t->q, s.batch * s.heads * s.seq_q * s.head_dim);
    fill(t->k, s.batch * s.heads * s.seq_kv * s.head_dim);
    fill(t->v, s.batch * s.heads * s.seq_kv * s.head_dim_v);
    t->out.assign(static_cast<std::size_t>(s.batch * s.heads * s.seq_q * s.head_dim_v), T(0));
    cached = std::move(t);
    return *cached;
}

const char* variant_name(attnkit::variant v) {
    switch (v) {
        case attnkit::variant::naive: return "naive";
        case attnkit::variant::blocked: return "blocked";
        case attnkit::variant::flash: return "flash";
        case attnkit::variant::parallel: return "parallel";
        case attnkit::variant::automatic: return "automatic";
        case attnkit::variant::decode: return "decode";
    }
    return "unknown";
}

// Variants that use options.tiles.threads; the others run on one thread and
// are registered with threads:1 only.
bool uses_threads(attnkit::variant v) {
    return v == attnkit::variant::parallel || v == attnkit::variant::automatic;
}

template <class T>
constexpr dtype dtype_of() {
    return std::is_same_v<T, float> ? dtype::f32 : dtype::f64;
}

template <class T>
bool all_finite(const attnkit_bench::aligned_vector<T>& x) {
    return std::all_of(x.begin(), x.end(), [](T e) { return std::isfinite(e); });
}

template <class T>
void bm_sdpa(benchmark::State& state, shape s, attnkit::variant kernel, attnkit::causal mode, int threads) {
    tensors<T>& t = tensors_for<T>(s);
    // NaN everywhere, so the finiteness check below also catches elements the
    // kernel never wrote.
    std::fill(t.out.begin(), t.out.end(), std::numeric_limits<T>::quiet_NaN());

    attnkit::options<T> opt;
    opt.kernel = kernel;
    opt.causal_mode = mode;
    opt.tiles.threads = threads;
    const auto q = attnkit::bhsd<const T>(t.q.data(), s.batch, s.heads, s.seq_q, s.head_dim);
    const auto k = attnkit::bhsd<const T>(t.k.data(), s.batch, s.heads, s.seq_kv, s.head_dim);
    const auto v = attnkit::bhsd<const T>(t.v.data(), s.batch, s.heads, s.seq_kv, s.head_dim_v);
    const auto out = attnkit::bhsd<T>(t.out.data(), s.batch, s.heads, s.seq_q, s.head_dim_v);

    const double flop = attention_flop(s, mode);
    const double peak = attnkit_bench::fma_peak_gflops(dtype_of<T>(), threads);

    try {
        for (auto _ : state) {
            attnkit::sdpa<T>(q, k, v, out, opt);
            benchmark::ClobberMemory();
        }
    } catch (const std::exception& e) {  // a variant that is not implemented yet
        state.SkipWithError(e.what());
        return;
    }
    if (!all_finite(t.out)) {
        state.SkipWithError("output has non-finite elements");
        return;
    }
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
    std::size_t pos = 0;
    while (pos < list.size()) {
        const std::size_t comma = std::min(list.find(',', pos), list.size());
        const std::string item = list.substr(pos, comma - pos);
        pos = comma + 1;
        const std::size_t colon = item.find(':'), equals = item.find('=');
        if (colon == std::string::npos || equals == std::string::npos || equals < colon)
            usage_error("bad item '" + item + "' in --attnkit_peak (want <dtype>:<threads>=<GFLOP/s>)");
        const std::string type = item.substr(0, colon);
        if (type != "f32" && type != "f64") usage_error("bad dtype '" + type + "' in --attnkit_peak");
        char* end = nullptr;
        const std::string threads_text = item.substr(colon + 1, equals - colon - 1);
        const long threads = std::strtol(threads_text.c_str(), &end, 10);
        if (threads_text.empty() || *end != '\0' || threads < 1 || threads > 4096)
            usage_error("bad thread count '" + threads_text + "' in --attnkit_peak");
        const std::string value_text = item.substr(equals + 1);
        const double value = std::strtod(value_text.c_str(), &end);
        if (value_text.empty() || *end != '\0' || !(value > 0) || !std::isfinite(value))
            usage_error("bad GFLOP/s '" + value_text + "' in --attnkit_peak");
        attnkit_bench::set_fma_peak_gflops(type == "f32" ? dtype::f32 : dtype::f64, static_cast<int>(threads),
                                           value);
    }
}

int all_threads() { return std::max(1, omp_get_num_procs()); }

std::vector<int> parse_threads(const std::string& list) {
    std::vector<int> out;
    std::size_t pos = 0;
    while (pos <= list.size()) {
        const std::size_t comma = std::min(list.find(',', pos), list.size());
        const std::string item = list.substr(pos, comma - pos);
        if (item == "all") {
            out.push_back(all_threads());
        } else {
            char* end = nullptr;
            const long n = std::strtol(item.c_str(), &end, 10);
            if (item.empty() || *end != '\0' || n < 1 || n > 4096)
                usage_error("bad thread count '" + item + "' in --attnkit_threads");
            out.push_back(static_cast<int>(n));
        }
        pos = comma + 1;
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// Removes this binary's own flags from argv, leaving Google Benchmark's.
settings parse_own_flags(int* argc, char** argv) {
    settings cfg;
    std::string threads = "1,all";
    int kept = 1;
    for (int i = 1; i < *argc; ++i) {
        const char* a = argv[i];
        if (std::strncmp(a, "--attnkit_threads=", 18) == 0) {
            threads = a + 18;
        } else if (std::strncmp(a, "--attnkit_peak=", 15) == 0) {
            cfg.peaks = a + 15;
        } else if (std::strncmp(a, "--attnkit_naive_max_gflop=", 26) == 0) {
            char* end = nullptr;
            cfg.naive_max_gflop = std::strtod(a + 26, &end);
            if (end == a + 26 || *end != '\0' || !(cfg.naive_max_gflop >= 0))
                usage_error(std::string("bad value in ") + a);
        } else {
            argv[kept++] = argv[i];
        }
    }
    *argc = kept;
    argv[kept] = nullptr;
    cfg.threads = parse_threads(threads);
    return cfg;
}

struct shape_set {
    shape s;
    std::vector<dtype> dtypes;
    std::vector<attnkit::causal> masks;
};

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
                        attention_flop(set.s, attnkit::causal::none) * 1e-9 > cfg.naive_max_gflop)
                        continue;
                    const std::vector<int> thread_counts = uses_threads(kernel) ? cfg.threads : std::vector<int>{1};
                    for (const int n : thread_counts) {
                        const std::string name = std::string("sdpa/") + attnkit_bench::dtype_name(t) + "/" +
                                                 shape_name(set.s) + "/" +
                                                 (mode == attnkit::causal::none ? "full" : "causal") + "/" +
                                                 variant_name(kernel) + "/threads:" + std::to_string(n);
                        auto* b = t == dtype::f32 ? benchmark::RegisterBenchmark(name.c_str(), bm_sdpa<float>,
                                                                                  set.s, kernel, mode, n)
                                                  : benchmark::RegisterBenchmark(name.c_str(), bm_sdpa<double>,
                                                                                  set.s, kernel, mode, n);
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

int main(int argc, char** argv) {
    const settings cfg = parse_own_flags(&argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    benchmark::AddCustomContext("attnkit_version", std::to_string(ATTNKIT_VERSION_MAJOR) + "." +
                                                       std::to_string(ATTNKIT_VERSION_MINOR) + "." +
                                                       std::to_string(ATTNKIT_VERSION_PATCH));
    benchmark::AddCustomContext("fma_isa", attnkit_bench::isa_name(attnkit_bench::widest_isa()));
    benchmark::AddCustomContext("omp_num_procs", std::to_string(omp_get_num_procs()));
    benchmark::AddCustomContext("hardware_concurrency", std::to_string(std::thread::hardware_concurrency()));
#if defined(NDEBUG)
    benchmark::AddCustomContext("attnkit_bench_ndebug", "yes");
#else
    benchmark::AddCustomContext("attnkit_bench_ndebug", "no");
#endif
#if defined(__OPTIMIZE__)
    benchmark::AddCustomContext("attnkit_bench_optimized", "yes");
#else
    benchmark::AddCustomContext("attnkit_bench_optimized", "no (numbers are not meaningful)");
#endif

    apply_peaks(cfg.peaks);
    benchmark::AddCustomContext("fma_peak_given", cfg.peaks.empty() ? "none (measured)" : cfg.peaks);
    register_all(cfg);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
