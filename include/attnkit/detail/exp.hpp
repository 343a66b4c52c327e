// attnkit: exp for softmax weights, vectorised over xsimd::batch<T, Arch>.
//
// Softmax only ever exponentiates x <= 0 (a score minus its row maximum), plus
// -inf for masked keys and NaN for poisoned rows. On that domain a Cody-Waite
// range reduction x = n ln2 + r, |r| <= ln2/2, and a polynomial in r: for
// float a degree-6 fit of exp minimising the relative error on that interval
// (coefficients fitted for attnkit by reweighted least squares, truncation
// error 0.15 ulp; a degree-5 fit is 1.15 ulp off before rounding), for double
// the Taylor polynomial of degree 13 (truncation error r^14/14! < 0.04 ulp),
// so the result is within about 2 ulp of exp(x). Below the smallest normal
// result it returns exactly 0, which keeps masked keys exactly out, and a
// denormal weight would only slow the multiply-adds that follow. On AVX-512 the
// 2^n scaling and that flush are one masked vscalef instruction instead of an
// integer conversion, an add, a shift, a multiply and two selects.
// Which exp the kernels use is measured (bench/exp_throughput.cpp, four vectors
// in flight); see exp_nonpositive.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "attnkit/detail/config_namespace.hpp"

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

template <class T>
struct exp_constants;

template <>
struct exp_constants<float> {
    using int_type = std::int32_t;
    // exp(r) ~ sum_k c[k] r^k on |r| <= ln2/2 (header comment).
    static constexpr int degree = 6;
    static constexpr float coefficients[degree + 1] = {1.0f,         1.0f,          0.49999991f,  0.16666420f,
                                                       0.041668210f, 0.0083748214f, 0.0013837731f};
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
    // The Taylor coefficients 1/k!.
    static constexpr double coefficients[degree + 1] = {
        1.0,
        1.0,
        1.0 / 2,
        1.0 / 6,
        1.0 / 24,
        1.0 / 120,
        1.0 / 720,
        1.0 / 5040,
        1.0 / 40320,
        1.0 / 362880,
        1.0 / 3628800,
        1.0 / 39916800,
        1.0 / 479001600,
        1.0 / 6227020800,
    };
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

    // -inf and other arguments below the range give NaN or garbage in n and r:
    // their lanes are replaced by 0 at the end.
    const batch n = xsimd::nearbyint(x * batch(T(1.4426950408889634)));
    batch r = xsimd::fnma(n, batch(C::ln2_hi), x);
    r = xsimd::fnma(n, batch(C::ln2_lo), r);
    batch p(C::coefficients[C::degree]);
    for (int k = C::degree - 1; k >= 0; --k) p = xsimd::fma(p, r, batch(C::coefficients[k]));

#if defined(__AVX512F__)
    if constexpr (std::is_base_of_v<xsimd::avx512f, Arch>) {
        // Lanes not below the range (NaN included: unordered) get p 2^n; the
        // others 0.
        if constexpr (std::is_same_v<T, float>) {
            const __mmask16 keep = _mm512_cmp_ps_mask(x, batch(C::lowest), _CMP_NLT_UQ);
            return _mm512_maskz_scalef_ps(keep, p, n);
        } else {
            const __mmask8 keep = _mm512_cmp_pd_mask(x, batch(C::lowest), _CMP_NLT_UQ);
            return _mm512_maskz_scalef_pd(keep, p, n);
        }
    } else
#endif
    {
        // 2^n built in the exponent field; clamping to the range keeps it
        // normal, and keeps NaN and infinite n away from the integer conversion
        // (undefined behaviour where xsimd converts lane by lane).
        const auto underflow = x < batch(C::lowest);
        const batch n_in_range = xsimd::select(underflow || xsimd::isnan(n), batch(T(0)), n);
        const ibatch bits = (xsimd::to_int(n_in_range) + ibatch(C::exponent_bias)) << C::mantissa_bits;
        return xsimd::select(underflow, batch(T(0)), p * xsimd::bitwise_cast<batch>(bits));
    }
}

// The softmax's exp, the faster one where it was measured. One process
// running the flash kernel with each (16-core Sapphire Rapids, 1 thread, D 64
// and 128, minimum times): with the AVX-512 vscalef polynomial, float was
// 0-9% faster than with xsimd::exp, and double 9-14% faster than with the
// previous polynomial (integer 2^n, two selects). Without AVX-512, float keeps
// xsimd::exp, which reached 2.2 G/s against 1.7-1.9 G/s for a Taylor
// polynomial of degree 7 with the integer 2^n (bench/exp_throughput.cpp).
template <class T, class Arch>
inline xsimd::batch<T, Arch> exp_nonpositive(const xsimd::batch<T, Arch>& x) noexcept {
    using batch = xsimd::batch<T, Arch>;
    if constexpr (std::is_same_v<T, float> && !std::is_base_of_v<xsimd::avx512f, Arch>) {
        return xsimd::select(x < batch(exp_constants<T>::lowest), batch(T(0)), xsimd::exp(x));
    } else {
        return exp_polynomial<T, Arch>(x);
    }
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
