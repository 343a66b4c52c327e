// space.hpp: parameters, keys, membership, the constraint, enumeration and repair.
#include <catch2/catch.hpp>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "search/random.hpp"
#include "search/space.hpp"
#include "synthetic.hpp"

namespace search = attnkit_bench::search;

TEST_CASE("a configuration holds values, read by parameter name", "[space]") {
    const auto s = synthetic::grid();
    const search::configuration c{64, 96, 8, 1};
    CHECK(s.value(c, "block_q") == 64);
    CHECK(s.value(c, "dtype") == 1);
    CHECK(s.index_of("threads") == 2);
    CHECK_THROWS_WITH(s.index_of("block_z"),
                      "space: no parameter named 'block_z' (parameters: block_q, block_kv, threads, dtype)");
    CHECK_THROWS_AS(s.value({64, 96}, "block_q"), std::invalid_argument);
    CHECK(s.positions(c) == std::vector<std::size_t>{3, 4, 3, 1});
}

TEST_CASE("the key names every parameter in order and parses back", "[space]") {
    const auto s = synthetic::grid();
    const search::configuration c{64, 96, 8, 1};
    CHECK(s.key(c) == "block_q=64,block_kv=96,threads=8,dtype=1");
    CHECK(s.parse("block_q=64,block_kv=96,threads=8,dtype=1") == c);
    CHECK_THROWS_AS(s.parse("block_q=64,block_kv=96,threads=8"), std::invalid_argument);
    CHECK_THROWS_AS(s.parse("block_q=64,block_kv=96,threads=8,dtype=1,extra=2"), std::invalid_argument);
    CHECK_THROWS_AS(s.parse("block_kv=96,block_q=64,threads=8,dtype=1"), std::invalid_argument);
    CHECK_THROWS_WITH(s.parse("block_q=65,block_kv=96,threads=8,dtype=1"),
                      "space::parse: 'block_q=65,block_kv=96,threads=8,dtype=1': block_q=65 is not one of the "
                      "parameter's values");
    CHECK_THROWS_AS(s.parse("block_q=6x,block_kv=96,threads=8,dtype=1"), std::invalid_argument);
}

TEST_CASE("keys are unique over the space", "[space]") {
    const auto s = synthetic::grid();
    std::set<std::string> keys;
    for (const auto& c : s.valid_configurations()) keys.insert(s.key(c));
    CHECK(keys.size() == 768);
}

TEST_CASE("contains checks arity and values, valid adds the constraint", "[space]") {
    const auto s = synthetic::checkerboard();
    CHECK(s.contains({8, 16, 1, 0}));
    CHECK(s.valid({8, 16, 1, 0}));         // positions 0+0+0+0: even
    CHECK(s.contains({16, 16, 1, 0}));
    CHECK_FALSE(s.valid({16, 16, 1, 0}));  // positions 1+0+0+0: odd
    CHECK_FALSE(s.contains({8, 16, 1}));
    CHECK_FALSE(s.contains({8, 16, 1, 2}));
    CHECK_FALSE(s.valid({8, 17, 1, 0}));
}

TEST_CASE("size is the cartesian product, valid_configurations lists the valid ones lexicographically", "[space]") {
    const auto s = synthetic::checkerboard();
    CHECK(s.size() == 768);
    const auto valid = s.valid_configurations();
    CHECK(valid.size() == 384);
    CHECK(s.valid_count() == 384);
    CHECK(valid.front() == search::configuration{8, 16, 1, 0});
    CHECK(valid[1] == search::configuration{8, 16, 2, 1});
    for (std::size_t i = 1; i < valid.size(); ++i) CHECK(s.positions(valid[i - 1]) < s.positions(valid[i]));
    for (const auto& c : valid) CHECK(s.valid(c));
}

TEST_CASE("repair returns a valid configuration unchanged", "[space]") {
    const auto s = synthetic::checkerboard();
    search::rng random(1);
    CHECK(s.repair({8, 16, 1, 0}, random) == search::configuration{8, 16, 1, 0});
}

TEST_CASE("repair changes the fewest parameters, then moves the fewest positions, ties by the rng", "[space]") {
    // Valid: a + b <= 3 (positions equal values here).
    const search::space s({{"a", {0, 1, 2, 3}}, {"b", {0, 1, 2, 3}}},
                          [](const search::configuration& c) { return c[0] + c[1] <= 3; });
    search::rng random(11);
    // (3, 3): one change suffices, either a -> 0 or b -> 0; both are reachable.
    std::set<search::configuration> seen;
    for (int i = 0; i < 64; ++i) seen.insert(*s.repair({3, 3}, random));
    CHECK(seen == std::set<search::configuration>{{0, 3}, {3, 0}});
    // (2, 2): one change of one position: (1, 2) or (2, 1), never (0, 2).
    seen.clear();
    for (int i = 0; i < 64; ++i) seen.insert(*s.repair({2, 2}, random));
    CHECK(seen == std::set<search::configuration>{{1, 2}, {2, 1}});
}

TEST_CASE("repair gives nullopt when nothing is valid and rejects unknown values", "[space]") {
    const search::space none({{"a", {1, 2}}}, [](const search::configuration&) { return false; });
    search::rng random(1);
    CHECK_FALSE(none.repair({1}, random).has_value());
    CHECK(none.valid_count() == 0);
    const auto s = synthetic::grid();
    CHECK_THROWS_AS(s.repair({9, 16, 1, 0}, random), std::invalid_argument);
}

TEST_CASE("the space rejects malformed parameters with the name and the value", "[space]") {
    using parameters = std::vector<search::parameter>;
    CHECK_THROWS_WITH(search::space(parameters{{"a", {}}}), "space: parameter 'a' has no values");
    CHECK_THROWS_WITH(search::space(parameters{{"a", {1, 2, 1}}}), "space: parameter 'a' lists value 1 twice");
    CHECK_THROWS_WITH(search::space(parameters{{"a", {1}}, {"a", {2}}}), "space: parameter 'a' is listed twice");
    CHECK_THROWS_AS(search::space(parameters{{"a=b", {1}}}), std::invalid_argument);
    CHECK_THROWS_AS(search::space(parameters{{"", {1}}}), std::invalid_argument);
    std::vector<std::int64_t> many(1 << 13);
    for (std::size_t i = 0; i < many.size(); ++i) many[i] = static_cast<std::int64_t>(i);
    CHECK_THROWS_AS(search::space(parameters{{"x", many}, {"y", many}}), std::invalid_argument);  // 2^26 > 2^24
}

TEST_CASE("repair can keep chosen parameters, and falls back when it cannot", "[space]") {
    const search::space s({{"a", {0, 1, 2, 3}}, {"b", {0, 1, 2, 3}}},
                          [](const search::configuration& c) { return c[0] + c[1] <= 3; });
    search::rng random(5);
    // (3, 2) with a kept: b must give way, to the largest b that fits.
    CHECK(s.repair({3, 2}, random, {true, false}) == search::configuration{3, 0});
    CHECK(s.repair({3, 2}, random, {false, true}) == search::configuration{1, 2});
    // Keeping both is impossible: the plain nearest repair.
    const auto both = s.repair({3, 2}, random, {true, true});
    REQUIRE(both);
    CHECK(s.valid(*both));
    CHECK_THROWS_AS(s.repair({3, 2}, random, {true}), std::invalid_argument);
}
