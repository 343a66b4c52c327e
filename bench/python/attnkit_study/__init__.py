"""attnkit's study: attnkit against NumPy, Numba and PyTorch, measured without
cross-process interference, with confidence intervals, and reported.

    PYTHONPATH=bench/python:<build>/python /usr/bin/python3 -m attnkit_study run --profile quick --out report/local

Modules: problems, profiles (what is measured), reference (inputs and the
float64 check), baselines, implementations, worker and harness (how),
stats, environment, tuning, peak, records, tables, plots, report, compare, cli.
"""
