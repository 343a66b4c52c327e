// attnkit benchmarks: FMA peak probe. See fma_peak.hpp.
//
// Each ISA has its own loop, compiled for that ISA with a GCC/Clang target
// attribute, so this file needs no -m flags and the binary runs on any x86-64
// CPU: the loop is chosen at run time with __builtin_cpu_supports. (Building
// the benchmark with -march would let the compiler widen the narrower loops; the
// build does not do that.)
//
// Every loop runs independent accumulator chains c_i <- c_i * a + b. An FMA has
// a latency of about 4 cycles and current x86 cores issue up to 2 per cycle, so
// at least 8 chains in flight are needed to saturate the units; the loops use 16
// (AVX-512, 32 registers) or 12 (AVX2 and SSE2, 16 registers, 2 of them hold a
// and b). a and b are read from volatile variables and the chains are summed
// into a volatile sink, so the compiler can neither fold nor drop the loop; with
// a slightly below 1 and b = 1 - a the chains stay near 1 (no overflow, no
// subnormals).
#include "probes/fma_peak.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <utility>

#include <time.h>

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define ATTNKIT_BENCH_X86 1
#include <immintrin.h>
#else
#define ATTNKIT_BENCH_X86 0
#endif

namespace attnkit_bench {
namespace {

volatile double g_mul = 0.999999;
volatile double g_add = 0.000001;
volatile double g_sink = 0;

#define AK_CHAINS8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define AK_CHAINS12(X) AK_CHAINS8(X) X(8) X(9) X(10) X(11)
#define AK_CHAINS16(X) AK_CHAINS12(X) X(12) X(13) X(14) X(15)

constexpr int avx512_chains = 16;
constexpr int avx2_chains = 12;
constexpr int sse2_chains = 12;
constexpr int scalar_chains = 8;

// A kernel runs `steps` steps of one FMA (or multiply + add) per chain and
// returns the sum of its chains.
using kernel_fn = double (*)(std::int64_t steps, double a, double b);

#if ATTNKIT_BENCH_X86

__attribute__((target("avx512f"))) double avx512_f32(std::int64_t steps, double a, double b) {
    const __m512 va = _mm512_set1_ps(static_cast<float>(a)), vb = _mm512_set1_ps(static_cast<float>(b));
#define AK_INIT(i) __m512 c##i = _mm512_set1_ps(1.0f + 0.001f * (i));
    AK_CHAINS16(AK_INIT)
#undef AK_INIT
    for (std::int64_t s = 0; s < steps; ++s) {
#define AK_STEP(i) c##i = _mm512_fmadd_ps(c##i, va, vb);
        AK_CHAINS16(AK_STEP)
#undef AK_STEP
    }
    __m512 sum = _mm512_setzero_ps();
#define AK_SUM(i) sum = _mm512_add_ps(sum, c##i);
    AK_CHAINS16(AK_SUM)
#undef AK_SUM
    alignas(64) float lanes[16];  // stored and summed by hand: GCC 12's
    _mm512_store_ps(lanes, sum);  // _mm512_reduce_add_* warns under -Wuninitialized
    double total = 0;
    for (float x : lanes) total += x;
    return total;
}

__attribute__((target("avx512f"))) double avx512_f64(std::int64_t steps, double a, double b) {
    const __m512d va = _mm512_set1_pd(a), vb = _mm512_set1_pd(b);
#define AK_INIT(i) __m512d c##i = _mm512_set1_pd(1.0 + 0.001 * (i));
    AK_CHAINS16(AK_INIT)
#undef AK_INIT
    for (std::int64_t s = 0; s < steps; ++s) {
#define AK_STEP(i) c##i = _mm512_fmadd_pd(c##i, va, vb);
        AK_CHAINS16(AK_STEP)
#undef AK_STEP
    }
    __m512d sum = _mm512_setzero_pd();
#define AK_SUM(i) sum = _mm512_add_pd(sum, c##i);
    AK_CHAINS16(AK_SUM)
#undef AK_SUM
    alignas(64) double lanes[8];
    _mm512_store_pd(lanes, sum);
    double total = 0;
    for (double x : lanes) total += x;
    return total;
}

__attribute__((target("avx2,fma"))) double avx2_f32(std::int64_t steps, double a, double b) {
    const __m256 va = _mm256_set1_ps(static_cast<float>(a)), vb = _mm256_set1_ps(static_cast<float>(b));
#define AK_INIT(i) __m256 c##i = _mm256_set1_ps(1.0f + 0.001f * (i));
    AK_CHAINS12(AK_INIT)
#undef AK_INIT
    for (std::int64_t s = 0; s < steps; ++s) {
#define AK_STEP(i) c##i = _mm256_fmadd_ps(c##i, va, vb);
        AK_CHAINS12(AK_STEP)
#undef AK_STEP
    }
    __m256 sum = _mm256_setzero_ps();
#define AK_SUM(i) sum = _mm256_add_ps(sum, c##i);
    AK_CHAINS12(AK_SUM)
#undef AK_SUM
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, sum);
    double total = 0;
    for (float x : lanes) total += x;
    return total;
}

__attribute__((target("avx2,fma"))) double avx2_f64(std::int64_t steps, double a, double b) {
    const __m256d va = _mm256_set1_pd(a), vb = _mm256_set1_pd(b);
#define AK_INIT(i) __m256d c##i = _mm256_set1_pd(1.0 + 0.001 * (i));
    AK_CHAINS12(AK_INIT)
#undef AK_INIT
    for (std::int64_t s = 0; s < steps; ++s) {
#define AK_STEP(i) c##i = _mm256_fmadd_pd(c##i, va, vb);
        AK_CHAINS12(AK_STEP)
#undef AK_STEP
    }
    __m256d sum = _mm256_setzero_pd();
#define AK_SUM(i) sum = _mm256_add_pd(sum, c##i);
    AK_CHAINS12(AK_SUM)
#undef AK_SUM
    alignas(32) double lanes[4];
    _mm256_store_pd(lanes, sum);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

// SSE2 has no FMA: a multiply and an add per lane stand for one FMA (2 FLOP),
// which is the peak a pre-FMA core can reach with both units busy.
__attribute__((target("sse2"))) double sse2_f32(std::int64_t steps, double a, double b) {
    const __m128 va = _mm_set1_ps(static_cast<float>(a)), vb = _mm_set1_ps(static_cast<float>(b));
#define AK_INIT(i) __m128 c##i = _mm_set1_ps(1.0f + 0.001f * (i));
    AK_CHAINS12(AK_INIT)
#undef AK_INIT
    for (std::int64_t s = 0; s < steps; ++s) {
#define AK_STEP(i) c##i = _mm_add_ps(_mm_mul_ps(c##i, va), vb);
        AK_CHAINS12(AK_STEP)
#undef AK_STEP
    }
    __m128 sum = _mm_setzero_ps();
#define AK_SUM(i) sum = _mm_add_ps(sum, c##i);
    AK_CHAINS12(AK_SUM)
#undef AK_SUM
    alignas(16) float lanes[4];
    _mm_store_ps(lanes, sum);
    return double(lanes[0]) + lanes[1] + lanes[2] + lanes[3];
}

__attribute__((target("sse2"))) double sse2_f64(std::int64_t steps, double a, double b) {
    const __m128d va = _mm_set1_pd(a), vb = _mm_set1_pd(b);
#define AK_INIT(i) __m128d c##i = _mm_set1_pd(1.0 + 0.001 * (i));
    AK_CHAINS12(AK_INIT)
#undef AK_INIT
    for (std::int64_t s = 0; s < steps; ++s) {
#define AK_STEP(i) c##i = _mm_add_pd(_mm_mul_pd(c##i, va), vb);
        AK_CHAINS12(AK_STEP)
#undef AK_STEP
    }
    __m128d sum = _mm_setzero_pd();
#define AK_SUM(i) sum = _mm_add_pd(sum, c##i);
    AK_CHAINS12(AK_SUM)
#undef AK_SUM
    alignas(16) double lanes[2];
    _mm_store_pd(lanes, sum);
    return lanes[0] + lanes[1];
}

#endif  // ATTNKIT_BENCH_X86

// Portable fallback for other architectures: scalar multiply + add chains.
template <class T>
double scalar_kernel(std::int64_t steps, double a_in, double b_in) {
    const T a = static_cast<T>(a_in), b = static_cast<T>(b_in);
#define AK_INIT(i) T c##i = T(1) + T(0.001) * T(i);
    AK_CHAINS8(AK_INIT)
#undef AK_INIT
    for (std::int64_t s = 0; s < steps; ++s) {
#define AK_STEP(i) c##i = c##i * a + b;
        AK_CHAINS8(AK_STEP)
#undef AK_STEP
    }
    double sum = 0;
#define AK_SUM(i) sum += double(c##i);
    AK_CHAINS8(AK_SUM)
#undef AK_SUM
    return sum;
}

kernel_fn kernel_for(dtype t, fma_isa isa) {
    const bool f32 = t == dtype::f32;
    switch (isa) {
#if ATTNKIT_BENCH_X86
        case fma_isa::avx512f: return f32 ? avx512_f32 : avx512_f64;
        case fma_isa::avx2_fma: return f32 ? avx2_f32 : avx2_f64;
        case fma_isa::sse2: return f32 ? sse2_f32 : sse2_f64;
#else
        case fma_isa::avx512f:
        case fma_isa::avx2_fma:
        case fma_isa::sse2: break;
#endif
        case fma_isa::scalar: return f32 ? scalar_kernel<float> : scalar_kernel<double>;
    }
    throw std::invalid_argument("fma probe: ISA not available in this build");
}

int chains_of(fma_isa isa) {
    switch (isa) {
        case fma_isa::avx512f: return avx512_chains;
        case fma_isa::avx2_fma: return avx2_chains;
        case fma_isa::sse2: return sse2_chains;
        case fma_isa::scalar: return scalar_chains;
    }
    return 0;
}

int vector_bytes(fma_isa isa) {
    switch (isa) {
        case fma_isa::avx512f: return 64;
        case fma_isa::avx2_fma: return 32;
        case fma_isa::sse2: return 16;
        case fma_isa::scalar: return 0;  // one element
    }
    return 0;
}

double now_seconds() {
    using clock = std::chrono::steady_clock;
    return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

// CPU time of the calling thread; wall time where the platform has no such clock.
double thread_cpu_seconds() {
#if defined(CLOCK_THREAD_CPUTIME_ID)
    timespec ts{};
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0) return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
#endif
    return now_seconds();
}

}  // namespace


const char* isa_name(fma_isa isa) {
    switch (isa) {
        case fma_isa::avx512f: return "avx512f";
        case fma_isa::avx2_fma: return "avx2+fma";
        case fma_isa::sse2: return "sse2";
        case fma_isa::scalar: return "scalar";
    }
    return "unknown";
}

std::vector<fma_isa> supported_isas() {
    std::vector<fma_isa> out;
#if ATTNKIT_BENCH_X86
    // __builtin_cpu_supports also checks that the OS saves the wider registers.
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) out.push_back(fma_isa::avx512f);
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) out.push_back(fma_isa::avx2_fma);
    if (__builtin_cpu_supports("sse2")) out.push_back(fma_isa::sse2);
#endif
    out.push_back(fma_isa::scalar);
    return out;
}

fma_isa widest_isa() { return supported_isas().front(); }

double flop_per_step(dtype t, fma_isa isa) {
    const int elem = t == dtype::f32 ? 4 : 8;
    const int lanes = isa == fma_isa::scalar ? 1 : vector_bytes(isa) / elem;
    return 2.0 * lanes * chains_of(isa);
}

fma_measurement measure_fma(dtype t, fma_isa isa, int threads, std::int64_t steps) {
    if (threads < 1) throw std::invalid_argument("fma probe: threads must be >= 1");
    const kernel_fn kernel = kernel_for(t, isa);
    const double a = g_mul, b = g_add;
    std::vector<double> start(static_cast<std::size_t>(threads)), stop(start.size());
    std::vector<double> cpu(start.size());
    int team = 0;
    double sink = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    {
        const int id = omp_get_thread_num();
#pragma omp single
        team = omp_get_num_threads();
        // The implicit barrier of single lines the threads up before timing.
        const double c0 = thread_cpu_seconds();
        const double t0 = now_seconds();
        sink += kernel(steps, a, b);
        const double t1 = now_seconds();
        const double c1 = thread_cpu_seconds();
        start[static_cast<std::size_t>(id)] = t0;
        stop[static_cast<std::size_t>(id)] = t1;
        cpu[static_cast<std::size_t>(id)] = c1 - c0;
    }
    g_sink = sink;
    if (team != threads)
        throw std::runtime_error("fma probe: OpenMP gave " + std::to_string(team) + " threads, asked for " +
                                 std::to_string(threads));

    fma_measurement m;
    const double per_thread = flop_per_step(t, isa) * static_cast<double>(steps);
    for (std::size_t i = 0; i < start.size(); ++i) {
        m.gflops += per_thread / (stop[i] - start[i]) * 1e-9;
        m.cpu_gflops += per_thread / cpu[i] * 1e-9;
    }
    m.flop = per_thread * team;
    m.seconds = *std::max_element(stop.begin(), stop.end()) - *std::min_element(start.begin(), start.end());
    m.wall_gflops = m.flop / m.seconds * 1e-9;
    return m;
}

namespace {
struct peak_cache {
    std::mutex mutex;
    std::map<std::pair<int, int>, double> gflops;
};
peak_cache& peaks() {
    static peak_cache cache;
    return cache;
}
}  // namespace

void set_fma_peak_gflops(dtype t, int threads, double gflops) {
    peak_cache& cache = peaks();
    const std::lock_guard<std::mutex> lock(cache.mutex);
    cache.gflops[std::make_pair(static_cast<int>(t), threads)] = gflops;
}

double fma_peak_gflops(dtype t, int threads) {
    peak_cache& cache = peaks();
    const std::lock_guard<std::mutex> lock(cache.mutex);
    const auto key = std::make_pair(static_cast<int>(t), threads);
    if (auto it = cache.gflops.find(key); it != cache.gflops.end()) return it->second;

    const fma_isa isa = widest_isa();
    // Rates per CPU second are immune to other processes taking the cores for a
    // while (a shared machine), and stay right with SMT siblings (they share the
    // FMA units and both run); they overstate only with more threads than
    // processors, where the wall-clock rates are used instead.
    const bool use_cpu_time = threads <= omp_get_num_procs();
    // Calibrate to about 20 ms per trial; the calibration runs double as warm-up
    // (clock ramp-up, wide-vector frequency licence, thread pool start). Then
    // the best of several trials.
    constexpr double trial_seconds = 0.02;
    constexpr int trials = 12;
    std::int64_t steps = 1 << 12;
    for (;;) {
        const fma_measurement m = measure_fma(t, isa, threads, steps);
        if (m.seconds >= 0.005 || steps > (std::int64_t(1) << 40)) {
            const double scaled = static_cast<double>(steps) * trial_seconds / m.seconds;
            steps = std::max<std::int64_t>(1, static_cast<std::int64_t>(scaled));
            break;
        }
        steps *= 2;
    }
    measure_fma(t, isa, threads, steps);  // one more warm-up at full length
    double best = 0;
    for (int trial = 0; trial < trials; ++trial)
    {
        const fma_measurement m = measure_fma(t, isa, threads, steps);
        best = std::max(best, use_cpu_time ? m.cpu_gflops : m.gflops);
    }
    cache.gflops.emplace(key, best);
    return best;
}

}  // namespace attnkit_bench
