// attnkit: the row engine: what both tile engines (tile_engine.hpp for flash,
// blocked and parallel; decode_engine.hpp for decode) do to the rows of an
// output accumulator, whatever row of the problem each accumulator row holds.
//
// An accumulator row is the unnormalised partial output of one query row,
// head_dim_v values padded to whole vectors (leading dimension o_ld, aligned).
// The engines map their rows to the problem differently (a tile of query rows
// of one head; packed rows of the query heads of one kv head); here a row is
// only its accumulator, its weights in a column of S^T and, when written, its
// destination row of out and lse.
#pragma once

#include <cstddef>
#include <limits>

#include <xsimd/xsimd.hpp>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/detail/finite.hpp"
#include "attnkit/detail/problem.hpp"
#include "attnkit/detail/softmax.hpp"
#include "attnkit/view.hpp"

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

template <class T, class Arch>
struct row_ops {
    using batch = xsimd::batch<T, Arch>;
    static constexpr index_t W = static_cast<index_t>(batch::size);

    // Row r of rows accumulator rows (row r at o + r * o_ld, o_ld whole
    // vectors) times alpha[r]: the online softmax's rescale of a partial output.
    static void rescale(T* o, index_t o_ld, const T* alpha, index_t rows) noexcept {
        for (index_t r = 0; r < rows; ++r) {
            const batch a(alpha[r]);
            T* row = o + r * o_ld;
            for (index_t c = 0; c < o_ld; c += W) (batch::load_aligned(row + c) * a).store_aligned(row + c);
        }
    }

    // The NaN-safe P V of one row: acc += w_j v_j over the keys j in [j0, end)
    // that the row's mask keeps, one by one (a removed key's weight is 0, but
    // 0 times a NaN or infinite value is NaN). The row's weight of key j is
    // weights[(j - j0) * ld] (a column of S^T); v_j is at v + (j - j0) * v_stride.
    template <class Head>
    static void add_visible_values(T* acc, const T* weights, index_t ld, const Head& mask, index_t i, index_t j0,
                                   index_t end, const T* v, index_t v_stride, index_t head_dim_v) noexcept {
        for (index_t j = j0; j < end; ++j) {
            if (mask.bias(i, j) == -std::numeric_limits<T>::infinity()) continue;
            const T w = weights[(j - j0) * ld];
            const T* vj = v + (j - j0) * v_stride;
            for (index_t c = 0; c < head_dim_v; ++c) acc[c] += w * vj[c];
        }
    }

    // Query row i of head h in batch b, finished: out = acc / l (the deferred
    // normalisation) and lse = the log-sum-exp, from accumulator row acc and
    // the softmax statistics of its row r.
    static void write_row(const problem<T>& p, index_t b, index_t h, index_t i, const T* acc,
                          const online_softmax<T, Arch>& stats, index_t r) noexcept {
        const index_t full = p.head_dim_v / W * W;
        const T inv = stats.normaliser(r);
        T* out = row_start(p.out, b, h, i);
        const batch scale(inv);
        for (index_t c = 0; c < full; c += W) (batch::load_aligned(acc + c) * scale).store_unaligned(out + c);
        for (index_t c = full; c < p.head_dim_v; ++c) out[c] = acc[c] * inv;
        if (p.lse.data()) p.lse(b, h, i) = stats.log_sum_exp(r);
    }

    // The overflow repeat. pass(headroom) computes rows accumulator rows (the
    // online softmax with that headroom, online_softmax); only values near the
    // largest finite value (or NaN and infinite inputs) leave a row not
    // finite. Those rows are flagged (repeat[r] = 1) and computed again with
    // every weight lowered by 2^-overflow_headroom(seq_kv); the other rows keep
    // their first result (2^-k scales exactly only normal numbers: a repeat of
    // them would cost their subnormal outputs accuracy).
    //   finish(only, value): rows r with only[r] == value are final (every row
    //   when only is null): after the first pass with value 0, after the
    //   repeat with value 1.
    template <class Pass, class Finish>
    static void with_overflow_repeat(const T* o, index_t o_ld, index_t rows, index_t head_dim_v, index_t seq_kv,
                                     unsigned char* repeat, Pass&& pass, Finish&& finish) noexcept {
        pass(0);
        const bool all_finite = flag_nonfinite_rows<T, Arch>(o, o_ld, rows, head_dim_v, repeat);
        finish(all_finite ? nullptr : repeat, static_cast<unsigned char>(0));
        if (all_finite) return;
        pass(overflow_headroom(seq_kv));
        finish(repeat, static_cast<unsigned char>(1));
    }
};

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
