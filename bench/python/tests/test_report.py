import os
import re

from PIL import Image

from attnkit_study import report

FIGURES = ("time_vs_size.png", "speedup_vs_size.png", "hyperparameters_vs_size.png", "cv_vs_size.png",
           "pct_peak.png", "speedup_vs_threads.png", "tuner_convergence.png")


def test_report_from_fixture_records_writes_the_page_and_every_figure(run_dir):
    path = report.render(run_dir)
    assert path == os.path.join(run_dir, "README.md")
    text = open(path, encoding="utf-8").read()
    for name in FIGURES:
        file = os.path.join(run_dir, name)
        assert os.path.getsize(file) < 150_000, name
        assert f"]({name})" in text
        with Image.open(file) as im:
            assert im.size[0] <= 1200 and im.size[1] <= 1000
    for heading in ("## Table 1", "## Headline", "## Isolation check", "## Sharing a process",
                    "## Checks and convergence", "## Set `grid`", "## Environment", "## Method"):
        assert heading in text
    assert "python3 -m attnkit_study run --profile quick" in text
    assert "| 64 | f32 | 32 x 252 | 2 | parallel |" in text
    assert "Test CPU" in text and "commit abc1234" in text
    assert re.search(r"\d+ of \d+ medians reached the 2 % target", text)


def test_report_without_tuner_output_says_so(run_dir):
    os.remove(os.path.join(run_dir, "tuning_summary.json"))
    os.remove(os.path.join(run_dir, "tuning_simulation.json"))
    text = open(report.render(run_dir), encoding="utf-8").read()
    assert "No tuner output was given" in text
    assert "Tuned hyper-parameters vs size: no data in this run (no tuner summary)" in text
    assert "no simulation.json" in text


def test_the_peak_figure_falls_back_to_the_square_shapes_without_the_grid(run_dir):
    from attnkit_study import records
    path = os.path.join(run_dir, records.RECORDS)
    kept, dropped = [], set()
    for r in records.read(path):
        if r["kind"] == "point" and "grid" in r["sets"] and "study" not in r["sets"]:
            dropped.add(r["point"])
        elif r["kind"] != "sample" or r["point"] not in dropped:
            kept.append(r)
    records.write(path, [r for r in kept if r.get("point") not in dropped], mode="w")
    text = open(report.render(run_dir), encoding="utf-8").read()
    assert dropped and "](pct_peak.png)" in text
    assert os.path.isfile(os.path.join(run_dir, "pct_peak.png"))


def test_the_report_says_where_automatic_with_wisdom_ran_the_wisdom(run_dir):
    from attnkit_study import records
    path = os.path.join(run_dir, records.RECORDS)
    recs, marked = list(records.read(path)), 0
    for r in recs:
        if r["kind"] == "point" and "attnkit-wisdom" in r["status"]:
            source = "heuristic" if marked == 0 else "wisdom"
            r["status"]["attnkit-wisdom"]["choice"] = {"variant": "parallel", "block_q": 32, "block_kv": 252,
                                                       "threads": 2, "source": source}
            marked += 1
    records.write(path, recs, mode="w")
    text = open(report.render(run_dir), encoding="utf-8").read()
    assert marked > 1
    assert f"ran the wisdom's entry on {marked - 1} of {marked} points" in text
    assert ": heuristic (parallel bq=32 bkv=252 t=2)" in text
