// Exhaustive search: every valid configuration once, `initial` first, then the
// rest in lexicographic order. The budget is ignored (exhaustive means all of
// them; a capped sweep in lexicographic order would be a biased search, not an
// exhaustive one): use it to record sweeps for simulate() and as ground truth.
#pragma once

#include <string>

#include "session.hpp"
#include "strategy_interface.hpp"

namespace attnkit_bench {
namespace search {

class exhaustive_strategy : public strategy {
 public:
    std::string name() const override { return "exhaustive"; }

    search_result run(const space& s, objective& f, const search_options& options) override {
        search_session session(s, f, options, /*uses_budget=*/false);
        for (const auto& c : options.initial)
            if (!session.measured(c)) session.evaluate(c);
        for (const auto& c : s.valid_configurations_view())
            if (!session.measured(c)) session.evaluate(c);
        return session.finish(name());
    }
};

}  // namespace search
}  // namespace attnkit_bench
