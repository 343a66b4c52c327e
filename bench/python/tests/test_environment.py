import io
import os

from attnkit_study import environment, peak, progress


def test_cpu_and_thread_environment_are_recorded(monkeypatch):
    monkeypatch.setenv("OMP_WAIT_POLICY", "passive")
    monkeypatch.setenv("GOMP_SPINCOUNT", "1000")
    info = environment.cpu_info()
    assert info["cores"] >= 1 and info["model"]
    assert environment.thread_environment()["OMP_WAIT_POLICY"] == "passive"
    assert "GOMP_SPINCOUNT" in environment.thread_environment()


def test_blas_summary_from_threadpoolctl_info():
    pools = [{"user_api": "blas", "internal_api": "openblas", "version": "0.3.21", "threading_layer": "pthreads",
              "num_threads": 2, "filepath": "/usr/lib/x/libopenblasp-r0.3.21.so"},
             {"user_api": "openmp", "internal_api": "openmp", "num_threads": 2}]
    assert environment.blas_summary(pools) == "openblas 0.3.21 (pthreads, 2 threads, libopenblasp-r0.3.21.so)"
    assert environment.blas_summary([]) == "no BLAS pool found by threadpoolctl"


def test_build_settings_from_the_cmake_cache(tmp_path):
    module = tmp_path / "python" / "attnkit" / "__init__.py"
    module.parent.mkdir(parents=True)
    module.write_text("")
    (tmp_path / "CMakeCache.txt").write_text("CMAKE_CXX_COMPILER:FILEPATH=/usr/bin/c++\nCMAKE_BUILD_TYPE:STRING=Release\n")
    assert environment.build_settings(str(module)) == {"CMAKE_CXX_COMPILER": "/usr/bin/c++",
                                                        "CMAKE_BUILD_TYPE": "Release"}


def test_fma_peak_is_the_best_gflops_cpu_per_dtype_and_threads():
    doc = {"benchmarks": [
        {"run_name": "BM_fma_peak/f32/threads:1/real_time", "run_type": "iteration", "GFLOPS_cpu": 150.0},
        {"run_name": "BM_fma_peak/f32/threads:1/real_time", "run_type": "iteration", "GFLOPS_cpu": 170.0},
        {"run_name": "BM_fma_peak/f64/threads:16/real_time", "run_type": "iteration", "GFLOPS_cpu": 1000.0},
        {"run_name": "BM_fma_peak/f64/threads:16/real_time_mean", "run_type": "aggregate", "GFLOPS_cpu": 1.0}]}
    assert peak.parse_peaks(doc) == {("f32", 1): 170.0, ("f64", 16): 1000.0}


def test_records_name_a_binary_inside_the_repository_relative_to_it(tmp_path):
    repo = tmp_path / "repo"
    inside = repo / "build" / "release" / "bench" / "attnkit_bench_prefill"
    assert peak.shown_path(str(inside), str(repo)) == os.path.join("build", "release", "bench", "attnkit_bench_prefill")
    # Elsewhere (a scratch build directory) it stays as the user gave it; a sibling
    # whose name only starts like the repository's is not inside it.
    assert peak.shown_path("/opt/akb/bench/attnkit_bench_prefill", str(repo)) == "/opt/akb/bench/attnkit_bench_prefill"
    sibling = str(tmp_path / "repo2" / "attnkit_bench_prefill")
    assert peak.shown_path(sibling, str(repo)) == sibling


def test_progress_prints_n_of_n_and_an_eta():
    out = io.StringIO()
    p = progress.Progress([1.0, 1.0, 2.0], stream=out)
    p.step("first")
    p.step("second")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[1/3] first") and "ETA" in lines[0]
    assert lines[1].startswith("[2/3] second")
    assert progress.format_seconds(75) == "1m15s" and progress.format_seconds(9.4) == "9s"


def test_module_paths_are_written_relative_to_the_checkout(tmp_path):
    from attnkit_study.environment import portable_path
    inside = tmp_path / "build" / "release" / "python" / "attnkit" / "__init__.py"
    assert portable_path(str(inside), root=str(tmp_path)) == "build/release/python/attnkit/__init__.py"
    assert portable_path("/elsewhere/lib/python3/attnkit/__init__.py", root=str(tmp_path)) == \
        ".../python3/attnkit/__init__.py"
