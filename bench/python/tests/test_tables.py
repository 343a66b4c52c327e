import math

from attnkit_study import records, tables
from conftest import synthetic_records, tuning_summary


def _run():
    return records.Run(synthetic_records())


def test_table1_has_the_seeds_columns_and_the_tuned_settings():
    headers, rows = tables.table1(_run(), tuning_summary())
    assert headers[:4] == ["dim", "dtype", "block (q x kv)", "threads"]
    assert [r[0] for r in rows if r[1] == "f32"] == ["64", "128", "256", "400", "512", "768", "1024"]
    first = rows[0]
    assert first[2] == "32 x 252" and first[3] == "2" and first[4] == "parallel"
    # The synthetic tuned kernel runs at 40 GFLOP/s against NumPy's 20: speed-up 2.
    assert first[-1].startswith("2.00 [")
    # Numba is left out above the slow implementations' limit (dim 1024).
    assert rows[6][6] == "-"


def test_headline_compares_attnkit_with_every_baseline_and_gives_a_verdict():
    headers, rows = tables.headline(_run())
    assert "vs NumPy" in headers and "vs Numba" in headers and "vs PyTorch flash" in headers
    assert len(rows) == 7 * 2 * 2  # dims x dtypes x (1 thread, all cores)
    assert all(r[-1] == "ahead of all" for r in rows)
    assert all(r[headers.index("vs PyTorch flash")] == "-" for r in rows)


def test_headline_says_plainly_where_attnkit_is_not_ahead():
    recs = synthetic_records()
    for r in recs:  # make NumPy 10x faster everywhere
        if r["kind"] == "sample" and r["impl"] == "numpy":
            r["time_s"] /= 10
    _, rows = tables.headline(records.Run(recs))
    assert all(r[-1].startswith("**not ahead**: slower than NumPy") for r in rows)


def test_set_table_lists_each_point_with_medians_and_speedups():
    headers, rows = tables.set_table(_run(), "grid")
    assert headers[:3] == ["problem", "threads", "GFLOP"]
    assert any("GQA" not in r[0] and "Hq4/Hkv1" in r[0] for r in rows)
    numba_col = headers.index("Numba")
    assert any(c.endswith("†") for c in (r[numba_col] for r in rows) if c != "-")


def test_checks_isolation_sharing_and_convergence_tables():
    run = _run()
    _, rows = tables.checks_table(run)
    flash = [r for r in rows if r[0] == "PyTorch flash"][0]
    assert flash[1] == "0" and "torch is not importable" in flash[4]
    _, iso = tables.isolation_table(run)
    assert {r[2] for r in iso} == {"NumPy", "attnkit automatic (no wisdom)"}
    assert all(r[5].startswith("1.00") for r in iso)
    _, sharing = tables.sharing_table(run)
    assert sharing[0][0] == "defaults" and sharing[0][2].startswith("attnkit on ") and sharing[0][5] == "x60.00 [60.00, 60.00]"
    ok, total, flagged = tables.convergence(run)
    assert 0 < ok < total and all(" numba " in f for f in flagged)


def test_formatting():
    assert tables.fmt_time(1.5e-4) == "150 µs" and tables.fmt_time(2.0) == "2 s" and tables.fmt_time(math.nan) == "-"
    assert tables.markdown(["a", "b"], [["1", "2"]]) == "| a | b |\n|---|---|\n| 1 | 2 |\n"


def test_grid_table_sets_attnkit_beside_pytorch_and_numpy_with_the_peak_share():
    run = _run()
    headers, rows = tables.grid_table(run)
    assert headers[:4] == ["problem", "threads", "attnkit", "% peak"]
    assert len(rows) == len(run.points_in("grid"))
    # No PyTorch here: its columns are empty; NumPy runs at 20 GFLOP/s, attnkit automatic at 36 (tuned 40).
    assert all(r[headers.index("vs PyTorch flash")] == "-" for r in rows)
    ratios = {r[headers.index("vs NumPy")][:4] for r in rows}
    assert ratios <= {"1.80", "1.81", "1.79", "2.00", "2.01", "1.99"}, ratios
    one_thread = next(r for r in rows if r[1] == "1" and r[0].startswith("f32/"))
    # 36 GFLOP/s (less the synthetic drift of up to 5 %) of the 100 GFLOP/s f32 peak on one thread
    assert one_thread[3] in ("34 %", "35 %", "36 %"), one_thread


def test_grid_summary_counts_the_points_that_meet_each_goal():
    recs = synthetic_records()
    run = records.Run(recs)
    for r in list(recs):  # PyTorch flash at twice the speed of attnkit's representative on every point
        if r["kind"] == "sample" and r["impl"] == tables.attnkit_headline_impl(run, r["point"]):
            recs.append(dict(r, impl="torch-flash", time_s=r["time_s"] / 2))
    lines = tables.grid_summary(records.Run(recs))
    grid = [p for p in records.Run(recs).points_in("grid")]
    per_count = len(grid) // 2
    assert lines[0].startswith(f"1 thread: attnkit >= 1x PyTorch flash on 0 of {per_count} points")
    assert lines[1].startswith(f"2 threads: attnkit >= 1.3x PyTorch flash on 0 of {per_count} points")
    assert lines[2].startswith("1 thread, square shapes: attnkit >= 1x NumPy on 14 of 14")
