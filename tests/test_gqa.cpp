// Grouped-query attention: query head h reads kv head h / (heads_q / heads_kv).
// heads_kv == heads_q is ordinary multi-head attention, heads_kv == 1 is
// multi-query attention.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include "support/case.hpp"
#include "support/random.hpp"
#include "support/variants.hpp"

using namespace attnkit_test;
using attnkit::index_t;

namespace {

shape heads_shape(index_t heads_q, index_t heads_kv) {
    shape s;
    s.batch = 2;
    s.heads_q = heads_q;
    s.heads_kv = heads_kv;
    s.seq_q = 17;
    s.seq_kv = 33;
    s.head_dim = 32;
    s.head_dim_v = 24;
    return s;
}

// The same problem with every kv head repeated for each query head of its group.
template <class T>
sdpa_case<T> repeat_kv_heads(const sdpa_case<T>& gqa) {
    sdpa_case<T> mha;
    mha.dims = gqa.dims;
    mha.dims.heads_kv = gqa.dims.heads_q;
    const index_t group = gqa.dims.heads_q / gqa.dims.heads_kv;
    mha.q = relayout(gqa.q, layouts::bhsd());
    mha.k = make_buffer<T>(mha.dims.k(), layouts::bhsd());
    mha.v = make_buffer<T>(mha.dims.v(), layouts::bhsd());
    fill_view(mha.k, [&](const std::array<index_t, 4>& i) {
        return element(gqa.k.view, std::array<index_t, 4>{i[0], i[1] / group, i[2], i[3]});
    });
    fill_view(mha.v, [&](const std::array<index_t, 4>& i) {
        return element(gqa.v.view, std::array<index_t, 4>{i[0], i[1] / group, i[2], i[3]});
    });
    mha.scale = gqa.scale;
    mha.causal_mode = gqa.causal_mode;
    if (gqa.bool_mask) mha.bool_mask = relayout(*gqa.bool_mask, layouts::bhsd());
    if (gqa.additive_mask) mha.additive_mask = relayout(*gqa.additive_mask, layouts::bhsd());
    mha.label = "MHA with repeated kv heads";
    return mha;
}

}  // namespace

TEMPLATE_TEST_CASE("GQA (8 query heads over 2 kv heads) agrees with the oracle", "[gqa]", float, double) {
    using T = TestType;
    rng r(0x09a00001);
    sdpa_case<T> c = make_case<T>(r, heads_shape(8, 2));
    check_all_variants(c);
    c.causal_mode = attnkit::causal::bottom_right;
    check_all_variants(c);
}

TEMPLATE_TEST_CASE("MQA (one kv head) agrees with the oracle", "[gqa]", float, double) {
    using T = TestType;
    rng r(0x09a00002);
    for (const index_t heads_q : {1, 3, 4}) {
        sdpa_case<T> c = make_case<T>(r, heads_shape(heads_q, 1));
        check_all_variants(c);
    }
}

TEMPLATE_TEST_CASE("every group size that divides heads_q", "[gqa]", float, double) {
    using T = TestType;
    rng r(0x09a00003);
    for (const index_t heads_kv : {1, 2, 3, 6}) {
        sdpa_case<T> c = make_case<T>(r, heads_shape(6, heads_kv));
        check_all_variants(c);
    }
}

TEMPLATE_TEST_CASE("query head h reads kv head h / group", "[gqa]", float, double) {
    using T = TestType;
    rng r(0x09a00004);
    // Each kv head's v is a constant, distinct per (batch, kv head): whatever
    // the weights, query head h's output is its kv head's constant.
    const shape s = heads_shape(8, 2);
    sdpa_case<T> c = make_case<T>(r, s);
    const auto constant = [](index_t b, index_t hk) { return T(1 + b) * T(hk == 0 ? -0.5 : 0.75); };
    fill_view(c.v, [&](const std::array<index_t, 4>& i) { return constant(i[0], i[1]); });
    const expectation e = expect(c);
    for_each_variant([&](attnkit::variant v) {
        const run_output<T> res = run_case(c, e, v);
        for (index_t b = 0; b < s.batch; ++b)
            for (index_t h = 0; h < s.heads_q; ++h) {
                INFO("batch " << b << ", query head " << h << " -> kv head " << h / 4);
                const long double want = constant(b, h / 4);
                long double worst = 0;
                for (index_t i = 0; i < s.seq_q; ++i)
                    for (index_t d = 0; d < s.head_dim_v; ++d)
                        worst = std::max(worst, std::fabs(static_cast<long double>(res.out.view(b, h, i, d)) - want));
                CHECK(worst <= e.tol.out);
            }
    });
}

TEMPLATE_TEST_CASE("GQA equals MHA with the kv heads repeated", "[gqa]", float, double) {
    using T = TestType;
    rng r(0x09a00005);
    for (const auto& [hq, hkv] : std::vector<std::array<index_t, 2>>{{8, 2}, {4, 1}, {6, 3}}) {
        for (const attnkit::causal mode : {attnkit::causal::none, attnkit::causal::top_left}) {
            const shape s = heads_shape(hq, hkv);
            sdpa_case<T> gqa = make_case<T>(r, s, layouts::bshd(), layouts::bshd(), layouts::bshd());
            gqa.causal_mode = mode;
            gqa.additive_mask = random_additive_mask<T>(r, mask_extents(s, mask_pattern::per_head), -1.0, 1.0, 0.2);
            const sdpa_case<T> mha = repeat_kv_heads(gqa);
            INFO(gqa.describe());
            const expectation e_gqa = expect(gqa);
            const expectation e_mha = expect(mha);
            for_each_variant([&](attnkit::variant v) {
                const run_output<T> a = run_case(gqa, e_gqa, v);
                const run_output<T> b = run_case(mha, e_mha, v);
                CHECK(max_abs_difference(a.out.cview(), b.out.cview()) <= std::max(e_gqa.tol.out, e_mha.tol.out));
                CHECK(max_abs_difference(a.lse->cview(), b.lse->cview()) <= std::max(e_gqa.tol.lse, e_mha.tol.lse));
            });
        }
    }
}
