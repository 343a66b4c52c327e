// attnkit: the exact merge of split-KV partial attentions.
//
// Split s of a query row leaves its maximum m_s (or any reference value m_s
// at or above it: online_softmax's headroom), its sum l_s = sum_j exp(s_j - m_s)
// and its unnormalised output o_s = sum_j exp(s_j - m_s) v_j, over its own keys.
// With M = max_s m_s, the whole row's
//   L = sum_s exp(m_s - M) l_s,   out = (sum_s exp(m_s - M) o_s) / L,   lse = M + log L,
// which is the merge through log-sum-exps (exp(m_s - M) l_s = exp(lse_s - M)):
// exact, not an approximation. The splits are merged in index order, so the
// result does not depend on which thread computed which split.
#pragma once

#include <cmath>
#include <limits>

#include <xsimd/xsimd.hpp>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/view.hpp"

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

// Merges `splits` partial states of one row: split s has maximum m[s * stride],
// sum l[s * stride] and output o + s * o_stride (dim_v values). Writes the
// normalised row to out (unit stride) and, when lse is not null, the row's
// log-sum-exp; weights is scratch for `splits` values. A row no split saw a
// key of (every l_s = 0) gets zeros and -inf, like the single-pass kernels;
// a NaN in any split's state reaches the whole row.
template <class T, class Arch>
void merge_split_states(index_t splits, const T* m, const T* l, index_t stride, const T* o, index_t o_stride,
                        index_t dim_v, T* out, T* lse, T* weights) noexcept {
    using batch = xsimd::batch<T, Arch>;
    constexpr index_t W = static_cast<index_t>(batch::size);
    constexpr T neg_inf = -std::numeric_limits<T>::infinity();

    T top = neg_inf;
    for (index_t s = 0; s < splits; ++s) top = m[s * stride] > top ? m[s * stride] : top;
    // With no key seen anywhere, shifting by 0 keeps exp(-inf - shift) = 0
    // instead of exp(-inf + inf) = NaN (as online_softmax does).
    const T shift = top == neg_inf ? T(0) : top;

    T sum = 0;
    for (index_t s = 0; s < splits; ++s) {
        weights[s] = std::exp(m[s * stride] - shift);
        sum += weights[s] * l[s * stride];
    }
    const bool seen = sum > T(0) || sum != sum;  // NOLINT(misc-redundant-expression): sum != sum is the NaN test
    const T inv = seen ? T(1) / sum : T(0);

    // Normalised weights before the sum: each o_s is at most l_s max |v|, so
    // every partial sum stays within max |v| (unnormalised, splits of values
    // near the largest finite value would add up past it).
    for (index_t s = 0; s < splits; ++s) weights[s] *= inv;
    const index_t full = dim_v / W * W;
    for (index_t c = 0; c < full; c += W) {
        batch acc(T(0));
        for (index_t s = 0; s < splits; ++s)
            acc = xsimd::fma(batch::load_unaligned(o + s * o_stride + c), batch(weights[s]), acc);
        acc.store_unaligned(out + c);
    }
    for (index_t c = full; c < dim_v; ++c) {
        T acc = 0;
        for (index_t s = 0; s < splits; ++s) acc += weights[s] * o[s * o_stride + c];
        out[c] = acc;
    }
    if (lse) *lse = seen ? shift + std::log(sum) : neg_inf;
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
