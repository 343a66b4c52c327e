"""`compare`: how far each speed-up over NumPy moved between two runs, against
the runs' confidence intervals."""

import math

from attnkit_study import records, stats, tables
from attnkit_study.implementations import BASELINE, IMPLEMENTATIONS


def speedups(run):
    """{(problem key, threads, impl): (median, lo, hi, label)} over NumPy."""
    out = {}
    for pid, point in run.points.items():
        if BASELINE not in run.impls(pid):
            continue
        for impl in run.impls(pid):
            if impl == BASELINE:
                continue
            a, b = run.paired(pid, BASELINE, impl)
            m, lo, hi, _, _ = stats.speedup_ci(a, b)
            out[(tuple(run.problem(pid).key()), point["threads"], impl)] = (m, lo, hi, pid)
    return out


def compare(path_a, path_b):
    """(headers, rows, moved): per shared (point, implementation) the two
    speed-ups, their ratio B/A, and whether the intervals are disjoint."""
    a = speedups(records.Run(records.read(path_a)))
    b = speedups(records.Run(records.read(path_b)))
    headers = ["point", "implementation", "speed-up A [95 % CI]", "speed-up B [95 % CI]", "B / A", "moved?"]
    rows, moved = [], 0
    for key in sorted(set(a) & set(b), key=lambda k: (a[k][3], k[2])):
        ma, la, ha, pid = a[key]
        mb, lb, hb, _ = b[key]
        if math.isnan(ma) or math.isnan(mb):
            continue
        disjoint = hb < la or lb > ha
        moved += disjoint
        # How far B's median is from A's, in units of A's half-width on that side.
        side = (ha - ma) if mb > ma else (ma - la)
        sigmas = abs(mb - ma) / side if side > 0 else math.inf
        rows.append([pid, IMPLEMENTATIONS[key[2]].label, tables.fmt_ratio(ma, la, ha), tables.fmt_ratio(mb, lb, hb),
                     f"{mb / ma:.3f}", ("**yes**" if disjoint else "no") + f" ({sigmas:.1f} half-widths of A)"])
    only = len(set(a) ^ set(b))
    return headers, rows, moved, only
