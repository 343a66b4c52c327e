// simulate.hpp: scoring strategies over many seeds on a recorded sweep.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "search/simulate.hpp"
#include "synthetic.hpp"

namespace search = attnkit_bench::search;

namespace {

const search::space grid = synthetic::grid();
const auto bowl_sweep = synthetic::sweep(grid, synthetic::bowl, 9, 0.03, 77);

}  // namespace

TEST_CASE("a simulation is reproducible and its summary is consistent", "[simulate]") {
    const auto a = search::simulate(grid, bowl_sweep, "genetic", 18, 20, 1);
    const auto b = search::simulate(grid, bowl_sweep, "genetic", 18, 20, 1);
    CHECK(a.evaluations_to_tolerance == b.evaluations_to_tolerance);
    CHECK(a.mean_gap == b.mean_gap);
    CHECK(a.strategy == "genetic");
    CHECK(a.seeds == 20);
    CHECK(a.tolerance == 0.05);
    CHECK(a.full_fidelity == 9);  // the smallest sample count
    CHECK(a.optimum == Approx(1).epsilon(0.05));
    REQUIRE(a.evaluations_to_tolerance.size() == 20);
    int reached = 0;
    for (int e : a.evaluations_to_tolerance) {
        CHECK(e >= 1);
        CHECK(e <= 19);
        if (e <= 18) ++reached;
    }
    CHECK(a.reached == reached);
    REQUIRE(a.mean_gap.size() == 18);
    for (std::size_t k = 1; k < a.mean_gap.size(); ++k) CHECK(a.mean_gap[k] <= a.mean_gap[k - 1]);
    for (std::size_t k = 0; k < a.mean_gap.size(); ++k) {
        CHECK(a.p10_gap[k] <= a.p90_gap[k]);
        CHECK(a.p10_gap[k] >= 0);
    }
}

TEST_CASE("on the recorded bowl, genetic ends closer to the optimum than random", "[simulate]") {
    const auto genetic = search::simulate(grid, bowl_sweep, "genetic", 18, 50, 1);
    const auto random = search::simulate(grid, bowl_sweep, "random", 18, 50, 1);
    INFO("mean gap after 18: genetic " << genetic.mean_gap.back() << ", random " << random.mean_gap.back());
    CHECK(genetic.mean_gap.back() < random.mean_gap.back());
    CHECK(genetic.mean_evaluations <= random.mean_evaluations);
}

TEST_CASE("a generous tolerance is reached at once, exhaustive counts only its first budget", "[simulate]") {
    const auto easy = search::simulate(grid, bowl_sweep, "random", 18, 10, 1, 1e9);
    CHECK(easy.reached == 10);
    CHECK(easy.median_evaluations == 1);
    CHECK(easy.mean_cost_to_tolerance == 1);
    const auto sweep = search::simulate(grid, bowl_sweep, "exhaustive", 18, 2, 1);
    CHECK(sweep.mean_gap.size() == 18);
    CHECK(sweep.evaluations_to_tolerance == std::vector<int>{19, 19});  // lexicographic order starts far away
    CHECK(std::isnan(sweep.mean_cost_to_tolerance));
}

TEST_CASE("halving is scored by full-fidelity finds and the cost of getting there", "[simulate]") {
    const auto halving = search::simulate(grid, bowl_sweep, "halving", 18, 20, 1);
    CHECK(halving.strategy == "halving");
    for (double cost : halving.cost_to_tolerance)
        if (!std::isnan(cost)) CHECK(cost <= 18);
}

TEST_CASE("a strategy factory lets the parameters vary", "[simulate]") {
    search::search_options options;
    options.budget = 18;
    options.seed = 5;
    search::genetic_parameters wide;
    wide.population = 6;
    wide.elite = 1;
    const auto summary = search::simulate(
        grid, bowl_sweep, [wide] { return std::make_unique<search::genetic_strategy>(wide); }, options, 10);
    CHECK(summary.strategy == "genetic");
    CHECK(summary.evaluations_to_tolerance.size() == 10);
}

TEST_CASE("a valid configuration without a record, or a bad argument, is an error", "[simulate]") {
    auto partial = bowl_sweep;
    partial.erase("block_q=8,block_kv=16,threads=1,dtype=1");
    CHECK_THROWS_WITH(search::simulate(grid, partial, "random", 18, 2, 1),
                      "simulate: no samples recorded for block_q=8,block_kv=16,threads=1,dtype=1");
    CHECK_THROWS_AS(search::simulate(grid, bowl_sweep, "annealing", 18, 2, 1), std::invalid_argument);
    CHECK_THROWS_AS(search::simulate(grid, bowl_sweep, "random", 18, 0, 1), std::invalid_argument);
    CHECK_THROWS_AS(search::simulate(grid, bowl_sweep, "random", 0, 2, 1), std::invalid_argument);
}
