// The single gate between strategies and the objective. It measures only valid
// configurations, never measures one twice at one fidelity (a repeat is served
// from the cache and is not an evaluation), and keeps the complete record:
// every real measurement is appended to history() and passed to the
// on_evaluation callback as it happens.
#pragma once

#include <cmath>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "objective.hpp"
#include "space.hpp"

namespace attnkit_bench {
namespace search {

struct evaluation {
    std::size_t sequence = 0;  // position in the history, from 0
    configuration config;
    std::string key;
    int fidelity = 0;
    measurement result;
    bool retime = false;  // a deliberate re-measurement of the incumbent (drift check)
};

class evaluator {
 public:
    evaluator(const search::space& s, objective& f, std::function<void(const evaluation&)> on_evaluation = {})
        : space_(s), objective_(f), on_evaluation_(std::move(on_evaluation)) {
        if (objective_.full_fidelity() < 1)
            throw std::invalid_argument("evaluator: the objective's full_fidelity (" +
                                        std::to_string(objective_.full_fidelity()) + ") must be >= 1");
    }

    // c's measurement at `fidelity` repetitions: from the cache when it was
    // measured before, nullopt (counted, not measured) when c is invalid.
    std::optional<measurement> evaluate(const configuration& c, int fidelity) {
        require_fidelity(fidelity, "evaluator::evaluate");
        if (!space_.valid(c)) {
            ++invalid_requests_;
            return std::nullopt;
        }
        std::string k = space_.key(c);
        if (const auto hit = cache_.find({k, fidelity}); hit != cache_.end()) {
            ++cache_hits_;
            return hit->second;
        }
        const measurement& m = record(c, std::move(k), fidelity, false);
        cache_.emplace(std::make_pair(history_.back().key, fidelity), m);
        return m;
    }

    // Measures c again at `fidelity` although it is cached, recorded with
    // retime = true (drift check of an incumbent); the cached value stays the
    // first measurement, so strategies see one consistent value per key.
    measurement retime(const configuration& c, int fidelity) {
        require_fidelity(fidelity, "evaluator::retime");
        if (!space_.valid(c))
            throw std::invalid_argument("evaluator::retime: " + describe(c) + " is not a valid configuration");
        return record(c, space_.key(c), fidelity, true);
    }

    // The cached measurement of c at `fidelity`, without measuring or counting.
    std::optional<measurement> cached(const configuration& c, int fidelity) const {
        if (!space_.contains(c)) return std::nullopt;
        const auto hit = cache_.find({space_.key(c), fidelity});
        if (hit == cache_.end()) return std::nullopt;
        return hit->second;
    }

    // Whether c was measured at any fidelity.
    bool measured(const configuration& c) const { return space_.contains(c) && keys_.count(space_.key(c)) > 0; }

    const std::vector<evaluation>& history() const noexcept { return history_; }
    int unique_configurations() const noexcept { return static_cast<int>(keys_.size()); }
    int cache_hits() const noexcept { return cache_hits_; }
    int invalid_requests() const noexcept { return invalid_requests_; }
    // Sum of fidelity / full_fidelity over every real measurement, retimes included.
    double cost() const noexcept { return cost_; }
    int full_fidelity() const { return objective_.full_fidelity(); }
    const search::space& space() const noexcept { return space_; }

 private:
    const measurement& record(const configuration& c, std::string k, int fidelity, bool is_retime) {
        measurement m = objective_.measure(c, fidelity);
        if (std::isnan(m.median))
            throw std::runtime_error("evaluator: the objective measured a NaN median for " + k + " at fidelity " +
                                     std::to_string(fidelity));
        cost_ += static_cast<double>(fidelity) / static_cast<double>(objective_.full_fidelity());
        keys_.insert(k);
        history_.push_back({history_.size(), c, std::move(k), fidelity, std::move(m), is_retime});
        if (on_evaluation_) on_evaluation_(history_.back());
        return history_.back().result;
    }

    void require_fidelity(int fidelity, const char* what) const {
        if (fidelity < 1)
            throw std::invalid_argument(std::string(what) + ": fidelity (" + std::to_string(fidelity) +
                                        ") must be >= 1");
    }

    std::string describe(const configuration& c) const {
        if (space_.contains(c)) return space_.key(c);
        std::string values;
        for (auto v : c) values += (values.empty() ? "" : ",") + std::to_string(v);
        return "(" + values + ")";
    }

    const search::space& space_;
    objective& objective_;
    std::function<void(const evaluation&)> on_evaluation_;
    std::map<std::pair<std::string, int>, measurement> cache_;
    std::set<std::string> keys_;
    std::vector<evaluation> history_;
    int cache_hits_ = 0;
    int invalid_requests_ = 0;
    double cost_ = 0;
};

}  // namespace search
}  // namespace attnkit_bench
