import json

import pytest

from attnkit_study import implementations, profiles, tuning


def test_reads_the_tuners_summary_and_matches_problems_by_shape(tuning_dir):
    t = tuning.load(tuning_dir)
    study = profiles.study_problems()
    best = t.best_for(study[2])
    assert best == {"variant": "parallel", "block_q": 32, "block_kv": 252, "threads": 2}
    assert t.wisdom_path.endswith("wisdom.jsonl")
    assert t.simulation["problems"][0]["name"] == "study/f32/dim256"
    other = profiles.make_profile("quick", 2).problems["decode"][0]
    assert t.best_for(other) is None
    assert tuning.load(None) is None


def test_errors_name_the_file_and_the_field(tmp_path):
    with pytest.raises(tuning.TuningError, match="not a directory"):
        tuning.Tuning(str(tmp_path / "missing"))
    with pytest.raises(tuning.TuningError, match="cannot read .*summary.json"):
        tuning.Tuning(str(tmp_path))
    (tmp_path / "summary.json").write_text("{not json")
    with pytest.raises(tuning.TuningError, match="summary.json is not JSON"):
        tuning.Tuning(str(tmp_path))
    (tmp_path / "summary.json").write_text(json.dumps({"problems": [{"name": "p", "dtype": "f32"}]}))
    with pytest.raises(tuning.TuningError, match=r"problems\[0\] \(p\) lacks batch"):
        tuning.Tuning(str(tmp_path))


def test_tuned_configuration_at_each_thread_count():
    best = {"variant": "parallel", "block_q": 32, "block_kv": 252, "threads": 4}
    assert implementations.tuned_config(best, 4) == best
    assert implementations.tuned_config(best, 1)["threads"] == 1
    flash = {"variant": "flash", "block_q": 64, "block_kv": 252, "threads": 1}
    assert implementations.tuned_config(flash, 1) == flash
    assert implementations.tuned_config(flash, 16) is None
