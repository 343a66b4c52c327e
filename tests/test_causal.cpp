// Causal masking with both alignments:
//   top_left      query i sees keys j <= i                    (PyTorch's is_causal)
//   bottom_right  query i sees keys j <= i + seq_kv - seq_q   (FlashAttention, KV cache)
// The two agree when seq_q == seq_kv and differ otherwise.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cmath>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include <attnkit/detail/mask.hpp>

#include "../bench/common/flop.hpp"
#include "support/case.hpp"
#include "support/oracle.hpp"
#include "support/random.hpp"
#include "support/variants.hpp"

using namespace attnkit_test;
using attnkit::causal;
using attnkit::index_t;

namespace {

// seq_q < seq_kv, seq_q == seq_kv, seq_q > seq_kv, and extreme ratios.
const std::vector<std::array<index_t, 2>> seq_pairs{{5, 9},  {9, 9},  {9, 5},   {1, 17},  {17, 1},
                                                    {1, 1},  {33, 33}, {33, 127}, {127, 33}, {3, 127}};

shape causal_shape(index_t seq_q, index_t seq_kv) {
    shape s;
    s.batch = 2;
    s.heads_q = 2;
    s.heads_kv = 1;
    s.seq_q = seq_q;
    s.seq_kv = seq_kv;
    s.head_dim = 24;
    s.head_dim_v = 20;
    return s;
}

// Number of keys row i sees under the causal mask alone.
index_t visible_keys(causal mode, index_t i, index_t seq_q, index_t seq_kv) {
    const index_t last = mode == causal::top_left ? i : mode == causal::bottom_right ? i + seq_kv - seq_q : seq_kv - 1;
    return std::max<index_t>(0, std::min<index_t>(last + 1, seq_kv));
}

// Checks row i of every (batch, head) of a result: zeros and lse -inf.
template <class T>
void check_empty_row(const run_output<T>& r, index_t i) {
    const auto& out = r.out.view;
    index_t not_zero = 0, not_neg_inf = 0;
    for (index_t b = 0; b < out.extent(0); ++b)
        for (index_t h = 0; h < out.extent(1); ++h) {
            for (index_t d = 0; d < out.extent(3); ++d) not_zero += out(b, h, i, d) == T(0) ? 0 : 1;
            if (r.lse) not_neg_inf += r.lse->view(b, h, i) == -std::numeric_limits<T>::infinity() ? 0 : 1;
        }
    INFO("row " << i << " of every batch entry and head");
    CHECK(not_zero == 0);
    CHECK(not_neg_inf == 0);
}

}  // namespace

TEMPLATE_TEST_CASE("top_left and bottom_right agree with the oracle for seq_q <, =, > seq_kv", "[causal]", float,
                   double) {
    using T = TestType;
    rng r(0xca05a101);
    for (const causal mode : {causal::top_left, causal::bottom_right}) {
        for (const auto& [sq, skv] : seq_pairs) {
            sdpa_case<T> c = make_case<T>(r, causal_shape(sq, skv));
            c.causal_mode = mode;
            check_all_variants(c);
        }
    }
}

// With q = 0 every score is 0, so row i averages the v rows it sees and its
// lse is log(number of keys it sees): the visible set shows in the result.
template <class T>
void check_visible_counts(causal mode, std::uint64_t seed) {
    rng r(seed);
    for (const auto& pair : seq_pairs) {
        // Named copies, not a structured binding: C++17 lets no lambda capture those.
        const index_t sq = pair[0], skv = pair[1];
        sdpa_case<T> c = make_case<T>(r, causal_shape(sq, skv));
        fill_view(c.q, [](const std::array<index_t, 4>&) { return T(0); });
        c.causal_mode = mode;
        const expectation e = expect(c);
        for_each_variant([&](attnkit::variant v) {
            const run_output<T> res = run_case(c, e, v);
            for (index_t i = 0; i < sq; ++i) {
                const index_t n = visible_keys(mode, i, sq, skv);
                INFO("row " << i << " sees " << n << " keys");
                if (mode == causal::top_left) CHECK(n >= 1);  // top_left never leaves a row without keys
                if (n == 0) {
                    check_empty_row(res, i);
                } else {
                    const long double lse = res.lse->view(1, 1, i);
                    CHECK(std::fabs(lse - std::log(static_cast<long double>(n))) <= e.tol.lse);
                }
            }
        });
    }
}

TEMPLATE_TEST_CASE("top_left: row i sees exactly keys 0..i", "[causal]", float, double) {
    check_visible_counts<TestType>(causal::top_left, 0xca05a102);
}

TEMPLATE_TEST_CASE("bottom_right: row i sees exactly keys 0..i+seq_kv-seq_q", "[causal]", float, double) {
    check_visible_counts<TestType>(causal::bottom_right, 0xca05a103);
}

TEMPLATE_TEST_CASE("bottom_right with seq_q > seq_kv: the first seq_q - seq_kv rows give zeros and lse -inf",
                   "[causal]", float, double) {
    using T = TestType;
    rng r(0xca05a104);
    for (const auto& pair : std::vector<std::array<index_t, 2>>{{9, 5}, {17, 1}, {127, 33}}) {
        const index_t sq = pair[0], skv = pair[1];  // not a structured binding: the lambda captures them
        sdpa_case<T> c = make_case<T>(r, causal_shape(sq, skv));
        c.causal_mode = causal::bottom_right;
        check_all_variants<T>(c, [&](attnkit::variant, const run_output<T>& res) {
            for (index_t i = 0; i < sq - skv; ++i) check_empty_row(res, i);
        });
    }
}

TEMPLATE_TEST_CASE("top_left and bottom_right are the same when seq_q == seq_kv", "[causal]", float, double) {
    using T = TestType;
    rng r(0xca05a105);
    for (const index_t n : {1, 9, 33}) {
        sdpa_case<T> c = make_case<T>(r, causal_shape(n, n));
        c.causal_mode = causal::top_left;
        const expectation e = expect(c);
        for_each_variant([&](attnkit::variant v) {
            c.causal_mode = causal::top_left;
            const run_output<T> tl = run_case(c, e, v);
            c.causal_mode = causal::bottom_right;
            const run_output<T> br = run_case(c, e, v);
            CHECK(bitwise_equal(tl.out.cview(), br.out.cview()));
            CHECK(bitwise_equal<T, 3>(tl.lse->cview(), br.lse->cview()));
        });
    }
}

TEMPLATE_TEST_CASE("causal masking combined with an explicit mask", "[causal][mask]", float, double) {
    using T = TestType;
    rng r(0xca05a106);
    for (const causal mode : {causal::top_left, causal::bottom_right}) {
        for (const auto& [sq, skv] : std::vector<std::array<index_t, 2>>{{5, 9}, {9, 9}, {9, 5}, {33, 127}}) {
            const shape s = causal_shape(sq, skv);
            {
                sdpa_case<T> c = make_case<T>(r, s);
                c.causal_mode = mode;
                c.bool_mask = random_bool_mask(r, mask_extents(s, mask_pattern::full), 0.6);
                c.label = "boolean mask";
                check_all_variants(c);
            }
            {
                sdpa_case<T> c = make_case<T>(r, s);
                c.causal_mode = mode;
                c.additive_mask = random_additive_mask<T>(r, mask_extents(s, mask_pattern::shared), -2.0, 2.0, 0.3);
                c.label = "additive mask";
                check_all_variants(c);
            }
        }
    }
}

TEMPLATE_TEST_CASE("an explicit mask that hides the keys causal leaves visible empties the row", "[causal][mask]",
                   float, double) {
    using T = TestType;
    rng r(0xca05a107);
    // top_left: row 0 sees only key 0 and row 1 keys 0 and 1; masking keys 0 and 1
    // leaves rows 0 and 1 without keys, the other rows keep keys 2..i.
    const shape s = causal_shape(7, 9);
    sdpa_case<T> c = make_case<T>(r, s);
    c.causal_mode = causal::top_left;
    c.bool_mask = make_buffer<bool>(mask_extents(s, mask_pattern::per_key), layouts::bhsd());
    fill_view(*c.bool_mask, [](const std::array<index_t, 4>& idx) { return idx[3] >= 2; });
    check_all_variants<T>(c, [&](attnkit::variant, const run_output<T>& res) {
        check_empty_row(res, 0);
        check_empty_row(res, 1);
        CHECK(std::isfinite(res.lse->view(0, 0, 2)));
    });

    // The same with an additive mask whose -inf entries remove the keys.
    c.bool_mask.reset();
    c.additive_mask = make_buffer<T>(mask_extents(s, mask_pattern::per_key), layouts::bhsd());
    fill_view(*c.additive_mask, [](const std::array<index_t, 4>& idx) {
        return idx[3] >= 2 ? T(0.5) : -std::numeric_limits<T>::infinity();
    });
    check_all_variants<T>(c, [&](attnkit::variant, const run_output<T>& res) {
        check_empty_row(res, 0);
        check_empty_row(res, 1);
        CHECK(std::isfinite(res.lse->view(0, 0, 2)));
    });
}

TEMPLATE_TEST_CASE("causal rows never read keys they do not see", "[causal]", float, double) {
    using T = TestType;
    rng r(0xca05a108);
    // NaN in the k and v rows of the last key: under top_left only the last query
    // row (seq_q == seq_kv) sees it; every other row stays finite.
    const shape s = causal_shape(9, 9);
    for (const causal mode : {causal::top_left, causal::bottom_right}) {
        sdpa_case<T> c = make_case<T>(r, s);
        c.causal_mode = mode;
        for (index_t b = 0; b < s.batch; ++b)
            for (index_t d = 0; d < s.head_dim; ++d) c.k.view(b, 0, 8, d) = quiet_nan<T>();
        for (index_t b = 0; b < s.batch; ++b)
            for (index_t d = 0; d < s.head_dim_v; ++d) c.v.view(b, 0, 8, d) = quiet_nan<T>();
        check_all_variants<T>(c, [&](attnkit::variant, const run_output<T>& res) {
            for (index_t i = 0; i < 9; ++i) {
                INFO("row " << i);
                CHECK(std::isnan(res.out.view(1, 1, i, 0)) == (i == 8));
                CHECK(std::isnan(res.lse->view(1, 1, i)) == (i == 8));
            }
        });
    }
}

// The causal mask is one policy (detail/mask.hpp's causal_mask) that both
// engines, the naive kernel and the FLOP count of the benchmarks use: its
// visible range per row is the oracle's rule, its tile cut is exact, and the
// benchmarks' pair count (bench/common/flop.hpp, which must stay free of
// attnkit's types for bench/ab) agrees with it.
TEST_CASE("causal_mask: the rule, the tile cut and the pair count of every mode", "[causal][mask]") {
    using attnkit::detail::causal_mask;
    for (const causal mode : {causal::none, causal::top_left, causal::bottom_right})
        for (const index_t seq_q : {0, 1, 3, 8, 13})
            for (const index_t seq_kv : {0, 1, 5, 8, 21}) {
                INFO("causal " << causal_name(mode) << ", seq_q " << seq_q << ", seq_kv " << seq_kv);
                const causal_mask mask{attnkit::detail::causal_offset(mode, seq_q, seq_kv), seq_kv};
                double pairs = 0;
                for (index_t i = 0; i < seq_q; ++i) {
                    index_t seen = 0;
                    for (index_t j = 0; j < seq_kv; ++j) {
                        const bool visible = oracle_detail::causally_visible(mode, i, j, seq_q, seq_kv);
                        CHECK(visible == (j < mask.visible_end(i)));
                        seen += visible ? 1 : 0;
                    }
                    pairs += double(seen);
                    // A tile from row i over keys [0, key_end) needs the cut iff row i misses one of them.
                    for (index_t key_end = 1; key_end <= seq_kv; ++key_end)
                        CHECK(mask.cuts(i, key_end) == (mask.visible_end(i) < key_end));
                }
                CHECK(mask.visible_pairs(seq_q) == pairs);
                CHECK(attnkit_bench::visible_pairs(seq_q, seq_kv, mode != causal::none,
                                                   mode == causal::bottom_right ? seq_kv - seq_q : 0) == pairs);
            }
}

TEST_CASE("causal_mask: apply and apply_row hide exactly the keys past each row's limit", "[causal][mask]") {
    using attnkit::detail::causal_mask;
    constexpr float neg_inf = -std::numeric_limits<float>::infinity();
    const causal_mask mask{attnkit::detail::causal_offset(causal::bottom_right, 6, 9), 9};
    const index_t i0 = 1, width = 4, j0 = 2, keys = 6, ld = 5;
    std::vector<float> tile(static_cast<std::size_t>(keys * ld), 1.0f), rows = tile;
    mask.apply(tile.data(), ld, i0, width, j0, keys);
    for (index_t r = 0; r < width; ++r) mask.apply_row(rows.data() + r, ld, i0 + r, j0, keys);
    for (index_t j = j0; j < j0 + keys; ++j)
        for (index_t i = i0; i < i0 + width; ++i) {
            INFO("row " << i << ", key " << j);
            const float want = j < mask.visible_end(i) ? 1.0f : neg_inf;
            CHECK(tile[static_cast<std::size_t>((j - j0) * ld + (i - i0))] == want);
            CHECK(rows[static_cast<std::size_t>((j - j0) * ld + (i - i0))] == want);
        }
    // The padding column past width is never touched.
    for (index_t j = 0; j < keys; ++j) CHECK(tile[static_cast<std::size_t>(j * ld + width)] == 1.0f);
}
