// attnkit: the online softmax of FlashAttention (Dao et al., arXiv 2205.14135,
// Algorithm 1; the deferred normalisation of FlashAttention-2, arXiv 2307.08691).
//
// The kernels hold scores transposed, one row per key and one column per query
// (S^T), so every per-query statistic below is a vertical operation across
// rows: no horizontal reductions in the inner loops.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>

#include <xsimd/xsimd.hpp>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/detail/exp.hpp"
#include "attnkit/detail/max_ignoring_nan.hpp"
#include "attnkit/view.hpp"

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

// Running maximum m and running sum l of exp(s - m) for a block of queries,
// stored in caller-provided arrays of `width` entries (a multiple of the vector
// size). Absorbing a tile of scores turns them into unnormalised weights and
// yields the factor alpha = exp(m_old - m_new) by which earlier partial outputs
// must be rescaled; normaliser() and log_sum_exp() finish a query.
//
// A headroom of k scales every weight by 2^-k (so the sum and the partial
// output too; the normalised output and the log-sum-exp do not change). With
// k = 0 the heaviest key has weight 1, so a few keys with values near the
// largest finite value add up past it; with 2^k >= 2 seq_kv the unnormalised
// output stays within max |v| / 2. The engines run with k = 0 and repeat a
// tile whose partial output overflowed with overflow_headroom(): a power of two
// scales exactly, so the repeat is as accurate as the first run.
template <class T, class Arch>
class online_softmax {
public:
    using batch = xsimd::batch<T, Arch>;
    static constexpr index_t lanes = static_cast<index_t>(batch::size);

    online_softmax(T* running_max, T* running_sum, index_t width, int headroom = 0) noexcept
        : m_(running_max), l_(running_sum), width_(width), headroom_(headroom),
          weight_scale_(std::ldexp(T(1), -headroom)) {}

    void reset() noexcept {
        for (index_t c = 0; c < width_; c += lanes) {
            batch(-std::numeric_limits<T>::infinity()).store_aligned(m_ + c);
            batch(T(0)).store_aligned(l_ + c);
        }
    }

    // scores: `rows` keys x width queries, leading dimension ld. Replaced in
    // place by exp(s - m_new). alpha receives the rescale factor per query.
    // tile_max (optional, width entries): the scores' maximum per query where
    // the caller already has it (scores_block's epilogue); it must ignore NaN.
    void absorb(T* scores, index_t rows, index_t ld, T* alpha, const T* tile_max = nullptr) noexcept {
        // alpha holds the new maximum until absorb_columns turns it into the factor.
        if (tile_max) {
            for (index_t c = 0; c < width_; c += lanes) {
                const batch m_new = max_ignoring_nan(batch::load_aligned(m_ + c), batch::load_aligned(tile_max + c));
                m_new.store_aligned(alpha + c);
            }
        } else {
            for (index_t c = 0; c < width_; c += lanes)
                column_max(scores + c, rows, ld, batch::load_aligned(m_ + c)).store_aligned(alpha + c);
        }
        if (headroom_ == 0)
            absorb_columns<false>(scores, rows, ld, alpha);
        else
            absorb_columns<true>(scores, rows, ld, alpha);
    }

    // The same for the first `queries` columns only, each walked along its
    // keys: with a few queries (decoding) a vector of queries is mostly
    // padding, and one exp per key and vector would cost a vector exp per
    // weight; here the exp runs over vectors of keys gathered from the column.
    // keys: aligned room for `rows` rounded up to the vector size. The other
    // columns' statistics and alpha are left as they are.
    void absorb_by_keys(T* scores, index_t rows, index_t ld, index_t queries, T* alpha, T* keys) noexcept {
        if (headroom_ == 0)
            absorb_keys_of_columns<false>(scores, rows, ld, queries, alpha, keys);
        else
            absorb_keys_of_columns<true>(scores, rows, ld, queries, alpha, keys);
    }

    // Query q's normaliser 1/l and log-sum-exp m + log l; a query that saw no
    // key (l = 0) gets normaliser 0, so its output is 0, and log-sum-exp -inf.
    T normaliser(index_t q) const noexcept { return l_[q] > T(0) || l_[q] != l_[q] ? T(1) / l_[q] : T(0); }
    T log_sum_exp(index_t q) const noexcept {
        return l_[q] > T(0) || l_[q] != l_[q] ? reference(q) + std::log(l_[q]) : -std::numeric_limits<T>::infinity();
    }
    // The value query q's weights are relative to: l = sum exp(s - reference).
    T reference(index_t q) const noexcept {
        return headroom_ == 0 ? m_[q] : m_[q] + static_cast<T>(headroom_) * std::log(T(2));
    }

private:
    template <bool Scaled>
    void absorb_columns(T* scores, index_t rows, index_t ld, T* alpha) noexcept {
        for (index_t c = 0; c < width_; c += lanes) {
            const batch m_old = batch::load_aligned(m_ + c);
            const batch m_new = batch::load_aligned(alpha + c);
            // A query that has seen only masked keys keeps m = -inf; shifting by 0
            // then keeps exp(-inf - shift) = 0 instead of exp(-inf + inf) = NaN.
            const batch shift = xsimd::select(m_new == batch(-std::numeric_limits<T>::infinity()), batch(T(0)), m_new);
            const batch a = exp_nonpositive<T, Arch>(m_old - shift);
            const batch sum = exp_sub_sum<Scaled>(scores + c, rows, ld, shift);
            xsimd::fma(batch::load_aligned(l_ + c), a, sum).store_aligned(l_ + c);
            m_new.store_aligned(m_ + c);
            a.store_aligned(alpha + c);
        }
    }

    template <bool Scaled>
    void absorb_keys_of_columns(T* scores, index_t rows, index_t ld, index_t queries, T* alpha, T* keys) noexcept {
        constexpr T neg_inf = -std::numeric_limits<T>::infinity();
        const index_t padded = (rows + lanes - 1) / lanes * lanes;
        for (index_t q = 0; q < queries; ++q) {
            // Padding keys of -inf weigh exp(-inf - shift) = 0.
            for (index_t j = 0; j < rows; ++j) keys[j] = scores[j * ld + q];
            std::fill(keys + rows, keys + padded, neg_inf);
            // The keys as rows of one vector each: the column passes serve them too.
            const batch m_lanes = column_max(keys, padded / lanes, lanes, batch(m_[q]));
            alignas(64) T lane[lanes];
            m_lanes.store_aligned(lane);
            // No lane holds NaN, so a plain comparison finishes the maximum.
            T m_new = lane[0];
            for (index_t i = 1; i < lanes; ++i) m_new = lane[i] > m_new ? lane[i] : m_new;
            const T shift = m_new == neg_inf ? T(0) : m_new;
            const T a = std::exp(m_[q] - shift);
            const T sum = xsimd::hadd(exp_sub_sum<Scaled>(keys, padded / lanes, lanes, batch(shift)));
            for (index_t j = 0; j < rows; ++j) scores[j * ld + q] = keys[j];
            l_[q] = std::fma(l_[q], a, sum);
            m_[q] = m_new;
            alpha[q] = a;
        }
    }

    // Maximum over rows, seeded with the running maximum.
    static batch column_max(const T* col, index_t rows, index_t ld, batch m) noexcept {
        batch m1 = m;
        index_t r = 0;
        for (; r + 1 < rows; r += 2) {
            const batch s0 = batch::load_aligned(col + r * ld);
            const batch s1 = batch::load_aligned(col + (r + 1) * ld);
            m = max_ignoring_nan(m, s0);
            m1 = max_ignoring_nan(m1, s1);
        }
        if (r < rows) {
            m = max_ignoring_nan(m, batch::load_aligned(col + r * ld));
        }
        return max_ignoring_nan(m, m1);
    }

    // s <- exp(s - shift) (times the weight scale when Scaled) in place;
    // returns the column sums. Four rows in flight hide the latency of the exp
    // polynomial's dependent chain.
    template <bool Scaled>
    batch exp_sub_sum(T* col, index_t rows, index_t ld, const batch& shift) const noexcept {
        const auto weight = [&](const T* p) {
            const batch e = exp_nonpositive<T, Arch>(batch::load_aligned(p) - shift);
            if constexpr (Scaled)
                return e * batch(weight_scale_);
            else
                return e;
        };
        batch sum0(T(0)), sum1(T(0)), sum2(T(0)), sum3(T(0));
        index_t r = 0;
        for (; r + 3 < rows; r += 4) {
            T* p = col + r * ld;
            const batch e0 = weight(p);
            const batch e1 = weight(p + ld);
            const batch e2 = weight(p + 2 * ld);
            const batch e3 = weight(p + 3 * ld);
            e0.store_aligned(p);
            e1.store_aligned(p + ld);
            e2.store_aligned(p + 2 * ld);
            e3.store_aligned(p + 3 * ld);
            sum0 += e0;
            sum1 += e1;
            sum2 += e2;
            sum3 += e3;
        }
        for (; r < rows; ++r) {
            T* p = col + r * ld;
            const batch e = weight(p);
            e.store_aligned(p);
            sum0 += e;
        }
        return (sum0 + sum1) + (sum2 + sum3);
    }

    T* m_;
    T* l_;
    index_t width_;
    int headroom_;
    T weight_scale_;
};

// The headroom k with 2^k >= 2 seq_kv: seq_kv weights of at most 2^-k times
// values of at most max |v| add up to at most max |v| / 2.
inline int overflow_headroom(index_t seq_kv) noexcept {
    int k = 1;
    while (k < 62 && (index_t(1) << (k - 1)) < seq_kv) ++k;
    return k;
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
