// Explicit masks, of logical shape [batch, heads_q, seq_q, seq_kv]:
//   boolean   true means the key takes part (PyTorch's convention)
//   additive  added to the scaled scores; -inf removes the key
// Every dimension is either full or of extent 1 (broadcast), and any strides work.
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

shape mask_shape() {
    shape s;
    s.batch = 2;
    s.heads_q = 3;
    s.heads_kv = 3;
    s.seq_q = 17;
    s.seq_kv = 33;
    s.head_dim = 16;
    s.head_dim_v = 12;
    return s;
}

// The mask m broadcast to the full shape, written out as a full tensor.
template <class M>
buffer4<M> expand(const buffer4<M>& m, const shape& s) {
    buffer4<M> full = make_buffer<M>(s.mask_full(), layouts::bhsd());
    fill_view(full, [&](const std::array<index_t, 4>& idx) {
        std::array<index_t, 4> at{};
        for (std::size_t d = 0; d < 4; ++d) at[d] = m.extents()[d] == 1 ? 0 : idx[d];
        return element(m.view, at);
    });
    return full;
}

// Row [b, h, i] of a result: all zeros and lse -inf.
template <class T>
bool is_empty_row(const run_output<T>& r, index_t b, index_t h, index_t i) {
    bool empty = !r.lse || r.lse->view(b, h, i) == -std::numeric_limits<T>::infinity();
    for (index_t d = 0; d < r.out.view.extent(3); ++d) empty = empty && r.out.view(b, h, i, d) == T(0);
    return empty;
}

// The masks' storage layouts besides contiguous BHSD. Strides: padded rows, a
// transposed [seq_kv][seq_q] storage, heads outermost.
std::vector<layout<4>> strided_mask_layouts() {
    return {layouts::padded(), layout<4>{"transposed (seq_kv, seq_q innermost)", {0, 1, 3, 2}, {}, {}, {}, 1},
            layouts::hbsd(), layout<4>{"innermost stride 3", {0, 1, 2, 3}, {0, 0, 1, 0}, {}, {}, 3},
            layouts::reversed_seq()};
}

}  // namespace

TEMPLATE_TEST_CASE("boolean mask: true takes part, false removes the key", "[mask]", float, double) {
    using T = TestType;
    rng r(0x3a5c0001);
    const shape s = mask_shape();
    for (const double p_true : {0.9, 0.5, 0.1}) {
        sdpa_case<T> c = make_case<T>(r, s);
        c.bool_mask = random_bool_mask(r, s.mask_full(), p_true);
        c.label = "P(true) = " + std::to_string(p_true);
        check_all_variants(c);
    }
}

TEMPLATE_TEST_CASE("additive mask: added to the scaled scores, -inf removes the key", "[mask]", float, double) {
    using T = TestType;
    rng r(0x3a5c0002);
    const shape s = mask_shape();
    for (const double p_removed : {0.0, 0.3, 0.9}) {
        sdpa_case<T> c = make_case<T>(r, s);
        c.additive_mask = random_additive_mask<T>(r, s.mask_full(), -3.0, 3.0, p_removed);
        c.label = "P(-inf) = " + std::to_string(p_removed);
        check_all_variants(c);
    }
}

TEMPLATE_TEST_CASE("every broadcast pattern, boolean and additive", "[mask][broadcast]", float, double) {
    using T = TestType;
    rng r(0x3a5c0003);
    const shape s = mask_shape();
    for (const mask_pattern p : all_mask_patterns()) {
        INFO("mask " << pattern_name(p));
        {
            sdpa_case<T> c = make_case<T>(r, s);
            c.bool_mask = random_bool_mask(r, mask_extents(s, p), 0.7);
            check_all_variants(c);
        }
        {
            sdpa_case<T> c = make_case<T>(r, s);
            c.additive_mask = random_additive_mask<T>(r, mask_extents(s, p), -2.0, 2.0, 0.2);
            check_all_variants(c);
        }
    }
}

TEMPLATE_TEST_CASE("a broadcast mask gives the result of the same mask written out in full", "[mask][broadcast]",
                   float, double) {
    using T = TestType;
    const shape s = mask_shape();
    std::uint64_t seed = 0x3a5c0004;
    for (const mask_pattern p : all_mask_patterns()) {
        for (const bool boolean : {true, false}) {
            INFO("mask " << pattern_name(p) << (boolean ? " boolean" : " additive"));
            // Two cases with the same inputs (same seed): one gets the mask with
            // extent-1 dimensions, the other the same mask written out in full.
            rng r_small(++seed), r_full(seed);
            sdpa_case<T> small = make_case<T>(r_small, s);
            sdpa_case<T> full = make_case<T>(r_full, s);
            if (boolean) {
                small.bool_mask = random_bool_mask(r_small, mask_extents(s, p), 0.7);
                full.bool_mask = expand(*small.bool_mask, s);
            } else {
                small.additive_mask = random_additive_mask<T>(r_small, mask_extents(s, p), -2.0, 2.0, 0.2);
                full.additive_mask = expand(*small.additive_mask, s);
            }
            const expectation e = expect(full);
            for_each_variant([&](attnkit::variant v) { run_case(small, e, v); });
        }
    }
}

TEMPLATE_TEST_CASE("broadcast given by stride 0 works like extent 1", "[mask][broadcast]", float, double) {
    using T = TestType;
    rng r(0x3a5c0005);
    const shape s = mask_shape();
    // attnkit::broadcast_mask: one [seq_q, seq_kv] mask for every batch and head,
    // passed with full extents and stride 0 on batch and heads.
    buffer4<bool> shared = random_bool_mask(r, {1, 1, s.seq_q, s.seq_kv}, 0.6);
    sdpa_case<T> c = make_case<T>(r, s);
    c.bool_mask = relayout(shared, layouts::bhsd());
    const expectation e = expect(c);
    for_each_variant([&](attnkit::variant v) {
        attnkit::options<T> opt = c.options();
        opt.kernel = v;
        const attnkit::tensor4<const bool> strided(shared.view.data(), s.mask_full(), {0, 0, s.seq_kv, 1});
        opt.mask = strided;
        buffer4<T> out = make_buffer<T>(s.out(), layouts::bhsd());
        buffer3<T> lse = make_buffer<T>(s.lse(), layouts::bhs());
        opt.lse = lse.view;
        attnkit::sdpa(c.q.cview(), c.k.cview(), c.v.cview(), out.view, opt);
        const deviation d = compare_to_oracle<T>(e.oracle, out.cview(), lse.cview(), s.head_dim, false);
        CHECK(d.special_mismatches == 0);
        CHECK(d.out <= e.tol.out);
        CHECK(d.lse <= e.tol.lse);

        // The library's own helper builds the same view.
        const auto helper = attnkit::broadcast_mask<const bool>(shared.view.data(), s.seq_q, s.seq_kv);
        opt.mask = helper;
        buffer4<T> out2 = make_buffer<T>(s.out(), layouts::bhsd());
        attnkit::sdpa(c.q.cview(), c.k.cview(), c.v.cview(), out2.view, opt);
        CHECK(bitwise_equal(out.cview(), out2.cview()));
    });
}

TEMPLATE_TEST_CASE("masks given with non-contiguous strides", "[mask][layout]", float, double) {
    using T = TestType;
    rng r(0x3a5c0006);
    const shape s = mask_shape();
    for (const layout<4>& l : strided_mask_layouts()) {
        for (const mask_pattern p : {mask_pattern::full, mask_pattern::per_batch, mask_pattern::key_padding}) {
            INFO("mask " << pattern_name(p) << " stored " << l.name);
            {
                sdpa_case<T> c = make_case<T>(r, s);
                c.bool_mask = random_bool_mask(r, mask_extents(s, p), 0.6, l);
                check_all_variants(c);
            }
            {
                sdpa_case<T> c = make_case<T>(r, s);
                c.additive_mask = random_additive_mask<T>(r, mask_extents(s, p), -2.0, 2.0, 0.2, l);
                check_all_variants(c);
            }
        }
    }
}

TEMPLATE_TEST_CASE("an all-true boolean mask and an all-zero additive mask change nothing", "[mask]", float, double) {
    using T = TestType;
    rng r(0x3a5c0007);
    const shape s = mask_shape();
    sdpa_case<T> c = make_case<T>(r, s);
    const expectation e = expect(c);  // no mask
    c.bool_mask = make_buffer<bool>(s.mask_full(), layouts::bhsd());
    fill_view(*c.bool_mask, [](const std::array<index_t, 4>&) { return true; });
    for_each_variant([&](attnkit::variant v) { run_case(c, e, v); });
    c.bool_mask.reset();
    c.additive_mask = make_buffer<T>(mask_extents(s, mask_pattern::shared), layouts::bhsd());
    for_each_variant([&](attnkit::variant v) { run_case(c, e, v); });
}

TEMPLATE_TEST_CASE("a boolean false and an additive -inf remove the same keys", "[mask]", float, double) {
    using T = TestType;
    rng r(0x3a5c0008);
    const shape s = mask_shape();
    sdpa_case<T> c = make_case<T>(r, s);
    c.bool_mask = random_bool_mask(r, mask_extents(s, mask_pattern::per_head), 0.5);
    const expectation e = expect(c);
    const buffer4<bool> keep = std::move(*c.bool_mask);
    c.bool_mask.reset();
    c.additive_mask = make_buffer<T>(keep.extents(), layouts::bhsd());
    fill_view(*c.additive_mask, [&](const std::array<index_t, 4>& idx) {
        return element(keep.view, idx) ? T(0) : -std::numeric_limits<T>::infinity();
    });
    for_each_variant([&](attnkit::variant v) { run_case(c, e, v); });
}

TEMPLATE_TEST_CASE("fully masked rows give zeros and lse -inf, other rows are unaffected", "[mask]", float, double) {
    using T = TestType;
    rng r(0x3a5c0009);
    const shape s = mask_shape();
    // Rows 0, 5 and 16 of every batch and head remove every key.
    const auto masked_row = [](index_t i) { return i == 0 || i == 5 || i == 16; };
    {
        sdpa_case<T> c = make_case<T>(r, s);
        c.bool_mask = random_bool_mask(r, mask_extents(s, mask_pattern::shared), 0.7);
        fill_view(*c.bool_mask, [&](const std::array<index_t, 4>& idx) {
            return masked_row(idx[2]) ? false : element(c.bool_mask->view, idx);
        });
        check_all_variants<T>(c, [&](attnkit::variant, const run_output<T>& res) {
            for (index_t i = 0; i < s.seq_q; ++i) CHECK(is_empty_row(res, 1, 2, i) == masked_row(i));
        });
    }
    {
        sdpa_case<T> c = make_case<T>(r, s);
        c.additive_mask = random_additive_mask<T>(r, mask_extents(s, mask_pattern::shared), -1.0, 1.0, 0.0);
        fill_view(*c.additive_mask, [&](const std::array<index_t, 4>& idx) {
            return masked_row(idx[2]) ? -std::numeric_limits<T>::infinity() : element(c.additive_mask->view, idx);
        });
        check_all_variants<T>(c, [&](attnkit::variant, const run_output<T>& res) {
            for (index_t i = 0; i < s.seq_q; ++i) CHECK(is_empty_row(res, 1, 2, i) == masked_row(i));
        });
    }
}

TEMPLATE_TEST_CASE("key-padding mask: padded keys never contribute, even when they hold NaN", "[mask]", float,
                   double) {
    using T = TestType;
    rng r(0x3a5c000a);
    const shape s = mask_shape();
    sdpa_case<T> c = make_case<T>(r, s);
    // Batch entry b has 33 - 7b real keys; the rest is padding full of NaN.
    const auto real_keys = [](index_t b) { return 33 - 7 * b; };
    c.bool_mask = make_buffer<bool>(mask_extents(s, mask_pattern::key_padding), layouts::bhsd());
    fill_view(*c.bool_mask, [&](const std::array<index_t, 4>& idx) { return idx[3] < real_keys(idx[0]); });
    for (index_t b = 0; b < s.batch; ++b)
        for (index_t h = 0; h < s.heads_kv; ++h)
            for (index_t j = real_keys(b); j < s.seq_kv; ++j) {
                for (index_t d = 0; d < s.head_dim; ++d) c.k.view(b, h, j, d) = quiet_nan<T>();
                for (index_t d = 0; d < s.head_dim_v; ++d) c.v.view(b, h, j, d) = quiet_nan<T>();
            }
    check_all_variants(c);
}

TEMPLATE_TEST_CASE("mask values are per query head under GQA", "[mask][gqa]", float, double) {
    using T = TestType;
    rng r(0x3a5c000b);
    shape s = mask_shape();
    s.heads_q = 6;
    s.heads_kv = 2;
    for (const mask_pattern p : {mask_pattern::full, mask_pattern::per_head}) {
        INFO("mask " << pattern_name(p));
        sdpa_case<T> c = make_case<T>(r, s);
        c.additive_mask = random_additive_mask<T>(r, mask_extents(s, p), -2.0, 2.0, 0.3);
        check_all_variants(c);
    }
}
