// attnkit: the shape bucket of a wisdom entry, and the distance that picks the
// nearest tuned problem for a call (docs/wisdom.md).
//
// Plain integers and the standard library only: the wisdom store keeps these
// in its one process-wide table, which every translation unit must see as the
// same type whatever flags it is compiled with (see detail/wisdom_store.hpp).
// attnkit's enums appear as their integer values (wisdom.hpp converts when
// loading, sdpa.hpp when looking up, both with static_cast).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace attnkit::process_wide {

// What must match exactly (causal, mask) and the extents the distance is taken over.
struct shape_bucket {
    int causal = 0;  // the effective causal mode: static_cast<int>(attnkit::causal)
    int mask = 0;    // static_cast<int>(attnkit::mask_kind)
    std::int64_t batch = 0, heads_q = 0, heads_kv = 0, seq_q = 0, seq_kv = 0, head_dim = 0, head_dim_v = 0;

    // Query heads per kv head (1 where there are no heads).
    std::int64_t group() const noexcept { return heads_kv > 0 && heads_q > 0 ? heads_q / heads_kv : 1; }

    friend bool operator==(const shape_bucket& a, const shape_bucket& b) noexcept {
        return a.causal == b.causal && a.mask == b.mask && a.batch == b.batch && a.heads_q == b.heads_q &&
               a.heads_kv == b.heads_kv && a.seq_q == b.seq_q && a.seq_kv == b.seq_kv &&
               a.head_dim == b.head_dim && a.head_dim_v == b.head_dim_v;
    }
    friend bool operator!=(const shape_bucket& a, const shape_bucket& b) noexcept { return !(a == b); }
};

// The largest distance at which a tuned entry still applies: a factor of 4 in
// one extent, or of 2 in each of two (say seq_q and seq_kv both doubled).
// Beyond it the tuned block sizes and thread counts say little about the call,
// and variant::automatic keeps its heuristic.
inline constexpr double wisdom_max_distance = 2.0;

// The six scales that decide which variant and tiles are fastest, as log2:
// the independent (batch, head) items the threads share (batch x heads_q),
// the grouped-query group, seq_q, seq_kv, head_dim and head_dim_v. Sizes
// below 1 count as 1 (empty extents have no scale); in double, because a
// product of two extents may not fit in an integer.
struct bucket_scales {
    std::array<double, 6> log2{};
};

inline double log2_of_size(double x) noexcept { return std::log2(std::max(x, 1.0)); }

inline bucket_scales scales_of(const shape_bucket& b) noexcept {
    const auto size = [](std::int64_t x) { return static_cast<double>(x); };
    return {{log2_of_size(size(b.batch) * size(b.heads_q)), log2_of_size(size(b.group())), log2_of_size(size(b.seq_q)),
             log2_of_size(size(b.seq_kv)), log2_of_size(size(b.head_dim)), log2_of_size(size(b.head_dim_v))}};
}

// Sum of |log2 ratio| over the scales: 0 for the same extents, 1 for one of
// them doubled. Only meaningful between buckets of the same causal mode and
// mask kind. (The table keeps each entry's scales, so a lookup takes no
// logarithm per entry.)
inline double scale_distance(const bucket_scales& a, const bucket_scales& b) noexcept {
    double d = 0;
    for (std::size_t n = 0; n < a.log2.size(); ++n) d += std::fabs(a.log2[n] - b.log2[n]);
    return d;
}

inline double bucket_distance(const shape_bucket& a, const shape_bucket& b) noexcept {
    return scale_distance(scales_of(a), scales_of(b));
}

}  // namespace attnkit::process_wide
