"""The moved benchmark scripts still import as a package, and their pure functions work."""

import importlib
import math
import os

import pytest

from attnkit_bench import benchlib

TOOLS = ("benchlib", "numpy_baseline", "run_prefill", "summarize", "torch_compare", "torch_decode")


@pytest.mark.parametrize("tool", TOOLS)
def test_every_tool_imports_without_running(tool):
    module = importlib.import_module(f"attnkit_bench.{tool}")
    assert tool == "benchlib" or callable(module.main)


def test_paths_point_at_the_repository():
    assert os.path.isfile(os.path.join(benchlib.BENCH_DIR, "CMakeLists.txt"))
    assert os.path.isdir(os.path.join(benchlib.REPO_ROOT, "include", "attnkit"))


def test_flop_and_names():
    assert benchlib.attention_flop(1, 1, 64, 64, 64) == 4 * 64 ** 3
    assert benchlib.attention_flop(1, 1, 4, 4, 8, causal=True) == 2 * 10 * 16
    assert benchlib.shape_name(1, 16, 2048, 128) == "B1_H16_S2048_D128"
    assert benchlib.attnkit_name("f32", "B1_H1_S64_D64", False, "flash", 1) == \
        "sdpa/f32/B1_H1_S64_D64/full/flash/threads:1/real_time"


def test_summarize_takes_medians_of_repetitions():
    recs = benchlib.synthetic_record("x", [0.003, 0.001, 0.002], flop=2e6)
    rows = benchlib.summarize(recs)
    assert rows["x"]["time_s"] == pytest.approx(0.002) and rows["x"]["n"] == 3
    assert rows["x"]["GFLOPS"] == pytest.approx(1.0)
    assert math.isnan(benchlib.cv_percent([1.0]))


def test_shape_parsers():
    from attnkit_bench import torch_compare, torch_decode
    assert torch_compare.parse_shape("1x16x2048x128") == (1, 16, 2048, 128)
    assert torch_decode.parse_shape("1x32x8x1x4096x128") == (1, 32, 8, 1, 4096, 128)
    with pytest.raises(Exception, match="HQ is not a multiple of HKV"):
        torch_decode.parse_shape("1x6x4x1x10x8")
