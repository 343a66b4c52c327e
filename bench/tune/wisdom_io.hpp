// attnkit-tune: the tuner's side of the wisdom file. The format itself (reader
// and writer) is the library's <attnkit/wisdom.hpp>, so the two cannot drift;
// this file only maps the tuner's problems and results onto it.
#pragma once

#include <optional>
#include <string>

#include "attention_space.hpp"
#include "problems.hpp"

namespace attnkit_tune {

struct problem_result;
struct campaign_options;

// What variant::automatic runs for p with `threads` as its thread budget and no
// wisdom loaded: the library's heuristic, as attnkit::automatic_choice says.
attention_config default_configuration(const problem& p, int threads);

// The result stored for this machine's key and exactly this problem, if any
// (the file may be absent).
std::optional<problem_result> find_in_wisdom(const std::string& path, const problem& p, int threads);

// Adds (or replaces) the entry of r, rewriting the file atomically.
void store_in_wisdom(const std::string& path, const problem_result& r, const campaign_options& options);

}  // namespace attnkit_tune
