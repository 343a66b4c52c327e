"""attnkit against NumPy on the study's square shapes.

For each dim (default 64 128 256 400 512 768 1024): Q, K, V are float32
dim x dim (one batch, one head, seq = head_dim = dim), seeded random in [-1, 1].
NumPy computes softmax(Q @ K.T / sqrt(dim)) @ V with the row maximum
subtracted, timed with timeit (median of --repeats repeats, each of enough calls
to last 0.2 s); attnkit's benchmark binary is run for the same shape right after
(sdpa/f32/B1_H1_S<dim>_D<dim>/full/<variant>/threads:<T>, --repeats
repetitions), so the two alternate dim by dim. Prints the medians and the
ratio attnkit / NumPy (below 1: attnkit is faster), and appends every
repetition of both to bench/results/<host>-<date>.jsonl.

OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS, BLIS_NUM_THREADS and
VECLIB_MAXIMUM_THREADS are set to --threads before NumPy is imported and are
passed to the benchmark binary too. NumPy's BLAS is recorded (threadpoolctl if
installed, the BLAS libraries mapped into this process, numpy.show_config()).

Run it with the system Python and Debian's python3-numpy:
  python3 -m attnkit_bench.numpy_baseline --threads 1 --repeats 7
"""

import argparse
import contextlib
import io
import math
import os
import re
import sys
import timeit

from attnkit_bench import benchlib

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS")
DEFAULT_DIMS = (64, 128, 256, 400, 512, 768, 1024)


def blas_info(np):
    """What BLAS NumPy runs on, as far as this process can tell."""
    info = {"numpy": np.__version__}
    try:
        import threadpoolctl
        info["threadpoolctl"] = threadpoolctl.threadpool_info()
    except ImportError:
        info["threadpoolctl"] = None
    libraries = set()
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            for line in f:
                path = line.split()[-1]
                if path.startswith("/") and re.search(r"blas|lapack|mkl|blis|flexiblas",
                                                      os.path.basename(path), re.I):
                    libraries.add(os.path.realpath(path))
    except OSError:
        pass
    info["loaded_libraries"] = sorted(libraries)
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        try:
            np.show_config()
        except Exception as e:  # noqa: BLE001 - informational only
            print(f"show_config failed: {e}")
    info["show_config"] = text.getvalue()

    pools = info["threadpoolctl"] or []
    blas_pools = [p for p in pools if p.get("user_api") == "blas"]
    if blas_pools:
        p = blas_pools[0]
        info["summary"] = (f"{p.get('internal_api')} {p.get('version') or ''} "
                           f"({p.get('num_threads')} threads, {os.path.basename(p.get('filepath', ''))})")
    elif libraries:
        info["summary"] = ", ".join(os.path.basename(x) for x in sorted(libraries))
    else:
        info["summary"] = "unknown"
    blas_paths = [x for x in libraries if re.search(r"blas", os.path.basename(x), re.I)]
    info["reference_blas"] = bool(blas_paths) and not blas_pools and all(
        re.search(r"/blas/libblas\.so", x) for x in blas_paths)
    return info


def time_numpy(np, dim, repeats, seed):
    rng = np.random.default_rng(seed)
    q, k, v = (rng.uniform(-1.0, 1.0, (dim, dim)).astype(np.float32) for _ in range(3))
    scale = np.float32(1.0 / math.sqrt(dim))

    def attention():
        s = (q @ k.T) * scale
        s -= s.max(axis=1, keepdims=True)
        np.exp(s, out=s)
        s /= s.sum(axis=1, keepdims=True)
        return s @ v

    out = attention()
    if out.dtype != np.float32 or not np.isfinite(out).all():
        benchlib.fail(f"NumPy's result for dim {dim} is not finite float32")
    timer = timeit.Timer(attention)
    number, _ = timer.autorange()  # also the warm-up
    number = max(number, 1)
    while True:
        if timer.timeit(number) >= 0.2 or number >= 1 << 20:
            break
        number *= 2
    return [t / number for t in timer.repeat(repeat=repeats, number=number)]


def time_attnkit(binary, dim, variant, threads, repeats, env, extra):
    name = benchlib.attnkit_name("f32", benchlib.shape_name(1, 1, dim, dim), False, variant, threads)
    doc, _ = benchlib.run_benchmark(binary, "^" + re.escape(name) + "$", repeats,
                                    [f"--attnkit_threads={threads}"] + extra, env=env, interleave=False)
    return name, doc


def main():
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(prog=benchlib.tool_name(), description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", help="attnkit_bench_prefill (default: $ATTNKIT_BENCH_BINARY, "
                                         "else the newest under build*/)")
    parser.add_argument("--dims", type=int, nargs="+", default=list(DEFAULT_DIMS))
    parser.add_argument("--threads", type=int, default=1, help="threads for NumPy's BLAS and attnkit (default 1)")
    parser.add_argument("--variant", default="automatic",
                        choices=["automatic", "flash", "blocked", "parallel", "naive"],
                        help="attnkit variant (default automatic); flash, blocked and naive need --threads 1")
    parser.add_argument("--repeats", "-r", type=int, default=7, help="repeats for both (default 7)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="sweep the dims this many times, alternating which side runs first")
    parser.add_argument("--measure-peak-each-run", action="store_true",
                        help="let every attnkit run measure the FMA peak itself (default: measure it once "
                             "at the start and pass it to every run)")
    parser.add_argument("--results-dir", help="where the .jsonl goes (default bench/results)")
    parser.add_argument("--no-save", action="store_true", help="print only, append nothing")
    args = parser.parse_args()
    if args.threads < 1 or args.repeats < 1 or args.rounds < 1:
        benchlib.fail("--threads, --repeats and --rounds must be at least 1")
    if args.threads > 1 and args.variant in ("flash", "blocked", "naive"):
        benchlib.fail(f"the {args.variant} variant runs on one thread; use --threads 1 or "
                      "--variant parallel/automatic")

    for var in THREAD_VARIABLES:
        os.environ[var] = str(args.threads)
    try:
        import numpy as np
    except ImportError:
        benchlib.fail("NumPy is not importable; run with /usr/bin/python3 after `apt-get install python3-numpy`")

    binary = benchlib.find_binary(args.binary)
    blas = blas_info(np)
    print(f"NumPy {np.__version__}, BLAS: {blas['summary']}; threads {args.threads} "
          f"({', '.join(f'{v}={args.threads}' for v in THREAD_VARIABLES[:2])}, ...)")
    if blas["reference_blas"]:
        print("WARNING: NumPy runs on the reference (netlib) BLAS, which is not optimised; the baseline is "
              "weak. An optimised BLAS (e.g. Debian's libopenblas0-pthread) gives a meaningful one.")
    print(f"attnkit: {benchlib.display_path(binary)}, variant {args.variant}")

    run = benchlib.new_run("numpy_baseline", {"binary": benchlib.display_path(binary), "threads": args.threads,
                                              "variant": args.variant, "numpy_blas": blas})
    records = []
    env = dict(os.environ)
    extra = []
    if not args.measure_peak_each_run:
        peaks, peak_doc = benchlib.measure_peaks(binary, [args.threads], env=env)
        records += benchlib.benchmark_records(peak_doc, run)
        extra = [benchlib.peak_flag(peaks)]
        print("FMA peak (GFLOP/s): " + ", ".join(f"{d} x{t}: {v:.1f}" for (d, t), v in sorted(peaks.items())))
    numpy_times = {d: [] for d in args.dims}
    attnkit_records = {d: [] for d in args.dims}
    attnkit_names = {}
    for round_index in range(args.rounds):
        for dim in args.dims:
            numpy_first = (round_index % 2) == 0
            for side in (("numpy", "attnkit") if numpy_first else ("attnkit", "numpy")):
                if side == "numpy":
                    numpy_times[dim] += time_numpy(np, dim, args.repeats, seed=dim)
                else:
                    name, doc = time_attnkit(binary, dim, args.variant, args.threads, args.repeats, env, extra)
                    rs = benchlib.benchmark_records(doc, run)
                    if not rs:
                        benchlib.fail(f"the binary has no benchmark {name}")
                    attnkit_names[dim] = name
                    attnkit_records[dim] += rs
                    records += rs
            print(f"  dim {dim}: done (round {round_index + 1}/{args.rounds})", file=sys.stderr)

    rows = []
    for dim in args.dims:
        flop = benchlib.attention_flop(1, 1, dim, dim, dim)
        np_name = f"numpy/f32/{benchlib.shape_name(1, 1, dim, dim)}/full/threads:{args.threads}"
        np_records = benchlib.synthetic_record(np_name, numpy_times[dim], flop)
        for r in np_records:
            r["run"] = run
        records += np_records
        summary = benchlib.summarize(np_records + attnkit_records[dim])
        n, a = summary[np_name], summary[attnkit_names[dim]]
        if a.get("error") and "time_s" not in a:
            rows.append([str(dim), str(args.threads), benchlib.fmt(n["time_s"] * 1e3, ".4g"),
                         benchlib.fmt(n["cv"], ".1f"), "error: " + a["error"], "", "", "", "", ""])
            continue
        rows.append([str(dim), str(args.threads),
                     benchlib.fmt(n["time_s"] * 1e3, ".4g"), benchlib.fmt(n["cv"], ".1f"),
                     benchlib.fmt(a["time_s"] * 1e3, ".4g"), benchlib.fmt(a["cv"], ".1f"),
                     benchlib.fmt(a["time_s"] / n["time_s"], ".3f"),
                     benchlib.fmt(n["GFLOPS"], ".2f"), benchlib.fmt(a["GFLOPS"], ".2f"),
                     benchlib.fmt(a["pct_peak"], ".1f")])

    if not args.no_save:
        path = benchlib.results_file(args.results_dir)
        benchlib.append_jsonl(path, records)
        print(f"appended {len(records)} records (run {run['run_id']}) to {benchlib.display_path(path)}")
    benchlib.print_table(["dim", "threads", "numpy ms", "CV %", "attnkit ms", "CV %", "attnkit/numpy",
                          "numpy GFLOP/s", "attnkit GFLOP/s", "attnkit % peak"], rows)


if __name__ == "__main__":
    main()
