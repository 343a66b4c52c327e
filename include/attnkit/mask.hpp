// attnkit: explicit-mask policies. The front door picks one policy per call
// (with_mask), so kernels are compiled once per mask kind and never branch on
// the kind inside a row.
#pragma once

#include <limits>
#include <utility>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/problem.hpp"

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

// What an explicit mask does to a tile of queries x keys: nothing to apply
// (clear), finite additions only (biased), some keys removed (holed), or every
// key removed (skip: the tile is never computed).
enum class tile_class { clear, biased, holed, skip };

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
