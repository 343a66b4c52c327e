// Test support: seeded random numbers, owned storage, and strided views over it
// in every physical layout the tests exercise.
//
// A buffer owns its storage and holds one view into it. The layout decides how
// the view's logical dimensions [batch, heads, seq, dim] sit in memory: their
// physical order (BHSD, BSHD, SBHD, ...), gaps around each dimension (padding,
// heads sliced out of a larger tensor), a non-unit innermost step, and reversed
// (negative-stride) dimensions. Elements of the storage outside the view are the
// "gaps": inputs fill them with NaN, so a kernel that reads outside its view
// produces NaN; outputs fill them with a sentinel, so a kernel that writes
// outside its view is caught.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "attnkit/attnkit.hpp"

namespace attnkit_test {

using attnkit::index_t;

// ---- random numbers -----------------------------------------------------------

// std::mt19937_64 with a fixed seed: every run of a test sees the same numbers.
// Tests print the seed with INFO so a failure names its inputs.
class rng {
public:
    explicit rng(std::uint64_t seed) : engine_(seed) {}

    double uniform(double lo = -1.0, double hi = 1.0) {
        return std::uniform_real_distribution<double>(lo, hi)(engine_);
    }
    double normal(double mean = 0.0, double stddev = 1.0) {
        return std::normal_distribution<double>(mean, stddev)(engine_);
    }
    bool chance(double p) { return std::bernoulli_distribution(p)(engine_); }
    // Uniform integer in [lo, hi], both included.
    index_t between(index_t lo, index_t hi) { return std::uniform_int_distribution<index_t>(lo, hi)(engine_); }
    template <class Container>
    typename Container::value_type pick(const Container& choices) {
        const auto last = static_cast<index_t>(choices.size()) - 1;
        return choices[static_cast<std::size_t>(between(0, last))];
    }

private:
    std::mt19937_64 engine_;
};

enum class distribution { uniform, normal };

template <class T>
T draw(rng& r, distribution d) {
    return static_cast<T>(d == distribution::uniform ? r.uniform(-1.0, 1.0) : r.normal(0.0, 1.0));
}

template <class T>
T quiet_nan() {
    return std::numeric_limits<T>::quiet_NaN();
}

// ---- storage --------------------------------------------------------------------

// An owned, fixed-size array. Moving it keeps the elements where they are, so
// views into it stay valid (unlike std::vector<bool>, it also holds real bools).
template <class T>
class storage {
public:
    storage() = default;
    explicit storage(std::size_t n) : data_(n > 0 ? std::make_unique<T[]>(n) : nullptr), size_(n) {}

    T* data() const noexcept { return data_.get(); }
    std::size_t size() const noexcept { return size_; }
    T& operator[](std::size_t i) const noexcept { return data_[i]; }
    void fill(const T& x) const {
        for (std::size_t i = 0; i < size_; ++i) data_[i] = x;
    }

private:
    std::unique_ptr<T[]> data_;
    std::size_t size_ = 0;
};

// ---- indexing -------------------------------------------------------------------

// Calls f(idx) for every index of the extents, last dimension fastest.
template <std::size_t Rank, class F>
void for_each_index(const std::array<index_t, Rank>& extents, F&& f) {
    for (index_t e : extents)
        if (e <= 0) return;
    std::array<index_t, Rank> idx{};
    for (;;) {
        f(static_cast<const std::array<index_t, Rank>&>(idx));
        std::size_t d = Rank;
        for (;;) {
            if (d == 0) return;
            --d;
            if (++idx[d] < extents[d]) break;
            idx[d] = 0;
        }
    }
}

// Offset from data() of the element at idx (computed here, not by the library).
template <class E, std::size_t Rank>
index_t offset_of(const attnkit::strided_view<E, Rank>& t, const std::array<index_t, Rank>& idx) {
    index_t off = 0;
    for (std::size_t d = 0; d < Rank; ++d) off += idx[d] * t.stride(d);
    return off;
}

template <class E, std::size_t Rank>
E& element(const attnkit::strided_view<E, Rank>& t, const std::array<index_t, Rank>& idx) {
    return t.data()[offset_of(t, idx)];
}

// ---- layouts --------------------------------------------------------------------

// How a view of rank Rank sits in its storage.
template <std::size_t Rank>
struct layout {
    std::string name;
    // Logical dimensions from the outermost physical one to the innermost.
    std::array<std::size_t, Rank> order{};
    // Extra elements allocated along each logical dimension (gaps).
    std::array<index_t, Rank> pad{};
    // Where the view starts along each padded dimension (offset + extent <= extent + pad).
    std::array<index_t, Rank> offset{};
    // Dimensions walked backwards (negative stride).
    std::array<bool, Rank> reversed{};
    // Stride of the innermost physical dimension.
    index_t inner_step = 1;
};

namespace layouts {

// PyTorch's default: [batch][heads][seq][dim], contiguous.
inline layout<4> bhsd() { return {"BHSD", {0, 1, 2, 3}, {}, {}, {}, 1}; }
// A fused projection's output: [batch][seq][heads][dim], contiguous.
inline layout<4> bshd() { return {"BSHD", {0, 2, 1, 3}, {}, {}, {}, 1}; }
// Sequence-major: [seq][batch][heads][dim].
inline layout<4> sbhd() { return {"SBHD", {2, 0, 1, 3}, {}, {}, {}, 1}; }
// Heads outermost: [heads][batch][seq][dim].
inline layout<4> hbsd() { return {"HBSD", {1, 0, 2, 3}, {}, {}, {}, 1}; }
// BHSD with a gap after every row, after every head's rows, after every batch
// entry, and the view starting inside the padded storage.
inline layout<4> padded() { return {"BHSD padded", {0, 1, 2, 3}, {1, 1, 2, 3}, {1, 0, 1, 2}, {}, 1}; }
// BSHD heads [2, 2 + heads) of a storage holding heads + 3 heads (q sliced out of
// a fused QKV tensor, say), plus a gap after every row.
inline layout<4> sliced_heads() { return {"BSHD sliced heads", {0, 2, 1, 3}, {0, 3, 0, 1}, {0, 2, 0, 0}, {}, 1}; }
// BHSD with the sequence walked backwards (negative seq stride), unit innermost stride.
inline layout<4> reversed_seq() { return {"BHSD reversed seq", {0, 1, 2, 3}, {0, 0, 1, 0}, {0, 0, 1, 0}, {false, false, true, false}, 1}; }
// BHSD with every other element of a row used: innermost stride 2. Only the
// naive and automatic variants accept this.
inline layout<4> strided_dim() { return {"BHSD head_dim stride 2", {0, 1, 2, 3}, {}, {}, {}, 2}; }
// head_dim outermost ("DSHB"): innermost stride is the largest one.
inline layout<4> dim_major() { return {"dim-major", {3, 2, 1, 0}, {}, {}, {}, 1}; }

// Layouts with unit stride along head_dim: every variant accepts them.
inline std::vector<layout<4>> unit_stride_layouts() {
    return {bhsd(), bshd(), sbhd(), hbsd(), padded(), sliced_heads()};
}

// Rank 3 (log-sum-exp): [batch][heads][seq] contiguous.
inline layout<3> bhs() { return {"BHS", {0, 1, 2}, {}, {}, {}, 1}; }
// [seq][batch][heads]: the BSHD counterpart.
inline layout<3> sbh() { return {"SBH", {2, 0, 1}, {}, {}, {}, 1}; }
// Gaps around every dimension and a stride-3 innermost step.
inline layout<3> padded3() { return {"BHS padded, step 3", {0, 1, 2}, {1, 2, 1}, {0, 1, 1}, {}, 3}; }

inline std::vector<layout<3>> lse_layouts() { return {bhs(), sbh(), padded3()}; }

}  // namespace layouts

// ---- buffers --------------------------------------------------------------------

// Owned storage and one view into it.
template <class T, std::size_t Rank>
struct buffer {
    storage<T> mem;
    attnkit::strided_view<T, Rank> view;
    std::string layout_name;

    attnkit::strided_view<const T, Rank> cview() const { return view; }
    const std::array<index_t, Rank>& extents() const { return view.extents(); }

    // in_view()[n] tells whether storage element n belongs to the view.
    std::vector<bool> in_view() const {
        std::vector<bool> inside(mem.size(), false);
        if (mem.size() == 0) return inside;
        const index_t base = view.data() - mem.data();
        for_each_index(view.extents(), [&](const std::array<index_t, Rank>& idx) {
            inside[static_cast<std::size_t>(base + offset_of(view, idx))] = true;
        });
        return inside;
    }
};

template <class T>
using buffer4 = buffer<T, 4>;
template <class T>
using buffer3 = buffer<T, 3>;

// Allocates storage for a view of the given extents in the given layout. The
// storage is value-initialised; a layout over zero elements gets no storage and
// a null data pointer.
template <class T, std::size_t Rank>
buffer<T, Rank> make_buffer(const std::array<index_t, Rank>& extents, const layout<Rank>& l) {
    std::array<index_t, Rank> physical{}, stride{};
    index_t total = 1;
    for (std::size_t d = 0; d < Rank; ++d) {
        physical[d] = extents[d] + l.pad[d];
        total *= physical[d];
    }
    total *= l.inner_step;
    index_t running = l.inner_step;
    for (std::size_t k = Rank; k-- > 0;) {
        const std::size_t d = l.order[k];
        stride[d] = running;
        running *= std::max<index_t>(physical[d], 1);
    }

    buffer<T, Rank> b;
    b.layout_name = l.name;
    b.mem = storage<T>(static_cast<std::size_t>(total));
    index_t base = 0;
    std::array<index_t, Rank> signed_stride = stride;
    for (std::size_t d = 0; d < Rank; ++d) {
        if (l.reversed[d]) {
            base += (l.offset[d] + std::max<index_t>(extents[d], 1) - 1) * stride[d];
            signed_stride[d] = -stride[d];
        } else {
            base += l.offset[d] * stride[d];
        }
    }
    b.view = attnkit::strided_view<T, Rank>(total > 0 ? b.mem.data() + base : nullptr, extents, signed_stride);
    return b;
}

// Fills every element of the view with f(idx).
template <class T, std::size_t Rank, class F>
void fill_view(const buffer<T, Rank>& b, F&& f) {
    for_each_index(b.extents(), [&](const std::array<index_t, Rank>& idx) { element(b.view, idx) = f(idx); });
}

// An input tensor: random values in the view, NaN in the gaps.
template <class T, std::size_t Rank>
buffer<T, Rank> make_input(rng& r, const std::array<index_t, Rank>& extents, const layout<Rank>& l,
                           distribution d = distribution::uniform) {
    buffer<T, Rank> b = make_buffer<T>(extents, l);
    b.mem.fill(quiet_nan<T>());
    fill_view(b, [&](const std::array<index_t, Rank>&) { return draw<T>(r, d); });
    return b;
}

// A copy of a view's elements in a new buffer of the given layout (gaps: NaN
// for floating point, false for bool).
template <class E, std::size_t Rank>
buffer<std::remove_const_t<E>, Rank> copy_view(const attnkit::strided_view<E, Rank>& t, const layout<Rank>& l) {
    using T = std::remove_const_t<E>;
    buffer<T, Rank> c = make_buffer<T>(t.extents(), l);
    if constexpr (std::numeric_limits<T>::has_quiet_NaN) c.mem.fill(quiet_nan<T>());
    fill_view(c, [&](const std::array<index_t, Rank>& idx) { return element(t, idx); });
    return c;
}

// A copy of b's view, laid out anew.
template <class T, std::size_t Rank>
buffer<T, Rank> relayout(const buffer<T, Rank>& b, const layout<Rank>& l) {
    return copy_view(b.view, l);
}

// The part [first, first + count) of dimension dim of a view, as a view.
template <class E, std::size_t Rank>
attnkit::strided_view<E, Rank> slice(const attnkit::strided_view<E, Rank>& t, std::size_t dim, index_t first,
                                     index_t count) {
    std::array<index_t, Rank> extents = t.extents();
    extents[dim] = count;
    return attnkit::strided_view<E, Rank>(t.data() + first * t.stride(dim), extents, t.strides());
}

}  // namespace attnkit_test
