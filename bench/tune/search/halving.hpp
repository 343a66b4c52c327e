// Successive halving with confidence-interval promotion. Fidelity is the
// number of repetitions: many candidates are measured cheaply, the promising
// ones again with eta times more repetitions, up to full fidelity, so that
// full measurements are spent only on contenders.
//
// Rungs: fidelities full, ceil(full/eta), ceil(full/eta^2), ..., none below
// min_fidelity, measured from the cheapest up. The first rung's candidate count
// is the largest whose plain plan (the best 1/eta promoted at every rung) fits
// the cost budget, in full-measurement equivalents; `initial` first, then
// random valid configurations.
//
// Promotion: the best ceil(n/eta) of a rung always go up; so does any other
// candidate whose median's confidence interval overlaps the best one's
// (statistically indistinguishable from it at this fidelity), as long as the
// budget still covers the plan of every later rung with it. The winner is the
// lowest median at full fidelity (the last rung).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "session.hpp"
#include "statistics.hpp"
#include "strategy_interface.hpp"

namespace attnkit_bench {
namespace search {

struct halving_parameters {
    int eta = 3;           // keep 1/eta per rung; fidelity grows eta-fold per rung
    int min_fidelity = 3;  // repetitions of the first rung (3: an interval wider than a point)

    void validate() const {
        if (eta < 2) throw std::invalid_argument("halving_parameters.eta (" + std::to_string(eta) + ") must be >= 2");
        if (min_fidelity < 1)
            throw std::invalid_argument("halving_parameters.min_fidelity (" + std::to_string(min_fidelity) +
                                        ") must be >= 1");
    }
};

class halving_strategy : public strategy {
 public:
    explicit halving_strategy(halving_parameters parameters = {}) : parameters_(parameters) { parameters_.validate(); }

    std::string name() const override { return "halving"; }
    const halving_parameters& parameters() const noexcept { return parameters_; }

    // The rungs' fidelities, cheapest first, ending at full.
    std::vector<int> rung_fidelities(int full) const {
        std::vector<int> rungs{full};
        for (;;) {
            const int lower = (rungs.back() + parameters_.eta - 1) / parameters_.eta;
            if (lower < parameters_.min_fidelity || lower == rungs.back()) break;
            rungs.push_back(lower);
        }
        std::reverse(rungs.begin(), rungs.end());
        return rungs;
    }

    // Cost, in full measurements, of rungs [from, end) starting with n candidates
    // and promoting ceil(n/eta) at each.
    double plan_cost(const std::vector<int>& rungs, std::size_t from, std::size_t n, int full) const {
        double cost = 0;
        for (std::size_t r = from; r < rungs.size(); ++r) {
            cost += static_cast<double>(n) * rungs[r] / full;
            n = promoted_count(n);
        }
        return cost;
    }

    search_result run(const space& s, objective& f, const search_options& options) override {
        search_session session(s, f, options);
        const int full = session.full_fidelity();
        const double budget = session.budget();
        std::vector<int> rungs = rung_fidelities(full);
        // Drop the cheapest rungs while even one candidate's plan is too dear.
        while (rungs.size() > 1 && plan_cost(rungs, 0, 1, full) > budget) rungs.erase(rungs.begin());
        const std::size_t first_count = largest_affordable(rungs, s.valid_count(), full, budget);

        std::vector<configuration> candidates;
        for (const auto& c : options.initial) {
            if (candidates.size() >= first_count) break;
            if (!s.valid(c)) {
                session.evaluate_at(c, rungs.front());  // counted as invalid, never measured
                continue;
            }
            if (std::find(candidates.begin(), candidates.end(), c) == candidates.end()) candidates.push_back(c);
        }
        std::vector<configuration> pool = s.valid_configurations();
        session.random().shuffle(pool);
        for (const auto& c : pool) {
            if (candidates.size() >= first_count) break;
            if (std::find(candidates.begin(), candidates.end(), c) == candidates.end()) candidates.push_back(c);
        }

        for (std::size_t r = 0; r < rungs.size(); ++r) {
            std::vector<std::pair<configuration, measurement>> measured;
            for (const auto& c : candidates) measured.emplace_back(c, *session.evaluate_at(c, rungs[r]));
            if (r + 1 == rungs.size()) break;
            std::stable_sort(measured.begin(), measured.end(),
                             [](const auto& a, const auto& b) { return a.second.median < b.second.median; });
            candidates = promoted(measured, rungs, r, session.cost(), budget, full);
        }
        return session.finish(name());
    }

 private:
    std::size_t promoted_count(std::size_t n) const {
        const auto eta = static_cast<std::size_t>(parameters_.eta);
        return std::max<std::size_t>(1, (n + eta - 1) / eta);
    }

    std::size_t largest_affordable(const std::vector<int>& rungs, std::size_t valid, int full, double budget) const {
        std::size_t low = 1, high = valid;  // plan_cost grows with n: bisect for the last n that fits
        while (low < high) {
            const std::size_t mid = low + (high - low + 1) / 2;
            if (plan_cost(rungs, 0, mid, full) <= budget) low = mid;
            else high = mid - 1;
        }
        return low;
    }

    // Rung r's candidates (sorted by median) that go up to rung r + 1.
    std::vector<configuration> promoted(const std::vector<std::pair<configuration, measurement>>& sorted,
                                        const std::vector<int>& rungs, std::size_t r, double spent, double budget,
                                        int full) const {
        std::size_t count = promoted_count(sorted.size());
        std::vector<configuration> up;
        for (std::size_t i = 0; i < count; ++i) up.push_back(sorted[i].first);
        const interval& best = sorted.front().second.ci;
        for (std::size_t i = count; i < sorted.size(); ++i) {
            if (!overlaps(sorted[i].second.ci, best)) continue;
            if (spent + plan_cost(rungs, r + 1, up.size() + 1, full) > budget) break;
            up.push_back(sorted[i].first);
        }
        return up;
    }

    halving_parameters parameters_;
};

}  // namespace search
}  // namespace attnkit_bench
