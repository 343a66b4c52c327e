// The log-sum-exp output: lse[b,h,i] = log(sum_j exp(s_ij)) over the keys taking
// part in row i, -inf for a row without keys. It is what merging partial
// attentions (split-KV) and the backward pass need.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "support/case.hpp"
#include "support/random.hpp"
#include "support/variants.hpp"

using namespace attnkit_test;
using attnkit::index_t;

namespace {

shape lse_shape() {
    shape s;
    s.batch = 2;
    s.heads_q = 4;
    s.heads_kv = 2;
    s.seq_q = 17;
    s.seq_kv = 33;
    s.head_dim = 40;
    s.head_dim_v = 24;
    return s;
}

// The problem c restricted to keys [first, first + count): k, v and the mask
// sliced along seq_kv. (Causal masking is expressed by c's explicit mask.)
template <class T>
sdpa_case<T> key_slice(const sdpa_case<T>& c, index_t first, index_t count) {
    sdpa_case<T> part;
    part.dims = c.dims;
    part.dims.seq_kv = count;
    part.q = relayout(c.q, layouts::bhsd());
    part.k = copy_view(slice(c.k.view, 2, first, count), layouts::bhsd());
    part.v = copy_view(slice(c.v.view, 2, first, count), layouts::bhsd());
    part.scale = c.scale;
    if (c.bool_mask) {
        const auto& m = c.bool_mask->view;
        part.bool_mask = m.extent(3) == 1 ? relayout(*c.bool_mask, layouts::bhsd())
                                          : copy_view(slice(m, 3, first, count), layouts::bhsd());
    }
    if (c.additive_mask) {
        const auto& m = c.additive_mask->view;
        part.additive_mask = m.extent(3) == 1 ? relayout(*c.additive_mask, layouts::bhsd())
                                              : copy_view(slice(m, 3, first, count), layouts::bhsd());
    }
    part.label = "keys [" + std::to_string(first) + ", " + std::to_string(first + count) + ")";
    return part;
}

// The bottom_right causal pattern as an explicit [1,1,seq_q,seq_kv] mask.
inline buffer4<bool> bottom_right_mask(const shape& s) {
    buffer4<bool> m = make_buffer<bool>(mask_extents(s, mask_pattern::shared), layouts::bhsd());
    fill_view(m, [&](const std::array<index_t, 4>& i) { return i[3] <= i[2] + s.seq_kv - s.seq_q; });
    return m;
}

// Merges the results of two key sets through their lse, in long double, and
// returns the largest deviation of the merged out and lse from the full oracle.
template <class T>
std::array<long double, 2> merge_error(const oracle_result& full, const run_output<T>& a, const run_output<T>& b) {
    constexpr long double inf = std::numeric_limits<long double>::infinity();
    long double out_err = 0, lse_err = 0;
    for (index_t bb = 0; bb < full.batch; ++bb)
        for (index_t h = 0; h < full.heads; ++h)
            for (index_t i = 0; i < full.seq_q; ++i) {
                const long double la = a.lse->view(bb, h, i), lb = b.lse->view(bb, h, i);
                const long double m = std::max(la, lb);
                const long double lse = m == -inf ? -inf : m + std::log(std::exp(la - m) + std::exp(lb - m));
                const long double wa = lse == -inf ? 0 : std::exp(la - lse), wb = lse == -inf ? 0 : std::exp(lb - lse);
                for (index_t d = 0; d < full.dim_v; ++d) {
                    const long double o = wa * a.out.view(bb, h, i, d) + wb * b.out.view(bb, h, i, d);
                    out_err = std::max(out_err, std::fabs(o - full.out_at(bb, h, i, d)));
                }
                const long double want = full.lse_at(bb, h, i);
                if (want == -inf || lse == -inf) lse_err = std::max(lse_err, want == lse ? 0 : inf);
                else lse_err = std::max(lse_err, std::fabs(lse - want));
            }
    return {out_err, lse_err};
}

}  // namespace

TEMPLATE_TEST_CASE("lse agrees with the oracle, in every lse layout", "[lse]", float, double) {
    using T = TestType;
    rng r(0x15e00001);
    const std::vector<layout<3>> lse_layouts{
        layouts::bhs(), layouts::sbh(), layouts::padded3(),
        layout<3>{"BHS reversed seq", {0, 1, 2}, {0, 0, 2}, {0, 0, 1}, {false, false, true}, 1}};
    for (const layout<3>& l : lse_layouts) {
        for (const attnkit::causal mode : {attnkit::causal::none, attnkit::causal::bottom_right}) {
            sdpa_case<T> c = make_case<T>(r, lse_shape());
            c.causal_mode = mode;
            c.lse_layout = l;
            c.additive_mask = random_additive_mask<T>(r, mask_extents(c.dims, mask_pattern::per_batch), -2.0, 2.0, 0.1);
            check_all_variants(c);
        }
    }
}

TEMPLATE_TEST_CASE("requesting lse does not change out", "[lse]", float, double) {
    using T = TestType;
    rng r(0x15e00002);
    sdpa_case<T> c = make_case<T>(r, lse_shape());
    c.causal_mode = attnkit::causal::top_left;
    const expectation e = expect(c);
    for_each_variant([&](attnkit::variant v) {
        c.with_lse = true;
        const run_output<T> with = run_case(c, e, v);
        c.with_lse = false;
        const run_output<T> without = run_case(c, e, v);
        CHECK(max_abs_difference(with.out.cview(), without.out.cview()) <= e.tol.out);
    });
}

TEMPLATE_TEST_CASE("merging two halves of the keys through their lse reproduces the full result", "[lse][split]",
                   float, double) {
    using T = TestType;
    rng r(0x15e00003);
    const shape s = lse_shape();
    // Where the keys are split, and which mask the full problem has.
    for (const index_t split : {1, 16, 32}) {
        for (const int mask_kind : {0, 1, 2}) {
            sdpa_case<T> full = make_case<T>(r, s);
            if (mask_kind == 1) full.bool_mask = bottom_right_mask(s);  // causal, KV-cache style
            if (mask_kind == 2)
                full.additive_mask = random_additive_mask<T>(r, mask_extents(s, mask_pattern::full), -2.0, 2.0, 0.3);
            const sdpa_case<T> first = key_slice(full, 0, split);
            const sdpa_case<T> second = key_slice(full, split, s.seq_kv - split);
            INFO("split at key " << split << ": " << full.describe());

            const expectation e_full = expect(full);
            const expectation e_first = expect(first);
            const expectation e_second = expect(second);
            const tolerance tol = merged_tolerance(e_first.tol, e_second.tol, e_full.naive.max_abs_v);
            for_each_variant([&](attnkit::variant v) {
                const run_output<T> a = run_case(first, e_first, v);
                const run_output<T> b = run_case(second, e_second, v);
                const auto [out_err, lse_err] = merge_error(e_full.oracle, a, b);
                INFO("merged out error " << out_err << " (tolerance " << tol.out << "), lse error " << lse_err
                                         << " (tolerance " << tol.lse << ")");
                CHECK(out_err <= tol.out);
                CHECK(lse_err <= tol.lse);
            });
        }
    }
}

TEMPLATE_TEST_CASE("a constant added to a row's scores shifts its lse and leaves out unchanged", "[lse]", float,
                   double) {
    using T = TestType;
    rng r(0x15e00004);
    const shape s = lse_shape();
    sdpa_case<T> c = make_case<T>(r, s);
    const expectation e = expect(c);
    // Row i gets the additive constant (i - 8) / 4 on every key.
    const auto shift = [](index_t i) { return T(static_cast<double>(i - 8) / 4.0); };
    c.additive_mask = make_buffer<T>(mask_extents(s, mask_pattern::per_query), layouts::bhsd());
    fill_view(*c.additive_mask, [&](const std::array<index_t, 4>& i) { return shift(i[2]); });
    const expectation shifted = expect(c);
    for_each_variant([&](attnkit::variant v) {
        const run_output<T> res = run_case(c, shifted, v);
        long double out_err = 0, lse_err = 0;
        for (index_t b = 0; b < s.batch; ++b)
            for (index_t h = 0; h < s.heads_q; ++h)
                for (index_t i = 0; i < s.seq_q; ++i) {
                    for (index_t d = 0; d < s.head_dim_v; ++d)
                        out_err = std::max(out_err, std::fabs(res.out.view(b, h, i, d) - e.oracle.out_at(b, h, i, d)));
                    const long double want = e.oracle.lse_at(b, h, i) + shift(i);
                    lse_err = std::max(lse_err, std::fabs(res.lse->view(b, h, i) - want));
                }
        CHECK(out_err <= shifted.tol.out);
        CHECK(lse_err <= shifted.tol.lse);
    });
}

TEMPLATE_TEST_CASE("lse of rows without keys is -inf, next to finite rows", "[lse]", float, double) {
    using T = TestType;
    rng r(0x15e00005);
    shape s = lse_shape();
    s.seq_q = 40;  // bottom_right with seq_q > seq_kv: rows 0..6 see no key
    sdpa_case<T> c = make_case<T>(r, s);
    c.causal_mode = attnkit::causal::bottom_right;
    c.lse_layout = layouts::padded3();
    check_all_variants<T>(c, [&](attnkit::variant, const run_output<T>& res) {
        for (index_t i = 0; i < s.seq_q; ++i) {
            INFO("row " << i);
            const T lse = res.lse->view(1, 3, i);
            if (i < s.seq_q - s.seq_kv) CHECK(lse == -std::numeric_limits<T>::infinity());
            else CHECK(std::isfinite(lse));
        }
    });
}
