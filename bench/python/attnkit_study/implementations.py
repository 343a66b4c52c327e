"""The implementations the study times: their names, labels, which worker
process hosts them, where they apply, and how each is made ready to call.

Each family runs in a worker process of its own (see worker.py), so that its
thread pools never share a process with another family's.
"""

import dataclasses

from attnkit_study.problems import flop

SINGLE_THREAD_VARIANTS = ("naive", "blocked", "flash")
THREADED_VARIANTS = ("parallel", "decode", "automatic")
DECODE_MAX_SEQ_Q = 16


@dataclasses.dataclass(frozen=True)
class Implementation:
    name: str
    label: str
    family: str          # the worker process hosting it: numpy, numba, torch, attnkit, attnkit-wisdom
    variant: str = ""    # attnkit's variant, for the attnkit families


IMPLEMENTATIONS = {i.name: i for i in (
    Implementation("numpy", "NumPy", "numpy"),
    Implementation("numba", "Numba", "numba"),
    Implementation("torch-flash", "PyTorch flash", "torch"),
    Implementation("torch-math", "PyTorch math", "torch"),
    Implementation("attnkit-naive", "attnkit naive", "attnkit", "naive"),
    Implementation("attnkit-blocked", "attnkit blocked", "attnkit", "blocked"),
    Implementation("attnkit-flash", "attnkit flash", "attnkit", "flash"),
    Implementation("attnkit-parallel", "attnkit parallel", "attnkit", "parallel"),
    Implementation("attnkit-decode", "attnkit decode", "attnkit", "decode"),
    Implementation("attnkit-automatic", "attnkit automatic (no wisdom)", "attnkit", "automatic"),
    Implementation("attnkit-wisdom", "attnkit automatic + wisdom", "attnkit-wisdom", "automatic"),
    Implementation("attnkit-tuned", "attnkit tuned (tuner's best)", "attnkit", "tuned"),
)}
BASELINE = "numpy"
SLOW = ("numba", "attnkit-naive")


def tuned_config(best, threads):
    """The tuner's best configuration as run at `threads`: its own thread count
    where that is the point's, otherwise (a threaded variant) the point's; a
    single-thread best variant runs at 1 thread only. None where it does not run."""
    variant = best["variant"]
    if best.get("threads", 1) == threads:
        return dict(best)
    if variant in SINGLE_THREAD_VARIANTS:
        return dict(best, threads=1) if threads == 1 else None
    return dict(best, threads=threads)


def applicability(name, problem, threads, measurement, tuning=None):
    """(applies, reason): whether implementation `name` is timed on this point,
    and if not why (said in the report)."""
    impl = IMPLEMENTATIONS[name]
    if impl.variant in SINGLE_THREAD_VARIANTS and threads != 1:
        return False, f"{impl.variant} runs on one thread (timed at the 1-thread point)"
    if impl.variant == "decode" and problem.seq_q > DECODE_MAX_SEQ_Q:
        return False, f"decode is for seq_q <= {DECODE_MAX_SEQ_Q}"
    if name in SLOW and flop(problem) > measurement.slow_max_gflop * 1e9:
        return False, f"{flop(problem) * 1e-9:.2f} GFLOP per call > the profile's {measurement.slow_max_gflop} for slow implementations"
    if name == "attnkit-wisdom" and (tuning is None or tuning.wisdom_path is None):
        return False, "no tuner output (--tuning DIR with wisdom.jsonl)"
    if name == "attnkit-tuned":
        best = tuning.best_for(problem) if tuning is not None else None
        if best is None:
            return False, "the tuner's summary has no such problem"
        if tuned_config(best, threads) is None:
            return False, f"the tuner's best ({best['variant']}) runs on one thread"
    return True, ""
