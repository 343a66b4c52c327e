"""A worker process: hosts one family of implementations and times its own
calls, on the parent's orders (python3 -m attnkit_study.worker FAMILY).

One process per family keeps OpenBLAS's, Numba's/OpenMP's and PyTorch's
thread pools out of each other's way: in one process their spinning workers
slow each other's calls by up to 50x. The parent sends pickled requests on
stdin and reads pickled replies on stdout; anything else the libraries print
goes to stderr.
"""

import gc
import math
import os
import pickle
import platform
import sys
import time
import traceback

# Requests: ("setup", dict) -> {name: status}; ("sample", name) -> seconds per call;
# ("samples", name, n) -> [seconds per call]; ("info",) -> dict; ("quit",).

# "shared" is the exception on purpose: NumPy and attnkit in one process, to
# measure what sharing a process costs (sharing.py).
# A sample of calls shorter than this starts with one untimed call: the worker's
# pools fell asleep while the other workers had their turns, and waking them
# is not part of a call made back to back (what a sample measures).
WARM_UP_BELOW_S = 0.05

FAMILIES = ("numpy", "numba", "torch", "attnkit", "attnkit-wisdom", "shared")


def _threadpool_limits(limit):
    """BLAS limited to `limit` threads from now on (threadpoolctl; a no-op without it)."""
    try:
        import threadpoolctl
    except ImportError:
        return None
    return threadpoolctl.threadpool_limits(limits=limit, user_api="blas")


def _blas_threads():
    """The BLAS pools' thread counts in effect (threadpoolctl), or None without it."""
    try:
        import threadpoolctl
    except ImportError:
        return None
    return [p["num_threads"] for p in threadpoolctl.threadpool_info() if p.get("user_api") == "blas"]


def _timed(call):
    t0 = time.perf_counter()
    call()
    return time.perf_counter() - t0


def _attnkit_kwargs(problem, variant, threads, config):
    """attnkit.sdpa's keyword arguments for one of the study's attnkit implementations."""
    from attnkit_study.reference import default_scale
    kwargs = {"scale": default_scale(problem), "causal": problem.causal}
    if variant == "tuned":
        kwargs.update(variant=config["variant"], block_q=config["block_q"], block_kv=config["block_kv"],
                      threads=config["threads"])
    else:
        kwargs["variant"] = variant
        if variant in ("parallel", "decode", "automatic"):
            kwargs["threads"] = threads
    return kwargs


def _import_family_module(family):
    """The family's library, or an ImportError saying which interpreter lacks it."""
    module = {"numba": "numba", "torch": "torch", "attnkit": "attnkit", "attnkit-wisdom": "attnkit"}.get(family)
    if module is None:
        return
    try:
        __import__(module)
    except ImportError as e:
        raise ImportError(f"{module} is not importable by {sys.executable} ({e})") from None


class Worker:
    def __init__(self, family, wisdom_path=None):
        if family not in FAMILIES:
            raise ValueError(f"worker family {family!r} is not one of {', '.join(FAMILIES)}")
        self.family = family
        self.wisdom_path = wisdom_path
        self.calls = {}
        self.counts = {}
        self.warm = {}
        self._blas_limit = None
        if family == "attnkit-wisdom":
            import attnkit
            attnkit.load_wisdom(wisdom_path)

    # ---- making the callables -------------------------------------------------
    def _set_threads(self, threads):
        if self.family == "numpy":
            self._blas_limit = _threadpool_limits(threads)
        elif self.family == "numba":
            import numba
            # BLAS (np.dot inside the kernel) on one thread: the parallelism is prange's.
            self._blas_limit = _threadpool_limits(1)
            if threads > numba.config.NUMBA_NUM_THREADS:
                raise ValueError(f"numba has {numba.config.NUMBA_NUM_THREADS} threads, fewer than {threads}")
            numba.set_num_threads(threads)
        elif self.family == "torch":
            import torch
            torch.set_num_threads(threads)
            if torch.get_num_threads() != threads:
                raise ValueError(f"torch.set_num_threads({threads}) left {torch.get_num_threads()} threads")

    def _make(self, name, variant, problem, q, k, v, threads, config):
        from attnkit_study import baselines
        if self.family == "numpy":
            return baselines.make_numpy(problem, q, k, v)
        if self.family == "numba":
            return baselines.make_numba(problem, q, k, v)
        if self.family == "torch":
            return baselines.make_torch(problem, q, k, v, name)
        import numpy as np

        import attnkit
        out = np.empty((problem.batch, problem.heads_q, problem.seq_q, problem.head_dim_v), dtype=q.dtype)
        kwargs = _attnkit_kwargs(problem, variant, threads, config)
        return lambda: attnkit.sdpa(q, k, v, out, **kwargs)

    def _choice(self, variant, problem, q, k, v, threads, config):
        """What attnkit's automatic variant runs on this call and why (the
        wisdom's entry or the heuristic), so that the report shows whether
        the wisdom matched; None for the other implementations."""
        if self.family not in ("attnkit", "attnkit-wisdom") or variant != "automatic":
            return None
        import attnkit
        d = attnkit.automatic_choice(q, k, v, **_attnkit_kwargs(problem, variant, threads, config))
        return {key: d[key] for key in ("variant", "block_q", "block_kv", "threads", "source")}

    def setup(self, request):
        """Makes each named implementation ready on the problem's inputs: one
        call checked against the float64 reference, one more to count the calls
        per sample. Returns {name: status dict}."""
        from attnkit_study.problems import Problem
        from attnkit_study.reference import check, make_inputs
        problem = Problem.from_dict(request["problem"])
        threads = request["threads"]
        self.calls, self.counts, self.warm = {}, {}, {}
        status = {}
        try:
            _import_family_module(self.family)
        except ImportError as e:
            return {n: {"ok": False, "reason": str(e)} for n in request["names"]}
        try:
            self._set_threads(threads)
        except Exception as e:  # noqa: BLE001 - reported per implementation
            return {n: {"ok": False, "reason": f"threads: {e}"} for n in request["names"]}
        inputs = {}
        for name, variant in request["names"].items():
            config = request.get("configs", {}).get(name)
            dtype = (config or {}).get("dtype", problem.dtype)
            if dtype not in inputs:
                inputs[dtype] = make_inputs(problem, request["seed"], dtype)
            q, k, v = inputs[dtype]
            try:
                call = self._make(name, variant, problem, q, k, v, threads, config)
                t0 = time.perf_counter()
                out = call()
                first = time.perf_counter() - t0
                limit = _threadpool_limits(1)  # the check's BLAS on one thread: no pool left spinning
                try:
                    result = check(problem, out, q, k, v, tolerance_dtype=dtype)
                finally:
                    if limit is not None:
                        limit.restore_original_limits()
                result["first_call_s"] = first
                if result["ok"] and first > request["max_call_s"]:
                    result.update(ok=False, reason=f"one call took {first:.2f} s > the profile's "
                                                   f"{request['max_call_s']} s")
                if result["ok"]:
                    # Calls per sample from the fastest of a few calls; one call is enough to tell
                    # that a long call needs no repetition within a sample.
                    one = _timed(call)
                    if one < 10 * request["min_sample_s"]:
                        one = min([one] + [_timed(call) for _ in range(2)])
                    one = max(one, 1e-7)
                    self.calls[name] = call
                    self.counts[name] = max(1, math.ceil(request["min_sample_s"] / one))
                    self.warm[name] = one < WARM_UP_BELOW_S
                    result["calls_per_sample"] = self.counts[name]
                if config:
                    result["config"] = config
                choice = self._choice(variant, problem, q, k, v, threads, config)
                if choice:
                    result["choice"] = choice
                if self.family in ("numpy", "numba"):
                    result["blas_threads"] = _blas_threads()
            except Exception as e:  # noqa: BLE001 - an implementation that cannot run is reported, not fatal
                result = {"ok": False, "reason": f"{type(e).__name__}: {e}".strip()[:400]}
            status[name] = result
        return status

    # ---- timing -----------------------------------------------------------------
    def sample(self, name):
        """Seconds per call over one sample (calls_per_sample back-to-back calls,
        after an untimed one for short calls)."""
        call, n = self.calls[name], self.counts[name]
        gc_was = gc.isenabled()
        gc.disable()
        try:
            if self.warm[name]:
                call()  # wakes this process's thread pools, asleep since its last turn
            t0 = time.perf_counter()
            for _ in range(n):
                call()
            return (time.perf_counter() - t0) / n
        finally:
            if gc_was:
                gc.enable()

    def shared(self, request):
        """attnkit's automatic variant and NumPy in one process, on the same inputs:
        each timed right after a call of its own library ("alone", "numpy_alone")
        and right after one of the other's ("after_numpy", "numpy_after_attnkit").
        Seconds per call."""
        import numpy as np

        import attnkit
        from attnkit_study.baselines import make_numpy
        from attnkit_study.problems import Problem
        from attnkit_study.reference import default_scale, make_inputs
        problem = Problem.from_dict(request["problem"])
        threads, n = request["threads"], request["samples"]
        q, k, v = make_inputs(problem, request["seed"])
        # NumPy's call may be on another (larger) problem: small BLAS products run
        # on one thread, and only the larger ones leave OpenBLAS's threads spinning.
        numpy_problem = Problem.from_dict(request.get("numpy_problem", request["problem"]))
        numpy_call = make_numpy(numpy_problem, *make_inputs(numpy_problem, request["seed"]))
        _threadpool_limits(threads)
        numpy_call()
        out = np.empty((problem.batch, problem.heads_q, problem.seq_q, problem.head_dim_v), dtype=q.dtype)
        kwargs = {"scale": default_scale(problem), "causal": problem.causal, "threads": threads}

        def timed(call):
            t0 = time.perf_counter()
            call()
            return time.perf_counter() - t0

        def attnkit_call():
            attnkit.sdpa(q, k, v, out, **kwargs)

        for _ in range(3):
            attnkit_call()
            numpy_call()
        # Each call once after a call of its own library and once after the
        # other's, in every iteration, so that a drift of the machine hits all alike.
        result = {"alone": [], "after_numpy": [], "numpy_alone": [], "numpy_after_attnkit": []}
        for _ in range(n):
            result["alone"].append(timed(attnkit_call))              # after the previous attnkit call
            result["numpy_after_attnkit"].append(timed(numpy_call))
            result["numpy_alone"].append(timed(numpy_call))
            result["after_numpy"].append(timed(attnkit_call))
            attnkit_call()
        return result

    def info(self):
        try:
            _import_family_module(self.family)
        except ImportError as e:
            return {"unavailable": str(e)}
        from attnkit_study.environment import library_versions
        return library_versions(self.family)


def _serve(worker, requests, replies):
    while True:
        try:
            request = pickle.load(requests)
        except EOFError:
            return
        kind = request[0]
        try:
            if kind == "quit":
                return
            if kind == "setup":
                reply = ("ok", worker.setup(request[1]))
            elif kind == "sample":
                reply = ("ok", worker.sample(request[1]))
            elif kind == "samples":
                reply = ("ok", [worker.sample(request[1]) for _ in range(request[2])])
            elif kind == "shared":
                reply = ("ok", worker.shared(request[1]))
            elif kind == "info":
                reply = ("ok", worker.info())
            else:
                reply = ("error", f"unknown request {kind!r}")
        except Exception:  # noqa: BLE001 - the parent reports it
            reply = ("error", traceback.format_exc())
        pickle.dump(reply, replies)
        replies.flush()


def main(argv):
    if len(argv) not in (2, 3):
        print("usage: python3 -m attnkit_study.worker FAMILY [WISDOM_FILE]", file=sys.stderr)
        return 2
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr  # the protocol owns the real stdout
    os.dup2(sys.stderr.fileno(), 1)  # and so do C libraries that print
    requests = sys.stdin.buffer
    try:
        worker = Worker(argv[1], argv[2] if len(argv) == 3 else None)
    except Exception:  # noqa: BLE001
        pickle.dump(("error", traceback.format_exc()), replies)
        replies.flush()
        return 1
    pickle.dump(("ok", {"pid": os.getpid(), "python": platform.python_version()}), replies)
    replies.flush()
    _serve(worker, requests, replies)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
