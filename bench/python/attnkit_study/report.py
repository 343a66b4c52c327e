"""`report`: README.md of a run directory, from its records.jsonl,
environment.json and the tuner's files copied beside them; the PNGs too."""

import json
import os
import shlex

from attnkit_study import plots, records, stats, tables
from attnkit_study.environment import blas_summary
from attnkit_study.reference import CHECKED_ROWS, TOLERANCE
from attnkit_study.tuning import SIMULATION, SUMMARY

README = "README.md"


def _load_optional(path):
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _command(meta):
    argv = list(meta.get("command") or [])
    if argv and argv[0].endswith("__main__.py"):
        argv = ["-m", "attnkit_study"] + argv[1:]
    return "PYTHONPATH=bench/python:<build>/python /usr/bin/python3 " + " ".join(shlex.quote(a) for a in argv)


def _environment_lines(env):
    if not env:
        return [f"- not recorded: the run has no {records.ENVIRONMENT} (it was stopped before writing it); "
                "what is known of its machine is in the run directory's notes, if any"]
    cpu = env.get("cpu", {})
    workers = env.get("workers", {})
    lines = [f"- CPU: {cpu.get('model', '?')}, {cpu.get('cores', '?')} cores usable "
             f"({cpu.get('online_cpus', '?')} online), ISA flags {', '.join(cpu.get('isa_flags', []))}, "
             f"governor {cpu.get('governor', '?')}, load average at the start "
             f"{', '.join(f'{x:.2f}' for x in cpu.get('load_average') or [])}"
             + (f", at the end {', '.join(f'{x:.2f}' for x in env['load_average_at_end'])}"
                if env.get("load_average_at_end") else ""),
             f"- host {env.get('host', '?')}, {env.get('platform', '?')}, Python {env.get('python', '?')}",
             f"- attnkit: commit {env.get('commit', '?')}{' (dirty)' if env.get('dirty') else ''}"]
    ak = workers.get("attnkit") or workers.get("attnkit-wisdom") or {}
    if ak.get("attnkit"):
        build = ak.get("attnkit_build", {})
        lines.append(f"- attnkit module {ak['attnkit']}, ISA {ak.get('attnkit_isa')}, max threads "
                     f"{ak.get('attnkit_max_threads')}; compiler {build.get('CMAKE_CXX_COMPILER', '?')} "
                     f"{build.get('CMAKE_CXX_COMPILER_VERSION', '')}, build type {build.get('CMAKE_BUILD_TYPE', '?')}"
                     f", flags `{build.get('CMAKE_CXX_FLAGS_RELEASE', '')} {build.get('CMAKE_CXX_FLAGS', '')}`")
    elif ak.get("unavailable"):
        lines.append(f"- attnkit module: {ak['unavailable']}")
    np_info = workers.get("numpy", {})
    if np_info:
        lines.append(f"- NumPy {np_info.get('numpy')}, BLAS: {blas_summary(np_info.get('threadpools'))} "
                     "(threadpoolctl, after the last point's limit)")
    nb = workers.get("numba", {})
    if nb.get("numba"):
        lines.append(f"- Numba {nb['numba']}, threading layer {nb.get('numba_threading_layer')}, "
                     f"{nb.get('numba_threads')} threads at most; kernel: {nb.get('numba_kernel', '?')}")
    th = workers.get("torch", {})
    lines.append(f"- PyTorch {th['torch']}, CPU capability {th.get('torch_cpu_capability')}" if th.get("torch")
                 else f"- PyTorch: not available ({th.get('unavailable', 'no torch worker ran')}); its columns are empty")
    env_vars = env.get("thread_env") or {}
    lines.append("- thread variables: " + (", ".join(f"`{k}={v}`" for k, v in env_vars.items()) or "none set"))
    if env.get("bench_binary"):
        lines.append(f"- FMA peak probe: `{os.path.basename(env['bench_binary'])}` BM_fma_peak (GFLOPS_cpu)")
    return lines


def _method(meta):
    m = meta.get("measurement", {})
    return f"""Every implementation runs in a worker process of its own family (NumPy; Numba; PyTorch; attnkit;
attnkit with the tuner's wisdom loaded), each timing its own calls with `time.perf_counter` (a sample is
enough back-to-back calls to last {m.get('min_sample_s')} s, garbage collector off, after one untimed call
when calls are short: the worker's pools fell asleep during the others' turns). The parent drives rounds:
in each round every implementation takes one sample in turn, the order rotating, and the next
turn waits until the worker that just ran is quiet (its threads below 10 % of a core over {m.get('quiet_gap_s')} s,
from /proc: OpenBLAS's threads spin for about 0.1 s after a call; at most 0.3 s). Rounds go on until each median's 95 % confidence interval
(order statistics, distribution-free) is within {m.get('tolerance', 0) * 100:g} % of it, from
{m.get('min_rounds')} rounds (the fewest giving a 95 % interval) to {m.get('max_rounds')}, or until the point
has run {m.get('point_limit_s')} s (less when the points' time budget of {m.get('budget_s') or '-'} s runs short:
each point gets at most its share of what is left); medians that did not get there are marked † and listed below. A speed-up
is the median of per-round ratios (NumPy's time in a round / the implementation's in the same round) with the
95 % interval of that median. Inputs are seeded uniform [-1, 1] arrays, the same in every process. Before
timing, each implementation's output is checked against a float64 reference on up to {CHECKED_ROWS} query rows
per head (all rows of short sequences): max |out − ref| ≤ {TOLERANCE['f32']:g} (float32) or
{TOLERANCE['f64']:g} (float64), times max(1, max |v|). Implementations whose checked call takes more than
{m.get('max_call_s')} s, and naive and Numba above {m.get('slow_max_gflop')} GFLOP per call, are left out of
a point (listed under "Checks"). NumPy's BLAS threads are set with threadpoolctl, Numba's with
`numba.set_num_threads`, PyTorch's with `torch.set_num_threads`, attnkit's with `threads=`."""


def _sharing_text(run):
    if not run.sharing:
        reasons = [r.get("reason", "") for r in run.records if r["kind"] == "sharing_unavailable"]
        return "Not measured" + (f": {reasons[0].strip().splitlines()[-1]}" if reasons and reasons[0].strip()
                                 else " in this run") + ".\n"
    h, rows = tables.sharing_table(run)
    return ("attnkit's automatic variant (small problem) and NumPy (large problem: small BLAS products run on "
            "one thread) in ONE process, as in a user's program, each call timed right after a call of its own "
            "library and right after one of the other's, under each setting:\n\n"
            + tables.markdown(h, rows) + "\n" + _sharing_verdict(run) + "\n")


def _sharing_verdict(run):
    """Which setting cost attnkit least after a NumPy call, in this run."""
    slowdowns = []
    for r in run.sharing:
        m, lo, hi, _, _ = stats.speedup_ci(r["after_numpy"], r["alone"])
        slowdowns.append((m, lo, hi, r["setting"]))
    if not slowdowns:
        return ""
    m, lo, hi, setting = min(slowdowns)
    default = next((x for x in slowdowns if x[3] == "defaults"), None)
    text = (f"Here attnkit right after a NumPy call cost least with `{setting}` (x{m:.2f} [{lo:.2f}, {hi:.2f}])"
            + (f"; with the defaults x{default[0]:.2f} [{default[1]:.2f}, {default[2]:.2f}]" if default else "") + ".")
    return (text + " What to set when attnkit shares a process with other pools (in short: pools that run at "
            "once should not have more threads than the cores) is in bench/python/README.md, \"Sharing a process "
            "with other thread pools\".")


def render(run_dir):
    """Writes README.md and the PNGs into run_dir; returns README's path."""
    run = records.Run(records.read(os.path.join(run_dir, records.RECORDS)))
    env = _load_optional(os.path.join(run_dir, records.ENVIRONMENT)) or {}
    summary = _load_optional(os.path.join(run_dir, "tuning_" + SUMMARY))
    simulation = _load_optional(os.path.join(run_dir, "tuning_" + SIMULATION))
    figures = plots.all_plots(run, run_dir, summary, simulation)
    meta = run.meta
    out = [f"# attnkit study: {meta.get('profile', '?')} profile", "",
           f"Reproduce every number here with:\n\n```\n{_command(meta)}\n```\n",
           f"(and re-render this page from the records with `python3 -m attnkit_study report --in {run_dir}`). "
           f"{len(run.points)} points, measured in {env.get('elapsed_s', 0) / 60:.1f} min, "
           f"finished {env.get('time', '?')}.", "", "## Environment", ""]
    out += _environment_lines(env) + ["", "## Method", "", _method(meta), ""]
    out += ["## Table 1: the seed's table, reproduced", "",
            ("Block sizes and threads are the tuner's best (`--tuning`); each time is the median at that thread "
             "count, speed-ups are over NumPy." if summary else
             "No tuner output was given (`--tuning DIR`): attnkit is its automatic variant at all cores."), ""]
    out.append(tables.markdown(*tables.table1(run, summary)))
    out += ["## Headline: attnkit against NumPy, Numba and PyTorch", "",
            "attnkit's speed-up over each (above 1: attnkit is faster), median of per-round ratios [95 % CI]; "
            "the verdict says plainly where attnkit is not ahead.", ""]
    out.append(tables.markdown(*tables.headline(run)))
    out += ["## Figures", ""]
    captions = {"time_vs_size": "Time vs size", "speedup_vs_size": "Speed-up over NumPy vs size",
                "hyperparameters_vs_size": "Tuned hyper-parameters vs size", "cv_vs_size": "CV vs size",
                "pct_peak": "% of the FMA peak per kernel and shape", "speedup_vs_threads": "Speed-up vs threads",
                "tuner_convergence": "The tuner's best-so-far vs evaluations, against random search"}
    for key, caption in captions.items():
        out.append(f"![{caption}]({figures[key]})\n" if figures.get(key) else
                   f"- {caption}: no data in this run (" + {"hyperparameters_vs_size": "no tuner summary",
                                                            "tuner_convergence": "no simulation.json",
                                                            "pct_peak": "no FMA peak measured" if not run.peaks
                                                            else "no grid or study points"}.get(key, "no points")
                   + ")\n")
    if run.points_in("grid"):
        out += ["## Kernel-speed grid: attnkit against PyTorch and NumPy", "",
                "attnkit (tuned where the tuner ran, else automatic) side by side with PyTorch's flash attention "
                "and NumPy at each grid point: their time / attnkit's, median of per-round ratios [95 % CI] (above "
                "1: attnkit is faster), and each one's % of the FMA peak measured by this run.", ""]
        out += [f"- {line}" for line in tables.grid_summary(run)] + [""]
        out.append(tables.markdown(*tables.grid_table(run)))
    for set_name in meta.get("sets", []):
        out += [f"## Set `{set_name}`", "",
                "Median per call (CV of the samples), x speed-up over NumPy [95 % CI]; † not converged.", ""]
        out.append(tables.markdown(*tables.set_table(run, set_name)))
    out += ["## Isolation check", "",
            "Each implementation alone (its samples back to back, the other workers idle) against the same "
            "implementation inside the interleaved harness: a ratio near 1 says the harness measures what the "
            "implementation does alone.", ""]
    out.append(tables.markdown(*tables.isolation_table(run)))
    out += ["## Sharing a process with other thread pools", "", _sharing_text(run)]
    used, recorded, others = tables.wisdom_use(run)
    if recorded:
        out += ["## Wisdom in use", "",
                f"attnkit automatic + wisdom (`attnkit.automatic_choice` on each point's call) ran the wisdom's "
                f"entry on {used} of {recorded} points; on the others the library's heuristic (no entry with this "
                "point's key, i.e. machine, compiler, thread budget and dtype, near enough to its shape):", ""]
        out += [f"- {o}" for o in others] + ([""] if others else [])
    ok, total, flagged = tables.convergence(run)
    out += ["## Checks and convergence", "", tables.markdown(*tables.checks_table(run)),
            f"{ok} of {total} medians reached the {meta.get('measurement', {}).get('tolerance', 0) * 100:g} % "
            "target." + (" Not converged (half-width of the 95 % CI):" if flagged else ""), ""]
    out += [f"- {f}" for f in flagged[:200]] + ([f"- ... and {len(flagged) - 200} more"] if len(flagged) > 200 else [])
    path = os.path.join(run_dir, README)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    return path
