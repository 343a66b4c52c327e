// attnkit: K with its rows moved apart in the cache when their stride makes
// them collide, copied once per call for the tile engines.
//
// The score micro-kernel (microkernels.hpp, scores_block) walks
// tuning::register_tile::score_keys key rows at once (14 with AVX-512), one
// element of each per step along head_dim. An L1d is 64 sets of 64-byte lines;
// rows whose stride is a multiple of 4 KiB all map to the same set, and a
// stride that is a multiple of 2 KiB to two: 14 lines live at once in sets of
// 8 ways (Zen 4, 32 KiB) or 12 (Sapphire Rapids, 48 KiB), so the kernel's
// broadcasts keep missing L1. That is every contiguous K at head_dim 512 in
// float and 256 in double and above, and the [batch, seq, heads, head_dim]
// layouts (seq stride heads x head_dim, a fused qkv projection's 3 x that)
// at most head counts. Such a K is copied once, before any tile runs, with one
// cache line more than head_dim per row, so consecutive rows start in
// consecutive sets. The copy reads K once, which every query tile does
// anyway; it costs one K of memory, and broadcast dimensions (stride 0) stay
// broadcast. The values are the same, so results do not change by a bit.
// Measured: tuning.hpp, key_row_alias_bytes.
#pragma once

#include <algorithm>
#include <optional>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/detail/scratch.hpp"
#include "attnkit/detail/problem.hpp"
#include "attnkit/tuning.hpp"

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

template <class T>
class unaliased_keys {
public:
    // Allocates the copy when K's rows alias; the rows are written by copy()
    // or, shared among a parallel region's threads, by copy_row(0 .. rows()).
    explicit unaliased_keys(const problem<T>& p)
        : original_(p),
          copy_(p),
          ld_(round_up(p.head_dim, line) + line),
          batches_(p.k.stride(0) == 0 ? 1 : p.batch),
          heads_(p.k.stride(1) == 0 ? 1 : p.heads_kv) {
        // No copy, no allocation (docs/api.md, "Memory").
        if (!tuning::key_rows_alias(p.k.stride(2) * static_cast<index_t>(sizeof(T)), p.seq_kv)) return;
        rows_.emplace({batches_, heads_, p.seq_kv, ld_});
        const index_t head_stride = p.k.stride(1) == 0 ? 0 : p.seq_kv * ld_;
        const index_t batch_stride = p.k.stride(0) == 0 ? 0 : heads_ * p.seq_kv * ld_;
        copy_.k = tensor4<const T>(rows_->get(), p.k.extents(), {batch_stride, head_stride, ld_, 1});
    }

    // K rows to copy (all heads and batches that are not broadcast); 0 when
    // K is used as given.
    index_t rows() const noexcept { return copied() ? batches_ * heads_ * original_.seq_kv : 0; }

    // Copies row r of rows(): its head_dim values, then zeros to the padded
    // stride. Rows are independent, so threads may share them out.
    void copy_row(index_t r) noexcept {
        const index_t j = r % original_.seq_kv, bh = r / original_.seq_kv;
        const T* from = row_start(original_.k, bh / heads_, bh % heads_, j);
        T* to = rows_->get() + r * ld_;
        std::copy(from, from + original_.head_dim, to);
        std::fill(to + original_.head_dim, to + ld_, T(0));
    }

    // Every row, on the calling thread.
    void copy() noexcept {
        for (index_t r = 0, n = rows(); r < n; ++r) copy_row(r);
    }

    // The problem the tile engines run on: the caller's, or the same with K
    // pointing at the copy.
    const problem<T>& get() const noexcept { return copied() ? copy_ : original_; }
    bool copied() const noexcept { return rows_.has_value(); }

private:
    static constexpr index_t line = 64 / static_cast<index_t>(sizeof(T));

    const problem<T>& original_;
    problem<T> copy_;
    index_t ld_, batches_, heads_;
    std::optional<aligned_scratch<T>> rows_;  // the copy, when there is one
};

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
