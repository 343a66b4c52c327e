"""The module's own facts: version, names, instruction sets, threads, and the GIL released during a call."""

import re
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import attnkit
from checks import assert_conforms


def version_from_header():
    header = Path(__file__).resolve().parents[2] / "include" / "attnkit" / "version.hpp"
    text = header.read_text()
    parts = [re.search(rf"#define ATTNKIT_VERSION_{p}\s+(\d+)", text).group(1) for p in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


def test_version_is_the_librarys():
    assert attnkit.__version__ == version_from_header()


def test_names_of_variants_and_instruction_sets():
    assert attnkit.variants == ("automatic", "naive", "blocked", "flash", "parallel", "decode")
    assert attnkit.isas == ("automatic", "sse2", "avx2", "avx512", "neon")


def test_selected_isa_is_an_available_one():
    widest = attnkit.selected_isa()
    assert widest in attnkit.isas
    assert attnkit.selected_isa("automatic") == widest
    for name in attnkit.isas[1:]:
        chosen = attnkit.selected_isa(name)
        assert chosen == name or chosen == widest  # an unavailable one falls back to the widest
    with pytest.raises(ValueError, match="^attnkit.selected_isa: isa 'mmx' is not "):
        attnkit.selected_isa("mmx")


@pytest.mark.skipif(attnkit.selected_isa() == "automatic", reason="no SIMD instruction set compiled in")
@pytest.mark.parametrize("isa", attnkit.isas)
@pytest.mark.parametrize("dtype", (np.float32, np.float64), ids=lambda d: np.dtype(d).name)
def test_every_isa_name_computes_the_documented_attention(isa, dtype):
    rng = np.random.default_rng(4)
    q, k, v = (rng.standard_normal((1, 2, 33, 16)).astype(dtype) for _ in range(3))
    out, lse = attnkit.sdpa(q, k, v, variant="flash", isa=isa, return_lse=True, causal="top_left")
    assert_conforms(q, k, v, out, lse, causal="top_left")


def test_max_threads_is_openmps_default():
    assert isinstance(attnkit.max_threads(), int) and attnkit.max_threads() >= 1


def test_the_gil_is_released_while_the_kernels_run():
    # With a switch interval far longer than the call, the main thread can run
    # while the worker is inside sdpa only if sdpa released the GIL.
    rng = np.random.default_rng(5)
    q, k, v = (rng.standard_normal((1, 4, 512, 64)) for _ in range(3))  # some 0.1 s on one core
    state = {"inside": False, "seen_inside": False}
    started = threading.Event()

    def worker():
        started.set()
        state["inside"] = True
        attnkit.sdpa(q, k, v, variant="naive", threads=1)
        state["inside"] = False

    interval = sys.getswitchinterval()
    sys.setswitchinterval(60.0)
    try:
        t = threading.Thread(target=worker)
        t.start()
        started.wait()
        state["seen_inside"] = state["inside"]
        t.join()
    finally:
        sys.setswitchinterval(interval)
    assert state["seen_inside"], "the main thread did not run during the call: the GIL was held"


def test_calls_from_several_threads_at_once_give_the_single_thread_results():
    rng = np.random.default_rng(6)
    problems = [tuple(rng.standard_normal((2, 2, 40, 16)).astype(np.float32) for _ in range(3)) for _ in range(4)]
    expected = [attnkit.sdpa(*p) for p in problems]
    results = [None] * len(problems)

    def run(n):
        results[n] = attnkit.sdpa(*problems[n])

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(problems))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, expected):
        assert np.array_equal(got, want)
