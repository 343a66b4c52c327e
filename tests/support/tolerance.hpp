// Test support: THE tolerance policy. No test compares with a bare epsilon.
//
// 1. The yardstick is the naive kernel (variant::naive) in the same precision T.
//    For a case, its maximum absolute error against the long-double oracle is
//    measured, separately for out and for lse.
//
// 2. That error must lie within an a-priori forward-error bound, derived below
//    row by row; this is what makes the yardstick trustworthy. With u = eps_T / 2
//    and gamma(n) = n u / (1 - n u) (Higham, "Accuracy and Stability of Numerical
//    Algorithms", ch. 3), for a row with n keys taking part, head_dim D,
//    A = scale * max_j sum_d |q_id||k_jd|, B = max_j |bias_ij|, V = max_{j,d} |v_jd|:
//
//    - a computed score s^_j = fl(fl(fl(scale) * fl(q.k_j)) + bias_j) satisfies
//        |s^_j - s_j| <= gamma(D + 5) (A + B)
//      (D roundings in the dot product, the scale's rounding to T, one for the
//      product, one for the bias, and slack for the scale's own computation);
//    - the exponent s^_j - m^ (m^ the computed maximum, a shift that cancels in
//      the ratio) is rounded once more, |s^_j - m^| <= 2 (A + B), so the
//      exponent's total error is eps_x = gamma(D + 8) (A + B);
//    - exp() is within 1 ulp (2u relative), so each weight is exact times
//      (1 + rho_j) with |rho_j| <= rho = exp(eps_x) (1 + 2u) - 1;
//    - the sum of n positive weights adds relative error gamma(n), the weighted
//      sum of v adds gamma(n + 1) per term (a product, n additions, the final
//      division), so out_d = sum_j p_j theta_j v_jd with
//        |theta_j - 1| <= K = (1 + rho)(1 + gamma(n + 1)) / ((1 - rho)(1 - gamma(n))) - 1,
//      hence |out^ - out| <= K V;
//    - lse^ = fl(m^ + fl(log S^)) where m^ + log S^ = lse + lambda with
//        |lambda| <= -log((1 - rho)(1 - gamma(n))),
//      1 <= S^ <= n (1 + rho)(1 + gamma(n)), log() within 1 ulp and one final
//      addition: |lse^ - lse| <= lambda + 2u L + u (|lse| + lambda + 2u L),
//      L = log n + log((1 + rho)(1 + gamma(n))).
//    The oracle's own error is the same bound with u of long double; the two add.
//    A row with no key taking part has bound 0: zeros and -inf are exact.
//
// 3. Any other kernel must be within
//        tol_out = max(4 * naive_out_error, 16 u max|v|)
//        tol_lse = max(4 * naive_lse_error, 16 u max(max|lse|, 1))
//    of the oracle: a few times what the plain algorithm achieves on this very
//    case, with a floor of a few ulps of the output's magnitude for cases where
//    the naive kernel happens to be (nearly) exact. lse is an absolute quantity
//    built from log(n) and the scores, so its magnitude is floored at 1.
//
// 4. Special values are not toleranced: where the oracle says NaN, +-inf or an
//    exact zero row from "no key takes part", the kernel must give exactly that
//    kind of value (NaN for NaN, the same infinity, and finite values elsewhere).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <sstream>
#include <string>

#include "attnkit/attnkit.hpp"
#include "support/oracle.hpp"
#include "support/random.hpp"

namespace attnkit_test {

// u, the unit roundoff of T.
template <class T>
constexpr long double unit_roundoff() {
    return static_cast<long double>(std::numeric_limits<T>::epsilon()) / 2;
}

// gamma(n) = n u / (1 - n u); +inf once n u >= 1 (no bound).
inline long double gamma_bound(long double n, long double u) {
    const long double nu = n * u;
    return nu < 1 ? nu / (1 - nu) : std::numeric_limits<long double>::infinity();
}

struct error_bound {
    long double out = 0, lse = 0;
};

// The a-priori forward-error bound of one row of the naive algorithm in a
// precision of unit roundoff u (derivation in the header comment).
inline error_bound forward_error_bound(const row_stats& r, index_t head_dim, long double u) {
    constexpr long double inf = std::numeric_limits<long double>::infinity();
    if (r.keys == 0) return {0, 0};
    const auto n = static_cast<long double>(r.keys);
    const auto dim = static_cast<long double>(head_dim);
    const long double eps_x = gamma_bound(dim + 8, u) * (r.qk + r.bias);
    const long double rho = std::exp(eps_x) * (1 + 2 * u) - 1;
    const long double g_sum = gamma_bound(n, u), g_acc = gamma_bound(n + 1, u);
    if (!(rho < 1) || !(g_sum < 1) || !(g_acc < 1)) return {inf, inf};
    const long double k = (1 + rho) * (1 + g_acc) / ((1 - rho) * (1 - g_sum)) - 1;
    const long double lambda = -std::log((1 - rho) * (1 - g_sum));
    const long double log_sum = std::log(n) + std::log((1 + rho) * (1 + g_sum));
    const long double lse = lambda + 2 * u * log_sum + u * (std::fabs(r.lse) + lambda + 2 * u * log_sum);
    return {k * r.v, lse};
}

// The bound the naive kernel in T must meet against the long-double oracle.
template <class T>
error_bound naive_error_bound(const row_stats& r, index_t head_dim) {
    const error_bound t = forward_error_bound(r, head_dim, unit_roundoff<T>());
    const error_bound o = forward_error_bound(r, head_dim, unit_roundoff<long double>());
    return {t.out + o.out, t.lse + o.lse};
}

struct tolerance {
    long double out = 0, lse = 0;
};

// Step 3 of the policy.
template <class T>
tolerance tolerance_from_naive(long double naive_out_error, long double naive_lse_error, long double max_abs_v,
                               long double max_abs_lse) {
    const long double u = unit_roundoff<T>();
    return {std::max(4 * naive_out_error, 16 * u * max_abs_v),
            std::max(4 * naive_lse_error, 16 * u * std::max<long double>(max_abs_lse, 1))};
}

// Merging two partial attentions over disjoint key sets A and B through their
// log-sum-exps (split-KV):
//   L = log(exp(lse_A) + exp(lse_B)),  out = exp(lse_A - L) out_A + exp(lse_B - L) out_B.
// With |lse^_X - lse_X| <= t_X and |out^_X - out_X| <= o_X, L moves by at most
// t = max(t_A, t_B) (log-sum-exp is 1-Lipschitz in the max norm), each weight
// exp(lse_X - L) by a factor within exp(+-2t), so, for |v| <= V,
//   |out^ - out| <= exp(2t) max(o_A, o_B) + (exp(2t) - 1) V,   |L^ - L| <= t.
inline tolerance merged_tolerance(const tolerance& a, const tolerance& b, long double max_abs_v) {
    const long double t = std::max(a.lse, b.lse);
    const long double grow = std::exp(2 * t);
    return {grow * std::max(a.out, b.out) + (grow - 1) * max_abs_v, t};
}

// How far one kernel's result is from the oracle.
struct deviation {
    long double out = 0, lse = 0;      // max abs error where the oracle is finite
    index_t special_mismatches = 0;    // NaN / inf / finite disagreements
    std::string first_special;         // where the first one is
    index_t bound_violations = 0;      // rows beyond naive_error_bound (when asked)
    std::string first_violation;
    long double max_abs_v = 0;         // max |v| over keys taking part, all rows
    long double max_abs_lse = 0;       // max |lse| over finite rows
};

namespace tolerance_detail {

// Compares one value; returns its abs error (0 for matching special values).
inline long double compare_value(long double expected, long double actual, deviation& dev, const char* what,
                                 index_t b, index_t h, index_t i, index_t d) {
    const bool expected_special = !std::isfinite(expected);
    const bool same_special = (std::isnan(expected) && std::isnan(actual)) ||
                              (std::isinf(expected) && actual == expected);
    if (expected_special || !std::isfinite(actual)) {
        if (!same_special) {
            if (dev.special_mismatches++ == 0) {
                std::ostringstream s;
                s << what << "[" << b << ", " << h << ", " << i;
                if (d >= 0) s << ", " << d;
                s << "] = " << actual << ", expected " << expected;
                dev.first_special = s.str();
            }
        }
        return 0;
    }
    return std::fabs(actual - expected);
}

}  // namespace tolerance_detail

// Measures a result against the oracle. With check_bound, also counts the rows
// whose error exceeds naive_error_bound<T> (for the naive kernel only).
template <class T>
deviation compare_to_oracle(const oracle_result& e, const attnkit::tensor4<const T>& out,
                            const std::optional<attnkit::tensor3<const T>>& lse, index_t head_dim,
                            bool check_bound) {
    deviation dev;
    for (index_t b = 0; b < e.batch; ++b)
        for (index_t h = 0; h < e.heads; ++h)
            for (index_t i = 0; i < e.seq_q; ++i) {
                const row_stats& st = e.stats(b, h, i);
                long double row_out = 0, row_lse = 0;
                for (index_t d = 0; d < e.dim_v; ++d) {
                    const auto actual = static_cast<long double>(element(out, std::array<index_t, 4>{b, h, i, d}));
                    row_out = std::max(row_out, tolerance_detail::compare_value(e.out_at(b, h, i, d), actual, dev,
                                                                                 "out", b, h, i, d));
                }
                if (lse) {
                    const auto actual = static_cast<long double>(element(*lse, std::array<index_t, 3>{b, h, i}));
                    row_lse = tolerance_detail::compare_value(e.lse_at(b, h, i), actual, dev, "lse", b, h, i, -1);
                }
                dev.out = std::max(dev.out, row_out);
                dev.lse = std::max(dev.lse, row_lse);
                const bool finite_row = std::isfinite(e.lse_at(b, h, i));
                if (finite_row) {
                    dev.max_abs_v = std::max(dev.max_abs_v, st.v);
                    dev.max_abs_lse = std::max(dev.max_abs_lse, std::fabs(e.lse_at(b, h, i)));
                }
                if (check_bound && finite_row) {
                    const error_bound bound = naive_error_bound<T>(st, head_dim);
                    if (row_out > bound.out || row_lse > bound.lse) {
                        if (dev.bound_violations++ == 0) {
                            std::ostringstream s;
                            s << "row [" << b << ", " << h << ", " << i << "]: out error " << row_out << " (bound "
                              << bound.out << "), lse error " << row_lse << " (bound " << bound.lse << "), keys "
                              << st.keys << ", A " << st.qk << ", B " << st.bias << ", V " << st.v;
                            dev.first_violation = s.str();
                        }
                    }
                }
            }
    return dev;
}

}  // namespace attnkit_test
