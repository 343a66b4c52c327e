// Random search: `initial` first, then valid configurations uniformly at
// random without replacement, until `budget` are measured or none is left.
// The baseline every other strategy has to beat.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "session.hpp"
#include "strategy_interface.hpp"

namespace attnkit_bench {
namespace search {

class random_strategy : public strategy {
 public:
    std::string name() const override { return "random"; }

    search_result run(const space& s, objective& f, const search_options& options) override {
        search_session session(s, f, options);
        for (const auto& c : options.initial) {
            if (session.unique() >= session.budget()) break;
            if (!session.measured(c)) session.evaluate(c);
        }
        // One shuffle of the whole list: a uniform order without replacement.
        std::vector<std::size_t> order(s.valid_count());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        session.random().shuffle(order);
        for (std::size_t i : order) {
            if (session.unique() >= session.budget()) break;
            const auto& c = s.valid_configurations_view()[i];
            if (!session.measured(c)) session.evaluate(c);
        }
        return session.finish(name());
    }
};

}  // namespace search
}  // namespace attnkit_bench
