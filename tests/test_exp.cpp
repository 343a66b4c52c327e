// The softmax's exp (detail/exp.hpp) on its domain: x <= 0, -inf and NaN.
//
// The polynomial is checked at the test build's own ISA (the generic 2^n path);
// the AVX-512 path (vscalef) is exercised by every kernel test run at
// isa::avx512, against the oracle. The bound: the header's a-priori error (a
// truncation error below 0.15 ulp for float's fit and 0.04 ulp for double's
// Taylor polynomial, plus the rounding of the range reduction, the Horner steps
// and the scaling) is "within about 2 ulp"; the test holds it to 2 ulp of the
// long-double exp, in units of epsilon (the spacing of numbers in [1, 2)).
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>

#include <catch2/catch.hpp>
#include <xsimd/xsimd.hpp>

#include "attnkit/detail/exp.hpp"
#include "support/random.hpp"

using attnkit_test::rng;

namespace {

template <class T>
using batch = xsimd::batch<T, xsimd::default_arch>;

// exp_nonpositive (or exp_polynomial) of each value of xs, a vector at a time.
template <bool Polynomial, class T, std::size_t N>
std::array<T, N> exp_of(const std::array<T, N>& xs) {
    constexpr std::size_t W = batch<T>::size;
    std::array<T, N> out{};
    alignas(64) T in[W], res[W];
    for (std::size_t i = 0; i < N; i += W) {
        for (std::size_t l = 0; l < W; ++l) in[l] = i + l < N ? xs[i + l] : T(0);
        const batch<T> x = batch<T>::load_aligned(in);
        if constexpr (Polynomial)
            attnkit::detail::exp_polynomial<T, xsimd::default_arch>(x).store_aligned(res);
        else
            attnkit::detail::exp_nonpositive<T, xsimd::default_arch>(x).store_aligned(res);
        for (std::size_t l = 0; l < W && i + l < N; ++l) out[i + l] = res[l];
    }
    return out;
}

}  // namespace

TEMPLATE_TEST_CASE("exp: within 2 ulp of exp on the softmax's domain", "[exp]", float, double) {
    using T = TestType;
    const bool polynomial = GENERATE(false, true);
    INFO((polynomial ? "exp_polynomial" : "exp_nonpositive"));
    rng r(0xe4900001);
    const double lowest = std::is_same_v<T, float> ? -87.3 : -708.3;
    constexpr std::size_t N = 4096;
    long double worst = 0;
    T worst_x = 0;
    for (int round = 0; round < 64; ++round) {
        std::array<T, N> xs{};
        // Most arguments over the whole range, some near 0 where exp is near 1.
        for (std::size_t i = 0; i < N; ++i) xs[i] = static_cast<T>(i % 4 == 0 ? r.uniform(-1.0, 0.0) : r.uniform(lowest, 0.0));
        const auto ys = polynomial ? exp_of<true>(xs) : exp_of<false>(xs);
        for (std::size_t i = 0; i < N; ++i) {
            const long double e = std::exp(static_cast<long double>(xs[i]));
            const long double ulps = std::fabs((static_cast<long double>(ys[i]) - e) / e) / std::numeric_limits<T>::epsilon();
            if (ulps > worst) {
                worst = ulps;
                worst_x = xs[i];
            }
        }
    }
    INFO("worst x = " << worst_x);
    CHECK(worst <= 2);
}

TEMPLATE_TEST_CASE("exp: 1 at 0, exactly 0 below the smallest normal result and at -inf, NaN kept", "[exp]", float,
                   double) {
    using T = TestType;
    const bool polynomial = GENERATE(false, true);
    INFO((polynomial ? "exp_polynomial" : "exp_nonpositive"));
    constexpr T inf = std::numeric_limits<T>::infinity();
    const std::array<T, 8> xs{T(0), T(-0.0), -inf, std::numeric_limits<T>::quiet_NaN(), T(-1e30),
                              std::is_same_v<T, float> ? T(-87.5) : T(-708.5), T(-1e4), -std::numeric_limits<T>::denorm_min()};
    const auto ys = polynomial ? exp_of<true>(xs) : exp_of<false>(xs);
    CHECK(ys[0] == T(1));
    CHECK(ys[1] == T(1));
    CHECK(ys[2] == T(0));
    CHECK(std::isnan(ys[3]));
    CHECK(ys[4] == T(0));
    CHECK(ys[5] == T(0));
    CHECK(ys[6] == T(0));
    CHECK(ys[7] == T(1));
}
