// attnkit benchmarks: decoding (a few query rows against a long KV cache),
// measured against the machine's read bandwidth.
//
// Benchmark names:  decode/<dtype>/<shape>/<mask>/<variant>/threads:<n>/real_time
//   dtype    f32 | f64
//   shape    B<batch>_Hq<heads_q>_Hkv<heads_kv>_Sq<seq_q>_Skv<seq_kv>_D<head_dim>  (head_dim_v = head_dim)
//   mask     full (no mask) | causal (bottom-right: the queries are the cache's last rows)
//   variant  decode | parallel (the flash tiles over threads, for comparison)
//   n        options.tiles.threads given to the kernel
// and the probe:    BM_read_bw/threads:<n>/real_time
//   a streaming sum over a buffer of max(1 GiB, 8 x the last-level cache)
//   (--attnkit_probe_mib changes it), each of n OpenMP threads summing its
//   own contiguous slice; one pass per iteration.
//
// Counters:
//   GBps        bytes of K and V read per second, bytes = B * heads_kv * seq_kv
//               * (head_dim + head_dim_v) * sizeof(T): each K and V row once,
//               what the kernel must at least read (q, out and the partial
//               states are a small fraction at these shapes). For the probe:
//               bytes of its buffer per second.
//   pct_probe   GBps / probe bandwidth at the same thread count * 100
//   probe_GBps  that probe bandwidth (best of 5 passes, measured once by this
//               process, or given with --attnkit_bw)
//   GFLOPS      2 * B * heads_q * pairs * (head_dim + head_dim_v) per second,
//               the two matrix products (seq_q = 16 is compute-bound per core)
//
// Shapes (every one with both variants and every thread count):
//   f32 B1 Hq32 Hkv8  Sq1  Skv32768 D128   GQA decode, 256 MiB of K and V
//   f32 B1 Hq32 Hkv32 Sq1  Skv4096  D128   MHA, PyTorch's comparison shape (bench/torch_decode.py)
//   f32 B1 Hq32 Hkv8  Sq16 Skv32768 D128   speculative decoding: 16 draft tokens, causal
//   f32 B1 Hq32 Hkv32 Sq16 Skv4096  D128   the same on the MHA cache
//   f32 B1 Hq32 Hkv1  Sq1  Skv131072 D128  MQA, the longest cache
//   f32 B8 Hq32 Hkv8  Sq1  Skv4096  D128   a batch of sequences
//   f64 B1 Hq32 Hkv8  Sq1  Skv32768 D128
//   f64 B1 Hq32 Hkv1  Sq1  Skv131072 D128
//
// Flags of this binary, given before or among Google Benchmark's:
//   --attnkit_threads=LIST     kernel and probe thread counts: comma list of
//                              numbers or "all" (omp_get_num_procs()). Default 1,all
//   --attnkit_bw=LIST          probe bandwidths to use instead of measuring:
//                              <threads>=<GB/s>, e.g. 1=11.5,16=140
//   --attnkit_probe_mib=N      probe buffer size in MiB (default as above)
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <attnkit/attnkit.hpp>
#include <benchmark/benchmark.h>

#include "common/benchmark_context.hpp"
#include "common/flags.hpp"
#include "common/inputs.hpp"
#include "common/sdpa_benchmark.hpp"
#include "common/shape.hpp"
#include "probes/read_bandwidth.hpp"

namespace {

using attnkit::index_t;
using attnkit_bench::shape;

void bm_read_bw(benchmark::State& state, int threads) {
    const double bytes = double(attnkit_bench::probe_bytes() / sizeof(double) * sizeof(double));
    for (auto _ : state) attnkit_bench::probe_pass(threads);
    state.counters["GBps"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["buffer_MiB"] = benchmark::Counter(bytes / double(1 << 20));
}

// ---- decode -------------------------------------------------------------------

template <class T>
void bm_decode(benchmark::State& state, shape s, attnkit::variant kernel, int threads) {
    const double bytes = attnkit_bench::kv_bytes(s, sizeof(T));
    const double flop = attnkit_bench::attention_flop(s);
    const double probe = attnkit_bench::read_bandwidth_gbps(threads);
    if (!attnkit_bench::time_sdpa<T>(state, s, kernel, threads)) return;
    using benchmark::Counter;
    state.counters["GBps"] = Counter(bytes * 1e-9, Counter::kIsIterationInvariantRate);
    state.counters["pct_probe"] = Counter(bytes * 1e-9 / probe * 100.0, Counter::kIsIterationInvariantRate);
    state.counters["probe_GBps"] = Counter(probe);
    state.counters["GFLOPS"] = Counter(flop * 1e-9, Counter::kIsIterationInvariantRate);
}

// ---- flags and registration ------------------------------------------------------

[[noreturn]] void usage_error(const std::string& what) {
    std::fprintf(stderr, "attnkit_bench_decode: %s\n", what.c_str());
    std::exit(1);
}

struct settings {
    std::vector<int> threads;
    std::string bandwidths;
};

// Takes this binary's own flags (--attnkit_*) out of argv, leaving Google Benchmark's.
settings parse_own_flags(int* argc, char** argv) {
    settings cfg;
    std::string threads = "1,all";
    for (const auto& [name, value] : attnkit_bench::take_flags(argc, argv, "--attnkit_")) {
        if (name == "threads")
            threads = value;
        else if (name == "bw")
            cfg.bandwidths = value;
        else if (name == "probe_mib")
            attnkit_bench::set_probe_bytes(
                static_cast<std::size_t>(attnkit_bench::parse_count(value, "--attnkit_probe_mib", 1, 1 << 20)) << 20);
        else
            throw std::invalid_argument("unknown flag --attnkit_" + name);
    }
    cfg.threads = attnkit_bench::parse_thread_list(threads, "--attnkit_threads");
    // --attnkit_bw=1=11.5,16=140
    for (const auto& [n, gbps] : attnkit_bench::parse_assignments(cfg.bandwidths, "--attnkit_bw"))
        attnkit_bench::set_read_bandwidth(static_cast<int>(attnkit_bench::parse_count(n, "--attnkit_bw", 1, 4096)),
                                          attnkit_bench::parse_positive(gbps, "--attnkit_bw"));
    return cfg;
}

struct decode_case {
    const char* dtype;
    shape s;
};

std::vector<decode_case> decode_cases() {
    using attnkit::causal;
    return {
        {"f32", {1, 32, 8, 1, 32768, 128, 128, causal::none}},
        {"f32", {1, 32, 32, 1, 4096, 128, 128, causal::none}},
        {"f32", {1, 32, 8, 16, 32768, 128, 128, causal::bottom_right}},
        {"f32", {1, 32, 32, 16, 4096, 128, 128, causal::bottom_right}},
        {"f32", {1, 32, 1, 1, 131072, 128, 128, causal::none}},
        {"f32", {8, 32, 8, 1, 4096, 128, 128, causal::none}},
        {"f64", {1, 32, 8, 1, 32768, 128, 128, causal::none}},
        {"f64", {1, 32, 1, 1, 131072, 128, 128, causal::none}},
    };
}

void register_all(const settings& cfg) {
    using attnkit::variant;
    for (const decode_case& c : decode_cases()) {
        for (const variant kernel : {variant::decode, variant::parallel}) {
            for (const int n : cfg.threads) {
                const std::string name = std::string("decode/") + c.dtype + "/" + attnkit_bench::shape_name(c.s) + "/" +
                                         (c.s.mode == attnkit::causal::none ? "full" : "causal") + "/" +
                                         (kernel == variant::decode ? "decode" : "parallel") +
                                         "/threads:" + std::to_string(n);
                auto* b = std::strcmp(c.dtype, "f32") == 0
                              ? benchmark::RegisterBenchmark(name.c_str(), bm_decode<float>, c.s, kernel, n)
                              : benchmark::RegisterBenchmark(name.c_str(), bm_decode<double>, c.s, kernel, n);
                b->UseRealTime()->Unit(benchmark::kMillisecond);
            }
        }
    }
    for (const int n : cfg.threads)
        benchmark::RegisterBenchmark(("BM_read_bw/threads:" + std::to_string(n)).c_str(), bm_read_bw, n)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) try {
    const settings cfg = parse_own_flags(&argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    attnkit_bench::add_benchmark_context();
    benchmark::AddCustomContext("attnkit_isa", attnkit::isa_name(attnkit::selected_isa()));
    benchmark::AddCustomContext("probe_buffer_bytes", std::to_string(attnkit_bench::probe_bytes()));
    benchmark::AddCustomContext("probe_bw_given", cfg.bandwidths.empty() ? "none (measured)" : cfg.bandwidths);
    register_all(cfg);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
} catch (const std::invalid_argument& e) {
    usage_error(e.what());
}
