"""The command line: run, report, compare, plan."""

import argparse
import dataclasses
import os
import re
import sys

from attnkit_study import profiles

EPILOG = """examples:
  python3 -m attnkit_study run --profile quick --out report/local
  python3 -m attnkit_study run --profile full --tuning build/release/tune-out --out report/h200
  python3 -m attnkit_study report --in report/local
  python3 -m attnkit_study compare report/a report/b
  python3 -m attnkit_study plan --profile full --cores 16"""


class CliError(Exception):
    pass


def _parser():
    parser = argparse.ArgumentParser(prog="python3 -m attnkit_study", epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     description="attnkit against NumPy, Numba and PyTorch: measure, report, compare.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="measure a profile and write its report")
    run.add_argument("--profile", required=True, choices=profiles.PROFILES)
    run.add_argument("--out", required=True, help="the run's directory (report/<name>)")
    run.add_argument("--tuning", help="attnkit-tune's --out directory (summary.json, wisdom.jsonl, simulation.json)")
    run.add_argument("--sets", nargs="+", choices=profiles.SETS, default=list(profiles.SETS))
    run.add_argument("--seed", type=int, default=1, help="seed of the inputs (default 1)")
    run.add_argument("--bench-binary", help="attnkit_bench_prefill for the FMA peak (default: newest under build*/)")
    run.add_argument("--force", action="store_true", help="overwrite a directory that already holds records")
    run.add_argument("--budget-s", type=float,
                     help="the points' time budget in seconds, instead of the profile's (0: none): each point's "
                          "limit shrinks to its share of what is left; a point still makes its fewest rounds")
    run.add_argument("--only", metavar="REGEX",
                     help="measure only the points whose id (<problem>@<threads>, as `plan` lists them) matches")
    rep = sub.add_parser("report", help="re-render a run's README.md and figures from its records")
    rep.add_argument("--in", dest="run_dir", required=True)
    cmp_ = sub.add_parser("compare", help="how far each speed-up moved between two runs")
    cmp_.add_argument("a", help="run directory (or its records.jsonl) A")
    cmp_.add_argument("b", help="run directory (or its records.jsonl) B")
    plan = sub.add_parser("plan", help="list a profile's points without measuring")
    plan.add_argument("--profile", required=True, choices=profiles.PROFILES)
    plan.add_argument("--cores", type=int, help="plan for this many cores (default: this machine's)")
    plan.add_argument("--tuning")
    plan.add_argument("--sets", nargs="+", choices=profiles.SETS, default=list(profiles.SETS))
    plan.add_argument("--only", metavar="REGEX", help="list only the points whose id matches")
    return parser


def _records_path(path):
    from attnkit_study.records import RECORDS
    candidate = os.path.join(path, RECORDS) if os.path.isdir(path) else path
    if not os.path.isfile(candidate):
        raise CliError(f"{path}: no {RECORDS} there (is it a run directory written by `run`?)")
    return candidate


def _check_only(only):
    if only is None:
        return
    try:
        re.compile(only)
    except re.error as e:
        raise CliError(f"--only {only!r} is not a regular expression: {e}") from None


def _run(args):
    from attnkit_study import report, runner, tuning
    from attnkit_study.records import RECORDS
    if os.path.exists(os.path.join(args.out, RECORDS)) and not args.force:
        raise CliError(f"--out {args.out} already holds {RECORDS}; pass --force to overwrite it, or another --out")
    if args.seed < 0:
        raise CliError(f"--seed {args.seed} must be non-negative")
    if args.budget_s is not None and not args.budget_s >= 0:
        raise CliError(f"--budget-s {args.budget_s} must be non-negative")
    try:
        tuning.load(args.tuning)
    except tuning.TuningError as e:
        raise CliError(str(e)) from None
    _check_only(args.only)
    command = ["-m", "attnkit_study"] + sys.argv[1:]
    profile = profiles.make_profile(args.profile)
    if args.budget_s is not None:
        profile = dataclasses.replace(
            profile, measurement=dataclasses.replace(profile.measurement, budget_s=args.budget_s))
    runner.run(profile, args.out, args.tuning, args.seed, args.bench_binary, tuple(args.sets), command=command,
               only=args.only)
    print(report.render(args.out))


def _report(args):
    from attnkit_study import report
    _records_path(args.run_dir)
    print(report.render(args.run_dir))


def _compare(args):
    from attnkit_study import compare, tables
    headers, rows, moved, only = compare.compare(_records_path(args.a), _records_path(args.b))
    print(tables.markdown(headers, rows))
    print(f"{moved} of {len(rows)} speed-ups moved beyond both confidence intervals; "
          f"{only} measured in only one run.")


def _plan(args):
    from attnkit_study import runner, tuning
    from attnkit_study.problems import flop
    if args.cores is not None and args.cores < 1:
        raise CliError(f"--cores {args.cores} must be at least 1")
    try:
        t = tuning.load(args.tuning)
    except tuning.TuningError as e:
        raise CliError(str(e)) from None
    profile = profiles.make_profile(args.profile, args.cores)
    _check_only(args.only)
    points = runner.plan(profile, t, tuple(args.sets), args.only)
    for p in points:
        print(f"{p['id']:60s} {flop(p['problem']) * 1e-9:9.3f} GFLOP  {', '.join(p['impls'])}")
    estimate = sum(runner.point_weight(p, profile.measurement) for p in points)
    print(f"{len(points)} points, {sum(len(p['impls']) for p in points)} (point, implementation) pairs; "
          f"sets {', '.join(args.sets)}; measurement {profile.measurement}")
    print(f"rough duration: {estimate / 60:.1f} min of measurement at an assumed {runner.ASSUMED_GFLOPS_PER_THREAD:g} GFLOP/s per thread "
          "(the run's ETA corrects it as it goes), plus the FMA peak and the isolation checks")


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        {"run": _run, "report": _report, "compare": _compare, "plan": _plan}[args.command](args)
    except (CliError, ValueError) as e:
        print(f"attnkit_study {args.command}: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head and the like
        sys.stderr.close()
        return 0
    return 0
