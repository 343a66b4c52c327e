// What a search minimises: a cost per configuration (seconds per call, for the
// tuner), measured at a fidelity. Fidelity is the number of repetitions asked
// for; full_fidelity() repetitions make one "full measurement", the unit in
// which budgets and costs are counted.
#pragma once

#include <vector>

#include "space.hpp"
#include "statistics.hpp"

namespace attnkit_bench {
namespace search {

struct measurement {
    double median = 0;             // the cost compared by strategies (lower is better)
    interval ci{};                 // confidence interval of the median
    std::vector<double> samples;   // every repetition's value
    bool converged = true;         // false when the objective's stopping rule gave up (e.g. CV never settled)
};

class objective {
 public:
    virtual ~objective() = default;
    // `fidelity` repetitions of c; c is always a valid configuration of the
    // space the objective was made for (the evaluator checks).
    virtual measurement measure(const configuration& c, int fidelity) = 0;
    virtual int full_fidelity() const = 0;
};

// A measurement of the given samples: their median and its confidence interval.
inline measurement summarize(std::vector<double> samples, bool converged = true) {
    measurement m;
    m.median = median(samples);
    m.ci = median_confidence_interval(samples);
    m.samples = std::move(samples);
    m.converged = converged;
    return m;
}

}  // namespace search
}  // namespace attnkit_bench
