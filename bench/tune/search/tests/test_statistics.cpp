// statistics.hpp: the median, quantiles, the distribution-free median interval
// and the coefficient of variation.
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "search/random.hpp"
#include "search/statistics.hpp"

namespace search = attnkit_bench::search;

TEST_CASE("median is the middle value, or the mean of the two middle values", "[statistics]") {
    CHECK(search::median({5, 1, 3}) == 3);
    CHECK(search::median({4, 1, 3, 2}) == 2.5);
    CHECK(search::median({7}) == 7);
    CHECK(search::median({2, 2, 9, 1, 2}) == 2);
    CHECK_THROWS_WITH(search::median({}), "median: the sample is empty");
}

TEST_CASE("quantile interpolates between order statistics", "[statistics]") {
    const std::vector<double> xs{10, 0, 30, 20};
    CHECK(search::quantile(xs, 0) == 0);
    CHECK(search::quantile(xs, 1) == 30);
    CHECK(search::quantile(xs, 0.5) == 15);
    CHECK(search::quantile(xs, 0.1) == Approx(3));
    const double inf = INFINITY;
    CHECK(search::quantile({1, inf, inf}, 0.9) == inf);
    CHECK_THROWS_AS(search::quantile(xs, 1.5), std::invalid_argument);
}

TEST_CASE("median interval: the sample range for tiny samples", "[statistics]") {
    // Five values cover the median with at most 1 - 2/32 = 93.75 % < 95 %.
    const auto ci = search::median_confidence_interval({3, 1, 4, 1, 5});
    CHECK(ci.low == 1);
    CHECK(ci.high == 5);
    const auto one = search::median_confidence_interval({2.5});
    CHECK(one.low == 2.5);
    CHECK(one.high == 2.5);
}

TEST_CASE("median interval: the binomial order statistics", "[statistics]") {
    std::vector<double> ranks;
    for (int i = 100; i >= 1; --i) ranks.push_back(i);  // x(i) = i, unsorted on input
    // n = 100 at 95 %: the classical ranks 40 and 61.
    const auto ci = search::median_confidence_interval(ranks);
    CHECK(ci.low == 40);
    CHECK(ci.high == 61);
    // n = 25: ranks 8 and 18 (2 P(B <= 7) = 0.043, 2 P(B <= 8) = 0.108).
    std::vector<double> small(ranks.end() - 25, ranks.end());
    const auto ci25 = search::median_confidence_interval(small);
    CHECK(ci25.low == 8);
    CHECK(ci25.high == 18);
    // A lower confidence gives a narrower interval.
    const auto ci50 = search::median_confidence_interval(ranks, 0.5);
    CHECK(ci50.low > 40);
    CHECK(ci50.high < 61);
    CHECK_THROWS_AS(search::median_confidence_interval(ranks, 1.0), std::invalid_argument);
    CHECK_THROWS_AS(search::median_confidence_interval({}, 0.9), std::invalid_argument);
}

TEST_CASE("median interval: coverage of at least the confidence on skewed and symmetric distributions",
          "[statistics]") {
    search::rng random(2026);
    const int trials = 4000;
    auto coverage = [&](auto draw, double true_median, int n) {
        int covered = 0;
        for (int t = 0; t < trials; ++t) {
            std::vector<double> xs;
            for (int i = 0; i < n; ++i) xs.push_back(draw());
            const auto ci = search::median_confidence_interval(xs);
            if (ci.low <= true_median && true_median <= ci.high) ++covered;
        }
        return static_cast<double>(covered) / trials;
    };
    // Exponential(1): median ln 2. n = 25: the nominal coverage is 95.7 %.
    const double exponential = coverage([&] { return -std::log(1 - random.uniform()); }, std::log(2.0), 25);
    CHECK(exponential >= 0.945);
    CHECK(exponential <= 0.970);
    // Uniform(0, 1): median 1/2. n = 60: nominal 1 - 2 P(B <= 21) = 97.3 %.
    const double uniform = coverage([&] { return random.uniform(); }, 0.5, 60);
    CHECK(uniform >= 0.960);
    CHECK(uniform <= 0.985);
}

TEST_CASE("coefficient of variation is the sample deviation over the mean", "[statistics]") {
    CHECK(search::coefficient_of_variation({1, 2, 3}) == Approx(0.5));
    CHECK(search::coefficient_of_variation({4, 4, 4}) == 0);
    CHECK(search::coefficient_of_variation({9}) == 0);
    CHECK(std::isinf(search::coefficient_of_variation({-1, 1})));
    CHECK_THROWS_AS(search::coefficient_of_variation({}), std::invalid_argument);
}
