#include "campaign.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>

#include "common/machine.hpp"
#include "common/shape.hpp"
#include <attnkit/wisdom.hpp>

#include "progress.hpp"
#include "records.hpp"
#include "search/random.hpp"
#include "search/strategy.hpp"
#include "wisdom_io.hpp"

namespace attnkit_tune {
namespace {

using nlohmann::json;

std::string out_path(const campaign_options& o, const std::string& file) {
    return (std::filesystem::path(o.out_dir) / file).string();
}

std::string wisdom_path(const campaign_options& o) {
    return o.wisdom_path.empty() ? out_path(o, "wisdom.jsonl") : o.wisdom_path;
}

// Expected relative cost of a problem, for the ETA: a measurement lasts at
// least its repetitions of repetition_seconds, more when one call is longer
// (its FLOP at a rough 20 GFLOP/s per call, doubled for double).
double weight(const problem& p, const measure_options& m) {
    const double scale = p.type == attnkit_bench::dtype::f64 ? 2.0 : 1.0;
    const double call = scale * attnkit_bench::attention_flop(p.s) / 20e9;
    return std::max(m.repetition_seconds, call) * m.min_repetitions;
}

std::string ms(double seconds) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f ms", seconds * 1e3);
    return buf;
}

// The finalists: the search's few best distinct configurations by their
// first full-fidelity median, best first (re-timings of the incumbent and
// lower-fidelity looks are not rankings).
std::vector<search::configuration> finalists(const search::search_result& found, int count) {
    int full = 0;
    for (const auto& e : found.history) full = std::max(full, e.fidelity);
    std::vector<const search::evaluation*> ranked;
    for (const auto& e : found.history) {
        if (e.retime || e.fidelity != full) continue;
        bool seen = false;
        for (const auto* r : ranked) seen = seen || r->key == e.key;
        if (!seen) ranked.push_back(&e);
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto* a, const auto* b) {
        return a->result.median < b->result.median;
    });
    std::vector<search::configuration> out;
    for (const auto* e : ranked) {
        if (static_cast<int>(out.size()) >= count) break;
        out.push_back(e->config);
    }
    if (out.empty()) out.push_back(found.best);
    return out;
}

// The finalists and the default raced in rounds: in each round one full
// measurement of every candidate, the order rotating, so that a shared
// machine's drift falls on all of them alike. Each finalist is scored by the
// median over rounds of default / finalist in the same round. With one
// finalist (the default) this is the paired confirmation of the search's best.
// Measured on the 16-core VM (bench/tune/README.md): three finalists did not
// make two independent campaigns agree more often there (4 of 13 problems
// within 2 % against 7 of 14 with one) and cost a third more time, so one is
// the default; more are for quieter machines.
struct race_result {
    std::size_t winner = 0;
    std::vector<double> scores;            // per finalist: median of default / finalist
    std::vector<double> ratios;            // the winner's default / winner, per round
    std::vector<double> winner_times, fallback;  // each round's medians
};

race_result race(attention_runner& runner, const std::vector<attention_config>& finalists,
                 const std::vector<std::string>& keys, const attention_config& fallback,
                 const std::string& fallback_key, int rounds) {
    const std::size_t n = finalists.size();
    const int reps = runner.options().min_repetitions;
    std::vector<std::vector<double>> times(n + 1);  // [n]: the default
    for (int r = 0; r < rounds; ++r) {
        for (std::size_t i = 0; i <= n; ++i) {
            const std::size_t c = (i + static_cast<std::size_t>(r)) % (n + 1);
            times[c].push_back(c == n ? runner.measure(fallback, fallback_key, reps).median
                                      : runner.measure(finalists[c], keys[c], reps).median);
        }
    }
    race_result out;
    for (std::size_t c = 0; c < n; ++c) {
        std::vector<double> ratios;
        for (std::size_t r = 0; r < times[c].size(); ++r) ratios.push_back(times[n][r] / times[c][r]);
        out.scores.push_back(search::median(ratios));
        if (out.scores[c] > out.scores[out.winner]) out.winner = c;
    }
    for (std::size_t r = 0; r < times[n].size(); ++r) out.ratios.push_back(times[n][r] / times[out.winner][r]);
    out.winner_times = times[out.winner];
    out.fallback = times[n];
    return out;
}

problem_result tune_one(const problem& p, const campaign_options& o, jsonl_writer& records, jsonl_writer* sweep,
                        progress& bar, double done_before, double share) {
    const auto start = std::chrono::steady_clock::now();
    problem_result r;
    r.p = p;
    const json problem_json = to_json(p);
    const std::string commit = attnkit_bench::git_commit();

    attention_runner runner(p, o.measure, [&](const repetition_record& rec) {
        records.write({{"type", "repetition"},
                       {"problem", p.name},
                       {"key", rec.key},
                       {"config", to_json(rec.config)},
                       {"repetition", rec.repetition},
                       {"iterations", rec.iterations},
                       {"seconds", rec.seconds},
                       {"commit", commit},
                       {"time", utc_now()}});
    });

    // The default: automatic without wisdom, and what it runs.
    const int budget = o.space.thread_budget;
    r.default_config = default_configuration(p, budget);
    attention_config automatic;
    automatic.type = p.type;
    automatic.threads = budget;  // automatic's thread budget: every thread the tuner may use
    const search::measurement def = runner.measure(automatic, "automatic", o.measure.min_repetitions);
    r.default_median = def.median;
    r.default_ci = def.ci;

    const search::space space = attention_space(p, o.space);
    r.valid_configurations = static_cast<int>(space.valid_count());
    attention_objective objective(space, runner, p.type);
    search::search_options so;
    so.budget = o.budget;
    so.seed = o.seed;
    so.retime_incumbent_every = o.sweep ? 0 : o.retime_incumbent_every;
    const search::configuration start_config =
        from_attention(space, equivalent_in_space(p, o.space, r.default_config));
    if (space.valid(start_config)) so.initial.push_back(start_config);
    for (const attention_config& a : seed_candidates(p, o.space)) so.initial.push_back(from_attention(space, a));
    const int passes = o.sweep ? std::max(o.sweep_passes, 1) : 1;
    const double expected = o.sweep ? double(space.valid_count()) * passes : double(std::max(o.budget, 1));
    int seen = 0;
    // Sweep: each configuration's samples of every pass, written once all passes are done.
    std::map<std::string, std::pair<attention_config, std::vector<double>>> pooled;
    so.on_evaluation = [&](const search::evaluation& e) {
        records.write({{"type", "evaluation"},
                       {"problem", p.name},
                       {"sequence", e.sequence},
                       {"key", e.key},
                       {"config", to_json(to_attention(space, e.config, p.type))},
                       {"fidelity", e.fidelity},
                       {"retime", e.retime},
                       {"median_s", e.result.median},
                       {"ci_s", {e.result.ci.low, e.result.ci.high}},
                       {"converged", e.result.converged},
                       {"samples_s", e.result.samples}});
        if (sweep && !e.retime) {
            auto& entry = pooled[e.key];
            entry.first = to_attention(space, e.config, p.type);
            entry.second.insert(entry.second.end(), e.result.samples.begin(), e.result.samples.end());
        }
        if (!e.retime) ++seen;
        bar.update(done_before + share * std::min(1.0, seen / expected),
                   p.name + ": " + std::to_string(seen) + "/" + std::to_string(static_cast<int>(expected)) +
                       " configurations");
    };
    const std::unique_ptr<search::strategy> strategy =
        o.sweep ? search::make_strategy("exhaustive")
        : o.strategy == "genetic" ? std::make_unique<search::genetic_strategy>(o.strategy_genetic)
                                  : search::make_strategy(o.strategy);
    search::search_result found = strategy->run(space, objective, so);
    // Further sweep passes (--sweep-passes): every configuration again, in a
    // new seeded order each pass, so that the host's drift over a sweep falls
    // on all configurations alike instead of on those measured in the same
    // minutes (one pass made isolated spikes that the simulation then scored as
    // optima). The winner logic below uses the last pass.
    for (int pass = 1; pass < passes; ++pass) {
        search::rng order(o.seed + static_cast<std::uint64_t>(pass));
        search::search_options next = so;
        next.initial = space.valid_configurations_view();
        for (std::size_t i = next.initial.size(); i > 1; --i) std::swap(next.initial[i - 1], next.initial[order.index(i)]);
        attention_objective fresh(space, runner, p.type);  // a new cache: every configuration is measured again
        found = strategy->run(space, fresh, next);
    }
    if (sweep)
        for (const auto& [key, entry] : pooled)
            sweep->write({{"type", "sweep_configuration"},
                          {"problem", problem_json},
                          {"thread_budget", budget},
                          {"allow_precision_change", o.space.allow_precision_change},
                          {"cpu_model", attnkit_bench::cpu_model()},
                          {"key", key},
                          {"config", to_json(entry.first)},
                          {"passes", passes},
                          {"samples_s", entry.second}});
    r.evaluations = found.unique_evaluations;
    r.invalid = found.invalid_skipped;
    r.cache_hits = found.cache_hits;
    r.cost = found.cost;
    r.converged = found.best_result.converged;

    // The finalists raced against the default; the default's own configuration wins ties.
    std::vector<attention_config> candidates;
    std::vector<std::string> keys;
    for (const search::configuration& c : finalists(found, std::max(o.finalists, 1))) {
        candidates.push_back(to_attention(space, c, p.type));
        keys.push_back(space.key(c));
    }
    bar.update(done_before + share, p.name + ": racing " + std::to_string(candidates.size()) +
                                        " finalists against the default");
    const race_result rounds = race(runner, candidates, keys, automatic, "automatic", o.confirm_rounds);
    const attention_config winner = candidates[rounds.winner];
    json race_json = json::array();
    for (std::size_t c = 0; c < candidates.size(); ++c)
        race_json.push_back({{"key", keys[c]}, {"config", to_json(candidates[c])}, {"default_over", rounds.scores[c]}});
    records.write({{"type", "race"},
                   {"problem", p.name},
                   {"rounds", o.confirm_rounds},
                   {"finalists", race_json},
                   {"winner", keys[rounds.winner]},
                   {"default_s", rounds.fallback},
                   {"winner_s", rounds.winner_times},
                   {"time", utc_now()}});
    r.speedup = search::median(rounds.ratios);
    r.speedup_ci = search::median_confidence_interval(rounds.ratios);
    // The reported medians are those of the paired rounds, so that the two
    // times and their ratio describe the same minutes of a shared machine.
    r.default_median = search::median(rounds.fallback);
    r.default_ci = search::median_confidence_interval(rounds.fallback);
    if (r.speedup > 1.0) {
        r.best = winner;
        r.best_median = search::median(rounds.winner_times);
        r.best_ci = search::median_confidence_interval(rounds.winner_times);
    } else {
        // Not faster than the default in the paired comparison: keep the
        // default (as its explicit configuration, so that automatic with
        // wisdom runs exactly what it runs without).
        r.best = r.default_config;
        r.best_median = r.default_median;
        r.best_ci = r.default_ci;
        r.speedup = 1.0;
        r.speedup_ci = {1.0, 1.0};
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

json result_json(const problem_result& r) {
    json j = to_json(r.p);
    j["best"] = to_json(r.best);
    j["best_median_s"] = r.best_median;
    j["best_ci_s"] = {r.best_ci.low, r.best_ci.high};
    j["default"] = to_json(r.default_config);
    j["default_median_s"] = r.default_median;
    j["default_ci_s"] = {r.default_ci.low, r.default_ci.high};
    j["speedup"] = r.speedup;
    j["speedup_ci"] = {r.speedup_ci.low, r.speedup_ci.high};
    j["evaluations"] = r.evaluations;
    j["invalid"] = r.invalid;
    j["cache_hits"] = r.cache_hits;
    j["valid_configurations"] = r.valid_configurations;
    j["cost_full_measurements"] = r.cost;
    j["seconds"] = r.seconds;
    j["from_wisdom"] = r.from_wisdom;
    j["converged"] = r.converged;
    return j;
}

// The head of a check's JSON file (--check-wisdom, --compare-wisdom): what
// ran, when, on which commit and machine, against which tolerance.
json check_header(const std::string& tool, const campaign_options& o, double tolerance) {
    return {{"tool", tool},
            {"command", o.command_line},
            {"time", utc_now()},
            {"commit", attnkit_bench::git_commit()},
            {"machine", machine_json()},
            {"tolerance", tolerance},
            {"problems", json::array()}};
}

}  // namespace

std::vector<problem_result> run_campaign(const std::vector<problem>& problems, const campaign_options& o) {
    std::filesystem::create_directories(o.out_dir);
    jsonl_writer records(out_path(o, "records.jsonl"));
    std::unique_ptr<jsonl_writer> sweep;
    if (o.sweep) sweep = std::make_unique<jsonl_writer>(out_path(o, "sweep.jsonl"));
    records.write({{"type", "environment"},
                   {"tool", "attnkit-tune"},
                   {"time", utc_now()},
                   {"command", o.command_line},
                   {"strategy", o.sweep ? "exhaustive (sweep)" : o.strategy},
                   {"budget", o.budget},
                   {"seed", o.seed},
                   {"thread_budget", o.space.thread_budget},
                   {"machine", machine_json()}});

    double total = 0;
    for (const problem& p : problems) total += weight(p, o.measure);
    progress bar(total, o.quiet);
    std::vector<problem_result> results;
    double done = 0;
    const std::string wisdom = wisdom_path(o);
    for (std::size_t i = 0; i < problems.size(); ++i) {
        const problem& p = problems[i];
        const double share = weight(p, o.measure);
        const std::string counter = "[" + std::to_string(i + 1) + "/" + std::to_string(problems.size()) + "] ";
        std::optional<problem_result> stored;
        if (o.reuse_wisdom && !o.sweep) stored = find_in_wisdom(wisdom, p, o.space.thread_budget);
        if (stored) {
            results.push_back(*stored);
            done += share;
            bar.update(done, p.name);
            bar.finished(counter + p.name + ": from wisdom, " + describe(stored->best) + " (no timing)");
            continue;
        }
        problem_result r = tune_one(p, o, records, sweep.get(), bar, done, share);
        done += share;
        if (!o.sweep) store_in_wisdom(wisdom, r, o);
        char line[256];
        std::snprintf(line, sizeof line, "%s%s: %s %s, default %s %s, x%.2f (%d evaluations)", counter.c_str(),
                      p.name.c_str(), describe(r.best).c_str(), ms(r.best_median).c_str(),
                      describe(r.default_config).c_str(), ms(r.default_median).c_str(), r.speedup, r.evaluations);
        bar.finished(line);
        results.push_back(std::move(r));
    }
    bar.close();
    return results;
}

int check_wisdom(const std::vector<problem>& problems, const campaign_options& o, double tolerance) {
    const std::string wisdom = wisdom_path(o);
    json out = check_header("attnkit-tune --check-wisdom", o, tolerance);
    out["wisdom"] = wisdom;
    std::printf("| problem | tuned configuration | automatic with wisdom / tuned | default / tuned | default / "
                "automatic with wisdom |\n|---|---|---|---|---|\n");
    int failures = 0, checked = 0;
    for (const problem& p : problems) {
        const std::optional<problem_result> stored = find_in_wisdom(wisdom, p, o.space.thread_budget);
        if (!stored) continue;
        ++checked;
        attention_runner runner(p, o.measure, {});
        attention_config automatic;
        automatic.type = p.type;
        automatic.threads = o.space.thread_budget;
        const attention_config tuned = stored->best;
        const std::string tuned_key = "tuned:" + describe(tuned);
        const int reps = o.measure.min_repetitions;
        std::vector<double> wisdom_over_tuned, default_over_tuned, default_over_wisdom;
        for (int round = 0; round < std::max(o.confirm_rounds, 3); ++round) {
            double t_default = 0, t_wisdom = 0, t_tuned = 0;
            const auto time_default = [&] {
                attnkit::clear_wisdom();
                t_default = runner.measure(automatic, "automatic", reps).median;
            };
            const auto time_wisdom = [&] {
                attnkit::clear_wisdom();
                attnkit::load_wisdom(wisdom);
                t_wisdom = runner.measure(automatic, "automatic-with-wisdom", reps).median;
                attnkit::clear_wisdom();
            };
            const auto time_tuned = [&] { t_tuned = runner.measure(tuned, tuned_key, reps).median; };
            // Alternate the order so that no call always follows the same one.
            if (round % 3 == 0) { time_default(); time_wisdom(); time_tuned(); }
            else if (round % 3 == 1) { time_wisdom(); time_tuned(); time_default(); }
            else { time_tuned(); time_default(); time_wisdom(); }
            wisdom_over_tuned.push_back(t_wisdom / t_tuned);
            default_over_tuned.push_back(t_default / t_tuned);
            default_over_wisdom.push_back(t_default / t_wisdom);
        }
        const double w = search::median(wisdom_over_tuned), d = search::median(default_over_tuned),
                     dw = search::median(default_over_wisdom);
        if (w > 1.0 + tolerance) ++failures;
        std::printf("| %s | %s | %.3f | %.3f | %.3f |\n", p.name.c_str(), describe(tuned).c_str(), w, d, dw);
        out["problems"].push_back({{"name", p.name},
                                   {"tuned", to_json(tuned)},
                                   {"wisdom_over_tuned", w},
                                   {"default_over_tuned", d},
                                   {"default_over_wisdom", dw},
                                   {"rounds", wisdom_over_tuned.size()}});
    }
    out["checked"] = checked;
    out["slower_than_tolerance"] = failures;
    std::printf("\nautomatic with wisdom within %.0f %% of the tuned configuration on %d of %d problems\n",
                tolerance * 100, checked - failures, checked);
    std::filesystem::create_directories(o.out_dir);
    std::ofstream f(out_path(o, "wisdom_check.json"));
    f << out.dump(1) << '\n';
    return failures;
}

int compare_runs(const std::vector<problem>& problems, const campaign_options& o, const std::string& other_wisdom,
                 double tolerance) {
    const std::string wisdom = wisdom_path(o);
    json out = check_header("attnkit-tune --compare-wisdom", o, tolerance);
    out["wisdom_a"] = wisdom;
    out["wisdom_b"] = other_wisdom;
    std::printf("| problem | run A's configuration | run B's configuration | B / A (paired median) | within %.0f %% |\n"
                "|---|---|---|---|---|\n",
                tolerance * 100);
    int compared = 0, within = 0, same = 0;
    for (const problem& p : problems) {
        const std::optional<problem_result> a = find_in_wisdom(wisdom, p, o.space.thread_budget);
        const std::optional<problem_result> b = find_in_wisdom(other_wisdom, p, o.space.thread_budget);
        if (!a || !b) continue;
        ++compared;
        const std::string key_a = "A:" + describe(a->best), key_b = "B:" + describe(b->best);
        double ratio = 1.0;
        std::vector<double> ratios;
        if (describe(a->best) == describe(b->best)) {
            ++same;  // one configuration: nothing to time, the two runs agree exactly
        } else {
            // The two choices timed alternately in one process, so that the
            // host's drift between the two campaigns does not enter the ratio.
            attention_runner runner(p, o.measure, {});
            const race_result rounds = race(runner, {b->best}, {key_b}, a->best, key_a, std::max(o.confirm_rounds, 3));
            for (std::size_t r = 0; r < rounds.fallback.size(); ++r)
                ratios.push_back(rounds.winner_times[r] / rounds.fallback[r]);
            ratio = search::median(ratios);
        }
        const bool ok = std::abs(ratio - 1.0) <= tolerance;
        within += ok ? 1 : 0;
        std::printf("| %s | %s | %s | %.3f%s | %s |\n", p.name.c_str(), describe(a->best).c_str(),
                    describe(b->best).c_str(), ratio, ratios.empty() ? " (same)" : "", ok ? "yes" : "no");
        out["problems"].push_back({{"name", p.name},
                                   {"a", to_json(a->best)},
                                   {"b", to_json(b->best)},
                                   {"same_configuration", ratios.empty()},
                                   {"b_over_a", ratio},
                                   {"ratios", ratios},
                                   {"within_tolerance", ok}});
    }
    out["compared"] = compared;
    out["same_configuration"] = same;
    out["within_tolerance"] = within;
    std::printf("\nthe two runs' choices within %.0f %% of each other on %d of %d problems (the same configuration "
                "on %d)\n",
                tolerance * 100, within, compared, same);
    std::filesystem::create_directories(o.out_dir);
    std::ofstream f(out_path(o, "compare_runs.json"));
    f << out.dump(1) << '\n';
    return compared - within;
}

std::string summary_table(const std::vector<problem_result>& results) {
    std::string t =
        "| problem | tuned configuration | median | 95% CI | default configuration | default median | speed-up "
        "(paired) | evaluations |\n|---|---|---|---|---|---|---|---|\n";
    for (const auto& r : results) {
        char row[512];
        std::snprintf(row, sizeof row, "| %s | %s | %s | %.3f-%.3f ms | %s | %s | %.2fx [%.2f, %.2f] | %s |\n",
                      r.p.name.c_str(), describe(r.best).c_str(), ms(r.best_median).c_str(), r.best_ci.low * 1e3,
                      r.best_ci.high * 1e3, describe(r.default_config).c_str(), ms(r.default_median).c_str(),
                      r.speedup, r.speedup_ci.low, r.speedup_ci.high,
                      r.from_wisdom ? "from wisdom" : std::to_string(r.evaluations).c_str());
        t += row;
    }
    return t;
}

void write_summary(const std::vector<problem_result>& results, const campaign_options& o) {
    json j = {{"tool", "attnkit-tune"},
              {"attnkit_version", attnkit_bench::fact(attnkit_bench::machine_facts(), "attnkit_version")},
              {"commit", attnkit_bench::git_commit()},
              {"dirty", attnkit_bench::git_dirty()},
              {"time", utc_now()},
              {"command", o.command_line},
              {"machine", machine_json()},
              {"strategy", o.sweep ? "exhaustive" : o.strategy},
              {"budget", o.budget},
              {"seed", o.seed},
              {"thread_budget", o.space.thread_budget},
              {"allow_precision_change", o.space.allow_precision_change},
              {"problems", json::array()}};
    // Campaigns into one directory accumulate: the problems of an earlier
    // summary that this run did not cover are kept (this run's replace theirs).
    std::vector<json> problems;
    {
        std::ifstream previous(out_path(o, "summary.json"));
        if (previous) {
            try {
                const json old = json::parse(previous);
                for (const json& p : old.at("problems")) {
                    bool covered = false;
                    for (const auto& r : results) covered = covered || p.value("name", std::string()) == r.p.name;
                    if (!covered) problems.push_back(p);
                }
            } catch (const std::exception& e) {
                std::fprintf(stderr, "attnkit-tune: the previous %s is not readable (%s): replaced\n",
                             out_path(o, "summary.json").c_str(), e.what());
                problems.clear();
            }
        }
    }
    for (const auto& r : results) problems.push_back(result_json(r));
    double log_sum = 0;
    int study = 0;
    for (const json& p : problems) {
        j["problems"].push_back(p);
        if (p.value("set", std::string()) == "study" && p.value("speedup", 0.0) > 0) {
            log_sum += std::log(p["speedup"].get<double>());
            ++study;
        }
    }
    if (study) j["study_geomean_speedup"] = std::exp(log_sum / study);
    const std::string tmp = out_path(o, "summary.json.tmp");
    {
        std::ofstream f(tmp);
        f << j.dump(1) << '\n';
        if (!f) throw std::runtime_error("attnkit-tune: cannot write " + tmp);
    }
    std::filesystem::rename(tmp, out_path(o, "summary.json"));
    std::ofstream md(out_path(o, "summary.md"));
    md << "# attnkit-tune summary\n\n" << "Command: `" << o.command_line << "`  \n"
       << "Commit " << attnkit_bench::git_commit() << (attnkit_bench::git_dirty() ? " (dirty)" : "") << ", "
       << attnkit_bench::cpu_model() << ", thread budget " << o.space.thread_budget << ", strategy "
       << (o.sweep ? "exhaustive" : o.strategy) << ", budget " << o.budget << ", seed " << o.seed
       << ". This run's problems (summary.json holds every problem tuned into this directory):\n\n"
       << summary_table(results);
    if (study) md << "\nGeometric mean speed-up over the default on the study's square shapes: "
                  << std::exp(log_sum / study) << "x\n";
}

}  // namespace attnkit_tune
