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
    // S^T = K Q^T: score_keys x score_vectors accumulators, + score_vectors loads + 1 broadcast.
    // 32 registers: 6 x 4 + 4 + 1 = 29; 16 registers: 6 x 2 + 2 + 1 = 15.
    static constexpr int score_keys = 6;
    static constexpr int score_vectors = wide_file ? 4 : 2;
    // O += P V: value_rows x value_vectors accumulators, + value_vectors loads + 1 broadcast.
    // value_rows divides the vector width so padded query tiles need no row tail.
    static constexpr int value_rows = lanes < 4 ? lanes : 4;
    static constexpr int value_vectors = wide_file ? 4 : (lanes < 4 ? 4 : 2);
};

// Default tile sizes when config leaves them 0. block_q is rounded up to a
// multiple of the vector width. Provenance: bench/ sweeps on a 2-core AVX-512
// Xeon (L1d 32 KiB, L2 1 MiB per core); see README "Tuning".
struct block_sizes {
    index_t block_q;
    index_t block_kv;
};
template <class T>
constexpr block_sizes default_blocks() {
    return {64, 256};
}

// automatic picks the parallel variant when the problem has at least this many
// multiply-adds per available thread (below it, thread start-up dominates).
inline constexpr double parallel_min_flop_per_thread = 4.0e6;

}  // namespace tuning
}  // namespace attnkit
