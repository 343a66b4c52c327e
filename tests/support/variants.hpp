// Test support: the kernel variants every case runs with, and the one way a
// case is run and judged.
//
//   check_all_variants(c)      oracle, naive yardstick, then every variant
//   expect(c)                  oracle + naive run + a-priori bound -> tolerance
//   run_case(c, e, v)          one variant, judged against e's oracle and tolerance
//   run_variant(c, v)          one variant, outputs poisoned before and checked outside
//                              their views after; no judgement of the values
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "attnkit/attnkit.hpp"
#include "support/case.hpp"
#include "support/oracle.hpp"
#include "support/random.hpp"
#include "support/tolerance.hpp"

namespace attnkit_test {

// The variants every test case runs with. The lead adds blocked, flash and
// parallel here as those kernels land; no test names a variant otherwise
// (except where a test is about one variant).
inline std::vector<attnkit::variant> kernel_variants() {
    return {attnkit::variant::naive,    attnkit::variant::blocked, attnkit::variant::flash,
            attnkit::variant::parallel, attnkit::variant::decode,  attnkit::variant::automatic};
}

// Whether a variant accepts views whose head_dim stride is not 1 (validate.hpp).
inline bool accepts_strided_head_dim(attnkit::variant v) {
    return v == attnkit::variant::naive || v == attnkit::variant::automatic;
}

// Calls f(variant) for each of kernel_variants(), with the variant in the
// failure messages.
template <class F>
void for_each_variant(F&& f) {
    for (const attnkit::variant v : kernel_variants()) {
        INFO("variant: " << variant_name(v));
        f(v);
    }
}

// What a run leaves in an untouched output element. Far outside any attention
// output in the tests (|out| <= max|v| <= a few) and exactly representable.
template <class T>
constexpr T sentinel() {
    return T(-12345.75);
}

// Counts storage elements outside b's view that no longer hold the sentinel.
template <class T, std::size_t Rank>
index_t touched_outside_view(const buffer<T, Rank>& b) {
    const std::vector<bool> inside = b.in_view();
    const T s = sentinel<T>();
    index_t touched = 0;
    for (std::size_t n = 0; n < b.mem.size(); ++n)
        if (!inside[n] && std::memcmp(&b.mem[n], &s, sizeof(T)) != 0) ++touched;
    return touched;
}

template <class T>
struct run_output {
    buffer4<T> out;
    std::optional<buffer3<T>> lse;

    std::optional<attnkit::tensor3<const T>> lse_view() const {
        if (!lse) return std::nullopt;
        return attnkit::tensor3<const T>(lse->view);
    }
};

// Runs one variant on a case: allocates out (and lse) in the case's layouts,
// fills their whole storage with the sentinel, calls sdpa(), and checks that
// nothing outside the views changed.
template <class T>
run_output<T> run_variant(const sdpa_case<T>& c, attnkit::variant v) {
    run_output<T> r{make_buffer<T>(c.dims.out(), c.out_layout), std::nullopt};
    r.out.mem.fill(sentinel<T>());
    attnkit::options<T> opt = c.options();
    opt.kernel = v;
    if (c.with_lse) {
        r.lse = make_buffer<T>(c.dims.lse(), c.lse_layout);
        r.lse->mem.fill(sentinel<T>());
        opt.lse = r.lse->view;
    }
    REQUIRE_NOTHROW(attnkit::sdpa(c.q.cview(), c.k.cview(), c.v.cview(), r.out.view, opt));
    CHECK(touched_outside_view(r.out) == 0);
    if (r.lse) CHECK(touched_outside_view(*r.lse) == 0);
    return r;
}

// What a case must produce, and how close.
struct expectation {
    oracle_result oracle;
    deviation naive;  // the naive kernel's error on this case
    tolerance tol;
};

// Computes the oracle, runs the naive kernel, checks it against the a-priori
// bound (and exact special values), and derives the tolerance for the others.
template <class T>
expectation expect(const sdpa_case<T>& c) {
    INFO("case: " << c.describe());
    INFO("yardstick: naive");
    expectation e;
    e.oracle = oracle<T>(c.q.cview(), c.k.cview(), c.v.cview(), c.options());
    const run_output<T> r = run_variant(c, attnkit::variant::naive);
    e.naive = compare_to_oracle<T>(e.oracle, r.out.cview(), r.lse_view(), c.dims.head_dim, true);
    INFO(e.naive.first_special);
    CHECK(e.naive.special_mismatches == 0);
    INFO(e.naive.first_violation);
    CHECK(e.naive.bound_violations == 0);
    e.tol = tolerance_from_naive<T>(e.naive.out, e.naive.lse, e.naive.max_abs_v, e.naive.max_abs_lse);
    return e;
}

// Runs one variant and judges it: special values exact, the rest within tolerance,
// outputs untouched outside their views.
template <class T>
run_output<T> run_case(const sdpa_case<T>& c, const expectation& e, attnkit::variant v) {
    INFO("case: " << c.describe());
    INFO("variant: " << variant_name(v));
    run_output<T> r = run_variant(c, v);
    const deviation d = compare_to_oracle<T>(e.oracle, r.out.cview(), r.lse_view(), c.dims.head_dim, false);
    INFO(d.first_special);
    CHECK(d.special_mismatches == 0);
    INFO("out error " << d.out << ", tolerance " << e.tol.out << " (naive error " << e.naive.out << ")");
    CHECK(d.out <= e.tol.out);
    if (c.with_lse) {
        INFO("lse error " << d.lse << ", tolerance " << e.tol.lse << " (naive error " << e.naive.lse << ")");
        CHECK(d.lse <= e.tol.lse);
    }
    return r;
}

// The usual test body: every variant against the oracle. on_result(v, result)
// may add checks of its own.
template <class T>
expectation check_all_variants(
    const sdpa_case<T>& c,
    const std::function<void(attnkit::variant, const run_output<T>&)>& on_result = {}) {
    expectation e = expect(c);
    for_each_variant([&](attnkit::variant v) {
        const run_output<T> r = run_case(c, e, v);
        if (on_result) on_result(v, r);
    });
    return e;
}

// True when a and b hold the same bits in every element of their views.
template <class T, std::size_t Rank>
bool bitwise_equal(const attnkit::strided_view<const T, Rank>& a, const attnkit::strided_view<const T, Rank>& b) {
    if (a.extents() != b.extents()) return false;
    bool same = true;
    for_each_index(a.extents(), [&](const std::array<index_t, Rank>& idx) {
        same = same && std::memcmp(&element(a, idx), &element(b, idx), sizeof(T)) == 0;
    });
    return same;
}

// The largest |a - b| over the views' elements; +inf where one is NaN or
// infinite and the other is not the same special value.
template <class T, std::size_t Rank>
long double max_abs_difference(const attnkit::strided_view<const T, Rank>& a,
                               const attnkit::strided_view<const T, Rank>& b) {
    if (a.extents() != b.extents()) return std::numeric_limits<long double>::infinity();
    long double worst = 0;
    for_each_index(a.extents(), [&](const std::array<index_t, Rank>& idx) {
        const auto x = static_cast<long double>(element(a, idx)), y = static_cast<long double>(element(b, idx));
        if (std::isnan(x) || std::isnan(y) || std::isinf(x) || std::isinf(y)) {
            const bool same = (std::isnan(x) && std::isnan(y)) || x == y;
            if (!same) worst = std::numeric_limits<long double>::infinity();
        } else {
            worst = std::max(worst, std::fabs(x - y));
        }
    });
    return worst;
}

}  // namespace attnkit_test
