// attnkit benchmarks: the one FLOP convention of every benchmark and report.
// Free of attnkit's types, so that bench/ab (which links two builds of the
// library) uses it too.
#pragma once

#include <algorithm>
#include <cstdint>

namespace attnkit_bench {

// Query-key pairs (i, j) one head computes: all seq_q * seq_kv of them without
// a mask; under a causal mask only the visible ones, with the library's rule
// (causal_mask in include/attnkit/detail/mask.hpp: key j is visible to query
// i iff j <= i + offset, offset 0 for top-left, seq_kv - seq_q for
// bottom-right). Exact, by summing rows. A copy of causal_mask::visible_pairs
// because bench/ab's main links two builds of the library and so includes
// none of it; tests/test_causal.cpp checks that the two agree.
inline double visible_pairs(std::int64_t seq_q, std::int64_t seq_kv, bool causal, std::int64_t offset) {
    if (!causal) return double(seq_q) * double(seq_kv);
    double pairs = 0;
    for (std::int64_t i = 0; i < seq_q; ++i) pairs += double(std::clamp<std::int64_t>(i + offset + 1, 0, seq_kv));
    return pairs;
}

// FLOP of one sdpa() call, counting the two matrix products only (the
// softmax's exp, max and sums are not counted): each visible (i, j) pair costs
// 2*D for its score q_i . k_j and 2*Dv for adding p_ij * v_j, so
//   FLOP = 2 * B * H * pairs * (D + Dv),
// which is 4*B*H*Sq*Skv*D for a non-causal call with Dv = D; a top-left causal
// call with Sq = Skv has pairs = Skv*(Skv+1)/2 per head.
inline double attention_flop(std::int64_t batch, std::int64_t heads_q, double pairs_per_head, std::int64_t head_dim,
                             std::int64_t head_dim_v) {
    return 2.0 * double(batch) * double(heads_q) * pairs_per_head * double(head_dim + head_dim_v);
}

}  // namespace attnkit_bench
