"""Fixtures: a fake tuner output directory and a synthetic run directory
(records.jsonl, environment.json), so that tables, plots and the report are
tested without measuring anything."""

import json
import os
import random

import pytest

from attnkit_study import profiles, records
from attnkit_study.problems import flop

# Synthetic speeds (GFLOP/s at 1 thread) of each implementation: only their order matters to the tests.
RATES = {"numpy": 20.0, "numba": 2.0, "attnkit-naive": 1.0, "attnkit-blocked": 25.0, "attnkit-flash": 35.0,
         "attnkit-parallel": 35.0, "attnkit-decode": 30.0, "attnkit-automatic": 36.0, "attnkit-wisdom": 38.0,
         "attnkit-tuned": 40.0}


def tuning_summary(cores=2):
    entries = []
    for p in profiles.study_problems():
        entries.append(dict(p.to_dict(), best={"variant": "parallel", "block_q": 32 if p.head_dim < 512 else 64,
                                                "block_kv": 252, "threads": cores},
                            best_median_s=1e-3, best_ci_s=[9e-4, 1.1e-3],
                            default={"variant": "flash", "block_q": 128, "block_kv": 252, "threads": 1},
                            default_median_s=2e-3, default_ci_s=[1.9e-3, 2.1e-3], speedup=2.0, evaluations=18,
                            invalid=4, cache_hits=3, from_wisdom=False))
    return {"tool": "attnkit-tune", "attnkit_version": "0.4.0", "commit": "abc1234", "dirty": False,
            "machine": {"cpu": "test", "isa": "avx512", "cores": cores}, "strategy": "genetic", "budget": 18,
            "seed": 1, "problems": entries}


def simulation():
    def gaps(start, rate, n=40):
        return [max(start * (rate ** i), 0.0) for i in range(n)]
    problems = []
    for name in ("study/f32/dim256", "study/f64/dim1024"):
        problems.append({"name": name, "optimum_s": 1e-3, "valid_configurations": 96, "strategies": {
            "genetic": {"median_evaluations": 9, "mean_evaluations": 10.2, "mean_cost": 10.2,
                        "mean_gap": gaps(1.0, 0.8), "p10_gap": gaps(0.5, 0.75), "p90_gap": gaps(2.0, 0.85)},
            "random": {"median_evaluations": 20, "mean_evaluations": 21.0, "mean_cost": 21.0,
                       "mean_gap": gaps(1.0, 0.9), "p10_gap": gaps(0.5, 0.85), "p90_gap": gaps(2.0, 0.95)}}})
    return {"tolerance": 0.05, "seeds": 30, "budget": 40, "machine": "test", "problems": problems}


@pytest.fixture
def tuning_dir(tmp_path):
    d = tmp_path / "tune"
    d.mkdir()
    (d / "summary.json").write_text(json.dumps(tuning_summary()))
    (d / "simulation.json").write_text(json.dumps(simulation()))
    (d / "wisdom.jsonl").write_text("")
    return str(d)


def synthetic_records(cores=2, rounds=8, seed=3):
    """A run's records over the quick profile's study, threads and grid sets
    (no measurement): times from RATES with a little seeded noise."""
    from attnkit_study import runner, tuning
    rng = random.Random(seed)
    profile = profiles.make_profile("quick", cores)
    sets = ("study", "threads", "grid")

    class FakeTuning:
        wisdom_path = "wisdom.jsonl"

        def __init__(self):
            self.by_key = {tuning.Problem(**{k: e[k] for k in ("name", "set") + tuning.PROBLEM_FIELDS}).key(): e
                           for e in tuning_summary(cores)["problems"]}

        def best_for(self, problem):
            e = self.by_key.get(problem.key())
            return dict(e["best"]) if e else None

    points = runner.plan(profile, FakeTuning(), sets)
    out = [{"kind": "meta", "profile": "quick", "command": ["-m", "attnkit_study", "run", "--profile", "quick"],
            "seed": 1, "tuning": "tune", "sets": list(sets),
            "measurement": {"min_rounds": 6, "max_rounds": 12, "tolerance": 0.02, "min_sample_s": 0.004,
                            "quiet_gap_s": 0.002, "point_limit_s": 2.5, "max_call_s": 0.6, "slow_max_gflop": 1.2},
            "threads": {s: profile.threads[s] for s in sets}, "points_planned": len(points)}]
    out += [{"kind": "peak", "dtype": d, "threads": t, "gflops": g}
            for d, t, g in (("f32", 1, 100.0), ("f32", cores, 200.0), ("f64", 1, 50.0), ("f64", cores, 100.0))]
    for point in points:
        p, t = point["problem"], point["threads"]
        names = [n for n in point["impls"] if n in RATES]
        status = {n: {"ok": True, "max_abs_err": 1e-7, "tol": 1e-4, "rows": 64, "calls_per_sample": 3} for n in names}
        status["torch-flash"] = {"ok": False, "reason": "torch is not importable by python3 (No module named 'torch')"}
        out.append({"kind": "point", "point": point["id"], "problem": p.to_dict(), "threads": t,
                    "sets": point["sets"], "names": point["names"], "status": status, "rounds": rounds,
                    "converged": {n: n != "numba" for n in names}, "skipped": point["skipped"], "elapsed_s": 0.5})
        for r in range(rounds):
            drift = 1.0 + 0.05 * rng.random()
            for n in names:
                scale = min(t, 2) if n not in ("attnkit-naive", "attnkit-blocked", "attnkit-flash") else 1
                seconds = flop(p) / (RATES[n] * 1e9 * scale) * drift * (1.0 + 0.01 * rng.random())
                out.append({"kind": "sample", "point": point["id"], "impl": n, "round": r, "time_s": seconds})
    small = profile.isolation[0]
    for impl in ("numpy", "attnkit-automatic"):
        for mode in ("alone", "harness"):
            out.append({"kind": "isolation", "problem": small.to_dict(), "threads": cores, "impl": impl,
                        "mode": mode, "times": [1e-4 * (1 + 0.01 * i) for i in range(12)]})
    out.append({"kind": "sharing", "setting": "defaults", "env": {}, "problem": small.to_dict(), "threads": cores,
                "alone": [1e-4] * 12, "after_numpy": [6e-3] * 12})
    out.append({"kind": "end", "elapsed_s": 100.0})
    return out


@pytest.fixture
def run_dir(tmp_path):
    d = tmp_path / "run"
    d.mkdir()
    records.write(str(d / records.RECORDS), synthetic_records(), mode="w")
    (d / records.ENVIRONMENT).write_text(json.dumps({
        "cpu": {"model": "Test CPU", "cores": 2, "online_cpus": 2, "isa_flags": ["avx2"], "governor": "n/a",
                "load_average": [0.1, 0.1, 0.1]}, "commit": "abc1234", "dirty": False, "time": "2026-12-02",
        "workers": {"numpy": {"numpy": "1.24.2", "threadpools": []}}, "elapsed_s": 100.0}))
    (d / "tuning_summary.json").write_text(json.dumps(tuning_summary()))
    (d / "tuning_simulation.json").write_text(json.dumps(simulation()))
    return str(d)


def attnkit_or_skip():
    """The attnkit module, or a skip saying why it is not importable."""
    try:
        import attnkit
    except ImportError as e:
        pytest.skip(f"the attnkit module is not importable ({e}); build it with -DATTNKIT_BUILD_PYTHON=ON and put "
                    "<build>/python on PYTHONPATH")
    return attnkit


def numba_or_skip():
    return pytest.importorskip("numba", reason="numba is not installed for this Python")


os.environ.setdefault("MPLBACKEND", "Agg")
