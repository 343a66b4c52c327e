// attnkit-tune: the attention search space. A configuration of attnkit::sdpa
// is a variant and its tile settings:
//   variant   blocked | flash | parallel | decode (decode only for seq_q <= 16)
//   block_q   query rows per tile (decode: packed rows per score tile)
//   block_kv  keys per tile; 0 = the whole row, which is what blocked is
//             (flash with one key tile is the two-pass softmax), so blocked
//             takes 0 and the others a tile; multiples of 84 = 14 x 6 (the
//             score kernels' key blocks on 32 and 16 vector registers)
//   threads   1 up to the thread budget; flash and blocked run on one thread
//   dtype     only with --allow-precision-change (the study's mode): float32
//             or float64 for the same shape; otherwise the dtype is part of the
//             problem and of the wisdom key
// Constraints remove what would time the same computation twice (a block
// larger than the sequence behaves as the sequence: only the smallest such
// value is kept) or cannot help (more threads than work items); such
// configurations are never timed and are counted as invalid.
#pragma once

#include <attnkit/options.hpp>

#include <string>

#include "common/dtype.hpp"
#include "problems.hpp"
#include "search/space.hpp"

namespace attnkit_tune {

namespace search = attnkit_bench::search;

struct attention_config {
    attnkit::variant kernel = attnkit::variant::automatic;
    attnkit::index_t block_q = 0, block_kv = 0;
    int threads = 0;
    attnkit_bench::dtype type = attnkit_bench::dtype::f32;
};

const char* variant_name(attnkit::variant v);
attnkit::variant parse_variant(const std::string& name);  // throws std::invalid_argument

// "parallel bq=64 bkv=252 t=16 f32" (automatic: "automatic (<what it ran>)").
std::string describe(const attention_config& c);

struct space_options {
    int thread_budget = 1;
    bool allow_precision_change = false;
};

// The space for one problem (its dtype fixed unless precision may change).
search::space attention_space(const problem& p, const space_options& opt);

// Between the engine's configurations and attnkit's settings.
attention_config to_attention(const search::space& s, const search::configuration& c, attnkit_bench::dtype fixed);
search::configuration from_attention(const search::space& s, const attention_config& a);

}  // namespace attnkit_tune
