// The decode variant: a few query rows against a long KV cache, the query
// heads of a kv head packed together, the keys cut into splits merged through
// their log-sum-exps. It computes the same function as every variant (the
// whole suite runs it); these cases aim at what is particular to it: shapes
// with several splits, splits and rows no key survives in, the packing of
// MHA, GQA and MQA heads, and results that do not depend on the thread count.
//
// Split lengths follow tuning.hpp: a split holds at least
// decode_min_split_keys keys, a whole number of key tiles (config.block_kv),
// so seq_kv of a few times that gives several splits.
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
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

constexpr index_t min_split = attnkit::tuning::decode_min_split_keys;

shape decode_shape(index_t heads_q, index_t heads_kv, index_t seq_q, index_t seq_kv, index_t head_dim = 64) {
    shape s;
    s.batch = 1;
    s.heads_q = heads_q;
    s.heads_kv = heads_kv;
    s.seq_q = seq_q;
    s.seq_kv = seq_kv;
    s.head_dim = head_dim;
    s.head_dim_v = head_dim;
    return s;
}

// The decode variant against the oracle, within the tolerance of the policy.
template <class T>
run_output<T> check_decode(const sdpa_case<T>& c) {
    const expectation e = expect(c);
    return run_case(c, e, variant::decode);
}

// Row [b, h, i] of a result: all zeros and lse -inf.
template <class T>
bool is_empty_row(const run_output<T>& r, index_t b, index_t h, index_t i) {
    bool empty = r.lse && r.lse->view(b, h, i) == -std::numeric_limits<T>::infinity();
    for (index_t d = 0; d < r.out.view.extent(3); ++d) empty = empty && r.out.view(b, h, i, d) == T(0);
    return empty;
}

// k and v rows [from, to) of every batch entry and kv head set to NaN.
template <class T>
void poison_keys(sdpa_case<T>& c, index_t from, index_t to) {
    const auto inside = [&](const std::array<index_t, 4>& i) { return i[2] >= from && i[2] < to; };
    fill_view(c.k, [&](const std::array<index_t, 4>& i) { return inside(i) ? quiet_nan<T>() : element(c.k.view, i); });
    fill_view(c.v, [&](const std::array<index_t, 4>& i) { return inside(i) ? quiet_nan<T>() : element(c.v.view, i); });
}

}  // namespace

TEMPLATE_TEST_CASE("MHA, GQA and MQA with 32 query heads agree with the oracle, seq_q 1 to 16", "[decode][gqa]",
                   float, double) {
    using T = TestType;
    rng r(0xdec00001);
    // Two splits, the second one shorter.
    const index_t seq_kv = 2 * min_split + 1;
    // {heads_kv, seq_q}: packed rows per kv head 1, 16 (MHA), 4, 16 (GQA), 32,
    // 64 and 512 (MQA, several blocks of rows).
    const std::vector<std::array<index_t, 2>> cases{{32, 1}, {32, 16}, {8, 1}, {8, 4}, {1, 1}, {1, 2}, {1, 16}};
    for (const auto& [heads_kv, seq_q] : cases) {
        // 32 x 16 query rows cost the oracle most: head_dim 16 there.
        const index_t dim = seq_q < 16 ? 64 : 16;
        sdpa_case<T> c = make_case<T>(r, decode_shape(32, heads_kv, seq_q, seq_kv, dim));
        c.causal_mode = seq_q % 2 ? attnkit::causal::none : attnkit::causal::bottom_right;
        check_decode(c);
    }
}

TEMPLATE_TEST_CASE("head_dim 128, and head_dim_v different from head_dim", "[decode][shapes]", float, double) {
    using T = TestType;
    rng r(0xdec00002);
    for (const auto& [dim, dim_v] : std::vector<std::array<index_t, 2>>{{128, 128}, {128, 64}, {40, 24}, {7, 130}}) {
        shape s = decode_shape(8, 2, 3, 2 * min_split + 5, dim);
        s.head_dim_v = dim_v;
        sdpa_case<T> c = make_case<T>(r, s);
        c.label = "head_dim " + std::to_string(dim) + ", head_dim_v " + std::to_string(dim_v);
        check_decode(c);
    }
}

TEMPLATE_TEST_CASE("seq_kv that is not a multiple of the split or of the key tile", "[decode][split]", float, double) {
    using T = TestType;
    rng r(0xdec00003);
    for (const index_t seq_kv : {index_t(1), index_t(37), min_split - 1, min_split + 1, 3 * min_split - 1,
                                 4 * min_split + 77}) {
        for (const index_t block_kv : {0, 48}) {
            sdpa_case<T> c = make_case<T>(r, decode_shape(4, 1, 2, seq_kv, 48));
            c.tiles.block_kv = block_kv;
            c.label = "seq_kv " + std::to_string(seq_kv);
            check_decode(c);
        }
    }
}

TEMPLATE_TEST_CASE("splits that causal masking removes for some rows or for all", "[decode][split][causal]", float,
                   double) {
    using T = TestType;
    rng r(0xdec00004);
    // Key tiles of m = decode_min_split_keys keys, seq_kv = 2m + 3: the splits
    // are [0, 2m) and [2m, 2m + 3). bottom_right with seq_q 6: row i sees keys
    // up to 2m - 3 + i, so the last split is empty for rows 0-2, not for 3-5.
    // top_left: row i sees keys 0..i, and every split but the first is empty.
    const shape s = decode_shape(8, 2, 6, 2 * min_split + 3);
    for (const auto mode : {attnkit::causal::bottom_right, attnkit::causal::top_left}) {
        sdpa_case<T> c = make_case<T>(r, s);
        c.causal_mode = mode;
        c.tiles.block_kv = min_split;
        c.label = std::string("causal ") + causal_name(mode);
        // Keys no row sees hold NaN: they must never be read into a result.
        if (mode == attnkit::causal::top_left) poison_keys(c, s.seq_q, s.seq_kv);
        check_decode(c);
    }
}

TEMPLATE_TEST_CASE("a mask that removes whole splits, whose k and v hold NaN", "[decode][split][mask]", float,
                   double) {
    using T = TestType;
    rng r(0xdec00005);
    // Key tiles of m = decode_min_split_keys keys, seq_kv = 6m + 100: the
    // splits are [0, 2m), [2m, 4m), [4m, 6m) and [6m, 6m + 100). Keys
    // [2m, 6m) (the second and third splits) are removed for every row and
    // hold NaN.
    const shape s = decode_shape(8, 8, 4, 6 * min_split + 100);
    const auto kept = [&](index_t j) { return j < 2 * min_split || j >= 6 * min_split; };
    {
        sdpa_case<T> c = make_case<T>(r, s);
        c.tiles.block_kv = min_split;
        c.bool_mask = make_buffer<bool>(mask_extents(s, mask_pattern::per_key), layouts::bhsd());
        fill_view(*c.bool_mask, [&](const std::array<index_t, 4>& i) { return kept(i[3]); });
        poison_keys(c, 2 * min_split, 6 * min_split);
        c.label = "boolean per-key mask";
        check_decode(c);
    }
    {
        sdpa_case<T> c = make_case<T>(r, s);
        c.additive_mask = random_additive_mask<T>(r, mask_extents(s, mask_pattern::full), -2.0, 2.0, 0.1);
        fill_view(*c.additive_mask, [&](const std::array<index_t, 4>& i) {
            return kept(i[3]) ? element(c.additive_mask->view, i) : -std::numeric_limits<T>::infinity();
        });
        poison_keys(c, 2 * min_split, 6 * min_split);
        c.tiles.block_kv = min_split;
        c.causal_mode = attnkit::causal::bottom_right;
        c.label = "additive full mask, bottom_right";
        check_decode(c);
    }
}

TEMPLATE_TEST_CASE("rows every split removes give zeros and lse -inf, next to full rows", "[decode][empty]", float,
                   double) {
    using T = TestType;
    rng r(0xdec00006);
    // Query head 5 (kv head 1 with heads 4-7) sees no key in rows 0 and 2; the
    // other rows of the same packed matrix see keys in every split.
    const shape s = decode_shape(8, 2, 3, 3 * min_split + 9);
    const auto removed = [](index_t h, index_t i) { return h == 5 && i != 1; };
    sdpa_case<T> c = make_case<T>(r, s);
    c.bool_mask = random_bool_mask(r, mask_extents(s, mask_pattern::per_head), 0.7);
    fill_view(*c.bool_mask, [&](const std::array<index_t, 4>& i) {
        return !removed(i[1], i[2]) && element(c.bool_mask->view, i);
    });
    const run_output<T> res = check_decode(c);
    for (index_t h = 0; h < s.heads_q; ++h)
        for (index_t i = 0; i < s.seq_q; ++i) {
            INFO("head " << h << ", row " << i);
            CHECK(is_empty_row(res, 0, h, i) == removed(h, i));
        }
}

TEMPLATE_TEST_CASE("NaN in one query row reaches only that row of the packed group", "[decode][nan]", float,
                   double) {
    using T = TestType;
    rng r(0xdec00007);
    const shape s = decode_shape(8, 2, 4, 2 * min_split + 17);
    sdpa_case<T> c = make_case<T>(r, s);
    c.q.view(0, 6, 2, 5) = quiet_nan<T>();
    const run_output<T> res = check_decode(c);
    for (index_t h = 0; h < s.heads_q; ++h)
        for (index_t i = 0; i < s.seq_q; ++i) {
            INFO("head " << h << ", row " << i);
            CHECK(std::isnan(res.out.view(0, h, i, 0)) == (h == 6 && i == 2));
        }
}

TEMPLATE_TEST_CASE("batches, strided layouts, broadcast masks and a given scale", "[decode][layout][mask]", float,
                   double) {
    using T = TestType;
    rng r(0xdec00008);
    shape s = decode_shape(4, 2, 5, 2 * min_split + 40, 40);
    s.batch = 2;
    s.head_dim_v = 24;
    const std::vector<layout<4>> layouts_used = layouts::unit_stride_layouts();
    for (const mask_pattern p : all_mask_patterns()) {
        const layout<4> l = r.pick(layouts_used);
        sdpa_case<T> c = make_case<T>(r, s, l, r.pick(layouts_used), layouts::reversed_seq());
        c.out_layout = r.pick(layouts_used);
        c.lse_layout = layouts::padded3();
        c.scale = 0.3;
        c.causal_mode = r.chance(0.5) ? attnkit::causal::bottom_right : attnkit::causal::none;
        if (r.chance(0.5))
            c.additive_mask = random_additive_mask<T>(r, mask_extents(s, p), -2.0, 2.0, 0.2);
        else
            c.bool_mask = random_bool_mask(r, mask_extents(s, p), 0.8);
        c.label = std::string("mask ") + pattern_name(p);
        check_decode(c);
    }
}

TEMPLATE_TEST_CASE("results are bitwise identical for 1, 2, 3 and the default number of threads",
                   "[decode][threads]", float, double) {
    using T = TestType;
    rng r(0xdec00009);
    std::vector<sdpa_case<T>> cases;
    cases.push_back(make_case<T>(r, decode_shape(8, 2, 1, 3 * min_split + 3)));
    cases.push_back(make_case<T>(r, decode_shape(4, 1, 16, 3 * min_split + 100, 40)));
    {
        sdpa_case<T> c = make_case<T>(r, decode_shape(4, 4, 3, 4 * min_split));
        c.causal_mode = attnkit::causal::bottom_right;
        c.additive_mask = random_additive_mask<T>(r, mask_extents(c.dims, mask_pattern::full), -1.0, 1.0, 0.3);
        cases.push_back(std::move(c));
    }
    for (sdpa_case<T>& c : cases) {
        c.tiles.threads = 1;
        const run_output<T> one = check_decode(c);
        for (const int threads : {2, 3, 0}) {
            c.tiles.threads = threads;
            INFO(c.describe());
            const run_output<T> other = run_variant(c, variant::decode);
            CHECK(bitwise_equal(one.out.cview(), other.out.cview()));
            CHECK(bitwise_equal(one.lse->cview(), other.lse->cview()));
        }
    }
}

TEMPLATE_TEST_CASE("automatic runs the decode variant up to decode_max_seq_q query rows", "[decode][automatic]",
                   float, double) {
    using T = TestType;
    rng r(0xdec0000a);
    for (const index_t seq_q : {index_t(1), attnkit::tuning::decode_max_seq_q}) {
        const sdpa_case<T> c = make_case<T>(r, decode_shape(8, 2, seq_q, 2 * min_split + 1));
        const run_output<T> automatic = run_variant(c, variant::automatic);
        const run_output<T> decode = run_variant(c, variant::decode);
        INFO(c.describe());
        CHECK(bitwise_equal(automatic.out.cview(), decode.out.cview()));
        CHECK(bitwise_equal(automatic.lse->cview(), decode.lse->cview()));
    }
}
