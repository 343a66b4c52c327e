"""attnkit against PyTorch's scaled_dot_product_attention on the goal shapes.

For every shape (default B=1 H=16 S=2048 D=128 and B=1 H=16 S=1024 D=64), dtype
(f32, f64), mask (none, causal top-left = is_causal=True) and thread count
(default 1 and every CPU this process may use): PyTorch is timed with
torch.set_num_threads(threads), after --warmup calls, as the median of
--repeats repeats (each repeat enough calls to last --min-time seconds); then
attnkit's benchmark binary runs the same case
(sdpa/<dtype>/<shape>/<mask>/<variant>/threads:<threads>, --repeats
repetitions, OMP_NUM_THREADS=threads). The two alternate case by case (and
swap order every other round with --rounds). Prints both medians, their CVs
and the ratio attnkit / PyTorch (below 1: attnkit is faster); appends every
repetition of both to bench/results/<host>-<date>.jsonl.

  python3 -m attnkit_bench.torch_compare --repeats 7                   # needs torch
  python3 -m attnkit_bench.torch_compare --attnkit-only --shapes 1x2x64x32 --threads 1 2

PyTorch is not a dependency of attnkit: without torch the script stops with a
message, unless --attnkit-only is given (which times attnkit alone, to check
the rest of the script).
"""

import argparse
import math
import os
import re
import sys
import time

from attnkit_bench import benchlib

DEFAULT_SHAPES = ("1x16x2048x128", "1x16x1024x64")
TORCH_DTYPES = {"f32": "float32", "f64": "float64"}


def parse_shape(text):
    m = re.fullmatch(r"(\d+)x(\d+)x(\d+)x(\d+)", text)
    if not m:
        raise argparse.ArgumentTypeError(f"shape {text!r} is not BxHxSxD")
    return tuple(int(x) for x in m.groups())


def torch_environment(torch):
    info = {"torch": torch.__version__}
    for key, call in (("parallel_info", lambda: torch.__config__.parallel_info()),
                      ("cpu_capability", lambda: torch.backends.cpu.get_cpu_capability()),
                      ("config", lambda: torch.__config__.show())):
        try:
            info[key] = call()
        except Exception as e:  # noqa: BLE001 - informational only
            info[key] = f"unavailable: {e}"
    return info


def time_torch(torch, shape, dtype, causal, threads, repeats, warmup, min_time, seed):
    import torch.nn.functional as F
    batch, heads, seq, dim = shape
    torch.set_num_threads(threads)
    if torch.get_num_threads() != threads:
        benchlib.fail(f"torch.set_num_threads({threads}) left {torch.get_num_threads()} threads")
    dt = getattr(torch, TORCH_DTYPES[dtype])
    gen = torch.Generator().manual_seed(seed)
    q, k, v = (torch.rand(batch, heads, seq, dim, dtype=dt, generator=gen) * 2 - 1 for _ in range(3))
    with torch.inference_mode():
        def call():
            return F.scaled_dot_product_attention(q, k, v, is_causal=causal)

        out = call()
        if not torch.isfinite(out).all():
            benchlib.fail(f"PyTorch's result for {shape} {dtype} is not finite")
        for _ in range(max(warmup - 1, 0)):
            call()
        # Calls per repeat: enough to last min_time.
        t0 = time.perf_counter()
        call()
        one = max(time.perf_counter() - t0, 1e-9)
        number = max(1, int(math.ceil(min_time / one)))
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(number):
                call()
            times.append((time.perf_counter() - t0) / number)
    return times


def main():
    sys.stdout.reconfigure(line_buffering=True)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    parser = argparse.ArgumentParser(prog=benchlib.tool_name(), description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", help="attnkit_bench_prefill (default: $ATTNKIT_BENCH_BINARY, "
                                         "else the newest under build*/)")
    parser.add_argument("--shapes", type=parse_shape, nargs="+", default=[parse_shape(s) for s in DEFAULT_SHAPES],
                        metavar="BxHxSxD", help=f"default {' '.join(DEFAULT_SHAPES)}; each must be one the "
                                                "binary registers")
    parser.add_argument("--dtypes", nargs="+", choices=["f32", "f64"], default=["f32", "f64"])
    parser.add_argument("--masks", nargs="+", choices=["full", "causal"], default=["full", "causal"])
    parser.add_argument("--threads", type=int, nargs="+", default=sorted({1, cpus}),
                        help=f"thread counts (default 1 and {cpus})")
    parser.add_argument("--variant", default="automatic", choices=["automatic", "parallel", "flash", "blocked"],
                        help="attnkit variant (default automatic); flash and blocked run on one thread")
    parser.add_argument("--repeats", "-r", type=int, default=7, help="repeats for both (default 7)")
    parser.add_argument("--warmup", type=int, default=3, help="PyTorch warm-up calls (default 3)")
    parser.add_argument("--min-time", type=float, default=0.2, help="seconds per PyTorch repeat (default 0.2)")
    parser.add_argument("--rounds", type=int, default=1, help="sweep this many times, alternating the order")
    parser.add_argument("--attnkit-only", action="store_true", help="do not import torch; time attnkit only")
    parser.add_argument("--measure-peak-each-run", action="store_true",
                        help="let every attnkit run measure the FMA peak itself (default: measure it once "
                             "at the start and pass it to every run)")
    parser.add_argument("--results-dir", help="where the .jsonl goes (default bench/results)")
    parser.add_argument("--no-save", action="store_true", help="print only, append nothing")
    args = parser.parse_args()
    if min(args.threads) < 1 or args.repeats < 1 or args.rounds < 1:
        benchlib.fail("--threads, --repeats and --rounds must be at least 1")
    if max(args.threads) > 1 and args.variant in ("flash", "blocked"):
        benchlib.fail(f"the {args.variant} variant runs on one thread; use --threads 1 or "
                      "--variant parallel/automatic")

    torch = None
    if not args.attnkit_only:
        try:
            import torch  # noqa: F811
        except ImportError as e:
            benchlib.fail(f"PyTorch is not installed for {sys.executable} ({e}). Install torch (2.11 is the "
                          "version this comparison is meant for) in this Python, or pass --attnkit-only to "
                          "time attnkit alone.", code=2)
    binary = benchlib.find_binary(args.binary)
    extra = {"binary": benchlib.display_path(binary), "variant": args.variant}
    if torch is not None:
        extra["torch_env"] = torch_environment(torch)
        print(f"PyTorch {torch.__version__}, CPU capability {extra['torch_env'].get('cpu_capability')}")
    print(f"attnkit: {benchlib.display_path(binary)}, variant {args.variant}; {cpus} CPUs")
    run = benchlib.new_run("torch_compare", extra)

    thread_list = ",".join(str(t) for t in sorted(set(args.threads)))
    cases = [(shape, dtype, mask, threads) for shape in args.shapes for dtype in args.dtypes
             for mask in args.masks for threads in args.threads]
    records = []
    peak_args = []
    if not args.measure_peak_each_run:
        peaks, peak_doc = benchlib.measure_peaks(binary, args.threads)
        records += benchlib.benchmark_records(peak_doc, run)
        peak_args = [benchlib.peak_flag(peaks)]
        print("FMA peak (GFLOP/s): " + ", ".join(f"{d} x{t}: {v:.1f}" for (d, t), v in sorted(peaks.items())))
    by_case = {c: {"torch": None, "attnkit": None} for c in cases}
    torch_times = {c: [] for c in cases}
    attnkit_records = {c: [] for c in cases}
    for round_index in range(args.rounds):
        for case in cases:
            shape, dtype, mask, threads = case
            batch, heads, seq, dim = shape
            shape_text = benchlib.shape_name(batch, heads, seq, dim)
            order = ("torch", "attnkit") if round_index % 2 == 0 else ("attnkit", "torch")
            for side in order:
                if side == "torch":
                    if torch is None:
                        continue
                    torch_times[case] += time_torch(torch, shape, dtype, mask == "causal", threads,
                                                    args.repeats, args.warmup, args.min_time, seed=seq + dim)
                    by_case[case]["torch"] = f"torch/{dtype}/{shape_text}/{mask}/threads:{threads}"
                else:
                    name = benchlib.attnkit_name(dtype, shape_text, mask == "causal", args.variant, threads)
                    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
                    doc, _ = benchlib.run_benchmark(binary, "^" + re.escape(name) + "$", args.repeats,
                                                    [f"--attnkit_threads={thread_list}", *peak_args], env=env,
                                                    interleave=False)
                    rs = benchlib.benchmark_records(doc, run)
                    if not rs:
                        benchlib.fail(f"the binary has no benchmark {name} (is {shape_text} one of its shapes?)")
                    attnkit_records[case] += rs
                    records += rs
                    by_case[case]["attnkit"] = name
            print(f"  {shape_text} {dtype} {mask} threads {threads}: done (round {round_index + 1})",
                  file=sys.stderr)

    rows = []
    for case in cases:
        shape, dtype, mask, threads = case
        batch, heads, seq, dim = shape
        flop = benchlib.attention_flop(batch, heads, seq, seq, dim, causal=mask == "causal")
        case_records = list(attnkit_records[case])
        if by_case[case]["torch"]:
            trs = benchlib.synthetic_record(by_case[case]["torch"], torch_times[case], flop)
            for r in trs:
                r["run"] = run
            records += trs
            case_records += trs
        summary = benchlib.summarize(case_records)
        t = summary.get(by_case[case]["torch"], {}) if by_case[case]["torch"] else {}
        a = summary.get(by_case[case]["attnkit"], {})
        t_s, a_s = t.get("time_s", math.nan), a.get("time_s", math.nan)
        rows.append([benchlib.shape_name(batch, heads, seq, dim), dtype, mask, str(threads),
                     benchlib.fmt(t_s * 1e3, ".4g"), benchlib.fmt(t.get("cv"), ".1f"),
                     benchlib.fmt(a_s * 1e3, ".4g") if "time_s" in a else "error: " + str(a.get("error")),
                     benchlib.fmt(a.get("cv"), ".1f"),
                     benchlib.fmt(a_s / t_s if t_s and not math.isnan(t_s) else math.nan, ".3f"),
                     benchlib.fmt(t.get("GFLOPS"), ".2f"), benchlib.fmt(a.get("GFLOPS"), ".2f"),
                     benchlib.fmt(a.get("pct_peak"), ".1f")])

    if not args.no_save:
        path = benchlib.results_file(args.results_dir)
        benchlib.append_jsonl(path, records)
        print(f"appended {len(records)} records (run {run['run_id']}) to {benchlib.display_path(path)}")
    benchlib.print_table(["shape", "dtype", "mask", "threads", "torch ms", "CV %", "attnkit ms", "CV %",
                          "attnkit/torch", "torch GFLOP/s", "attnkit GFLOP/s", "attnkit % peak"], rows, left=3)


if __name__ == "__main__":
    main()
