// attnkit: software prefetch of the rows a tile engine reads next into L2.
//
// A tile engine reads each key tile's K rows and V rows from memory once per
// query tile: one head's K and V outgrow L2 from seq_kv x head_dim x
// sizeof(T) of about 1 MiB (S 2048 at D 128 in float), so every query tile
// streams them in again from the last-level cache. The hardware prefetchers
// follow the streams, but the score kernel walks 14 rows at once and starts
// each tile cold; asking for the next rows while the current ones are being
// multiplied hides that latency behind arithmetic. The requests are spread
// over the kernel calls (a few lines each) so that they never fill the core's
// miss buffers in one burst: the V rows of a key tile during its scores' first
// pass, the next key tile's K rows during the P V product.
// Measured with bench/ab/run.sh (d46a096 against this, 11 rounds, median of
// the paired ratios new / old, flash on 1 thread, outputs bitwise equal) on
// the 2-core AVX-512 Xeon VM (L2 2 MiB per core): f32 B1 H16 S2048 D128 0.933,
// causal 0.924, D64 S1024 0.917, f64 D128 0.934; one head S = D = 1024 0.981,
// 512 0.978 (there K and V tiles are reread from L2, not memory). On the
// 16-core Sapphire Rapids device, same binary, 11 rounds, a loaded host (the
// slowest f64 round 2.3x its fastest): 1 thread 1.037 (f32 D128), 0.995
// (causal), 0.991 (D64), 1.005 (f64), 1.054 and 1.035 (square 1024, 512),
// 1.029 (square f64 1024); 16 threads 1.002, 0.992 (causal), 1.018 (square
// 1024). Kept: a gain of 7-8 % where the VM's memory is the bottleneck, within
// the device's noise elsewhere (docs/kernel-speed.md).
#pragma once

#include <algorithm>
#include <cstddef>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/view.hpp"

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

// Hint that [p, p + bytes) will be read soon, into L2 (not L1: the kernels'
// L1 working set is already full).
inline void prefetch_to_l2(const void* p, std::size_t bytes) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    const char* c = static_cast<const char*>(p);
    for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(c + off, 0, 2);
#else
    (void)p;
    (void)bytes;
#endif
}

// Rows [first, last) of a matrix of `cols` elements per row at row stride
// `stride`, clamped to [0, end).
template <class T>
inline void prefetch_rows(const T* base, index_t stride, index_t cols, index_t first, index_t last,
                          index_t end) noexcept {
    if (!base) return;
    last = std::min(last, end);
    for (index_t r = first; r < last; ++r)
        prefetch_to_l2(base + r * stride, static_cast<std::size_t>(cols) * sizeof(T));
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
