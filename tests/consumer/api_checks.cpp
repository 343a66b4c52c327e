// Checks, without a test framework, what docs/api.md says about the public API:
// the version, isa_name() and selected_isa() (with its silent fallback), a
// boolean mask built from a plain buffer, which variants honour tiles.threads,
// concurrent calls from several threads, and how much a call allocates. Built
// by consumer.readme_pkg_config with the README's pkg-config and g++ lines,
// with and without the ISA dispatch units. Every expected value follows from
// the documentation, not from running the library.
#include <attnkit/attnkit.hpp>

#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <thread>
#include <vector>

// ---- Counting the library's allocations ----------------------------------------
//
// The library allocates its scratch with the aligned operator new (64 bytes,
// detail/scratch.hpp); these replacements count what is allocated while
// `counting` is set. Plain operator new is counted separately.
namespace {
std::atomic<bool> counting{false};
std::atomic<long long> aligned_bytes{0}, aligned_count{0}, plain_count{0};

void* allocate(std::size_t bytes, std::size_t alignment) {
    const std::size_t size = (bytes + alignment - 1) / alignment * alignment;
    void* p = std::aligned_alloc(alignment, size == 0 ? alignment : size);
    if (p == nullptr) throw std::bad_alloc();
    return p;
}
// Out of line: GCC's -Wmismatched-new-delete would take std::free in the
// replaced operator delete for a mismatch with operator new.
[[gnu::noinline]] void release(void* p) noexcept { std::free(p); }
}  // namespace

void* operator new(std::size_t bytes, std::align_val_t alignment) {
    if (counting.load()) {
        aligned_bytes += static_cast<long long>(bytes);
        ++aligned_count;
    }
    return allocate(bytes, static_cast<std::size_t>(alignment));
}
void* operator new[](std::size_t bytes, std::align_val_t alignment) { return operator new(bytes, alignment); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }

void* operator new(std::size_t bytes) {
    if (counting.load()) ++plain_count;
    return allocate(bytes, alignof(std::max_align_t));
}
void* operator new[](std::size_t bytes) { return operator new(bytes); }
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }

namespace {

using attnkit::index_t;
using attnkit::isa;
using attnkit::variant;

int checks = 0;
int failures = 0;

void expect(bool ok, const char* what) {
    ++checks;
    if (!ok) {
        ++failures;
        std::printf("FAIL %s\n", what);
    }
}

void expect_equal(long long got, long long want, const char* what) {
    ++checks;
    if (got != want) {
        ++failures;
        std::printf("FAIL %s: got %lld, want %lld\n", what, got, want);
    }
}

// ---- Version and ISA --------------------------------------------------------------

void version_and_names() {
    static_assert(ATTNKIT_VERSION_MAJOR == attnkit::version.major, "major");
    static_assert(ATTNKIT_VERSION_MINOR == attnkit::version.minor, "minor");
    static_assert(ATTNKIT_VERSION_PATCH == attnkit::version.patch, "patch");
    expect(std::strcmp(attnkit::isa_name(isa::automatic), "automatic") == 0, "isa_name(automatic)");
    expect(std::strcmp(attnkit::isa_name(isa::sse2), "sse2") == 0, "isa_name(sse2)");
    expect(std::strcmp(attnkit::isa_name(isa::avx2), "avx2") == 0, "isa_name(avx2)");
    expect(std::strcmp(attnkit::isa_name(isa::avx512), "avx512") == 0, "isa_name(avx512)");
    expect(std::strcmp(attnkit::isa_name(isa::neon), "neon") == 0, "isa_name(neon)");
}

// Whether kernels for x can run, as docs/api.md states it: with dispatch, x is
// compiled in (ATTNKIT_HAVE_ISA_<NAME>) and the CPU has it; without, x is the
// one ISA this unit is compiled for.
bool available(isa x) {
#if defined(ATTNKIT_ISA_DISPATCH)
    const auto cpu = xsimd::available_architectures();
    switch (x) {
#if defined(ATTNKIT_HAVE_ISA_AVX512)
        case isa::avx512: return cpu.avx512bw && cpu.avx512dq && cpu.avx512cd && cpu.avx512f;
#endif
#if defined(ATTNKIT_HAVE_ISA_AVX2)
        case isa::avx2: return cpu.fma3_avx2 != 0;
#endif
#if defined(ATTNKIT_HAVE_ISA_SSE2)
        case isa::sse2: return cpu.sse2 != 0;
#endif
#if defined(ATTNKIT_HAVE_ISA_NEON)
        case isa::neon: return true;
#endif
        default: return false;
    }
#else
#if defined(__AVX512BW__) && defined(__AVX512DQ__) && defined(__AVX512CD__) && defined(__AVX512F__)
    return x == isa::avx512;
#elif defined(__AVX2__) && defined(__FMA__)
    return x == isa::avx2;
#elif defined(__SSE2__)
    return x == isa::sse2;
#elif defined(__aarch64__)
    return x == isa::neon;
#else
    (void)x;
    return false;
#endif
#endif
}

void isa_selection() {
    isa widest = isa::automatic;
    for (isa x : {isa::avx512, isa::avx2, isa::neon, isa::sse2}) {
        if (available(x)) {
            widest = x;
            break;
        }
    }
    std::printf("api_checks: selected_isa() = %s (dispatch %s)\n", attnkit::isa_name(attnkit::selected_isa()),
#if defined(ATTNKIT_ISA_DISPATCH)
                "on"
#else
                "off"
#endif
    );
    expect(attnkit::selected_isa() == widest, "selected_isa() is the widest available ISA");
    expect(attnkit::selected_isa(isa::automatic) == widest, "selected_isa(automatic) is the widest available ISA");
    for (isa x : {isa::sse2, isa::avx2, isa::avx512, isa::neon}) {
        const isa want = available(x) ? x : widest;
        expect(attnkit::selected_isa(x) == want, "selected_isa(x): x if available, else the widest available");
    }
#if defined(__x86_64__)
    // No NEON kernels on x86-64: the request falls back silently.
    expect(attnkit::selected_isa(isa::neon) == widest, "selected_isa(neon) on x86-64 falls back");
#endif
}

// ---- A call's inputs ----------------------------------------------------------------

template <class T>
struct problem {
    index_t batch, heads, seq_q, seq_kv, dim, dim_v;
    std::vector<T> q, k, v;

    problem(index_t b, index_t h, index_t sq, index_t skv, index_t d, index_t dv)
        : batch(b), heads(h), seq_q(sq), seq_kv(skv), dim(d), dim_v(dv),
          q(static_cast<std::size_t>(b * h * sq * d)),
          k(static_cast<std::size_t>(b * h * skv * d)),
          v(static_cast<std::size_t>(b * h * skv * dv)) {
        for (std::size_t n = 0; n < q.size(); ++n) q[n] = static_cast<T>(std::sin(0.37 * static_cast<double>(n)));
        for (std::size_t n = 0; n < k.size(); ++n) k[n] = static_cast<T>(std::cos(0.11 * static_cast<double>(n)));
        for (std::size_t n = 0; n < v.size(); ++n) v[n] = static_cast<T>(std::sin(0.05 * static_cast<double>(n)));
    }
    std::vector<T> output() const { return std::vector<T>(static_cast<std::size_t>(batch * heads * seq_q * dim_v)); }

    void run(std::vector<T>& out, const attnkit::options<T>& opt) const {
        attnkit::sdpa(attnkit::bhsd(q.data(), batch, heads, seq_q, dim),
                      attnkit::bhsd(k.data(), batch, heads, seq_kv, dim),
                      attnkit::bhsd(v.data(), batch, heads, seq_kv, dim_v),
                      attnkit::bhsd(out.data(), batch, heads, seq_q, dim_v), opt);
    }
};

template <class T>
double max_difference(const std::vector<T>& a, const std::vector<T>& b) {
    double d = 0;
    for (std::size_t n = 0; n < a.size(); ++n)
        d = std::fmax(d, std::fabs(static_cast<double>(a[n]) - static_cast<double>(b[n])));
    return d;
}

// ---- Masks from plain buffers -------------------------------------------------------

// A boolean mask is a view of bool: here a std::unique_ptr<bool[]>, and a
// std::vector<std::uint8_t> converted into one (a uint8_t buffer may not be
// read through a bool pointer) or into an additive mask of 0 and -inf.
// Row i keeping keys j <= i is causal::top_left.
void masks() {
    const problem<float> p(1, 2, 5, 5, 16, 16);
    attnkit::options<float> causal;
    causal.causal_mode = attnkit::causal::top_left;
    std::vector<float> want = p.output();
    p.run(want, causal);

    const index_t sq = p.seq_q, skv = p.seq_kv;
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(sq * skv));
    for (index_t i = 0; i < sq; ++i)
        for (index_t j = 0; j < skv; ++j) bytes[static_cast<std::size_t>(i * skv + j)] = j <= i ? 1 : 0;

    const std::unique_ptr<bool[]> keep(new bool[bytes.size()]);
    for (std::size_t n = 0; n < bytes.size(); ++n) keep[n] = bytes[n] != 0;
    attnkit::options<float> boolean;
    boolean.mask = attnkit::tensor4<const bool>(attnkit::broadcast_mask(keep.get(), sq, skv));
    std::vector<float> got = p.output();
    p.run(got, boolean);
    expect(max_difference(got, want) <= 1e-6, "boolean mask from a bool buffer == causal top_left");

    std::vector<float> bias(bytes.size());
    for (std::size_t n = 0; n < bytes.size(); ++n)
        bias[n] = bytes[n] != 0 ? 0.0f : -std::numeric_limits<float>::infinity();
    attnkit::options<float> additive;
    additive.mask = attnkit::tensor4<const float>(attnkit::broadcast_mask(bias.data(), sq, skv));
    std::vector<float> got_additive = p.output();
    p.run(got_additive, additive);
    expect(max_difference(got_additive, want) <= 1e-6, "additive mask from a uint8_t buffer == causal top_left");
}

// ---- An unavailable ISA request runs the widest one ------------------------------------

void isa_request_falls_back() {
    const problem<float> p(1, 2, 40, 40, 32, 32);
    attnkit::options<float> opt;
    opt.kernel = variant::flash;
    std::vector<float> widest = p.output();
    p.run(widest, opt);
    for (isa x : {isa::sse2, isa::avx2, isa::avx512, isa::neon}) {
        if (available(x)) continue;
        opt.tiles.instruction_set = x;
        std::vector<float> got = p.output();
        bool threw = false;
        try {
            p.run(got, opt);
        } catch (const attnkit::error&) {
            threw = true;
        }
        expect(!threw && got == widest, "an unavailable instruction_set runs the widest ISA, silently");
    }
}

// ---- Allocations and tiles.threads ---------------------------------------------------

struct allocation {
    long long bytes, count, plain;
};

template <class T>
allocation allocated_by(const problem<T>& p, const attnkit::options<T>& opt) {
    std::vector<T> out = p.output();
    aligned_bytes = 0;
    aligned_count = 0;
    plain_count = 0;
    counting = true;
    p.run(out, opt);
    counting = false;
    return {aligned_bytes.load(), aligned_count.load(), plain_count.load()};
}

index_t round_up(index_t x, index_t m) { return (x + m - 1) / m * m; }

// docs/api.md: one tile engine's scratch, in bytes, for the flash, parallel
// (one per thread) and blocked (block_kv = seq_kv) variants.
template <class T>
long long engine_bytes(const problem<T>& p, index_t block_q, index_t block_kv) {
    const isa x = attnkit::selected_isa();
    const index_t vector_bytes = x == isa::avx512 ? 64 : x == isa::avx2 ? 32 : 16;
    const index_t W = vector_bytes / static_cast<index_t>(sizeof(T));
    const index_t pad = 64 / static_cast<index_t>(sizeof(T));
    const index_t score_keys = (x == isa::avx512 || x == isa::neon) ? 14 : 6;
    const index_t bq = round_up(std::min(block_q, p.seq_q), W);
    const index_t bkv = std::min(block_kv, p.seq_kv);
    const index_t elements = p.dim * (bq + pad) + round_up(bkv, score_keys) * (bq + pad) +
                             bq * round_up(p.dim_v, W) + 4 * bq;
    return static_cast<long long>(elements) * static_cast<long long>(sizeof(T)) + bq;
}

template <class T>
void allocations_and_threads() {
    const problem<T> p(2, 4, 300, 600, 64, 48);
    attnkit::options<T> opt;

    opt.kernel = variant::naive;
    opt.tiles.threads = 2;
    allocation a = allocated_by(p, opt);
    expect_equal(a.bytes, (p.seq_kv + p.dim_v) * static_cast<long long>(sizeof(T)), "naive: seq_kv + head_dim_v values");
    expect_equal(a.count + a.plain, 2, "naive: two allocations");

    for (int threads : {1, 2, 3}) {
        opt.kernel = variant::flash;
        opt.tiles.threads = threads;  // ignored
        a = allocated_by(p, opt);
        expect_equal(a.bytes, engine_bytes(p, 128, 252), "flash: one engine (default tiles), whatever tiles.threads");
        expect_equal(a.plain, 0, "flash: no allocation besides the scratch");

        opt.kernel = variant::blocked;
        a = allocated_by(p, opt);
        expect_equal(a.bytes, engine_bytes(p, 128, p.seq_kv), "blocked: one engine of whole rows, whatever tiles.threads");
        expect_equal(a.plain, 0, "blocked: no allocation besides the scratch");

        opt.kernel = variant::parallel;
        opt.tiles.block_q = 64;
        opt.tiles.block_kv = 100;
#if defined(_OPENMP)
        const long long engines = threads;
#else
        const long long engines = 1;
#endif
        a = allocated_by(p, opt);
        expect_equal(a.bytes, engines * engine_bytes(p, 64, 100), "parallel: one engine per thread of tiles.threads");
        opt.tiles.block_q = 0;
        opt.tiles.block_kv = 0;
    }

    // docs/api.md: K rows 4 KiB apart (head_dim 1024 floats, 512 doubles) are
    // copied once per call with one cache line more than head_dim per row.
    const index_t aliasing_dim = 4096 / static_cast<index_t>(sizeof(T));
    const problem<T> wide(1, 2, 20, 30, aliasing_dim, 16);
    const index_t line = 64 / static_cast<index_t>(sizeof(T));
    const long long key_copy = wide.batch * wide.heads * wide.seq_kv * (round_up(wide.dim, line) + line) *
                               static_cast<long long>(sizeof(T));
    opt.kernel = variant::flash;
    opt.tiles.threads = 1;
    a = allocated_by(wide, opt);
    expect_equal(a.bytes, engine_bytes(wide, 128, 252) + key_copy, "flash: one engine and the K copy");
    const allocation unaliased = allocated_by(problem<T>(1, 2, 20, 30, aliasing_dim + line, 16), opt);
    expect_equal(a.count, unaliased.count + 1, "flash: one allocation more when K rows alias");
    expect_equal(a.plain, 0, "flash: the K copy is aligned scratch");
}

// threads below 0 or above config::max_threads are rejected, for every variant.
void thread_limits() {
    const problem<float> p(1, 1, 4, 4, 8, 8);
    for (int threads : {-1, attnkit::config::max_threads + 1}) {
        for (variant kind : {variant::naive, variant::flash, variant::parallel}) {
            attnkit::options<float> opt;
            opt.kernel = kind;
            opt.tiles.threads = threads;
            std::vector<float> out = p.output();
            bool threw = false;
            try {
                p.run(out, opt);
            } catch (const attnkit::error&) {
                threw = true;
            }
            expect(threw, "tiles.threads outside [0, config::max_threads] throws attnkit::error");
        }
    }
}

// ---- Concurrent calls ---------------------------------------------------------------

// Several threads call sdpa at once, on shared inputs and outputs of their own,
// each with the threaded variants: every result is the one-call result, bit for bit.
void concurrent_calls() {
    const problem<float> p(1, 4, 96, 200, 32, 32);
    const variant kinds[] = {variant::automatic, variant::flash, variant::parallel, variant::decode};
    std::vector<std::vector<float>> want;
    for (variant kind : kinds) {
        attnkit::options<float> opt;
        opt.kernel = kind;
        opt.tiles.threads = 2;
        want.push_back(p.output());
        p.run(want.back(), opt);
    }
    constexpr int callers = 4, rounds = 20;
    std::vector<int> mismatches(callers, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < callers; ++t) {
        threads.emplace_back([&, t] {
            for (int r = 0; r < rounds; ++r) {
                const std::size_t which = static_cast<std::size_t>(t + r) % 4;
                attnkit::options<float> opt;
                opt.kernel = kinds[which];
                opt.tiles.threads = 2;
                std::vector<float> out = p.output();
                p.run(out, opt);
                if (out != want[which]) ++mismatches[static_cast<std::size_t>(t)];
            }
        });
    }
    for (std::thread& t : threads) t.join();
    for (int m : mismatches) expect_equal(m, 0, "concurrent calls give the one-call result");
}

}  // namespace

int main() {
    try {
        version_and_names();
        isa_selection();
        masks();
        isa_request_falls_back();
        allocations_and_threads<float>();
        allocations_and_threads<double>();
        thread_limits();
        concurrent_calls();
    } catch (const std::exception& e) {
        ++failures;
        std::printf("FAIL: threw %s\n", e.what());
    }
    std::printf("api_checks: attnkit %d.%d.%d, %d checks, %d failed\n", attnkit::version.major, attnkit::version.minor,
                attnkit::version.patch, checks, failures);
    return failures == 0 ? 0 : 1;
}
