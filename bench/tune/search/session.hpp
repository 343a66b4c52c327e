// The bookkeeping every strategy shares: one evaluator, one rng seeded from the
// options, the incumbent (lowest full-fidelity median so far), the retiming
// schedule and the assembly of the result. Strategies decide only what to
// measure next.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "evaluator.hpp"
#include "random.hpp"
#include "space.hpp"
#include "strategy_interface.hpp"

namespace attnkit_bench {
namespace search {

class search_session {
 public:
    search_session(const search::space& s, objective& f, const search_options& options, bool uses_budget = true)
        : space_(s), options_(options), evaluator_(s, f, options.on_evaluation), random_(options.seed) {
        if (uses_budget && options.budget < 1)
            throw std::invalid_argument("search_options.budget (" + std::to_string(options.budget) +
                                        ") must be >= 1");
        if (options.retime_incumbent_every < 0)
            throw std::invalid_argument("search_options.retime_incumbent_every (" +
                                        std::to_string(options.retime_incumbent_every) + ") must be >= 0");
        for (std::size_t i = 0; i < options.initial.size(); ++i)
            if (options.initial[i].size() != s.parameters().size())
                throw std::invalid_argument("search_options.initial[" + std::to_string(i) + "] has " +
                                            std::to_string(options.initial[i].size()) + " values, the space " +
                                            std::to_string(s.parameters().size()) + " parameters");
        if (s.valid_count() == 0) throw std::invalid_argument("search: the space has no valid configuration");
    }

    // c at full fidelity (see evaluate_at).
    std::optional<measurement> evaluate(const configuration& c) { return evaluate_at(c, full_fidelity()); }

    // c at `fidelity` through the evaluator. A new full-fidelity measurement
    // may become the incumbent and advances the retiming schedule.
    std::optional<measurement> evaluate_at(const configuration& c, int fidelity) {
        const std::size_t before = evaluator_.history().size();
        auto m = evaluator_.evaluate(c, fidelity);
        const bool measured_now = evaluator_.history().size() > before;
        if (m && measured_now && fidelity == full_fidelity()) {
            if (!incumbent_ || m->median < incumbent_->second.median) incumbent_ = std::make_pair(c, *m);
            ++full_evaluations_;
            const int every = options_.retime_incumbent_every;
            if (every > 0 && full_evaluations_ % every == 0) evaluator_.retime(incumbent_->first, full_fidelity());
        }
        return m;
    }

    // Whether c was measured at any fidelity.
    bool measured(const configuration& c) const { return evaluator_.measured(c); }

    // A uniformly drawn valid configuration not measured yet; nullopt when every
    // valid configuration has been measured.
    std::optional<configuration> random_unmeasured() {
        std::vector<std::size_t> fresh;
        const auto& all = space_.valid_configurations_view();
        for (std::size_t i = 0; i < all.size(); ++i)
            if (!measured(all[i])) fresh.push_back(i);
        if (fresh.empty()) return std::nullopt;
        return all[fresh[random_.index(fresh.size())]];
    }

    // Distinct configurations measured so far, at any fidelity.
    int unique() const noexcept { return evaluator_.unique_configurations(); }
    bool exhausted() const { return static_cast<std::size_t>(unique()) >= space_.valid_count(); }
    int budget() const noexcept { return options_.budget; }
    double cost() const noexcept { return evaluator_.cost(); }
    int full_fidelity() const { return evaluator_.full_fidelity(); }
    const std::vector<configuration>& initial() const noexcept { return options_.initial; }
    const search::space& space() const noexcept { return space_; }
    rng& random() noexcept { return random_; }
    const std::optional<std::pair<configuration, measurement>>& incumbent() const noexcept { return incumbent_; }

    search_result finish(std::string strategy_name) const {
        if (!incumbent_)
            throw std::logic_error("search: strategy '" + strategy_name + "' ended without a full-fidelity measurement");
        search_result r;
        r.strategy = std::move(strategy_name);
        r.best = incumbent_->first;
        r.best_result = incumbent_->second;
        r.history = evaluator_.history();
        r.unique_evaluations = evaluator_.unique_configurations();
        r.cache_hits = evaluator_.cache_hits();
        r.invalid_skipped = evaluator_.invalid_requests();
        r.cost = evaluator_.cost();
        return r;
    }

 private:
    const search::space& space_;
    const search_options& options_;
    evaluator evaluator_;
    rng random_;
    std::optional<std::pair<configuration, measurement>> incumbent_;
    int full_evaluations_ = 0;
};

}  // namespace search
}  // namespace attnkit_bench
