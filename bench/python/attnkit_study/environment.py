"""What the report records about the machine and the software: CPU, ISA flags,
cores, governor, load, versions, the BLAS and its threads, attnkit's build,
and the thread-binding variables in the environment."""

import datetime
import os
import platform
import re
import subprocess
import sys

THREAD_ENV_PREFIXES = ("OMP_", "GOMP_", "KMP_", "OPENBLAS_", "MKL_", "BLIS_", "NUMBA_", "ATTNKIT_")
ISA_FLAGS = ("sse2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_bf16", "amx_tile", "asimd")
BUILD_CACHE_KEYS = ("CMAKE_CXX_COMPILER", "CMAKE_CXX_COMPILER_VERSION", "CMAKE_BUILD_TYPE", "CMAKE_CXX_FLAGS",
                    "CMAKE_CXX_FLAGS_RELEASE", "ATTNKIT_USE_ISA_DISPATCH")


def _read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return None


def cpu_info():
    text = _read("/proc/cpuinfo") or ""
    model = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    flags = re.search(r"^(flags|Features)\s*:\s*(.+)$", text, re.M)
    flag_set = set(flags.group(2).split()) if flags else set()
    governor = _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"model": model.group(1).strip() if model else platform.processor() or "unknown",
            "isa_flags": [f for f in ISA_FLAGS if f in flag_set],
            "cores": cores, "online_cpus": os.cpu_count(),
            "governor": governor.strip() if governor else "not readable",
            "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None}


def thread_environment():
    return {k: v for k, v in sorted(os.environ.items()) if k.startswith(THREAD_ENV_PREFIXES)}


def git_state(repo_root):
    """(commit, dirty) of the checkout the study runs from, or (None, None) outside git."""
    try:
        commit = subprocess.run(["git", "-C", repo_root, "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
        status = subprocess.run(["git", "-C", repo_root, "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, check=True).stdout
        return commit, bool(status.strip())
    except (OSError, subprocess.CalledProcessError):
        return None, None


def build_settings(module_file):
    """Compiler and flags from the CMake cache of the build tree holding the
    attnkit module (<build>/python/attnkit/__init__.py)."""
    if not module_file:
        return {}
    build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(module_file))))
    text = _read(os.path.join(build, "CMakeCache.txt")) or ""
    out = {}
    for key in BUILD_CACHE_KEYS:
        m = re.search(rf"^{key}:[A-Z]+=(.*)$", text, re.M)
        if m:
            out[key] = m.group(1)
    return out


def library_versions(family):
    """What a worker reports about its own libraries (runs in the worker)."""
    info = {"python": platform.python_version(), "executable": sys.executable}
    try:
        import numpy
        info["numpy"] = numpy.__version__
    except ImportError:
        info["numpy"] = None
    try:
        import threadpoolctl
        info["threadpools"] = threadpoolctl.threadpool_info()
    except ImportError:
        info["threadpools"] = "threadpoolctl not installed"
    if family == "numba":
        import numba
        info["numba"] = numba.__version__
        info["numba_threads"] = numba.config.NUMBA_NUM_THREADS
        from attnkit_study.baselines import numba_kind
        info["numba_kernel"] = {"blas": "np.dot (BLAS through SciPy) in prange items",
                                "loops": "plain loops in prange items (no SciPy)"}[numba_kind()]
        try:
            info["numba_threading_layer"] = numba.threading_layer()
        except ValueError:
            info["numba_threading_layer"] = "not chosen yet"
    elif family == "torch":
        import torch
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        for key, call in (("torch_parallel_info", torch.__config__.parallel_info),
                          ("torch_cpu_capability", torch.backends.cpu.get_cpu_capability)):
            try:
                info[key] = call()
            except Exception as e:  # noqa: BLE001 - informational only
                info[key] = f"unavailable: {e}"
    elif family.startswith("attnkit"):
        import attnkit
        info.update(attnkit=attnkit.__version__, attnkit_isa=attnkit.selected_isa(),
                    attnkit_max_threads=attnkit.max_threads(), attnkit_module=portable_path(attnkit.__file__),
                    attnkit_build=build_settings(attnkit.__file__))
    return info


def portable_path(path, root=None):
    """`path` relative to `root` (default: the working directory, the run's
    checkout) when it lies inside it, else '.../' and its last three parts:
    reports are committed, and a machine's absolute paths say nothing to
    their readers."""
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root or os.getcwd()))
    if not rel.startswith(os.pardir):
        return rel
    return ".../" + "/".join(os.path.abspath(path).split(os.sep)[-3:])


def blas_summary(threadpools):
    """'openblas 0.3.21 (pthreads, 2 threads, libopenblasp-r0.3.21.so)' from threadpoolctl's info."""
    if not isinstance(threadpools, list):
        return str(threadpools)
    blas = [p for p in threadpools if p.get("user_api") == "blas"]
    if not blas:
        return "no BLAS pool found by threadpoolctl"
    return "; ".join(f"{p.get('internal_api')} {p.get('version') or ''} ({p.get('threading_layer', '?')}, "
                     f"{p.get('num_threads')} threads, {os.path.basename(p.get('filepath', ''))})" for p in blas)


def collect(repo_root, workers_info):
    """The environment record: this process's view plus each worker's libraries."""
    commit, dirty = git_state(repo_root)
    return {"time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "host": platform.node(), "platform": platform.platform(), "cpu": cpu_info(),
            "python": platform.python_version(), "thread_env": thread_environment(),
            "commit": commit, "dirty": dirty, "workers": workers_info}
