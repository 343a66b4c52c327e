// genetic.hpp: the default strategy finds better configurations than random
// search with the same budget on a structured problem, handles a half-invalid
// space through repair, and validates its parameters.
#include <catch2/catch.hpp>

#include <vector>

#include "search/genetic.hpp"
#include "search/random_search.hpp"
#include "synthetic.hpp"

namespace search = attnkit_bench::search;

namespace {

// Mean over `seeds` runs of the true cost of the configuration each run returns.
template <class Strategy>
double mean_true_best(Strategy&& strategy, const search::space& s, const synthetic::landscape& f, double noise,
                      int seeds, int budget) {
    double sum = 0;
    for (int seed = 1; seed <= seeds; ++seed) {
        synthetic::recording_objective objective(s, f, 5, noise, 1000 + static_cast<std::uint64_t>(seed));
        search::search_options options;
        options.budget = budget;
        options.seed = static_cast<std::uint64_t>(seed);
        sum += objective.truth(strategy.run(s, objective, options).best);
    }
    return sum / seeds;
}

}  // namespace

TEST_CASE("genetic beats random on average over 50 seeds on a separable bowl", "[genetic]") {
    const auto s = synthetic::grid();
    search::genetic_strategy genetic;
    search::random_strategy random;
    const double ga = mean_true_best(genetic, s, synthetic::bowl, 0.02, 50, 18);
    const double rs = mean_true_best(random, s, synthetic::bowl, 0.02, 50, 18);
    INFO("mean true cost of the result: genetic " << ga << ", random " << rs << " (optimum 1)");
    CHECK(ga < rs);
}

TEST_CASE("genetic beats random on average over 50 seeds when half the space is invalid", "[genetic]") {
    const auto s = synthetic::checkerboard();
    search::genetic_strategy genetic;
    search::random_strategy random;
    const double ga = mean_true_best(genetic, s, synthetic::bowl, 0.02, 50, 18);
    const double rs = mean_true_best(random, s, synthetic::bowl, 0.02, 50, 18);
    INFO("mean true cost of the result: genetic " << ga << ", random " << rs << " (optimum 1)");
    CHECK(ga < rs);
}

TEST_CASE("genetic with a larger budget finds the bowl's minimum", "[genetic]") {
    const auto s = synthetic::grid();
    synthetic::recording_objective objective(s, synthetic::bowl);
    search::search_options options;
    options.budget = 120;
    options.seed = 4;
    const auto result = search::genetic_strategy().run(s, objective, options);
    CHECK(result.best == search::configuration{64, 96, 8, 0});
}

TEST_CASE("genetic keeps its incumbent: the best so far never gets worse", "[genetic]") {
    const auto s = synthetic::grid();
    synthetic::recording_objective objective(s, synthetic::rugged);
    search::search_options options;
    options.budget = 40;
    options.seed = 8;
    options.initial = {{64, 96, 8, 0}};
    const auto result = search::genetic_strategy().run(s, objective, options);
    CHECK(result.best_result.median <= synthetic::rugged(s.positions({64, 96, 8, 0})));
}

TEST_CASE("genetic parameters are validated with the field and the value", "[genetic]") {
    search::genetic_parameters p;
    CHECK_NOTHROW(p.validate());
    p.population = 1;
    CHECK_THROWS_WITH(search::genetic_strategy(p), "genetic_parameters.population (1) must be >= 2");
    p = {};
    p.tournament = 7;
    CHECK_THROWS_WITH(search::genetic_strategy(p), "genetic_parameters.tournament (7) must be in [1, population = 4]");
    p = {};
    p.elite = 6;
    CHECK_THROWS_AS(search::genetic_strategy(p), std::invalid_argument);
    p = {};
    p.mutation_rate = 1.5;
    CHECK_THROWS_AS(search::genetic_strategy(p), std::invalid_argument);
}

TEST_CASE("genetic parameters change the search, and the run stays reproducible", "[genetic]") {
    const auto s = synthetic::grid();
    auto keys = [&](search::genetic_parameters p) {
        synthetic::recording_objective objective(s, synthetic::bowl);
        search::search_options options;
        options.seed = 12;
        return synthetic::measured_keys(search::genetic_strategy(p).run(s, objective, options).history);
    };
    search::genetic_parameters wide;
    wide.population = 4;
    wide.mutation_rate = 0.6;
    CHECK(keys(wide) == keys(wide));
    CHECK(keys(wide) != keys({}));
}

TEST_CASE("surrogate screening ends closer to the optimum at equal budget, reproducibly", "[genetic]") {
    // Each measured child is the model's pick of 16 unmeasured ones: on the
    // bowl and the rugged landscape, with half the space invalid or not, the
    // mean true cost of the result over 50 seeds is lower than without.
    search::genetic_parameters screened;
    screened.surrogate_candidates = 16;
    const std::vector<synthetic::landscape> landscapes{synthetic::bowl, synthetic::rugged};
    for (const auto& s : {synthetic::grid(), synthetic::checkerboard()}) {
        for (const auto& f : landscapes) {
            search::genetic_strategy with(screened), without;
            const double a = mean_true_best(with, s, f, 0.02, 50, 18);
            const double b = mean_true_best(without, s, f, 0.02, 50, 18);
            INFO("mean true cost of the result: screened " << a << ", unscreened " << b);
            CHECK(a < b);
        }
    }
    const auto s = synthetic::grid();
    auto keys = [&] {
        synthetic::recording_objective objective(s, synthetic::rugged);
        search::search_options options;
        options.seed = 5;
        return synthetic::measured_keys(search::genetic_strategy(screened).run(s, objective, options).history);
    };
    CHECK(keys() == keys());
    search::genetic_parameters bad;
    bad.surrogate_candidates = 0;
    CHECK_THROWS_WITH(search::genetic_strategy(bad), "genetic_parameters.surrogate_candidates (0) must be >= 1");
}
