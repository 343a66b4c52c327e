"""The documented result of attnkit.sdpa, computed in NumPy's long double.

Written from the documentation (README.md's Semantics), not from any kernel:

    s_ij = scale * q_i . k_j + bias_ij,   scale = 1/sqrt(head_dim) unless given
    key j takes part in row i iff the causal alignment lets row i see it, the
    boolean mask is True there and the additive mask is not -inf there
    out_i = sum_j softmax(s_i)_j v_j,     lse_i = log sum_j exp(s_ij)
    a row with no key taking part: out_i = 0, lse_i = -inf
    query head h reads kv head h // (heads_q // heads_kv)

Inputs are finite (the NaN policy is the C++ suite's business). Besides the
values, the magnitudes that tolerance.py's error bound needs are kept per row.
"""

from dataclasses import dataclass

import numpy as np

WIDE = np.longdouble


@dataclass
class Expected:
    out: np.ndarray  # [batch, heads_q, seq_q, head_dim_v], long double
    lse: np.ndarray  # [batch, heads_q, seq_q], long double
    keys: np.ndarray  # keys taking part, per row
    qk: np.ndarray  # scale * max_j sum_d |q_id| |k_jd| over those keys
    bias: np.ndarray  # max_j |bias_ij| over those keys
    v: np.ndarray  # max_{j,d} |v_jd| over those keys
    head_dim: int


def causal_visibility(causal, seq_q, seq_kv):
    """[seq_q, seq_kv]: True where the causal alignment lets query i see key j."""
    i = np.arange(seq_q)[:, None]
    j = np.arange(seq_kv)[None, :]
    if causal in ("none", False):
        return np.ones((seq_q, seq_kv), dtype=bool)
    if causal in ("top_left", True):
        return j <= i
    if causal == "bottom_right":
        return j <= i + seq_kv - seq_q
    raise ValueError(f"reference: unknown causal {causal!r}")


def broadcast_mask(mask, shape):
    """A rank-2 or rank-4 mask with extent-1 dimensions, as a full [batch, heads_q, seq_q, seq_kv] array."""
    mask = np.asarray(mask)
    if mask.ndim == 2:
        mask = mask[None, None]
    return np.broadcast_to(mask, shape)


def attention(q, k, v, *, scale=None, causal="none", mask=None):
    """The exact result (up to long double rounding) of attnkit.sdpa(q, k, v, ...)."""
    batch, heads_q, seq_q, head_dim = q.shape
    heads_kv, seq_kv = k.shape[1], k.shape[2]
    group = heads_q // heads_kv
    if scale is None:
        scale = 1 / np.sqrt(WIDE(head_dim)) if head_dim > 0 else WIDE(1)
    scale = WIDE(scale)
    qw = q.astype(WIDE)
    kw = np.repeat(k.astype(WIDE), group, axis=1)
    vw = np.repeat(v.astype(WIDE), group, axis=1)
    full = (batch, heads_q, seq_q, seq_kv)

    takes_part = np.broadcast_to(causal_visibility(causal, seq_q, seq_kv), full)
    bias = np.zeros(full, dtype=WIDE)
    if mask is not None:
        m = broadcast_mask(mask, full)
        if m.dtype == bool:
            takes_part = takes_part & m
        else:
            bias = m.astype(WIDE)
            takes_part = takes_part & (bias != -np.inf)
    finite_bias = np.where(takes_part, bias, 0)

    scores = np.where(takes_part, scale * (qw @ kw.swapaxes(-1, -2)) + finite_bias, -np.inf)
    keys = takes_part.sum(axis=-1)
    seen = keys > 0
    row_max = np.where(seen, scores.max(axis=-1, initial=-np.inf), 0)
    weights = np.where(takes_part, np.exp(scores - row_max[..., None]), 0)
    total = weights.sum(axis=-1)
    out = np.where(seen[..., None], (weights @ vw) / np.where(seen, total, 1)[..., None], 0)
    lse = np.where(seen, row_max + np.log(np.where(seen, total, 1)), -np.inf)

    abs_scores = scale * (np.abs(qw) @ np.abs(kw).swapaxes(-1, -2))
    v_rows = np.abs(vw).max(axis=-1, initial=0)[:, :, None, :]  # [batch, heads_q, 1, seq_kv]
    return Expected(
        out=out,
        lse=lse,
        keys=keys,
        qk=np.where(takes_part, abs_scores, 0).max(axis=-1, initial=0),
        bias=np.abs(finite_bias).max(axis=-1, initial=0),
        v=np.where(takes_part, v_rows, 0).max(axis=-1, initial=0),
        head_dim=head_dim,
    )
