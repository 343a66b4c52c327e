// attnkit: explicit-mask policies. The front door picks one policy per call
// (with_mask), so kernels are compiled once per mask kind and never branch on
// the kind inside a row.
#pragma once

#include <limits>
#include <utility>

#include "attnkit/problem.hpp"

namespace attnkit {
namespace detail {

// Every policy offers at(batch, head) -> a per-head accessor whose bias(i, j) is
// added to the scaled score s_ij; -inf removes key j from row i.
template <class T>
struct no_mask {
    static constexpr bool present = false;
    struct head_view {
        static constexpr T bias(index_t, index_t) noexcept { return T(0); }
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
    };
    head_view at(index_t b, index_t h) const noexcept {
        return {mask.data() + b * mask.stride(0) + h * mask.stride(1), mask.stride(2), mask.stride(3)};
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
    };
    head_view at(index_t b, index_t h) const noexcept {
        return {mask.data() + b * mask.stride(0) + h * mask.stride(1), mask.stride(2), mask.stride(3)};
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

}  // namespace detail
}  // namespace attnkit
