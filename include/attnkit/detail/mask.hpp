// attnkit: every mask, in one place.
//
// - The causal mask (causal_mask): key j is visible to query row i iff
//   j <= i + offset. A band, so a row's visible keys are one prefix of the
//   keys: engines end their key loops at visible_end(i), cut a tile only where
//   its last key is past its first row's limit, and count the pairs it
//   leaves for the FLOP of a call (the benchmarks' bench/common/flop.hpp is
//   checked against visible_pairs by tests/test_mask.cpp).
// - The explicit masks (no_mask, boolean_mask, additive_mask): a policy per
//   kind of options::mask. The front door picks one policy per call
//   (with_mask), so kernels are compiled once per mask kind and never branch
//   on the kind inside a row.
// Both kinds classify tiles (tile_class) so that tiles every mask removes are
// never computed and tiles no mask touches are never masked.
#pragma once

#include <algorithm>
#include <limits>
#include <utility>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/detail/problem.hpp"

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

// What an explicit mask does to a tile of queries x keys: nothing to apply
// (clear), finite additions only (biased), some keys removed (holed), or every
// key removed (skip: the tile is never computed).
enum class tile_class { clear, biased, holed, skip };

// ---- The causal mask -----------------------------------------------------------

// The offset of options::causal_mode for seq_q query rows and seq_kv keys:
// top_left aligns the first query with the first key, bottom_right the last
// query with the last key; none is seq_kv, which hides no key.
constexpr index_t causal_offset(causal mode, index_t seq_q, index_t seq_kv) noexcept {
    switch (mode) {
        case causal::none: break;
        case causal::top_left: return 0;
        case causal::bottom_right: return seq_kv - seq_q;
    }
    return seq_kv;
}

// The causal masking a problem's rows actually get: none when it hides no key
// (bottom_right with one query row, any mode with at most one key), top_left
// when row i sees keys j <= i (top_left, or bottom_right with seq_q == seq_kv),
// bottom_right otherwise. Problems that agree in it run the same work, so
// wisdom buckets compare it rather than the option as spelled.
inline causal effective_causal(index_t offset, index_t seq_kv) noexcept {
    if (offset >= seq_kv - 1) return causal::none;
    return offset == 0 ? causal::top_left : causal::bottom_right;
}
inline causal effective_causal(causal mode, index_t seq_q, index_t seq_kv) noexcept {
    switch (mode) {
        case causal::none: return causal::none;
        case causal::top_left: return effective_causal(0, seq_kv);
        case causal::bottom_right: return effective_causal(seq_kv - seq_q, seq_kv);
    }
    return causal::none;
}

// Key j of seq_kv is visible to query row i iff j <= i + offset
// (problem::causal_offset). validate() bounds seq_q and seq_kv by
// index_max / 4, so i + offset + 1 cannot overflow.
struct causal_mask {
    index_t offset = 0;
    index_t seq_kv = 0;

    template <class T>
    static constexpr causal_mask of(const problem<T>& p) noexcept {
        return {p.causal_offset, p.seq_kv};
    }

    // One past the last key row i sees: its visible keys are [0, visible_end(i)).
    constexpr index_t visible_end(index_t i) const noexcept { return std::clamp<index_t>(i + offset + 1, 0, seq_kv); }
    // Whether keys up to key_end (exclusive) hide some key from a tile whose
    // first (lowest) row is first_row: the tile needs apply(); rows below the
    // first see fewer keys, never more.
    constexpr bool cuts(index_t first_row, index_t key_end) const noexcept { return key_end - 1 > first_row + offset; }
    // Query-key pairs (i, j) of seq_q rows that the mask leaves visible: the
    // work of one head, for FLOP counts. Exact, by summing rows.
    constexpr double visible_pairs(index_t seq_q) const noexcept {
        double pairs = 0;
        for (index_t i = 0; i < seq_q; ++i) pairs += double(visible_end(i));
        return pairs;
    }

    // Overwrites with -inf the hidden scores of a tile of transposed scores
    // st[j - j0][i - i0] (leading dimension ld) for rows [i0, i0 + width) and
    // keys [j0, j0 + keys): key j hides a prefix of its row of S^T.
    template <class T>
    void apply(T* st, index_t ld, index_t i0, index_t width, index_t j0, index_t keys) const noexcept {
        for (index_t r = 0; r < keys; ++r) {
            const index_t cut = std::clamp<index_t>(j0 + r - offset - i0, 0, width);
            std::fill(st + r * ld, st + r * ld + cut, -std::numeric_limits<T>::infinity());
        }
    }
    // The same for one row i whose scores are a column of S^T, col[(j - j0) * ld].
    template <class T>
    void apply_row(T* col, index_t ld, index_t i, index_t j0, index_t keys) const noexcept {
        for (index_t j = std::max(visible_end(i), j0); j < j0 + keys; ++j)
            col[(j - j0) * ld] = -std::numeric_limits<T>::infinity();
    }
};

// ---- The explicit masks ---------------------------------------------------------

// Every policy offers at(batch, head) -> a per-head accessor whose bias(i, j) is
// added to the scaled score s_ij; -inf removes key j from row i. The accessor
// also classifies a tile [i0, i1) x [j0, j1) and applies itself to a tile of
// transposed scores st[j - j0][i - i0] (leading dimension ld).
template <class T>
struct no_mask {
    static constexpr bool present = false;
    struct head_view {
        static constexpr T bias(index_t, index_t) noexcept { return T(0); }
        static constexpr tile_class classify(index_t, index_t, index_t, index_t) noexcept {
            return tile_class::clear;
        }
        static constexpr void apply(T*, index_t, index_t, index_t, index_t, index_t) noexcept {}
    };
    constexpr head_view at(index_t, index_t) const noexcept { return {}; }
};

template <class T>
struct boolean_mask {
    static constexpr bool present = true;
    tensor4<const bool> mask;
    struct head_view {
        const bool* base;
        index_t row_stride, col_stride;
        const bool* row(index_t i) const noexcept { return base + i * row_stride; }
        T bias(index_t i, index_t j) const noexcept {
            return row(i)[j * col_stride] ? T(0) : -std::numeric_limits<T>::infinity();
        }
        tile_class classify(index_t i0, index_t i1, index_t j0, index_t j1) const noexcept {
            bool any_in = false, any_out = false;
            for (index_t i = i0; i < i1; ++i)
                for (index_t j = j0; j < j1; ++j) (row(i)[j * col_stride] ? any_in : any_out) = true;
            return !any_in ? tile_class::skip : any_out ? tile_class::holed : tile_class::clear;
        }
        // Overwrites (not adds) removed keys, so a NaN score of a removed key is gone.
        void apply(T* st, index_t ld, index_t i0, index_t rows, index_t j0, index_t keys) const noexcept {
            for (index_t i = 0; i < rows; ++i) {
                const bool* m = row(i0 + i) + j0 * col_stride;
                for (index_t j = 0; j < keys; ++j)
                    if (!m[j * col_stride]) st[j * ld + i] = -std::numeric_limits<T>::infinity();
            }
        }
    };
    head_view at(index_t b, index_t h) const noexcept {
        return {row_start(mask, b, h, 0), mask.stride(2), mask.stride(3)};
    }
};

template <class T>
struct additive_mask {
    static constexpr bool present = true;
    tensor4<const T> mask;
    struct head_view {
        const T* base;
        index_t row_stride, col_stride;
        const T* row(index_t i) const noexcept { return base + i * row_stride; }
        T bias(index_t i, index_t j) const noexcept { return row(i)[j * col_stride]; }
        tile_class classify(index_t i0, index_t i1, index_t j0, index_t j1) const noexcept {
            constexpr T neg_inf = -std::numeric_limits<T>::infinity();
            bool any_kept = false, any_removed = false, any_bias = false;
            for (index_t i = i0; i < i1; ++i)
                for (index_t j = j0; j < j1; ++j) {
                    const T b = row(i)[j * col_stride];
                    any_removed = any_removed || b == neg_inf;
                    any_kept = any_kept || b != neg_inf;
                    any_bias = any_bias || b != T(0);
                }
            if (!any_kept) return tile_class::skip;
            return any_removed ? tile_class::holed : any_bias ? tile_class::biased : tile_class::clear;
        }
        // A removed key's score is overwritten with -inf, not added to, so a NaN
        // score of a removed key is gone.
        void apply(T* st, index_t ld, index_t i0, index_t rows, index_t j0, index_t keys) const noexcept {
            constexpr T neg_inf = -std::numeric_limits<T>::infinity();
            for (index_t i = 0; i < rows; ++i) {
                const T* m = row(i0 + i) + j0 * col_stride;
                for (index_t j = 0; j < keys; ++j) {
                    const T b = m[j * col_stride];
                    T& s = st[j * ld + i];
                    s = b == neg_inf ? neg_inf : s + b;
                }
            }
        }
    };
    head_view at(index_t b, index_t h) const noexcept {
        return {row_start(mask, b, h, 0), mask.stride(2), mask.stride(3)};
    }
};

// Calls f(policy) with the policy matching the problem's mask kind.
template <class T, class F>
decltype(auto) with_mask(const problem<T>& p, F&& f) {
    switch (p.mask) {
        case mask_kind::boolean: return std::forward<F>(f)(boolean_mask<T>{p.bool_mask});
        case mask_kind::additive: return std::forward<F>(f)(additive_mask<T>{p.additive_mask});
        case mask_kind::none: break;
    }
    return std::forward<F>(f)(no_mask<T>{});
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
