// attnkit: register-blocked micro-kernels for the two matrix products of
// attention, written once over xsimd::batch<T, Arch>.
//
// Scores are computed transposed, S^T = K Q^T, with Q^T packed (and pre-scaled)
// per query tile: the vector dimension is then the query, K is read in place
// one broadcast scalar at a time, and neither K nor V is ever packed or copied.
// Both kernels keep an MR x NR block of accumulators in registers across the
// whole reduction (the BLIS micro-kernel design, Van Zee and van de Geijn 2015).
#pragma once

#include <xsimd/xsimd.hpp>

#include "attnkit/detail/config_namespace.hpp"
#include "attnkit/detail/max_ignoring_nan.hpp"
#include "attnkit/view.hpp"

namespace attnkit {
namespace detail {
ATTNKIT_BEGIN_CONFIG_NAMESPACE

// S^T[r][q] (+)= sum_{d in [d0, d1)} k_rows[r][d] * qt[d][q] for MR keys and NR
// vectors of queries; accumulate adds to st instead of overwriting it (the
// chunks of a long head_dim). qt: [head_dim][qt_ld], st: [MR][st_ld], aligned.
// col_max (optional, NR vectors): raised to the largest of the MR scores per
// query while they are still in registers, which spares the online softmax a
// pass over S^T (the same max_ignoring_nan as online_softmax's own maximum).
template <class T, class Arch, int MR, int NR>
inline void scores_block(const T* const* k_rows, const T* qt, index_t qt_ld, index_t d0, index_t d1, T* st,
                         index_t st_ld, bool accumulate, T* col_max = nullptr) noexcept {
    using batch = xsimd::batch<T, Arch>;
    constexpr index_t W = static_cast<index_t>(batch::size);
    batch acc[MR][NR];
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 16
        for (int n = 0; n < NR; ++n)
            acc[r][n] = accumulate ? batch::load_aligned(st + r * st_ld + n * W) : batch(T(0));

    for (index_t d = d0; d < d1; ++d) {
        const T* qrow = qt + d * qt_ld;
        batch qv[NR];
#pragma GCC unroll 16
        for (int n = 0; n < NR; ++n) qv[n] = batch::load_aligned(qrow + n * W);
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r) {
            const batch kv(k_rows[r][d]);
#pragma GCC unroll 16
            for (int n = 0; n < NR; ++n) acc[r][n] = xsimd::fma(kv, qv[n], acc[r][n]);
        }
    }
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 16
        for (int n = 0; n < NR; ++n) acc[r][n].store_aligned(st + r * st_ld + n * W);
    if (col_max) {
#pragma GCC unroll 16
        for (int n = 0; n < NR; ++n) {
            batch m = batch::load_aligned(col_max + n * W);
#pragma GCC unroll 16
            for (int r = 0; r < MR; ++r) m = max_ignoring_nan(m, acc[r][n]);
            m.store_aligned(col_max + n * W);
        }
    }
}

// The whole of head_dim in one pass, overwriting st.
template <class T, class Arch, int MR, int NR>
inline void scores_block(const T* const* k_rows, const T* qt, index_t qt_ld, index_t head_dim, T* st,
                         index_t st_ld) noexcept {
    scores_block<T, Arch, MR, NR>(k_rows, qt, qt_ld, 0, head_dim, st, st_ld, false);
}

// acc[r][c] = acc[r][c] * row_scale[r] + sum_j p[j][r] * v_rows(j)[c] for MR
// queries and NR vectors of value columns (no scaling when row_scale is null:
// the online softmax's rescale of the partial output rides on the load of the
// accumulators instead of a pass of its own). p: weights transposed
// ([keys][p_ld]); v: value rows with row stride v_stride, unaligned; acc:
// [MR][acc_ld], aligned.
template <class T, class Arch, int MR, int NR>
inline void weighted_sum_block(const T* p, index_t p_ld, const T* v, index_t v_stride, index_t keys, T* acc,
                               index_t acc_ld, const T* row_scale = nullptr) noexcept {
    using batch = xsimd::batch<T, Arch>;
    constexpr index_t W = static_cast<index_t>(batch::size);
    batch o[MR][NR];
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 16
        for (int n = 0; n < NR; ++n) o[r][n] = batch::load_aligned(acc + r * acc_ld + n * W);
    if (row_scale) {
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r) {
            const batch a(row_scale[r]);
#pragma GCC unroll 16
            for (int n = 0; n < NR; ++n) o[r][n] *= a;
        }
    }

    for (index_t j = 0; j < keys; ++j) {
        const T* vrow = v + j * v_stride;
        const T* prow = p + j * p_ld;
        batch vv[NR];
#pragma GCC unroll 16
        for (int n = 0; n < NR; ++n) vv[n] = batch::load_unaligned(vrow + n * W);
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r) {
            const batch w(prow[r]);
#pragma GCC unroll 16
            for (int n = 0; n < NR; ++n) o[r][n] = xsimd::fma(w, vv[n], o[r][n]);
        }
    }
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 16
        for (int n = 0; n < NR; ++n) o[r][n].store_aligned(acc + r * acc_ld + n * W);
}

// The value columns past the last full vector, for MR queries, in scalar code
// (row_scale as in weighted_sum_block).
template <class T, int MR>
inline void weighted_sum_tail(const T* p, index_t p_ld, const T* v, index_t v_stride, index_t keys, index_t cols,
                              T* acc, index_t acc_ld, const T* row_scale = nullptr) noexcept {
    for (index_t c = 0; c < cols; ++c) {
        T o[MR];
        for (int r = 0; r < MR; ++r) o[r] = row_scale ? acc[r * acc_ld + c] * row_scale[r] : acc[r * acc_ld + c];
        for (index_t j = 0; j < keys; ++j) {
            const T x = v[j * v_stride + c];
            for (int r = 0; r < MR; ++r) o[r] += p[j * p_ld + r] * x;
        }
        for (int r = 0; r < MR; ++r) acc[r * acc_ld + c] = o[r];
    }
}

// Calls f(std::integral_constant<int, N>) for the runtime n in [1, Max]: lets a
// tail use the same register-blocked body with fewer vectors.
template <int Max, class F>
inline void with_width(int n, F&& f) {
    if constexpr (Max >= 1) {
        if (n == Max) {
            f(std::integral_constant<int, Max>{});
            return;
        }
        with_width<Max - 1>(n, f);
    }
}

ATTNKIT_END_CONFIG_NAMESPACE
}  // namespace detail
}  // namespace attnkit
