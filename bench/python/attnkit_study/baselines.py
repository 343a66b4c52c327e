"""The implementations attnkit is compared with, on the same [batch, heads, seq,
dim] arrays: NumPy as the seed wrote it, Numba, and PyTorch's
scaled_dot_product_attention. Each maker returns a callable of no argument
that computes one attention call (what the harness times).
"""

import numpy as np

from attnkit_study.problems import causal_offset
from attnkit_study.reference import default_scale


def additive_mask(problem, dtype):
    """0 where row i sees key j, -inf elsewhere ([seq_q, seq_kv]); None without a causal mask."""
    offset = causal_offset(problem)
    if offset is None:
        return None
    visible = np.arange(problem.seq_kv)[None, :] <= (np.arange(problem.seq_q)[:, None] + offset)
    return np.where(visible, 0.0, -np.inf).astype(dtype)


def numpy_sdpa(q, k, v, scale, bias=None):
    """The seed's NumPy attention, batched: softmax(q @ k.T * scale + bias) @ v,
    the row maximum subtracted before exp, in place where NumPy allows. Grouped
    query heads share a kv head through broadcasting (no copy of k or v). Every
    row must see at least one key."""
    batch, heads_q, seq_q, head_dim = q.shape
    heads_kv = k.shape[1]
    group = heads_q // heads_kv
    qg = q.reshape(batch, heads_kv, group, seq_q, head_dim)
    s = qg @ k[:, :, None].swapaxes(-1, -2)
    s *= s.dtype.type(scale)
    if bias is not None:
        s += bias
    s -= s.max(axis=-1, keepdims=True)
    np.exp(s, out=s)
    s /= s.sum(axis=-1, keepdims=True)
    return (s @ v[:, :, None]).reshape(batch, heads_q, seq_q, v.shape[3])


def make_numpy(problem, q, k, v):
    bias = additive_mask(problem, q.dtype)
    scale = default_scale(problem)
    return lambda: numpy_sdpa(q, k, v, scale, bias)


_NUMBA_KERNEL = None


def _numba_kernel():
    """Compiled on first use (numba is imported only by the process that times it).

    fastmath stays off: it would let LLVM reassociate sums and flush subnormals,
    so the result would no longer be IEEE attention. The loops are instead
    arranged so that the inner ones are axpy updates over contiguous memory,
    which LLVM vectorises without reassociating anything: the scores of a row
    as sum over d of q[d] * K^T[d, :] (K transposed once per call, in
    parallel), the output as sum over keys of p[j] * V[j, :]."""
    global _NUMBA_KERNEL
    if _NUMBA_KERNEL is not None:
        return _NUMBA_KERNEL
    import numba

    @numba.njit(parallel=True, fastmath=False)
    def transpose_keys(k, kt):
        batch, heads_kv, seq_kv, head_dim = k.shape
        for item in numba.prange(batch * heads_kv):
            b, h = item // heads_kv, item % heads_kv
            for j in range(seq_kv):
                for d in range(head_dim):
                    kt[b, h, d, j] = k[b, h, j, d]

    @numba.njit(parallel=True, fastmath=False)
    def attention_rows(q, kt, v, scale, offset, out):
        batch, heads_q, seq_q, head_dim = q.shape
        heads_kv, seq_kv, head_dim_v = kt.shape[1], kt.shape[3], v.shape[3]
        group = heads_q // heads_kv
        for item in numba.prange(batch * heads_q * seq_q):
            b = item // (heads_q * seq_q)
            h = (item // seq_q) % heads_q
            i = item % seq_q
            hk = h // group
            n = seq_kv if offset < 0 else min(seq_kv, i + offset + 1)
            o = out[b, h, i]
            o[:] = 0
            if n <= 0:
                continue  # a row that sees no key gives zeros
            s = np.zeros(n, dtype=q.dtype)
            kt_bh, v_bh = kt[b, hk], v[b, hk]
            for d in range(head_dim):
                qd = q[b, h, i, d] * scale
                kt_row = kt_bh[d]
                for j in range(n):
                    s[j] += qd * kt_row[j]
            m = s[0]
            for j in range(1, n):
                m = max(m, s[j])
            total = s.dtype.type(0)
            for j in range(n):
                s[j] = np.exp(s[j] - m)
                total += s[j]
            for j in range(n):
                w = s[j] / total
                v_row = v_bh[j]
                for e in range(head_dim_v):
                    o[e] += w * v_row[e]

    _NUMBA_KERNEL = (transpose_keys, attention_rows)
    return _NUMBA_KERNEL


_NUMBA_COMPILED = set()


def _compile_numba(dtype):
    """Compiles the kernels for this dtype on a one-element problem, so that no
    timed call (nor the checked one) includes compilation."""
    if dtype in _NUMBA_COMPILED:
        return
    transpose_keys, attention_rows = _numba_kernel()
    one = np.ones((1, 1, 1, 1), dtype=dtype)
    kt, out = np.empty_like(one), np.empty_like(one)
    transpose_keys(one, kt)
    attention_rows(one, kt, one, dtype.type(1.0), -1, out)
    _NUMBA_COMPILED.add(dtype)


def numba_offset(problem):
    """The kernel's causal argument: row i sees keys j < i + offset + 1; -1 for every key."""
    offset = causal_offset(problem)
    return -1 if offset is None else offset


def make_numba(problem, q, k, v):
    """Numba: rows spread over numba's threads (prange); compiled for this dtype
    here, before anything is timed."""
    transpose_keys, attention_rows = _numba_kernel()
    _compile_numba(q.dtype)
    kt = np.empty((k.shape[0], k.shape[1], k.shape[3], k.shape[2]), dtype=k.dtype)
    out = np.empty((q.shape[0], q.shape[1], q.shape[2], v.shape[3]), dtype=q.dtype)
    scale = q.dtype.type(default_scale(problem))
    offset = numba_offset(problem)

    def call():
        transpose_keys(k, kt)
        attention_rows(q, kt, v, scale, offset, out)
        return out

    return call


TORCH_BACKENDS = {"torch-flash": "FLASH_ATTENTION", "torch-math": "MATH"}


def make_torch(problem, q, k, v, backend_name):
    """PyTorch's scaled_dot_product_attention restricted to one backend
    (torch.nn.attention.sdpa_kernel) on tensors sharing the arrays' memory.
    top_left causal is is_causal=True; bottom_right an explicit boolean mask;
    grouped heads enable_gqa (PyTorch 2.5 and later)."""
    import torch
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel

    backend = getattr(SDPBackend, TORCH_BACKENDS[backend_name])
    tq, tk, tv = (torch.from_numpy(x) for x in (q, k, v))
    kwargs = {"scale": default_scale(problem)}
    if problem.causal == "top_left":
        kwargs["is_causal"] = True
    elif problem.causal == "bottom_right":
        offset = causal_offset(problem)
        rows = torch.arange(problem.seq_q).unsqueeze(1)
        kwargs["attn_mask"] = torch.arange(problem.seq_kv).unsqueeze(0) <= rows + offset
    if problem.heads_q != problem.heads_kv:
        kwargs["enable_gqa"] = True

    def call():
        with torch.inference_mode(), sdpa_kernel(backend):
            return F.scaled_dot_product_attention(tq, tk, tv, **kwargs).numpy()

    return call
