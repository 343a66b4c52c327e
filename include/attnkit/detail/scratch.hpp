// attnkit: the one way the library allocates memory: scratch buffers whose
// size is a product of counts, computed with overflow checks.
//
// Sizes derive from the problem's extents and config's tile sizes, and
// validation bounds only the index arithmetic of the views: a broadcast k of
// 2^57 keys (stride 0) is a valid input whose blocked-variant scratch, keys x
// query rows x sizeof(T), does not fit in size_t. An unchecked product would
// wrap to a small buffer that the kernel then overruns. Here every product is
// checked, and a size that does not fit throws std::bad_array_new_length (a
// std::bad_alloc) before anything is written; an allocation the system
// refuses throws std::bad_alloc as well. That is the library's one behaviour
// on allocation failure (README, "Rejected inputs").
#pragma once

#include <cstddef>
#include <initializer_list>
#include <limits>
#include <new>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/view.hpp"

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

// x rounded up to a multiple of m (m > 0): scratch dimensions in whole vectors.
inline constexpr index_t round_up(index_t x, index_t m) noexcept { return (x + m - 1) / m * m; }

// The product of non-negative counts times bytes_each, or std::bad_array_new_length
// when it does not fit in std::size_t (or a count is negative, which no caller
// intends but a wrapped index would give).
inline std::size_t checked_bytes(std::initializer_list<index_t> counts, std::size_t bytes_each) {
    std::size_t bytes = bytes_each;
    for (const index_t c : counts) {
        if (c < 0) throw std::bad_array_new_length();
        const auto n = static_cast<std::size_t>(c);
        if (n != 0 && bytes > std::numeric_limits<std::size_t>::max() / n) throw std::bad_array_new_length();
        bytes *= n;
    }
    return bytes;
}

// Scratch memory of one worker: the product of counts elements of T, aligned
// for the widest vector (64 bytes), uninitialised (T is a number, a flag or an
// enum). Allocated before any output is written, so a failure leaves out and
// lse untouched. Zero elements still allocate one, so get() is never null.
template <class T>
class aligned_scratch {
public:
    static constexpr std::align_val_t alignment{64};
    explicit aligned_scratch(std::initializer_list<index_t> counts)
        : data_(static_cast<T*>(::operator new(nonzero(checked_bytes(counts, sizeof(T))), alignment))) {}
    explicit aligned_scratch(index_t count) : aligned_scratch({count}) {}
    ~aligned_scratch() { ::operator delete(data_, alignment); }
    aligned_scratch(const aligned_scratch&) = delete;
    aligned_scratch& operator=(const aligned_scratch&) = delete;
    T* get() const noexcept { return data_; }

private:
    static constexpr std::size_t nonzero(std::size_t bytes) noexcept { return bytes > 0 ? bytes : sizeof(T); }
    T* data_;
};

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
