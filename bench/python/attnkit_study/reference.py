"""The inputs every implementation gets, and the float64 check of a result.

Inputs are uniform in [-1, 1], drawn in float64 from a seeded generator and
rounded to the problem's dtype, so every worker process builds the same arrays
from the problem and the seed alone. The reference is computed in float64 from
those rounded values, on a sample of query rows (all of them when seq_q <= 64;
otherwise 64 evenly spaced ones, the first and last included): that keeps the
check cheap on large problems while every batch and head is looked at.
"""

import math

import numpy as np

from attnkit_study.problems import causal_offset

# max |out - ref| allowed, relative to max(1, max |v|): float32 results carry a
# few ulp of rounding per term of sums over up to a few thousand keys and dims.
TOLERANCE = {"f32": 1e-4, "f64": 1e-10}
NUMPY_DTYPES = {"f32": np.float32, "f64": np.float64}
CHECKED_ROWS = 64


def make_inputs(problem, seed, dtype=None):
    """(q, k, v) as C-contiguous [batch, heads, seq, dim] arrays of `dtype` (default: the problem's)."""
    rng = np.random.default_rng(seed)
    dt = NUMPY_DTYPES[dtype or problem.dtype]
    q = rng.uniform(-1.0, 1.0, (problem.batch, problem.heads_q, problem.seq_q, problem.head_dim)).astype(dt)
    k = rng.uniform(-1.0, 1.0, (problem.batch, problem.heads_kv, problem.seq_kv, problem.head_dim)).astype(dt)
    v = rng.uniform(-1.0, 1.0, (problem.batch, problem.heads_kv, problem.seq_kv, problem.head_dim_v)).astype(dt)
    return q, k, v


def default_scale(problem):
    return 1.0 / math.sqrt(problem.head_dim)


def checked_rows(seq_q, count=CHECKED_ROWS):
    """The query rows the check compares: all of them, or `count` evenly spaced ones."""
    if seq_q <= count:
        return np.arange(seq_q)
    return np.unique(np.linspace(0, seq_q - 1, count).round().astype(np.int64))


def reference_rows(problem, q, k, v, rows):
    """float64 attention output at query rows `rows`: [batch, heads_q, len(rows), head_dim_v]."""
    q64, k64, v64 = (np.asarray(x, dtype=np.float64) for x in (q, k, v))
    group = problem.heads_q // problem.heads_kv
    offset = causal_offset(problem)
    out = np.zeros((problem.batch, problem.heads_q, len(rows), problem.head_dim_v))
    if offset is not None:
        visible = np.arange(problem.seq_kv)[None, :] <= (rows[:, None] + offset)
    for b in range(problem.batch):
        for h in range(problem.heads_q):
            s = (q64[b, h, rows] @ k64[b, h // group].T) * default_scale(problem)
            if offset is not None:
                s = np.where(visible, s, -np.inf)
            m = s.max(axis=1, keepdims=True)
            seen = np.isfinite(m[:, 0])
            w = np.exp(s - np.where(np.isfinite(m), m, 0.0))
            w /= np.where(seen[:, None], w.sum(axis=1, keepdims=True), 1.0)
            out[b, h] = np.where(seen[:, None], w @ v64[b, h // group], 0.0)
    return out


def check(problem, out, q, k, v, tolerance_dtype=None):
    """Compares `out` with the float64 reference on the checked rows: a dict with
    ok, max_abs_err, tol (the bound used), rows (how many were compared)."""
    expected_shape = (problem.batch, problem.heads_q, problem.seq_q, problem.head_dim_v)
    if tuple(out.shape) != expected_shape:
        return {"ok": False, "max_abs_err": math.nan, "tol": math.nan, "rows": 0,
                "reason": f"output shape {tuple(out.shape)} != expected {expected_shape}"}
    rows = checked_rows(problem.seq_q)
    ref = reference_rows(problem, q, k, v, rows)
    got = np.asarray(out[:, :, rows], dtype=np.float64)
    tol = TOLERANCE[tolerance_dtype or problem.dtype] * max(1.0, float(np.abs(v).max(initial=0.0)))
    err = float(np.abs(got - ref).max(initial=0.0)) if np.isfinite(got).all() else math.inf
    result = {"ok": err <= tol, "max_abs_err": err, "tol": tol, "rows": int(len(rows))}
    if not result["ok"]:
        result["reason"] = f"max |out - ref| = {err:.3g} > tolerance {tol:.3g} on {len(rows)} checked rows"
    return result
