// Strategies by name: what the tuner's command line and simulate() use.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "exhaustive.hpp"
#include "genetic.hpp"
#include "halving.hpp"
#include "random_search.hpp"
#include "strategy_interface.hpp"

namespace attnkit_bench {
namespace search {

// The default first.
inline std::vector<std::string> strategy_names() { return {"genetic", "random", "exhaustive", "halving"}; }

// A strategy with its default parameters; std::invalid_argument listing the
// known names for any other name.
inline std::unique_ptr<strategy> make_strategy(std::string_view name) {
    if (name == "genetic") return std::make_unique<genetic_strategy>();
    if (name == "random") return std::make_unique<random_strategy>();
    if (name == "exhaustive") return std::make_unique<exhaustive_strategy>();
    if (name == "halving") return std::make_unique<halving_strategy>();
    std::string known;
    for (const auto& n : strategy_names()) known += (known.empty() ? "" : ", ") + n;
    throw std::invalid_argument("search: unknown strategy '" + std::string(name) + "' (strategies: " + known + ")");
}

}  // namespace search
}  // namespace attnkit_bench
