// attnkit-tune --simulate: the strategies scored on recorded exhaustive sweeps
// (sweep.jsonl files), over many seeds, in seconds and without the machine.
// For each recorded problem and strategy: unique evaluations until the best
// configuration found is within the tolerance of the sweep's optimum (median
// and mean over seeds), the cost to get there (full-measurement equivalents
// and seconds of timed calls), and best-so-far against evaluations (mean and
// 10-90 % band), written to simulation.json for the study's plot.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "search/genetic.hpp"

namespace attnkit_tune {

namespace search = attnkit_bench::search;

struct simulation_options {
    std::vector<std::string> sweep_files;
    std::vector<std::string> strategies = {"genetic", "random", "halving"};
    int budget = 40;
    int seeds = 30;
    std::uint64_t seed = 1;
    double tolerance = 0.05;
    std::string out_dir = "tune-out";
    search::genetic_parameters genetic;  // main.cpp: the campaign's tuned_genetic_parameters() unless --genetic
    bool search_genetic_parameters = false;  // also score a grid of genetic parameters
    bool quiet = false;
    std::string command_line;
};

// Runs the simulation, prints its table and writes <out_dir>/simulation.json;
// returns 0, or 1 when a sweep file cannot be used.
int run_simulation(const simulation_options& options);

}  // namespace attnkit_tune
