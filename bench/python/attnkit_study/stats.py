"""The study's statistics: medians with distribution-free confidence intervals,
coefficients of variation, and speed-ups from paired (same-round) timings.

Timings on a shared machine are skewed and have outliers, so every interval is
for the median and comes from order statistics (the binomial argument: the
median lies between the j-th smallest and the j-th largest of n samples with
probability 1 - 2 P(Binomial(n, 1/2) < j)), with no assumption of normality.
"""

import math
import statistics

CONFIDENCE = 0.95


def median(values):
    """The median; NaN for no values."""
    return statistics.median(values) if values else math.nan


def cv_percent(values):
    """Coefficient of variation (sample standard deviation / mean) in %; NaN below two values."""
    if len(values) < 2:
        return math.nan
    mean = statistics.mean(values)
    return statistics.stdev(values) / mean * 100.0 if mean else math.nan


def _binomial_cdf_below(j, n):
    """P(Binomial(n, 1/2) < j)."""
    return sum(math.comb(n, i) for i in range(j)) / 2.0 ** n


def median_ci_ranks(n, confidence=CONFIDENCE):
    """1-based ranks (lo, hi) of the order statistics bracketing the median with
    at least `confidence`, and the coverage they reach; with too few samples for
    that (n < 6 at 95 %) the extremes (1, n) and their lower coverage."""
    if n < 1:
        raise ValueError(f"median_ci_ranks: n ({n}) must be at least 1")
    best = 1
    for j in range(1, n // 2 + 1):
        if 1.0 - 2.0 * _binomial_cdf_below(j, n) >= confidence:
            best = j
        else:
            break
    return best, n + 1 - best, 1.0 - 2.0 * _binomial_cdf_below(best, n)


def median_ci(values, confidence=CONFIDENCE):
    """(median, lo, hi, coverage): the order-statistic interval of the median."""
    if not values:
        return math.nan, math.nan, math.nan, 0.0
    ordered = sorted(values)
    lo, hi, coverage = median_ci_ranks(len(ordered), confidence)
    return median(ordered), ordered[lo - 1], ordered[hi - 1], coverage


def relative_half_width(values, confidence=CONFIDENCE):
    """The larger side of the median's interval, as a fraction of the median."""
    m, lo, hi, _ = median_ci(values, confidence)
    if not m or math.isnan(m):
        return math.nan
    return max(m - lo, hi - m) / abs(m)


def converged(values, tolerance, confidence=CONFIDENCE):
    """True when the median's interval is within `tolerance` (a fraction) of it
    and reaches the stated confidence (small samples never do)."""
    if len(values) < 2:
        return False
    _, _, _, coverage = median_ci(values, confidence)
    return coverage >= confidence and relative_half_width(values, confidence) <= tolerance


def paired_ratios(numerators, denominators):
    """Per-round ratios a_i / b_i of two timings taken in the same round; rounds
    missing on either side (None or NaN) are dropped. Drift common to both
    implementations within a round cancels out of each ratio."""
    if len(numerators) != len(denominators):
        raise ValueError(f"paired_ratios: {len(numerators)} numerators but {len(denominators)} denominators")
    out = []
    for a, b in zip(numerators, denominators):
        if a is None or b is None or math.isnan(a) or math.isnan(b) or b == 0:
            continue
        out.append(a / b)
    return out


def speedup_ci(baseline_times, times, confidence=CONFIDENCE):
    """Speed-up over the baseline (baseline time / time, above 1: faster than the
    baseline) as the median of the per-round ratios, with its interval:
    (median, lo, hi, coverage, rounds)."""
    ratios = paired_ratios(baseline_times, times)
    m, lo, hi, coverage = median_ci(ratios, confidence)
    return m, lo, hi, coverage, len(ratios)
