// attnkit: one work item of the decode variant: a block of packed rows of one
// kv head (decode_plan.hpp) against the keys of one split.
//
// Per key tile and block of rows: scores (with the vector along the rows, or
// along head_dim when the rows fill less than a vector, decode_scores.hpp),
// the causal and explicit masks row by row (each packed row has its own query
// head and position; mask.hpp), the online softmax, the rescale of the partial
// output and P V (the row engine, row_ops.hpp, shared with tile_engine.hpp). The item ends with its rows' maximum, sum and unnormalised output,
// which the caller either normalises into out (one split) or keeps for the
// merge (decode_merge.hpp). Every value computed depends only on the item, not
// on what the engine computed before, so any thread may run any item.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>

#include <xsimd/xsimd.hpp>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/detail/decode_plan.hpp"
#include "attnkit/detail/decode_scores.hpp"
#include "attnkit/detail/finite.hpp"
#include "attnkit/detail/mask.hpp"
#include "attnkit/detail/microkernels.hpp"
#include "attnkit/detail/problem.hpp"
#include "attnkit/detail/row_ops.hpp"
#include "attnkit/detail/scratch.hpp"
#include "attnkit/detail/softmax.hpp"
#include "attnkit/tuning.hpp"

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

template <class T, class Arch, class Mask>
class decode_engine {
    using batch = xsimd::batch<T, Arch>;
    using tile = tuning::register_tile<T, Arch>;
    using rows_t = row_ops<T, Arch>;
    static constexpr index_t W = static_cast<index_t>(batch::size);

public:
    decode_engine(const problem<T>& p, const Mask& mask, const decode_plan& plan)
        : p_(p),
          mask_(mask),
          causal_(causal_mask::of(p)),
          plan_(plan),
          rows_ld_(round_up(std::max<index_t>(plan.item_rows, 1), W)),
          q_ld_(round_up(std::max<index_t>(p.head_dim, 1), W)),
          o_ld_(round_up(std::max<index_t>(p.head_dim_v, 1), W)),
          // Key rows of S^T: whole register tiles of keys, and whole vectors of them.
          st_rows_(round_up(round_up(std::max<index_t>(plan.tile_keys, 1), tile::score_keys), W)),
          st_cols_(std::min(plan.block_rows, rows_ld_)),
          // plan's tiles are fitted to the problem (make_decode_plan), and
          // aligned_scratch checks each product: std::bad_alloc, never a wrap.
          qt_({p.head_dim, rows_ld_}),
          qd_({W, q_ld_}),
          kd_({W, q_ld_}),
          st_({st_rows_, st_cols_}),
          key_weights_(st_rows_),
          o_({plan.item_rows, o_ld_}),
          kept_o_({plan.item_rows, o_ld_}),
          stats_(2 * rows_ld_ + plan.block_rows),
          kept_stats_({2, rows_ld_}),
          repeat_(rows_ld_),
          classes_(plan.block_rows),
          lanes_(haddp_lanes<T, Arch>()) {
        std::fill(repeat_.get(), repeat_.get() + rows_ld_, static_cast<unsigned char>(0));
    }

    // Rows [r0, r0 + rows) of kv head hk in batch b, over keys [k0, k1).
    void run(index_t b, index_t hk, index_t r0, index_t rows, index_t k0, index_t k1) noexcept {
        b_ = b;
        hk_ = hk;
        r0_ = r0;
        rows_ = rows;
        // The item is repeated with lowered weights when some rows overflowed,
        // and the other rows keep their first result (row_ops.hpp): the item
        // keeps its rows' state, not its output, so the first pass's rows are
        // set aside and put back. The headroom covers all seq_kv keys, so the
        // merge of the splits cannot overflow either.
        rows_t::with_overflow_repeat(
            o_.get(), o_ld_, rows_, p_.head_dim_v, p_.seq_kv, repeat_.get(),
            [&](int headroom) {
                headroom_ = headroom;
                absorb_keys(k0, k1);
            },
            [&](const unsigned char* only, unsigned char value) {
                if (only && value == 0) keep_first_pass();
                if (only && value == 1) restore_first_pass(only);
            });
    }

    // The item's rows normalised into out (and lse): the result when the item
    // covers all keys.
    void write_output() const noexcept {
        for (index_t r = 0; r < rows_; ++r)
            rows_t::write_row(p_, b_, head_of(r), query_of(r), o_.get() + r * o_ld_, stats_of(r), r);
    }

    // The item's partial state, row r at max[r], sum[r] and out + r * head_dim_v.
    // max[r] is the value the sum and output are relative to (the maximum
    // plus the headroom, if the item needed it): the merge needs no more.
    void write_state(T* max, T* sum, T* out) const noexcept {
        for (index_t r = 0; r < rows_; ++r) {
            max[r] = stats_of(r).reference(r);
            sum[r] = l()[r];
            std::copy(o_.get() + r * o_ld_, o_.get() + r * o_ld_ + p_.head_dim_v, out + r * p_.head_dim_v);
        }
    }

private:
    // The overflow repeat's first pass, set aside, and put back for the rows
    // the repeat did not need (repeat[r] == 0).
    void keep_first_pass() noexcept {
        std::copy(o_.get(), o_.get() + rows_ * o_ld_, kept_o_.get());
        std::copy(m(), m() + 2 * rows_ld_, kept_stats_.get());
    }
    void restore_first_pass(const unsigned char* repeat) noexcept {
        for (index_t r = 0; r < rows_; ++r) {
            if (repeat[r]) continue;
            std::copy(kept_o_.get() + r * o_ld_, kept_o_.get() + (r + 1) * o_ld_, o_.get() + r * o_ld_);
            m()[r] = kept_stats_.get()[r];
            l()[r] = kept_stats_.get()[rows_ld_ + r];
        }
    }

    void absorb_keys(index_t k0, index_t k1) noexcept {
        std::fill(o_.get(), o_.get() + rows_ * o_ld_, T(0));
        for (index_t s0 = 0; s0 < rows_; s0 += plan_.block_rows) {
            const index_t n = std::min(plan_.block_rows, rows_ - s0);
            softmax_of(s0, n).reset();
            if (along_head_dim(n))
                pack_rows(s0, n);
            else
                pack_transposed(s0, n);
        }
        // Rows are ordered by query position: the last one sees the most keys.
        // Tiles past its causal limit would be skipped one by one (absorb_tile);
        // the loop ends there instead, which matters for a split of 2^50 keys
        // (a broadcast k) that a causal mask hides.
        const index_t end = std::min(k1, causal_.visible_end(query_of(rows_ - 1)));
        for (index_t j0 = k0; j0 < end; j0 += plan_.tile_keys) {
            const index_t j1 = std::min(j0 + plan_.tile_keys, k1);
            for (index_t s0 = 0; s0 < rows_; s0 += plan_.block_rows)
                absorb_tile(s0, std::min(plan_.block_rows, rows_ - s0), j0, j1);
        }
    }

    // Row r's statistics, with the headroom it was computed with.
    online_softmax<T, Arch> stats_of(index_t r) const noexcept {
        return online_softmax<T, Arch>(m(), l(), rows_ld_, repeat_.get()[r] ? headroom_ : 0);
    }

    // Packed row r of the kv head: query position r / group of query head
    // hk * group + r % group.
    index_t query_of(index_t r) const noexcept { return (r0_ + r) / p_.group; }
    index_t head_of(index_t r) const noexcept { return hk_ * p_.group + (r0_ + r) % p_.group; }

    T* m() const noexcept { return stats_.get(); }
    T* l() const noexcept { return stats_.get() + rows_ld_; }
    T* alpha() const noexcept { return stats_.get() + 2 * rows_ld_; }

    // Rows [s0, s0 + n) of the item; s0 is a multiple of block_rows, hence of W.
    online_softmax<T, Arch> softmax_of(index_t s0, index_t n) const noexcept {
        return online_softmax<T, Arch>(m() + s0, l() + s0, round_up(n, W), headroom_);
    }

    // Scores with the vector along head_dim where n rows leave most lanes of
    // a vector of rows empty (see decode_scores.hpp).
    static bool along_head_dim(index_t n) noexcept { return n <= tuning::decode_tile<T, Arch>::max_dot_rows; }

    // The softmax along the keys (a vector exp per lanes weights) where n rows
    // leave most lanes of a vector of rows empty (a vector exp per key).
    static bool softmax_by_keys(index_t n) noexcept { return n <= tuning::decode_tile<T, Arch>::max_rows_by_keys; }

    const T* q_row(index_t r) const noexcept {
        return row_start(p_.q, b_, head_of(r), query_of(r));
    }
    const T* k_row(index_t j) const noexcept {
        return row_start(p_.k, b_, hk_, j);
    }
    const T* v_row(index_t j) const noexcept {
        return row_start(p_.v, b_, hk_, j);
    }

    // qt[d][r] = scale * q_r[d] for rows [s0, s0 + n); padding columns zero.
    void pack_transposed(index_t s0, index_t n) noexcept {
        T* qt = qt_.get() + s0;
        for (index_t r = 0; r < n; ++r) {
            const T* q = q_row(s0 + r);
            for (index_t d = 0; d < p_.head_dim; ++d) qt[d * rows_ld_ + r] = p_.scale * q[d];
        }
        for (index_t d = 0; d < p_.head_dim; ++d)
            std::fill(qt + d * rows_ld_ + n, qt + d * rows_ld_ + round_up(n, W), T(0));
    }

    // qd[r][d] = scale * q_r[d] for rows [s0, s0 + n), n < W.
    void pack_rows(index_t s0, index_t n) noexcept {
        for (index_t r = 0; r < n; ++r) {
            const T* q = q_row(s0 + r);
            T* dst = qd_.get() + r * q_ld_;
            for (index_t d = 0; d < p_.head_dim; ++d) dst[d] = p_.scale * q[d];
        }
    }

    // Keys [j0, j1) for rows [s0, s0 + n): classify, score, mask, softmax, values.
    void absorb_tile(index_t s0, index_t n, index_t j0, index_t j1) noexcept {
        const index_t end = std::min(j1, causal_.visible_end(query_of(s0 + n - 1)));
        if (j0 >= end) return;
        const index_t keys = end - j0;
        const index_t ld = round_up(n, W);
        const explicit_classes explicit_mask = classify_rows(s0, n, j0, end);
        if (explicit_mask.all_skip) return;
        compute_scores(s0, n, j0, keys, ld);
        // Rows are ordered by query position: the first sees the fewest keys.
        const bool causal_cut = causal_.cuts(query_of(s0), j0 + keys);
        apply_masks(s0, n, j0, keys, ld, explicit_mask.masked, causal_cut);
        absorb_softmax(s0, n, keys, ld);
        rows_t::rescale(o_.get() + s0 * o_ld_, o_ld_, alpha(), n);
        if ((causal_cut || explicit_mask.removed) &&
            !values_finite<T, Arch>(v_row(j0), p_.v.stride(2), keys, p_.head_dim_v))
            add_visible_values(s0, n, j0, keys, ld);
        else
            add_values(s0, n, j0, keys, ld);
    }

    // What the explicit mask does to each row of a tile (classes_[r]).
    struct explicit_classes {
        bool masked = false;    // some row needs the mask applied
        bool removed = false;   // some row has keys removed
        bool all_skip = false;  // every row has every key removed: nothing to compute
    };
    explicit_classes classify_rows(index_t s0, index_t n, index_t j0, index_t end) noexcept {
        explicit_classes c;
        if constexpr (Mask::present) {
            c.all_skip = true;
            for (index_t r = 0; r < n; ++r) {
                const index_t i = query_of(s0 + r);
                const tile_class k = mask_.at(b_, head_of(s0 + r)).classify(i, i + 1, j0, end);
                classes_.get()[r] = k;
                c.all_skip = c.all_skip && k == tile_class::skip;
                c.masked = c.masked || k != tile_class::clear;
                c.removed = c.removed || k == tile_class::holed || k == tile_class::skip;
            }
        }
        return c;
    }

    void compute_scores(index_t s0, index_t n, index_t j0, index_t keys, index_t ld) noexcept {
        if (along_head_dim(n))
            scores_by_rows(n, j0, keys, ld);
        else
            scores_by_vectors(s0, n, j0, keys, ld);
    }

    // The explicit mask on the rows it touches, then the causal cut row by row.
    void apply_masks(index_t s0, index_t n, index_t j0, index_t keys, index_t ld, bool masked,
                     bool causal_cut) noexcept {
        if (masked)
            for (index_t r = 0; r < n; ++r)
                if (classes_.get()[r] != tile_class::clear)
                    mask_.at(b_, head_of(s0 + r)).apply(st_.get() + r, ld, query_of(s0 + r), 1, j0, keys);
        if (causal_cut)
            for (index_t r = 0; r < n; ++r) causal_.apply_row(st_.get() + r, ld, query_of(s0 + r), j0, keys);
    }

    void absorb_softmax(index_t s0, index_t n, index_t keys, index_t ld) noexcept {
        if (softmax_by_keys(n))
            softmax_of(s0, n).absorb_by_keys(st_.get(), keys, ld, n, alpha(), key_weights_.get());
        else
            softmax_of(s0, n).absorb(st_.get(), keys, ld, alpha());
    }

    // S^T for n < W rows, the vector along head_dim, W keys per call. The
    // last keys of a tile, fewer than W, are copied into a block of W rows
    // (the last one repeated: computed, never read).
    void scores_by_rows(index_t n, index_t j0, index_t keys, index_t ld) noexcept {
        // The padding lanes of each key's row of S^T are not computed: zero
        // keeps them finite and independent of earlier tiles.
        for (index_t j = 0; j < round_up(keys, W); ++j) batch(T(0)).store_aligned(st_.get() + j * ld);
        const index_t k_stride = p_.k.stride(2);
        const index_t full = keys / W * W;
        for (index_t jb = 0; jb < full; jb += W)
            scores_along_head_dim<T, Arch>(k_row(j0 + jb), k_stride, qd_.get(), q_ld_, n, p_.head_dim,
                                           st_.get() + jb * ld, ld, lanes_.data());
        if (full < keys) {
            T* block = kd_.get();
            for (index_t j = 0; j < W; ++j) {
                const T* src = k_row(j0 + std::min(full + j, keys - 1));
                std::copy(src, src + p_.head_dim, block + j * q_ld_);
            }
            scores_along_head_dim<T, Arch>(block, q_ld_, qd_.get(), q_ld_, n, p_.head_dim, st_.get() + full * ld, ld,
                                           lanes_.data());
        }
    }

    // S^T with the vector along the rows: the flash tiles' micro-kernel.
    void scores_by_vectors(index_t s0, index_t n, index_t j0, index_t keys, index_t ld) noexcept {
        constexpr int MR = tile::score_keys;
        constexpr int NR = tile::score_vectors;
        const index_t vectors = round_up(n, W) / W;
        const T* rows_ptr[MR];
        for (index_t n0 = 0; n0 < vectors; n0 += NR) {
            const int nr = static_cast<int>(std::min<index_t>(NR, vectors - n0));
            for (index_t r0 = 0; r0 < keys; r0 += MR) {
                // Rows past the tile repeat its last key: computed, never read.
                for (int r = 0; r < MR; ++r) rows_ptr[r] = k_row(j0 + std::min<index_t>(r0 + r, keys - 1));
                T* out = st_.get() + r0 * ld + n0 * W;
                const T* qt = qt_.get() + s0 + n0 * W;
                with_width<NR>(nr, [&](auto w) {
                    scores_block<T, Arch, MR, decltype(w)::value>(rows_ptr, qt, rows_ld_, p_.head_dim, out, ld);
                });
            }
        }
    }

    // O += P V over the real rows only (not the padding lanes of the scores),
    // with the few-rows tile where the flash tile has too few accumulators.
    void add_values(index_t s0, index_t n, index_t j0, index_t keys, index_t ld) noexcept {
        using few = tuning::decode_tile<T, Arch>;
        if (n <= few::value_rows)
            add_values_tiled<few::value_rows, few::value_vectors>(s0, n, j0, keys, ld);
        else
            add_values_tiled<tile::value_rows, tile::value_vectors>(s0, n, j0, keys, ld);
    }

    template <int MR, int NR>
    void add_values_tiled(index_t s0, index_t n, index_t j0, index_t keys, index_t ld) noexcept {
        const index_t full_vectors = p_.head_dim_v / W;
        const T* v = v_row(j0);
        const index_t v_stride = p_.v.stride(2);
        T* o = o_.get() + s0 * o_ld_;
        for (index_t n0 = 0; n0 < full_vectors; n0 += NR) {
            const int nr = static_cast<int>(std::min<index_t>(NR, full_vectors - n0));
            with_width<NR>(nr, [&](auto w) {
                for (index_t r = 0; r < n; r += MR) {
                    const int mr = static_cast<int>(std::min<index_t>(MR, n - r));
                    with_width<MR>(mr, [&](auto h) {
                        weighted_sum_block<T, Arch, decltype(h)::value, decltype(w)::value>(
                            st_.get() + r, ld, v + n0 * W, v_stride, keys, o + r * o_ld_ + n0 * W, o_ld_);
                    });
                }
            });
        }
        const index_t tail = p_.head_dim_v - full_vectors * W;
        if (tail > 0)
            for (index_t r = 0; r < n; ++r)
                weighted_sum_tail<T, 1>(st_.get() + r, ld, v + full_vectors * W, v_stride, keys, tail,
                                        o + r * o_ld_ + full_vectors * W, o_ld_);
    }

    // The NaN-safe path: each row adds only the keys it sees.
    void add_visible_values(index_t s0, index_t n, index_t j0, index_t keys, index_t ld) noexcept {
        for (index_t r = 0; r < n; ++r) {
            const index_t i = query_of(s0 + r);
            rows_t::add_visible_values(o_.get() + (s0 + r) * o_ld_, st_.get() + r, ld, mask_.at(b_, head_of(s0 + r)),
                                       i, j0, std::min(j0 + keys, causal_.visible_end(i)), v_row(j0),
                                       p_.v.stride(2), p_.head_dim_v);
        }
    }

    const problem<T>& p_;
    const Mask& mask_;
    const causal_mask causal_;
    const decode_plan plan_;
    index_t rows_ld_, q_ld_, o_ld_, st_rows_, st_cols_;
    aligned_scratch<T> qt_, qd_, kd_, st_, key_weights_, o_, kept_o_, stats_, kept_stats_;
    aligned_scratch<unsigned char> repeat_;
    aligned_scratch<tile_class> classes_;
    std::array<int, static_cast<std::size_t>(W)> lanes_;
    index_t b_ = 0, hk_ = 0, r0_ = 0, rows_ = 0;
    int headroom_ = 0;
};

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
