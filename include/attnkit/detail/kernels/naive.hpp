// attnkit: the reference kernel. Scores, softmax, weighted sum, one query row at
// a time, in the precision of T. It is the study's baseline and the yardstick of
// the test suite's tolerances, so it stays plain: no blocking, no SIMD.
#pragma once

#include <cmath>
#include <limits>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/detail/mask.hpp"
#include "attnkit/detail/problem.hpp"
#include "attnkit/detail/scratch.hpp"

namespace attnkit {
namespace kernels {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

template <class T, class Mask>
void naive(const problem<T>& p, const Mask& mask) {
    constexpr T neg_inf = -std::numeric_limits<T>::infinity();
    // One score per key the last (most seeing) query row may see, and one
    // accumulator per value column; indexed with the signed index_t like
    // everything else (a std::vector would need a cast at every subscript for
    // -Wsign-conversion), and sized with overflow checks (detail/scratch.hpp).
    const detail::causal_mask causal = detail::causal_mask::of(p);
    const detail::aligned_scratch<T> score_row(causal.visible_end(p.seq_q - 1)), acc_row(p.head_dim_v);
    T* const scores = score_row.get();
    T* const acc = acc_row.get();

    for (index_t b = 0; b < p.batch; ++b) {
        for (index_t h = 0; h < p.heads_q; ++h) {
            const index_t hk = h / p.group;
            const auto mask_head = mask.at(b, h);
            for (index_t i = 0; i < p.seq_q; ++i) {
                const index_t end = causal.visible_end(i);

                // Scores of the visible keys. A masked key is removed before its
                // score is computed, so a NaN in its k or v row cannot reach row i.
                T row_max = neg_inf;
                for (index_t j = 0; j < end; ++j) {
                    const T bias = mask_head.bias(i, j);
                    if (bias == neg_inf) {
                        scores[j] = neg_inf;
                        continue;
                    }
                    T dot = 0;
                    for (index_t d = 0; d < p.head_dim; ++d) dot += p.q(b, h, i, d) * p.k(b, hk, j, d);
                    const T s = p.scale * dot + bias;
                    scores[j] = s;
                    // A NaN score lifts the maximum off -inf (so a row of NaN
                    // scores is not taken for an empty row); a later finite score
                    // may replace it, and exp(NaN - max) still makes the row NaN.
                    if (!(s <= row_max)) row_max = s;
                }

                // Softmax shifted by the row maximum (no overflow in exp), then
                // the weighted sum of values over the keys that were not removed,
                // with normalised weights: their sum is 1, so values near the
                // largest finite value cannot add up past it.
                T sum = 0;
                for (index_t d = 0; d < p.head_dim_v; ++d) acc[d] = 0;
                if (row_max != neg_inf) {
                    for (index_t j = 0; j < end; ++j) {
                        if (scores[j] == neg_inf) continue;
                        scores[j] = std::exp(scores[j] - row_max);
                        sum += scores[j];
                    }
                    for (index_t j = 0; j < end; ++j) {
                        if (scores[j] == neg_inf) continue;
                        const T w = scores[j] / sum;
                        for (index_t d = 0; d < p.head_dim_v; ++d) acc[d] += w * p.v(b, hk, j, d);
                    }
                }

                // A row that sees no key (fully masked, or seq_kv = 0) gives zeros
                // and log-sum-exp -inf.
                const bool empty = row_max == neg_inf;
                for (index_t d = 0; d < p.head_dim_v; ++d) p.out(b, h, i, d) = empty ? T(0) : acc[d];
                if (p.lse.data()) p.lse(b, h, i) = empty ? neg_inf : row_max + std::log(sum);
            }
        }
    }
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace kernels
}  // namespace attnkit
