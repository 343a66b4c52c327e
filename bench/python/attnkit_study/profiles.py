"""The study's two profiles: which problems each set holds, at which thread
counts, with which implementations, and how long to measure.

`quick` is sized for ./scripts/main on a 2-core machine (the whole run in
under about 8 minutes); `full` for a 16-core one (also about 8 minutes). The
sizes are written out here, not derived, so that a report names them exactly.
"""

import dataclasses
import os

from attnkit_study.problems import Problem

SQUARE_DIMS = (64, 128, 256, 400, 512, 768, 1024)  # the seed's Table 1
SETS = ("study", "transformer", "decode", "threads", "grid")
PROFILES = ("quick", "full")

# Implementations each set times (those that do not apply to a problem, or are
# unavailable here, are left out point by point; see implementations.py).
SET_IMPLEMENTATIONS = {
    "study": ("numpy", "numba", "torch-flash", "torch-math", "attnkit-naive", "attnkit-blocked", "attnkit-flash",
              "attnkit-parallel", "attnkit-automatic", "attnkit-wisdom", "attnkit-tuned"),
    "transformer": ("numpy", "numba", "torch-flash", "torch-math", "attnkit-blocked", "attnkit-flash",
                    "attnkit-parallel", "attnkit-automatic", "attnkit-wisdom", "attnkit-tuned"),
    "decode": ("numpy", "numba", "torch-flash", "torch-math", "attnkit-flash", "attnkit-parallel", "attnkit-decode",
               "attnkit-automatic", "attnkit-wisdom", "attnkit-tuned"),
    "threads": ("numpy", "numba", "torch-flash", "attnkit-parallel", "attnkit-automatic"),
    # The kernel-speed grid: the production paths only (its 1-thread S2048 points are the run's costliest).
    "grid": ("numpy", "torch-flash", "attnkit-automatic", "attnkit-tuned"),
}


@dataclasses.dataclass(frozen=True)
class Measurement:
    """How each point is measured."""

    min_rounds: int          # rounds before convergence is judged (6: the fewest giving a 95 % median CI)
    max_rounds: int          # the cap; a point stopped by it (or by point_limit_s) is flagged
    tolerance: float         # target: the median's 95 % CI within this fraction of it
    min_sample_s: float      # one sample is enough calls to last this long (tiny problems)
    quiet_gap_s: float       # window of the quiet test after a worker's turn (harness.WorkerProcess.wait_quiet)
    point_limit_s: float     # stop adding rounds to a point after this long (then flagged if not converged)
    max_call_s: float        # an implementation whose checked call takes longer is left out of the point
    slow_max_gflop: float    # naive and Numba only on problems of at most this many GFLOP
    isolation_samples: int   # samples per implementation in the isolation check
    budget_s: float = 0.0    # the points' share of the run's time: each point's limit shrinks to its share
                             # of what is left (0: no budget); min_rounds are always made


@dataclasses.dataclass(frozen=True)
class Profile:
    name: str
    measurement: Measurement
    problems: dict           # set name -> list of Problem
    threads: dict            # set name -> list of thread counts
    isolation: tuple         # (small, large) problems of the isolation check


def thread_ladder(cores):
    """1, 2, 4, ... up to the core count, and the core count itself."""
    ladder, t = [], 1
    while t < cores:
        ladder.append(t)
        t *= 2
    return sorted(set(ladder + [cores]))


def study_problems():
    """The seed's square problems: Q, K, V each dim x dim (batch 1, one head, seq = head_dim = dim)."""
    return [Problem(f"study/{dtype}/dim{d}", "study", dtype, 1, 1, 1, d, d, d, d, "none")
            for dtype in ("f32", "f64") for d in SQUARE_DIMS]


def transformer_problems(batches, heads, seqs, dims, gqa_heads_kv):
    """Prefill: B x H x S x D, not causal and causal (top-left); GQA (heads_kv =
    gqa_heads_kv) for the largest S and D."""
    out = []
    for b in batches:
        for s in seqs:
            for d in dims:
                for causal in ("none", "top_left"):
                    tag = "causal" if causal != "none" else "full"
                    out.append(Problem(f"transformer/f32/B{b}_H{heads}_S{s}_D{d}/{tag}", "transformer", "f32",
                                       b, heads, heads, s, s, d, d, causal))
    b, s, d = max(batches), max(seqs), max(dims)
    for causal in ("none", "top_left"):
        tag = "causal" if causal != "none" else "full"
        out.append(Problem(f"transformer/f32/B{b}_Hq{heads}_Hkv{gqa_heads_kv}_S{s}_D{d}/{tag}", "transformer",
                           "f32", b, heads, gqa_heads_kv, s, s, d, d, causal))
    return out


def decode_problems(seq_qs, seq_kv, heads_q, heads_kv, dim):
    """Decoding: a few query rows (bottom-right causal when more than one: they
    are the cache's last rows) against seq_kv keys, GQA, float32."""
    return [Problem(f"decode/f32/Hq{heads_q}_Hkv{heads_kv}_Sq{sq}_Skv{seq_kv}_D{dim}", "decode", "f32",
                    1, heads_q, heads_kv, sq, seq_kv, dim, dim, "none" if sq == 1 else "bottom_right")
            for sq in seq_qs]


def thread_problems(shapes):
    """Thread scaling on a few (B, H, S, D) shapes, float32, not causal."""
    return [Problem(f"threads/f32/B{b}_H{h}_S{s}_D{d}", "threads", "f32", b, h, h, s, s, d, d, "none")
            for b, h, s, d in shapes]


def grid_problems(heads, heads_kv_gqa, seqs, dims):
    """The kernel-speed grid: head_dim x seq, MHA and GQA, causal top-left and
    not, float32, plus float64 at D128; and the square problems in f32 and f64."""
    out = []
    for dtype, ds in (("f32", dims), ("f64", [128])):
        for d in ds:
            for s in seqs:
                for hkv in (heads, heads_kv_gqa):
                    for causal in ("none", "top_left"):
                        tag = "causal" if causal != "none" else "full"
                        out.append(Problem(f"grid/{dtype}/B1_Hq{heads}_Hkv{hkv}_S{s}_D{d}/{tag}", "grid", dtype,
                                           1, heads, hkv, s, s, d, d, causal))
    out += [dataclasses.replace(p, name=p.name.replace("study/", "grid/square/"), set="grid")
            for p in study_problems()]
    return out


def make_profile(name, cores=None):
    """The profile `name` for a machine of `cores` cores (default: the CPUs this process may use)."""
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    both = sorted({1, cores})
    if name == "quick":
        measurement = Measurement(min_rounds=6, max_rounds=20, tolerance=0.02, min_sample_s=0.004,
                                  quiet_gap_s=0.002, point_limit_s=3.0, max_call_s=0.6, slow_max_gflop=1.2,
                                  isolation_samples=12, budget_s=330.0)
        problems = {
            "study": study_problems(),
            "transformer": transformer_problems([1], 4, [256, 512], [64], gqa_heads_kv=1),
            "decode": decode_problems([1, 4, 16], 2048, 8, 2, 64),
            "threads": thread_problems([(1, 4, 512, 64)]),
            "grid": grid_problems(4, 1, [256], [64, 80, 96, 128, 256]),
        }
    elif name == "full":
        measurement = Measurement(min_rounds=6, max_rounds=20, tolerance=0.02, min_sample_s=0.01,
                                  quiet_gap_s=0.002, point_limit_s=3.0, max_call_s=1.5, slow_max_gflop=5.0,
                                  isolation_samples=20, budget_s=390.0)
        problems = {
            "study": study_problems(),
            "transformer": transformer_problems([1, 2], 8, [256, 1024], [64, 128], gqa_heads_kv=2),
            "decode": decode_problems([1, 2, 4, 8, 16], 4096, 32, 8, 128),
            "threads": thread_problems([(1, 16, 1024, 64), (1, 1, 1024, 1024)]),
            "grid": grid_problems(16, 4, [512, 2048], [64, 80, 96, 128, 256]),
        }
    else:
        raise ValueError(f"profile {name!r} is not one of {', '.join(PROFILES)}")
    threads = {s: both for s in SETS}
    threads["threads"] = thread_ladder(cores)
    small = next(p for p in problems["study"] if p.head_dim == 128 and p.dtype == "f32")
    large = next(p for p in problems["study"] if p.head_dim == 1024 and p.dtype == "f32")
    return Profile(name, measurement, problems, threads, (small, large))
