// attnkit-tune: searches attnkit::sdpa's variant, tiles and threads (and the
// dtype when a change of precision is allowed) per problem, times candidates
// with Google Benchmark in process, and writes wisdom that variant::automatic
// reuses (load_wisdom or ATTNKIT_WISDOM), raw records and a summary; with
// --simulate, scores the search strategies on recorded exhaustive sweeps.
// See bench/tune/README.md.
#include <CLI/CLI.hpp>

#include <attnkit/wisdom.hpp>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "campaign.hpp"
#include "common/flags.hpp"
#include "common/shape.hpp"
#include "measure.hpp"
#include "problems.hpp"
#include "search/strategy.hpp"
#include "simulation.hpp"

namespace {

std::string joined(int argc, char** argv) {
    std::string s;
    for (int i = 0; i < argc; ++i) s += (i ? " " : "") + std::string(argv[i]);
    return s;
}

}  // namespace

int main(int argc, char** argv) try {
    using namespace attnkit_tune;
    CLI::App app{"attnkit-tune: tune attnkit::sdpa (variant, tiles, threads) per problem and write wisdom"};
    app.set_version_flag("--version", std::string("attnkit-tune ") + attnkit::library_version_text());

    std::vector<std::string> sets, shapes, dtypes = {"f32", "f64"};
    campaign_options o;
    simulation_options sim;
    std::vector<std::string> simulate_files;
    int threads = attnkit_bench::all_threads();
    bool no_reuse = false;
    std::string genetic_text;

    app.add_option("--set", sets, "Problem sets: study, transformer, decode, prefill (repeatable)")
        ->check(CLI::IsMember(problem_set_names()));
    app.add_option("--shape", shapes, "A problem B,Hq,Hkv,Sq,Skv,D[,causal] (repeatable; causal: none, top_left, "
                                      "bottom_right)");
    app.add_option("--dtype", dtypes, "Element types of the problems")->check(CLI::IsMember({"f32", "f64"}))
        ->capture_default_str();
    app.add_option("--budget", o.budget, "Unique configurations timed per problem (halving: full-measurement "
                                         "equivalents)")
        ->check(CLI::Range(1, 100000))->capture_default_str();
    app.add_option("--strategy", o.strategy, "Search strategy")
        ->check(CLI::IsMember(attnkit_bench::search::strategy_names()))->capture_default_str();
    app.add_option("--seed", o.seed, "Seed of the search (same seed, same data: same evaluations)")
        ->capture_default_str();
    app.add_option("--threads", threads, "Thread budget: configurations use 1 up to this many threads")
        ->check(CLI::Range(1, 4096))->capture_default_str();
    app.add_option("--out", o.out_dir, "Output directory (wisdom.jsonl, records.jsonl, summary.json, summary.md)")
        ->capture_default_str();
    app.add_option("--wisdom", o.wisdom_path, "Wisdom file to reuse and update (default: <out>/wisdom.jsonl)");
    app.add_flag("--retune", no_reuse, "Time problems even when the wisdom file already holds them");
    app.add_flag("--allow-precision-change", o.space.allow_precision_change,
                 "Let the search choose float32 or float64 for each shape (the study's mode)");
    app.add_flag("--sweep", o.sweep, "Exhaustive sweep with a fixed number of repetitions; writes sweep.jsonl for "
                                     "--simulate");
    app.add_option("--sweep-passes", o.sweep_passes,
                   "Sweep: passes over every configuration, each in a new seeded order, --repetitions each; the "
                   "samples of all passes are pooled (host drift then falls on all configurations alike)")
        ->check(CLI::Range(1, 100))->capture_default_str();
    app.add_option("--repetitions", o.measure.min_repetitions, "Repetitions of a full measurement")
        ->check(CLI::Range(1, 1000))->capture_default_str();
    app.add_option("--max-repetitions", o.measure.max_repetitions,
                   "Most repetitions before a measurement is flagged as not converged")
        ->check(CLI::Range(1, 10000))->capture_default_str();
    app.add_option("--ci", o.measure.ci_target, "Target: the median's 95% CI within this fraction of it")
        ->check(CLI::Range(0.0001, 1.0))->capture_default_str();
    app.add_option("--repetition-ms", o.measure.repetition_seconds, "Length of one repetition, milliseconds")
        ->transform([](std::string ms) { return std::to_string(std::stod(ms) / 1e3); })
        ->check(CLI::PositiveNumber);
    app.add_option("--retime-every", o.retime_incumbent_every,
                   "Re-time the incumbent after every n new evaluations (0: never)")
        ->check(CLI::Range(0, 1000))->capture_default_str();
    app.add_option("--finalists", o.finalists,
                   "The search's best distinct configurations raced against the default before one is kept (1: "
                   "the best alone)")
        ->check(CLI::Range(1, 16))->capture_default_str();
    app.add_flag("--quiet", o.quiet, "No progress display");
    bool check = false;
    app.add_flag("--check-wisdom", check,
                 "Instead of tuning: time automatic without and with the wisdom file against the tuned "
                 "configurations (paired rounds); exit status 3 if automatic with wisdom is >2% slower anywhere");
    std::string compare_with;
    app.add_option("--compare-wisdom", compare_with,
                   "Instead of tuning: time this run's choices (--out's or --wisdom's wisdom) against those of another "
                   "run's wisdom file, alternately in one process; exit status 3 if any differ by more than 2%")
        ->check(CLI::ExistingFile);
    auto* simulate = app.add_option("--simulate", simulate_files,
                                    "Score the strategies on recorded sweeps (sweep.jsonl files) instead of tuning")
                         ->check(CLI::ExistingFile);
    app.add_option("--seeds", sim.seeds, "Simulation: seeds per strategy and problem")->check(CLI::Range(1, 10000))
        ->capture_default_str();
    app.add_option("--strategies", sim.strategies, "Simulation: strategies to score")
        ->check(CLI::IsMember(attnkit_bench::search::strategy_names()))->capture_default_str();
    app.add_option("--tolerance", sim.tolerance, "Simulation: within this fraction of the optimum counts as found")
        ->check(CLI::Range(0.0, 10.0))->capture_default_str();
    app.add_flag("--search-genetic-parameters", sim.search_genetic_parameters,
                 "Simulation: also score a grid of the genetic algorithm's parameters");
    app.add_option("--genetic", genetic_text,
                   "Genetic parameters population,tournament,mutation_rate,elite[,surrogate_candidates] "
                   "(default: campaign.hpp's, chosen in simulation)");
    CLI11_PARSE(app, argc, argv);

    attnkit_bench::search::genetic_parameters genetic = tuned_genetic_parameters();
    if (!genetic_text.empty()) {
        double population = 0, tournament = 0, mutation = 0, elite = 0, candidates = 1;
        const int fields = std::sscanf(genetic_text.c_str(), "%lf,%lf,%lf,%lf,%lf", &population, &tournament, &mutation,
                                       &elite, &candidates);
        if (fields != 4 && fields != 5)
            throw std::invalid_argument("--genetic '" + genetic_text +
                                        "': want population,tournament,mutation,elite[,surrogate_candidates]");
        genetic.surrogate_candidates = fields == 5 ? static_cast<int>(candidates) : 1;
        genetic.population = static_cast<int>(population);
        genetic.tournament = static_cast<int>(tournament);
        genetic.mutation_rate = mutation;
        genetic.elite = static_cast<int>(elite);
        genetic.validate();
    }

    o.command_line = joined(argc, argv);
    if (*simulate) {
        sim.sweep_files = simulate_files;
        sim.budget = o.budget;
        sim.seed = o.seed;
        sim.out_dir = o.out_dir;
        sim.genetic = genetic;
        sim.quiet = o.quiet;
        sim.command_line = o.command_line;
        return run_simulation(sim);
    }

    // The default must be the library's heuristic: no wisdom from the
    // environment or elsewhere while the tuner measures it.
    unsetenv("ATTNKIT_WISDOM");
    attnkit::clear_wisdom();

    std::vector<attnkit_bench::dtype> types;
    for (const auto& d : dtypes) types.push_back(*attnkit_bench::parse_dtype(d));
    std::vector<problem> problems;
    for (const auto& set : sets)
        for (auto& p : problem_set(set, types)) problems.push_back(std::move(p));
    for (const auto& text : shapes)
        for (const auto t : types) problems.push_back(shape_problem(attnkit_bench::parse_shape(text), t));
    if (problems.empty()) throw std::invalid_argument("no problem to tune: give --set or --shape");
    if (o.space.allow_precision_change) {
        // One problem per shape: the dtype is a gene.
        std::vector<problem> unique;
        for (const auto& p : problems) {
            bool seen = false;
            for (const auto& u : unique) seen = seen || u.s == p.s;
            if (!seen) unique.push_back(p);
        }
        problems = std::move(unique);
    }
    o.space.thread_budget = threads;
    o.reuse_wisdom = !no_reuse;
    o.strategy_genetic = genetic;

    initialize_benchmark_library(argv[0]);
    if (check) return check_wisdom(problems, o) > 0 ? 3 : 0;
    if (!compare_with.empty()) return compare_runs(problems, o, compare_with) > 0 ? 3 : 0;
    const auto results = run_campaign(problems, o);
    write_summary(results, o);
    std::printf("%s", summary_table(results).c_str());
    std::printf("\nwisdom: %s\nrecords: %s/records.jsonl\nsummary: %s/summary.json, %s/summary.md\n",
                (o.wisdom_path.empty() ? o.out_dir + "/wisdom.jsonl" : o.wisdom_path).c_str(), o.out_dir.c_str(),
                o.out_dir.c_str(), o.out_dir.c_str());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "attnkit-tune: %s\n", e.what());
    return 1;
}
