#include "measure.hpp"

#include <attnkit/attnkit.hpp>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "common/inputs.hpp"
#include "search/statistics.hpp"

namespace attnkit_tune {
namespace {

using attnkit_bench::dtype;

// Collects the per-repetition runs of the one registered benchmark.
class collector : public benchmark::BenchmarkReporter {
public:
    bool ReportContext(const Context&) override { return true; }
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& r : runs) {
            if (r.run_type != Run::RT_Iteration) continue;
            if (r.error_occurred) error = r.error_message;
            else if (r.iterations > 0) seconds.push_back(r.real_accumulated_time / double(r.iterations));
        }
    }
    std::vector<double> seconds;
    std::string error;
};

template <class T>
attnkit::options<T> options_for(const attnkit_bench::shape& s, const attention_config& c) {
    attnkit::options<T> opt;
    opt.causal_mode = s.mode;
    opt.kernel = c.kernel;
    opt.tiles.block_q = c.block_q;
    opt.tiles.block_kv = c.block_kv;
    opt.tiles.threads = c.threads;
    return opt;
}

template <class T>
void call(attnkit_bench::inputs<T>& in, const attnkit::options<T>& opt) {
    attnkit::sdpa<T>(in.q_view(), in.k_view(), in.v_view(), in.out_view(), opt);
}

// Largest |a - b| relative to the largest |b| (outputs are weighted means of
// V rows, so of order 1).
template <class T>
double relative_difference(const attnkit_bench::aligned_vector<T>& a, const std::vector<T>& b) {
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < b.size(); ++i) {
        const double d = std::abs(double(a[i]) - double(b[i]));
        diff = std::isnan(d) ? INFINITY : std::max(diff, d);
        scale = std::max(scale, std::abs(double(b[i])));
    }
    return diff / std::max(scale, 1e-30);
}

// Every variant and tile computes the same function; they differ by rounding
// in the order of the sums, far below these bounds (the unit tests hold them
// to much tighter, derived tolerances).
template <class T>
constexpr double output_tolerance() {
    return sizeof(T) == 4 ? 1e-4 : 1e-10;
}

}  // namespace

struct attention_runner::state {
    // Reference outputs per dtype and calibrated iterations per key.
    std::vector<float> reference_f32;
    std::vector<double> reference_f64;
    std::map<std::string, long long> iterations;
};

void initialize_benchmark_library(const char* program) {
    static bool done = false;
    if (done) return;
    done = true;
    std::string name = program;
    char* argv[] = {name.data(), nullptr};
    int argc = 1;
    benchmark::Initialize(&argc, argv);
}

attention_runner::attention_runner(const problem& p, measure_options options,
                                   std::function<void(const repetition_record&)> sink)
    : problem_(p), options_(options), sink_(std::move(sink)), state_(std::make_unique<state>()) {}

attention_runner::~attention_runner() = default;

namespace {

// Runs c once and checks its output against the reference (made on first use
// with the library's default configuration).
template <class T>
void check_output(const attnkit_bench::shape& s, const attention_config& c, std::vector<T>& reference) {
    attnkit_bench::inputs<T>& in = attnkit_bench::inputs_for<T>(s);
    if (reference.empty()) {
        call(in, options_for<T>(s, attention_config{}));
        reference.assign(in.out.begin(), in.out.end());
    }
    std::fill(in.out.begin(), in.out.end(), std::numeric_limits<T>::quiet_NaN());
    call(in, options_for<T>(s, c));
    const double diff = relative_difference(in.out, reference);
    if (!(diff <= output_tolerance<T>()))
        throw std::runtime_error("attnkit-tune: " + describe(c) + " computes a different result (relative difference " +
                                 std::to_string(diff) + " from the default configuration's)");
}

// Seconds of one call after a warm-up call.
template <class T>
double time_one_call(const attnkit_bench::shape& s, const attention_config& c) {
    attnkit_bench::inputs<T>& in = attnkit_bench::inputs_for<T>(s);
    const auto opt = options_for<T>(s, c);
    call(in, opt);
    const auto t0 = std::chrono::steady_clock::now();
    call(in, opt);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <class T>
std::vector<double> run_repetitions(const attnkit_bench::shape& s, const attention_config& c, long long iterations,
                                    int repetitions) {
    attnkit_bench::inputs<T>& in = attnkit_bench::inputs_for<T>(s);
    const auto opt = options_for<T>(s, c);
    benchmark::ClearRegisteredBenchmarks();
    benchmark::RegisterBenchmark("attnkit_tune_configuration",
                                 [&in, opt](benchmark::State& st) {
                                     for (auto _ : st) {
                                         call(in, opt);
                                         benchmark::ClobberMemory();
                                     }
                                 })
        ->UseRealTime()
        ->Iterations(iterations)
        ->Repetitions(repetitions)
        ->ReportAggregatesOnly(false);
    collector c_out;
    benchmark::RunSpecifiedBenchmarks(&c_out, "^attnkit_tune_configuration/");
    benchmark::ClearRegisteredBenchmarks();
    if (!c_out.error.empty()) throw std::runtime_error("attnkit-tune: " + describe(c) + ": " + c_out.error);
    return c_out.seconds;
}

}  // namespace

search::measurement attention_runner::measure(const attention_config& c, const std::string& key, int repetitions) {
    const attnkit_bench::shape& s = problem_.s;
    const bool f32 = c.type == dtype::f32;
    auto found = state_->iterations.find(key);
    if (found == state_->iterations.end()) {
        if (f32)
            check_output<float>(s, c, state_->reference_f32);
        else
            check_output<double>(s, c, state_->reference_f64);
        const double one = f32 ? time_one_call<float>(s, c) : time_one_call<double>(s, c);
        const double wanted = std::ceil(options_.repetition_seconds / std::max(one, 1e-9));
        const long long iterations = static_cast<long long>(std::clamp(wanted, 1.0, 1e6));
        found = state_->iterations.emplace(key, iterations).first;
    }
    const long long iterations = found->second;

    std::vector<double> samples;
    const auto add = [&](int n) {
        const std::vector<double> more = f32 ? run_repetitions<float>(s, c, iterations, n)
                                             : run_repetitions<double>(s, c, iterations, n);
        for (const double x : more) {
            samples.push_back(x);
            if (sink_) sink_({&problem_, c, key, static_cast<int>(samples.size()), iterations, x});
        }
    };
    add(std::max(repetitions, 1));
    bool converged = true;
    // Only full measurements are extended: the lower fidelities of successive
    // halving are cheap looks by design.
    if (!options_.fixed_repetitions && repetitions >= options_.min_repetitions) {
        const auto within_target = [&] {
            const double m = search::median(samples);
            const search::interval ci = search::median_confidence_interval(samples);
            return ci.high - m <= options_.ci_target * m && m - ci.low <= options_.ci_target * m;
        };
        while (!within_target()) {
            if (static_cast<int>(samples.size()) >= options_.max_repetitions) {
                converged = false;
                break;
            }
            add(std::min(3, options_.max_repetitions - static_cast<int>(samples.size())));
        }
    }
    return search::summarize(samples, converged);
}

search::measurement attention_objective::measure(const search::configuration& c, int fidelity) {
    return runner_.measure(to_attention(space_, c, type_), space_.key(c), fidelity);
}

}  // namespace attnkit_tune
