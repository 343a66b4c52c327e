// What every strategy guarantees: each (configuration, fidelity) measured at
// most once, the budget respected, invalid configurations never measured, the
// same seed giving the same evaluations and another seed others, `initial`
// first. Checked for all four strategies on the synthetic problems.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "search/strategy.hpp"
#include "synthetic.hpp"

namespace search = attnkit_bench::search;

namespace {

struct problem {
    const char* name;
    search::space space;
    synthetic::landscape landscape;
    double noise;
};

std::vector<problem> problems() {
    return {{"bowl", synthetic::grid(), synthetic::bowl, 0.0},
            {"rugged", synthetic::grid(), synthetic::rugged, 0.0},
            {"noisy bowl", synthetic::grid(), synthetic::bowl, 0.1},
            {"half-invalid bowl", synthetic::checkerboard(), synthetic::bowl, 0.02}};
}

// Nine repetitions make a full measurement: halving then has rungs of 3 and 9.
constexpr int full = 9;

struct outcome {
    search::search_result result;
    std::vector<std::pair<search::configuration, int>> calls;  // what the objective was asked, in order
};

outcome run(const std::string& strategy, const problem& p, std::uint64_t seed, int budget = 18,
            std::vector<search::configuration> initial = {}, int retime_every = 0) {
    synthetic::recording_objective f(p.space, p.landscape, full, p.noise, seed);
    search::search_options options;
    options.budget = budget;
    options.seed = seed;
    options.initial = std::move(initial);
    options.retime_incumbent_every = retime_every;
    auto result = search::make_strategy(strategy)->run(p.space, f, options);
    return {std::move(result), f.calls};
}

std::set<std::string> distinct_keys(const std::vector<search::evaluation>& history) {
    std::set<std::string> keys;
    for (const auto& e : history) keys.insert(e.key);
    return keys;
}

int full_fidelity_evaluations(const std::vector<search::evaluation>& history) {
    std::set<std::string> keys;
    for (const auto& e : history)
        if (e.fidelity == full) keys.insert(e.key);
    return static_cast<int>(keys.size());
}

}  // namespace

TEST_CASE("make_strategy knows four strategies, genetic first, and names them on a typo", "[strategy]") {
    CHECK(search::strategy_names() == std::vector<std::string>{"genetic", "random", "exhaustive", "halving"});
    for (const auto& name : search::strategy_names()) CHECK(search::make_strategy(name)->name() == name);
    CHECK_THROWS_WITH(search::make_strategy("genetics"),
                      "search: unknown strategy 'genetics' (strategies: genetic, random, exhaustive, halving)");
}

TEST_CASE("no strategy measures a configuration twice at one fidelity, nor an invalid one", "[strategy]") {
    for (const auto& name : search::strategy_names()) {
        for (const auto& p : problems()) {
            INFO(name << " on " << p.name);
            // recording_objective throws when asked for an invalid configuration.
            const auto [result, calls] = run(name, p, 3);
            const std::set<std::pair<search::configuration, int>> distinct(calls.begin(), calls.end());
            CHECK(distinct.size() == calls.size());
            CHECK(result.history.size() == calls.size());
            CHECK(result.unique_evaluations == static_cast<int>(distinct_keys(result.history).size()));
            CHECK(result.strategy == name);
        }
    }
}

TEST_CASE("the budget is respected: unique full evaluations, or cost for halving", "[strategy]") {
    for (const auto& p : problems()) {
        INFO(p.name);
        for (const char* name : {"genetic", "random"}) {
            INFO(name);
            const auto [result, calls] = run(name, p, 5, 18);
            CHECK(result.unique_evaluations == 18);
            CHECK(result.cost == 18);
        }
        const auto halving = run("halving", p, 5, 18).result;
        CHECK(halving.cost <= 18);
        CHECK(halving.unique_evaluations > 18);  // cheap rungs buy more candidates than 18
        CHECK(full_fidelity_evaluations(halving.history) >= 1);
    }
}

TEST_CASE("exhaustive ignores the budget and measures every valid configuration once", "[strategy]") {
    const auto p = problems()[3];
    const auto [result, calls] = run("exhaustive", p, 1, 18);
    CHECK(calls.size() == p.space.valid_count());
    CHECK(result.unique_evaluations == 384);
    // The bowl's minimum, 1 at block_q 64, block_kv 96, threads 8, dtype 0 (positions 3+4+3+0, even).
    CHECK(result.best == search::configuration{64, 96, 8, 0});
}

TEST_CASE("a space smaller than the budget is exhausted, and the search stops", "[strategy]") {
    const search::space tiny({{"a", {1, 2, 3}}, {"b", {10, 20}}});
    const problem p{"tiny", tiny, [](const std::vector<std::size_t>& at) { return 1.0 + double(at[0] + at[1]); },
                    0.0};
    for (const auto& name : search::strategy_names()) {
        INFO(name);
        const auto result = run(name, p, 2, 18).result;
        CHECK(result.best == search::configuration{1, 10});
        if (std::string(name) != "halving") CHECK(result.unique_evaluations == 6);
    }
}

TEST_CASE("the same seed gives the same evaluations, other seeds give others", "[strategy]") {
    for (const auto& name : search::strategy_names()) {
        if (name == "exhaustive") continue;  // deterministic by definition
        for (const auto& p : problems()) {
            INFO(name << " on " << p.name);
            const auto a = synthetic::measured_keys(run(name, p, 17).result.history);
            const auto b = synthetic::measured_keys(run(name, p, 17).result.history);
            const auto c = synthetic::measured_keys(run(name, p, 18).result.history);
            CHECK(a == b);
            CHECK(a != c);
        }
    }
}

TEST_CASE("initial configurations are measured first, invalid ones are skipped and counted", "[strategy]") {
    const auto p = problems()[3];  // checkerboard
    const search::configuration valid{64, 96, 8, 0}, invalid{64, 96, 8, 1};
    for (const auto& name : search::strategy_names()) {
        INFO(name);
        const auto result = run(name, p, 4, 18, {invalid, valid, valid}).result;
        REQUIRE_FALSE(result.history.empty());
        CHECK(result.history.front().config == valid);
        CHECK(result.invalid_skipped >= 1);
    }
}

TEST_CASE("the best result is the lowest full-fidelity median measured", "[strategy]") {
    for (const auto& name : search::strategy_names()) {
        for (const auto& p : problems()) {
            INFO(name << " on " << p.name);
            const auto result = run(name, p, 9).result;
            double lowest = INFINITY;
            for (const auto& e : result.history)
                if (e.fidelity == full && !e.retime) lowest = std::min(lowest, e.result.median);
            CHECK(result.best_result.median == lowest);
            CHECK(p.space.valid(result.best));
        }
    }
}

TEST_CASE("retiming re-measures the incumbent every n evaluations without counting it", "[strategy]") {
    const auto p = problems()[2];
    const auto [result, calls] = run("genetic", p, 6, 18, {}, 4);
    int retimes = 0;
    for (const auto& e : result.history)
        if (e.retime) {
            ++retimes;
            CHECK(e.fidelity == full);
        }
    CHECK(retimes == 18 / 4);
    CHECK(result.unique_evaluations == 18);
    CHECK(result.cost == 18 + retimes);
    CHECK(calls.size() == result.history.size());
}

TEST_CASE("bad options are rejected with the field and the value", "[strategy]") {
    const auto p = problems()[0];
    synthetic::recording_objective f(p.space, p.landscape);
    search::search_options options;
    options.budget = 0;
    CHECK_THROWS_WITH(search::make_strategy("genetic")->run(p.space, f, options),
                      "search_options.budget (0) must be >= 1");
    options.budget = 18;
    options.retime_incumbent_every = -1;
    CHECK_THROWS_AS(search::make_strategy("random")->run(p.space, f, options), std::invalid_argument);
    options.retime_incumbent_every = 0;
    options.initial = {{64, 96}};
    CHECK_THROWS_WITH(search::make_strategy("random")->run(p.space, f, options),
                      "search_options.initial[0] has 2 values, the space 4 parameters");
}
