"""Wisdom files from Python: load_wisdom's report, automatic_choice's explanation, clear_wisdom."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import attnkit

pytestmark = pytest.mark.skipif(not hasattr(attnkit, "load_wisdom"),
                                reason="attnkit built without wisdom support (nlohmann-json3-dev)")

SHAPE = dict(batch=1, heads_q=4, heads_kv=2, seq_q=48, seq_kv=64, head_dim=16, head_dim_v=16)


@pytest.fixture(autouse=True)
def no_wisdom_before_or_after():
    attnkit.clear_wisdom()
    yield
    attnkit.clear_wisdom()


def arrays(dtype=np.float32):
    rng = np.random.default_rng(3)
    s = SHAPE
    return (rng.standard_normal((s["batch"], s["heads_q"], s["seq_q"], s["head_dim"])).astype(dtype),
            rng.standard_normal((s["batch"], s["heads_kv"], s["seq_kv"], s["head_dim"])).astype(dtype),
            rng.standard_normal((s["batch"], s["heads_kv"], s["seq_kv"], s["head_dim_v"])).astype(dtype))


def entry(key, choice, causal="none", mask="none", **problem):
    return json.dumps({"format": "attnkit-wisdom", "format_version": 1, "key": key,
                       "problem": dict(SHAPE, causal=causal, mask=mask, **problem), "choice": choice,
                       "provenance": {"median_s": 0.001}})


def write(path, lines):
    path.write_text("".join(line + "\n" for line in lines))
    return path


def test_a_loaded_entry_decides_automatic_and_says_where_from(tmp_path):
    key = attnkit.wisdom_key(np.float32, threads=1)
    path = write(tmp_path / "wisdom.jsonl",
                 [entry(key, {"variant": "blocked", "block_q": 8, "block_kv": 16, "threads": 1})])
    report = attnkit.load_wisdom(path)
    assert report == {"path": str(path), "loaded": 1, "skipped": 0, "warnings": []}
    assert attnkit.loaded_wisdom_entries() == 1

    q, k, v = arrays()
    choice = attnkit.automatic_choice(q, k, v, threads=1)
    assert choice["source"] == "wisdom"
    assert (choice["variant"], choice["block_q"], choice["block_kv"], choice["threads"]) == ("blocked", 8, 16, 1)
    assert choice["wisdom_origin"] == f"{path}:1" and choice["wisdom_distance"] == 0
    assert choice["reason"].startswith("automatic: blocked, block_q 8, block_kv 16, threads 1 from wisdom entry")

    # Settings the caller gives are kept; wisdom fills only those left 0.
    assert attnkit.automatic_choice(q, k, v, threads=1, block_q=4)["block_q"] == 4
    # The call runs what it was told: the same bits as blocked with those tiles.
    assert np.array_equal(attnkit.sdpa(q, k, v, threads=1),
                          attnkit.sdpa(q, k, v, variant="blocked", block_q=8, block_kv=16, threads=1))


def test_entries_of_another_dtype_or_thread_budget_do_not_apply(tmp_path):
    key = attnkit.wisdom_key(np.float64, threads=1)
    write(tmp_path / "w.jsonl", [entry(key, {"variant": "blocked", "block_q": 8, "block_kv": 16, "threads": 1})])
    attnkit.load_wisdom(str(tmp_path / "w.jsonl"))
    q, k, v = arrays(np.float32)
    assert attnkit.automatic_choice(q, k, v, threads=1)["source"] == "heuristic"
    q, k, v = arrays(np.float64)
    assert attnkit.automatic_choice(q, k, v, threads=1)["source"] == "wisdom"
    assert attnkit.automatic_choice(q, k, v, threads=2)["source"] == "heuristic"


def test_corrupt_and_foreign_lines_are_skipped_with_a_warning_each(tmp_path):
    key = attnkit.wisdom_key(np.float32, threads=1)
    good = entry(key, {"variant": "flash", "block_q": 16, "block_kv": 32, "threads": 1})
    foreign = entry(dict(key, cpu="another CPU"), {"variant": "flash", "block_q": 16, "block_kv": 32, "threads": 1})
    path = write(tmp_path / "w.jsonl", ["{not json", good, "", foreign])
    report = attnkit.load_wisdom(path)
    assert (report["loaded"], report["skipped"]) == (1, 2)
    assert [w["line"] for w in report["warnings"]] == [1, 4]
    assert report["warnings"][0]["reason"].startswith("not JSON")
    assert report["warnings"][1]["reason"].startswith("foreign key: key.cpu 'another CPU'")


def test_clear_wisdom_returns_automatic_to_its_heuristic(tmp_path):
    key = attnkit.wisdom_key(np.float32, threads=1)
    write(tmp_path / "w.jsonl", [entry(key, {"variant": "blocked", "block_q": 8, "block_kv": 16, "threads": 1})])
    attnkit.load_wisdom(tmp_path / "w.jsonl")
    attnkit.clear_wisdom()
    assert attnkit.loaded_wisdom_entries() == 0
    q, k, v = arrays()
    choice = attnkit.automatic_choice(q, k, v, threads=1)
    assert choice["source"] == "heuristic" and choice["reason"].endswith("no wisdom loaded")


def test_automatic_choice_checks_its_arguments_as_sdpa_does():
    q, k, v = arrays()
    with pytest.raises(attnkit.Error, match=r"^attnkit: k.head_dim \(8\) != q.head_dim \(16\)$"):
        attnkit.automatic_choice(q, k[..., :8], v)
    with pytest.raises(TypeError, match="^attnkit.automatic_choice: q must be a numpy.ndarray"):
        attnkit.automatic_choice(None, k, v)
    assert attnkit.automatic_choice(q, k, v, variant="parallel")["source"] == "caller"


def test_unreadable_files_raise_the_library_error(tmp_path):
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(attnkit.Error, match=f"^attnkit: wisdom file '{missing}' does not exist$"):
        attnkit.load_wisdom(missing)
    with pytest.raises(TypeError, match="^attnkit.load_wisdom: path must be a str or an os.PathLike, got int$"):
        attnkit.load_wisdom(3)


def test_wisdom_key_describes_this_process():
    key = attnkit.wisdom_key("float64", threads=3, isa="sse2")
    assert key["library"] == attnkit.__version__
    assert (key["threads"], key["dtype"]) == (3, "f64")
    assert key["isa"] == attnkit.selected_isa("sse2")
    assert attnkit.wisdom_key()["threads"] == attnkit.max_threads()
    with pytest.raises(TypeError, match="dtype must be float32 or float64, got int32"):
        attnkit.wisdom_key(np.int32)


def test_attnkit_wisdom_is_loaded_on_the_first_automatic_call_of_a_fresh_process(tmp_path):
    key = attnkit.wisdom_key(np.float32, threads=1)
    path = write(tmp_path / "w.jsonl", [entry(key, {"variant": "blocked", "block_q": 8, "block_kv": 16, "threads": 1})])
    program = textwrap.dedent(f"""
        import numpy as np, attnkit
        s = {SHAPE!r}
        q = np.zeros((s["batch"], s["heads_q"], s["seq_q"], s["head_dim"]), np.float32)
        kv = np.zeros((s["batch"], s["heads_kv"], s["seq_kv"], s["head_dim"]), np.float32)
        attnkit.sdpa(q, kv, kv, threads=1)
        print(attnkit.loaded_wisdom_entries(), attnkit.automatic_choice(q, kv, kv, threads=1)["source"])
    """)
    env = dict(os.environ, ATTNKIT_WISDOM=str(path))
    done = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["1", "wisdom"]
