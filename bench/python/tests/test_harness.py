"""The worker processes and the rounds, end to end on a tiny problem (NumPy and
Numba workers; attnkit's when the module is importable). No timing is asserted."""

import io

import pytest

from attnkit_study import harness, profiles
from attnkit_study.problems import Problem
from conftest import attnkit_or_skip, numba_or_skip

TINY = Problem("tiny", "t", "f32", 1, 2, 1, 8, 8, 8, 8, "top_left")
MEASUREMENT = profiles.Measurement(min_rounds=6, max_rounds=6, tolerance=0.5, min_sample_s=0.0005,
                                   quiet_gap_s=0.0, point_limit_s=5.0, max_call_s=5.0, slow_max_gflop=1.0,
                                   isolation_samples=6)


def _point(names):
    return {"id": "tiny@1", "problem": TINY, "threads": 1, "sets": ["t"], "names": {"t": "tiny"}, "impls": names}


def _measure(names):
    log = io.open("/dev/null", "w")
    workers = harness.Workers(log)
    try:
        return harness.measure_point(workers, _point(names), names, 7, MEASUREMENT, {})
    finally:
        workers.close()
        log.close()


def test_a_point_is_checked_then_sampled_round_by_round():
    recs = _measure(["numpy"])
    point, samples = recs[0], recs[1:]
    assert point["status"]["numpy"]["ok"] and point["status"]["numpy"]["max_abs_err"] < 1e-5
    assert point["rounds"] == 6 and [s["round"] for s in samples] == list(range(6))
    assert all(s["time_s"] > 0 for s in samples)


def test_numba_runs_in_its_own_worker():
    numba_or_skip()
    recs = _measure(["numpy", "numba"])
    assert recs[0]["status"]["numba"]["ok"]
    assert {s["impl"] for s in recs[1:]} == {"numpy", "numba"}


def test_an_implementation_that_cannot_run_is_reported_not_fatal():
    recs = _measure(["numpy", "torch-flash"])
    try:
        import torch  # noqa: F401
    except ImportError:
        assert "torch is not importable" in recs[0]["status"]["torch-flash"]["reason"]
    assert {s["impl"] for s in recs[1:]} >= {"numpy"}


def test_attnkit_variants_and_the_isolation_check():
    attnkit_or_skip()
    recs = _measure(["attnkit-flash", "attnkit-automatic"])
    assert all(recs[0]["status"][n]["ok"] for n in ("attnkit-flash", "attnkit-automatic"))
    # automatic's own choice is recorded (no wisdom in this worker: the heuristic); flash chooses nothing
    assert recs[0]["status"]["attnkit-automatic"]["choice"]["source"] == "heuristic"
    assert "choice" not in recs[0]["status"]["attnkit-flash"]
    log = io.open("/dev/null", "w")
    workers = harness.Workers(log)
    try:
        iso = harness.isolation_check(workers, TINY, 1, ["numpy", "attnkit-automatic"], 7, MEASUREMENT)
    finally:
        workers.close()
    assert {(r["impl"], r["mode"]) for r in iso} == {(n, m) for n in ("numpy", "attnkit-automatic")
                                                     for m in ("alone", "harness")}
    assert all(len(r["times"]) == 6 for r in iso)


def test_a_worker_of_an_unknown_family_fails_clearly():
    with pytest.raises(harness.HarnessError, match="worker family 'fortran'"):
        harness.WorkerProcess("fortran", io.open("/dev/null", "w"))


def test_numpy_runs_with_the_points_blas_threads_after_the_check():
    pytest.importorskip("threadpoolctl", reason="threadpoolctl is not installed")
    log = io.open("/dev/null", "w")
    workers = harness.Workers(log)
    try:
        for threads in (2, 1):
            point = dict(_point(["numpy"]), threads=threads)
            status = harness.measure_point(workers, point, ["numpy"], 7, MEASUREMENT, {})[0]["status"]["numpy"]
            assert status["blas_threads"] and set(status["blas_threads"]) == {threads}
    finally:
        workers.close()


def test_the_next_turn_waits_until_the_worker_is_quiet():
    log = io.open("/dev/null", "w")
    workers = harness.Workers(log)
    try:
        harness.setup_point(workers, TINY, 1, ["numpy"], 7, MEASUREMENT, {})
        worker = workers.get("numpy")
        worker.request("sample", "numpy")
        cpu = worker.cpu_ns()
        assert cpu is None or cpu > 0
        waited = worker.wait_quiet(0.002, 0.3)
        assert 0.002 <= waited <= 0.5
    finally:
        workers.close()


def test_the_process_sharing_measurement_times_both_directions_under_each_setting():
    attnkit_or_skip()
    recs = harness.sharing_check(io.open("/dev/null", "w"), TINY, TINY, 1, 7, 3)
    assert [r["setting"] for r in recs] == [label for label, _ in harness.SHARING_SETTINGS]
    for r in recs:
        assert all(len(r[key]) == 3 for key in ("alone", "after_numpy", "numpy_alone", "numpy_after_attnkit"))
