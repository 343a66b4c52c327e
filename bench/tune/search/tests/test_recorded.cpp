// recorded.hpp: a recorded sweep replayed as a seeded, deterministic objective.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "search/recorded.hpp"

namespace search = attnkit_bench::search;

namespace {

const std::map<std::string, std::vector<double>> records{
    {"a=1,b=10", {5, 1, 4, 2, 3}},
    {"a=2,b=10", {0.5, 0.7, 0.6, 0.9, 0.8}},
    {"a=1,b=20", {7, 7, 7}},
};

}  // namespace

TEST_CASE("drawing all of a configuration's samples gives back exactly the record", "[recorded]") {
    search::recorded_objective f(records, 5, 1);
    auto m = f.measure({1, 10}, 5);
    std::sort(m.samples.begin(), m.samples.end());
    CHECK(m.samples == std::vector<double>{1, 2, 3, 4, 5});
    CHECK(m.median == 3);
    CHECK(m.ci.low == 1);
    CHECK(m.ci.high == 5);
}

TEST_CASE("samples are drawn without replacement while possible, then in a fresh pass", "[recorded]") {
    search::recorded_objective f(records, 5, 2);
    auto m = f.measure({1, 10}, 10);
    std::sort(m.samples.begin(), m.samples.end());
    CHECK(m.samples == std::vector<double>{1, 1, 2, 2, 3, 3, 4, 4, 5, 5});
    const auto few = f.measure({1, 10}, 3);
    std::vector<double> distinct = few.samples;
    std::sort(distinct.begin(), distinct.end());
    CHECK(std::adjacent_find(distinct.begin(), distinct.end()) == distinct.end());
}

TEST_CASE("the same seed replays the same draws, another seed others", "[recorded]") {
    auto draws = [](std::uint64_t seed) {
        search::recorded_objective f(records, 5, seed);
        std::vector<double> medians;
        for (int i = 0; i < 12; ++i) medians.push_back(f.measure({1, 10}, 2).median);
        return medians;
    };
    CHECK(draws(3) == draws(3));
    CHECK(draws(3) != draws(4));
}

TEST_CASE("true medians and the optimum come from all recorded samples", "[recorded]") {
    const search::recorded_objective f(records, 3, 1);
    CHECK(f.true_median({1, 10}) == 3);
    CHECK(f.true_median({2, 10}) == Approx(0.7));
    CHECK(f.optimum() == Approx(0.7));
    CHECK(f.full_fidelity() == 3);
    CHECK(f.fewest_samples() == 3);
    CHECK(f.recorded({1, 20}));
    CHECK_FALSE(f.recorded({2, 20}));
}

TEST_CASE("a configuration without a record is an error naming its key", "[recorded]") {
    search::recorded_objective f(records, 3, 1);
    CHECK_THROWS_WITH(f.measure({2, 20}, 3), "recorded_objective: no samples recorded for a=2,b=20");
}

TEST_CASE("malformed records are rejected with the key", "[recorded]") {
    CHECK_THROWS_WITH(search::recorded_objective({{"a=1,b=10", {}}}, 3, 1),
                      "recorded_objective: no samples recorded for a=1,b=10");
    CHECK_THROWS_AS(search::recorded_objective({{"a=1,b=10", {1}}, {"b=10,a=2", {1}}}, 3, 1),
                    std::invalid_argument);
    CHECK_THROWS_WITH(search::recorded_objective({{"a=1,b", {1}}}, 3, 1),
                      "recorded_objective: key 'a=1,b' is not of the form name=value,name=value");
    CHECK_THROWS_AS(search::recorded_objective({{"a=x", {1}}}, 3, 1), std::invalid_argument);
    CHECK_THROWS_AS(search::recorded_objective({}, 3, 1), std::invalid_argument);
    CHECK_THROWS_AS(search::recorded_objective(records, 0, 1), std::invalid_argument);
}
