"""The parent side of the measurement: worker processes (one per family),
points measured in interleaved rounds, the isolation check and the
process-sharing measurement.

A point is one problem at one thread count. Each round every implementation
takes one sample in turn (the order rotating from round to round), so slow
drifts of a shared machine hit every implementation alike and per-round ratios
cancel them. After each turn the next waits until the worker that just ran is
quiet: its pools' threads spin for a while after a call (OpenBLAS's for about
0.1 s), and on a machine with as many threads as cores those spinners would
take cores from the next implementation, the cross-process form of the trap
that one process per family avoids.
"""

import dataclasses
import os
import pickle
import subprocess
import sys
import time

from attnkit_study import stats
from attnkit_study.implementations import IMPLEMENTATIONS

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# Longest wait for a worker's pools to fall asleep after its turn (OpenBLAS's
# threads spin for 2^28 cycles, about 0.1 s, before they sleep).
QUIET_MAX_WAIT_S = 0.3


class HarnessError(RuntimeError):
    pass


class WorkerProcess:
    """A worker (python3 -m attnkit_study.worker FAMILY) and its request pipe."""

    def __init__(self, family, log, wisdom_path=None, env_overrides=None):
        self.family = family
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([PACKAGE_ROOT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                                                             if p])
        env.update(env_overrides or {})
        argv = [sys.executable, "-m", "attnkit_study.worker", family] + ([wisdom_path] if wisdom_path else [])
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env)
        self.hello = self._reply()

    def _reply(self):
        try:
            status, value = pickle.load(self.proc.stdout)
        except EOFError:
            code = self.proc.wait()
            raise HarnessError(f"the {self.family} worker exited (status {code}); see workers.log") from None
        if status != "ok":
            raise HarnessError(f"the {self.family} worker failed:\n{value}")
        return value

    def cpu_ns(self):
        """CPU time of all the worker's threads so far (ns, from /proc/PID/task/*/schedstat);
        None where that is not readable (not Linux)."""
        total = 0
        try:
            tasks = os.listdir(f"/proc/{self.proc.pid}/task")
        except OSError:
            return None
        for task in tasks:
            try:
                with open(f"/proc/{self.proc.pid}/task/{task}/schedstat", encoding="ascii") as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                continue  # a thread that ended meanwhile
        return total

    def wait_quiet(self, window_s, max_wait_s):
        """Waits until the worker's threads use less than 10 % of a core over
        `window_s` (its pools asleep: OpenBLAS's threads spin for about 0.1 s
        after a call, OpenMP's for GOMP_SPINCOUNT spins), at most `max_wait_s`.
        Returns the seconds waited."""
        start = time.perf_counter()
        before = self.cpu_ns()
        if before is None:
            time.sleep(window_s)
            return window_s
        while True:
            time.sleep(window_s)
            now = self.cpu_ns()
            waited = time.perf_counter() - start
            if now - before < 0.1 * window_s * 1e9 or waited >= max_wait_s:
                return waited
            before = now

    def request(self, *message):
        pickle.dump(message, self.proc.stdin)
        self.proc.stdin.flush()
        return self._reply()

    def close(self):
        if self.proc.poll() is None:
            try:
                pickle.dump(("quit",), self.proc.stdin)
                self.proc.stdin.close()
            except (BrokenPipeError, OSError):
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Workers:
    """One worker per family, started on first use and kept for the whole run."""

    def __init__(self, log, wisdom_path=None):
        self.log, self.wisdom_path, self.pool = log, wisdom_path, {}

    def get(self, family):
        if family not in self.pool:
            self.pool[family] = WorkerProcess(family, self.log,
                                              self.wisdom_path if family == "attnkit-wisdom" else None)
        return self.pool[family]

    def info(self):
        return {family: w.request("info") for family, w in self.pool.items()}

    def close(self):
        for w in self.pool.values():
            w.close()
        self.pool = {}


def setup_point(workers, problem, threads, names, seed, measurement, configs):
    """Each family's worker prepares its implementations; {name: status}."""
    by_family = {}
    for name in names:
        impl = IMPLEMENTATIONS[name]
        by_family.setdefault(impl.family, {})[name] = impl.variant
    status = {}
    for family, family_names in by_family.items():
        try:
            worker = workers.get(family)
        except HarnessError as e:
            status.update({n: {"ok": False, "reason": f"worker unavailable: {e}"} for n in family_names})
            continue
        status.update(worker.request("setup", {
            "problem": problem.to_dict(), "threads": threads, "names": family_names, "seed": seed,
            "min_sample_s": measurement.min_sample_s, "max_call_s": measurement.max_call_s,
            "configs": {n: configs[n] for n in family_names if n in configs}}))
        # The next family's check and calibration must not run among this one's spinning threads.
        worker.wait_quiet(max(measurement.quiet_gap_s, 0.002), QUIET_MAX_WAIT_S)
    return status


def run_rounds(workers, names, measurement, on_sample, rounds_cap=None, until_converged=True):
    """Interleaved rounds over `names` (already set up); on_sample(round, name,
    seconds) for each. Returns (rounds, {name: [seconds]})."""
    times = {n: [] for n in names}
    start = time.perf_counter()
    cap = rounds_cap or measurement.max_rounds
    rounds = 0
    while rounds < cap:
        shift = rounds % len(names)
        for name in names[shift:] + names[:shift]:
            worker = workers.get(IMPLEMENTATIONS[name].family)
            t = worker.request("sample", name)
            times[name].append(t)
            on_sample(rounds, name, t)
            if measurement.quiet_gap_s:
                worker.wait_quiet(measurement.quiet_gap_s, QUIET_MAX_WAIT_S)
        rounds += 1
        if rounds < measurement.min_rounds or not until_converged:
            continue
        if all(stats.converged(times[n], measurement.tolerance) for n in names):
            break
        if time.perf_counter() - start > measurement.point_limit_s:
            break
    return rounds, times


def measure_point(workers, point, names, seed, measurement, configs):
    """Sets up and measures one point; returns its records (a "point" record and its samples)."""
    problem, threads = point["problem"], point["threads"]
    t0 = time.perf_counter()
    status = setup_point(workers, problem, threads, names, seed, measurement, configs)
    ready = [n for n in names if status[n].get("ok")]
    samples = []

    def on_sample(round_index, name, seconds):
        samples.append({"kind": "sample", "point": point["id"], "impl": name, "round": round_index,
                        "time_s": seconds})

    rounds, times = run_rounds(workers, ready, measurement, on_sample) if ready else (0, {})
    record = {"kind": "point", "point": point["id"], "problem": problem.to_dict(), "threads": threads,
              "sets": point["sets"], "names": point["names"], "status": status, "rounds": rounds,
              "converged": {n: stats.converged(times[n], measurement.tolerance) for n in ready},
              "skipped": point.get("skipped", {}), "point_limit_s": measurement.point_limit_s,
              "elapsed_s": time.perf_counter() - t0}
    return [record] + samples


ISOLATION_CHUNK = 3


def isolation_check(workers, problem, threads, names, seed, measurement):
    """Each implementation alone (samples back to back after every worker has
    been idle for a moment) and in the harness (interleaved rounds), the two
    alternating in chunks of ISOLATION_CHUNK samples so that a drift of the
    machine hits both alike. Returns "isolation" records."""
    status = setup_point(workers, problem, threads, names, seed, measurement, {})
    ready = [n for n in names if status[n].get("ok")]
    alone = {n: [] for n in ready}
    inside = {n: [] for n in ready}
    chunks = max(1, -(-measurement.isolation_samples // ISOLATION_CHUNK))
    quiet = dataclasses.replace(measurement, min_rounds=ISOLATION_CHUNK)
    for _ in range(chunks):
        for name in ready:
            time.sleep(0.3)  # every pool idle
            alone[name] += workers.get(IMPLEMENTATIONS[name].family).request("samples", name, ISOLATION_CHUNK)
        time.sleep(0.3)
        _, times = run_rounds(workers, ready, quiet, lambda *a: None, rounds_cap=ISOLATION_CHUNK,
                              until_converged=False)
        for name in ready:
            inside[name] += times[name]
    records = []
    for name in ready:
        for mode, times in (("alone", alone[name]), ("harness", inside[name])):
            records.append({"kind": "isolation", "problem": problem.to_dict(), "threads": threads, "impl": name,
                            "mode": mode, "times": times})
    return records


SHARING_SETTINGS = (
    ("defaults", {}),
    ("OMP_WAIT_POLICY=passive", {"OMP_WAIT_POLICY": "passive"}),
    ("GOMP_SPINCOUNT=10000", {"GOMP_SPINCOUNT": "10000"}),
    ("OPENBLAS_NUM_THREADS=1", {"OPENBLAS_NUM_THREADS": "1"}),
)


def sharing_check(log, problem, numpy_problem, threads, seed, samples):
    """attnkit (on `problem`) and NumPy (on `numpy_problem`) in one process, under
    each setting of SHARING_SETTINGS: "sharing" records of each one's times after
    a call of its own library and after one of the other's."""
    records = []
    for label, overrides in SHARING_SETTINGS:
        worker = WorkerProcess("shared", log, env_overrides=overrides)
        try:
            result = worker.request("shared", {"problem": problem.to_dict(), "numpy_problem": numpy_problem.to_dict(),
                                               "threads": threads, "seed": seed, "samples": samples})
        finally:
            worker.close()
        records.append({"kind": "sharing", "setting": label, "env": overrides, "problem": problem.to_dict(),
                        "numpy_problem": numpy_problem.to_dict(), "threads": threads, **result})
    return records
