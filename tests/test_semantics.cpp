// What sdpa() computes at the edges of its contract: the default scale, rows
// without keys, empty extents, NaN propagation, and what an error leaves behind.
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "support/case.hpp"
#include "support/random.hpp"
#include "support/variants.hpp"

using namespace attnkit_test;
using attnkit::index_t;

namespace {

shape small_shape() {
    shape s;
    s.batch = 2;
    s.heads_q = 4;
    s.heads_kv = 2;
    s.seq_q = 9;
    s.seq_kv = 13;
    s.head_dim = 16;
    s.head_dim_v = 12;
    return s;
}

// The bytes of a buffer's whole storage.
template <class T, std::size_t Rank>
std::vector<unsigned char> bytes_of(const buffer<T, Rank>& b) {
    std::vector<unsigned char> bytes(b.mem.size() * sizeof(T));
    if (!bytes.empty()) std::memcpy(bytes.data(), b.mem.data(), bytes.size());
    return bytes;
}

template <class T>
bool row_has_nan(const run_output<T>& r, index_t b, index_t h, index_t i) {
    bool any = r.lse && std::isnan(r.lse->view(b, h, i));
    for (index_t d = 0; d < r.out.view.extent(3); ++d) any = any || std::isnan(r.out.view(b, h, i, d));
    return any;
}

template <class T>
bool row_is_empty(const run_output<T>& r, index_t b, index_t h, index_t i) {
    bool empty = !r.lse || r.lse->view(b, h, i) == -std::numeric_limits<T>::infinity();
    for (index_t d = 0; d < r.out.view.extent(3); ++d) empty = empty && r.out.view(b, h, i, d) == T(0);
    return empty;
}

// Checks, for every row of every variant's result, that it holds NaN exactly
// where expected_nan(b, h, i) says so (the oracle checks the values).
template <class T>
void check_nan_rows(const sdpa_case<T>& c, const std::function<bool(index_t, index_t, index_t)>& expected_nan) {
    check_all_variants<T>(c, [&](attnkit::variant, const run_output<T>& res) {
        index_t wrong = 0, nan_rows = 0;
        for (index_t b = 0; b < c.dims.batch; ++b)
            for (index_t h = 0; h < c.dims.heads_q; ++h)
                for (index_t i = 0; i < c.dims.seq_q; ++i) {
                    const bool nan = row_has_nan(res, b, h, i);
                    nan_rows += nan ? 1 : 0;
                    if (nan != expected_nan(b, h, i)) ++wrong;
                }
        INFO(nan_rows << " rows hold NaN");
        CHECK(wrong == 0);
    });
}

}  // namespace

// ---- scale ------------------------------------------------------------------------

TEMPLATE_TEST_CASE("the default scale is 1/sqrt(head_dim)", "[semantics][scale]", float, double) {
    using T = TestType;
    rng r(0x5e3a0001);
    for (const index_t d : {1, 8, 63, 96}) {
        shape s = small_shape();
        s.head_dim = d;
        sdpa_case<T> c = make_case<T>(r, s);
        const expectation e = expect(c);
        for_each_variant([&](attnkit::variant v) {
            c.scale.reset();
            const run_output<T> implicit = run_case(c, e, v);
            c.scale = 1.0 / std::sqrt(static_cast<double>(d));
            const run_output<T> explicit_scale = run_case(c, e, v);
            CHECK(bitwise_equal(implicit.out.cview(), explicit_scale.out.cview()));
            CHECK(bitwise_equal(implicit.lse->cview(), explicit_scale.lse->cview()));
        });
    }
}

TEMPLATE_TEST_CASE("an explicit scale multiplies q.k before the mask is added", "[semantics][scale]", float, double) {
    using T = TestType;
    rng r(0x5e3a0002);
    for (const double scale : {0.01, 0.5, 1.0, 3.0}) {
        sdpa_case<T> c = make_case<T>(r, small_shape());
        c.scale = scale;
        c.additive_mask = random_additive_mask<T>(r, mask_extents(c.dims, mask_pattern::shared), -1.0, 1.0, 0.1);
        check_all_variants(c);
    }
}

TEMPLATE_TEST_CASE("scores far beyond exp's range are handled (softmax shifted by the row maximum)",
                   "[semantics][scale]", float, double) {
    using T = TestType;
    rng r(0x5e3a0003);
    // Scores of several hundred (float's exp overflows past 88) and, with an
    // additive mask, below -1000 for whole rows.
    for (const double scale : {100.0, 400.0}) {
        sdpa_case<T> c = make_case<T>(r, small_shape());
        c.scale = scale;
        check_all_variants(c);
    }
    sdpa_case<T> c = make_case<T>(r, small_shape());
    c.additive_mask = make_buffer<T>(mask_extents(c.dims, mask_pattern::per_query), layouts::bhsd());
    fill_view(*c.additive_mask, [](const std::array<index_t, 4>& i) { return T(i[2] % 2 == 0 ? -1000 : 1000); });
    check_all_variants(c);
}

// ---- rows without keys --------------------------------------------------------------

TEMPLATE_TEST_CASE("a fully masked row gives zeros and lse -inf", "[semantics][empty]", float, double) {
    using T = TestType;
    rng r(0x5e3a0004);
    const shape s = small_shape();
    const std::array<index_t, 4> one{1, 1, 1, 1};
    sdpa_case<T> c = make_case<T>(r, s);
    const auto all_empty = [&](attnkit::variant, const run_output<T>& res) {
        index_t not_empty = 0;
        for (index_t b = 0; b < s.batch; ++b)
            for (index_t h = 0; h < s.heads_q; ++h)
                for (index_t i = 0; i < s.seq_q; ++i) not_empty += row_is_empty(res, b, h, i) ? 0 : 1;
        CHECK(not_empty == 0);
    };
    SECTION("boolean mask all false") {
        c.bool_mask = make_buffer<bool>(one, layouts::bhsd());
        check_all_variants<T>(c, all_empty);
    }
    SECTION("additive mask all -inf") {
        c.additive_mask = make_buffer<T>(one, layouts::bhsd());
        c.additive_mask->mem.fill(-std::numeric_limits<T>::infinity());
        check_all_variants<T>(c, all_empty);
    }
    SECTION("causal bottom_right, the rows before the first key") {
        // seq_q = 30 queries aligned to the end of 13 keys: rows 0..16 see none.
        sdpa_case<T> d = make_case<T>(r, s);
        d.causal_mode = attnkit::causal::bottom_right;
        d.q = make_input<T>(r, {s.batch, s.heads_q, 30, s.head_dim}, layouts::bhsd());
        d.dims.seq_q = 30;
        const shape ds = d.dims;
        check_all_variants<T>(d, [&](attnkit::variant, const run_output<T>& res) {
            index_t empty = 0;
            for (index_t i = 0; i < ds.seq_q; ++i) empty += row_is_empty(res, 0, 0, i) ? 1 : 0;
            CHECK(empty == ds.seq_q - ds.seq_kv);
        });
    }
}

TEMPLATE_TEST_CASE("seq_kv = 0 behaves like a fully masked row", "[semantics][empty]", float, double) {
    using T = TestType;
    rng r(0x5e3a0005);
    shape s = small_shape();
    s.seq_kv = 0;
    for (const attnkit::causal mode :
         {attnkit::causal::none, attnkit::causal::top_left, attnkit::causal::bottom_right}) {
        sdpa_case<T> c = make_case<T>(r, s);
        REQUIRE(c.k.view.data() == nullptr);  // k and v hold no element: null data is valid
        REQUIRE(c.v.view.data() == nullptr);
        c.causal_mode = mode;
        check_all_variants<T>(c, [&](attnkit::variant, const run_output<T>& res) {
            index_t not_empty = 0;
            for (index_t b = 0; b < s.batch; ++b)
                for (index_t h = 0; h < s.heads_q; ++h)
                    for (index_t i = 0; i < s.seq_q; ++i) not_empty += row_is_empty(res, b, h, i) ? 0 : 1;
            CHECK(not_empty == 0);
        });
    }
    // With a mask of extent 0 along seq_kv, too.
    sdpa_case<T> c = make_case<T>(r, s);
    c.bool_mask = make_buffer<bool>(mask_extents(s, mask_pattern::full), layouts::bhsd());
    check_all_variants(c);
}

// ---- empty extents ----------------------------------------------------------------------

TEMPLATE_TEST_CASE("seq_q = 0, batch = 0 and heads_q = 0 are no-ops", "[semantics][empty]", float, double) {
    using T = TestType;
    rng r(0x5e3a0006);
    const auto check_noop = [&](const shape& s, const char* what) {
        INFO(what << ": " << s.describe());
        // Inputs: real storage where they have elements, null data where they have none.
        const buffer4<T> q = make_input<T>(r, s.q(), layouts::bhsd());
        const buffer4<T> k = make_input<T>(r, s.k(), layouts::bhsd());
        const buffer4<T> v = make_input<T>(r, s.v(), layouts::bhsd());
        for_each_variant([&](attnkit::variant kernel) {
            // Outputs with null data.
            attnkit::options<T> opt;
            opt.kernel = kernel;
            opt.lse = attnkit::bhs<T>(nullptr, s.batch, s.heads_q, s.seq_q);
            const attnkit::tensor4<T> null_out = attnkit::bhsd<T>(nullptr, s.batch, s.heads_q, s.seq_q, s.head_dim_v);
            CHECK_NOTHROW(attnkit::sdpa(q.cview(), k.cview(), v.cview(), null_out, opt));

            // Outputs over poisoned storage (padded, so it is not empty): untouched.
            buffer4<T> out = make_buffer<T>(s.out(), layouts::padded());
            buffer3<T> lse = make_buffer<T>(s.lse(), layouts::padded3());
            out.mem.fill(sentinel<T>());
            lse.mem.fill(sentinel<T>());
            REQUIRE(out.mem.size() > 0);
            opt.lse = lse.view;
            opt.causal_mode = attnkit::causal::bottom_right;
            CHECK_NOTHROW(attnkit::sdpa(q.cview(), k.cview(), v.cview(), out.view, opt));
            CHECK(touched_outside_view(out) == 0);
            CHECK(touched_outside_view(lse) == 0);
        });
    };
    shape s = small_shape();
    s.seq_q = 0;
    check_noop(s, "seq_q = 0");
    s = small_shape();
    s.batch = 0;
    check_noop(s, "batch = 0");
    s = small_shape();
    s.heads_q = 0;
    check_noop(s, "heads_q = 0");
    s.heads_kv = 3;  // any heads_kv goes with heads_q = 0
    check_noop(s, "heads_q = 0, heads_kv = 3");
    s = small_shape();
    s.batch = 0;
    s.heads_q = 0;
    s.seq_q = 0;
    s.seq_kv = 0;
    s.head_dim = 0;
    s.head_dim_v = 0;
    check_noop(s, "everything 0");
}

TEMPLATE_TEST_CASE("head_dim = 0: every score is 0, each row averages the v rows it sees", "[semantics][empty]",
                   float, double) {
    using T = TestType;
    rng r(0x5e3a0007);
    shape s = small_shape();
    s.head_dim = 0;
    sdpa_case<T> c = make_case<T>(r, s);
    REQUIRE(c.q.view.data() == nullptr);
    check_all_variants(c);
    c.causal_mode = attnkit::causal::top_left;
    check_all_variants(c);
}

TEMPLATE_TEST_CASE("head_dim_v = 0: out is empty, lse is still computed", "[semantics][empty]", float, double) {
    using T = TestType;
    rng r(0x5e3a0008);
    shape s = small_shape();
    s.head_dim_v = 0;
    sdpa_case<T> c = make_case<T>(r, s);
    c.causal_mode = attnkit::causal::bottom_right;
    check_all_variants<T>(c, [&](attnkit::variant, const run_output<T>& res) {
        CHECK(std::isfinite(res.lse->view(0, 0, 0)));
    });
}

// ---- NaN ----------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("NaN in q row i reaches only out row i", "[semantics][nan]", float, double) {
    using T = TestType;
    rng r(0x5e3a0009);
    const shape s = small_shape();
    sdpa_case<T> c = make_case<T>(r, s);
    // One element of q[1, 2, 4, :]: the other query heads of the group (which
    // share kv head 1) and the other rows stay clean.
    c.q.view(1, 2, 4, 7) = quiet_nan<T>();
    check_nan_rows(c, [](index_t b, index_t h, index_t i) { return b == 1 && h == 2 && i == 4; });
    c.causal_mode = attnkit::causal::top_left;
    check_nan_rows(c, [](index_t b, index_t h, index_t i) { return b == 1 && h == 2 && i == 4; });
}

TEMPLATE_TEST_CASE("NaN in k or v row j reaches only the rows that see key j", "[semantics][nan]", float, double) {
    using T = TestType;
    rng r(0x5e3a000a);
    shape s = small_shape();
    s.seq_q = s.seq_kv = 13;
    const index_t j = 6;
    // kv head 1 of batch 0 is read by query heads 2 and 3. Causal top_left: rows
    // i >= j see key j; the mask also hides key j from rows 9 and 10.
    const auto sees_key = [&](index_t b, index_t h, index_t i) {
        return b == 0 && (h == 2 || h == 3) && i >= j && i != 9 && i != 10;
    };
    for (const bool in_k : {true, false}) {
        INFO("NaN in " << (in_k ? "k" : "v") << " row " << j);
        sdpa_case<T> c = make_case<T>(r, s);
        c.causal_mode = attnkit::causal::top_left;
        c.bool_mask = make_buffer<bool>(mask_extents(s, mask_pattern::shared), layouts::bhsd());
        fill_view(*c.bool_mask, [&](const std::array<index_t, 4>& i) { return !(i[3] == j && (i[2] == 9 || i[2] == 10)); });
        if (in_k) c.k.view(0, 1, j, 3) = quiet_nan<T>();
        else c.v.view(0, 1, j, 3) = quiet_nan<T>();
        check_nan_rows(c, sees_key);
    }
}

TEMPLATE_TEST_CASE("masked keys never contribute, even when their k and v rows are NaN", "[semantics][nan]", float,
                   double) {
    using T = TestType;
    rng r(0x5e3a000b);
    const shape s = small_shape();
    // Keys 0, 5 and 12 hold NaN in every k and v element and are removed from
    // every row: by a boolean false, by an additive -inf, or by causal masking
    // (key 12 is beyond every row under top_left with seq_q = 9).
    const auto poisoned = [](index_t j) { return j == 0 || j == 5 || j == 12; };
    const auto poison = [&](sdpa_case<T>& c) {
        fill_view(c.k, [&](const std::array<index_t, 4>& i) { return poisoned(i[2]) ? quiet_nan<T>() : element(c.k.view, i); });
        fill_view(c.v, [&](const std::array<index_t, 4>& i) { return poisoned(i[2]) ? quiet_nan<T>() : element(c.v.view, i); });
    };
    const auto nowhere = [](index_t, index_t, index_t) { return false; };
    {
        sdpa_case<T> c = make_case<T>(r, s);
        poison(c);
        c.causal_mode = attnkit::causal::top_left;
        c.bool_mask = make_buffer<bool>(mask_extents(s, mask_pattern::per_key), layouts::bhsd());
        fill_view(*c.bool_mask, [&](const std::array<index_t, 4>& i) { return !poisoned(i[3]); });
        check_nan_rows(c, nowhere);
    }
    {
        sdpa_case<T> c = make_case<T>(r, s);
        poison(c);
        c.causal_mode = attnkit::causal::top_left;
        c.additive_mask = random_additive_mask<T>(r, mask_extents(s, mask_pattern::full), -1.0, 1.0, 0.2);
        fill_view(*c.additive_mask, [&](const std::array<index_t, 4>& i) {
            return i[3] == 0 || i[3] == 5 ? -std::numeric_limits<T>::infinity() : element(c.additive_mask->view, i);
        });
        check_nan_rows(c, nowhere);
    }
}

TEMPLATE_TEST_CASE("NaN in an additive mask entry of a key taking part reaches that row", "[semantics][nan]", float,
                   double) {
    using T = TestType;
    rng r(0x5e3a000c);
    const shape s = small_shape();
    sdpa_case<T> c = make_case<T>(r, s);
    c.additive_mask = random_additive_mask<T>(r, mask_extents(s, mask_pattern::per_batch), -1.0, 1.0, 0.0);
    c.additive_mask->view(1, 0, 3, 8) = quiet_nan<T>();  // batch 1, every head, row 3, key 8
    check_nan_rows(c, [](index_t b, index_t, index_t i) { return b == 1 && i == 3; });
}

// ---- what sdpa() leaves alone ---------------------------------------------------------------

TEMPLATE_TEST_CASE("sdpa reads its inputs and writes nothing but out and lse", "[semantics]", float, double) {
    using T = TestType;
    rng r(0x5e3a000d);
    sdpa_case<T> c = make_case<T>(r, small_shape(), layouts::padded(), layouts::sliced_heads(), layouts::sbhd());
    c.additive_mask = random_additive_mask<T>(r, mask_extents(c.dims, mask_pattern::key_padding), -1.0, 1.0, 0.2,
                                              layouts::padded());
    const auto q = bytes_of(c.q), k = bytes_of(c.k), v = bytes_of(c.v), m = bytes_of(*c.additive_mask);
    check_all_variants<T>(c, [&](attnkit::variant, const run_output<T>&) {
        CHECK(bytes_of(c.q) == q);
        CHECK(bytes_of(c.k) == k);
        CHECK(bytes_of(c.v) == v);
        CHECK(bytes_of(*c.additive_mask) == m);
    });
}

TEMPLATE_TEST_CASE("nothing is written to out or lse when an error is thrown", "[semantics][error]", float,
                   double) {
    using T = TestType;
    rng r(0x5e3a000e);
    const shape s = small_shape();
    const sdpa_case<T> c = make_case<T>(r, s);
    shape wrong = s;
    wrong.head_dim_v += 1;  // out's head_dim_v does not match v's
    for_each_variant([&](attnkit::variant kernel) {
        buffer4<T> out = make_buffer<T>(wrong.out(), layouts::bhsd());
        buffer3<T> lse = make_buffer<T>(s.lse(), layouts::bhs());
        out.mem.fill(sentinel<T>());
        lse.mem.fill(sentinel<T>());
        const auto out_before = bytes_of(out), lse_before = bytes_of(lse);
        attnkit::options<T> opt;
        opt.kernel = kernel;
        opt.lse = lse.view;
        CHECK_THROWS_AS(attnkit::sdpa(c.q.cview(), c.k.cview(), c.v.cview(), out.view, opt), attnkit::error);
        CHECK(bytes_of(out) == out_before);
        CHECK(bytes_of(lse) == lse_before);
    });
}
