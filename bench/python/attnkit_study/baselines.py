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


NUMBA_ROWS_PER_ITEM = 64  # query rows per parallel work item


def numba_has_blas():
    """Numba's np.dot calls BLAS through SciPy's cython_blas: without SciPy it cannot compile."""
    try:
        import scipy.linalg.cython_blas  # noqa: F401
    except ImportError:
        return False
    return True


_NUMBA_KERNELS = {}


def _numba_kernel(kind):
    """The Numba kernel, compiled on first use (numba is imported only by the process that times it).

    "blas" (the seed's way, when SciPy is there): work items of 64 query rows
    of one (batch, head) spread over numba's threads with prange, each doing
    its two products with np.dot (BLAS, kept to one thread inside the items:
    the parallelism is prange's) and its softmax in array expressions.
    "loops" (without SciPy): the same items in plain loops, which Numba 0.56's
    LLVM leaves scalar. fastmath stays off in both: it would let LLVM
    reassociate sums and flush subnormals, and the result would no longer be
    IEEE attention."""
    if kind in _NUMBA_KERNELS:
        return _NUMBA_KERNELS[kind]
    import numba

    @numba.njit(inline="always")
    def softmax_rows(s, r0, scale, causal, offset):
        # Row i of the item (query r0 + i) sees keys j < n; the scale is positive, so it commutes with max.
        for i in range(s.shape[0]):
            n = min(s.shape[1], r0 + i + offset + 1) if causal else s.shape[1]
            row = s[i]
            if n <= 0:
                row[:] = 0  # a row that sees no key gives zeros
                continue
            m = row[:n].max() * scale
            row[:n] = np.exp(row[:n] * scale - m)
            row[n:] = 0
            row /= row[:n].sum()

    if kind == "blas":
        @numba.njit(parallel=True, fastmath=False)
        def attention(q, k, v, scale, causal, offset, out):
            batch, heads_q, seq_q, _ = q.shape
            group = heads_q // k.shape[1]
            chunks = (seq_q + NUMBA_ROWS_PER_ITEM - 1) // NUMBA_ROWS_PER_ITEM
            for item in numba.prange(batch * heads_q * chunks):
                b, h, c = item // (heads_q * chunks), (item // chunks) % heads_q, item % chunks
                r0, r1 = c * NUMBA_ROWS_PER_ITEM, min(seq_q, (c + 1) * NUMBA_ROWS_PER_ITEM)
                s = np.dot(q[b, h, r0:r1], k[b, h // group].T)
                softmax_rows(s, r0, scale, causal, offset)
                out[b, h, r0:r1] = np.dot(s, v[b, h // group])
    else:
        @numba.njit(parallel=True, fastmath=False)
        def attention(q, k, v, scale, causal, offset, out):
            batch, heads_q, seq_q, head_dim = q.shape
            seq_kv, head_dim_v = k.shape[2], v.shape[3]
            group = heads_q // k.shape[1]
            chunks = (seq_q + NUMBA_ROWS_PER_ITEM - 1) // NUMBA_ROWS_PER_ITEM
            for item in numba.prange(batch * heads_q * chunks):
                b, h, c = item // (heads_q * chunks), (item // chunks) % heads_q, item % chunks
                r0, r1 = c * NUMBA_ROWS_PER_ITEM, min(seq_q, (c + 1) * NUMBA_ROWS_PER_ITEM)
                kb, vb = k[b, h // group], v[b, h // group]
                s = np.zeros((r1 - r0, seq_kv), dtype=q.dtype)
                for i in range(r1 - r0):
                    for j in range(seq_kv):
                        acc = q.dtype.type(0)
                        for d in range(head_dim):
                            acc += q[b, h, r0 + i, d] * kb[j, d]
                        s[i, j] = acc
                softmax_rows(s, r0, scale, causal, offset)
                for i in range(r1 - r0):
                    o = out[b, h, r0 + i]
                    o[:] = 0
                    for j in range(seq_kv):
                        for e in range(head_dim_v):
                            o[e] += s[i, j] * vb[j, e]

    _NUMBA_KERNELS[kind] = attention
    return attention


def numba_kind():
    return "blas" if numba_has_blas() else "loops"


_NUMBA_COMPILED = set()


def _compile_numba(kind, dtype):
    """Compiles the kernel for this dtype on a one-element problem, so that no
    timed call (nor the checked one) includes compilation."""
    if (kind, dtype) in _NUMBA_COMPILED:
        return
    one = np.ones((1, 1, 1, 1), dtype=dtype)
    _numba_kernel(kind)(one, one, one, dtype.type(1.0), False, 0, np.empty_like(one))
    _NUMBA_COMPILED.add((kind, dtype))


def numba_causal(problem):
    """The kernel's (causal, offset): with causal, row i sees keys j <= i + offset."""
    offset = causal_offset(problem)
    return (False, 0) if offset is None else (True, offset)


def make_numba(problem, q, k, v):
    """Numba: items of query rows spread over numba's threads (prange);
    compiled for this dtype here, before anything is timed."""
    kind = numba_kind()
    attention = _numba_kernel(kind)
    _compile_numba(kind, q.dtype)
    out = np.empty((q.shape[0], q.shape[1], q.shape[2], v.shape[3]), dtype=q.dtype)
    scale = q.dtype.type(default_scale(problem))
    causal, offset = numba_causal(problem)

    def call():
        attention(q, k, v, scale, causal, offset, out)
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
