"""attnkit's benchmark tools (run as `PYTHONPATH=bench/python /usr/bin/python3 -m attnkit_bench.<tool>`).

- benchlib: JSON-lines records, the benchmark binaries, medians and tables (standard library only)
- run_prefill: runs attnkit_bench_prefill and summarises it
- summarize: reads records back, ratios between benchmarks
- numpy_baseline: attnkit against NumPy on the study's square shapes
- torch_compare, torch_decode: attnkit against PyTorch's scaled_dot_product_attention
"""
