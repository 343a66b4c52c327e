// attnkit: the online softmax of FlashAttention (Dao et al., arXiv 2205.14135,
// Algorithm 1; the deferred normalisation of FlashAttention-2, arXiv 2307.08691).
//
// The kernels hold scores transposed, one row per key and one column per query
// (S^T), so every per-query statistic below is a vertical operation across
// rows: no horizontal reductions in the inner loops.
#pragma once

#include <cmath>
#include <limits>

#include <xsimd/xsimd.hpp>

#include "attnkit/detail/exp.hpp"
#include "attnkit/view.hpp"

namespace attnkit {
namespace detail {

// Running maximum m and running sum l of exp(s - m) for a block of queries,
// stored in caller-provided arrays of `width` entries (a multiple of the vector
// size). Absorbing a tile of scores turns them into unnormalised weights and
// yields the factor alpha = exp(m_old - m_new) by which earlier partial outputs
// must be rescaled; finish() gives 1/l and the log-sum-exp.
template <class T, class Arch>
class online_softmax {
public:
    using batch = xsimd::batch<T, Arch>;
    static constexpr index_t lanes = static_cast<index_t>(batch::size);

    online_softmax(T* running_max, T* running_sum, index_t width) noexcept
        : m_(running_max), l_(running_sum), width_(width) {}

    void reset() noexcept {
        for (index_t c = 0; c < width_; c += lanes) {
            batch(-std::numeric_limits<T>::infinity()).store_aligned(m_ + c);
            batch(T(0)).store_aligned(l_ + c);
        }
    }

    // scores: `rows` keys x width queries, leading dimension ld. Replaced in
    // place by exp(s - m_new). alpha receives the rescale factor per query.
    void absorb(T* scores, index_t rows, index_t ld, T* alpha) noexcept {
        for (index_t c = 0; c < width_; c += lanes) {
            const batch m_old = batch::load_aligned(m_ + c);
            const batch m_new = column_max(scores + c, rows, ld, m_old);
            // A query that has seen only masked keys keeps m = -inf; shifting by 0
            // then keeps exp(-inf - shift) = 0 instead of exp(-inf + inf) = NaN.
            const batch shift = xsimd::select(m_new == batch(-std::numeric_limits<T>::infinity()), batch(T(0)), m_new);
            const batch a = exp_nonpositive<T, Arch>(m_old - shift);
            const batch sum = exp_sub_sum(scores + c, rows, ld, shift);
            xsimd::fma(batch::load_aligned(l_ + c), a, sum).store_aligned(l_ + c);
            m_new.store_aligned(m_ + c);
            a.store_aligned(alpha + c);
        }
    }

    // Query q's normaliser 1/l and log-sum-exp m + log l; a query that saw no
    // key (l = 0) gets normaliser 0, so its output is 0, and log-sum-exp -inf.
    T normaliser(index_t q) const noexcept { return l_[q] > T(0) || l_[q] != l_[q] ? T(1) / l_[q] : T(0); }
    T log_sum_exp(index_t q) const noexcept {
        return l_[q] > T(0) || l_[q] != l_[q] ? m_[q] + std::log(l_[q]) : -std::numeric_limits<T>::infinity();
    }

private:
    // Maximum over rows, seeded with the running maximum. A NaN score does not
    // enter the maximum; it reaches the output through its weight exp(NaN) instead.
    static batch column_max(const T* col, index_t rows, index_t ld, batch m) noexcept {
        batch m1 = m;
        index_t r = 0;
        for (; r + 1 < rows; r += 2) {
            const batch s0 = batch::load_aligned(col + r * ld);
            const batch s1 = batch::load_aligned(col + (r + 1) * ld);
            m = xsimd::select(s0 > m, s0, m);
            m1 = xsimd::select(s1 > m1, s1, m1);
        }
        if (r < rows) {
            const batch s0 = batch::load_aligned(col + r * ld);
            m = xsimd::select(s0 > m, s0, m);
        }
        return xsimd::select(m1 > m, m1, m);
    }

    // s <- exp(s - shift) in place; returns the column sums. Four rows in flight
    // hide the latency of the exp polynomial's dependent chain.
    static batch exp_sub_sum(T* col, index_t rows, index_t ld, const batch& shift) noexcept {
        batch sum0(T(0)), sum1(T(0)), sum2(T(0)), sum3(T(0));
        index_t r = 0;
        for (; r + 3 < rows; r += 4) {
            T* p = col + r * ld;
            const batch e0 = exp_nonpositive<T, Arch>(batch::load_aligned(p) - shift);
            const batch e1 = exp_nonpositive<T, Arch>(batch::load_aligned(p + ld) - shift);
            const batch e2 = exp_nonpositive<T, Arch>(batch::load_aligned(p + 2 * ld) - shift);
            const batch e3 = exp_nonpositive<T, Arch>(batch::load_aligned(p + 3 * ld) - shift);
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
            const batch e = exp_nonpositive<T, Arch>(batch::load_aligned(p) - shift);
            e.store_aligned(p);
            sum0 += e;
        }
        return (sum0 + sum1) + (sum2 + sum3);
    }

    T* m_;
    T* l_;
    index_t width_;
};

}  // namespace detail
}  // namespace attnkit
