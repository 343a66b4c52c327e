// attnkit benchmarks: input and output storage aligned to 64 bytes, as the
// tensors of the frameworks attnkit is compared with are (PyTorch's CPU
// allocator aligns to 64). std::vector's large blocks start 16 bytes into a
// page, so every 64-byte load of a K, V or output row would cross a cache
// line: measured with a variant of bench/ab on the 16-core Sapphire Rapids
// host, 16-byte offset against 64-byte alignment, median of 15 paired ratios:
// 1.021 (f32 S2048 D128, 1 thread), 1.016 (D64), 1.029 (16 threads), 1.045
// (decode MHA). The library itself accepts any alignment.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace attnkit_bench {

template <class T>
struct aligned_allocator {
    using value_type = T;
    static constexpr std::align_val_t alignment{64};

    aligned_allocator() = default;
    template <class U>
    aligned_allocator(const aligned_allocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)

    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), alignment)); }
    void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, alignment); }

    template <class U>
    bool operator==(const aligned_allocator<U>&) const noexcept {
        return true;
    }
    template <class U>
    bool operator!=(const aligned_allocator<U>&) const noexcept {
        return false;
    }
};

template <class T>
using aligned_vector = std::vector<T, aligned_allocator<T>>;

}  // namespace attnkit_bench
