"""Summarizes the JSON-lines records kept by run_prefill.py, numpy_baseline.py
and torch_compare.py: per benchmark the median time, the CV of the time, median
GFLOP/s and % of peak; and ratios of medians between named benchmarks.

  python3 -m attnkit_bench.summarize                                   # every file in bench/results
  python3 -m attnkit_bench.summarize bench/results/host-2025-01-01.jsonl --filter 'S2048'
  python3 -m attnkit_bench.summarize --pair /causal/ /full/            # every causal vs its full twin
  python3 -m attnkit_bench.summarize --ratio sdpa/f32/B1_H16_S2048_D128/full/flash/threads:1 \\
                             sdpa/f32/B1_H16_S2048_D128/full/blocked/threads:1

Records are grouped by run (one invocation of a script) unless --merge pools
every run's repetitions per benchmark name. Ratios are median(A) / median(B) of
the times, within one run (or within the pool with --merge). A name may omit
the trailing /real_time.
"""

import argparse
import glob
import math
import os
import re
import sys

from attnkit_bench import benchlib


def canonical(name, rows):
    """The row name matching `name` exactly or with /real_time appended."""
    for candidate in (name, name + "/real_time"):
        if candidate in rows:
            return candidate
    return None


def ratio_line(a, b, rows):
    ra, rb = rows[a], rows[b]
    ta, tb = ra.get("time_s", math.nan), rb.get("time_s", math.nan)
    ratio = ta / tb if tb and not math.isnan(tb) else math.nan
    return [a, b, benchlib.fmt(ta * 1e3, ".4g"), benchlib.fmt(tb * 1e3, ".4g"), benchlib.fmt(ratio, ".3f")]


def main():
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(prog=benchlib.tool_name(), description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", help=".jsonl files (default: bench/results/*.jsonl)")
    parser.add_argument("--filter", "-f", help="only benchmarks whose name matches this regex")
    parser.add_argument("--merge", action="store_true", help="pool all runs instead of one table per run")
    parser.add_argument("--last", type=int, metavar="N", help="only the last N runs")
    parser.add_argument("--ratio", nargs=2, action="append", default=[], metavar=("A", "B"),
                        help="print median(A) / median(B); repeatable")
    parser.add_argument("--pair", nargs=2, metavar=("FROM", "TO"),
                        help="for every benchmark whose name contains FROM, the ratio to the one "
                             "with FROM replaced by TO (e.g. /causal/ /full/)")
    args = parser.parse_args()

    files = args.files or sorted(glob.glob(os.path.join(benchlib.DEFAULT_RESULTS_DIR, "*.jsonl")))
    if not files:
        benchlib.fail("no .jsonl files given and none in bench/results")
    records = benchlib.read_jsonl(files)
    if args.filter:
        pattern = re.compile(args.filter)
        keep = lambda r: pattern.search(r.get("run_name", r.get("name", ""))) is not None  # noqa: E731
        named = {n for pair in args.ratio for n in pair}
        records = [r for r in records if keep(r) or r.get("run_name", "").removesuffix("/real_time") in named
                   or r.get("run_name") in named]

    runs = {}
    for r in records:
        run_id = "all runs" if args.merge else r.get("run", {}).get("run_id", "unknown run")
        runs.setdefault(run_id, []).append(r)
    run_ids = list(runs)
    if args.last:
        run_ids = run_ids[-args.last:]
    if not run_ids:
        benchlib.fail("no records matched")

    for run_id in run_ids:
        rs = runs[run_id]
        meta = rs[0].get("run", {}) if not args.merge else {}
        head = f"== {run_id}"
        if meta:
            head += f"  ({meta.get('tool', '?')} on {meta.get('host', '?')}, {meta.get('time', '?')})"
        print(head)
        rows = benchlib.summarize(rs)
        benchlib.print_table(benchlib.SUMMARY_HEADERS, benchlib.summary_rows(rows))

        ratios = []
        for a, b in args.ratio:
            ca, cb = canonical(a, rows), canonical(b, rows)
            if ca and cb:
                ratios.append(ratio_line(ca, cb, rows))
        if args.pair:
            src, dst = args.pair
            for name in rows:
                if src in name:
                    twin = canonical(name.replace(src, dst), rows)
                    if twin:
                        ratios.append(ratio_line(name, twin, rows))
        if ratios:
            print()
            benchlib.print_table(["A", "B", "A median ms", "B median ms", "A/B"], ratios, left=2)
        elif args.ratio or args.pair:
            print("(no ratio: the named benchmarks are not both in this run)")
        print()


if __name__ == "__main__":
    main()
