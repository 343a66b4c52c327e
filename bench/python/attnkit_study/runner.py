"""`run`: plans the points of a profile, measures them, and writes the run's
directory (records.jsonl, environment.json, the tuner's files it used, then
the report)."""

import dataclasses
import os
import re
import shutil
import sys
import time

from attnkit_study import environment, harness, peak, records, tuning as tuning_mod
from attnkit_study.implementations import applicability, tuned_config
from attnkit_study.problems import flop
from attnkit_study.profiles import SET_IMPLEMENTATIONS, SETS
from attnkit_study.progress import Progress, format_seconds, say

REPO_ROOT = os.path.dirname(os.path.dirname(harness.PACKAGE_ROOT))


def plan(profile, tuning, sets=SETS, only=None):
    """The points to measure: one per (computation, thread count), shared by the
    sets that ask for it; each with the implementations that apply and the
    reasons of those that do not. only: a regular expression; then just the
    points whose id (``<problem>@<threads>``) it matches (re.search)."""
    points = {}
    for set_name in sets:
        for problem in profile.problems[set_name]:
            thread_counts = set(profile.threads[set_name])
            best = tuning.best_for(problem) if tuning else None
            if set_name == "study" and best:
                thread_counts.add(int(best["threads"]))  # Table 1 runs the tuned thread count
            for threads in sorted(thread_counts):
                key = (problem.key(), threads)
                point = points.setdefault(key, {"id": f"{problem.name}@{threads}", "problem": problem,
                                                "threads": threads, "sets": [], "names": {}, "impls": [],
                                                "skipped": {}})
                point["sets"].append(set_name)
                point["names"][set_name] = problem.name
                for name in SET_IMPLEMENTATIONS[set_name]:
                    if name in point["impls"]:
                        continue
                    ok, reason = applicability(name, problem, threads, profile.measurement, tuning)
                    if ok:
                        point["impls"].append(name)
                        point["skipped"].pop(name, None)
                    else:
                        point["skipped"].setdefault(name, reason)
    pattern = re.compile(only) if only else None
    return [p for p in points.values() if pattern is None or pattern.search(p["id"])]


ASSUMED_GFLOPS_PER_THREAD = 20.0


def point_weight(point, measurement):
    """Estimated seconds of a point, for the ETA (the ETA rescales by the time
    actually taken): a round's calls at an assumed 20 GFLOP/s per thread plus
    the quiet waits, times the rounds a noisy machine makes it run."""
    seconds_per_call = flop(point["problem"]) * 1e-9 / (ASSUMED_GFLOPS_PER_THREAD * point["threads"])
    per_round = sum(max(measurement.min_sample_s, seconds_per_call) + 0.02 for _ in point["impls"])
    return 0.5 + max(measurement.min_rounds * per_round,
                     min(measurement.point_limit_s, measurement.max_rounds * per_round))


def budgeted(measurement, weights, index, elapsed_s):
    """The measurement of point `index` under the profile's time budget: its
    point limit is at most its share (by weight) of the budget that is left."""
    if not measurement.budget_s:
        return measurement
    left = max(measurement.budget_s - elapsed_s, 0.0)
    share = left * weights[index] / (sum(weights[index:]) or 1.0)
    return dataclasses.replace(measurement, point_limit_s=min(measurement.point_limit_s, share))


def _configs(point, tuning):
    if "attnkit-tuned" not in point["impls"]:
        return {}
    return {"attnkit-tuned": tuned_config(tuning.best_for(point["problem"]), point["threads"])}


def run(profile, out_dir, tuning_dir=None, seed=1, bench_binary=None, sets=SETS, command=None, only=None):
    """Measures everything the profile asks for into out_dir; returns the records' path."""
    tuning = tuning_mod.load(tuning_dir)
    os.makedirs(out_dir, exist_ok=True)
    records_path = os.path.join(out_dir, records.RECORDS)
    start = time.perf_counter()
    if tuning:
        for name in (tuning_mod.SUMMARY, tuning_mod.SIMULATION, tuning_mod.WISDOM):
            path = os.path.join(tuning.directory, name)
            if os.path.isfile(path):
                shutil.copyfile(path, os.path.join(out_dir, "tuning_" + name))
    cpu_at_start = environment.cpu_info()  # the load average before the run loads the machine itself
    points = plan(profile, tuning, sets, only)
    meta = {"kind": "meta", "profile": profile.name, "command": command or sys.argv, "seed": seed,
            "tuning": tuning_dir, "sets": list(sets), "measurement": dataclasses.asdict(profile.measurement),
            "threads": {s: profile.threads[s] for s in sets}, "only": only, "points_planned": len(points)}
    records.write(records_path, [meta], mode="w")
    log = open(os.path.join(out_dir, "workers.log"), "w", encoding="utf-8")
    workers = harness.Workers(log, tuning.wisdom_path if tuning else None)
    try:
        cores = max(profile.threads["threads"])
        binary = peak.find_binary(bench_binary, REPO_ROOT)
        shown_binary = peak.shown_path(binary, REPO_ROOT) if binary else None
        if binary:
            say(f"FMA peak: {shown_binary}")
            try:
                records.write(records_path, peak.measure(binary, sorted({1, cores}), shown_binary))
            except (RuntimeError, ValueError) as e:
                say(f"FMA peak not measured: {e}")
        else:
            say("FMA peak: no attnkit_bench_prefill under build*/ (the % of peak plot is left out)")
        weights = [point_weight(p, profile.measurement) for p in points]
        progress = Progress(weights + [sum(weights) * 0.1])
        points_start = time.perf_counter()
        for index, point in enumerate(points):
            measurement = budgeted(profile.measurement, weights, index, time.perf_counter() - points_start)
            recs = harness.measure_point(workers, point, point["impls"], point["problem"].seed(seed),
                                         measurement, _configs(point, tuning))
            records.write(records_path, recs)
            pr = recs[0]
            ok = [n for n, s in pr["status"].items() if s.get("ok")]
            failed = {n: s.get("reason") for n, s in pr["status"].items() if not s.get("ok")}
            conv = sum(pr["converged"].values())
            progress.step(f"{point['id']} ({', '.join(point['sets'])}): {len(ok)} implementations, "
                          f"{pr['rounds']} rounds, {conv}/{len(ok)} converged, {pr['elapsed_s']:.1f} s"
                          + (f"; not run: {', '.join(failed)}" if failed else ""))
        # The environment as the points saw it, written before the checks: a run
        # stopped during them (a time limit) still renders its report.
        env = environment.collect(REPO_ROOT, workers.info())
        _write_environment(out_dir, env, cpu_at_start, shown_binary, time.perf_counter() - start)
        small, large = profile.isolation
        iso_names = ["numpy", "numba", "torch-flash", "attnkit-automatic"]
        for problem in (small, large):
            names = [n for n in iso_names if applicability(n, problem, cores, profile.measurement)[0]]
            records.write(records_path, harness.isolation_check(workers, problem, cores, names,
                                                                problem.seed(seed), profile.measurement))
        say("isolation check done")
        # What sharing a process costs NumPy and attnkit is the study's question
        # (its square shapes); a run of other sets alone does not measure it.
        if "study" in sets:
            try:
                records.write(records_path, harness.sharing_check(log, small, large, cores, small.seed(seed),
                                                                  profile.measurement.isolation_samples))
            except harness.HarnessError as e:
                records.write(records_path, [{"kind": "sharing_unavailable", "reason": str(e)[-400:]}])
        else:
            records.write(records_path, [{"kind": "sharing_unavailable",
                                          "reason": "not measured: the run's sets do not include study"}])
        progress.step("isolation check and process-sharing measurement")
        env = environment.collect(REPO_ROOT, workers.info())
    finally:
        workers.close()
        log.close()
    elapsed = time.perf_counter() - start
    _write_environment(out_dir, env, cpu_at_start, shown_binary, elapsed)
    records.write(records_path, [{"kind": "end", "elapsed_s": elapsed}])
    say(f"measured in {format_seconds(elapsed)}")
    return records_path


def _write_environment(out_dir, env, cpu_at_start, shown_binary, elapsed_s):
    """environment.json: `env` (environment.collect's, now) with the CPU as it was at the start."""
    import json
    env = dict(env, load_average_at_end=env["cpu"]["load_average"], cpu=cpu_at_start, bench_binary=shown_binary,
               elapsed_s=elapsed_s)
    with open(os.path.join(out_dir, records.ENVIRONMENT), "w", encoding="utf-8") as f:
        json.dump(env, f, indent=1, sort_keys=True, default=str)
