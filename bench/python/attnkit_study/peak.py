"""The FMA peak that "% of peak" is relative to: attnkit_bench_prefill's
BM_fma_peak probe (its GFLOPS_cpu counter, FLOP per CPU second of its threads)."""

import glob
import json
import os
import re
import subprocess

BINARY = "attnkit_bench_prefill"


def find_binary(explicit, repo_root):
    """--bench-binary, else the newest build*/**/bench/attnkit_bench_prefill; None if there is none."""
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise FileNotFoundError(f"--bench-binary {explicit}: not an executable file")
        return explicit
    found = [p for pattern in ("build*/bench/" + BINARY, "build*/*/bench/" + BINARY)
             for p in glob.glob(os.path.join(repo_root, pattern)) if os.access(p, os.X_OK)]
    return max(found, key=os.path.getmtime) if found else None


def shown_path(binary, repo_root):
    """The binary as records name it: relative to the repository when inside it, so that
    committed records name no directory of the machine that made them."""
    inside = os.path.commonpath([os.path.abspath(binary), os.path.abspath(repo_root)]) == os.path.abspath(repo_root)
    return os.path.relpath(binary, repo_root) if inside else binary


def parse_peaks(document):
    """{(dtype, threads): best GFLOPS_cpu} from the binary's JSON output."""
    best = {}
    for r in document.get("benchmarks", []):
        if r.get("run_type", "iteration") != "iteration" or r.get("error_occurred"):
            continue
        m = re.match(r"BM_fma_peak/(f32|f64)/threads:(\d+)", r.get("run_name", r.get("name", "")))
        if m and "GFLOPS_cpu" in r:
            key = (m.group(1), int(m.group(2)))
            best[key] = max(best.get(key, 0.0), float(r["GFLOPS_cpu"]))
    return best


def measure(binary, threads, shown=None):
    """Runs the probe for these thread counts; "peak" records, whose command names the
    binary as `shown` (default: as given)."""
    counts = sorted(set(threads))
    alternatives = "|".join(str(t) for t in counts)
    argv = [binary, f"--benchmark_filter=BM_fma_peak/(f32|f64)/threads:({alternatives})/",
            "--benchmark_format=json", f"--attnkit_threads={','.join(str(t) for t in counts)}"]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited with status {proc.returncode}: {proc.stderr[-500:]}")
    peaks = parse_peaks(json.loads(proc.stdout))
    command = [shown or binary] + argv[1:]
    return [{"kind": "peak", "dtype": d, "threads": t, "gflops": g, "command": command}
            for (d, t), g in sorted(peaks.items())]
