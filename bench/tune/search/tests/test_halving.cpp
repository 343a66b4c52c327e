// halving.hpp: rungs of growing fidelity within a cost budget, promotion by
// confidence intervals rather than a hard cut, the winner at full fidelity.
#include <catch2/catch.hpp>

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "search/halving.hpp"

namespace search = attnkit_bench::search;

namespace {

// One parameter v = 0..8; v's repetitions cycle through center - spread,
// center, center + spread, so its median interval is [center - spread,
// center + spread] at every fidelity used here.
class scripted_objective : public search::objective {
 public:
    scripted_objective(std::vector<double> centers, std::vector<double> spreads)
        : centers_(std::move(centers)), spreads_(std::move(spreads)) {}
    search::measurement measure(const search::configuration& c, int fidelity) override {
        const auto v = static_cast<std::size_t>(c[0]);
        std::vector<double> samples;
        for (int r = 0; r < fidelity; ++r) samples.push_back(centers_[v] + spreads_[v] * (r % 3 - 1));
        ++measured[fidelity];
        return search::summarize(samples);
    }
    int full_fidelity() const override { return 9; }
    std::map<int, int> measured;  // fidelity -> configurations measured at it

 private:
    std::vector<double> centers_, spreads_;
};

const search::space nine({{"v", {0, 1, 2, 3, 4, 5, 6, 7, 8}}});

search::search_result run(scripted_objective& f, int budget) {
    search::search_options options;
    options.budget = budget;
    options.seed = 1;
    return search::halving_strategy().run(nine, f, options);
}

}  // namespace

TEST_CASE("rungs divide the full fidelity by eta, none below the minimum", "[halving]") {
    const search::halving_strategy defaults;  // eta 3, min_fidelity 3
    CHECK(defaults.rung_fidelities(27) == std::vector<int>{3, 9, 27});
    CHECK(defaults.rung_fidelities(20) == std::vector<int>{3, 7, 20});
    CHECK(defaults.rung_fidelities(9) == std::vector<int>{3, 9});
    CHECK(defaults.rung_fidelities(5) == std::vector<int>{5});
    const search::halving_strategy binary({2, 1});
    CHECK(binary.rung_fidelities(8) == std::vector<int>{1, 2, 4, 8});
    CHECK_THROWS_WITH(search::halving_strategy({1, 3}), "halving_parameters.eta (1) must be >= 2");
}

TEST_CASE("clearly separated candidates: only the best third goes up", "[halving]") {
    scripted_objective f({1, 2, 3, 4, 5, 6, 7, 8, 9}, std::vector<double>(9, 0.1));
    const auto result = run(f, 10);
    CHECK(f.measured[3] == 9);
    CHECK(f.measured[9] == 3);
    CHECK(result.best == search::configuration{0});
    CHECK(result.cost == Approx(9 * 3.0 / 9 + 3));
}

TEST_CASE("candidates indistinguishable from the best go up too, while the budget allows", "[halving]") {
    // v = 0..3 overlap the best's interval [0.9, 1.1]; v = 4..8 are far worse.
    const std::vector<double> centers{1.00, 1.05, 1.10, 1.15, 5, 6, 7, 8, 9};
    const std::vector<double> spreads{0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1};
    SECTION("with room in the budget: the fourth overlapping candidate is promoted beyond the top third") {
        scripted_objective f(centers, spreads);
        const auto result = run(f, 10);
        CHECK(f.measured[9] == 4);
        CHECK(result.best == search::configuration{0});
        CHECK(result.best_result.samples.size() == 9);  // the winner measured at full fidelity
        CHECK(result.cost <= 10);
    }
    SECTION("with a budget that covers only the plain plan: the top third only") {
        scripted_objective f(centers, spreads);
        const auto result = run(f, 6);
        CHECK(f.measured[9] == 3);
        CHECK(result.cost <= 6);
    }
}

TEST_CASE("a budget too small for any rung below full measures at full fidelity only", "[halving]") {
    scripted_objective f({1, 2, 3, 4, 5, 6, 7, 8, 9}, std::vector<double>(9, 0.1));
    const auto result = run(f, 1);
    CHECK(f.measured.size() == 1);
    CHECK(f.measured[9] == 1);
    CHECK(result.cost == 1);
}
