// attnkit: exp for softmax weights, vectorised over xsimd::batch<T, Arch>.
//
// Softmax only ever exponentiates x <= 0 (a score minus its row maximum), plus
// -inf for masked keys and NaN for poisoned rows. On that domain a Cody-Waite
// range reduction x = n ln2 + r, |r| <= ln2/2, and a Taylor polynomial of degree
// 7 (float) or 13 (double) have a truncation error below r^(deg+1)/(deg+1)! <
// 0.6 ulp, so the result is within about 2 ulp of exp(x). Below the smallest
// normal result it returns exactly 0, which keeps masked keys exactly out.
// Which exp the kernels use was measured (bench/exp_throughput.cpp, four
// vectors in flight, AVX-512, 2-core Xeon): for float, xsimd::exp reached 2.2
// G/s against 1.7-1.9 G/s for this polynomial (and 2.0 for a degree-5 one,
// which is 28 ulp off), so float uses xsimd::exp; for double this polynomial
// reached 0.68 G/s against 0.60 G/s for xsimd::exp, so double uses it. Both
// return exactly 0 below the smallest normal result: a denormal weight would
// only slow the multiply-adds that follow.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

#include <xsimd/xsimd.hpp>

namespace attnkit {
namespace detail {

template <class T>
struct exp_constants;

template <>
struct exp_constants<float> {
    using int_type = std::int32_t;
    static constexpr int degree = 7;
    static constexpr int mantissa_bits = 23;
    static constexpr int exponent_bias = 127;
    // exp(lowest) is the smallest normal float; below it the result is 0.
    static constexpr float lowest = -87.33654f;
    // ln 2 split so that n * ln2_hi is exact for |n| < 2^8.
    static constexpr float ln2_hi = 0.693359375f;
    static constexpr float ln2_lo = -2.12194440e-4f;
};

template <>
struct exp_constants<double> {
    using int_type = std::int64_t;
    static constexpr int degree = 13;
    static constexpr int mantissa_bits = 52;
    static constexpr int exponent_bias = 1023;
    static constexpr double lowest = -708.3964185322641;
    static constexpr double ln2_hi = 0.693145751953125;
    static constexpr double ln2_lo = 1.42860682030941723212e-6;
};

// exp(x) for x <= 0, -inf and NaN by the polynomial; see the header comment.
template <class T, class Arch>
inline xsimd::batch<T, Arch> exp_polynomial(const xsimd::batch<T, Arch>& x) noexcept {
    using batch = xsimd::batch<T, Arch>;
    using C = exp_constants<T>;
    using ibatch = xsimd::batch<typename C::int_type, Arch>;

    const auto underflow = x < batch(C::lowest);
    const batch xc = xsimd::select(underflow, batch(C::lowest), x);  // NaN stays NaN
    const batch n = xsimd::nearbyint(xc * batch(T(1.4426950408889634)));
    batch r = xsimd::fnma(n, batch(C::ln2_hi), xc);
    r = xsimd::fnma(n, batch(C::ln2_lo), r);

    // Horner on the Taylor coefficients 1/k!, highest degree first.
    T coeff = 1;
    for (int k = 2; k <= C::degree; ++k) coeff /= T(k);
    batch p(coeff);
    for (int k = C::degree - 1; k >= 0; --k) {
        coeff *= T(k + 1);
        p = xsimd::fma(p, r, batch(coeff));
    }

    // 2^n built in the exponent field; n >= lowest/ln2 keeps it normal.
    // A NaN argument must not reach the integer conversion (undefined behaviour
    // where xsimd converts lane by lane); its result is NaN through p anyway.
    const batch n_finite = xsimd::select(xsimd::isnan(n), batch(T(0)), n);
    const ibatch bits = (xsimd::to_int(n_finite) + ibatch(C::exponent_bias)) << C::mantissa_bits;
    const batch scale = xsimd::bitwise_cast<batch>(bits);
    return xsimd::select(underflow, batch(T(0)), p * scale);
}

// The softmax's exp: the faster of the two measured above, per dtype.
template <class T, class Arch>
inline xsimd::batch<T, Arch> exp_nonpositive(const xsimd::batch<T, Arch>& x) noexcept {
    using batch = xsimd::batch<T, Arch>;
    if constexpr (std::is_same_v<T, float>) {
        return xsimd::select(x < batch(exp_constants<T>::lowest), batch(T(0)), xsimd::exp(x));
    } else {
        return exp_polynomial<T, Arch>(x);
    }
}

}  // namespace detail
}  // namespace attnkit
