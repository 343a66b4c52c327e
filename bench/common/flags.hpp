// attnkit benchmarks: the command-line values the benchmark programs share
// (thread lists, counts, key=value lists). Errors throw std::invalid_argument
// with the flag and the offending text; programs print it and exit 1.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace attnkit_bench {

// Processors this process may use (omp_get_num_procs()), at least 1.
int all_threads();

// An integer in [lo, hi], the whole text; `what` names the flag in errors.
long parse_count(const std::string& text, const std::string& what, long lo, long hi);

// A positive finite number, the whole text.
double parse_positive(const std::string& text, const std::string& what);

// "1,4,all": sorted, without duplicates; "all" = all_threads().
std::vector<int> parse_thread_list(const std::string& list, const std::string& what);

// "a=1,b=2" -> {("a","1"), ("b","2")}; an item without '=' is an error.
std::vector<std::pair<std::string, std::string>> parse_assignments(const std::string& list, const std::string& what);

// Removes the arguments that start with `prefix` (e.g. "--attnkit_") from
// argv and returns them as (name, value) pairs, name without the prefix, value
// after '=' (empty when there is none). Google Benchmark's flags are left.
std::vector<std::pair<std::string, std::string>> take_flags(int* argc, char** argv, const std::string& prefix);

}  // namespace attnkit_bench
