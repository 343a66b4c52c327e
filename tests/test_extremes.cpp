// Numerical extremes: inputs at the edges of the floating-point range where the
// mathematics of sdpa() is still defined. Every case runs every variant of
// kernel_variants() against the long-double oracle under the tolerance policy
// of support/tolerance.hpp (special values exact). The defined behaviour of each
// class is listed in README.md, "Numerical behaviour".
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

#include <catch2/catch.hpp>

#include "support/case.hpp"
#include "support/random.hpp"
#include "support/variants.hpp"

using namespace attnkit_test;
using attnkit::index_t;

namespace {

shape extreme_shape(index_t seq_q, index_t seq_kv, index_t head_dim = 8, index_t head_dim_v = 8) {
    shape s;
    s.batch = 1;
    s.heads_q = 2;
    s.heads_kv = 2;
    s.seq_q = seq_q;
    s.seq_kv = seq_kv;
    s.head_dim = head_dim;
    s.head_dim_v = head_dim_v;
    return s;
}

// Query-row counts that reach the decode path (few rows: one row takes its
// softmax along the keys, three along a vector of rows) and the tiled kernels
// (many rows) through variant::automatic.
const std::array<index_t, 3> query_rows{1, 3, 40};

template <class T>
void fill_constant(buffer4<T>& b, T x) {
    fill_view(b, [&](const std::array<index_t, 4>&) { return x; });
}

}  // namespace

TEMPLATE_TEST_CASE("extremes: scaled scores around +-1e4 do not overflow", "[extremes]", float, double) {
    using T = TestType;
    rng r(0xe7700001);
    for (const index_t sq : query_rows) {
        // |q.k| is about 1 for uniform [-1, 1] inputs and head_dim 8.
        for (const double scale : {1.0e4, 3.0e4}) {  // scale must be positive (validate.hpp)
            sdpa_case<T> c = make_case<T>(r, extreme_shape(sq, 37));
            c.scale = scale;
            c.label = "scale " + std::to_string(scale);
            check_all_variants<T>(c, [&](attnkit::variant, const run_output<T>& out) {
                bool finite = true;
                for_each_index(out.out.extents(), [&](const std::array<index_t, 4>& idx) {
                    finite = finite && std::isfinite(element(out.out.view, idx));
                });
                CHECK(finite);
            });
        }
    }
}

TEMPLATE_TEST_CASE("extremes: a single key gives its value row exactly", "[extremes]", float, double) {
    using T = TestType;
    rng r(0xe7700002);
    for (const index_t sq : query_rows) {
        sdpa_case<T> c = make_case<T>(r, extreme_shape(sq, 1));
        c.scale = 1.0e4;
        check_all_variants<T>(c, [&](attnkit::variant, const run_output<T>& out) {
            index_t differ = 0;
            for_each_index(out.out.extents(), [&](const std::array<index_t, 4>& idx) {
                const T expected = c.v.view(idx[0], idx[1], 0, idx[3]);
                if (element(out.out.view, idx) != expected) ++differ;
            });
            CHECK(differ == 0);
        });
    }
}

TEMPLATE_TEST_CASE("extremes: all-equal scores give the mean of v and lse = log n", "[extremes]", float, double) {
    using T = TestType;
    rng r(0xe7700003);
    for (const index_t sq : query_rows)
        for (const index_t skv : {index_t(7), index_t(130)}) {
            sdpa_case<T> c = make_case<T>(r, extreme_shape(sq, skv));
            fill_constant(c.q, T(0));  // every score 0
            c.label = "q = 0";
            check_all_variants(c);
            fill_constant(c.q, T(0.5));
            fill_constant(c.k, T(-0.25));  // every score equal and negative
            c.label = "constant q and k";
            check_all_variants(c);
        }
}

TEMPLATE_TEST_CASE("extremes: denormal inputs", "[extremes]", float, double) {
    using T = TestType;
    rng r(0xe7700004);
    const T tiny = std::numeric_limits<T>::denorm_min();
    for (const index_t sq : query_rows) {
        // Denormal q and k: the scores underflow to (almost) zero, weights uniform.
        sdpa_case<T> c = make_case<T>(r, extreme_shape(sq, 29));
        fill_view(c.q, [&](const std::array<index_t, 4>&) { return tiny * T(r.between(-50, 50)); });
        fill_view(c.k, [&](const std::array<index_t, 4>&) { return tiny * T(r.between(-50, 50)); });
        c.label = "denormal q, k";
        check_all_variants(c);

        // Denormal v: the outputs are averages of denormals. The relative policy
        // means nothing at this magnitude, so the bound is absolute: a few units
        // of denorm_min per key on top of the policy's floor.
        sdpa_case<T> d = make_case<T>(r, extreme_shape(sq, 29));
        fill_view(d.v, [&](const std::array<index_t, 4>&) { return tiny * T(r.between(-1000, 1000)); });
        d.label = "denormal v";
        const oracle_result o = oracle<T>(d.q.cview(), d.k.cview(), d.v.cview(), d.options());
        const long double bound = 4.0L * static_cast<long double>(tiny) * (d.dims.seq_kv + 2) +
                                  16 * unit_roundoff<T>() * 1000.0L * static_cast<long double>(tiny);
        for_each_variant([&](attnkit::variant v) {
            const run_output<T> out = run_variant(d, v);
            long double worst = 0;
            bool finite = true;
            for_each_index(out.out.extents(), [&](const std::array<index_t, 4>& idx) {
                const T got = element(out.out.view, idx);
                finite = finite && std::isfinite(got);
                worst = std::max(worst, std::fabs(static_cast<long double>(got) -
                                                  o.out_at(idx[0], idx[1], idx[2], idx[3])));
            });
            CHECK(finite);
            INFO("error " << worst << ", bound " << bound);
            CHECK(worst <= bound);
        });
    }
}

TEMPLATE_TEST_CASE("extremes: fully-masked rows give zeros and lse -inf", "[extremes]", float, double) {
    using T = TestType;
    rng r(0xe7700005);
    for (const index_t sq : query_rows) {
        const shape s = extreme_shape(sq, 45);
        sdpa_case<T> c = make_case<T>(r, s);
        buffer4<bool> m = random_bool_mask(r, s.mask_full(), 0.7);
        // Rows 0 and the last one of every head: no key takes part.
        fill_view(m, [&](const std::array<index_t, 4>& idx) {
            return idx[2] == 0 || idx[2] == s.seq_q - 1 ? false : element(m.view, idx);
        });
        c.bool_mask = std::move(m);
        c.label = "boolean mask, rows 0 and last empty";
        check_all_variants<T>(c, [&](attnkit::variant, const run_output<T>& out) {
            for (index_t h = 0; h < s.heads_q; ++h)
                for (const index_t i : {index_t(0), s.seq_q - 1}) {
                    REQUIRE(out.lse);
                    CHECK(out.lse->view(0, h, i) == -std::numeric_limits<T>::infinity());
                    for (index_t d = 0; d < s.head_dim_v; ++d) CHECK(out.out.view(0, h, i, d) == T(0));
                }
        });
    }
}

TEMPLATE_TEST_CASE("extremes: whole tiles fully masked in a long sequence", "[extremes]", float, double) {
    using T = TestType;
    rng r(0xe7700006);
    const T ninf = -std::numeric_limits<T>::infinity();
    for (const index_t sq : {index_t(4), index_t(150)}) {
        const shape s = extreme_shape(sq, 300);
        // Keys 64..191 removed for every row (whole key tiles), and for the query
        // rows 32..95 (whole query tiles, when there are that many) every key.
        auto removed = [&](const std::array<index_t, 4>& idx) {
            return (idx[3] >= 64 && idx[3] < 192) || (idx[2] >= 32 && idx[2] < 96);
        };
        for (const index_t block : {index_t(0), index_t(16), index_t(32)}) {
            sdpa_case<T> c = make_case<T>(r, s);
            c.tiles.block_q = block;
            c.tiles.block_kv = block;
            // The removed keys would dominate every row if they took part.
            fill_view(c.k, [&](const std::array<index_t, 4>& idx) {
                return idx[2] >= 64 && idx[2] < 192 ? T(1000) : T(r.uniform());
            });
            buffer4<bool> bm = make_buffer<bool>(s.mask_full(), layouts::bhsd());
            fill_view(bm, [&](const std::array<index_t, 4>& idx) { return !removed(idx); });
            c.bool_mask = std::move(bm);
            c.label = "boolean mask, block " + std::to_string(block);
            check_all_variants(c);

            c.bool_mask.reset();
            buffer4<T> am = make_buffer<T>(s.mask_full(), layouts::bhsd());
            fill_view(am, [&](const std::array<index_t, 4>& idx) { return removed(idx) ? ninf : T(r.uniform()); });
            c.additive_mask = std::move(am);
            c.label = "additive -inf mask, block " + std::to_string(block);
            check_all_variants(c);

            c.causal_mode = attnkit::causal::bottom_right;
            c.label = "additive -inf mask, causal bottom_right, block " + std::to_string(block);
            check_all_variants(c);
        }
    }
}

TEMPLATE_TEST_CASE("extremes: additive masks with -inf and large finite values", "[extremes]", float, double) {
    using T = TestType;
    rng r(0xe7700007);
    for (const index_t sq : query_rows) {
        const shape s = extreme_shape(sq, 50);
        for (const double p_removed : {0.5, 0.97}) {
            sdpa_case<T> c = make_case<T>(r, s);
            // Finite biases of +-1e4 next to -inf: the kept keys span 2e4 in score.
            c.additive_mask = random_additive_mask<T>(r, s.mask_full(), -1.0e4, 1.0e4, p_removed);
            c.label = "P(-inf) = " + std::to_string(p_removed);
            check_all_variants(c);
        }
        // A key-padding mask of -inf broadcast over heads and queries.
        sdpa_case<T> c = make_case<T>(r, s);
        buffer4<T> pad = make_buffer<T>({1, 1, 1, s.seq_kv}, layouts::bhsd());
        fill_view(pad, [&](const std::array<index_t, 4>& idx) {
            return idx[3] % 3 == 1 ? -std::numeric_limits<T>::infinity() : T(0);
        });
        c.additive_mask = std::move(pad);
        c.label = "key padding -inf";
        check_all_variants(c);
    }
}

TEMPLATE_TEST_CASE("extremes: v near the largest finite value, one dominant key", "[extremes]", float, double) {
    using T = TestType;
    rng r(0xe7700008);
    const T big = std::numeric_limits<T>::max() * T(0.9);
    for (const index_t sq : query_rows) {
        sdpa_case<T> c = make_case<T>(r, extreme_shape(sq, 33));
        fill_view(c.v, [&](const std::array<index_t, 4>& idx) { return (idx[2] + idx[3]) % 2 ? big : -big; });
        // Key 5 scores 1e4 above the rest: its weight is 1, the others' exactly 0 in T.
        fill_constant(c.q, T(1));
        fill_view(c.k, [&](const std::array<index_t, 4>& idx) { return idx[2] == 5 ? T(1) : T(0); });
        c.scale = 1.0e4 / 8;
        c.label = "0.9 max v, one dominant key";
        check_all_variants<T>(c, [&](attnkit::variant, const run_output<T>& out) {
            index_t differ = 0;
            for_each_index(out.out.extents(), [&](const std::array<index_t, 4>& idx) {
                if (element(out.out.view, idx) != c.v.view(idx[0], idx[1], 5, idx[3])) ++differ;
            });
            CHECK(differ == 0);
        });
    }
}

// Equal weights over many keys of v near the largest finite value: the output
// is the mean, finite, but an accumulation of sum_j w_j v_j before dividing by
// sum_j w_j overflows. Defined behaviour: finite output (the kernels repeat such
// a tile with lowered weights, softmax.hpp's headroom).
TEMPLATE_TEST_CASE("extremes: v near the largest finite value, equal weights", "[extremes]", float,
                   double) {
    using T = TestType;
    rng r(0xe7700009);
    const T big = std::numeric_limits<T>::max() * T(0.75);
    // 33 keys: one tile; 1100 keys: several key tiles and several decode splits.
    for (const index_t sq : query_rows) {
        for (const index_t skv : {index_t(33), index_t(1100)}) {
            sdpa_case<T> c = make_case<T>(r, extreme_shape(sq, skv));
            fill_constant(c.v, big);
            fill_constant(c.q, T(0));
            c.label = "0.75 max v, equal weights, seq_kv " + std::to_string(skv);
            check_all_variants(c);
        }
    }
}

TEST_CASE("extremes: double scores of 1e5 from products that overflow float", "[extremes]") {
    using T = double;
    rng r(0xe770000a);
    for (const index_t sq : query_rows) {
        sdpa_case<T> c = make_case<T>(r, extreme_shape(sq, 41));
        // q.k about 1e40 (beyond float's range), scaled to scores of about +-1e5:
        // exp() of them overflows even double without the max shift.
        fill_view(c.q, [&](const std::array<index_t, 4>&) { return 1.0e20 * r.uniform(); });
        fill_view(c.k, [&](const std::array<index_t, 4>&) { return 1.0e20 * r.uniform(); });
        c.scale = 1.0e-35;
        c.label = "q, k ~1e20, scale 1e-35";
        check_all_variants<T>(c, [&](attnkit::variant, const run_output<T>& out) {
            bool finite = true;
            for_each_index(out.out.extents(), [&](const std::array<index_t, 4>& idx) {
                finite = finite && std::isfinite(element(out.out.view, idx));
            });
            CHECK(finite);
            if (out.lse) {
                for_each_index(out.lse->extents(), [&](const std::array<index_t, 3>& idx) {
                    finite = finite && std::isfinite(element(out.lse->view, idx));
                });
                CHECK(finite);
            }
        });
    }
}

// ---- Fuzzer findings (fuzz/sdpa_fuzzer.cpp) ---------------------------------
// They pass in a plain build either way; what
// they show is undefined behaviour that only a sanitizer reports (clang's
// -fsanitize=undefined; run them with `test_extremes "[regression]"` in such a
// build). The values are checked as usual.

// head_dim = 0 (or head_dim_v = 0): k (or v) holds no element and its data
// pointer is null; the tiled kernels still form k_row()/v_row() pointers from
// it (tile_engine.hpp), "applying non-zero offset to null pointer". With
// PyTorch's strides for an empty tensor too (each size taken as at least 1, so
// the seq stride is 1) and a causal mask: a tile the mask cuts checks V's
// finiteness (detail/finite.hpp), which formed row addresses from the null
// pointer until the fuzzer found it.
template <class T>
void as_empty_torch_tensor(buffer4<T>& b) {
    const std::array<index_t, 4> e = b.extents();
    std::array<index_t, 4> strides{};
    index_t step = 1;
    for (std::size_t d = 4; d-- > 0;) {
        strides[d] = step;
        step *= std::max<index_t>(e[d], 1);
    }
    b.view = attnkit::strided_view<T, 4>(nullptr, e, strides);
}

TEMPLATE_TEST_CASE("regression: head_dim 0 or head_dim_v 0 with empty k or v", "[regression]", float, double) {
    using T = TestType;
    rng r(0xe770000b);
    for (const attnkit::causal mode : {attnkit::causal::none, attnkit::causal::top_left}) {
        for (const bool torch_strides : {false, true}) {
            for (const index_t sq : query_rows) {
                sdpa_case<T> empty_k = make_case<T>(r, extreme_shape(sq, 32, 0, 8));
                sdpa_case<T> empty_v = make_case<T>(r, extreme_shape(sq, 32, 8, 0));
                if (torch_strides) {
                    as_empty_torch_tensor(empty_k.k);
                    as_empty_torch_tensor(empty_v.v);
                }
                empty_k.causal_mode = empty_v.causal_mode = mode;
                check_all_variants(empty_k);
                check_all_variants(empty_v);
            }
        }
    }
}

// NaN scores in double on AVX-512: exp_polynomial (exp.hpp) converts the NaN
// argument to an integer through xsimd::to_int, whose AVX-512 double -> int64
// conversion is a scalar cast: undefined for NaN (UBSan float-cast-overflow).
TEMPLATE_TEST_CASE("regression: NaN in q reaches exp", "[regression]", float, double) {
    using T = TestType;
    rng r(0xe770000c);
    for (const index_t sq : query_rows) {
        sdpa_case<T> c = make_case<T>(r, extreme_shape(sq, 40));
        c.q.view(0, 1, 0, 3) = quiet_nan<T>();
        c.k.view(0, 0, 7, 2) = quiet_nan<T>();
        check_all_variants(c);
    }
}
