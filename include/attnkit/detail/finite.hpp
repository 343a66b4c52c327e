// attnkit: the finiteness checks of the engines' NaN-safe and overflow paths,
// shared by the tile engine (flash, blocked, parallel) and the decode engine.
#pragma once

#include <cstddef>

#include <xsimd/xsimd.hpp>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/view.hpp"

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

// v * 0 is (+-)0 for a finite v and NaN otherwise, so a sum of such
// products answers for many values without a branch per value: adds row[c] *
// 0 for cols values to sum (whole vectors) and tail (the rest).
template <class T, class Arch>
void add_times_zero(const T* row, index_t cols, xsimd::batch<T, Arch>& sum, T& tail) noexcept {
    using batch = xsimd::batch<T, Arch>;
    constexpr index_t W = static_cast<index_t>(batch::size);
    const index_t full = cols / W * W;
    for (index_t c = 0; c < full; c += W) sum += batch::load_unaligned(row + c) * batch(T(0));
    for (index_t c = full; c < cols; ++c) tail += row[c] * T(0);
}

// Whether rows x cols values, row i at first + i * stride, are all finite. A
// removed key has weight exactly 0, and 0 * v is 0 unless v is NaN or
// infinite: the engines skip removed keys one by one only when this is false.
template <class T, class Arch>
bool values_finite(const T* first, index_t stride, index_t rows, index_t cols) noexcept {
    // An empty V (head_dim_v 0) may have no storage at all: no row address may be formed.
    if (rows == 0 || cols == 0) return true;
    using batch = xsimd::batch<T, Arch>;
    batch sum(T(0));
    T tail = 0;
    for (index_t i = 0; i < rows; ++i) add_times_zero<T, Arch>(first + i * stride, cols, sum, tail);
    return xsimd::all(sum == batch(T(0))) && tail == T(0);
}

// flags[i] = 1 for each of the rows x cols accumulator rows (row i at acc + i
// * ld) holding a value that is not finite, 0 for the others; true when there
// is none. The engines repeat only the flagged rows with lowered weights
// (online_softmax's headroom). By vectors, as values_finite (one scalar test
// per value cost the flash variant a tenth of its time at square dim 256).
template <class T, class Arch>
bool flag_nonfinite_rows(const T* acc, index_t ld, index_t rows, index_t cols, unsigned char* flags) noexcept {
    using batch = xsimd::batch<T, Arch>;
    bool none = true;
    for (index_t i = 0; i < rows; ++i) {
        batch sum(T(0));
        T tail = 0;
        add_times_zero<T, Arch>(acc + i * ld, cols, sum, tail);
        const bool finite = xsimd::all(sum == batch(T(0))) && tail == T(0);
        flags[i] = finite ? 0 : 1;
        none = none && finite;
    }
    return none;
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
