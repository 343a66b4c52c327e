// attnkit: every tuned constant of the library, in one table, with where it
// came from. Register tiles follow from register counts; block sizes and the
// automatic heuristic's thresholds were measured with bench/ (see the notes).
#pragma once

#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "attnkit/view.hpp"

namespace attnkit {
namespace tuning {

// Register blocking of the micro-kernels (detail/microkernels.hpp), by the
// number of vector registers of the ISA: accumulators + operands must fit.
template <class T, class Arch>
struct register_tile {
    static constexpr int lanes = static_cast<int>(xsimd::batch<T, Arch>::size);
    // AVX-512 and AArch64 have 32 vector registers; SSE2 and AVX2 have 16.
    static constexpr bool wide_file =
        std::is_base_of_v<xsimd::avx512f, Arch> || std::is_same_v<Arch, xsimd::neon64>;
    // S^T = K Q^T: score_keys x score_vectors accumulators + score_vectors loads
    // + 1 broadcast: 14 x 2 + 2 + 1 = 31 of 32 registers, 6 x 2 + 2 + 1 = 15 of 16.
    // Two vectors of queries keep the Q^T panel (head_dim x 2 vectors) in L1
    // while the key rows stream past it. Measured against 12x2, 8x3 and 6x4.
    static constexpr int score_keys = wide_file ? 14 : 6;
    static constexpr int score_vectors = 2;
    // The product over head_dim runs in chunks of score_depth, so the Q^T
    // panel (score_depth x score_vectors vectors) is 16 KiB and stays in half a
    // 32 KiB L1d at any head_dim (the study's square shapes reach 1024).
    static constexpr int score_depth = 16384 / (score_vectors * lanes * static_cast<int>(sizeof(T)));
    // O += P V: value_rows x value_vectors accumulators + value_vectors loads
    // + 1 broadcast: 8 x 3 + 3 + 1 = 28 of 32, 4 x 2 + 2 + 1 = 11 of 16. 24
    // multiply-adds per 3 value loads keep the V panel's L1 traffic in budget.
    static constexpr int value_rows = wide_file ? 8 : 4;
    static constexpr int value_vectors = wide_file ? 3 : 2;
};

// Default tile sizes when config leaves them 0. block_q is rounded up to a
// multiple of the vector width. Provenance: a sweep of block_q in {32, 64, 128}
// x block_kv in {128, 256, 512} x six register tiles, flash on one thread, on
// a 16-core AVX-512 Xeon (Sapphire Rapids, L2 2 MiB per core), float32 and
// float64, head_dim 64 and 128, causal and not: 128 x 256 with the register
// tiles above was best or within noise of the best on every shape.
struct block_sizes {
    index_t block_q;
    index_t block_kv;
};
template <class T>
constexpr block_sizes default_blocks() {
    return {128, 256};
}

// automatic picks the parallel variant when the problem has at least this many
// multiply-adds per available thread (below it, thread start-up dominates).
inline constexpr double parallel_min_flop_per_thread = 4.0e6;

}  // namespace tuning
}  // namespace attnkit
