// Scoring a strategy on a recorded sweep over many seeds: how many unique
// evaluations (and how much cost) it needs before the best configuration it
// has measured at full fidelity is within `tolerance` of the optimum, judged
// by the configurations' TRUE (all-sample) medians, and how far from the
// optimum it is after each evaluation. The lead chooses strategies and their
// parameters with it, away from the machine.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "random.hpp"
#include "recorded.hpp"
#include "space.hpp"
#include "statistics.hpp"
#include "strategy.hpp"

namespace attnkit_bench {
namespace search {

using samples_map = std::map<std::string, std::vector<double>>;
using strategy_factory = std::function<std::unique_ptr<strategy>()>;

struct simulation_summary {
    std::string strategy;
    int seeds = 0;
    double tolerance = 0;
    int budget = 0;
    int full_fidelity = 0;
    double optimum = 0;  // smallest true median over the space's valid configurations
    // Per seed: unique full-fidelity evaluations until the best-so-far true
    // median is <= (1 + tolerance) * optimum; budget + 1 when never reached.
    std::vector<int> evaluations_to_tolerance;
    // Per seed: cost (full-measurement equivalents, retimes and lower
    // fidelities included) at that point; NaN when never reached.
    std::vector<double> cost_to_tolerance;
    int reached = 0;                   // seeds that reached the tolerance within the budget
    double median_evaluations = 0;     // of evaluations_to_tolerance (budget + 1 counted as such)
    double mean_evaluations = 0;
    double mean_cost_to_tolerance = 0; // over the seeds that reached it; NaN when none did
    // Per unique full-fidelity evaluation k = 1..budget, over seeds: best-so-far
    // true median / optimum - 1 (+inf before the first full measurement; a run
    // that ended early keeps its last value).
    std::vector<double> mean_gap, p10_gap, p90_gap;
};

namespace detail {

// One run's trace: the k-th entry is the gap after k unique full-fidelity
// evaluations; evaluations and cost at the tolerance are filled when reached.
struct simulated_run {
    std::vector<double> gap;
    int evaluations = 0;
    double cost = std::numeric_limits<double>::quiet_NaN();
};

inline simulated_run trace_run(const search_result& run, const recorded_objective& truth, double optimum,
                               double tolerance, int budget) {
    simulated_run trace;
    trace.gap.assign(static_cast<std::size_t>(budget), std::numeric_limits<double>::infinity());
    trace.evaluations = budget + 1;
    const int full = truth.full_fidelity();
    std::set<std::string> found;
    double best = std::numeric_limits<double>::infinity();
    double cost = 0;
    for (const auto& e : run.history) {
        cost += static_cast<double>(e.fidelity) / full;
        if (e.retime || e.fidelity != full || !found.insert(e.key).second) continue;
        const auto k = static_cast<int>(found.size());
        if (k > budget) break;  // exhaustive ignores the budget: only its first `budget` count
        best = std::min(best, truth.true_median(e.config));
        trace.gap[static_cast<std::size_t>(k - 1)] = best / optimum - 1;
        if (trace.evaluations > budget && best <= (1 + tolerance) * optimum) {
            trace.evaluations = k;
            trace.cost = cost;
        }
    }
    for (std::size_t k = 1; k < trace.gap.size(); ++k)
        if (static_cast<int>(k) >= static_cast<int>(found.size())) trace.gap[k] = trace.gap[k - 1];
    return trace;
}

}  // namespace detail

// `seeds` runs of the strategy that `make` builds, with options.seed,
// options.seed + 1, ...; each against a recorded_objective whose own seed is
// derived from the run's. Every valid configuration of `s` must be recorded
// (std::invalid_argument naming the first that is not). full_fidelity 0: the
// smallest sample count recorded for a valid configuration.
inline simulation_summary simulate(const space& s, const samples_map& samples_by_key, const strategy_factory& make,
                                   const search_options& options, int seeds, double tolerance = 0.05,
                                   int full_fidelity = 0) {
    if (seeds < 1) throw std::invalid_argument("simulate: seeds (" + std::to_string(seeds) + ") must be >= 1");
    if (!(tolerance >= 0))
        throw std::invalid_argument("simulate: tolerance (" + std::to_string(tolerance) + ") must be >= 0");
    if (options.budget < 1)
        throw std::invalid_argument("simulate: budget (" + std::to_string(options.budget) + ") must be >= 1");
    if (full_fidelity < 0)
        throw std::invalid_argument("simulate: full_fidelity (" + std::to_string(full_fidelity) + ") must be >= 0");
    // The space's valid configurations only: the optimum is one a search can reach.
    samples_map relevant;
    std::size_t fewest = std::numeric_limits<std::size_t>::max();
    for (const auto& c : s.valid_configurations_view()) {
        const std::string key = s.key(c);
        const auto found = samples_by_key.find(key);
        if (found == samples_by_key.end() || found->second.empty())
            throw std::invalid_argument("simulate: no samples recorded for " + key);
        relevant.emplace(key, found->second);
        fewest = std::min(fewest, found->second.size());
    }
    if (relevant.empty()) throw std::invalid_argument("simulate: the space has no valid configuration");
    const int full = full_fidelity > 0 ? full_fidelity : static_cast<int>(fewest);
    const recorded_objective truth(relevant, full, 0);

    simulation_summary summary;
    summary.seeds = seeds;
    summary.tolerance = tolerance;
    summary.budget = options.budget;
    summary.full_fidelity = full;
    summary.optimum = truth.optimum();
    std::vector<std::vector<double>> gaps(static_cast<std::size_t>(options.budget));
    double reached_cost = 0;
    for (int i = 0; i < seeds; ++i) {
        search_options run_options = options;
        run_options.seed = options.seed + static_cast<std::uint64_t>(i);
        recorded_objective noisy(relevant, full, derived_seed(run_options.seed, 1));
        const auto searcher = make();
        const search_result run = searcher->run(s, noisy, run_options);
        summary.strategy = run.strategy;
        const auto trace = detail::trace_run(run, truth, summary.optimum, tolerance, options.budget);
        summary.evaluations_to_tolerance.push_back(trace.evaluations);
        summary.cost_to_tolerance.push_back(trace.cost);
        if (trace.evaluations <= options.budget) {
            ++summary.reached;
            reached_cost += trace.cost;
        }
        for (std::size_t k = 0; k < gaps.size(); ++k) gaps[k].push_back(trace.gap[k]);
    }
    std::vector<double> evaluations(summary.evaluations_to_tolerance.begin(), summary.evaluations_to_tolerance.end());
    summary.median_evaluations = median(evaluations);
    double total = 0;
    for (double e : evaluations) total += e;
    summary.mean_evaluations = total / seeds;
    summary.mean_cost_to_tolerance =
        summary.reached > 0 ? reached_cost / summary.reached : std::numeric_limits<double>::quiet_NaN();
    for (const auto& at_k : gaps) {
        double sum = 0;
        for (double g : at_k) sum += g;
        summary.mean_gap.push_back(sum / seeds);
        summary.p10_gap.push_back(quantile(at_k, 0.10));
        summary.p90_gap.push_back(quantile(at_k, 0.90));
    }
    return summary;
}

// The named strategy with its default parameters, seeds first_seed, first_seed + 1, ...
inline simulation_summary simulate(const space& s, const samples_map& samples_by_key, std::string_view strategy_name,
                                   int budget, int seeds, std::uint64_t first_seed, double tolerance = 0.05,
                                   int full_fidelity = 0) {
    const std::string name(strategy_name);
    make_strategy(name);  // an unknown name fails here, before any run
    search_options options;
    options.budget = budget;
    options.seed = first_seed;
    return simulate(s, samples_by_key, [name] { return make_strategy(name); }, options, seeds, tolerance,
                    full_fidelity);
}

}  // namespace search
}  // namespace attnkit_bench
