"""The baselines compute attention: each against the float64 reference on small shapes."""

import pytest

from attnkit_study import baselines, reference
from attnkit_study.problems import Problem
from conftest import attnkit_or_skip, numba_or_skip

SHAPES = [
    Problem("mha", "t", "f32", 1, 2, 2, 17, 17, 16, 16, "none"),
    Problem("gqa-causal", "t", "f64", 2, 4, 2, 9, 9, 8, 12, "top_left"),
    Problem("decode", "t", "f32", 1, 8, 2, 3, 40, 16, 16, "bottom_right"),
]


@pytest.mark.parametrize("problem", SHAPES, ids=lambda p: p.name)
def test_numpy_baseline_matches_the_reference(problem):
    q, k, v = reference.make_inputs(problem, 3)
    out = baselines.make_numpy(problem, q, k, v)()
    assert out.dtype == q.dtype
    assert reference.check(problem, out, q, k, v)["ok"]


@pytest.mark.parametrize("problem", SHAPES, ids=lambda p: p.name)
def test_numba_baseline_matches_the_reference(problem):
    numba_or_skip()
    q, k, v = reference.make_inputs(problem, 3)
    call = baselines.make_numba(problem, q, k, v)
    assert reference.check(problem, call(), q, k, v)["ok"]


def test_numba_gives_zeros_for_rows_that_see_no_key():
    numba_or_skip()
    problem = Problem("empty-rows", "t", "f32", 1, 1, 1, 6, 4, 8, 8, "bottom_right")
    q, k, v = reference.make_inputs(problem, 3)
    out = baselines.make_numba(problem, q, k, v)()
    assert (out[0, 0, :2] == 0).all()
    assert reference.check(problem, out, q, k, v)["ok"]


@pytest.mark.parametrize("backend", ["torch-flash", "torch-math"])
def test_torch_baselines_match_the_reference(backend):
    pytest.importorskip("torch", reason="PyTorch is not installed for this Python")
    for problem in SHAPES:
        q, k, v = reference.make_inputs(problem, 3)
        try:
            out = baselines.make_torch(problem, q, k, v, backend)()
        except RuntimeError as e:  # a backend that does not support the case says so
            pytest.skip(f"{backend} on {problem.name}: {e}")
        assert reference.check(problem, out, q, k, v)["ok"]


def test_attnkit_variants_match_the_reference():
    attnkit = attnkit_or_skip()
    for problem in SHAPES:
        q, k, v = reference.make_inputs(problem, 3)
        for variant in ("naive", "blocked", "flash", "parallel", "automatic"):
            out = attnkit.sdpa(q, k, v, scale=reference.default_scale(problem), causal=problem.causal,
                               variant=variant)
            assert reference.check(problem, out, q, k, v)["ok"], (problem.name, variant)


def test_additive_mask_marks_what_each_row_sees():
    problem = Problem("m", "t", "f32", 1, 1, 1, 2, 4, 8, 8, "bottom_right")
    mask = baselines.additive_mask(problem, "float32")
    assert mask.tolist() == [[0, 0, 0, float("-inf")], [0, 0, 0, 0]]
    assert baselines.additive_mask(Problem("n", "t", "f32", 1, 1, 1, 2, 4, 8, 8), "float32") is None


def test_numbas_loop_kernel_without_scipy(monkeypatch):
    numba_or_skip()
    monkeypatch.setattr(baselines, "numba_has_blas", lambda: False)
    for problem in SHAPES:
        q, k, v = reference.make_inputs(problem, 3)
        assert reference.check(problem, baselines.make_numba(problem, q, k, v)(), q, k, v)["ok"]
