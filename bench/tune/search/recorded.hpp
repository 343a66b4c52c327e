// A recorded sweep replayed as an objective: every repetition's value of every
// configuration (e.g. from an exhaustive run), so that strategies and their
// parameters can be compared over hundreds of seeds without the machine.
// measure(c, r) is the median of r of c's recorded samples, drawn with this
// objective's own seeded rng: without replacement while possible (a fresh pass
// over the samples when r exceeds their count), so that the noise a strategy
// sees is the noise that was recorded.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "objective.hpp"
#include "random.hpp"
#include "space.hpp"
#include "statistics.hpp"

namespace attnkit_bench {
namespace search {

class recorded_objective : public objective {
 public:
    // Keys are space::key() strings ("name=value,..."); they must all name the
    // same parameters in the same order, and no sample list may be empty.
    recorded_objective(std::map<std::string, std::vector<double>> samples_by_key, int full_fidelity,
                       std::uint64_t seed)
        : full_fidelity_(full_fidelity), random_(seed) {
        if (full_fidelity < 1)
            throw std::invalid_argument("recorded_objective: full_fidelity (" + std::to_string(full_fidelity) +
                                        ") must be >= 1");
        if (samples_by_key.empty()) throw std::invalid_argument("recorded_objective: no recorded configuration");
        for (auto& [key, samples] : samples_by_key) {
            if (samples.empty())
                throw std::invalid_argument("recorded_objective: no samples recorded for " + key);
            auto [names, values] = split_key(key);
            if (records_.empty()) names_ = std::move(names);
            else if (names != names_)
                throw std::invalid_argument("recorded_objective: " + key + " does not name the parameters of " +
                                            records_.begin()->second.key + " in the same order");
            const double true_median = median(samples);
            records_.emplace(std::move(values), record{key, std::move(samples), true_median});
        }
    }

    measurement measure(const configuration& c, int fidelity) override {
        if (fidelity < 1)
            throw std::invalid_argument("recorded_objective: fidelity (" + std::to_string(fidelity) + ") must be >= 1");
        const record& r = find(c);
        const auto wanted = static_cast<std::size_t>(fidelity);
        const std::size_t n = r.samples.size();
        std::vector<std::size_t> order(n);
        for (std::size_t i = 0; i < n; ++i) order[i] = i;
        std::vector<double> drawn;
        drawn.reserve(wanted);
        while (drawn.size() < wanted) {  // one partial Fisher-Yates pass per n samples
            const std::size_t take = std::min(n, wanted - drawn.size());
            for (std::size_t i = 0; i < take; ++i) {
                std::swap(order[i], order[i + random_.index(n - i)]);
                drawn.push_back(r.samples[order[i]]);
            }
        }
        return summarize(std::move(drawn));
    }

    int full_fidelity() const override { return full_fidelity_; }

    // The median of all of c's recorded samples: its "true" cost.
    double true_median(const configuration& c) const { return find(c).true_median; }

    // The smallest true median over every recorded configuration.
    double optimum() const {
        double best = std::numeric_limits<double>::infinity();
        for (const auto& entry : records_) best = std::min(best, entry.second.true_median);
        return best;
    }

    // Whether c has a record.
    bool recorded(const configuration& c) const { return records_.count(c) > 0; }

    // The smallest number of samples recorded for any configuration.
    std::size_t fewest_samples() const {
        std::size_t fewest = std::numeric_limits<std::size_t>::max();
        for (const auto& entry : records_) fewest = std::min(fewest, entry.second.samples.size());
        return fewest;
    }

 private:
    struct record {
        std::string key;
        std::vector<double> samples;
        double true_median;
    };

    // "a=1,b=2" -> ({"a", "b"}, {1, 2}); std::invalid_argument naming the key.
    static std::pair<std::vector<std::string>, configuration> split_key(const std::string& key) {
        std::vector<std::string> names;
        configuration values;
        std::size_t at = 0;
        while (at <= key.size()) {
            const std::size_t end = std::min(key.find(',', at), key.size());
            const std::string field = key.substr(at, end - at);
            const std::size_t equals = field.find('=');
            std::size_t used = 0;
            std::int64_t v = 0;
            if (equals != std::string::npos && equals > 0) {
                try {
                    v = std::stoll(field.substr(equals + 1), &used);
                } catch (const std::exception&) {
                    used = 0;
                }
            }
            if (equals == std::string::npos || equals == 0 || used == 0 || used != field.size() - equals - 1)
                throw std::invalid_argument("recorded_objective: key '" + key +
                                            "' is not of the form name=value,name=value");
            names.push_back(field.substr(0, equals));
            values.push_back(v);
            at = end + 1;
        }
        return {std::move(names), std::move(values)};
    }

    const record& find(const configuration& c) const {
        const auto found = records_.find(c);
        if (found != records_.end()) return found->second;
        std::string key;
        for (std::size_t p = 0; p < c.size(); ++p) {
            if (p > 0) key += ',';
            key += (p < names_.size() ? names_[p] : "?") + "=" + std::to_string(c[p]);
        }
        throw std::invalid_argument("recorded_objective: no samples recorded for " + key);
    }

    int full_fidelity_;
    rng random_;
    std::vector<std::string> names_;
    std::map<configuration, record> records_;
};

}  // namespace search
}  // namespace attnkit_bench
