// random.hpp: the engine's one generator is explicit, reproducible and uniform.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "search/random.hpp"

namespace search = attnkit_bench::search;

TEST_CASE("the same seed gives the same sequence, another seed another", "[random]") {
    search::rng a(42), b(42), c(43);
    std::vector<std::uint64_t> sa, sb, sc;
    for (int i = 0; i < 16; ++i) {
        sa.push_back(a());
        sb.push_back(b());
        sc.push_back(c());
    }
    CHECK(sa == sb);
    CHECK(sa != sc);
}

TEST_CASE("seed 0 is a seed like any other", "[random]") {
    search::rng zero(0);
    std::vector<std::uint64_t> drawn;
    for (int i = 0; i < 8; ++i) drawn.push_back(zero());
    std::sort(drawn.begin(), drawn.end());
    CHECK(std::adjacent_find(drawn.begin(), drawn.end()) == drawn.end());
}

TEST_CASE("below(n) is uniform over 0 to n - 1", "[random]") {
    search::rng random(5);
    const int n = 7, draws = 70000;
    std::vector<int> counts(n, 0);
    for (int i = 0; i < draws; ++i) {
        const auto x = random.below(n);
        REQUIRE(x < static_cast<std::uint64_t>(n));
        ++counts[static_cast<std::size_t>(x)];
    }
    // 10000 expected per value, standard deviation about 93.
    for (int count : counts) CHECK(std::abs(count - draws / n) < 500);
    CHECK_THROWS_AS(random.below(0), std::invalid_argument);
}

TEST_CASE("uniform() is at least 0 and below 1, with mean 1/2", "[random]") {
    search::rng random(9);
    double sum = 0;
    for (int i = 0; i < 20000; ++i) {
        const double u = random.uniform();
        REQUIRE(u >= 0);
        REQUIRE(u < 1);
        sum += u;
    }
    CHECK(sum / 20000 == Approx(0.5).margin(0.01));
}

TEST_CASE("shuffle permutes, reproducibly", "[random]") {
    std::vector<int> items{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, again = items;
    search::rng a(3), b(3);
    a.shuffle(items);
    b.shuffle(again);
    CHECK(items == again);
    std::vector<int> sorted = items;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST_CASE("derived seeds are distinct streams", "[random]") {
    CHECK(search::derived_seed(1, 1) != search::derived_seed(1, 2));
    CHECK(search::derived_seed(1, 1) != search::derived_seed(2, 1));
    CHECK(search::derived_seed(1, 1) == search::derived_seed(1, 1));
}
