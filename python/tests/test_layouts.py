"""attnkit.sdpa takes NumPy's strides as they are: no copy in, results written into the caller's out and lse."""

import numpy as np
import pytest

import attnkit
from checks import assert_conforms
from layouts import LAYOUTS, in_layout, output_in_layout, values

SHAPE = dict(batch=2, heads_q=4, heads_kv=2, seq_q=21, seq_kv=26, head_dim=16, head_dim_v=8)
OPTIONS = dict(causal="bottom_right")


def shapes():
    s = SHAPE
    return ((s["batch"], s["heads_q"], s["seq_q"], s["head_dim"]),
            (s["batch"], s["heads_kv"], s["seq_kv"], s["head_dim"]),
            (s["batch"], s["heads_kv"], s["seq_kv"], s["head_dim_v"]),
            (s["batch"], s["heads_q"], s["seq_q"], s["head_dim_v"]))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", (np.float32, np.float64), ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("variant", attnkit.variants)
def test_inputs_in_any_layout(variant, dtype, layout):
    rng = np.random.default_rng(7)
    q_shape, k_shape, v_shape, _ = shapes()
    q, k, v = (in_layout(rng, s, dtype, layout) for s in (q_shape, k_shape, v_shape))
    out, lse = attnkit.sdpa(q, k, v, variant=variant, return_lse=True, **OPTIONS)
    assert_conforms(q, k, v, out, lse, **OPTIONS)


@pytest.mark.parametrize("variant", attnkit.variants)
def test_inputs_of_different_layouts_in_one_call(variant):
    rng = np.random.default_rng(8)
    q_shape, k_shape, v_shape, _ = shapes()
    q = in_layout(rng, q_shape, np.float32, "bshd")
    k = in_layout(rng, k_shape, np.float32, "sliced")
    v = in_layout(rng, v_shape, np.float32, "reversed")
    out, lse = attnkit.sdpa(q, k, v, variant=variant, return_lse=True, **OPTIONS)
    assert_conforms(q, k, v, out, lse, **OPTIONS)


@pytest.mark.parametrize("layout", [x for x in LAYOUTS if x != "broadcast"])
@pytest.mark.parametrize("variant", attnkit.variants)
def test_out_is_written_in_place_in_its_layout(variant, layout):
    rng = np.random.default_rng(9)
    q_shape, k_shape, v_shape, out_shape = shapes()
    q, k, v = (values(rng, s, np.float64) for s in (q_shape, k_shape, v_shape))
    out = output_in_layout(out_shape, np.float64, layout)
    buffer = out.base if out.base is not None else out
    lse_buffer = np.full(q_shape[:3] + (2,), np.nan)
    lse = lse_buffer[..., 0]  # stride 2 elements
    result, result_lse = attnkit.sdpa(q, k, v, out, lse=lse, return_lse=True, variant=variant, **OPTIONS)
    assert result is out and result_lse is lse
    assert np.shares_memory(result, buffer)
    assert_conforms(q, k, v, out, lse, **OPTIONS)
    # Exactly the view's elements were written: the rest of the buffers keeps its NaN.
    assert np.count_nonzero(~np.isnan(buffer)) == out.size
    assert np.all(np.isnan(lse_buffer[..., 1]))


def test_lse_given_without_return_lse_is_filled_and_only_out_returned():
    rng = np.random.default_rng(10)
    q_shape, k_shape, v_shape, _ = shapes()
    q, k, v = (values(rng, s, np.float32) for s in (q_shape, k_shape, v_shape))
    lse = np.full(q_shape[:3], np.nan, dtype=np.float32)
    result = attnkit.sdpa(q, k, v, lse=lse, **OPTIONS)
    assert isinstance(result, np.ndarray) and result.shape == shapes()[3]
    assert_conforms(q, k, v, result, lse, **OPTIONS)


def test_new_out_and_lse_are_c_contiguous_writable_and_cache_line_aligned():
    rng = np.random.default_rng(11)
    q_shape, k_shape, v_shape, _ = shapes()
    q, k, v = (in_layout(rng, s, np.float32, "bshd") for s in (q_shape, k_shape, v_shape))
    out, lse = attnkit.sdpa(q, k, v, return_lse=True)
    for result in (out, lse):
        assert result.flags.c_contiguous and result.flags.writeable
        assert result.ctypes.data % 64 == 0


@pytest.mark.parametrize("variant", attnkit.variants)
def test_inputs_are_not_modified(variant):
    rng = np.random.default_rng(12)
    q_shape, k_shape, v_shape, _ = shapes()
    q, k, v = (in_layout(rng, s, np.float32, "sliced") for s in (q_shape, k_shape, v_shape))
    mask = rng.standard_normal((SHAPE["seq_q"], SHAPE["seq_kv"])).astype(np.float32)
    before = [x.copy() for x in (q, k, v, mask)]
    attnkit.sdpa(q, k, v, mask=mask, variant=variant)
    for x, y in zip((q, k, v, mask), before):
        assert np.array_equal(x, y)


def test_strided_head_dim_runs_on_naive_and_automatic_only():
    rng = np.random.default_rng(13)
    q_shape, k_shape, v_shape, _ = shapes()
    q = values(rng, q_shape[:3] + (2 * q_shape[3],), np.float32)[..., ::2]
    k, v = (values(rng, s, np.float32) for s in (k_shape, v_shape))
    for variant in ("naive", "automatic"):
        out, lse = attnkit.sdpa(q, k, v, variant=variant, return_lse=True, **OPTIONS)
        assert_conforms(q, k, v, out, lse, **OPTIONS)
    for variant in ("blocked", "flash", "parallel", "decode"):
        with pytest.raises(attnkit.Error) as caught:
            attnkit.sdpa(q, k, v, variant=variant)
        assert str(caught.value) == f"attnkit: q.head_dim stride (2) != 1, required by the {variant} variant"


@pytest.mark.parametrize("name", ["q", "k", "v", "mask"])
def test_inputs_reach_the_library_as_the_callers_buffers(name):
    # Were an input copied on its way, the library could not see that out overlaps it.
    rng = np.random.default_rng(14)
    shapes_of = dict(q=(1, 2, 5, 4), k=(1, 2, 6, 4), v=(1, 2, 6, 4), mask=(1, 2, 5, 6))
    given = {n: values(rng, s, np.float32) for n, s in shapes_of.items()}
    shared = np.zeros(200, np.float32)
    out = shared[:40].reshape(1, 2, 5, 4)
    given[name] = shared[20 : 20 + given[name].size].reshape(shapes_of[name])
    with pytest.raises(attnkit.Error, match=f"^attnkit: out overlaps {name} in memory$"):
        attnkit.sdpa(given["q"], given["k"], given["v"], out, mask=given["mask"])
