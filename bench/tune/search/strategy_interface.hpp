// What every search strategy takes and returns. The concrete strategies are in
// exhaustive.hpp, random_search.hpp, genetic.hpp and halving.hpp; strategy.hpp
// makes one by name.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "evaluator.hpp"
#include "objective.hpp"
#include "space.hpp"

namespace attnkit_bench {
namespace search {

struct search_options {
    // Unique configurations measured at full fidelity (halving: the cost budget
    // in full-measurement equivalents; exhaustive: ignored).
    int budget = 18;
    std::uint64_t seed = 1;
    // Tried first, in order (e.g. the library's default configuration); invalid
    // ones are skipped and counted, repeats are cache hits.
    std::vector<configuration> initial;
    // 0 = never; n > 0: after every n new full-fidelity evaluations, measure the
    // incumbent again (recorded with retime = true, not a unique evaluation).
    int retime_incumbent_every = 0;
    std::function<void(const evaluation&)> on_evaluation;  // progress display, raw records
};

struct search_result {
    std::string strategy;
    configuration best;          // the incumbent: lowest median at full fidelity
    measurement best_result;     // its (first) full-fidelity measurement
    std::vector<evaluation> history;
    int unique_evaluations = 0;  // distinct configurations measured (any fidelity)
    int cache_hits = 0;
    int invalid_skipped = 0;
    double cost = 0;             // full-measurement equivalents, retimes included
};

class strategy {
 public:
    virtual ~strategy() = default;
    virtual std::string name() const = 0;
    virtual search_result run(const space& s, objective& f, const search_options& options) = 0;
};

}  // namespace search
}  // namespace attnkit_bench
