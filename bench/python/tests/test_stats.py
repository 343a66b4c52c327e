import math

import pytest

from attnkit_study import stats


def test_median_and_cv_of_known_values():
    assert stats.median([3.0, 1.0, 2.0]) == 2.0
    assert math.isnan(stats.median([]))
    assert stats.cv_percent([1.0, 1.0, 1.0]) == 0.0
    assert stats.cv_percent([9.0, 11.0]) == pytest.approx(100.0 * math.sqrt(2.0) / 10.0)
    assert math.isnan(stats.cv_percent([1.0]))


def test_median_ci_ranks_follow_the_binomial_rule():
    # n = 6: the extremes cover 1 - 2/64 = 96.9 %; n = 5 cannot reach 95 %.
    assert stats.median_ci_ranks(6) == (1, 6, pytest.approx(1 - 2 / 64))
    lo, hi, coverage = stats.median_ci_ranks(5)
    assert (lo, hi) == (1, 5) and coverage < 0.95
    # n = 20: the 6th and 15th order statistics (coverage 95.9 %).
    lo, hi, coverage = stats.median_ci_ranks(20)
    assert (lo, hi) == (6, 15) and coverage >= 0.95
    with pytest.raises(ValueError, match="n \\(0\\)"):
        stats.median_ci_ranks(0)


def test_median_ci_brackets_the_median():
    values = [float(v) for v in range(1, 21)]
    m, lo, hi, coverage = stats.median_ci(values)
    assert (m, lo, hi) == (10.5, 6.0, 15.0)
    assert coverage >= 0.95


def test_convergence_needs_a_narrow_interval_and_enough_samples():
    tight = [1.0, 1.001, 0.999, 1.0, 1.002, 0.998, 1.0]
    assert stats.converged(tight, 0.02)
    assert not stats.converged(tight[:5], 0.02)            # too few for a 95 % interval
    assert not stats.converged([1.0, 1.3, 0.7, 1.0, 1.2, 0.8, 1.0], 0.02)


def test_paired_ratios_drop_missing_rounds():
    assert stats.paired_ratios([2.0, None, 6.0], [1.0, 1.0, 3.0]) == [2.0, 2.0]
    with pytest.raises(ValueError, match="3 numerators but 2"):
        stats.paired_ratios([1.0, 2.0, 3.0], [1.0, 2.0])


def test_speedup_cancels_drift_common_to_both():
    # Both slow down together round after round; the ratio stays 2.
    base = [1.0 * (1 + 0.1 * r) for r in range(8)]
    fast = [0.5 * (1 + 0.1 * r) for r in range(8)]
    m, lo, hi, coverage, rounds = stats.speedup_ci(base, fast)
    assert (m, lo, hi, rounds) == (pytest.approx(2.0), pytest.approx(2.0), pytest.approx(2.0), 8)
    assert coverage >= 0.95
