#include "simulation.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>

#include "attention_space.hpp"
#include "records.hpp"
#include "search/simulate.hpp"
#include "search/strategy.hpp"
#include "wisdom_io.hpp"

namespace attnkit_tune {
namespace {

using nlohmann::json;

// NaN and infinity are not JSON numbers: null.
json number(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

json numbers(const std::vector<double>& xs) {
    json a = json::array();
    for (const double x : xs) a.push_back(number(x));
    return a;
}

search::strategy_factory factory_for(const std::string& name, const search::genetic_parameters& genetic) {
    if (name == "genetic") return [genetic] { return std::make_unique<search::genetic_strategy>(genetic); };
    search::make_strategy(name);  // unknown names fail here
    return [name] { return search::make_strategy(name); };
}

json summary_json(const search::simulation_summary& s) {
    return {{"median_evaluations", s.median_evaluations},
            {"mean_evaluations", s.mean_evaluations},
            {"mean_cost", number(s.mean_cost_to_tolerance)},
            {"reached", s.reached},
            {"evaluations_to_tolerance", s.evaluations_to_tolerance},
            {"mean_gap", numbers(s.mean_gap)},
            {"p10_gap", numbers(s.p10_gap)},
            {"p90_gap", numbers(s.p90_gap)}};
}

struct scored_problem {
    recorded_sweep sweep;
    search::space space;
    search::search_options base;
    std::string default_key;  // the library default's equivalent in the space ("" when it has none)
};

double true_median(const std::map<std::string, std::vector<double>>& samples, const std::string& key) {
    const auto found = samples.find(key);
    return found == samples.end() ? NAN : search::median(found->second);
}

// Mean over problems of the median evaluations to tolerance.
double score_genetic(const std::vector<scored_problem>& problems, const search::genetic_parameters& g, int seeds,
                     double tolerance) {
    double sum = 0;
    for (const auto& sp : problems)
        sum += search::simulate(sp.space, sp.sweep.samples_by_key, factory_for("genetic", g), sp.base, seeds, tolerance)
                   .median_evaluations;
    return sum / double(problems.size());
}

}  // namespace

int run_simulation(const simulation_options& o) {
    std::vector<recorded_sweep> sweeps = read_sweeps(o.sweep_files);
    if (sweeps.empty()) {
        std::fprintf(stderr, "attnkit-tune: no recorded sweep in the given files\n");
        return 1;
    }
    std::vector<scored_problem> problems;
    for (auto& sw : sweeps) {
        search::space s = attention_space(sw.p, {sw.thread_budget, sw.allow_precision_change});
        // The default's configuration is every strategy's first candidate, as in a real campaign.
        search::search_options base;
        base.budget = o.budget;
        base.seed = o.seed;
        const space_options so{sw.thread_budget, sw.allow_precision_change};
        const search::configuration start =
            from_attention(s, equivalent_in_space(sw.p, so, default_configuration(sw.p, sw.thread_budget)));
        const std::string default_key = s.valid(start) ? s.key(start) : std::string();
        if (s.valid(start)) base.initial.push_back(start);
        for (const attention_config& a : seed_candidates(sw.p, so)) base.initial.push_back(from_attention(s, a));
        problems.push_back({std::move(sw), std::move(s), base, default_key});
    }

    json out = {{"tool", "attnkit-tune --simulate"},
                {"command", o.command_line},
                {"tolerance", o.tolerance},
                {"seeds", o.seeds},
                {"budget", o.budget},
                {"first_seed", o.seed},
                {"genetic_parameters",
                 {{"population", o.genetic.population},
                  {"tournament", o.genetic.tournament},
                  {"crossover_rate", o.genetic.crossover_rate},
                  {"mutation_rate", o.genetic.mutation_rate},
                  {"random_jump_rate", o.genetic.random_jump_rate},
                  {"elite", o.genetic.elite},
                  {"surrogate_candidates", o.genetic.surrogate_candidates}}},
                {"problems", json::array()}};

    std::printf("%-48s %-22s %6s %8s", "problem (machine)", "", "valid", "default");
    // Per strategy: median / mean unique full-fidelity evaluations to the
    // tolerance, then the mean cost to it in full-measurement equivalents
    // (lower fidelities and re-timings included): successive halving spends
    // its budget below full fidelity, so only the cost compares it fairly.
    for (const auto& name : o.strategies) std::printf(" %20s", name.c_str());
    std::printf(" %20s", "random, no seeds");
    std::printf("\n%-48s %-22s %6s %8s", "", "", "", "/ best");
    for (std::size_t i = 0; i <= o.strategies.size(); ++i) std::printf(" %20s", "med/mean ev. cost");
    std::printf("\n");
    int genetic_within = 0, genetic_half_random = 0, genetic_half_plain = 0, default_within = 0;
    int halving_cheaper = 0, cost_compared = 0;
    for (const auto& sp : problems) {
        json pj = {{"name", sp.sweep.p.name},
                   {"machine", sp.sweep.machine},
                   {"thread_budget", sp.sweep.thread_budget},
                   {"valid_configurations", sp.space.valid_count()},
                   {"strategies", json::object()}};
        std::printf("%-48s %-22.22s %6zu", sp.sweep.p.name.c_str(), sp.sweep.machine.c_str(), sp.space.valid_count());
        // The library's default (its heuristic, no wisdom) against the sweep's best.
        double optimum = INFINITY;
        for (const auto& c : sp.space.valid_configurations_view())
            optimum = std::min(optimum, true_median(sp.sweep.samples_by_key, sp.space.key(c)));
        const double default_ratio = sp.default_key.empty() ? NAN : true_median(sp.sweep.samples_by_key, sp.default_key) / optimum;
        pj["default_key"] = sp.default_key;
        pj["default_over_optimum"] = number(default_ratio);
        if (default_ratio <= 1.2) ++default_within;
        std::printf(" %8.2f", default_ratio);
        double genetic_mean = NAN, random_mean = NAN, genetic_median = NAN, random_plain = NAN;
        double genetic_cost = NAN, halving_cost = NAN;
        for (const auto& name : o.strategies) {
            const auto summary = search::simulate(sp.space, sp.sweep.samples_by_key, factory_for(name, o.genetic),
                                                  sp.base, o.seeds, o.tolerance);
            pj["optimum_s"] = summary.optimum;
            pj["full_fidelity"] = summary.full_fidelity;
            pj["strategies"][name] = summary_json(summary);
            std::printf(" %5.1f/%5.1f %7.1f", summary.median_evaluations, summary.mean_evaluations,
                        summary.mean_cost_to_tolerance);
            if (name == "genetic") {
                genetic_mean = summary.mean_evaluations;
                genetic_median = summary.median_evaluations;
                genetic_cost = summary.mean_cost_to_tolerance;
            }
            if (name == "halving") halving_cost = summary.mean_cost_to_tolerance;
            if (name == "random") random_mean = summary.mean_evaluations;
        }
        if (std::isfinite(genetic_cost) && std::isfinite(halving_cost)) {
            ++cost_compared;
            if (halving_cost < genetic_cost) ++halving_cheaper;
        }
        // Random search as the baseline: without the default and the
        // seed candidates (the "random" column above gets them, as every
        // strategy of a campaign does).
        search::search_options plain = sp.base;
        plain.initial.clear();
        const auto uninformed = search::simulate(sp.space, sp.sweep.samples_by_key, factory_for("random", o.genetic),
                                                 plain, o.seeds, o.tolerance);
        pj["strategies"]["random_uninformed"] = summary_json(uninformed);
        std::printf(" %5.1f/%5.1f %7.1f", uninformed.median_evaluations, uninformed.mean_evaluations,
                    uninformed.mean_cost_to_tolerance);
        random_plain = uninformed.mean_evaluations;
        std::printf("\n");
        if (genetic_median <= 18) ++genetic_within;
        if (genetic_mean <= 0.5 * random_plain) ++genetic_half_plain;
        if (genetic_mean <= 0.5 * random_mean) ++genetic_half_random;
        out["problems"].push_back(pj);
    }
    const int n = static_cast<int>(problems.size());
    std::printf("\ngenetic within %.0f %% of the optimum in <= 18 evaluations (median over %d seeds): %d of %d problems\n",
                o.tolerance * 100, o.seeds, genetic_within, n);
    std::printf("genetic needs at most half the evaluations of random search (means): %d of %d problems with the "
                "same first candidates, %d of %d against random search without them\n",
                genetic_half_random, n, genetic_half_plain, n);
    std::printf("the library's default (no wisdom) within 20 %% of the sweep's best: %d of %d problems\n",
                default_within, n);
    if (cost_compared)
        std::printf("successive halving reaches the tolerance at a lower mean cost than genetic on %d of %d problems\n",
                    halving_cheaper, cost_compared);
    out["goals"] = {{"default_within_20_percent", default_within},
                    {"genetic_median_within_18", genetic_within},
                    {"genetic_at_most_half_random", genetic_half_random},
                    {"genetic_at_most_half_uninformed_random", genetic_half_plain},
                    {"halving_cheaper_than_genetic", halving_cheaper},
                    {"cost_compared", cost_compared},
                    {"problems", n}};

    if (o.search_genetic_parameters) {
        // A small grid around the defaults, scored by the mean over problems of
        // the median evaluations to the tolerance (ties: the earlier entry).
        json grid = json::array();
        search::genetic_parameters best = o.genetic;
        double best_score = score_genetic(problems, best, o.seeds, o.tolerance);
        for (const int population : {4, 6, 8, 10})
            for (const int tournament : {2, 3})
                for (const double mutation : {0.15, 0.25, 0.4})
                    for (const int elite : {1, 2, population - 1}) {
                        search::genetic_parameters g = o.genetic;
                        g.population = population;
                        g.tournament = tournament;
                        g.mutation_rate = mutation;
                        g.elite = elite;
                        const double score = score_genetic(problems, g, o.seeds, o.tolerance);
                        grid.push_back({{"population", population},
                                        {"tournament", tournament},
                                        {"mutation_rate", mutation},
                                        {"elite", elite},
                                        {"mean_median_evaluations", score}});
                        if (score < best_score) {
                            best_score = score;
                            best = g;
                        }
                    }
        out["genetic_grid"] = grid;
        out["genetic_best"] = {{"population", best.population},
                               {"tournament", best.tournament},
                               {"mutation_rate", best.mutation_rate},
                               {"elite", best.elite},
                               {"mean_median_evaluations", best_score}};
        std::printf("best genetic parameters on these sweeps: population %d, tournament %d, mutation %.2f, elite %d "
                    "(mean of median evaluations %.2f)\n",
                    best.population, best.tournament, best.mutation_rate, best.elite, best_score);
    }

    std::filesystem::create_directories(o.out_dir);
    const std::string path = (std::filesystem::path(o.out_dir) / "simulation.json").string();
    std::ofstream f(path);
    f << out.dump(1) << '\n';
    if (!f) throw std::runtime_error("attnkit-tune: cannot write " + path);
    if (!o.quiet) std::fprintf(stderr, "attnkit-tune: simulation written to %s\n", path.c_str());
    return 0;
}

}  // namespace attnkit_tune
