// attnkit-tune: a tuning campaign over a list of problems.
//
// For each problem: if the wisdom file already holds an entry for this
// machine's key and this exact problem, it is reported from there and nothing
// is timed. Otherwise the library's default (variant::automatic with no
// wisdom) is measured, the search engine runs the chosen strategy over the
// attention space with the default's configuration as its first candidate,
// and the search's best (or its best few distinct configurations, the
// finalists) and the default are then raced: timed again in rounds, the order
// rotating, so that drift on a shared machine cancels. The tuned entry is the
// finalist with the best median ratio over the default in the same rounds, if
// that ratio says it is faster; otherwise it is the default's own
// configuration, so a tuned call is never slower than the default. The entry goes to the wisdom file (atomically rewritten), every
// repetition and evaluation to records.jsonl.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "attention_space.hpp"
#include "measure.hpp"
#include "problems.hpp"
#include "search/genetic.hpp"
#include "search/statistics.hpp"

namespace attnkit_tune {

// The genetic algorithm's parameters for attention spaces: a steady-state
// algorithm (population 3, the 2 best kept, one child per generation),
// tournaments of 2, mutation 0.2 per parameter, and each child the surrogate's
// pick of 32 unmeasured ones (genetic.hpp). Chosen with `attnkit-tune
// --simulate SWEEP --genetic P,T,M,E,C` on the 15 recorded 16-thread sweeps
// (bench/tune/sweeps/sapphire-rapids-16.jsonl), 30 seeds, budget 18, among 13
// settings (C 1 to 32, populations 2 to 6): the lowest sum over problems of the
// mean evaluations to reach 5 % of the optimum, 89.3 against random search's
// 173.9 with the same first candidates (0.513; the former 4,3,0.15,3 without
// the surrogate: 140.8, 0.810), and 15 of 15 problems within 18 (median; 11
// before). Checked on the 2-core sweeps it was not chosen on: 60.0 / 105.7 =
// 0.568 (interleaved; before 1.019) and 75.7 / 102.6 = 0.738 (before 1.108),
// 14 of 14 within 18 on both. See bench/tune/README.md.
inline search::genetic_parameters tuned_genetic_parameters() {
    search::genetic_parameters g;
    g.population = 3;
    g.tournament = 2;
    g.mutation_rate = 0.2;
    g.elite = 2;
    g.surrogate_candidates = 32;
    return g;
}

struct campaign_options {
    std::string strategy = "genetic";
    search::genetic_parameters strategy_genetic = tuned_genetic_parameters();  // when strategy is "genetic"
    int budget = 18;
    std::uint64_t seed = 1;
    space_options space;
    measure_options measure;
    std::string out_dir = "tune-out";
    std::string wisdom_path;        // default: <out_dir>/wisdom.jsonl
    bool reuse_wisdom = true;       // skip problems the wisdom file already holds
    bool sweep = false;             // exhaustive, fixed repetitions, sweep.jsonl written
    int sweep_passes = 1;           // sweep: passes over every configuration, each in a new order
    int retime_incumbent_every = 6;
    int confirm_rounds = 5;         // rounds of the race of finalists and default (and of the checks)
    int finalists = 1;              // the search's best distinct configurations raced against the default
    bool quiet = false;
    std::string command_line;       // recorded with the results
};

struct problem_result {
    problem p;
    attention_config best, default_config;
    double best_median = 0, default_median = 0;
    search::interval best_ci{}, default_ci{};
    double speedup = 1;               // default / best, median of the paired rounds' ratios
    search::interval speedup_ci{};
    int evaluations = 0, invalid = 0, cache_hits = 0, valid_configurations = 0;
    double cost = 0;                  // full-measurement equivalents
    double seconds = 0;               // wall time spent on this problem
    bool from_wisdom = false;
    bool converged = true;
};

// Runs the campaign, writing wisdom, records and (sweep mode) the sweep file
// into out_dir, and returns one result per problem.
std::vector<problem_result> run_campaign(const std::vector<problem>& problems, const campaign_options& options);

// --check-wisdom: for each problem the wisdom file holds, paired rounds of
// three calls in alternating order: automatic without wisdom (the default),
// automatic with the wisdom file loaded, and the tuned configuration named
// explicitly. Prints and writes <out_dir>/wisdom_check.json; returns the
// number of problems where automatic with wisdom is more than `tolerance`
// slower than the tuned configuration.
int check_wisdom(const std::vector<problem>& problems, const campaign_options& options, double tolerance = 0.02);

// --compare-wisdom OTHER: two independent campaigns judged against each
// other. For each problem both wisdom files hold (this run's and OTHER), the
// two chosen configurations are timed alternately in paired rounds in this
// one process; prints and writes <out_dir>/compare_runs.json; returns the
// number of problems whose paired median ratio is more than `tolerance` from 1
// (the same configuration in both counts as within, untimed).
int compare_runs(const std::vector<problem>& problems, const campaign_options& options, const std::string& other_wisdom,
                 double tolerance = 0.02);

// summary.json and summary.md in out_dir.
void write_summary(const std::vector<problem_result>& results, const campaign_options& options);

// The summary table, as printed and as summary.md holds it.
std::string summary_table(const std::vector<problem_result>& results);

}  // namespace attnkit_tune
