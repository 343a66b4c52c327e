// attnkit-tune: the problems a tuning campaign covers. A problem is a shape and
// a dtype; problem sets name the campaigns the tuner and the study share:
//   study        the study attnkit grew from: one head, Q, K and V each dim x dim
//                (seq = head_dim = dim), dims 64 128 256 400 512 768 1024,
//                float32 and float64, no mask
//   transformer  prefill shapes of current models: B1 H16 S1024 D64 and
//                S2048 D128 (full and causal), GQA 16/4 S2048 D128 causal,
//                float32, and S1024 D128 in float64
//   decode       a few query rows against a KV cache: Sq 1 and 16, GQA 32/8,
//                MHA, 4096 keys, D128, bottom-right causal for Sq 16
//   prefill      small transformer prefill shapes for a quick campaign on a
//                few cores (./scripts/main): B1 H8 S512 D64 full and causal,
//                GQA 8/2 S512 D128 causal, float32
#pragma once

#include <string>
#include <vector>

#include "common/dtype.hpp"
#include "common/shape.hpp"

namespace attnkit_tune {

struct problem {
    std::string name;  // e.g. "study/f32/dim256", "transformer/f32/B1_H16_S1024_D64/causal"
    std::string set;   // the set it came from, or "shape" for --shape
    attnkit_bench::shape s;
    attnkit_bench::dtype type = attnkit_bench::dtype::f32;
};

// The names accepted by problem_set().
std::vector<std::string> problem_set_names();

// The problems of a named set, restricted to `dtypes` (both when empty).
// Throws std::invalid_argument naming the set and listing the known ones.
std::vector<problem> problem_set(const std::string& set, const std::vector<attnkit_bench::dtype>& dtypes = {});

// A problem for a --shape, named "shape/<dtype>/<shape name>[/<causal>]".
problem shape_problem(const attnkit_bench::shape& s, attnkit_bench::dtype type);

}  // namespace attnkit_tune
