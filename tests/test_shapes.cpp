// Every variant computes the documented function for any shape, including
// awkward sizes that are no multiple of any tile or vector width.
#include <array>
#include <vector>

#include <catch2/catch.hpp>

#include "support/case.hpp"
#include "support/random.hpp"
#include "support/variants.hpp"

using namespace attnkit_test;
using attnkit::index_t;

namespace {

const std::vector<index_t> seq_lengths{1, 3, 17, 33, 127};
const std::vector<index_t> head_dims{1, 8, 63, 64, 80, 96, 128, 256};

// Keeps one case's oracle work (long double, B*H*Sq*Skv*(D+Dv)) moderate.
constexpr index_t work_limit = 2'000'000;

index_t work(const shape& s) {
    return s.batch * s.heads_q * s.seq_q * s.seq_kv * (s.head_dim + s.head_dim_v);
}

shape random_shape(rng& r) {
    for (;;) {
        shape s;
        s.batch = r.between(1, 3);
        s.heads_kv = r.between(1, 2);
        s.heads_q = s.heads_kv * r.between(1, 4 / s.heads_kv);
        s.seq_q = r.pick(seq_lengths);
        s.seq_kv = r.pick(seq_lengths);
        s.head_dim = r.pick(head_dims);
        s.head_dim_v = r.chance(0.5) ? s.head_dim : r.pick(head_dims);
        if (work(s) <= work_limit) return s;
    }
}

}  // namespace

TEMPLATE_TEST_CASE("random shapes with awkward sizes agree with the oracle", "[shapes]", float, double) {
    using T = TestType;
    rng r(0x5eed0001);
    for (int n = 0; n < 24; ++n) {
        const shape s = random_shape(r);
        sdpa_case<T> c = make_case<T>(r, s);
        c.label = "random shape #" + std::to_string(n);
        check_all_variants(c);
    }
}

TEMPLATE_TEST_CASE("every head_dim of the list, with and without lse", "[shapes]", float, double) {
    using T = TestType;
    rng r(0x5eed0002);
    for (const index_t d : head_dims) {
        for (const bool lse : {true, false}) {
            shape s;
            s.batch = 2;
            s.heads_q = 2;
            s.heads_kv = 2;
            s.seq_q = 17;
            s.seq_kv = 33;
            s.head_dim = d;
            s.head_dim_v = d;
            sdpa_case<T> c = make_case<T>(r, s);
            c.with_lse = lse;
            c.label = lse ? "with lse" : "without lse";
            check_all_variants(c);
        }
    }
}

TEMPLATE_TEST_CASE("head_dim_v may differ from head_dim", "[shapes]", float, double) {
    using T = TestType;
    rng r(0x5eed0003);
    const std::vector<std::array<index_t, 2>> dims{{64, 8}, {8, 256}, {1, 96}, {96, 1}, {80, 128}, {256, 63}};
    for (const auto& [d, dv] : dims) {
        shape s;
        s.batch = 2;
        s.heads_q = 4;
        s.heads_kv = 2;
        s.seq_q = 33;
        s.seq_kv = 17;
        s.head_dim = d;
        s.head_dim_v = dv;
        sdpa_case<T> c = make_case<T>(r, s);
        check_all_variants(c);
    }
}

// Value rows of 4 KiB (1024 floats, 512 doubles) over whole key tiles: where
// a build with LIBXSMM computes P V through it (tuning.hpp,
// tile_values_by_libxsmm), on tiles the causal mask cuts and the last,
// shorter one through the micro-kernels; two batches, two kv heads and two
// query tiles per head, through the same engine's buffers.
TEMPLATE_TEST_CASE("value rows of 4 KiB over several key tiles", "[shapes][long]", float, double) {
    using T = TestType;
    rng r(0x5eed0006);
    for (const attnkit::causal mode : {attnkit::causal::none, attnkit::causal::bottom_right}) {
        shape s;
        s.batch = 2;
        s.heads_q = 2;
        s.heads_kv = 2;
        s.seq_q = 140;   // query tiles of 128 and 16
        s.seq_kv = 530;  // key tiles of 252, 252 and 26
        s.head_dim = 16;
        s.head_dim_v = 4096 / static_cast<index_t>(sizeof(T));
        sdpa_case<T> c = make_case<T>(r, s);
        c.causal_mode = mode;  // bottom right: the first tile whole, the second cut
        check_all_variants(c);
    }
}

TEMPLATE_TEST_CASE("long sequences (up to 1000 queries and keys)", "[shapes][long]", float, double) {
    using T = TestType;
    rng r(0x5eed0004);
    // {seq_q, seq_kv, head_dim}: few combinations, single batch and head.
    const std::vector<std::array<index_t, 3>> sizes{
        {1000, 1000, 8}, {1000, 17, 64}, {17, 1000, 64}, {1, 1000, 256}, {1000, 1, 1}, {33, 1000, 80}};
    for (const auto& [sq, skv, d] : sizes) {
        shape s;
        s.seq_q = sq;
        s.seq_kv = skv;
        s.head_dim = d;
        s.head_dim_v = d;
        sdpa_case<T> c = make_case<T>(r, s);
        check_all_variants(c);
    }
}

TEMPLATE_TEST_CASE("normally distributed inputs", "[shapes]", float, double) {
    using T = TestType;
    rng r(0x5eed0005);
    for (int n = 0; n < 6; ++n) {
        const shape s = random_shape(r);
        sdpa_case<T> c = make_case<T>(r, s, layouts::bhsd(), layouts::bhsd(), layouts::bhsd(), distribution::normal);
        c.label = "normal inputs #" + std::to_string(n);
        check_all_variants(c);
    }
}

TEMPLATE_TEST_CASE("tile sizes and thread counts do not change the result", "[shapes][config]", float, double) {
    using T = TestType;
    rng r(0x5eed0006);
    shape s;
    s.batch = 1;
    s.heads_q = 2;
    s.heads_kv = 1;
    s.seq_q = 33;
    s.seq_kv = 127;
    s.head_dim = 63;
    s.head_dim_v = 80;
    sdpa_case<T> c = make_case<T>(r, s);
    c.causal_mode = attnkit::causal::bottom_right;
    c.bool_mask = random_bool_mask(r, mask_extents(s, mask_pattern::key_padding), 0.8);
    const expectation e = expect(c);

    // {block_q, block_kv, threads}; 0 lets attnkit choose.
    const std::vector<std::array<index_t, 3>> configs{
        {1, 1, 1}, {3, 5, 1}, {16, 7, 2}, {64, 64, 0}, {1000, 1000, 2}, {0, 1, 0}, {1, 0, 3}, {0, 0, 1}};
    for (const auto& [block_q, block_kv, threads] : configs) {
        c.tiles.block_q = block_q;
        c.tiles.block_kv = block_kv;
        c.tiles.threads = static_cast<int>(threads);
        for_each_variant([&](attnkit::variant v) { run_case(c, e, v); });
    }
}

TEMPLATE_TEST_CASE("every instruction set gives the same function", "[shapes][isa]", float, double) {
    using T = TestType;
    rng r(0x5eed0007);
    // An instruction set the CPU lacks (or that is not compiled in) falls back
    // to the widest available one, so every name is valid everywhere.
    shape s;
    s.batch = 1;
    s.heads_q = 4;
    s.heads_kv = 2;
    s.seq_q = 33;
    s.seq_kv = 127;
    s.head_dim = 80;
    s.head_dim_v = 63;
    sdpa_case<T> c = make_case<T>(r, s);
    c.causal_mode = attnkit::causal::bottom_right;
    c.additive_mask = random_additive_mask<T>(r, mask_extents(s, mask_pattern::per_batch), -1.0, 1.0, 0.2);
    const expectation e = expect(c);
    for (const attnkit::isa x :
         {attnkit::isa::automatic, attnkit::isa::sse2, attnkit::isa::avx2, attnkit::isa::avx512, attnkit::isa::neon}) {
        c.tiles.instruction_set = x;
        for_each_variant([&](attnkit::variant v) { run_case(c, e, v); });
    }
}
