"""The tolerance policy of the C++ suite (tests/support/tolerance.hpp), for NumPy results.

1. The yardstick is attnkit's naive variant in the same dtype: its error
   against reference.attention (long double) is measured per row, for out and lse.
2. That error must lie within the a-priori forward-error bound of the naive
   algorithm (derived in tolerance.hpp; with u = eps/2 and
   gamma(n) = n u / (1 - n u)), so the yardstick itself is checked.
3. Any other variant must be within
       tol_out = max(4 * naive_out_error, 16 u max|v|)
       tol_lse = max(4 * naive_lse_error, 16 u max(max|lse|, 1))
4. Rows with no key taking part are exact: zeros in out, -inf in lse.
"""

import numpy as np

WIDE = np.longdouble


def unit_roundoff(dtype):
    return WIDE(np.finfo(dtype).eps) / 2


def gamma(n, u):
    nu = n * u
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(nu < 1, nu / (1 - nu), np.inf)


def forward_error_bound(e, u):
    """Per row, the bound on |out^ - out| and |lse^ - lse| of the naive algorithm at unit roundoff u."""
    n = e.keys.astype(WIDE)
    eps_x = gamma(WIDE(e.head_dim + 8), u) * (e.qk + e.bias)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        rho = np.exp(eps_x) * (1 + 2 * u) - 1
        g_sum, g_acc = gamma(n, u), gamma(n + 1, u)
        k = (1 + rho) * (1 + g_acc) / ((1 - rho) * (1 - g_sum)) - 1
        lam = -np.log((1 - rho) * (1 - g_sum))
        log_sum = np.log(np.maximum(n, 1)) + np.log((1 + rho) * (1 + g_sum))
        lse = lam + 2 * u * log_sum + u * (np.abs(np.where(np.isfinite(e.lse), e.lse, 0)) + lam + 2 * u * log_sum)
    usable = (rho < 1) & (g_sum < 1) & (g_acc < 1)
    out_bound = np.where(usable, k * e.v, np.inf)
    lse_bound = np.where(usable, lse, np.inf)
    empty = e.keys == 0
    return np.where(empty, 0, out_bound), np.where(empty, 0, lse_bound)


def naive_error_bound(e, dtype):
    """The bound the naive kernel in dtype meets against the long-double reference (both errors add)."""
    out_t, lse_t = forward_error_bound(e, unit_roundoff(dtype))
    out_w, lse_w = forward_error_bound(e, unit_roundoff(WIDE))
    return out_t + out_w, lse_t + lse_w


def row_errors(e, out, lse):
    """Per row, max |out - expected| over head_dim_v, and |lse - expected| (0 where both are -inf)."""
    out_err = np.abs(out.astype(WIDE) - e.out).max(axis=-1, initial=0)
    finite = np.isfinite(e.lse)
    lse_err = np.where(finite, np.abs(lse.astype(WIDE) - np.where(finite, e.lse, 0)), 0)
    return out_err, lse_err


def assert_empty_rows_exact(e, out, lse):
    """Step 4: rows with no key taking part give exact zeros and -inf."""
    empty = e.keys == 0
    assert np.all(out[empty] == 0), "rows with no key taking part must be exactly 0"
    assert np.all(np.isneginf(lse[empty])), "rows with no key taking part must have lse -inf"
    assert np.all(np.isfinite(out[~empty])) and np.all(np.isfinite(lse[~empty])), "other rows must be finite"


def tolerance_from_naive(e, naive_out, naive_lse, dtype):
    """Steps 1-3: checks the naive result against its bound, returns (tol_out, tol_lse)."""
    assert_empty_rows_exact(e, naive_out, naive_lse)
    out_err, lse_err = row_errors(e, naive_out, naive_lse)
    out_bound, lse_bound = naive_error_bound(e, dtype)
    assert np.all(out_err <= out_bound), f"naive out error {out_err.max()} beyond its bound"
    assert np.all(lse_err <= lse_bound), f"naive lse error {lse_err.max()} beyond its bound"
    u = unit_roundoff(dtype)
    seen = e.keys > 0
    max_v = e.v[seen].max(initial=0)
    max_lse = np.abs(e.lse[seen]).max(initial=0)
    return max(4 * out_err.max(initial=0), 16 * u * max_v), max(4 * lse_err.max(initial=0), 16 * u * max(max_lse, 1))


def assert_within(e, out, lse, tol_out, tol_lse):
    """A variant's result against the reference under the naive-derived tolerances."""
    assert_empty_rows_exact(e, out, lse)
    out_err, lse_err = row_errors(e, out, lse)
    assert out_err.max(initial=0) <= tol_out, f"out error {out_err.max()} > tolerance {tol_out}"
    assert lse_err.max(initial=0) <= tol_lse, f"lse error {lse_err.max()} > tolerance {tol_lse}"
