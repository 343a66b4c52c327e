import pytest

from attnkit_study import problems, profiles
from attnkit_study.problems import Problem


def test_flop_follows_the_benchmarks_convention():
    square = Problem("s", "study", "f32", 1, 1, 1, 64, 64, 64, 64)
    assert problems.flop(square) == 4 * 64 ** 3
    causal = Problem("c", "t", "f32", 2, 4, 2, 8, 8, 16, 16, "top_left")
    assert problems.visible_pairs(causal) == 8 * 9 // 2
    assert problems.flop(causal) == 2 * 2 * 4 * 36 * 32
    # Bottom-right: 4 queries, the last rows of 10 keys: 7 + 8 + 9 + 10 pairs.
    decode = Problem("d", "decode", "f32", 1, 8, 2, 4, 10, 16, 16, "bottom_right")
    assert problems.visible_pairs(decode) == 34
    assert problems.kv_bytes(decode) == 2 * 10 * 32 * 4


def test_problem_validation_names_the_field():
    with pytest.raises(ValueError, match="heads_q \\(6\\) is not a multiple of heads_kv \\(4\\)"):
        Problem("x", "s", "f32", 1, 6, 4, 8, 8, 8, 8)
    with pytest.raises(ValueError, match="dtype 'f16'"):
        Problem("x", "s", "f16", 1, 1, 1, 8, 8, 8, 8)
    with pytest.raises(ValueError, match="seq_kv \\(0\\) must be at least 1"):
        Problem("x", "s", "f32", 1, 1, 1, 8, 0, 8, 8)


def test_the_seed_is_the_same_for_the_same_computation_in_any_set():
    a = Problem("study/f32/dim64", "study", "f32", 1, 1, 1, 64, 64, 64, 64)
    b = Problem("grid/square/f32/dim64", "grid", "f32", 1, 1, 1, 64, 64, 64, 64)
    assert a.key() == b.key() and a.seed(1) == b.seed(1) != a.seed(2)


def test_study_set_is_the_seeds_square_problems():
    study = profiles.study_problems()
    assert [p.head_dim for p in study if p.dtype == "f32"] == [64, 128, 256, 400, 512, 768, 1024]
    assert all(p.seq_q == p.seq_kv == p.head_dim == p.head_dim_v and p.batch == p.heads_q == 1 for p in study)
    assert {p.dtype for p in study} == {"f32", "f64"}


def test_grid_set_of_the_full_profile():
    grid = profiles.make_profile("full", cores=16).problems["grid"]
    main = [p for p in grid if not p.name.startswith("grid/square/")]
    assert {p.head_dim for p in main if p.dtype == "f32"} == {64, 80, 96, 128, 256}
    assert {p.head_dim for p in main if p.dtype == "f64"} == {128}
    assert {p.seq_q for p in main} == {512, 2048}
    assert {(p.heads_q, p.heads_kv) for p in main} == {(16, 16), (16, 4)}
    assert {p.causal for p in main} == {"none", "top_left"}
    assert len(main) == (5 + 1) * 2 * 2 * 2
    assert len(grid) - len(main) == 14


def test_decode_set_uses_few_query_rows_and_bottom_right_masks():
    decode = profiles.make_profile("full", cores=16).problems["decode"]
    assert [p.seq_q for p in decode] == [1, 2, 4, 8, 16]
    assert all(p.seq_kv >= 2048 for p in decode)
    assert [p.causal for p in decode] == ["none"] + ["bottom_right"] * 4


def test_thread_counts():
    assert profiles.thread_ladder(16) == [1, 2, 4, 8, 16]
    assert profiles.thread_ladder(6) == [1, 2, 4, 6]
    quick = profiles.make_profile("quick", cores=2)
    assert quick.threads["grid"] == [1, 2] and quick.threads["threads"] == [1, 2]
    assert profiles.make_profile("quick", cores=1).threads["study"] == [1]
    with pytest.raises(ValueError, match="profile 'huge'"):
        profiles.make_profile("huge")


def test_plan_shares_a_point_between_sets_and_says_why_implementations_are_left_out():
    from attnkit_study import runner
    profile = profiles.make_profile("quick", cores=2)
    points = runner.plan(profile, None, ("study", "grid"))
    square = [p for p in points if p["id"] == "study/f32/dim64@1"][0]
    assert square["sets"] == ["study", "grid"]
    assert "attnkit-naive" in square["impls"] and "numpy" in square["impls"]
    assert "wisdom" in square["skipped"]["attnkit-wisdom"]
    two = [p for p in points if p["id"] == "study/f32/dim64@2"][0]
    assert "one thread" in two["skipped"]["attnkit-flash"]
    assert len({(p["problem"].key(), p["threads"]) for p in points}) == len(points)


def test_plan_with_the_tuners_output_adds_the_tuned_implementations(tuning_dir):
    from attnkit_study import runner, tuning
    profile = profiles.make_profile("quick", cores=2)
    points = runner.plan(profile, tuning.load(tuning_dir), ("study",))
    at_two = [p for p in points if p["threads"] == 2]
    assert at_two and all("attnkit-tuned" in p["impls"] and "attnkit-wisdom" in p["impls"] for p in at_two)


def test_the_time_budget_shrinks_each_points_limit_to_its_share():
    from attnkit_study import runner
    m = profiles.make_profile("quick", cores=2).measurement
    weights = [1.0, 1.0, 2.0]
    assert runner.budgeted(m, weights, 0, 0.0).point_limit_s == m.point_limit_s  # plenty left
    late = runner.budgeted(m, weights, 1, m.budget_s - 3.0)
    assert late.point_limit_s == pytest.approx(1.0)  # 3 s left, this point's weight is 1 of 3
    assert runner.budgeted(m, weights, 2, m.budget_s + 10).point_limit_s == 0.0
