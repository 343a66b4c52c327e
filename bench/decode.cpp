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
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <attnkit/attnkit.hpp>
#include <benchmark/benchmark.h>

#include "aligned_buffer.hpp"
#include "flop.hpp"

namespace {

using attnkit::index_t;

// ---- the read-bandwidth probe ---------------------------------------------------

// The last-level cache in bytes: sysconf where glibc reports it, else the
// largest cache of cpu0 in sysfs; 0 when neither knows.
std::size_t last_level_cache_bytes() {
    long best = 0;
#ifdef _SC_LEVEL3_CACHE_SIZE
    best = std::max(best, sysconf(_SC_LEVEL3_CACHE_SIZE));
#endif
#ifdef _SC_LEVEL2_CACHE_SIZE
    best = std::max(best, sysconf(_SC_LEVEL2_CACHE_SIZE));
#endif
    for (int index = 0; index < 8; ++index) {
        std::ifstream f("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/size");
        long value = 0;
        std::string unit;
        if (!(f >> value)) continue;
        f >> unit;
        if (unit == "K") value <<= 10;
        if (unit == "M") value <<= 20;
        best = std::max(best, value);
    }
    return static_cast<std::size_t>(std::max(best, 0L));
}

std::size_t g_probe_bytes = 0;  // 0: max(1 GiB, 8 x LLC)

std::size_t probe_bytes() {
    if (g_probe_bytes) return g_probe_bytes;
    return std::max<std::size_t>(std::size_t(1) << 30, 8 * last_level_cache_bytes());
}

// The probe's buffer, allocated and first touched once, each thread writing
// the slice it later reads (on a NUMA machine its pages are then local).
class probe_buffer {
public:
    static probe_buffer& get() {
        static probe_buffer b;
        return b;
    }
    const double* data() const { return data_.get(); }
    std::size_t count() const { return count_; }

private:
    probe_buffer() : count_(probe_bytes() / sizeof(double)), data_(new double[count_]) {
        double* p = data_.get();
        const std::size_t n = count_;
#pragma omp parallel
        {
            const std::size_t t = static_cast<std::size_t>(omp_get_thread_num());
            const std::size_t team = static_cast<std::size_t>(omp_get_num_threads());
            for (std::size_t i = n * t / team; i < n * (t + 1) / team; ++i) p[i] = double(i % 1024) * 0x1p-10;
        }
    }
    std::size_t count_;
    std::unique_ptr<double[]> data_;
};

volatile double g_sink = 0;

// One pass: `threads` threads each sum their contiguous slice with eight
// independent accumulators (no add latency chain limits the loads). Returns
// the pass's wall-clock seconds.
double probe_pass(int threads) {
    const probe_buffer& b = probe_buffer::get();
    const double* p = b.data();
    const std::size_t n = b.count();
    double total = 0;
    const double t0 = omp_get_wtime();
#pragma omp parallel num_threads(threads) reduction(+ : total)
    {
        const std::size_t t = static_cast<std::size_t>(omp_get_thread_num());
        const std::size_t team = static_cast<std::size_t>(omp_get_num_threads());
        const std::size_t first = n * t / team, last = n * (t + 1) / team;
        double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        std::size_t i = first;
        for (; i + 8 <= last; i += 8)
            for (int k = 0; k < 8; ++k) s[k] += p[i + static_cast<std::size_t>(k)];
        for (; i < last; ++i) s[0] += p[i];
        total += ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    }
    const double seconds = omp_get_wtime() - t0;
    g_sink = total;
    return seconds;
}

std::mutex g_bw_mutex;
std::map<int, double> g_bw;  // threads -> GB/s, measured or given

// Read bandwidth at `threads` threads: best of 5 passes after one warm-up pass.
double read_bandwidth_gbps(int threads) {
    std::lock_guard<std::mutex> lock(g_bw_mutex);
    const auto it = g_bw.find(threads);
    if (it != g_bw.end()) return it->second;
    probe_pass(threads);
    double best = std::numeric_limits<double>::infinity();
    for (int pass = 0; pass < 5; ++pass) best = std::min(best, probe_pass(threads));
    const double gbps = double(probe_buffer::get().count() * sizeof(double)) / best * 1e-9;
    g_bw[threads] = gbps;
    return gbps;
}

void bm_read_bw(benchmark::State& state, int threads) {
    const double bytes = double(probe_buffer::get().count() * sizeof(double));
    for (auto _ : state) probe_pass(threads);
    state.counters["GBps"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["buffer_MiB"] = benchmark::Counter(bytes / double(1 << 20));
}

// ---- decode -------------------------------------------------------------------

struct shape {
    index_t batch, heads_q, heads_kv, seq_q, seq_kv, head_dim;
};

std::string shape_name(const shape& s) {
    return "B" + std::to_string(s.batch) + "_Hq" + std::to_string(s.heads_q) + "_Hkv" + std::to_string(s.heads_kv) +
           "_Sq" + std::to_string(s.seq_q) + "_Skv" + std::to_string(s.seq_kv) + "_D" + std::to_string(s.head_dim);
}

// Bytes of K and V a call must read: every row of both once.
double kv_bytes(const shape& s, std::size_t element) {
    return double(s.batch) * double(s.heads_kv) * double(s.seq_kv) * double(2 * s.head_dim) * double(element);
}

// The two matrix products' FLOP over the visible (query, key) pairs; bottom-
// right causal: query i sees keys j <= i + seq_kv - seq_q.
double attention_flop(const shape& s, attnkit::causal mode) {
    const double pairs =
        attnkit_bench::visible_pairs(s.seq_q, s.seq_kv, mode != attnkit::causal::none, s.seq_kv - s.seq_q);
    return attnkit_bench::attention_flop(s.batch, s.heads_q, pairs, s.head_dim, s.head_dim);
}

// Inputs of the latest shape and dtype, seeded uniform in [-1, 1], made
// outside any timed region (only one shape is kept: the caches are large).
template <class T>
struct tensors {
    shape s{};
    attnkit_bench::aligned_vector<T> q, k, v, out;
};

template <class T>
tensors<T>& tensors_for(const shape& s) {
    static std::unique_ptr<tensors<T>> cached;
    const auto same = [&](const shape& a) {
        return a.batch == s.batch && a.heads_q == s.heads_q && a.heads_kv == s.heads_kv && a.seq_q == s.seq_q &&
               a.seq_kv == s.seq_kv && a.head_dim == s.head_dim;
    };
    if (cached && same(cached->s)) return *cached;
    cached.reset();
    auto t = std::make_unique<tensors<T>>();
    t->s = s;
    std::mt19937_64 rng(20240611);
    std::uniform_real_distribution<T> dist(T(-1), T(1));
    const auto fill = [&](attnkit_bench::aligned_vector<T>& x, index_t n) {
        x.resize(static_cast<std::size_t>(n));
        for (auto& e : x) e = dist(rng);
    };
    fill(t->q, s.batch * s.heads_q * s.seq_q * s.head_dim);
    fill(t->k, s.batch * s.heads_kv * s.seq_kv * s.head_dim);
    fill(t->v, s.batch * s.heads_kv * s.seq_kv * s.head_dim);
    t->out.assign(static_cast<std::size_t>(s.batch * s.heads_q * s.seq_q * s.head_dim), T(0));
    cached = std::move(t);
    return *cached;
}

template <class T>
void bm_decode(benchmark::State& state, shape s, attnkit::variant kernel, attnkit::causal mode, int threads) {
    tensors<T>& t = tensors_for<T>(s);
    std::fill(t.out.begin(), t.out.end(), std::numeric_limits<T>::quiet_NaN());
    attnkit::options<T> opt;
    opt.kernel = kernel;
    opt.causal_mode = mode;
    opt.tiles.threads = threads;
    const auto q = attnkit::bhsd<const T>(t.q.data(), s.batch, s.heads_q, s.seq_q, s.head_dim);
    const auto k = attnkit::bhsd<const T>(t.k.data(), s.batch, s.heads_kv, s.seq_kv, s.head_dim);
    const auto v = attnkit::bhsd<const T>(t.v.data(), s.batch, s.heads_kv, s.seq_kv, s.head_dim);
    const auto out = attnkit::bhsd<T>(t.out.data(), s.batch, s.heads_q, s.seq_q, s.head_dim);
    const double bytes = kv_bytes(s, sizeof(T));
    const double flop = attention_flop(s, mode);
    const double probe = read_bandwidth_gbps(threads);
    try {
        for (auto _ : state) {
            attnkit::sdpa<T>(q, k, v, out, opt);
            benchmark::ClobberMemory();
        }
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        return;
    }
    if (!std::all_of(t.out.begin(), t.out.end(), [](T e) { return std::isfinite(e); })) {
        state.SkipWithError("output has non-finite elements");
        return;
    }
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

int all_threads() { return std::max(1, omp_get_num_procs()); }

long parse_count(const std::string& text, const char* flag, long lo, long hi) {
    char* end = nullptr;
    const long n = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || n < lo || n > hi) usage_error("bad number '" + text + "' in " + flag);
    return n;
}

std::vector<int> parse_threads(const std::string& list) {
    std::vector<int> out;
    std::size_t pos = 0;
    while (pos <= list.size()) {
        const std::size_t comma = std::min(list.find(',', pos), list.size());
        const std::string item = list.substr(pos, comma - pos);
        out.push_back(item == "all" ? all_threads()
                                    : static_cast<int>(parse_count(item, "--attnkit_threads", 1, 4096)));
        pos = comma + 1;
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// --attnkit_bw=1=11.5,16=140
void apply_bandwidths(const std::string& list) {
    std::size_t pos = 0;
    while (pos < list.size()) {
        const std::size_t comma = std::min(list.find(',', pos), list.size());
        const std::string item = list.substr(pos, comma - pos);
        pos = comma + 1;
        const std::size_t equals = item.find('=');
        if (equals == std::string::npos) usage_error("bad item '" + item + "' in --attnkit_bw (want <threads>=<GB/s>)");
        const int threads = static_cast<int>(parse_count(item.substr(0, equals), "--attnkit_bw", 1, 4096));
        char* end = nullptr;
        const std::string value_text = item.substr(equals + 1);
        const double value = std::strtod(value_text.c_str(), &end);
        if (value_text.empty() || *end != '\0' || !(value > 0) || !std::isfinite(value))
            usage_error("bad GB/s '" + value_text + "' in --attnkit_bw");
        g_bw[threads] = value;
    }
}

struct settings {
    std::vector<int> threads;
    std::string bandwidths;
};

// Removes this binary's own flags from argv, leaving Google Benchmark's.
settings parse_own_flags(int* argc, char** argv) {
    settings cfg;
    std::string threads = "1,all";
    int kept = 1;
    for (int i = 1; i < *argc; ++i) {
        const char* a = argv[i];
        if (std::strncmp(a, "--attnkit_threads=", 18) == 0)
            threads = a + 18;
        else if (std::strncmp(a, "--attnkit_bw=", 13) == 0)
            cfg.bandwidths = a + 13;
        else if (std::strncmp(a, "--attnkit_probe_mib=", 20) == 0)
            g_probe_bytes = static_cast<std::size_t>(parse_count(a + 20, "--attnkit_probe_mib", 1, 1 << 20)) << 20;
        else
            argv[kept++] = argv[i];
    }
    *argc = kept;
    argv[kept] = nullptr;
    cfg.threads = parse_threads(threads);
    return cfg;
}

struct decode_case {
    const char* dtype;
    shape s;
    attnkit::causal mode;
};

std::vector<decode_case> decode_cases() {
    using attnkit::causal;
    return {
        {"f32", {1, 32, 8, 1, 32768, 128}, causal::none},
        {"f32", {1, 32, 32, 1, 4096, 128}, causal::none},
        {"f32", {1, 32, 8, 16, 32768, 128}, causal::bottom_right},
        {"f32", {1, 32, 32, 16, 4096, 128}, causal::bottom_right},
        {"f32", {1, 32, 1, 1, 131072, 128}, causal::none},
        {"f32", {8, 32, 8, 1, 4096, 128}, causal::none},
        {"f64", {1, 32, 8, 1, 32768, 128}, causal::none},
        {"f64", {1, 32, 1, 1, 131072, 128}, causal::none},
    };
}

void register_all(const settings& cfg) {
    using attnkit::variant;
    for (const decode_case& c : decode_cases()) {
        for (const variant kernel : {variant::decode, variant::parallel}) {
            for (const int n : cfg.threads) {
                const std::string name = std::string("decode/") + c.dtype + "/" + shape_name(c.s) + "/" +
                                         (c.mode == attnkit::causal::none ? "full" : "causal") + "/" +
                                         (kernel == variant::decode ? "decode" : "parallel") +
                                         "/threads:" + std::to_string(n);
                auto* b = std::strcmp(c.dtype, "f32") == 0
                              ? benchmark::RegisterBenchmark(name.c_str(), bm_decode<float>, c.s, kernel, c.mode, n)
                              : benchmark::RegisterBenchmark(name.c_str(), bm_decode<double>, c.s, kernel, c.mode, n);
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

int main(int argc, char** argv) {
    const settings cfg = parse_own_flags(&argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    apply_bandwidths(cfg.bandwidths);

    benchmark::AddCustomContext("attnkit_version", std::to_string(ATTNKIT_VERSION_MAJOR) + "." +
                                                       std::to_string(ATTNKIT_VERSION_MINOR) + "." +
                                                       std::to_string(ATTNKIT_VERSION_PATCH));
    benchmark::AddCustomContext("attnkit_isa", attnkit::isa_name(attnkit::selected_isa()));
    benchmark::AddCustomContext("omp_num_procs", std::to_string(omp_get_num_procs()));
    benchmark::AddCustomContext("hardware_concurrency", std::to_string(std::thread::hardware_concurrency()));
    benchmark::AddCustomContext("last_level_cache_bytes", std::to_string(last_level_cache_bytes()));
    benchmark::AddCustomContext("probe_buffer_bytes", std::to_string(probe_bytes()));
    benchmark::AddCustomContext("probe_bw_given", cfg.bandwidths.empty() ? "none (measured)" : cfg.bandwidths);
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
    register_all(cfg);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
