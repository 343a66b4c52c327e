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

// O += P V runs over chunks of keys whose weights (keys x block_q values)
// take this many bytes: with the chunk's V panel (keys x value_vectors
// vectors, 12 KiB at 64 float keys) they stay in a 48 KiB L1d while every
// block of queries passes over them. Provenance: a build taking the chunk at
// run time, one process interleaving chunks of 16, 32 and 64 keys and no
// chunking, 7-9 calls each, minimum times, flash/parallel at B1 H16 on the
// 16-core Sapphire Rapids host (48 KiB L1d): 64 float keys (this value at
// block_q 128) was fastest or within 1% of it: against no chunking, D 64 1
// thread -8%, D 128 16 threads -7%, D 128 1 thread -2%, double (32 keys) -1%.
inline constexpr index_t value_chunk_bytes = 32768;

// Padding, in elements, after each row of the tile engine's scratch with one
// column per query (Q^T and S^T): one cache line. With block_q 128 float a row
// is 512 bytes, so the rows a kernel walks down (the softmax's column passes
// over 256 keys, a Q^T panel over head_dim) fall into 8 of an L1d's 64 sets:
// 32 lines per set against 12 ways (8 on older cores), and every access misses
// L1. A row of 512 + 64 bytes moves the next row by 9 lines, so 64 rows in a
// row use all 64 sets. A multiple of the vector, so rows stay aligned.
// Measured on the 16-core Sapphire Rapids host, both builds in one process,
// calls alternated, median of 21 paired ratios (padded / unpadded), 1 thread:
// f32 B1 H16 S2048 D128 0.965, causal 0.990, D64 S1024 0.980, f64 0.975;
// 16 threads 0.984.
template <class T, class Arch>
constexpr index_t scratch_row_padding() {
    constexpr index_t line = 64 / static_cast<index_t>(sizeof(T));
    constexpr index_t lanes = register_tile<T, Arch>::lanes;
    return line > lanes ? line : lanes;
}

// K rows whose stride in bytes is a multiple of this are copied one cache
// line apart before the tile engines run (detail/unaliased_keys.hpp): the
// score kernel's 14 rows then no longer share one of an L1d's 64 sets.
// Measured on a 2-core AMD EPYC VM (Zen 4, 32 KiB 8-way L1d), flash on 1
// thread. First the gain without the copy's cost: a K view with one line of
// padding per row against a contiguous K, same values, 7 interleaved calls,
// median ratio padded / contiguous: stride 4 KiB (f32 dim 1024, f64 dims 512
// and 1024) 0.792, 0.773, 0.833; 2 KiB (f32 512, f64 256) 0.966, 0.927; 1 KiB
// (f32 256) 0.988; dim 768 (3 and 6 KiB) 1.002, 1.044. Then the copy against
// no copy, bench/ab/run.sh (7-15 rounds, bitwise equal): 4 KiB f32 1024
// 0.861, f64 1024 0.808, f64 512 0.915; but 2 KiB f64 256 1.094 and f32 512
// 1.022, where a fresh copy's page faults and the copy outweigh the gain:
// hence 4 KiB. PyTorch's [batch, seq, heads, head_dim] layout (seq stride 8-16
// KiB): 1.17-1.33x slower than the same K contiguous before the copy
// (f32 B1 H16 S2048 D128, H32 S1024 D64, f64 H16 S1024 D128), 1.02-1.06x after.
// On the 16-core Sapphire Rapids device (48 KiB 12-way L1d), bench/ab/run.sh
// dc1d435 7fe887f, 21 rounds, bitwise equal: flash 1 thread square f32 1024
// 1.004, f64 512 0.993 (its larger L1 suffers less); parallel 16 threads
// square f32 1024 1.030, f64 1024 1.021, f64 512 0.997, and f32 B1 H16 S2048
// D128 (no copy) 1.003. The copy in a parallel region of its own (a195b11)
// had measured 1.21 and 1.16 at square 1024 on 16 threads there: the threads
// woke twice; since 7fe887f the workers copy at the start of their one region.
inline constexpr index_t key_row_alias_bytes = 4096;

// Whether K rows of this stride (bytes) are copied (seq_kv rows per head).
constexpr bool key_rows_alias(index_t row_stride_bytes, index_t seq_kv) noexcept {
    return seq_kv > 1 && row_stride_bytes != 0 && row_stride_bytes % key_row_alias_bytes == 0;
}

// Whether the tile engines of an instruction set compute S = Q K^T through
// LIBXSMM when the program is built with it (detail/small_gemm.hpp): the
// AVX-512 kernels, the product of every key tile the causal mask does not cut
// (on the diagonal the micro-kernel skips the hidden blocks), and not P V.
// Provenance: bench/ab/run.sh 135e227 against the candidates, AVX-512 build,
// on the 16-core Sapphire Rapids device, 7 rounds, median of the paired
// ratios new / old, outputs bitwise equal in every case. Alone, LIBXSMM's
// kernels at the engine's tile sizes (quiet host, probe 240-246 GFLOP/s):
// scores 128 x 252 x {64, 128, 1024} 98-101 % of the probe; P V with P as the
// transposed operand, head_dim_v {64, 128, 1024} x 128 x 252, 86 %, 91 %, 79 %.
// Scores through LIBXSMM, flash 1 thread: f32 B1 H16 S2048 D64 0.962, D80
// 0.966, D96 0.991, D128 0.993, D256 0.962, causal D128 1.023; GQA 16/4 S512
// D64 0.925, causal D128 0.976; f64 H16 S1024 D128 0.963, causal GQA S2048
// 0.956; square f32 128-1024 0.913-0.947, f64 256, 512, 1024 0.941, 0.918,
// 0.899; parallel 16 threads 0.885-0.960 on six cases. Both products through
// LIBXSMM (another run of the same session): P V lost where the scores won,
// D80 1.005, D96 1.023, f64 D128 1.055, f64 square 1024 1.323 (P V alone:
// D80 1.120, f64 square 1024 1.379), hence the scores only.
template <class Arch>
inline constexpr bool tile_scores_by_libxsmm = std::is_base_of_v<xsimd::avx512f, Arch>;

// Whether those engines also compute P V through LIBXSMM, for value rows of
// this many bytes (head_dim_v x sizeof(T)): on key tiles of block_kv keys
// that the causal mask does not cut, with P^T transposed into a buffer and V
// copied by blocks of value_gemm_columns columns into a panel, so that the
// kernels (O^T += V^T P^T) read neither a transposed operand nor V's rows a
// long stride apart (tile_engine.hpp, accumulate_values_by_gemm). What it
// gains is the micro-kernels' loss on V rows 4 KiB apart, which fall into
// the same few sets of L1. Provenance: bench/ab/run.sh 01111f3 against the
// candidate with P V through LIBXSMM from head_dim_v 256 (flash 1 thread,
// outputs bitwise equal), median of the paired ratios new / old. On the
// 16-core Sapphire Rapids device (7 rounds, quiet host): square f32 1024, 768,
// 512, 256 0.952, 0.991, 1.023, 1.058; f64 0.930, 0.926, 0.952, 1.020; f32 B1
// H16 S2048 D256 1.026, causal 1.076, GQA 16/4 S512 1.021; parallel 16
// threads f64 square 1024 0.897. On the 2-core AVX-512 VM (5 rounds): square
// f32 0.897, 0.976, 0.999, 1.031, f64 0.860, 0.908, 0.907, 1.038; D256 0.962-
// 0.974. Hence rows of 4 KiB and more (float from head_dim_v 1024, double
// from 512). With that rule (961c9d3 against 01111f3): device, 11 rounds,
// square f32 1024 0.951, f64 1024, 768, 512 0.919, 0.926, 0.945, parallel 16
// threads f64 square 1024 0.865, while the shapes the rule leaves alone read
// 0.961-0.989 (the refactored micro-kernel loop, or that host's drift); 2-core
// VM, 9 rounds, quiet: square f32 1024 0.957, f32 S2048 D1024 (one head)
// 0.949, f64 1024, 768, 512 0.943, 0.966, 0.967, parallel 2 threads f32 and
// f64 square 1024 0.966, 0.952; B1 H16 S1024 D128 0.998. LIBXSMM's kernels
// alone on the 2-core VM (noisy): P V from V's rows 4 KiB apart 142-176
// GFLOP/s, from a panel 165-231 (probe 232-246). Blocks of 256 columns: 128
// neutral (0.980-1.003, 9 rounds), 64 a few per cent slower at square 1024,
// all 1024 in one call 1.6x slower in double (its panel of V outgrows L2).
template <class T, class Arch>
constexpr bool tile_values_by_libxsmm(index_t head_dim_v) noexcept {
    return tile_scores_by_libxsmm<Arch> && head_dim_v * static_cast<index_t>(sizeof(T)) >= 4096;
}
inline constexpr index_t value_gemm_columns = 256;

// Default tile sizes when config leaves them 0. block_q is rounded up to a
// multiple of the vector width. Provenance: a sweep of block_q in {32, 64, 128}
// x block_kv in {128, 256, 512} x six register tiles, flash on one thread, on
// a 16-core AVX-512 Xeon (Sapphire Rapids, L2 2 MiB per core), float32 and
// float64, head_dim 64 and 128, causal and not: 128 x 256 with the register
// tiles above was best or within noise of the best on every shape. block_kv is
// then 252, not 256: a multiple of score_keys on either register file (14 and
// 6), so the score kernel's last block of keys in a tile is not 4 keys padded
// to 14 (3.9 % of the score products wasted). Measured with the padding above
// and the score kernel's fused maximum, against 256 with the padding alone, in
// the same run as the padding: fastest call 0.958 (f32 D128), 0.976 (causal),
// 0.978 (D64), 0.977 (f64), 0.965 (16 threads). 128 x 252 checked again
// against 64 x 252, 128 x 504 and 256 x 252 with bench/ab/run.sh (13 rounds,
// median ratio other / this): f32 D128 1 thread 1.066, 1.001, 1.011; causal
// 1.025, 0.991, 1.052; D64 1.007, 0.975, 0.987; f64 1.015, 1.012, 1.056;
// 16 threads 1.095, 1.005, 1.012: none better by more than the noise.
struct block_sizes {
    index_t block_q;
    index_t block_kv;
};
template <class T>
constexpr block_sizes default_blocks() {
    return {128, 252};
}

// At head_dim >= 256 a query tile of 256 rows where its working set fits:
// each query tile streams its key tiles' K and V rows (2 x block_kv x head_dim
// values) through L2, and twice the rows halve that traffic per FLOP. The
// working set of a tile engine, in bytes: Q^T and the output accumulator
// (block_q x (head_dim + head_dim_v)), S^T and one key tile's K and V rows
// (block_kv x (block_q + head_dim + head_dim_v)); it must stay within three
// quarters of a 2 MiB L2. That admits float at head_dim 256 (1.30 MiB with
// block_kv 252) and nothing in double or at head_dim 512. Measured on the
// 2-core AVX-512 VM (2 MiB L2 per core), flash on 1 thread, 11 interleaved
// calls per tile setting, median ratio to 128 x 252: float B1 H16 S2048 D256
// 0.926, causal 0.941, S1024 0.960, S512 0.969; and where the rule keeps 128:
// f64 D256 1.031, f32 D128 0.990, D96 1.022, one head S = D = 1024 1.056.
// Then the library with this rule against the one before it, bench/ab/run.sh
// (9 rounds, flash 1 thread, outputs bitwise equal): f32 B1 H16 S2048 D256
// 0.926, causal 0.931, GQA 16/4 0.899, S512 0.962. Not yet measured on the
// 16-core device.
inline constexpr index_t wide_head_block_q = 256;
inline constexpr index_t wide_head_min_head_dim = 256;
inline constexpr double tile_working_set_bytes = 1.5 * 1024 * 1024;

// The default block_q (config.block_q = 0) of a tile engine with key tiles of
// block_kv keys.
template <class T>
constexpr index_t default_block_q(index_t head_dim, index_t head_dim_v, index_t block_kv) noexcept {
    const index_t q = wide_head_block_q;
    const double bytes = static_cast<double>(sizeof(T)) *
                         (static_cast<double>(q) * static_cast<double>(head_dim + head_dim_v) +
                          static_cast<double>(block_kv) * static_cast<double>(q + head_dim + head_dim_v));
    return head_dim >= wide_head_min_head_dim && bytes <= tile_working_set_bytes ? q : default_blocks<T>().block_q;
}

// The automatic heuristic's parallel settings (sdpa.hpp, heuristic_variant),
// refit from the tuner's recorded exhaustive sweeps (bench/tune/sweeps/: every
// valid variant x block_q x block_kv x threads of 15 problems on the 16-core
// Sapphire Rapids host; the study's one-head square shapes, dims 64 to 1024,
// float and double, and B1 H16 S1024 D64). There the best configuration was
// parallel on every problem but one (dim 64 float: blocked, tied with parallel
// on 4 threads), with block_q 16 or 32 for one head and 128 for 16 heads, and
// fewer threads than the machine's below dim 256 (4 at dims 64 and 128, 8 at
// 256 in double). The former rule (parallel on all threads with block_q 128
// when the FLOP per thread reached 4e6) was 1.5x to 7.6x slower than the best
// on 14 of the 15 problems (attnkit-tune --simulate's "default / best").
//
// Threads: the largest power of two (or the whole budget) that leaves each
// thread at least this much work, in float-equivalent FLOP (a double FLOP
// counts two: half the lanes per vector). Scored with attnkit-tune --simulate
// ("default / best" over the 15 sweeps): 2e6 put 9 problems within 20 % of
// the best, 1e6 9, 5e5 9, 2.5e5 10 (dim 64 in both dtypes then runs on 4
// threads, as their best did). The 5 others are one-head float problems of
// dims 128-768 whose recorded best is up to 1.5x ahead of configurations one
// step away (tile or thread count), within the host's run-to-run noise.
inline constexpr double parallel_min_flop_per_thread = 2.5e5;
// block_q: the largest of these that still gives every thread this many work
// items (query tiles x batch x heads_q): dynamic hand-out then ends within
// half an item per thread. One head of 1024 queries on 16 threads: 32.
inline constexpr index_t parallel_block_q_choices[] = {128, 64, 32, 16};
inline constexpr index_t parallel_items_per_thread = 2;

// ---- Decode: split-KV attention for a few query rows (kernels/decode.hpp) ----
//
// Provenance. The split policy follows from the arithmetic in the comments
// below. The 2-core AVX-512 VM (Xeon, L2 2 MiB per core, shared with other
// jobs) it was written on can check it for sanity but cannot tune it: runs
// of bench/decode.cpp on a many-core machine are the reference for these
// values, and may move them.

// automatic runs the decode variant up to this many query rows per head:
// speculative decoding verifies up to 16 draft tokens in one call. (Where the
// parallel flash tiles overtake decode has not been measured.)
inline constexpr index_t decode_max_seq_q = 16;

// Work items (batch x kv head x split) the split count aims for: 4 per thread
// at 64 threads, so that dynamic hand-out keeps the imbalance at the end of the
// call within a quarter of a thread's share.
inline constexpr index_t decode_target_items = 256;

// A split holds at least this many keys (fewer only when seq_kv itself is
// shorter): 512 rows of K and V at head_dim 128 are 512 KiB in float, so the
// per-split fixed costs (packing the queries, writing and merging one partial
// row per query, handing out the item) stay a few per cent of the streaming
// time, and the hardware prefetchers see long runs.
inline constexpr index_t decode_min_split_keys = 512;

// The partial states of all splits (per query row and split: maximum, sum,
// unnormalised output row, head_dim_v + 2 values) take at most this much
// memory; the split count is lowered to stay below it. 32 MiB keeps them in a
// server part's last-level cache while the merge reads them back.
inline constexpr double decode_max_partial_bytes = 32.0 * 1024 * 1024;

// A work item holds the packed rows (group x seq_q of one kv head) whose query
// state (scaled Q^T column and output accumulator row, head_dim + head_dim_v
// values) fits in this many bytes, so the state stays in a 2 MiB L2 next to
// the streamed K and V tiles. At head_dim 128 that is 1024 rows in float, 512
// in double: every decode shape (at most 32 x 16 = 512 rows) is one item per
// kv head and split, so each K and V row is read once per kv head.
inline constexpr double decode_item_state_bytes = 1024.0 * 1024;

// Register tiles of the decode variant's few rows.
template <class T, class Arch>
struct decode_tile {
    static constexpr int lanes = register_tile<T, Arch>::lanes;
    // Scores with the vector along head_dim (detail/decode_scores.hpp) for at
    // most this many rows, with the vector along the rows (scores_block) above:
    // along head_dim costs rows x head_dim / lanes multiply-adds per key plus
    // a reduction, along the rows head_dim whatever the rows. Measured on the
    // AVX-512 VM (one kv head, 1-16 rows, keys in L2, noisy): along head_dim
    // was faster or even up to a quarter of a vector of rows (float 4 of 16,
    // double 2 of 8), mixed up to a half, slower above, at head_dim 64 and 128.
    static constexpr int max_dot_rows = lanes / 4;
    // The online softmax along the keys, one row at a time, for at most this
    // many rows; along a vector of rows above. Per key, along the rows costs a
    // vector exp (about 14 vector operations) whatever the rows; along the keys
    // a gather and a scatter per row plus 14 / lanes per row. Measured on the
    // 16-core Sapphire Rapids host, both builds in one process, calls
    // alternated, median of 15 paired ratios (along keys / along rows), D 128:
    // 1 row (MHA, seq_kv 4096) float 0.975 on 1 thread, 0.938 on 16, double
    // 0.964; 4 rows (GQA 32/8, seq_kv 32768) float 1.019 and 1.022: slower.
    static constexpr int max_rows_by_keys = lanes / 8;
    // O += P V for at most value_rows rows: every accumulator chain takes one
    // multiply-add per key, so rows x vectors chains must cover the latency of
    // a multiply-add times the two issued per cycle (8). The flash tile
    // (register_tile::value_vectors) gives 1 or 2 rows 3 or 6; here 8 vectors
    // per pass: 2 x 8 + 8 + 1 = 25 of 32 registers, 2 x 4 + 4 + 1 = 13 of 16.
    static constexpr int value_rows = 2;
    static constexpr int value_vectors = register_tile<T, Arch>::wide_file ? 8 : 4;
};

}  // namespace tuning
}  // namespace attnkit
