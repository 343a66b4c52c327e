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

// The library's names of the variants (attnkit::detail::variant_name).
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

// The configuration of the space that computes what `a` computes the same way
// when `a` itself is outside it: tiles larger than the sequence become the
// smallest listed tile that covers it, and parallel's threads beyond its work
// items the largest listed count within them (the extra threads would idle),
// one thread making it flash. The library's default (automatic's choice) is
// mapped so, to be the search's first candidate.
attention_config equivalent_in_space(const problem& p, const space_options& opt, attention_config a);

// The search's first candidates besides the default: the configurations that
// keep every thread busy with the largest tiles that still give each thread a
// work item (parallel: for each listed thread count from the most, the largest
// block_q with at least that many items; the default key tile), and flash with
// the default tiles. Most of a space's best configurations found in the
// recorded sweeps are one or two steps from one of these.
std::vector<attention_config> seed_candidates(const problem& p, const space_options& opt);

// Between the engine's configurations and attnkit's settings.
attention_config to_attention(const search::space& s, const search::configuration& c, attnkit_bench::dtype fixed);
search::configuration from_attention(const search::space& s, const attention_config& a);

}  // namespace attnkit_tune
