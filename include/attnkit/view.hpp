// attnkit: non-owning strided views over caller-owned memory.
//
// A view is a pointer, an extent per dimension and a stride per dimension, both
// counted in elements. Attention tensors are rank 4 with the logical order
// [batch, heads, seq, dim]; any physical layout (BHSD, BSHD, a slice of a larger
// buffer) is expressed by its strides, so no layout needs a copy.
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>

#include "attnkit/detail/config_namespace.hpp"

namespace attnkit {

using index_t = std::ptrdiff_t;

template <class T, std::size_t Rank>
class strided_view {
public:
    using element_type = T;
    using extents_type = std::array<index_t, Rank>;
    static constexpr std::size_t rank = Rank;

    constexpr strided_view() = default;
    constexpr strided_view(T* data, const extents_type& extents, const extents_type& strides) noexcept
        : data_(data), extents_(extents), strides_(strides) {}

    // A view of T converts to a view of const T.
    template <class U, class = std::enable_if_t<std::is_same_v<const U, T> && !std::is_same_v<U, T>>>
    constexpr strided_view(const strided_view<U, Rank>& other) noexcept  // NOLINT(google-explicit-constructor)
        : data_(other.data()), extents_(other.extents()), strides_(other.strides()) {}

    constexpr T* data() const noexcept { return data_; }
    constexpr const extents_type& extents() const noexcept { return extents_; }
    constexpr const extents_type& strides() const noexcept { return strides_; }
    constexpr index_t extent(std::size_t d) const noexcept { return extents_[d]; }
    constexpr index_t stride(std::size_t d) const noexcept { return strides_[d]; }

    constexpr index_t size() const noexcept {
        index_t n = 1;
        for (index_t e : extents_) n *= e;
        return n;
    }

    template <class... I>
    constexpr T& operator()(I... i) const noexcept {
        static_assert(sizeof...(I) == Rank, "one index per dimension");
        const index_t idx[] = {static_cast<index_t>(i)...};
        index_t off = 0;
        for (std::size_t d = 0; d < Rank; ++d) off += idx[d] * strides_[d];
        return data_[off];
    }

private:
    T* data_ = nullptr;
    extents_type extents_{};
    extents_type strides_{};
};

// Rank-4 attention tensor in logical order [batch, heads, seq, dim].
template <class T>
using tensor4 = strided_view<T, 4>;

// Rank-3 tensor [batch, heads, seq]: the log-sum-exp output.
template <class T>
using tensor3 = strided_view<T, 3>;

// The views' factories are functions: per configuration (detail/config_namespace.hpp);
// the views themselves are vocabulary types, shared by every unit.
ATTNKIT_BEGIN_CONFIG_NAMESPACE

// View over a contiguous buffer laid out as [batch][heads][seq][dim] (PyTorch's
// default for scaled_dot_product_attention).
template <class T>
constexpr tensor4<T> bhsd(T* data, index_t batch, index_t heads, index_t seq, index_t dim) noexcept {
    return tensor4<T>(data, {batch, heads, seq, dim}, {heads * seq * dim, seq * dim, dim, 1});
}

// View over a contiguous buffer laid out as [batch][seq][heads][dim] (the layout
// a fused QKV projection produces); the view's logical order is still BHSD.
template <class T>
constexpr tensor4<T> bshd(T* data, index_t batch, index_t seq, index_t heads, index_t dim) noexcept {
    return tensor4<T>(data, {batch, heads, seq, dim}, {seq * heads * dim, dim, heads * dim, 1});
}

// View over a contiguous [batch][heads][seq] buffer, for the log-sum-exp output.
template <class T>
constexpr tensor3<T> bhs(T* data, index_t batch, index_t heads, index_t seq) noexcept {
    return tensor3<T>(data, {batch, heads, seq}, {heads * seq, seq, 1});
}

// A [seq_q, seq_kv] mask shared by every batch and head (strides 0 broadcast it).
template <class M>
constexpr tensor4<M> broadcast_mask(M* data, index_t seq_q, index_t seq_kv) noexcept {
    return tensor4<M>(data, {1, 1, seq_q, seq_kv}, {0, 0, seq_kv, 1});
}

ATTNKIT_END_CONFIG_NAMESPACE

namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

// Address of row (b, h, i) of a rank-4 view. An empty view may have a null data
// pointer, and applying an offset to a null pointer is undefined behaviour even
// when nothing is read; such a view yields null.
template <class T>
constexpr T* row_start(const tensor4<T>& t, index_t b, index_t h, index_t i) noexcept {
    return t.data() ? t.data() + b * t.stride(0) + h * t.stride(1) + i * t.stride(2) : t.data();
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
