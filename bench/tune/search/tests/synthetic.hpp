// Synthetic search problems for the engine's tests: a grid space (optionally
// with half of it invalid), objectives defined on parameter positions (a
// separable bowl, a rugged and deceptive landscape, multiplicative noise), and
// an objective wrapper that records every call so that tests can check what
// was measured.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "search/objective.hpp"
#include "search/random.hpp"
#include "search/space.hpp"

namespace synthetic {

namespace search = attnkit_bench::search;

// Four parameters of 8, 8, 6 and 2 values (768 configurations); the values are
// not their positions, so a mix-up of the two shows.
inline std::vector<search::parameter> grid_parameters() {
    return {{"block_q", {8, 16, 32, 64, 128, 256, 512, 1024}},
            {"block_kv", {16, 32, 48, 64, 96, 128, 192, 256}},
            {"threads", {1, 2, 4, 8, 12, 16}},
            {"dtype", {0, 1}}};
}

inline search::space grid() { return search::space(grid_parameters()); }

// The same grid with a checkerboard constraint: a configuration is valid when
// the sum of its positions is even, so exactly half is invalid and every
// invalid one is one step from a valid one.
inline search::space checkerboard() {
    const auto parameters = grid_parameters();
    return search::space(parameters, [parameters](const search::configuration& c) {
        std::size_t sum = 0;
        for (std::size_t p = 0; p < c.size(); ++p)
            for (std::size_t i = 0; i < parameters[p].values.size(); ++i)
                if (parameters[p].values[i] == c[p]) sum += i;
        return sum % 2 == 0;
    });
}

using landscape = std::function<double(const std::vector<std::size_t>& positions)>;

// Separable bowl: 1 + sum of weighted squared distances to a target position
// (the minimum, 1, at block_q 64, block_kv 96, threads 8, dtype 0).
inline double bowl(const std::vector<std::size_t>& at) {
    const double target[] = {3, 4, 3, 0};
    const double weight[] = {0.30, 0.20, 0.25, 0.8};
    double cost = 1;
    for (std::size_t p = 0; p < at.size(); ++p) {
        const double d = static_cast<double>(at[p]) - target[p];
        cost += weight[p] * d * d;
    }
    return cost;
}

// Rugged and deceptive: a wide basin around the middle with ripples, and the
// global minimum alone in a corner whose neighbours are the worst values.
inline double rugged(const std::vector<std::size_t>& at) {
    if (at[0] == 7 && at[1] == 0 && at[2] == 5 && at[3] == 1) return 0.5;
    double cost = 2;
    for (std::size_t p = 0; p < at.size(); ++p) {
        const double x = static_cast<double>(at[p]);
        cost += 0.05 * (x - 3) * (x - 3) + 0.3 * (1 - std::cos(2.1 * x));
    }
    const bool near_corner = at[0] >= 6 && at[1] <= 1;
    return near_corner ? cost + 3 : cost;
}

// An objective from a landscape over positions, with optional multiplicative
// log-normal noise per repetition; it records every call and fails loudly if
// asked for a configuration outside the valid space.
class recording_objective : public search::objective {
 public:
    recording_objective(const search::space& s, landscape f, int full = 5, double noise = 0, std::uint64_t seed = 7)
        : space_(s), landscape_(std::move(f)), full_(full), noise_(noise), random_(seed) {}

    search::measurement measure(const search::configuration& c, int fidelity) override {
        if (!space_.valid(c)) throw std::logic_error("recording_objective: asked to measure an invalid configuration");
        calls.emplace_back(c, fidelity);
        const double truth = landscape_(space_.positions(c));
        std::vector<double> samples;
        for (int r = 0; r < fidelity; ++r) samples.push_back(truth * std::exp(noise_ * standard_normal()));
        return search::summarize(std::move(samples));
    }

    int full_fidelity() const override { return full_; }

    double truth(const search::configuration& c) const { return landscape_(space_.positions(c)); }

    std::vector<std::pair<search::configuration, int>> calls;

 private:
    double standard_normal() {  // Box-Muller from the objective's own rng
        const double u = 1 - random_.uniform();
        const double v = random_.uniform();
        return std::sqrt(-2 * std::log(u)) * std::cos(6.283185307179586 * v);
    }

    const search::space& space_;
    landscape landscape_;
    int full_;
    double noise_;
    search::rng random_;
};

// The keys measured, in order, retimes left out.
template <class History>
std::vector<std::string> measured_keys(const History& history) {
    std::vector<std::string> keys;
    for (const auto& e : history)
        if (!e.retime) keys.push_back(e.key + "@" + std::to_string(e.fidelity));
    return keys;
}

// Every (configuration, fidelity) of a space measured `samples` times through
// the landscape with noise: a recorded sweep for recorded_objective and simulate.
inline std::map<std::string, std::vector<double>> sweep(const search::space& s, const landscape& f, int samples,
                                                        double noise, std::uint64_t seed) {
    search::rng random(seed);
    std::map<std::string, std::vector<double>> records;
    for (const auto& c : s.valid_configurations()) {
        auto& out = records[s.key(c)];
        const double truth = f(s.positions(c));
        for (int r = 0; r < samples; ++r) {
            const double u = 1 - random.uniform(), v = random.uniform();
            out.push_back(truth * std::exp(noise * std::sqrt(-2 * std::log(u)) * std::cos(6.283185307179586 * v)));
        }
    }
    return records;
}

}  // namespace synthetic
