// attnkit-tune: what the tuner writes besides wisdom, as JSON lines.
//   records.jsonl   one "environment" line per run (machine facts, command),
//                   then every repetition timed ("repetition") and every
//                   evaluation the search engine made ("evaluation", retimes of
//                   the incumbent included), so that any figure of a summary can
//                   be recomputed from the raw samples
//   sweep.jsonl     exhaustive mode only: one line per (problem, valid
//                   configuration) with all its samples: the recorded sweeps
//                   that --simulate replays
#pragma once

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "attention_space.hpp"
#include "measure.hpp"
#include "problems.hpp"
#include "search/strategy_interface.hpp"

namespace attnkit_tune {

nlohmann::json to_json(const attention_config& c);
attention_config config_from_json(const nlohmann::json& j);  // throws nlohmann::json::exception on bad input
nlohmann::json to_json(const problem& p);                   // name, set, dtype and the shape's fields
problem problem_from_json(const nlohmann::json& j);
nlohmann::json machine_json();                               // the machine facts (common/machine.hpp)
std::string utc_now();                                       // ISO 8601

// Appends JSON lines to a file (created with its directory if needed), one
// flushed line at a time so that an interrupted run keeps what it measured.
class jsonl_writer {
public:
    explicit jsonl_writer(const std::string& path, bool append = true);
    void write(const nlohmann::json& line);
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
    std::ofstream out_;
};

// A recorded exhaustive sweep of one problem: the samples of every valid
// configuration, by the attention space's key.
struct recorded_sweep {
    problem p;
    int thread_budget = 1;
    bool allow_precision_change = false;
    std::string machine;  // the CPU model it was recorded on
    std::map<std::string, std::vector<double>> samples_by_key;
};

// Reads sweep.jsonl files; lines of other kinds are ignored, malformed lines
// throw std::runtime_error naming file and line.
std::vector<recorded_sweep> read_sweeps(const std::vector<std::string>& paths);

}  // namespace attnkit_tune
