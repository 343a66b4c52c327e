"""attnkit.sdpa computes the documented attention, for every variant and both dtypes.

Each case is checked against reference.attention (long double) under the C++
suite's tolerance policy: the naive variant's own error, itself within its
a-priori bound, sets the tolerance of the others (tolerance.py).
"""

import zlib
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
import pytest

import attnkit
from checks import assert_conforms
from layouts import values

DTYPES = (np.float32, np.float64)


@dataclass
class Case:
    name: str
    batch: int = 2
    heads_q: int = 3
    heads_kv: int = 3
    seq_q: int = 19
    seq_kv: int = 23
    head_dim: int = 16
    head_dim_v: int = 16
    causal: object = "none"
    scale: Optional[float] = None
    mask: Optional[Callable] = None  # (rng, [batch, heads_q, seq_q, seq_kv], dtype) -> mask

    def mask_shape(self):
        return (self.batch, self.heads_q, self.seq_q, self.seq_kv)


def bool_mask(rng, shape, dtype):
    m = rng.random(shape) < 0.7
    m[:, :, 0, :] = False  # a row that sees no key
    return m


def bool_mask_over_heads(rng, shape, dtype):  # [batch, 1, seq_q, seq_kv]
    return bool_mask(rng, (shape[0], 1, shape[2], shape[3]), dtype)


def bool_mask_per_head_key(rng, shape, dtype):  # [1, heads_q, 1, seq_kv]
    return rng.random((1, shape[1], 1, shape[3])) < 0.5


def additive_mask(rng, shape, dtype):
    m = (2 * rng.standard_normal(shape)).astype(dtype)
    m[rng.random(shape) < 0.2] = -np.inf
    m[..., 1, :] = -np.inf  # a row that sees no key
    return m


def additive_plane(rng, shape, dtype):  # [seq_q, seq_kv]
    return additive_mask(rng, shape[2:], dtype)


def bool_plane(rng, shape, dtype):  # [seq_q, seq_kv]
    return rng.random(shape[2:]) < 0.6


def broadcast_view_mask(rng, shape, dtype):  # full extents, stride 0 over batch and heads
    return np.broadcast_to(rng.random((1, 1) + shape[2:]) < 0.6, shape)


CASES = [
    Case("plain"),
    Case("gqa, head_dim_v != head_dim", heads_q=6, heads_kv=2, head_dim=24, head_dim_v=12),
    Case("multi-query", heads_q=4, heads_kv=1),
    Case("top_left, seq_q < seq_kv", seq_q=13, seq_kv=29, causal="top_left"),
    Case("bottom_right, seq_q < seq_kv", seq_q=13, seq_kv=29, causal="bottom_right"),
    Case("top_left, seq_q > seq_kv", seq_q=29, seq_kv=13, causal="top_left"),
    Case("bottom_right, seq_q > seq_kv (rows without keys)", seq_q=29, seq_kv=13, causal="bottom_right"),
    Case("causal=True", seq_q=17, seq_kv=21, causal=True),
    Case("bool mask", mask=bool_mask),
    Case("bool mask broadcast over heads", mask=bool_mask_over_heads),
    Case("bool mask broadcast over batch and seq_q", mask=bool_mask_per_head_key),
    Case("additive mask with -inf", mask=additive_mask),
    Case("additive [seq_q, seq_kv] mask, gqa", heads_q=4, heads_kv=2, mask=additive_plane),
    Case("bool [seq_q, seq_kv] mask and bottom_right", seq_q=11, seq_kv=27, causal="bottom_right", mask=bool_plane),
    Case("np.broadcast_to mask", mask=broadcast_view_mask),
    Case("decode, one query row", heads_q=8, heads_kv=2, seq_q=1, seq_kv=70),
    Case("decode, three query rows, bottom_right", heads_q=4, heads_kv=4, seq_q=3, seq_kv=41, causal="bottom_right"),
    Case("more keys than a tile", batch=1, heads_q=2, heads_kv=1, seq_q=40, seq_kv=300, head_dim=32, head_dim_v=8),
    Case("explicit scale", scale=0.3),
    Case("seq_kv = 0", seq_kv=0),
]


def inputs(case, dtype):
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    q = values(rng, (case.batch, case.heads_q, case.seq_q, case.head_dim), dtype)
    k = values(rng, (case.batch, case.heads_kv, case.seq_kv, case.head_dim), dtype)
    v = values(rng, (case.batch, case.heads_kv, case.seq_kv, case.head_dim_v), dtype)
    mask = case.mask(rng, case.mask_shape(), dtype) if case.mask else None
    return q, k, v, dict(scale=case.scale, causal=case.causal, mask=mask)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("variant", attnkit.variants)
def test_every_variant_computes_the_documented_attention(case, dtype, variant):
    q, k, v, options = inputs(case, dtype)
    out, lse = attnkit.sdpa(q, k, v, variant=variant, return_lse=True, **options)
    assert out.dtype == dtype and lse.dtype == dtype
    assert out.shape == (case.batch, case.heads_q, case.seq_q, case.head_dim_v)
    assert lse.shape == (case.batch, case.heads_q, case.seq_q)
    assert_conforms(q, k, v, out, lse, **options)


TILED = [("blocked", dict(block_q=8)), ("flash", dict(block_q=8, block_kv=16)), ("flash", dict(block_kv=5)),
         ("parallel", dict(block_q=4, block_kv=32, threads=3)), ("decode", dict(threads=2))]


@pytest.mark.parametrize("variant,settings", TILED, ids=lambda x: str(x))
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_tile_sizes_and_threads_do_not_change_the_function(variant, settings, dtype):
    case = Case("tiles", seq_q=3 if variant == "decode" else 37, seq_kv=45, causal="bottom_right", mask=bool_mask)
    q, k, v, options = inputs(case, dtype)
    out, lse = attnkit.sdpa(q, k, v, variant=variant, return_lse=True, **settings, **options)
    assert_conforms(q, k, v, out, lse, **options)


@pytest.mark.parametrize("variant", ["parallel", "decode", "automatic"])
def test_threaded_results_do_not_depend_on_the_thread_count(variant):
    case = Case("threads", seq_q=2 if variant == "decode" else 40, seq_kv=260, mask=additive_mask)
    q, k, v, options = inputs(case, np.float32)
    first = attnkit.sdpa(q, k, v, variant=variant, threads=1, **options)
    for threads in (2, 3, 4):
        again = attnkit.sdpa(q, k, v, variant=variant, threads=threads, **options)
        assert np.array_equal(first, again), f"threads={threads} changed the result bits"


def test_causal_true_and_false_are_top_left_and_none():
    q, k, v, _ = inputs(Case("causal bool", seq_q=9, seq_kv=14), np.float64)
    assert np.array_equal(attnkit.sdpa(q, k, v, causal=True), attnkit.sdpa(q, k, v, causal="top_left"))
    assert np.array_equal(attnkit.sdpa(q, k, v, causal=False), attnkit.sdpa(q, k, v, causal="none"))
    assert not np.array_equal(attnkit.sdpa(q, k, v, causal=True), attnkit.sdpa(q, k, v, causal="bottom_right"))


def test_empty_batch_returns_an_empty_result():
    q, k, v, _ = inputs(Case("empty", batch=0), np.float32)
    out, lse = attnkit.sdpa(q, k, v, return_lse=True)
    assert out.shape == (0, 3, 19, 16) and lse.shape == (0, 3, 19)


def test_the_check_itself_rejects_wrong_results():
    case = Case("check", causal="bottom_right", seq_q=30, seq_kv=20)  # the first 10 rows see no key
    q, k, v, options = inputs(case, np.float32)
    out, lse = attnkit.sdpa(q, k, v, return_lse=True, **options)
    assert_conforms(q, k, v, out, lse, **options)
    wrong_out, wrong_lse = out.copy(), lse.copy()
    wrong_out[0, 0, 20, 0] += 1e-4  # well beyond float32's tolerance at |v| <= 1
    wrong_lse[0, 0, 20] += 1e-4
    for bad_out, bad_lse in ((wrong_out, lse), (out, wrong_lse)):
        with pytest.raises(AssertionError):
            assert_conforms(q, k, v, bad_out, bad_lse, **options)
    not_empty = out.copy()
    not_empty[0, 0, 0, 0] = 1e-30  # a row without keys must be exactly 0
    with pytest.raises(AssertionError):
        assert_conforms(q, k, v, not_empty, lse, **options)
