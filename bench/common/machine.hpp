// attnkit benchmarks: the facts about this machine, this build and this
// process that every record carries (CPU model and flags, cores, caches, load,
// governor, compiler and flags, library version, git commit and dirty flag,
// OpenMP settings), so that a number can always be traced to what made it.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace attnkit_bench {

using facts = std::vector<std::pair<std::string, std::string>>;

// Every fact as (name, text), in a fixed order. Cheap (a few small files read).
facts machine_facts();

// Single facts the programs use directly.
std::string cpu_model();                  // /proc/cpuinfo's "model name", else "unknown"
std::string git_commit();                 // of the source tree at build time, "unknown" without git
bool git_dirty();                         // uncommitted changes at build time
std::string compiler();                   // e.g. "GCC 12.2.0"
std::string build_flags();                // CMAKE_CXX_FLAGS and the build type's flags
std::size_t last_level_cache_bytes();     // 0 when unknown
double load_average_1min();               // -1 when unknown

// The value of one fact by name, "" when absent.
std::string fact(const facts& all, const std::string& name);

// A JSON object {"name": "text", ...} of the facts (strings escaped).
std::string facts_json(const facts& all);

// s with JSON's escapes, without the quotes.
std::string json_escape(const std::string& s);

}  // namespace attnkit_bench
