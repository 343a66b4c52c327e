"""attnkit's decode variant against PyTorch's scaled_dot_product_attention on
decoding shapes: a few query rows against a long KV cache.

Default shape: q [1, 32, 1, 128], k and v [1, 32, 4096, 128], float32, no mask
(seq_q = 1 sees every key, so is_causal=False). For every shape, dtype and
thread count (default 1 and every CPU this process may use): PyTorch is timed
with torch.set_num_threads(threads), after --warmup calls, as the median of
--repeats repeats (each repeat enough calls to last --min-time seconds); then
attnkit_bench_decode runs the same case
(decode/<dtype>/<shape>/<mask>/decode/threads:<threads>, --repeats
repetitions, OMP_NUM_THREADS=threads). The two alternate case by case (and
swap order every other round with --rounds). The read-bandwidth probe is
measured once at the start (BM_read_bw) and passed to every attnkit run, so
its % of the probe is comparable between runs.

Prints both medians, their CVs, the ratio attnkit / PyTorch (below 1: attnkit
is faster), both in GB/s of K and V read (B * heads_kv * seq_kv * (D + Dv) *
element size) and attnkit's % of the probe; appends every repetition of both
to bench/results/<host>-<date>.jsonl.

  python3 -m attnkit_bench.torch_decode --repeats 7                        # needs torch
  python3 -m attnkit_bench.torch_decode --shapes 1x32x8x1x32768x128        # GQA (torch's enable_gqa)
  python3 -m attnkit_bench.torch_decode --attnkit-only --threads 1

Shapes are BxHQxHKVxSQxSKVxD and must be ones the binary registers (see
bench/decode.cpp). With seq_q > 1 both sides use bottom-right causal masking
(the queries are the cache's last rows): attnkit's causal::bottom_right, and
for PyTorch, whose is_causal is top-left, an explicit boolean mask.
PyTorch is not a dependency of attnkit: without torch the script stops with a
message, unless --attnkit-only is given.
"""

import argparse
import math
import os
import re
import sys
import time

from attnkit_bench import benchlib

DEFAULT_SHAPES = ("1x32x32x1x4096x128",)
TORCH_DTYPES = {"f32": "float32", "f64": "float64"}
ELEMENT_BYTES = {"f32": 4, "f64": 8}


def parse_shape(text):
    m = re.fullmatch(r"(\d+)x(\d+)x(\d+)x(\d+)x(\d+)x(\d+)", text)
    if not m:
        raise argparse.ArgumentTypeError(f"shape {text!r} is not BxHQxHKVxSQxSKVxD")
    shape = tuple(int(x) for x in m.groups())
    if shape[1] % shape[2]:
        raise argparse.ArgumentTypeError(f"shape {text!r}: HQ is not a multiple of HKV")
    return shape


def shape_name(shape):
    batch, heads_q, heads_kv, seq_q, seq_kv, dim = shape
    return f"B{batch}_Hq{heads_q}_Hkv{heads_kv}_Sq{seq_q}_Skv{seq_kv}_D{dim}"


def mask_name(shape):
    return "full" if shape[3] == 1 else "causal"


def kv_bytes(shape, dtype):
    batch, _, heads_kv, _, seq_kv, dim = shape
    return batch * heads_kv * seq_kv * 2 * dim * ELEMENT_BYTES[dtype]


def torch_environment(torch):
    info = {"torch": torch.__version__}
    for key, call in (("parallel_info", lambda: torch.__config__.parallel_info()),
                      ("cpu_capability", lambda: torch.backends.cpu.get_cpu_capability())):
        try:
            info[key] = call()
        except Exception as e:  # noqa: BLE001 - informational only
            info[key] = f"unavailable: {e}"
    return info


def time_torch(torch, shape, dtype, threads, repeats, warmup, min_time, seed):
    import torch.nn.functional as F
    batch, heads_q, heads_kv, seq_q, seq_kv, dim = shape
    torch.set_num_threads(threads)
    if torch.get_num_threads() != threads:
        benchlib.fail(f"torch.set_num_threads({threads}) left {torch.get_num_threads()} threads")
    dt = getattr(torch, TORCH_DTYPES[dtype])
    gen = torch.Generator().manual_seed(seed)
    q = torch.rand(batch, heads_q, seq_q, dim, dtype=dt, generator=gen) * 2 - 1
    k = torch.rand(batch, heads_kv, seq_kv, dim, dtype=dt, generator=gen) * 2 - 1
    v = torch.rand(batch, heads_kv, seq_kv, dim, dtype=dt, generator=gen) * 2 - 1
    kwargs = {}
    if heads_q != heads_kv:
        kwargs["enable_gqa"] = True  # PyTorch 2.5 and later
    if seq_q > 1:
        # Bottom-right: query i sees keys j <= i + seq_kv - seq_q.
        rows = torch.arange(seq_q).unsqueeze(1)
        cols = torch.arange(seq_kv).unsqueeze(0)
        kwargs["attn_mask"] = cols <= rows + (seq_kv - seq_q)
    with torch.inference_mode():
        def call():
            return F.scaled_dot_product_attention(q, k, v, is_causal=False, **kwargs)

        try:
            out = call()
        except TypeError as e:
            benchlib.fail(f"this PyTorch cannot run {shape_name(shape)} ({e}); GQA shapes need enable_gqa "
                          "(PyTorch 2.5 or later)")
        if not torch.isfinite(out).all():
            benchlib.fail(f"PyTorch's result for {shape_name(shape)} {dtype} is not finite")
        for _ in range(max(warmup - 1, 0)):
            call()
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


def measure_bandwidths(binary, threads, repetitions=3):
    """The binary's BM_read_bw for these thread counts: ({threads: best GB/s}, document)."""
    thread_list = ",".join(str(t) for t in sorted(set(threads)))
    doc, _ = benchlib.run_benchmark(binary, "^BM_read_bw/", repetitions, [f"--attnkit_threads={thread_list}"],
                                    interleave=False)
    best = {}
    for r in doc.get("benchmarks", []):
        if r.get("run_type") != "iteration" or r.get("error_occurred"):
            continue
        m = re.match(r"BM_read_bw/threads:(\d+)", r.get("run_name", ""))
        if m and "GBps" in r:
            best[int(m.group(1))] = max(best.get(int(m.group(1)), 0.0), r["GBps"])
    return best, doc


def main():
    sys.stdout.reconfigure(line_buffering=True)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    parser = argparse.ArgumentParser(prog=benchlib.tool_name(), description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", help="attnkit_bench_decode (default: $ATTNKIT_BENCH_DECODE_BINARY, "
                                         "else the newest under build*/)")
    parser.add_argument("--shapes", type=parse_shape, nargs="+", default=[parse_shape(s) for s in DEFAULT_SHAPES],
                        metavar="BxHQxHKVxSQxSKVxD", help=f"default {' '.join(DEFAULT_SHAPES)}")
    parser.add_argument("--dtypes", nargs="+", choices=["f32", "f64"], default=["f32"])
    parser.add_argument("--threads", type=int, nargs="+", default=sorted({1, cpus}),
                        help=f"thread counts (default 1 and {cpus})")
    parser.add_argument("--repeats", "-r", type=int, default=7, help="repeats for both (default 7)")
    parser.add_argument("--warmup", type=int, default=3, help="PyTorch warm-up calls (default 3)")
    parser.add_argument("--min-time", type=float, default=0.2, help="seconds per PyTorch repeat (default 0.2)")
    parser.add_argument("--rounds", type=int, default=1, help="sweep this many times, alternating the order")
    parser.add_argument("--attnkit-only", action="store_true", help="do not import torch; time attnkit only")
    parser.add_argument("--results-dir", help="where the .jsonl goes (default bench/results)")
    parser.add_argument("--no-save", action="store_true", help="print only, append nothing")
    args = parser.parse_args()
    if min(args.threads) < 1 or args.repeats < 1 or args.rounds < 1:
        benchlib.fail("--threads, --repeats and --rounds must be at least 1")

    torch = None
    if not args.attnkit_only:
        try:
            import torch  # noqa: F811
        except ImportError as e:
            benchlib.fail(f"PyTorch is not installed for {sys.executable} ({e}). Install torch in this Python, "
                          "or pass --attnkit-only to time attnkit alone.", code=2)
    binary = benchlib.find_binary(args.binary, benchlib.DECODE_BINARY_NAME, "ATTNKIT_BENCH_DECODE_BINARY")
    extra = {"binary": benchlib.display_path(binary), "variant": "decode"}
    if torch is not None:
        extra["torch_env"] = torch_environment(torch)
        print(f"PyTorch {torch.__version__}, CPU capability {extra['torch_env'].get('cpu_capability')}")
    print(f"attnkit: {benchlib.display_path(binary)}, variant decode; {cpus} CPUs")
    run = benchlib.new_run("torch_decode", extra)

    thread_list = ",".join(str(t) for t in sorted(set(args.threads)))
    bandwidths, bw_doc = measure_bandwidths(binary, args.threads)
    records = benchlib.benchmark_records(bw_doc, run)
    bw_flag = "--attnkit_bw=" + ",".join(f"{t}={v:.6g}" for t, v in sorted(bandwidths.items()))
    print("read bandwidth probe (GB/s): " + ", ".join(f"x{t}: {v:.1f}" for t, v in sorted(bandwidths.items())))

    cases = [(shape, dtype, threads) for shape in args.shapes for dtype in args.dtypes for threads in args.threads]
    names = {c: {"torch": None, "attnkit": None} for c in cases}
    torch_times = {c: [] for c in cases}
    attnkit_records = {c: [] for c in cases}
    for round_index in range(args.rounds):
        for case in cases:
            shape, dtype, threads = case
            order = ("torch", "attnkit") if round_index % 2 == 0 else ("attnkit", "torch")
            for side in order:
                if side == "torch":
                    if torch is None:
                        continue
                    torch_times[case] += time_torch(torch, shape, dtype, threads, args.repeats, args.warmup,
                                                    args.min_time, seed=sum(shape))
                    names[case]["torch"] = f"torch/{dtype}/{shape_name(shape)}/{mask_name(shape)}/threads:{threads}"
                else:
                    name = (f"decode/{dtype}/{shape_name(shape)}/{mask_name(shape)}/decode/threads:{threads}"
                            "/real_time")
                    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
                    doc, _ = benchlib.run_benchmark(binary, "^" + re.escape(name) + "$", args.repeats,
                                                    [f"--attnkit_threads={thread_list}", bw_flag], env=env,
                                                    interleave=False)
                    rs = benchlib.benchmark_records(doc, run)
                    if not rs:
                        benchlib.fail(f"the binary has no benchmark {name} (is {shape_name(shape)} one of its "
                                      "shapes?)")
                    attnkit_records[case] += rs
                    records += rs
                    names[case]["attnkit"] = name
            print(f"  {shape_name(shape)} {dtype} threads {threads}: done (round {round_index + 1})", file=sys.stderr)

    rows = []
    for case in cases:
        shape, dtype, threads = case
        bytes_read = kv_bytes(shape, dtype)
        case_records = list(attnkit_records[case])
        if names[case]["torch"]:
            trs = benchlib.synthetic_record(names[case]["torch"], torch_times[case])
            for r in trs:
                r["GBps"] = bytes_read / (r["real_time"] * 1e-3) * 1e-9
                r["run"] = run
            records += trs
            case_records += trs
        summary = benchlib.summarize(case_records)
        t = summary.get(names[case]["torch"], {}) if names[case]["torch"] else {}
        a = summary.get(names[case]["attnkit"], {})
        t_s, a_s = t.get("time_s", math.nan), a.get("time_s", math.nan)
        rows.append([shape_name(shape), dtype, str(threads),
                     benchlib.fmt(t_s * 1e3, ".4g"), benchlib.fmt(t.get("cv"), ".1f"),
                     benchlib.fmt(a_s * 1e3, ".4g") if "time_s" in a else "error: " + str(a.get("error")),
                     benchlib.fmt(a.get("cv"), ".1f"),
                     benchlib.fmt(a_s / t_s if t_s and not math.isnan(t_s) else math.nan, ".3f"),
                     benchlib.fmt(bytes_read / t_s * 1e-9 if t_s and not math.isnan(t_s) else math.nan, ".1f"),
                     benchlib.fmt(a.get("GBps"), ".1f"), benchlib.fmt(a.get("pct_probe"), ".1f")])

    if not args.no_save:
        path = benchlib.results_file(args.results_dir)
        benchlib.append_jsonl(path, records)
        print(f"appended {len(records)} records (run {run['run_id']}) to {benchlib.display_path(path)}")
    benchlib.print_table(["shape", "dtype", "threads", "torch ms", "CV %", "attnkit ms", "CV %", "attnkit/torch",
                          "torch GB/s", "attnkit GB/s", "attnkit % probe"], rows, left=2)


if __name__ == "__main__":
    main()
