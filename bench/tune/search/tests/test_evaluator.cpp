// evaluator.hpp: the single gate between strategies and the objective.
#include <catch2/catch.hpp>

#include <vector>

#include "search/evaluator.hpp"
#include "synthetic.hpp"

namespace search = attnkit_bench::search;

TEST_CASE("a repeated request is a cache hit: not measured, not counted", "[evaluator]") {
    const auto s = synthetic::grid();
    synthetic::recording_objective f(s, synthetic::bowl);
    search::evaluator e(s, f);
    const auto first = e.evaluate({64, 96, 8, 0}, 5);
    const auto again = e.evaluate({64, 96, 8, 0}, 5);
    REQUIRE(first);
    REQUIRE(again);
    CHECK(again->median == first->median);
    CHECK(f.calls.size() == 1);
    CHECK(e.cache_hits() == 1);
    CHECK(e.unique_configurations() == 1);
    CHECK(e.history().size() == 1);
    CHECK(e.cost() == 1);
}

TEST_CASE("another fidelity is another measurement of the same configuration", "[evaluator]") {
    const auto s = synthetic::grid();
    synthetic::recording_objective f(s, synthetic::bowl, 10);
    search::evaluator e(s, f);
    e.evaluate({64, 96, 8, 0}, 2);
    e.evaluate({64, 96, 8, 0}, 10);
    CHECK(f.calls.size() == 2);
    CHECK(e.unique_configurations() == 1);
    CHECK(e.cost() == Approx(1.2));
    CHECK(e.cached({64, 96, 8, 0}, 2).has_value());
    CHECK_FALSE(e.cached({64, 96, 8, 0}, 3).has_value());
    CHECK_THROWS_AS(e.evaluate({64, 96, 8, 0}, 0), std::invalid_argument);
}

TEST_CASE("invalid configurations are counted and never measured", "[evaluator]") {
    const auto s = synthetic::checkerboard();
    synthetic::recording_objective f(s, synthetic::bowl);
    search::evaluator e(s, f);
    CHECK_FALSE(e.evaluate({16, 16, 1, 0}, 5).has_value());  // violates the constraint
    CHECK_FALSE(e.evaluate({8, 16, 1}, 5).has_value());      // wrong arity
    CHECK_FALSE(e.evaluate({7, 16, 1, 0}, 5).has_value());   // unknown value
    CHECK(e.invalid_requests() == 3);
    CHECK(f.calls.empty());
    CHECK(e.history().empty());
    CHECK(e.cost() == 0);
}

TEST_CASE("every real measurement is in the history and reaches the callback", "[evaluator]") {
    const auto s = synthetic::grid();
    synthetic::recording_objective f(s, synthetic::bowl);
    std::vector<std::string> seen;
    search::evaluator e(s, f, [&](const search::evaluation& r) { seen.push_back(r.key); });
    e.evaluate({8, 16, 1, 0}, 5);
    e.evaluate({8, 16, 1, 0}, 5);  // hit
    e.evaluate({16, 16, 1, 0}, 5);
    e.retime({8, 16, 1, 0}, 5);
    REQUIRE(e.history().size() == 3);
    CHECK(seen == std::vector<std::string>{"block_q=8,block_kv=16,threads=1,dtype=0",
                                           "block_q=16,block_kv=16,threads=1,dtype=0",
                                           "block_q=8,block_kv=16,threads=1,dtype=0"});
    for (std::size_t i = 0; i < e.history().size(); ++i) CHECK(e.history()[i].sequence == i);
    CHECK_FALSE(e.history()[0].retime);
    CHECK(e.history()[2].retime);
    CHECK(e.history()[1].config == search::configuration{16, 16, 1, 0});
    CHECK(e.history()[1].fidelity == 5);
    CHECK(e.history()[1].result.samples.size() == 5);
    CHECK(e.unique_configurations() == 2);  // a retime is not a new configuration
    CHECK(e.cost() == 3);
    CHECK(e.measured({8, 16, 1, 0}));
    CHECK_FALSE(e.measured({32, 16, 1, 0}));
}

TEST_CASE("a NaN median from the objective is an error naming the configuration", "[evaluator]") {
    const auto s = synthetic::grid();
    synthetic::recording_objective f(s, [](const std::vector<std::size_t>&) { return NAN; });
    search::evaluator e(s, f);
    CHECK_THROWS_WITH(e.evaluate({8, 16, 1, 0}, 5), Catch::Contains("block_q=8,block_kv=16,threads=1,dtype=0"));
}
