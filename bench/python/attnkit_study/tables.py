"""The report's tables, built from a run's records (records.Run): each function
returns (headers, rows) of strings, markdown() renders them."""

import math

from attnkit_study import stats
from attnkit_study.implementations import BASELINE, IMPLEMENTATIONS
from attnkit_study.problems import flop

COMPETITORS = ("numpy", "numba", "torch-flash", "torch-math")


def markdown(headers, rows):
    if not rows:
        return "_(no rows)_\n"
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def fmt_time(seconds):
    """Seconds in the unit that keeps 3 significant digits readable."""
    if seconds is None or math.isnan(seconds):
        return "-"
    for unit, factor in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= factor:
            return f"{seconds / factor:.3g} {unit}"
    return f"{seconds / 1e-6:.3g} µs"


def fmt_ratio(m, lo, hi):
    if m is None or math.isnan(m):
        return "-"
    return f"{m:.2f} [{lo:.2f}, {hi:.2f}]"


def attnkit_headline_impl(run, pid):
    """attnkit's representative at a point: the tuner's best where it ran, else automatic."""
    impls = run.impls(pid)
    for name in ("attnkit-tuned", "attnkit-wisdom", "attnkit-automatic"):
        if name in impls:
            return name
    return None


def summary(run, pid, impl):
    """(median, lo, hi, coverage, cv %, n) of an implementation's times at a point."""
    times = run.times(pid, impl)
    m, lo, hi, coverage = stats.median_ci(times)
    return m, lo, hi, coverage, stats.cv_percent(times), len(times)


def speedup(run, pid, impl, over=BASELINE):
    """impl's speed-up over `over` at a point (over's time / impl's, per round): (median, lo, hi)."""
    a, b = run.paired(pid, over, impl)
    if not a:
        return math.nan, math.nan, math.nan
    m, lo, hi, _, _ = stats.speedup_ci(a, b)
    return m, lo, hi


def _study_point(run, dtype, dim, threads):
    found = run.find("study", lambda p, t: p.dtype == dtype and p.head_dim == dim and t == threads)
    return found[0] if found else None


def _dims(run, set_name="study"):
    return sorted({run.problem(pid).head_dim for pid in run.points_in(set_name)})


def table1(run, tuning_summary):
    """The seed's Table 1: per dim and dtype the tuned block and threads, each
    implementation's median time at the tuned thread count, speed-ups over NumPy."""
    entries = {}
    for e in (tuning_summary or {}).get("problems", []):
        if e.get("set", "study") == "study" or str(e.get("name", "")).startswith("study/"):
            entries[(e["dtype"], e["head_dim"])] = e
    cores = max((max(v) for v in run.meta.get("threads", {}).values() if v), default=1)
    headers = ["dim", "dtype", "block (q x kv)", "threads", "variant", "NumPy (s)", "Numba (s)", "attnkit (s)",
               "speed-up Numba", "speed-up attnkit [95 % CI]"]
    rows = []
    for dtype in ("f32", "f64"):
        for dim in _dims(run):
            entry = entries.get((dtype, dim))
            threads = int(entry["best"]["threads"]) if entry else cores
            pid = _study_point(run, dtype, dim, threads)
            if pid is None:
                continue
            ak = "attnkit-tuned" if entry and "attnkit-tuned" in run.impls(pid) else "attnkit-automatic"
            best = entry["best"] if entry else None
            block = f"{best['block_q']} x {best['block_kv']}" if best else "automatic"
            variant = "automatic"
            if best:
                changed = best.get("dtype", dtype) != dtype  # --allow-precision-change chose another dtype
                variant = best["variant"] + (f" in {best['dtype']}" if changed else "")
            t = {n: summary(run, pid, n)[0] for n in ("numpy", "numba", ak)}
            rows.append([str(dim), dtype, block, str(threads), variant,
                         *(f"{t[n]:.2e}" if not math.isnan(t[n]) else "-" for n in ("numpy", "numba", ak)),
                         f"{speedup(run, pid, 'numba')[0]:.2f}" if run.times(pid, "numba") else "-",
                         fmt_ratio(*speedup(run, pid, ak))])
    return headers, rows


def headline(run):
    """attnkit (tuned where available) against each baseline at every study dim,
    1 thread and all cores: attnkit's speed-up over each (above 1: attnkit faster)."""
    headers = ["dim", "dtype", "threads", "attnkit", "attnkit time"] + \
              [f"vs {IMPLEMENTATIONS[c].label}" for c in COMPETITORS] + ["verdict"]
    rows = []
    thread_counts = sorted(set(run.meta.get("threads", {}).get("study", [1])))
    for dtype in ("f32", "f64"):
        for dim in _dims(run):
            for threads in thread_counts:
                pid = _study_point(run, dtype, dim, threads)
                ak = attnkit_headline_impl(run, pid) if pid else None
                if ak is None:
                    continue
                cells, behind = [], []
                for c in COMPETITORS:
                    if c not in run.impls(pid):
                        cells.append("-")
                        continue
                    a, b = run.paired(pid, c, ak)
                    m, lo, hi, _, _ = stats.speedup_ci(a, b)
                    cells.append(fmt_ratio(m, lo, hi))
                    if hi < 1.0:
                        behind.append(IMPLEMENTATIONS[c].label)
                    elif lo <= 1.0 <= hi:
                        behind.append(f"tie with {IMPLEMENTATIONS[c].label}")
                slower = [b for b in behind if not b.startswith("tie with ")]
                ties = [b[len("tie with "):] for b in behind if b.startswith("tie with ")]
                if slower:
                    verdict = "**not ahead**: slower than " + ", ".join(slower)
                elif ties:
                    verdict = "not distinguishable from " + ", ".join(ties) + " (CI spans 1)"
                else:
                    verdict = "ahead of all"
                rows.append([str(dim), dtype, str(threads), IMPLEMENTATIONS[ak].label,
                             fmt_time(summary(run, pid, ak)[0])] + cells + [verdict])
    return headers, rows


def set_table(run, set_name, peaks=None):
    """Every point of a set: each implementation's median (CV %), and its
    speed-up over NumPy with the 95 % CI of the per-round ratios."""
    pids = run.points_in(set_name)
    impls = [n for n in IMPLEMENTATIONS if any(n in run.impls(pid) for pid in pids)]
    headers = ["problem", "threads", "GFLOP"] + [IMPLEMENTATIONS[n].label for n in impls]
    rows = []
    for pid in pids:
        p, threads = run.problem(pid), run.points[pid]["threads"]
        cells = []
        for n in impls:
            if n not in run.impls(pid):
                cells.append("-")
                continue
            m, _, _, _, cv, _ = summary(run, pid, n)
            cell = f"{fmt_time(m)} ({cv:.0f} %)"
            if n != BASELINE and BASELINE in run.impls(pid):
                cell += f" x{fmt_ratio(*speedup(run, pid, n))}"
            if not run.points[pid]["converged"].get(n, True):
                cell += " †"
            cells.append(cell)
        name = run.points[pid]["names"].get(set_name, p.name)
        rows.append([f"{name} ({p.shape_text()}, {p.causal})", str(threads), f"{flop(p) * 1e-9:.3g}"] + cells)
    return headers, rows


GRID_RIVALS = ("torch-flash", "numpy")


def _pct_peak(run, pid, impl):
    """impl's GFLOP/s at a point as a % of the FMA peak of its dtype and thread count (None: no peak)."""
    problem, threads = run.problem(pid), run.points[pid]["threads"]
    peak = run.peaks.get((problem.dtype, threads))
    if not peak or impl not in run.impls(pid):
        return None
    return flop(problem) / summary(run, pid, impl)[0] * 1e-9 / peak * 100.0


def grid_table(run):
    """The kernel-speed grid side by side: attnkit against PyTorch flash and
    NumPy at every point (their time / attnkit's, per round: above 1, attnkit
    is faster), with each one's % of the FMA peak measured in the same run."""
    pids = run.points_in("grid")
    headers = ["problem", "threads", "attnkit", "% peak", "vs PyTorch flash", "PyTorch % peak", "vs NumPy",
               "NumPy % peak"]
    rows = []
    for pid in pids:
        ak = attnkit_headline_impl(run, pid)
        if ak is None:
            continue
        p = run.problem(pid)
        cells = [run.points[pid]["names"].get("grid", p.name).replace("grid/", ""), str(run.points[pid]["threads"]),
                 fmt_time(summary(run, pid, ak)[0]), _fmt_pct(_pct_peak(run, pid, ak))]
        for rival in GRID_RIVALS:
            cells.append(fmt_ratio(*speedup(run, pid, ak, over=rival)) if rival in run.impls(pid) else "-")
            cells.append(_fmt_pct(_pct_peak(run, pid, rival)))
        rows.append(cells)
    return headers, rows


def grid_summary(run, goals=((1, 1.0), (None, 1.3))):
    """One line per (threads, goal) of the kernel issue: on how many grid points
    attnkit's median ratio over PyTorch flash reaches the goal, and the lowest;
    threads None means the run's largest count. Then the same over NumPy on the
    square shapes at every thread count (goal 1.0)."""
    pids = run.points_in("grid")
    counts = sorted({run.points[pid]["threads"] for pid in pids})

    def line(threads, rival, goal, label, square_only=False):
        ratios = []
        for pid in pids:
            ak = attnkit_headline_impl(run, pid)
            square = "/square/" in run.points[pid]["names"].get("grid", "")
            if (run.points[pid]["threads"] == threads and ak and rival in run.impls(pid)
                    and (square or not square_only)):
                ratios.append((speedup(run, pid, ak, over=rival)[0], pid))
        if not ratios:
            return None
        met = sum(1 for r, _ in ratios if r >= goal)
        low, where = min(ratios)
        return (f"{threads} thread{'s' if threads != 1 else ''}{label}: attnkit >= {goal:g}x "
                f"{IMPLEMENTATIONS[rival].label} on {met} of "
                f"{len(ratios)}{' points' if not square_only else ''} (lowest {low:.2f}x, {run.problem(where).name})")

    lines = [line(t if t is not None else (max(counts) if counts else None), "torch-flash", goal, "")
             for t, goal in goals]
    lines += [line(t, BASELINE, 1.0, ", square shapes", square_only=True) for t in counts]
    return [x for x in lines if x]


def _fmt_pct(x):
    return "-" if x is None else f"{x:.0f} %"


def isolation_table(run):
    """Median alone vs in the harness per implementation, with the ratio."""
    headers = ["problem", "threads", "implementation", "alone", "in the harness", "harness / alone [95 % CI]"]
    by_key = {}
    for r in run.isolation:
        by_key.setdefault((r["problem"]["name"], r["threads"], r["impl"]), {})[r["mode"]] = r["times"]
    rows = []
    for (name, threads, impl), modes in by_key.items():
        alone, inside = modes.get("alone", []), modes.get("harness", [])
        ma, mh = stats.median(alone), stats.median(inside)
        # Unpaired: the interval of the harness median divided by the alone median.
        _, lo, hi, _ = stats.median_ci(inside)
        rows.append([name, str(threads), IMPLEMENTATIONS[impl].label, fmt_time(ma), fmt_time(mh),
                     fmt_ratio(mh / ma, lo / ma, hi / ma) if ma else "-"])
    return headers, rows


def sharing_table(run):
    """attnkit and NumPy in one process, per environment setting: each one's
    time right after a call of its own library and right after one of the
    other's; the slow-down is the median of the per-iteration ratios with its
    95 % CI."""
    headers = ["setting", "threads", "call", "after its own library", "after the other library",
               "slow-down [95 % CI]"]
    rows = []
    for r in run.sharing:
        for label, own, other in (("attnkit", "alone", "after_numpy"),
                                  ("NumPy", "numpy_alone", "numpy_after_attnkit")):
            if not r.get(own):
                continue
            m, lo, hi, _, _ = stats.speedup_ci(r[other], r[own])
            problem = r["problem"] if label == "attnkit" else r.get("numpy_problem", r["problem"])
            rows.append([r["setting"], str(r["threads"]), f"{label} on {problem['name']}",
                         fmt_time(stats.median(r[own])), fmt_time(stats.median(r[other])), "x" + fmt_ratio(m, lo, hi)])
    return headers, rows


def checks_table(run):
    """Per implementation: points checked, the largest error relative to its
    tolerance, and the points where it did not run (with the first reason)."""
    agg = {}
    for pid, p in run.points.items():
        for name, s in p["status"].items():
            a = agg.setdefault(name, {"ok": 0, "worst": 0.0, "failed": 0, "reason": ""})
            if s.get("ok"):
                a["ok"] += 1
                if s.get("tol"):
                    a["worst"] = max(a["worst"], s["max_abs_err"] / s["tol"])
            else:
                a["failed"] += 1
                a["reason"] = a["reason"] or f"{pid}: {s.get('reason', '?')}"
    headers = ["implementation", "points checked and timed", "worst max \\|err\\| / tolerance", "points not run",
               "first reason"]
    rows = [[IMPLEMENTATIONS[n].label, str(a["ok"]), f"{a['worst']:.3g}", str(a["failed"]), a["reason"][:160]]
            for n, a in sorted(agg.items(), key=lambda kv: list(IMPLEMENTATIONS).index(kv[0]))]
    return headers, rows


def wisdom_use(run):
    """(points where automatic + wisdom ran the wisdom's entry, points where its
    choice was recorded, 'point: source variant tiles' lines of the others)."""
    used, recorded, others = 0, 0, []
    for pid, p in run.points.items():
        choice = p["status"].get("attnkit-wisdom", {}).get("choice")
        if not choice:
            continue
        recorded += 1
        if choice["source"] == "wisdom":
            used += 1
        else:
            others.append(f"{pid}: {choice['source']} ({choice['variant']} bq={choice['block_q']} "
                          f"bkv={choice['block_kv']} t={choice['threads']})")
    return used, recorded, others


def convergence(run):
    """(converged, total, flagged list of 'point impl (half-width %)')."""
    total, ok, flagged = 0, 0, []
    for pid, p in run.points.items():
        for name, c in p["converged"].items():
            total += 1
            if c:
                ok += 1
            else:
                hw = stats.relative_half_width(run.times(pid, name))
                flagged.append(f"{pid} {name} ({hw * 100:.1f} %)")
    return ok, total, flagged
