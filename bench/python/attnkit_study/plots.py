"""The report's figures (matplotlib, Agg backend, small PNGs at 100 dpi).
Each function writes one PNG and returns its file name, or None when the run
has no data for it."""

import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter  # noqa: E402

from attnkit_study import tables  # noqa: E402
from attnkit_study.implementations import BASELINE, IMPLEMENTATIONS  # noqa: E402
from attnkit_study.problems import flop  # noqa: E402

DPI = 100
STYLE = {"numpy": ("tab:blue", "o"), "numba": ("tab:orange", "s"), "torch-flash": ("tab:green", "^"),
         "torch-math": ("tab:olive", "v"), "attnkit-naive": ("tab:gray", "x"), "attnkit-blocked": ("tab:brown", "D"),
         "attnkit-flash": ("tab:pink", "P"), "attnkit-parallel": ("tab:purple", "*"),
         "attnkit-decode": ("tab:cyan", "h"), "attnkit-automatic": ("tab:red", "o"),
         "attnkit-wisdom": ("darkred", "d"), "attnkit-tuned": ("black", "*")}
HEADLINE = ("numpy", "numba", "torch-flash", "torch-math", "attnkit-automatic", "attnkit-wisdom", "attnkit-tuned")


def _save(fig, out_dir, name):
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, name), dpi=DPI)
    plt.close(fig)
    return name


def _style(name):
    color, marker = STYLE.get(name, ("gray", "."))
    return {"color": color, "marker": marker, "label": IMPLEMENTATIONS[name].label, "markersize": 4, "linewidth": 1}


def _study_grid(run):
    dtypes = [d for d in ("f32", "f64") if run.find("study", lambda p, t, d=d: p.dtype == d)]
    threads = sorted(set(run.meta.get("threads", {}).get("study", [1])))
    return dtypes, threads


def _dim_ticks(ax, dims):
    """Ticks at the measured dims (400 and 768 are not powers of two)."""
    ax.set_xticks(dims)
    ax.set_xticklabels([str(d) for d in dims], fontsize=7)
    ax.xaxis.set_minor_formatter(NullFormatter())


def _series(run, dtype, threads, impl, value):
    xs, ys = [], []
    for pid in run.find("study", lambda p, t: p.dtype == dtype and t == threads):
        if impl in run.impls(pid):
            y = value(pid, impl)
            if y is not None and not math.isnan(y[0] if isinstance(y, tuple) else y):
                xs.append(run.problem(pid).head_dim)
                ys.append(y)
    order = sorted(range(len(xs)), key=xs.__getitem__)
    return [xs[i] for i in order], [ys[i] for i in order]


PLAIN = FuncFormatter(lambda y, _: f"{y:g}")


def _panels(run, title, ylabel, value, name, out_dir, impls=HEADLINE, logy=True, errorbars=False, ref_line=None,
            plain_y=False):
    dtypes, threads = _study_grid(run)
    if not dtypes:
        return None
    fig, axes = plt.subplots(len(threads), len(dtypes), figsize=(4.2 * len(dtypes), 3.0 * len(threads)),
                             squeeze=False, sharex=True)
    for i, t in enumerate(threads):
        for j, d in enumerate(dtypes):
            ax = axes[i][j]
            for impl in impls:
                xs, ys = _series(run, d, t, impl, value)
                if not xs:
                    continue
                if errorbars:
                    m = [y[0] for y in ys]
                    err = [[y[0] - y[1] for y in ys], [y[2] - y[0] for y in ys]]
                    ax.errorbar(xs, m, yerr=err, capsize=2, **_style(impl))
                else:
                    ax.plot(xs, ys, **_style(impl))
            if ref_line is not None:
                ax.axhline(ref_line, color="gray", linewidth=0.8, linestyle="--")
            ax.set_xscale("log", base=2)
            _dim_ticks(ax, sorted({run.problem(p).head_dim for p in run.points_in("study")}))
            if logy:
                ax.set_yscale("log")
            if plain_y:  # ratios read better as 0.5, 2 than as 5 x 10^-1
                ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
                ax.yaxis.set_major_formatter(PLAIN)
                ax.yaxis.set_minor_formatter(NullFormatter())
            ax.set_title(f"{d}, {t} thread{'s' if t > 1 else ''}", fontsize=9)
            ax.set_xlabel("dim (seq = head_dim, B1 H1)")
            ax.set_ylabel(ylabel)
            ax.grid(True, linewidth=0.3)
    handles, labels = [], []
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.06 + 0.02 * (len(labels) > 4), 1, 0.95))
    fig.savefig(os.path.join(out_dir, name), dpi=DPI)
    plt.close(fig)
    return name


def time_vs_size(run, out_dir):
    return _panels(run, "Median time per call vs size (study set)", "time per call (s)",
                   lambda pid, impl: tables.summary(run, pid, impl)[0], "time_vs_size.png", out_dir)


def speedup_vs_size(run, out_dir):
    impls = [n for n in HEADLINE if n != BASELINE]
    return _panels(run, "Speed-up over NumPy vs size (median of per-round ratios, 95 % CI)",
                   "speed-up over NumPy (x)", lambda pid, impl: tables.speedup(run, pid, impl),
                   "speedup_vs_size.png", out_dir, impls=impls, errorbars=True, ref_line=1.0, plain_y=True)


def cv_vs_size(run, out_dir):
    return _panels(run, "Coefficient of variation of the samples vs size", "CV (%)",
                   lambda pid, impl: tables.summary(run, pid, impl)[4], "cv_vs_size.png", out_dir, logy=False)


def hyperparameters_vs_size(tuning_summary, out_dir):
    entries = [e for e in (tuning_summary or {}).get("problems", [])
               if e.get("set") == "study" or str(e.get("name", "")).startswith("study/")]
    if not entries:
        return None
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.2))
    for dtype, marker in (("f32", "o"), ("f64", "s")):
        es = sorted((e for e in entries if e["dtype"] == dtype), key=lambda e: e["head_dim"])
        if not es:
            continue
        dims = [e["head_dim"] for e in es]
        for ax, field, label in zip(axes, ("block_q", "block_kv", "threads"),
                                    ("block_q (query rows)", "block_kv (keys)", "threads")):
            ax.plot(dims, [e["best"][field] for e in es], marker=marker, label=dtype, linewidth=1)
            ax.set_xscale("log", base=2)
            _dim_ticks(ax, dims)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlabel("dim (seq = head_dim)")
            ax.set_ylabel(label)
            ax.set_title(f"tuned {field}", fontsize=9)
            ax.grid(True, linewidth=0.3)
    for ax in axes:
        ax.legend(fontsize=7)
        low, high = ax.get_ylim()
        ax.set_ylim(0, max(high, 1) * 1.1)  # from 0: a constant thread count is not drawn as a wide range
    fig.suptitle("The tuner's best configuration vs size (from summary.json)", fontsize=10)
    return _save(fig, out_dir, "hyperparameters_vs_size.png")


def _short(problem):
    gqa = "GQA" if problem.heads_q != problem.heads_kv else "MHA"
    c = "c" if problem.causal != "none" else ""
    return f"{problem.dtype} D{problem.head_dim} S{problem.seq_q} {gqa}{c}"


def pct_peak(run, out_dir, set_names=("grid", "study")):
    """% of the FMA peak per kernel and shape; peak at the same dtype and thread
    count. Drawn for the first of `set_names` that the run measured (the
    kernel grid when it ran, else the seed's square shapes)."""
    if not run.peaks:
        return None
    set_name = next((s for s in set_names if run.points_in(s)), None)
    if set_name is None:
        return None
    # Only thread counts the probe measured (the tuned points of the study set
    # run at other counts too).
    pids = [p for p in run.points_in(set_name)
            if any(t == run.points[p]["threads"] for (_, t) in run.peaks)]
    if not pids:
        return None
    threads = sorted({run.points[p]["threads"] for p in pids})
    fig, axes = plt.subplots(len(threads), 1, figsize=(12, 2.8 * len(threads)), squeeze=False)
    for ax, t in zip(axes[:, 0], threads):
        cases = sorted((p for p in pids if run.points[p]["threads"] == t), key=lambda p: run.problem(p).key())
        for impl in ("numpy", "torch-flash", "torch-math", "attnkit-automatic", "attnkit-tuned"):
            xs, ys = [], []
            for x, pid in enumerate(cases):
                problem = run.problem(pid)
                peak = run.peaks.get((problem.dtype, t))
                if impl in run.impls(pid) and peak:
                    xs.append(x)
                    ys.append(flop(problem) / tables.summary(run, pid, impl)[0] * 1e-9 / peak * 100.0)
            if xs:
                ax.plot(xs, ys, linestyle="none", **_style(impl))
        ax.set_xticks(range(len(cases)))
        ax.set_xticklabels([_short(run.problem(p)) for p in cases], rotation=90, fontsize=6)
        ax.set_ylabel("% of FMA peak")
        ax.set_title(f"{set_name} set, {t} thread{'s' if t > 1 else ''} (peak per CPU second of the probe)",
                     fontsize=9)
        ax.grid(True, axis="y", linewidth=0.3)
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))  # outside: never over the points
    fig.suptitle("% of the FMA peak per kernel and shape", fontsize=10)
    return _save(fig, out_dir, "pct_peak.png")


def speedup_vs_threads(run, out_dir):
    pids = run.points_in("threads")
    shapes = sorted({run.problem(p).key() for p in pids})
    if not shapes:
        return None
    fig, axes = plt.subplots(1, len(shapes), figsize=(4.5 * len(shapes), 3.3), squeeze=False)
    for ax, key in zip(axes[0], shapes):
        mine = sorted((p for p in pids if run.problem(p).key() == key), key=lambda p: run.points[p]["threads"])
        one = next((p for p in mine if run.points[p]["threads"] == 1), None)
        top = max(run.points[p]["threads"] for p in mine)
        for impl in ("numpy", "numba", "torch-flash", "attnkit-parallel", "attnkit-automatic"):
            if one is None or impl not in run.impls(one):
                continue
            base = tables.summary(run, one, impl)[0]
            xs = [run.points[p]["threads"] for p in mine if impl in run.impls(p)]
            ys = [base / tables.summary(run, p, impl)[0] for p in mine if impl in run.impls(p)]
            ax.plot(xs, ys, **_style(impl))
        ax.plot([1, top], [1, top], color="gray", linestyle="--", linewidth=0.8, label="linear")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log", base=2)
        counts = sorted({run.points[p]["threads"] for p in mine})
        ax.set_xticks(counts)
        ax.set_xticklabels([str(t) for t in counts])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_formatter(PLAIN)
        ax.yaxis.set_minor_formatter(PLAIN)
        ax.tick_params(axis="y", which="minor", labelsize=6)
        ax.set_xlabel("threads")
        ax.set_ylabel("speed-up over its own 1-thread time (x)")
        ax.set_title(run.problem(mine[0]).shape_text(), fontsize=9)
        ax.grid(True, which="both", linewidth=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("Thread scaling (threads set)", fontsize=10)
    return _save(fig, out_dir, "speedup_vs_threads.png")


def tuner_convergence(simulation, out_dir, max_problems=4):
    """Best-so-far gap to the optimum vs unique evaluations, mean and p10-p90 band per strategy,
    on the problems with the largest search spaces (where the strategies differ)."""
    problems = sorted((simulation or {}).get("problems", []), key=lambda p: -p.get("valid_configurations", 0))
    problems = problems[:max_problems]
    if not problems:
        return None
    cols = min(2, len(problems))
    rows = -(-len(problems) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.1 * rows), squeeze=False)
    for ax in axes.flat[len(problems):]:
        ax.set_visible(False)
    colors = {"genetic": "tab:red", "random": "tab:blue", "halving": "tab:green", "random_uninformed": "tab:gray"}
    for ax, p in zip(axes.flat, problems):
        for strategy, s in p.get("strategies", {}).items():
            mean = s.get("mean_gap") or []
            if not mean:
                continue
            xs = list(range(1, len(mean) + 1))
            color = colors.get(strategy)
            banded = strategy in ("genetic", "random")  # the comparison asked for; others as lines only
            ax.plot(xs, [g * 100 for g in mean], label=f"{strategy} (mean)", color=color,
                    linewidth=1.4 if banded else 0.8)
            if banded and s.get("p10_gap") and s.get("p90_gap"):
                ax.fill_between(xs, [g * 100 for g in s["p10_gap"]], [g * 100 for g in s["p90_gap"]], alpha=0.15,
                                color=color, linewidth=0)
        ax.axhline(simulation.get("tolerance", 0.05) * 100, color="gray", linestyle="--", linewidth=0.8,
                   label="tolerance")
        ax.set_yscale("symlog", linthresh=1.0)
        ax.set_ylim(bottom=0)
        ax.set_xlabel("unique evaluations")
        ax.set_ylabel("best so far / optimum - 1 (%)")
        ax.set_title(f"{p.get('name', '?')} ({p.get('valid_configurations', '?')} configurations)", fontsize=8)
        ax.grid(True, linewidth=0.3)
        ax.legend(fontsize=6)
    fig.suptitle(f"Tuner's search vs random search ({simulation.get('seeds', '?')} seeds; bands p10-p90 of "
                 "genetic and random)",
                 fontsize=10)
    return _save(fig, out_dir, "tuner_convergence.png")


def all_plots(run, out_dir, tuning_summary=None, simulation=None):
    """Every figure the data allows; {name: file or None}."""
    return {"time_vs_size": time_vs_size(run, out_dir), "speedup_vs_size": speedup_vs_size(run, out_dir),
            "hyperparameters_vs_size": hyperparameters_vs_size(tuning_summary, out_dir),
            "cv_vs_size": cv_vs_size(run, out_dir), "pct_peak": pct_peak(run, out_dir),
            "speedup_vs_threads": speedup_vs_threads(run, out_dir),
            "tuner_convergence": tuner_convergence(simulation, out_dir)}
