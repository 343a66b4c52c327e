// attnkit: what a caller can ask of sdpa() besides the four tensors.
#pragma once

#include <optional>
#include <variant>

#include "attnkit/view.hpp"

namespace attnkit {

// Causal masking, with the alignment named explicitly because the two common
// conventions disagree whenever seq_q != seq_kv.
enum class causal {
    none,
    // PyTorch's is_causal: query i sees keys j <= i.
    top_left,
    // FlashAttention's and the KV-cache convention: the queries are the last
    // seq_q positions of the sequence, so query i sees keys j <= i + seq_kv - seq_q.
    bottom_right,
};

// Which implementation runs. Every variant computes the same function and
// supports every option; they differ in speed and memory.
enum class variant {
    automatic,  // chosen by shape and by tuning results (see tuning.hpp)
    naive,      // the readable reference: scores, softmax, weighted sum
    blocked,    // blocked SIMD matrix products, two-pass softmax per row block
    parallel,   // flash tiles spread over threads
    flash,      // tiled online softmax on one thread
    // split-KV for a few query rows (decoding): the query heads of a kv head
    // packed together, the keys cut into splits spread over threads, the
    // splits merged exactly through their log-sum-exps
    decode,
};

// Instruction set of the SIMD kernels. automatic takes the widest one the CPU
// offers among those compiled in (see attnkit_add_isa_dispatch in README.md);
// naming one that is not available falls back to the widest available.
enum class isa { automatic, sse2, avx2, avx512, neon };

// Tile sizes, thread count and instruction set; 0 means "let attnkit choose".
// Every value is input: negative ones and threads above max_threads are
// rejected (attnkit::error naming the field); the others are fitted to the
// problem (detail/fit_config.hpp): a tile larger than its dimension is that
// dimension (block_q: seq_q, or decode's group x seq_q packed rows; block_kv:
// seq_kv), and no call runs more threads than it has work items.
struct config {
    // More threads than any CPU attnkit runs on offers; each thread gets its
    // own scratch, so this also bounds a call's memory (README, "Rejected inputs").
    static constexpr int max_threads = 1024;

    index_t block_q = 0;   // query rows per tile
    index_t block_kv = 0;  // keys per tile
    int threads = 0;       // parallel and decode variants only; 0 = OpenMP's default (capped likewise)
    isa instruction_set = isa::automatic;
};

// Optional inputs and outputs of sdpa() for element type T (float or double).
template <class T>
struct options {
    // Multiplies q.k^T before the mask is added; default 1/sqrt(head_dim).
    std::optional<double> scale;

    causal causal_mode = causal::none;

    // Explicit mask of logical shape [batch, heads_q, seq_q, seq_kv]. Each
    // dimension is either full or of extent 1 (broadcast). Boolean: true means
    // the key takes part (PyTorch's convention). Additive: added to the scaled
    // scores; -inf removes a key. Combined with causal_mode when both are set.
    std::variant<std::monostate, tensor4<const bool>, tensor4<const T>> mask;

    // When set, receives log(sum_j exp(s_ij)) per query row, [batch, heads_q, seq_q]:
    // the statistic needed to merge partial attentions or to run a backward pass.
    std::optional<tensor3<T>> lse;

    variant kernel = variant::automatic;
    config tiles;
};

}  // namespace attnkit
