
import pytest

from attnkit_study import cli, records
from conftest import synthetic_records


def _fails(argv, capsys, message):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err, err


def test_bad_arguments_are_argparse_errors(capsys):
    for argv in (["run", "--profile", "huge", "--out", "x"], ["run", "--out", "x"], [], ["report"]):
        with pytest.raises(SystemExit) as e:
            cli.main(argv)
        assert e.value.code == 2
    assert "invalid choice: 'huge'" in capsys.readouterr().err


def test_run_refuses_a_bad_tuning_directory_and_an_existing_run(tmp_path, capsys, run_dir):
    _fails(["run", "--profile", "quick", "--out", str(tmp_path / "o"), "--tuning", str(tmp_path / "nope")], capsys,
           "--tuning")
    _fails(["run", "--profile", "quick", "--out", run_dir], capsys, "already holds records.jsonl; pass --force")
    _fails(["run", "--profile", "quick", "--out", str(tmp_path / "o"), "--seed", "-1"], capsys, "--seed -1")
    _fails(["run", "--profile", "quick", "--out", str(tmp_path / "o"), "--budget-s", "-5"], capsys,
           "--budget-s -5.0 must be non-negative")


def test_report_and_compare_need_run_directories(tmp_path, capsys):
    _fails(["report", "--in", str(tmp_path)], capsys, "no records.jsonl there")
    _fails(["compare", str(tmp_path), str(tmp_path)], capsys, "no records.jsonl there")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "records.jsonl").write_text('{"kind": "meta"}\nnot json\n')
    _fails(["report", "--in", str(bad)], capsys, "records.jsonl:2: not a JSON record")


def test_compare_reports_how_far_each_speedup_moved(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    for d, factor in ((a, 1.0), (b, 0.5)):
        d.mkdir()
        recs = synthetic_records()
        for r in recs:
            if r["kind"] == "sample" and r["impl"] == "attnkit-automatic":
                r["time_s"] /= factor
        records.write(str(d / "records.jsonl"), recs, mode="w")
    assert cli.main(["compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    automatic = [line for line in out.splitlines() if "attnkit automatic (no wisdom)" in line]
    assert automatic and all("**yes**" in line and "| 0.500 |" in line for line in automatic)
    numba = [line for line in out.splitlines() if "| Numba |" in line]
    assert numba and all("| no (" in line for line in numba)
    assert "speed-ups moved beyond both confidence intervals" in out


def test_plan_lists_points(capsys):
    assert cli.main(["plan", "--profile", "full", "--cores", "16", "--sets", "study"]) == 0
    out = capsys.readouterr().out
    assert "study/f32/dim64@16" in out and "study/f64/dim1024@1" in out
    _fails(["plan", "--profile", "quick", "--cores", "0"], capsys, "--cores 0 must be at least 1")


def test_only_selects_points_by_id(capsys):
    assert cli.main(["plan", "--profile", "full", "--cores", "16", "--sets", "grid", "--only", "square/.*@1$"]) == 0
    out = capsys.readouterr().out
    assert "grid/square/f64/dim1024@1 " in out
    assert "@16" not in out and "S2048" not in out
    assert "14 points" in out  # the square dims 64 to 1024, float and double, on 1 thread
    _fails(["plan", "--profile", "full", "--sets", "grid", "--only", "(dim"], capsys,
           "--only '(dim' is not a regular expression")
    _fails(["run", "--profile", "quick", "--out", "unused", "--only", "[x"], capsys,
           "--only '[x' is not a regular expression")
