// Layout is addressing only: BHSD, BSHD, other dimension orders, padded rows,
// heads sliced out of a larger tensor and reversed dimensions all hold the same
// logical tensors, so they give the BHSD run's result bit for bit. Outputs are
// written inside their views only.
#include <array>
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

shape layout_shape() {
    shape s;
    s.batch = 2;
    s.heads_q = 4;
    s.heads_kv = 2;
    s.seq_q = 17;
    s.seq_kv = 33;
    s.head_dim = 24;
    s.head_dim_v = 20;
    return s;
}

// The same problem as c (same logical inputs, mask and options), stored in
// other layouts.
template <class T>
sdpa_case<T> restored(const sdpa_case<T>& c, const layout<4>& q, const layout<4>& k, const layout<4>& v,
                      const layout<4>& out, const layout<3>& lse) {
    sdpa_case<T> d;
    d.dims = c.dims;
    d.q = relayout(c.q, q);
    d.k = relayout(c.k, k);
    d.v = relayout(c.v, v);
    d.scale = c.scale;
    d.causal_mode = c.causal_mode;
    if (c.bool_mask) d.bool_mask = relayout(*c.bool_mask, layouts::bhsd());
    if (c.additive_mask) d.additive_mask = relayout(*c.additive_mask, layouts::bhsd());
    d.tiles = c.tiles;
    d.out_layout = out;
    d.with_lse = c.with_lse;
    d.lse_layout = lse;
    d.label = c.label;
    return d;
}

bool any_variant(attnkit::variant) { return true; }

// Runs base and other with every variant v that accepts(v): other must match
// the oracle and, where bitwise(v), base's result bit for bit.
template <class T, class Accepts, class Bitwise>
void check_same_result(const sdpa_case<T>& base, const sdpa_case<T>& other, Accepts accepts, Bitwise bitwise) {
    const expectation e = expect(base);
    for_each_variant([&](attnkit::variant v) {
        if (!accepts(v)) return;
        const run_output<T> a = run_case(base, e, v);
        const run_output<T> b = run_case(other, e, v);
        if (!bitwise(v)) return;
        INFO("layouts: " << other.describe());
        CHECK(bitwise_equal(a.out.cview(), b.out.cview()));
        CHECK(bitwise_equal(a.lse->cview(), b.lse->cview()));
    });
}

template <class T>
void check_same_bits(const sdpa_case<T>& base, const sdpa_case<T>& other) {
    check_same_result(base, other, any_variant, any_variant);
}


}  // namespace

TEMPLATE_TEST_CASE("every unit-stride layout gives the BHSD result bit for bit", "[layout]", float, double) {
    using T = TestType;
    rng r(0x1a70f001);
    const sdpa_case<T> base = make_case<T>(r, layout_shape());
    for (const layout<4>& l : layouts::unit_stride_layouts()) {
        INFO("q, k, v, out: " << l.name);
        check_same_bits(base, restored(base, l, l, l, l, layouts::bhs()));
    }
}

TEMPLATE_TEST_CASE("q, k, v, out and lse may each have their own layout", "[layout]", float, double) {
    using T = TestType;
    rng r(0x1a70f002);
    sdpa_case<T> base = make_case<T>(r, layout_shape());
    base.causal_mode = attnkit::causal::bottom_right;
    base.bool_mask = random_bool_mask(r, mask_extents(base.dims, mask_pattern::key_padding), 0.8);
    const std::vector<layout<4>> all = layouts::unit_stride_layouts();
    const std::vector<layout<3>> lse_all = layouts::lse_layouts();
    for (int n = 0; n < 12; ++n) {
        const sdpa_case<T> other =
            restored(base, r.pick(all), r.pick(all), r.pick(all), r.pick(all), r.pick(lse_all));
        check_same_bits(base, other);
    }
}

TEMPLATE_TEST_CASE("heads sliced out of a fused QKV tensor", "[layout]", float, double) {
    using T = TestType;
    rng r(0x1a70f003);
    const shape s = layout_shape();
    // One [batch][seq][heads_q + 2 heads_kv][dim] storage (q, k, v side by side
    // per token), as a fused projection writes it; seq_q == seq_kv here.
    shape fused_shape = s;
    fused_shape.seq_q = fused_shape.seq_kv = 33;
    fused_shape.head_dim_v = fused_shape.head_dim;
    const sdpa_case<T> square = make_case<T>(r, fused_shape);
    const index_t heads = s.heads_q + 2 * s.heads_kv, row = heads * s.head_dim, seq = fused_shape.seq_q;
    storage<T> qkv(static_cast<std::size_t>(s.batch * seq * row));
    const auto view_at = [&](index_t first_head, index_t n_heads) {
        return attnkit::tensor4<T>(qkv.data() + first_head * s.head_dim, {s.batch, n_heads, seq, s.head_dim},
                                   {seq * row, s.head_dim, row, 1});
    };
    const attnkit::tensor4<T> q = view_at(0, s.heads_q), k = view_at(s.heads_q, s.heads_kv),
                              v = view_at(s.heads_q + s.heads_kv, s.heads_kv);
    for_each_index(q.extents(), [&](const std::array<index_t, 4>& i) { element(q, i) = element(square.q.view, i); });
    for_each_index(k.extents(), [&](const std::array<index_t, 4>& i) { element(k, i) = element(square.k.view, i); });
    for_each_index(v.extents(), [&](const std::array<index_t, 4>& i) { element(v, i) = element(square.v.view, i); });

    const expectation e = expect(square);
    for_each_variant([&](attnkit::variant kernel) {
        const run_output<T> want = run_case(square, e, kernel);
        buffer4<T> out = make_buffer<T>(fused_shape.out(), layouts::sliced_heads());
        out.mem.fill(sentinel<T>());
        attnkit::options<T> opt;
        opt.kernel = kernel;
        attnkit::sdpa<T>(q, k, v, out.view, opt);
        CHECK(touched_outside_view(out) == 0);
        CHECK(bitwise_equal(want.out.cview(), out.cview()));
    });
}

TEMPLATE_TEST_CASE("out and lse are written only inside their views", "[layout]", float, double) {
    using T = TestType;
    rng r(0x1a70f004);
    // run_case poisons the whole storage of out and lse and checks every element
    // outside the views afterwards; these layouts have gaps everywhere.
    sdpa_case<T> c = make_case<T>(r, layout_shape());
    for (const layout<4>& out : {layouts::padded(), layouts::sliced_heads(), layouts::sbhd()}) {
        for (const layout<3>& lse : layouts::lse_layouts()) {
            c.out_layout = out;
            c.lse_layout = lse;
            check_all_variants(c);
        }
    }
    // Also where a row sees no key (zeros and -inf must land in the view).
    c.causal_mode = attnkit::causal::bottom_right;
    c.out_layout = layouts::padded();
    c.lse_layout = layouts::padded3();
    c.additive_mask = make_buffer<T>(mask_extents(c.dims, mask_pattern::per_query), layouts::bhsd());
    fill_view(*c.additive_mask, [](const std::array<index_t, 4>& i) {
        return i[2] % 3 == 0 ? -std::numeric_limits<T>::infinity() : T(0);
    });
    check_all_variants(c);
}

// The automatic variant may pick another kernel for strided views than for
// contiguous ones, so only the naive kernel is held to the same bits here.
TEMPLATE_TEST_CASE("non-unit head_dim stride: accepted by naive and automatic", "[layout]", float, double) {
    using T = TestType;
    rng r(0x1a70f005);
    const sdpa_case<T> base = make_case<T>(r, layout_shape());
    for (const layout<4>& l : {layouts::strided_dim(), layouts::dim_major()}) {
        INFO("q, k, v, out: " << l.name);
        check_same_result(base, restored(base, l, l, l, l, layouts::padded3()), accepts_strided_head_dim,
                          [](attnkit::variant v) { return v == attnkit::variant::naive; });
    }
}

TEMPLATE_TEST_CASE("negative strides (reversed sequence) hold the same logical tensors", "[layout]", float, double) {
    using T = TestType;
    rng r(0x1a70f006);
    sdpa_case<T> base = make_case<T>(r, layout_shape());
    base.causal_mode = attnkit::causal::top_left;
    const layout<4> rev = layouts::reversed_seq();
    const layout<4> bhsd = layouts::bhsd();
    check_same_bits(base, restored(base, rev, bhsd, bhsd, bhsd, layouts::bhs()));
    check_same_bits(base, restored(base, bhsd, rev, rev, bhsd, layouts::bhs()));
    check_same_bits(base, restored(base, rev, rev, rev, rev, layouts::bhs()));
}

// K rows 4 KiB apart (here BSHD with 2 kv heads of 2 KiB rows, and a reversed
// sequence) are copied one cache line apart before the tile engines run
// (detail/unaliased_keys.hpp): the results are those of the padded BHSD
// layout, read in place, bit for bit.
TEMPLATE_TEST_CASE("K layouts whose rows alias in L1 give the bits of a layout whose rows do not", "[layout]", float,
                   double) {
    using T = TestType;
    rng r(0x1a70f007);
    shape s = layout_shape();
    s.head_dim = 2048 / static_cast<index_t>(sizeof(T));
    const sdpa_case<T> c = make_case<T>(r, s);
    const layout<4> bhsd = layouts::bhsd();
    const sdpa_case<T> base = restored(c, bhsd, layouts::padded(), bhsd, bhsd, layouts::bhs());
    check_same_bits(base, restored(c, bhsd, layouts::bshd(), bhsd, bhsd, layouts::bhs()));
    layout<4> reversed_bshd = layouts::bshd();
    reversed_bshd.reversed = {false, false, true, false};
    check_same_bits(base, restored(c, bhsd, reversed_bshd, bhsd, bhsd, layouts::bhs()));
}
