"""Runs attnkit_bench_prefill, keeps its raw records, prints a summary.

Each invocation appends one JSON object per benchmark record (every repetition
and every aggregate) to bench/results/<host>-<date>.jsonl, then prints, per
benchmark: median time, CV of the time across repetitions, median GFLOP/s and
median % of the FMA peak.

  python3 -m attnkit_bench.run_prefill --repetitions 5 --filter 'sdpa/f32/B1_H16_S2048_D128/.*'
  python3 -m attnkit_bench.run_prefill --filter BM_fma_peak -- --attnkit_threads=1,2

Arguments after -- go to the benchmark binary unchanged.
"""

import argparse
import os
import sys

from attnkit_bench import benchlib


def main():
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(prog=benchlib.tool_name(), description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", help="attnkit_bench_prefill (default: $ATTNKIT_BENCH_BINARY, "
                                         "else the newest under build*/)")
    parser.add_argument("--repetitions", "-r", type=int, default=5, help="--benchmark_repetitions (default 5)")
    parser.add_argument("--filter", "-f", default=".", help="--benchmark_filter regex (default: all)")
    parser.add_argument("--no-interleave", action="store_true",
                        help="do not pass --benchmark_enable_random_interleaving=true")
    parser.add_argument("--results-dir", help="where the .jsonl goes (default bench/results)")
    parser.add_argument("--no-save", action="store_true", help="print only, append nothing")
    parser.add_argument("extra", nargs=argparse.REMAINDER, help="-- then arguments for the binary")
    args = parser.parse_args()
    extra = args.extra[1:] if args.extra[:1] == ["--"] else args.extra
    if args.repetitions < 1:
        benchlib.fail("--repetitions must be at least 1")

    binary = benchlib.find_binary(args.binary)
    run = benchlib.new_run("run_prefill", {"binary": benchlib.display_path(binary)})
    doc, argv = benchlib.run_benchmark(binary, args.filter, args.repetitions, extra,
                                       interleave=not args.no_interleave)
    run["argv"] = [os.path.basename(argv[0])] + argv[1:]
    records = benchlib.benchmark_records(doc, run)
    if not records:
        benchlib.fail(f"no benchmark matched --filter {args.filter!r}")

    if not args.no_save:
        path = benchlib.results_file(args.results_dir)
        benchlib.append_jsonl(path, records)
        print(f"appended {len(records)} records (run {run['run_id']}) to {benchlib.display_path(path)}")
    context = doc.get("context", {})
    print(f"host {run['host']}, {context.get('num_cpus', '?')} CPUs, load average "
          f"{context.get('load_avg', '?')}, FMA probe ISA {context.get('fma_isa', '?')}, "
          f"NDEBUG {context.get('attnkit_bench_ndebug', '?')}")
    benchlib.print_table(benchlib.SUMMARY_HEADERS, benchlib.summary_rows(benchlib.summarize(records)))


if __name__ == "__main__":
    main()
