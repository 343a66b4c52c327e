import numpy as np

from attnkit_study import reference
from attnkit_study.problems import Problem


def _problem(**kw):
    base = dict(name="r", set="t", dtype="f64", batch=2, heads_q=4, heads_kv=2, seq_q=5, seq_kv=7, head_dim=8,
                head_dim_v=6, causal="none")
    base.update(kw)
    return Problem(**base)


def _dense_attention(q, k, v, scale, visible):
    group = q.shape[1] // k.shape[1]
    out = np.zeros(q.shape[:3] + (v.shape[3],))
    for b in range(q.shape[0]):
        for h in range(q.shape[1]):
            s = q[b, h] @ k[b, h // group].T * scale
            s = np.where(visible, s, -np.inf)
            w = np.exp(s - s.max(axis=1, keepdims=True))
            out[b, h] = (w / w.sum(axis=1, keepdims=True)) @ v[b, h // group]
    return out


def test_inputs_are_seeded_and_in_range():
    p = _problem(dtype="f32")
    q1, k1, v1 = reference.make_inputs(p, 5)
    q2, _, _ = reference.make_inputs(p, 5)
    assert q1.dtype == np.float32 and q1.shape == (2, 4, 5, 8) and k1.shape == (2, 2, 7, 8) and v1.shape == (2, 2, 7, 6)
    assert np.array_equal(q1, q2) and not np.array_equal(q1, reference.make_inputs(p, 6)[0])
    assert q1.min() >= -1 and q1.max() <= 1


def test_reference_matches_a_dense_computation_for_each_causal_mode():
    for causal, offset in (("none", None), ("top_left", 0), ("bottom_right", 2)):
        p = _problem(causal=causal)
        q, k, v = reference.make_inputs(p, 1)
        rows = np.arange(p.seq_q)
        visible = np.ones((5, 7), bool) if offset is None else np.arange(7)[None, :] <= rows[:, None] + offset
        expected = _dense_attention(q, k, v, reference.default_scale(p), visible)
        assert np.allclose(reference.reference_rows(p, q, k, v, rows), expected, atol=1e-14)


def test_rows_that_see_no_key_are_zero():
    p = _problem(seq_q=7, seq_kv=5, causal="bottom_right")  # rows 0 and 1 see no key
    q, k, v = reference.make_inputs(p, 1)
    out = reference.reference_rows(p, q, k, v, np.arange(7))
    assert np.all(out[:, :, :2] == 0) and np.all(np.abs(out[:, :, 2:]).sum(axis=-1) > 0)


def test_checked_rows_sample_long_sequences():
    assert list(reference.checked_rows(10)) == list(range(10))
    rows = reference.checked_rows(1000)
    assert len(rows) == reference.CHECKED_ROWS and rows[0] == 0 and rows[-1] == 999


def test_check_accepts_the_reference_and_rejects_a_perturbed_result():
    p = _problem(dtype="f32")
    q, k, v = reference.make_inputs(p, 1)
    good = reference.reference_rows(p, q, k, v, np.arange(p.seq_q)).astype(np.float32)
    assert reference.check(p, good, q, k, v)["ok"]
    bad = good.copy()
    bad[1, 3, 4, 0] += 1e-3
    result = reference.check(p, bad, q, k, v)
    assert not result["ok"] and "max |out - ref|" in result["reason"]
    wrong = reference.check(p, good[:, :, :3], q, k, v)
    assert not wrong["ok"] and "output shape" in wrong["reason"]
    nan = good.copy()
    nan[0, 0, 0, 0] = np.nan
    assert not reference.check(p, nan, q, k, v)["ok"]
