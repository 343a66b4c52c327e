"""Shared helpers of attnkit's benchmark scripts (standard library only).

Records are kept as JSON lines, one benchmark record per line: Google
Benchmark's own JSON record (name, run_name, run_type, repetition_index,
real_time, time_unit, counters such as GFLOPS and pct_peak, ...) plus a "run"
object describing the invocation (run_id, time, host, tool, command, context).
Records of other tools (NumPy, PyTorch) use the same fields, so one summary
reads them all.
"""

import datetime
import glob
import json
import math
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import uuid

# This package lives in <repo>/bench/python/attnkit_bench.
BENCH_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REPO_ROOT = os.path.dirname(BENCH_DIR)
BINARY_NAME = "attnkit_bench_prefill"
DECODE_BINARY_NAME = "attnkit_bench_decode"
DEFAULT_RESULTS_DIR = os.path.join(BENCH_DIR, "results")

_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def fail(message, code=1):
    print(f"{tool_name()}: {message}", file=sys.stderr)
    sys.exit(code)


def tool_name():
    """The running tool's name: attnkit_bench.<module> under `python3 -m`, else the script's name."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return spec.name if spec is not None and spec.name else os.path.basename(sys.argv[0])


def find_binary(explicit=None, name=BINARY_NAME, env_var="ATTNKIT_BENCH_BINARY"):
    """The benchmark binary: --binary, else $<env_var>, else the newest
    build*/**/bench/<name> under the repository root (name: the prefill
    binary unless told)."""
    candidate = explicit or os.environ.get(env_var)
    if candidate:
        if not os.access(candidate, os.X_OK):
            fail(f"benchmark binary {candidate!r} does not exist or is not executable")
        return os.path.abspath(candidate)
    found = []
    for pattern in ("build*/bench/" + name, "build*/*/bench/" + name):
        found += [p for p in glob.glob(os.path.join(REPO_ROOT, pattern)) if os.access(p, os.X_OK)]
    if not found:
        fail(f"no {name} found under build*/; build it (cmake --preset release && "
             f"cmake --build --preset release) or pass --binary PATH")
    return max(found, key=os.path.getmtime)


def display_path(path):
    """Relative to the repository when inside it, else as given."""
    path = os.path.abspath(path)
    if os.path.commonpath([path, REPO_ROOT]) == REPO_ROOT:
        return os.path.relpath(path, REPO_ROOT)
    return path


def new_run(tool, extra=None):
    """Metadata shared by every record of one invocation."""
    now = datetime.datetime.now(datetime.timezone.utc)
    run = {
        "run_id": now.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8],
        "time": now.isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "tool": tool,
        "command": [tool_name()] + sys.argv[1:],
        "python": platform.python_version(),
        "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
    }
    if extra:
        run.update(extra)
    return run


def results_file(results_dir=None):
    """bench/results/<host>-<date>.jsonl (the directory is created here)."""
    results_dir = results_dir or DEFAULT_RESULTS_DIR
    os.makedirs(results_dir, exist_ok=True)
    host = re.sub(r"[^A-Za-z0-9_.-]", "_", socket.gethostname()) or "host"
    date = datetime.date.today().isoformat()
    return os.path.join(results_dir, f"{host}-{date}.jsonl")


def append_jsonl(path, records):
    with open(path, "a", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, sort_keys=True) + "\n")


def read_jsonl(paths):
    records = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as e:
                    print(f"{path}:{number}: skipped, not JSON ({e})", file=sys.stderr)
    return records


def run_benchmark(binary, filter_regex, repetitions, extra_args=(), env=None, interleave=True):
    """Runs the benchmark binary with JSON output; returns (json document, argv)."""
    argv = [binary, "--benchmark_format=json", f"--benchmark_repetitions={repetitions}",
            f"--benchmark_filter={filter_regex}"]
    if interleave:
        argv.append("--benchmark_enable_random_interleaving=true")
    argv += list(extra_args)
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        fail(f"{' '.join(argv)} exited with status {proc.returncode}")
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError:
        sys.stderr.write(proc.stderr)
        fail(f"{' '.join(argv)} did not print JSON")
    return doc, argv


def measure_peaks(binary, threads, repetitions=3, env=None):
    """Runs the binary's BM_fma_peak benchmarks for these thread counts; returns
    ({(dtype, threads): best GFLOPS_cpu}, json document). Passing the result to
    later runs (peak_flag) keeps % peak comparable between them."""
    thread_list = ",".join(str(t) for t in sorted(set(threads)))
    doc, _ = run_benchmark(binary, "^BM_fma_peak/", repetitions, [f"--attnkit_threads={thread_list}"],
                           env=env, interleave=False)
    best = {}
    for r in doc.get("benchmarks", []):
        if r.get("run_type") != "iteration" or r.get("error_occurred"):
            continue
        m = re.match(r"BM_fma_peak/(f32|f64)/threads:(\d+)", r.get("run_name", ""))
        if m and "GFLOPS_cpu" in r:
            key = (m.group(1), int(m.group(2)))
            best[key] = max(best.get(key, 0.0), r["GFLOPS_cpu"])
    return best, doc


def peak_flag(peaks):
    """--attnkit_peak=... for the binary, from measure_peaks()'s dictionary."""
    return "--attnkit_peak=" + ",".join(f"{d}:{t}={v:.6g}" for (d, t), v in sorted(peaks.items()))


def benchmark_records(doc, run):
    """The document's benchmark records, each with the run metadata attached."""
    run = dict(run)
    run["context"] = doc.get("context", {})
    return [dict(r, run=run) for r in doc.get("benchmarks", [])]


def seconds(record, key="real_time"):
    return record[key] * _UNIT_SECONDS[record.get("time_unit", "ns")]


def median(values):
    return statistics.median(values) if values else math.nan


def cv_percent(values):
    if len(values) < 2:
        return math.nan
    mean = statistics.mean(values)
    return statistics.stdev(values) / mean * 100.0 if mean else math.nan


COUNTERS = ("GFLOPS", "pct_peak", "peak_GFLOPS", "GFLOPS_cpu", "GBps", "pct_probe", "probe_GBps")


def _order_key(record):
    """Registration order within one binary's records, then name."""
    return (record.get("family_index", 1 << 30), record.get("per_family_instance_index", 0),
            record.get("run_name", record.get("name", "")))


def summarize(records):
    """Per benchmark (run_name): repetitions, median seconds, CV % of the time,
    median GFLOPS and pct_peak, and the first error seen. Uses the per-repetition
    records; where only aggregates were reported, their median and cv."""
    groups = {}
    for r in records:
        name = r.get("run_name", r.get("name"))
        groups.setdefault(name, []).append(r)
    rows = {}
    for name, rs in sorted(groups.items(), key=lambda kv: _order_key(kv[1][0])):
        errors = [r.get("error_message", "error") for r in rs if r.get("error_occurred")]
        its = [r for r in rs if r.get("run_type", "iteration") == "iteration" and not r.get("error_occurred")]
        row = {"name": name, "n": len(its), "error": errors[0] if errors else None}
        if its:
            row["time_s"] = median([seconds(r) for r in its])
            row["cv"] = cv_percent([seconds(r) for r in its])
            for counter in COUNTERS:
                vals = [r[counter] for r in its if counter in r]
                row[counter] = median(vals) if vals else math.nan
        else:
            agg = {r.get("aggregate_name"): r for r in rs if r.get("run_type") == "aggregate"}
            if "median" in agg:
                m = agg["median"]
                row["n"] = m.get("repetitions", 0)
                row["time_s"] = seconds(m)
                row["cv"] = agg["cv"]["real_time"] * 100.0 if "cv" in agg else math.nan
                for counter in COUNTERS:
                    row[counter] = m.get(counter, math.nan)
        rows[name] = row
    return rows


def fmt(value, spec):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec)


def print_table(headers, rows, out=sys.stdout, left=1):
    """rows: lists of strings; the first `left` columns left-aligned, the others right."""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows)] if rows else [len(h) for h in headers]
    def line(cells):
        return "  ".join(str(c).ljust(w) if i < left else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(headers), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for r in rows:
        print(line(r), file=out)


def summary_rows(rows):
    out = []
    for name, r in rows.items():
        if r.get("error") and "time_s" not in r:
            out.append([name, "error: " + r["error"], "", "", "", "", ""])
            continue
        out.append([name, fmt(r.get("time_s", math.nan) * 1e3, ".4g"), fmt(r.get("cv"), ".1f"),
                    fmt(r.get("GFLOPS"), ".2f"), fmt(r.get("pct_peak"), ".1f"), str(r.get("n", 0)),
                    fmt(r.get("GFLOPS_cpu"), ".2f")])
    return out


# GFLOP/s and % peak are by wall-clock time; the FMA probe also reports its rate
# per CPU second of its threads (the peak attention is compared with).
SUMMARY_HEADERS = ["benchmark", "median ms", "CV %", "GFLOP/s", "% peak", "reps", "probe GFLOP/s per CPU s"]


def synthetic_record(name, times_s, flop=None, extra=None):
    """Records in Google Benchmark's shape for a timing taken in Python: one
    record per repetition, times in ms."""
    records = []
    for i, t in enumerate(times_s):
        r = {"name": name, "run_name": name, "run_type": "iteration", "repetitions": len(times_s),
             "repetition_index": i, "iterations": 1, "real_time": t * 1e3, "cpu_time": math.nan,
             "time_unit": "ms"}
        if flop:
            r["GFLOPS"] = flop / t * 1e-9
        if extra:
            r.update(extra)
        records.append(r)
    return records


def attention_flop(batch, heads, seq_q, seq_kv, head_dim, head_dim_v=None, causal=False):
    """Same definition as prefill.cpp: 2 * B * H * visible pairs * (D + Dv), the
    causal mask top-left aligned (key j visible to query i iff j <= i)."""
    head_dim_v = head_dim if head_dim_v is None else head_dim_v
    if causal:
        pairs = sum(min(max(i + 1, 0), seq_kv) for i in range(seq_q))
    else:
        pairs = seq_q * seq_kv
    return 2.0 * batch * heads * pairs * (head_dim + head_dim_v)


def shape_name(batch, heads, seq, head_dim):
    return f"B{batch}_H{heads}_S{seq}_D{head_dim}"


def attnkit_name(dtype, shape, causal, variant, threads):
    return f"sdpa/{dtype}/{shape}/{'causal' if causal else 'full'}/{variant}/threads:{threads}/real_time"
