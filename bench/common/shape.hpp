// attnkit benchmarks: one attention problem's shape, its name, its parsing and
// its work (FLOP, bytes of K and V), shared by every benchmark program and the
// tuner, so that names and FLOP counts agree everywhere.
#pragma once

#include <attnkit/options.hpp>
#include <attnkit/view.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "common/dtype.hpp"
#include "common/flop.hpp"

namespace attnkit_bench {

// q [batch, heads_q, seq_q, head_dim], k [batch, heads_kv, seq_kv, head_dim],
// v [batch, heads_kv, seq_kv, head_dim_v], out [batch, heads_q, seq_q, head_dim_v].
struct shape {
    attnkit::index_t batch = 1, heads_q = 1, heads_kv = 1, seq_q = 1, seq_kv = 1, head_dim = 1, head_dim_v = 1;
    attnkit::causal mode = attnkit::causal::none;

    friend bool operator==(const shape& a, const shape& b) {
        return a.batch == b.batch && a.heads_q == b.heads_q && a.heads_kv == b.heads_kv && a.seq_q == b.seq_q &&
               a.seq_kv == b.seq_kv && a.head_dim == b.head_dim && a.head_dim_v == b.head_dim_v && a.mode == b.mode;
    }
    friend bool operator!=(const shape& a, const shape& b) { return !(a == b); }
};

// B, H, S, D with seq_q = seq_kv, heads_q = heads_kv and head_dim_v = head_dim.
shape square(attnkit::index_t batch, attnkit::index_t heads, attnkit::index_t seq, attnkit::index_t dim,
             attnkit::causal mode = attnkit::causal::none);

// "none" | "top_left" | "bottom_right", and the benchmarks' short names.
const char* causal_name(attnkit::causal mode);
std::optional<attnkit::causal> parse_causal(const std::string& text);

// B<b>_H<h>_S<s>_D<d> for square shapes, else B<b>_Hq<hq>_Hkv<hkv>_Sq<sq>_Skv<skv>_D<d>[_Dv<dv>].
std::string shape_name(const shape& s);

// "B,Hq,Hkv,Sq,Skv,D[,causal]" (causal: none | top_left | bottom_right | causal = top_left); head_dim_v = D.
// Throws std::invalid_argument naming the field and the text on bad input.
shape parse_shape(const std::string& text);

// Query-key pairs one head computes (all, or the causally visible ones).
double visible_pairs(const shape& s);

// The one FLOP convention (flop.hpp): 2 * B * heads_q * pairs * (D + Dv).
double attention_flop(const shape& s);

// Bytes of K and V every call must read at least once.
double kv_bytes(const shape& s, std::size_t element_bytes);

}  // namespace attnkit_bench
