// attnkit-tune: timing attnkit::sdpa configurations through Google Benchmark,
// in process. measure.cpp is the tuner's only includer of benchmark.h.
//
// One measurement of a configuration: on first sight it is run once and its
// output checked against the problem's reference output (the default
// configuration's, computed once per dtype), then calibrated once (iterations
// per repetition such that a repetition lasts about repetition_seconds, after
// a warm-up call); then Google Benchmark runs repetitions of that many
// iterations (UseRealTime: the kernels are threaded), each repetition one
// sample of seconds per call. Repetitions are added, in batches, until the
// 95 % confidence interval of the median is within ci_target of the median,
// or max_repetitions is reached (then the measurement is flagged as not
// converged). Every repetition goes to the record sink.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "attention_space.hpp"
#include "problems.hpp"
#include "search/objective.hpp"
#include "search/space.hpp"

namespace attnkit_tune {

struct measure_options {
    double repetition_seconds = 0.01;  // target length of one repetition
    int min_repetitions = 5;           // a full measurement
    int max_repetitions = 25;
    double ci_target = 0.02;           // each side of the median's 95 % CI within this fraction of it
    bool fixed_repetitions = false;    // exactly the asked repetitions (exhaustive sweeps)
};

struct repetition_record {
    const problem* p = nullptr;
    attention_config config;
    std::string key;  // the search space's key of the configuration, "automatic" for the default
    int repetition = 0;
    long long iterations = 0;
    double seconds = 0;  // per call
};

// Runs and times the configurations of one problem.
class attention_runner {
public:
    attention_runner(const problem& p, measure_options options,
                     std::function<void(const repetition_record&)> sink);
    ~attention_runner();
    attention_runner(const attention_runner&) = delete;
    attention_runner& operator=(const attention_runner&) = delete;

    // At least `repetitions` repetitions (more until the CI target, unless
    // fixed), seconds per call. Throws std::runtime_error when the
    // configuration's output differs from the reference.
    search::measurement measure(const attention_config& c, const std::string& key, int repetitions);

    const measure_options& options() const noexcept { return options_; }

private:
    struct state;
    const problem& problem_;
    measure_options options_;
    std::function<void(const repetition_record&)> sink_;
    std::unique_ptr<state> state_;
};

// The engine's objective for one problem: a configuration of the attention
// space, measured by the runner; fidelity = repetitions.
class attention_objective : public search::objective {
public:
    attention_objective(const search::space& s, attention_runner& runner, attnkit_bench::dtype type)
        : space_(s), runner_(runner), type_(type) {}
    search::measurement measure(const search::configuration& c, int fidelity) override;
    int full_fidelity() const override { return runner_.options().min_repetitions; }

private:
    const search::space& space_;
    attention_runner& runner_;
    attnkit_bench::dtype type_;
};

// Google Benchmark set up for in-process use (once per process).
void initialize_benchmark_library(const char* program);

}  // namespace attnkit_tune
