// Every field of options and config is input (issue 15). Tile sizes and thread
// counts from the whole range, extremes included, are either fitted to the
// problem (a tile is at most its dimension, no more workers than work items;
// detail/fit_config.hpp) or rejected with attnkit::error naming the field, and
// every scratch size is computed with overflow checks (detail/scratch.hpp): a
// size that does not fit throws std::bad_alloc before anything is written.
// Each case names the defect of issue 15 it guards; the memory these calls
// take is measured in test_reliability_memory.cpp.
#include <array>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/case.hpp"
#include "support/random.hpp"
#include "support/variants.hpp"

using namespace attnkit_test;
using attnkit::index_t;
using attnkit::variant;

namespace {

constexpr index_t imax = std::numeric_limits<index_t>::max();

// Tile sizes at the ends of index_t's range and in between: each one a tile
// larger than any dimension, some past what 32 bits, size_t products of
// scratch sizes, or a signed round-up to a vector multiple can hold.
const std::vector<index_t> huge_tiles{index_t(1) << 31, index_t(1) << 40, index_t(1) << 61, index_t(1) << 62,
                                      1000000000, imax - 1, imax};

// The OS threads of this process (Linux's /proc/self/status), or -1 where
// that is not available.
long os_threads() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("Threads:", 0) == 0) return std::stol(line.substr(8));
    return -1;
}

}  // namespace

// Issue 15, defect 1: decode rounded block_kv up to whole register tiles and
// vectors without a bound (signed overflow, then a heap-buffer-overflow at
// INT64_MAX; std::bad_alloc between 2^31 and 2^61) and allocated scratch for
// block_q rows whatever the problem (3.9 GB for block_q = 1e9, one query).
// automatic takes decode for seq_q <= 16, so the default variant was affected.
TEMPLATE_TEST_CASE("huge tile sizes are fitted to the problem by every variant (decode: defect 1)",
                   "[reliability][config][decode]", float, double) {
    using T = TestType;
    shape s;
    s.seq_q = 1;
    s.seq_kv = 1000;
    s.head_dim = 64;
    s.head_dim_v = 64;
    rng r(0x15000001);
    sdpa_case<T> c = make_case<T>(r, s);
    const expectation e = expect(c);
    for (const index_t tile : huge_tiles) {
        for (const bool along_q : {false, true}) {
            c.tiles = {};
            (along_q ? c.tiles.block_q : c.tiles.block_kv) = tile;
            for (const variant v : kernel_variants()) run_case(c, e, v);
        }
        c.tiles.block_q = c.tiles.block_kv = tile;
        for (const variant v : kernel_variants()) run_case(c, e, v);
    }
}

// The same with grouped-query packing and a causal cut: decode's block_q
// counts packed rows (group x seq_q), not query rows.
TEMPLATE_TEST_CASE("huge tile sizes with grouped-query attention and a causal mask", "[reliability][config][decode]",
                   float, double) {
    using T = TestType;
    shape s;
    s.batch = 2;
    s.heads_q = 8;
    s.heads_kv = 2;
    s.seq_q = 5;
    s.seq_kv = 77;
    s.head_dim = 16;
    s.head_dim_v = 8;
    rng r(0x15000002);
    sdpa_case<T> c = make_case<T>(r, s);
    c.causal_mode = attnkit::causal::bottom_right;
    const expectation e = expect(c);
    for (const index_t tile : {index_t(1) << 31, imax}) {
        c.tiles.block_q = c.tiles.block_kv = tile;
        c.tiles.threads = 3;
        for (const variant v : kernel_variants()) run_case(c, e, v);
    }
}

// automatic's heuristic for more than 16 query rows counted the work items
// of a query tile of block_q rows as (seq_q + block_q - 1) / block_q: signed
// overflow for block_q near INT64_MAX (the fuzzer's whole-range tiles found
// it under UBSan). Every variant, automatic's choice included, must fit the
// tile to seq_q first.
TEMPLATE_TEST_CASE("huge tile sizes with more query rows than decode takes (automatic's heuristic)",
                   "[reliability][config]", float, double) {
    using T = TestType;
    shape s;
    s.heads_q = 2;
    s.heads_kv = 2;
    s.seq_q = 40;
    s.seq_kv = 33;
    s.head_dim = 8;
    s.head_dim_v = 8;
    rng r(0x15000006);
    sdpa_case<T> c = make_case<T>(r, s);
    const expectation e = expect(c);
    for (const index_t tile : huge_tiles) {
        for (const int threads : {0, 1, 2, 4}) {
            c.tiles = {};
            c.tiles.block_q = c.tiles.block_kv = tile;
            c.tiles.threads = threads;
            for (const variant v : kernel_variants()) run_case(c, e, v);
        }
    }
}

// Issue 15, defect 2: parallel allocated one tile engine per requested thread
// and asked OpenMP for all of them, even with 4 work items (30,000 threads:
// 597 MB; 100,000: SIGSEGV inside GOMP_parallel; INT_MAX: killed for memory).
// Now it starts at most one worker per work item, like decode, and threads
// above config::max_threads are rejected.
TEMPLATE_TEST_CASE("parallel and decode start no more threads than they have work items (defect 2)",
                   "[reliability][config][threads]", float, double) {
    using T = TestType;
    shape s;
    s.heads_q = 4;
    s.heads_kv = 4;
    s.seq_q = 16;
    s.seq_kv = 16;
    s.head_dim = 64;
    s.head_dim_v = 64;
    rng r(0x15000003);
    sdpa_case<T> c = make_case<T>(r, s);
    const expectation e = expect(c);
    c.tiles.threads = attnkit::config::max_threads;
    // parallel: 4 heads x 1 query tile; decode: 4 kv heads x 1 split.
    const long items = 4;
    for (const variant v : {variant::parallel, variant::decode, variant::automatic}) {
        INFO("variant: " << variant_name(v));
        const long before = os_threads();
        run_case(c, e, v);
        const long after = os_threads();
        INFO("OS threads before " << before << ", after " << after);
#ifdef _OPENMP
        // OpenMP keeps the team's threads for later regions: a team of
        // config::max_threads would show here as a thousand more.
        if (before > 0) CHECK(after - before < items);
#else
        CHECK(after == before);
#endif
    }
}

TEMPLATE_TEST_CASE("config.threads above config::max_threads is rejected, naming the field", "[reliability][config]",
                   float, double) {
    using T = TestType;
    rng r(0x15000004);
    sdpa_case<T> c = make_case<T>(r, shape{});
    std::vector<T> out(static_cast<std::size_t>(c.dims.batch * c.dims.heads_q * c.dims.seq_q * c.dims.head_dim_v),
                       sentinel<T>());
    const auto out_view = attnkit::bhsd(out.data(), c.dims.batch, c.dims.heads_q, c.dims.seq_q, c.dims.head_dim_v);
    for (const int threads : {attnkit::config::max_threads + 1, 30000, 100000, INT_MAX}) {
        for (const variant v : kernel_variants()) {
            INFO("threads " << threads << ", variant " << variant_name(v));
            attnkit::options<T> opt = c.options();
            opt.kernel = v;
            opt.tiles.threads = threads;
            CHECK_THROWS_WITH(attnkit::sdpa(c.q.cview(), c.k.cview(), c.v.cview(), out_view, opt),
                              "attnkit: config.threads (" + std::to_string(threads) +
                                  ") exceeds config::max_threads (1024)");
        }
    }
    for (const T x : out) CHECK(std::memcmp(&x, &out.front(), sizeof(T)) == 0);
    CHECK(out.front() == sentinel<T>());
}

TEMPLATE_TEST_CASE("enumerations outside their enumerators are rejected, naming the field", "[reliability][config]",
                   float, double) {
    using T = TestType;
    rng r(0x15000005);
    sdpa_case<T> c = make_case<T>(r, shape{});
    std::vector<T> out(8, sentinel<T>());
    const auto out_view = attnkit::bhsd(out.data(), 1, 1, 1, 8);
    const auto call = [&](const attnkit::options<T>& opt) {
        attnkit::sdpa(c.q.cview(), c.k.cview(), c.v.cview(), out_view, opt);
    };
    attnkit::options<T> opt = c.options();
    opt.causal_mode = static_cast<attnkit::causal>(3);
    CHECK_THROWS_WITH(call(opt), "attnkit: options.causal_mode (3) is not one of its enumerators (0 to 2)");
    opt = c.options();
    opt.kernel = static_cast<variant>(-1);
    CHECK_THROWS_WITH(call(opt), "attnkit: options.kernel (-1) is not one of its enumerators (0 to 5)");
    opt = c.options();
    opt.tiles.instruction_set = static_cast<attnkit::isa>(17);
    CHECK_THROWS_WITH(call(opt), "attnkit: config.instruction_set (17) is not one of its enumerators (0 to 4)");
    for (const T x : out) CHECK(x == sentinel<T>());
}

// Issue 15, defect 3: k and v broadcasting one row over 230584300921369398 keys
// (seq stride 0: valid views, 8 bytes of storage) made the blocked variant's
// score buffer, round_up(seq_kv, score_keys) x (block_q + padding) x
// sizeof(T) bytes, wrap around size_t to a few hundred bytes, which the score
// kernel then overran (ASan heap-buffer-overflow; SIGSEGV at -O2). Now the
// product is checked: std::bad_alloc (std::bad_array_new_length), nothing
// written. With the causal mask, query 0 sees key 0 only, so every other
// variant answers at once: out = v's one row, whose weight is 1.
TEMPLATE_TEST_CASE("a scratch size that does not fit in size_t throws std::bad_alloc before writing (defect 3)",
                   "[reliability][memory]", float, double) {
    using T = TestType;
    const index_t keys = 230584300921369398;
    const index_t dim = 4;
    const std::vector<T> q{T(0.5), T(-1), T(2), T(0.25)}, k{T(1), T(1), T(-1), T(3)}, v{T(7), T(-3), T(0.5), T(2)};
    const attnkit::tensor4<const T> qv(q.data(), {1, 1, 1, dim}, {dim, dim, dim, 1});
    const attnkit::tensor4<const T> kv(k.data(), {1, 1, keys, dim}, {0, 0, 0, 1});
    const attnkit::tensor4<const T> vv(v.data(), {1, 1, keys, dim}, {0, 0, 0, 1});
    for (const attnkit::isa x : {attnkit::isa::sse2, attnkit::isa::avx2, attnkit::isa::avx512}) {
        for (const variant kernel : kernel_variants()) {
            INFO("variant " << variant_name(kernel) << ", isa " << attnkit::isa_name(x));
            std::vector<T> out(dim, sentinel<T>()), lse(1, sentinel<T>());
            attnkit::options<T> opt;
            opt.causal_mode = attnkit::causal::top_left;
            opt.kernel = kernel;
            opt.tiles.instruction_set = x;
            opt.lse = attnkit::bhs(lse.data(), 1, 1, 1);
            const auto call = [&] { attnkit::sdpa(qv, kv, vv, attnkit::bhsd(out.data(), 1, 1, 1, dim), opt); };
            if (kernel == variant::blocked) {
                CHECK_THROWS_AS(call(), std::bad_alloc);
                for (const T o : out) CHECK(o == sentinel<T>());
                CHECK(lse[0] == sentinel<T>());
            } else {
                REQUIRE_NOTHROW(call());
                CHECK(out == v);
            }
        }
    }
}
